"""Demo and production apart: the demo mark, the DEMO banner, check-deploy, CLI hygiene."""

from __future__ import annotations

import os
import re
import stat

import pyotp
import pytest

from screening import create_app
from screening.platform import audit
from screening.platform import settings
from screening.platform.db import connect
from screening.platform.deploy import is_demo


def test_the_demo_database_is_marked_and_every_page_says_demo(app, client, sw_client):
    db = connect(app.config["DATABASE"])
    assert is_demo(db)
    db.close()
    assert "DEMO" in app.test_client().get("/login").get_data(as_text=True)
    assert "DEMO" in sw_client.get("/families").get_data(as_text=True)


def test_check_deploy_lists_every_problem_of_the_demo_with_its_fix(runner):
    result = runner.invoke(args=["check-deploy"])
    assert result.exit_code == 1
    out = result.output
    for problem in ("init-db --demo", "demo families", "plain HTTP", "TRUSTED_PROXIES"):
        assert problem in out, problem
    assert out.count("fix:") >= 4


@pytest.fixture
def production(tmp_path, monkeypatch):
    """A production instance: init-db without --demo, secure settings, an admin with codes."""
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    (instance / "config.py").write_text("SESSION_COOKIE_SECURE = True\nTRUSTED_PROXIES = 1\n")
    monkeypatch.setenv("SCREENING_INSTANCE", str(instance))
    app = create_app()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    return app, runner


def test_check_deploy_passes_on_a_configured_production_instance(production):
    app, runner = production
    result = runner.invoke(args=["check-deploy"])
    assert result.exit_code == 1 and "no active admin has a second factor" in result.output
    made = runner.invoke(
        args=["create-user", "site.admin", "--role", "admin", "--password-stdin"],
        input="copper kettle under the bridge\n",
    )
    assert made.exit_code == 0, made.output
    db = connect(app.config["DATABASE"])
    with db.conn:
        db.execute("UPDATE users SET totp_secret = ?", [pyotp.random_base32()])
    assert not is_demo(db)
    db.close()
    result = runner.invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output


def test_check_deploy_catches_secrets_and_database_readable_by_others(production):
    app, runner = production
    secret = os.path.join(app.instance_path, settings.SECRET_FILE)
    os.chmod(secret, 0o644)
    os.chmod(app.config["DATABASE"], 0o644)
    out = runner.invoke(args=["check-deploy"]).output
    assert f"chmod 600 {secret}" in out and f"chmod 600 {app.config['DATABASE']}" in out


def test_cli_create_user_must_change_the_password_at_first_sign_in(production):
    app, runner = production
    runner.invoke(
        args=["create-user", "sw.new", "--role", "social_worker", "--password-stdin"],
        input="copper kettle under the bridge\n",
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={
            "username": "sw.new",
            "password": "copper kettle under the bridge",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"].endswith("/account/password")


def test_the_cli_actor_comes_from_the_real_uid_not_the_environment(monkeypatch):
    import pwd

    monkeypatch.setenv("LOGNAME", "somebody.else")
    monkeypatch.setenv("USER", "somebody.else")
    actor = audit.cli_actor()
    assert actor["username"] == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"


def test_keyed_record_ids_hide_the_typed_value_and_stay_stable():
    config = {"SECRET_KEY": "k" * 64}
    first = settings.keyed_record_id(config, "Garcia MRN 123456")
    assert first == settings.keyed_record_id(config, " Garcia MRN 123456 ")
    assert "Garcia" not in first and "123456" not in first
    assert first != settings.keyed_record_id({"SECRET_KEY": "j" * 64}, "Garcia MRN 123456")


def test_the_generated_secret_key_is_private(production):
    app, _runner = production
    mode = os.stat(os.path.join(app.instance_path, settings.SECRET_FILE)).st_mode
    assert not mode & (stat.S_IRWXG | stat.S_IRWXO)


def test_the_production_server_sends_no_version_banner(app):
    import threading
    import urllib.request

    from waitress import create_server
    from waitress import wasyncore

    # The same setting `make run` and `make serve` pass (--ident=).
    server = create_server(app, host="127.0.0.1", port=0, ident=None)
    headers: dict = {}

    def fetch():
        url = f"http://127.0.0.1:{server.effective_port}/healthz"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            headers.update(status=response.status, raw=dict(response.headers))

    client = threading.Thread(target=fetch)
    client.start()
    # The server's loop runs here, in the test's thread, until the client has its answer.
    while client.is_alive():
        wasyncore.loop(timeout=0.05, map=server._map, count=1)
    server.task_dispatcher.shutdown()
    for channel in list(server._map.values()):  # the server and any connection left open
        channel.close()
    assert headers["status"] == 200
    assert "Server" not in headers["raw"]
    assert "waitress" not in str(headers["raw"]).lower()


def test_a_production_instance_shows_no_demo_banner(production):
    app, _runner = production
    assert "DEMO" not in app.test_client().get("/login").get_data(as_text=True)


def test_files_the_cli_writes_are_private_even_over_an_open_file(tmp_path):
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"old")
    target.chmod(0o644)
    settings.write_private(target, b"%PDF-1.4 new")
    assert target.read_bytes() == b"%PDF-1.4 new"
    assert not target.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)


def test_a_command_line_event_names_the_operating_system_account(app, db, monkeypatch):
    import pwd

    monkeypatch.setenv("LOGNAME", "forged.name")
    with app.app_context():
        audit.record("letter", "family", "1", detail="cli", db=db)
    who = db.execute("SELECT username, role FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert who == (f"cli:{pwd.getpwuid(os.getuid()).pw_name}", "cli")
