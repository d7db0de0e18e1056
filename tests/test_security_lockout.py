"""Lockout and second factor under attack: parallel bursts, code guessing, code replay.

Each test reproduces one finding of issue 15's attack and fails if its protection goes.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pyotp
import pytest

from screening.accounts import passwords
from screening.accounts import store
from screening.platform import timeutil
from screening.platform.db import connect

SW = ("sw.garcia", "demo-social-worker-1")
ADMIN = ("admin.lee", "demo-site-admin-01")
SECRET = pyotp.random_base32()


def login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def user_row(app, username) -> dict:
    db = connect(app.config["DATABASE"])
    try:
        row = db.execute(
            "SELECT id, failed_logins, locked_until FROM users WHERE username = ?", [username]
        ).fetchone()
    finally:
        db.close()
    return {"id": row[0], "failed_logins": row[1], "locked_until": row[2]}


def audit_details(app, action="login") -> list[str]:
    db = connect(app.config["DATABASE"])
    try:
        return [r[0] for r in db.execute("SELECT detail FROM audit_log WHERE action = ?", [action])]
    finally:
        db.close()


def in_parallel(count: int, work) -> list:
    """Run work(i) in `count` threads released together; results in order."""
    results: list = [None] * count
    gate = threading.Barrier(count)

    def run(i):
        gate.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def enrol(app, secret=SECRET) -> None:
    db = connect(app.config["DATABASE"])
    with db.conn:
        db.execute("UPDATE users SET totp_secret = ? WHERE username = ?", [secret, ADMIN[0]])
    db.close()


def flash_text(response) -> str:
    match = re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


@pytest.mark.slow
def test_a_parallel_burst_of_wrong_passwords_counts_every_try_and_checks_at_most_five(app):
    clients = [app.test_client() for _ in range(20)]
    statuses = in_parallel(
        20, lambda i: login(clients[i], SW[0], f"wrong guess {i:02d}!").status_code
    )
    assert statuses == [401] * 20
    row = user_row(app, SW[0])
    assert row["failed_logins"] == 20 and row["locked_until"]
    # Only five guesses were checked against the hash; the rest were refused unseen.
    assert audit_details(app).count("password") <= store.LOCK_AFTER
    assert login(app.test_client(), *SW).status_code == 401


def test_the_right_password_after_five_failures_is_refused(app, client):
    for i in range(5):
        login(client, SW[0], f"wrong wrong {i}")
    assert login(client, *SW).status_code == 401


@pytest.mark.parametrize("case", ["unknown", "locked", "deactivated", "wrong"])
def test_every_refusal_reads_the_same_and_checks_one_hash(app, client, monkeypatch, case):
    db = connect(app.config["DATABASE"])
    with db.conn:
        if case == "locked":
            db.execute(
                "UPDATE users SET failed_logins = 5, locked_until = ? WHERE username = ?",
                [timeutil.iso(timeutil.now() + dt.timedelta(minutes=5)), SW[0]],
            )
        if case == "deactivated":
            db.execute("UPDATE users SET active = 0 WHERE username = ?", [SW[0]])
    db.close()
    reference = flash_text(login(app.test_client(), "someone.else", "wrong wrong wrong"))
    calls = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: calls.append(h) or real(h, p))
    username = "no.such.person" if case == "unknown" else SW[0]
    password = "wrong wrong wrong" if case in ("unknown", "wrong") else SW[1]
    response = login(client, username, password)
    assert response.status_code == 401
    assert flash_text(response) == reference
    # One Argon2 verification whatever the case: the time taken does not tell them apart.
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_totp_guessing_locks_whatever_the_passwords(app):
    enrol(app)
    client = app.test_client()
    wrong = f"{(int(pyotp.TOTP(SECRET).now()) + 500000) % 1000000:06d}"
    guesses = 0
    for _round in range(4):
        login(client, *ADMIN)
        for _ in range(4):
            response = client.post("/login/code", data={"code": wrong})
            if response.status_code == 401 and "already used" in flash_text(response):
                guesses += 1
    assert guesses <= store.LOCK_AFTER
    assert user_row(app, ADMIN[0])["locked_until"]
    # Locked now: even the right password and the right code do not sign in.
    login(client, *ADMIN)
    response = client.post("/login/code", data={"code": pyotp.TOTP(SECRET).now()})
    assert response.status_code != 302


@pytest.mark.slow
def test_one_code_sent_from_parallel_sign_ins_succeeds_once(app):
    enrol(app)
    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        assert login(c, *ADMIN).headers["Location"].endswith("/login/code")
    code = pyotp.TOTP(SECRET).now()
    statuses = in_parallel(
        4, lambda i: clients[i].post("/login/code", data={"code": code}).status_code
    )
    assert sorted(statuses) == [302, 401, 401, 401]


def test_a_right_password_does_not_reset_wrong_codes(app, client):
    enrol(app)
    login(client, *ADMIN)
    client.post("/login/code", data={"code": "000000"})
    client.post("/login/code", data={"code": "000001"})
    login(client, *ADMIN)
    assert user_row(app, ADMIN[0])["failed_logins"] == 2


def test_recovery_codes_work_once_and_are_stored_hashed(app, client, auth):
    auth.login("admin")  # enrols through the page
    page = client.post("/account/recovery-codes").get_data(as_text=True)
    codes = re.findall(r"<code>([0-9A-F]{4}(?:-[0-9A-F]{4}){3})</code>", page)
    assert len(codes) == store.RECOVERY_CODES
    db = connect(app.config["DATABASE"])
    stored = [r[0] for r in db.execute("SELECT code_hash FROM recovery_codes")]
    db.close()
    assert not set(codes) & set(stored) and all(c.replace("-", "") not in stored for c in codes)
    client.post("/logout")
    for expected in (302, 401):
        login(client, *ADMIN)
        response = client.post("/login/code", data={"code": codes[0].lower()})
        assert response.status_code == expected
        client.post("/logout")


def test_enrolment_shows_a_qr_code_drawn_on_the_server(app, client):
    login(client, *ADMIN)
    page = client.get("/account/totp").get_data(as_text=True)
    assert re.search(r"<svg[^>]*>.*<path", page, re.S)
    assert "<img" not in page.split("totp-qr")[1][:400]
