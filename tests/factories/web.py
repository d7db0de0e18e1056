"""The app as users meet it: test settings, demo accounts, signing in through the real forms
(CSRF and admin codes included), the bedside flow driven page by page, and what a PDF says."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pyotp
import pytest
from flask import Flask

from screening import create_app
from screening.demo import DEMO_ACCOUNTS
from screening.platform import i18n
from screening.platform import wording
from screening.platform.db import connect
from tests.factories import unscreened_family

# PHQ-9 answers with thoughts of self-harm: the crisis screen and the urgent alert follow.
SELF_HARM = {"phq9__phq9_1": "3", "phq9__phq9_2": "3", "phq9__phq9_9": "2"}
TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
INPUT_RE = re.compile(r"<input[^>]*>")
ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')
ADMIN_SECRET = pyotp.random_base32()


def make_config(tmp_path) -> dict:
    """Settings for a test app whose files live in tmp_path."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "WTF_CSRF_ENABLED": False,
        "DATABASE": str(tmp_path / "test.sqlite"),
        "INSTANCE_FORMS": str(tmp_path / "forms"),
    }


def account(role: str) -> tuple[str, str]:
    """(username, password) of the first demo account with the role."""
    for username, r, password, _name in DEMO_ACCOUNTS:
        if r == role:
            return username, password
    raise LookupError(role)


def page_inputs(html: str) -> dict[str, list[tuple[str, str]]]:
    """{field name: [(type, value), ...]} of the radio, checkbox and text inputs on a page."""
    fields: dict[str, list[tuple[str, str]]] = {}
    for tag in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(tag))
        name = attrs.get("name", "")
        if "__" not in name or name.startswith("csrf"):
            continue
        fields.setdefault(name, []).append((attrs.get("type", "text"), attrs.get("value", "")))
    return fields


def family_form(**overrides) -> dict:
    """The new-family form as posted: twins and one parent (a second parent row left blank);
    an override of None leaves a field out."""
    data = {
        "mrn": "NICU-55501",
        "admission_date": "2026-11-10",
        "discharge_date": "",
        "race_ethnicity": ["black", "hispanic"],
        "insurance": "public",
        "zip": "02118",
        "language": "es",
        "infants-0-name": "Baby Girl Testa",
        "infants-0-dob": "2026-11-09",
        "infants-0-ga_weeks": "29",
        "infants-0-ga_days": "3",
        "infants-1-name": "Baby Boy Testa",
        "infants-1-dob": "2026-11-09",
        "infants-1-ga_weeks": "29",
        "infants-1-ga_days": "3",
        "caregivers-0-name": "Rosalind Testa",
        "caregivers-0-respondent": "birthing_parent",
        "caregivers-0-phone": "(555) 012-3456",
        "caregivers-0-language": "es",
        "caregivers-1-name": "",
        "caregivers-1-respondent": "partner",
        "caregivers-1-language": "en",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def screening_id(response) -> int:
    """The screening id a start or page response redirects to."""
    return int(response.headers["Location"].split("/screenings/")[1].split("/")[0])


def completed_screening(screen, db, instruments=("ahc_core", "phq9"), answers=None) -> int:
    """A screening of a new family run to completion through the web flow; returns its id."""
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=list(instruments)))
    final = screen.run(sid, answers or {})
    assert final.headers["Location"].endswith(f"/screenings/{sid}/results"), final.status
    return sid


def run_parent_mode(screen, client, db, language: str = "es", answers=None):
    """Hand the tablet to a new family's parent, who answers PHQ-9 (with a self-harm answer
    unless `answers` say otherwise); (screening id, the response that ended the questions)."""
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(
        screen.start(
            family_id, caregiver_id, instruments=["phq9"], language=language, mode="self_complete"
        )
    )
    assert client.post(f"/screenings/{sid}/handover").status_code == 302
    url, last = f"/screenings/{sid}/page/1", None
    for _ in range(10):
        last = screen.answer_page(url, SELF_HARM if answers is None else answers)
        url = last.headers.get("Location", "")
        if "/page/" not in url:
            break
    return sid, last


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
    username, password = account(role)
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


def in_progress_screenings(app) -> list[int]:
    """The ids of the first two screenings still in progress in the app's database."""
    db = connect(app.config["DATABASE"])
    try:
        sql = "SELECT id FROM screenings WHERE status = 'in_progress' ORDER BY id LIMIT 2"
        return [r[0] for r in db.execute(sql)]
    finally:
        db.close()


def core_words() -> dict[str, dict[str, str]]:
    """The wording dict core functions take, from the shipped catalogue (no database)."""
    app = Flask(__name__)
    i18n.init_app(app)
    with app.app_context():
        return wording.words()


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler missing")


def pdf_text(data: bytes, *, layout: bool = False) -> str:
    """The text a PDF shows, as poppler's pdftotext reads it (tests using it need_poppler)."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()
