"""Admins and PHI: an admin-made or admin-reset clinical account opens no family record until
a second person confirms it (or, with one admin, until its holder changed the password)."""

from __future__ import annotations

import re

from screening.accounts import store
from screening.platform.db import connect

NEW = ("sw.new", "copper kettle under the bridge", "river otter lantern 77")


def create_sw(admin_client):
    return admin_client.post(
        "/admin/users",
        data={
            "username": NEW[0],
            "display_name": "New Worker",
            "role": "social_worker",
            "password": NEW[1],
        },
    )


def first_sign_in(app):
    """Sign in as the new worker and change the password, as the admin could do alone."""
    client = app.test_client()
    client.post("/login", data={"username": NEW[0], "password": NEW[1]})
    client.post("/account/password", data={"current": NEW[1], "new": NEW[2], "confirm": NEW[2]})
    return client


def second_admin(app) -> int:
    db = connect(app.config["DATABASE"])
    with db.conn:
        uid = store.insert_user(db, "admin.two", "admin", "second admin passphrase 1")
        db.execute("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = ?", [uid])
    db.close()
    return uid


def user_id(app, name) -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT id FROM users WHERE username = ?", [name]).fetchone()[0]
    finally:
        db.close()


def test_an_admin_made_worker_reads_no_family_until_another_admin_confirms(app, admin_client):
    second_admin(app)  # two admins: no self-release
    assert create_sw(admin_client).status_code == 302
    worker = first_sign_in(app)
    response = worker.get("/families", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "waiting for confirmation" in page and "DEMO-" not in page
    uid = user_id(app, NEW[0])
    # The admin who made it cannot confirm it.
    admin_client.post(f"/admin/users/{uid}/confirm")
    assert worker.get("/families").status_code == 302
    # Another admin can.
    other = app.test_client()
    with other.session_transaction() as s:
        db = connect(app.config["DATABASE"])
        s["sid"] = store.open_session(db, user_id(app, "admin.two"))
        db.close()
    assert other.post(f"/admin/users/{uid}/confirm").status_code == 302
    assert worker.get("/families").status_code == 200


def test_a_reset_worker_is_held_again(app, admin_client, sw_client):
    second_admin(app)
    uid = user_id(app, "sw.garcia")
    admin_client.post(f"/admin/users/{uid}/reset", data={"password": NEW[1]})
    client = app.test_client()
    client.post("/login", data={"username": "sw.garcia", "password": NEW[1]})
    client.post("/account/password", data={"current": NEW[1], "new": NEW[2], "confirm": NEW[2]})
    assert client.get("/families").headers["Location"].endswith("/account/pending")


def test_in_a_one_admin_unit_the_holder_releases_it_and_the_review_shows_it(app, admin_client):
    create_sw(admin_client)
    worker = first_sign_in(app)
    assert worker.get("/families").status_code == 200
    review = admin_client.get("/admin/access-review").get_data(as_text=True)
    assert "one-admin unit" in review and NEW[0] in review
    # What the new account opened is listed for the privacy officer.
    fid = re.search(r'href="/families/(\d+)"', worker.get("/families").get_data(as_text=True))
    if fid:
        worker.get(f"/families/{fid.group(1)}")
        review = admin_client.get("/admin/access-review").get_data(as_text=True)
        assert re.search(rf"family\s+{fid.group(1)}\b", review)


def test_managers_made_by_an_admin_are_not_held(app, admin_client):
    admin_client.post(
        "/admin/users",
        data={"username": "mgr.new", "display_name": "M", "role": "manager", "password": NEW[1]},
    )
    db = connect(app.config["DATABASE"])
    hold = db.execute("SELECT phi_hold FROM users WHERE username = 'mgr.new'").fetchone()[0]
    db.close()
    assert hold is None
