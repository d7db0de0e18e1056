"""Shared fixtures: app, client, runner, and signed-in clients for each role."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlite_utils

from screening import create_app
from screening.db import connect
from screening.db import migrate
from screening.demo import DEMO_ACCOUNTS


def pytest_report_header(config):
    return f"sqlite {sqlite3.sqlite_version}, sqlite-utils {sqlite_utils.__version__}"


@pytest.fixture
def app(tmp_path, monkeypatch):
    """A fresh app with a migrated database holding the demo data."""
    monkeypatch.delenv("SCREENING_INSTANCE", raising=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret",
            "WTF_CSRF_ENABLED": False,
            "DATABASE": str(tmp_path / "test.sqlite"),
            "INSTANCE_FORMS": str(tmp_path / "forms"),
        }
    )
    db = connect(app.config["DATABASE"])
    migrate(db)
    from screening import demo

    demo.load(db, app.config)
    db.close()
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


def account(role: str) -> tuple[str, str]:
    """(username, password) of the first demo account with the role."""
    for username, r, password, _name in DEMO_ACCOUNTS:
        if r == role:
            return username, password
    raise LookupError(role)


class AuthActions:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, role: str = "social_worker"):
        username, password = account(role)
        return self._client.post("/login", data={"username": username, "password": password})

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


def csrf_token(html: str) -> str:
    """The CSRF token from a rendered form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no csrf token in page"
    return match.group(1)
