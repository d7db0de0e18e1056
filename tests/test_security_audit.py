"""Audit trail: what is recorded, the admin viewer and CSV, and tamper detection."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from screening.platform import audit


def rows(app, where="1=1", params=()):
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.row_factory = sqlite3.Row
    sql = f"SELECT * FROM audit_log WHERE {where}"  # noqa: S608 - test-only fixed clauses
    found = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return found


def test_login_success_failure_and_denial_are_recorded_without_typed_text(app, client, auth):
    client.post("/login", data={"username": "Maria Lopez 4471882", "password": "whatever x"})
    client.post("/login", data={"username": "sw.garcia", "password": "wrong password x"})
    auth.login("manager")
    client.get("/families")
    found = rows(app)
    failed = [r for r in found if r["action"] == "login" and r["outcome"] == "failed"]
    assert [r["detail"] for r in failed] == ["unknown account", "password"]
    assert failed[1]["record_id"] != ""  # the targeted account id, not the typed name
    assert any(
        r["action"] == "login" and r["outcome"] == "ok" and r["role"] == "manager" for r in found
    )
    denied = [r for r in found if r["action"] == "permission_denied"]
    assert denied and denied[0]["record_id"] == "families.worklist"
    dump = json.dumps(found)
    assert "Maria" not in dump and "4471882" not in dump and "wrong password" not in dump


def test_audit_verify_passes_on_an_untouched_trail(app, client, auth, runner):
    auth.login()
    auth.logout()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "intact" in result.output


def attacker(app):
    """Open the database the way someone with file access would: triggers dropped."""
    conn = sqlite3.connect(app.config["DATABASE"])
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn


def make_trail(client, auth, n=3):
    for _ in range(n):
        auth.login()
        auth.logout()


def test_the_append_only_triggers_refuse_edits(app, client, auth):
    make_trail(client, auth, 1)
    conn = sqlite3.connect(app.config["DATABASE"])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET outcome = 'ok'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("UPDATE audit_log SET detail = 'edited' WHERE id = 2", "contents were changed"),
        ("DELETE FROM audit_log WHERE id = 2", "missing"),
        ("DELETE FROM audit_log WHERE id >= 4", "missing"),
        ("DELETE FROM audit_log", "anchor"),
    ],
    ids=["edit", "delete-middle", "truncate-tail", "empty"],
)
def test_audit_verify_detects_tampering(app, client, auth, runner, tamper, message):
    make_trail(client, auth)
    conn = attacker(app)
    conn.execute(tamper)
    conn.commit()
    conn.close()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert message in result.output


def test_recomputing_the_chain_without_the_key_is_detected(app, client, auth, runner):
    """An attacker who rewrites a row and re-hashes the rest with plain SHA-256 still fails."""
    import hashlib

    make_trail(client, auth)
    conn = attacker(app)
    prev = audit.GENESIS
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        cols = [c[0] for c in conn.execute("SELECT * FROM audit_log LIMIT 0").description]
        data = dict(zip(cols, row, strict=True))
        data["detail"] = "rewritten"
        payload = json.dumps([prev] + [data.get(f) for f in audit.FIELDS], separators=(",", ":"))
        new = hashlib.sha256(payload.encode()).hexdigest()
        conn.execute(
            "UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?",
            ["rewritten", prev, new, data["id"]],
        )
        prev = new
    conn.commit()
    conn.close()
    assert runner.invoke(args=["audit-verify"]).exit_code == 1


def test_a_forged_anchor_is_detected(app, client, auth, runner):
    make_trail(client, auth)
    conn = attacker(app)
    conn.execute("UPDATE audit_anchor SET count = count - 1")
    conn.commit()
    conn.close()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1 and "anchor" in result.output


def test_rows_written_inside_a_rolled_back_transaction_do_not_raise_false_alarms(app, runner):
    from screening.platform.db import connect
    from screening.platform.db import write

    with app.app_context():
        db = connect(app.config["DATABASE"])
        audit.record("one", db=db, user=None)
        with pytest.raises(RuntimeError):
            with write(db):
                audit.record("rolled_back", db=db, user=None)
                raise RuntimeError("abandon")
        audit.record("two", db=db, user=None)
        db.close()
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output


def test_admin_viewer_filters(admin_client, app):
    admin_client.post("/login", data={"username": "nobody.here", "password": "wrong one x"})
    page = admin_client.get("/admin/audit?action=totp_enrol").get_data(as_text=True)
    assert "totp_enrol" in page and "factor=password" not in page
    page = admin_client.get("/admin/audit?user=admin.lee&record_type=user").get_data(as_text=True)
    assert "totp_enrol" in page
    today = rows(app)[0]["at"][:10]
    assert "totp_enrol" in admin_client.get(f"/admin/audit?date_from={today}&date_to={today}").text
    empty = admin_client.get("/admin/audit?date_from=2000-01-01&date_to=2000-01-02").text
    assert "No entries match" in empty


def test_admin_viewer_rejects_bad_filters_with_a_message(admin_client):
    response = admin_client.get("/admin/audit?date_from=yesterday")
    assert response.status_code == 400
    assert b"Not a valid date" in response.data
    assert admin_client.get("/admin/audit?action=not-an-action").status_code == 400


def test_csv_export_neutralises_formulas_and_is_itself_audited(admin_client, app):
    with app.app_context():
        audit.record(
            "note", "user", '=HYPERLINK("http://x")', detail="+cmd|' /C calc'!A0", user=None
        )
    response = admin_client.get("/admin/audit?format=csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    note = next(r for r in table if r["action"] == "note")
    assert note["record_id"].startswith("'=") and note["detail"].startswith("'+")
    assert rows(app, "action = 'audit_export'")


def test_only_admins_reach_the_audit_trail(sw_client, app):
    assert sw_client.get("/admin/audit").status_code == 403
    assert sw_client.get("/admin/audit?format=csv").status_code == 403
