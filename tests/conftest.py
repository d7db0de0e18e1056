"""Shared fixtures: app, client, runner, and signed-in clients for each role."""

from __future__ import annotations

import os
import re
import sqlite3
from importlib import metadata

import pytest
from hypothesis import settings

from screening import create_app
from screening.platform.db import connect
from screening.schema import migrate
from tests.factories.web import account
from tests.factories.web import make_config
from tests.factories.web import page_inputs

# CI runs every property test on the same examples (a green run is never luck); a developer's
# run explores new ones. `--hypothesis-seed=N` still picks a seed in either profile.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_report_header(config):
    return f"sqlite {sqlite3.sqlite_version}, sqlite-utils {metadata.version('sqlite-utils')}"


@pytest.fixture(autouse=True)
def instance_folder(tmp_path, monkeypatch):
    """Every app a test makes keeps its instance files in the test's own folder, never in
    the checkout's instance/ (a site's real config and database may live there)."""
    folder = tmp_path / "test-instance"
    folder.mkdir()
    monkeypatch.setenv("SCREENING_INSTANCE", str(folder))
    return folder


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A migrated database with the demo data, built once and copied for each test."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCREENING_INSTANCE", str(folder))
        app = create_app(make_config(folder))
    db = connect(app.config["DATABASE"])
    migrate(db)
    from screening import demo

    with app.app_context():
        demo.load(db, app.config)
    db.close()
    return app.config["DATABASE"]


@pytest.fixture
def app(tmp_path, instance_folder, demo_database):
    """A fresh app with its own copy of the demo database."""
    app = create_app(make_config(tmp_path))
    source = sqlite3.connect(demo_database)
    target = sqlite3.connect(app.config["DATABASE"])
    source.backup(target)
    source.close()
    target.close()
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A direct connection to the test database."""
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


class AuthActions:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, role: str = "social_worker"):
        username, password = account(role)
        response = self._client.post("/login", data={"username": username, "password": password})
        if role == "admin" and response.status_code == 302:
            response = self._admin_code_step(username, response)
        return response

    def _admin_code_step(self, username: str, response):
        """Admins give a TOTP code: enrol on first sign-in, else answer the code step."""
        import datetime as dt

        import pyotp

        location = response.headers["Location"]
        if location.endswith("/account/totp"):
            page = self._client.get("/account/totp").get_data(as_text=True)
            secret = re.search(r'class="totp-secret">([A-Z2-7 ]+)<', page).group(1)
            url, secret, used = "/account/totp", secret.replace(" ", ""), set()
        elif location.endswith("/login/code"):
            database = connect(self._client.application.config["DATABASE"])
            user = database.execute(
                "SELECT id, totp_secret FROM users WHERE username = ?", [username]
            ).fetchone()
            used = {
                r[0]
                for r in database.execute(
                    "SELECT detail FROM audit_log WHERE record_id = ? AND outcome = 'ok'",
                    [str(user[0])],
                )
            }
            database.close()
            url, secret = "/login/code", user[1]
        else:
            return response
        totp = pyotp.TOTP(secret)
        step = totp.timecode(dt.datetime.now(dt.UTC))
        # Each code is accepted once; a second sign-in in the same 30 s uses the next step.
        for candidate in (step, step + 1, step - 1):
            if not any(d.endswith(f"totp_step={candidate}") for d in used):
                return self._client.post(url, data={"code": totp.generate_otp(candidate)})
        return response

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def sw_client(client, auth):
    """A client signed in as a social worker."""
    assert auth.login("social_worker").status_code == 302
    return client


@pytest.fixture
def manager_client(client, auth):
    """A client signed in as a unit manager."""
    assert auth.login("manager").status_code == 302
    return client


@pytest.fixture
def admin_client(client, auth):
    """A client signed in as an admin."""
    assert auth.login("admin").status_code == 302
    return client


class ScreenActions:
    """Drive the screening flow through the test client, like a social worker would."""

    def __init__(self, client):
        self.client = client

    def start(
        self,
        family_id: int,
        caregiver_id: int,
        *,
        instruments,
        language="en",
        mode="interview",
        timepoint="admission",
        token=None,
    ):
        """Start a screening; returns the response (302 to the first page)."""
        return self.client.post(
            f"/families/{family_id}/screenings",
            data={
                "caregiver_id": str(caregiver_id),
                "request_token": token or f"tok-{family_id}-{caregiver_id}-{len(instruments)}",
                "timepoint": timepoint,
                "mode": mode,
                "language": language,
                "instruments": list(instruments),
                "decline_reason": "not_now",
                "action": "start",
            },
        )

    def answer_page(self, url: str, answers: dict, action: str = "next"):
        """Fill one page: given answers by field name, otherwise each question's first option."""
        html = self.client.get(url).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
        data = {"version": version, "action": action}
        for name, inputs in page_inputs(html).items():
            if name in answers:
                data[name] = answers[name]
            elif inputs[0][0] == "radio":
                data[name] = inputs[0][1]
        return self.client.post(url, data=data)

    def run(self, screening_id: int, answers: dict | None = None, max_pages: int = 60):
        """Answer every page until the screening completes; returns the final response."""
        url = f"/screenings/{screening_id}/page/1"
        for _ in range(max_pages):
            response = self.answer_page(url, answers or {})
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/page/" not in location:
                return response
            url = location
        raise AssertionError("screening did not finish")


@pytest.fixture
def screen(sw_client):
    return ScreenActions(sw_client)
