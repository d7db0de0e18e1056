"""backup DEST and restore SRC: online copy, checks on the copy, 0600, a working restore."""

from __future__ import annotations

import sqlite3
import stat

from screening.platform.backup import check_copy


def count(path, table):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    finally:
        conn.close()


def test_backup_is_checked_private_and_holds_the_rows(app, runner, tmp_path, auth):
    auth.login()
    dest = tmp_path / "nightly.sqlite"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "integrity and foreign keys ok" in result.output
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert check_copy(dest) == []
    assert count(dest, "users") == count(app.config["DATABASE"], "users") == 4
    assert count(dest, "user_sessions") == 1
    conn = sqlite3.connect(app.config["DATABASE"])
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'backup'").fetchone()[0] == 1
    conn.close()


def test_backup_into_a_folder_gets_a_dated_name(runner, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    (made,) = folder.glob("screening-*.sqlite")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600


def test_a_database_failing_its_checks_gives_no_backup(app, runner, tmp_path):
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO user_sessions (id, user_id, created_at, last_seen) VALUES ('x', 999, 'a', 'a')"
    )
    conn.commit()
    conn.close()
    dest = tmp_path / "bad.sqlite"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 1
    assert "foreign_key_check: user_sessions" in result.output
    assert not dest.exists() and not list(tmp_path.glob(".bad.sqlite*"))


def test_restore_brings_back_the_backup_and_signs_everyone_out(app, runner, tmp_path, sw_client):
    dest = tmp_path / "before.sqlite"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    result = runner.invoke(
        args=["create-user", "sw.later", "--role", "social_worker", "--password-stdin"],
        input="lantern over quiet water\n",
    )
    assert result.exit_code == 0
    assert count(app.config["DATABASE"], "users") == 5
    assert runner.invoke(args=["restore", str(dest)]).exit_code == 2  # needs --yes
    result = runner.invoke(args=["restore", str(dest), "--yes"])
    assert result.exit_code == 0, result.output
    assert count(app.config["DATABASE"], "users") == 4
    assert sw_client.get("/families").status_code == 302
    assert runner.invoke(args=["audit-verify"]).exit_code == 0
    assert list(tmp_path.glob("screening-*.sqlite"))  # the safety copy of the replaced data


def test_restore_refuses_a_damaged_file_and_changes_nothing(app, runner, tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code == 1 and "nothing was changed" in result.output
    assert count(app.config["DATABASE"], "users") == 4
