"""Builders for the security tests: a CSRF-on app, signed-in clients through the real forms,
and real ids of real records (the lead folds these into tests/factories.py)."""

from __future__ import annotations

import re
import time

import pyotp

from screening import create_app
from screening.demo import DEMO_ACCOUNTS
from screening.platform.db import connect

TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
ADMIN_SECRET = pyotp.random_base32()


def csrf_app(app):
    """A second app on the same test database with CSRF protection on, as in production."""
    return create_app({**app.config, "WTF_CSRF_ENABLED": True})


def token(client, path="/login") -> str | None:
    """The page's CSRF token (None when the app runs without CSRF protection)."""
    match = TOKEN_RE.search(client.get(path).get_data(as_text=True))
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return match.group(1) if match else None
    assert match, f"no csrf token on {path}"
    return match.group(1)


def sign_in(app, role: str):
    """A client of `app` signed in as the first demo account with the role, tokens and all."""
    username, _r, password, _n = next(a for a in DEMO_ACCOUNTS if a[1] == role)
    client = app.test_client()
    if role == "admin":
        db = connect(app.config["DATABASE"])
        with db.conn:
            db.execute(
                "UPDATE users SET totp_secret = ? WHERE username = ? AND totp_secret IS NULL",
                [ADMIN_SECRET, username],
            )
            secret = db.execute(
                "SELECT totp_secret FROM users WHERE username = ?", [username]
            ).fetchone()[0]
        db.close()
    data = {"username": username, "password": password, "csrf_token": token(client)}
    response = client.post("/login", data={k: v for k, v in data.items() if v})
    if role == "admin":
        step_token = token(client, "/login/code")
        totp = pyotp.TOTP(secret)
        # Each time step is accepted once: a second sign-in in the same 30 s uses the next.
        for offset in (0, 1, -1):
            data = {"code": totp.at(time.time() + offset * 30), "csrf_token": step_token}
            response = client.post("/login/code", data={k: v for k, v in data.items() if v})
            if response.status_code == 302:
                break
    assert response.status_code == 302, f"{role} could not sign in"
    return client


def real_ids(app) -> dict[str, int]:
    """One real record for every kind of id a route takes."""
    db = connect(app.config["DATABASE"])
    try:

        def first(sql: str) -> int:
            row = db.execute(sql).fetchone()
            assert row, sql
            return int(row[0])

        family = first("SELECT family_id FROM referrals ORDER BY id")
        return {
            "family_id": family,
            "caregiver_id": first(f"SELECT id FROM caregivers WHERE family_id = {family}"),  # noqa: S608
            "screening_id": first("SELECT id FROM screenings ORDER BY status = 'in_progress' DESC"),
            "alert_id": first("SELECT id FROM alerts ORDER BY id"),
            "referral_id": first("SELECT id FROM referrals ORDER BY id"),
            "user_id": first("SELECT id FROM users WHERE username = 'sw.okafor'"),
            "number": first("SELECT number FROM services ORDER BY number"),
            "n": 1,
            "plan_id": first("SELECT id FROM action_plans ORDER BY id"),
            "review_id": first("SELECT id FROM action_plan_reviews ORDER BY id"),
        }
    finally:
        db.close()
