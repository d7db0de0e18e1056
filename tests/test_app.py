"""App factory, health check, login and role gates."""

from __future__ import annotations

from screening import create_app


def test_healthz_reports_migrated_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "migrated": True}


def test_healthz_unmigrated_is_503(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE": str(tmp_path / "x.sqlite")})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["migrated"] is False


def test_anonymous_is_sent_to_login(client):
    response = client.get("/families")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_manager_gets_403_on_families(manager_client):
    assert manager_client.get("/families").status_code == 403


def test_wrong_password_is_refused_without_saying_which_part(client):
    response = client.post("/login", data={"username": "sw.garcia", "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert b"Wrong username or password." in response.data


def test_logout_revokes_the_session(client, auth):
    auth.login()
    assert client.get("/families").status_code == 200
    auth.logout()
    assert client.get("/families").status_code == 302


def test_no_secret_key_outside_tests_refuses_to_serve(tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENING_INSTANCE", str(tmp_path))
    app = create_app()
    assert app.config["SECRET_KEY"] is None
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert b"init-db" in response.data
