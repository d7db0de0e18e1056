"""Input hygiene, health check cost and the audit trail's append cost.

Each test fails when its protection goes: the global refusal of NUL bytes, over-long fields
and malformed ids; the cached health check; the O(1) audit append.
"""

from __future__ import annotations

import re

import pytest

from screening.platform import audit
from screening.platform.db import connect
from screening.platform.web_security import MAX_FIELD_CHARS


def a_family_id(sw_client) -> str:
    page = sw_client.get("/families").get_data(as_text=True)
    return re.search(r'href="/families/(\d+)"', page).group(1)


@pytest.mark.parametrize(
    "field",
    [
        {"q": "Garcia\x00"},
        {"q": "x" * (MAX_FIELD_CHARS + 1)},
        {"version": "1 OR 1=1"},
        {"caregiver_id": "abc"},
        {"caregivers-0-id": str(2**63)},
        {"version": "-1"},
    ],
)
def test_bad_values_are_refused_with_400_before_any_view(sw_client, field):
    fid = a_family_id(sw_client)
    for method, url in (("GET", "/families/search"), ("POST", f"/families/{fid}/edit")):
        kwargs = {"query_string": field} if method == "GET" else {"data": field}
        response = sw_client.open(url, method=method, **kwargs)
        assert response.status_code == 400, (url, field)


def test_an_id_beyond_sqlite_range_in_the_path_is_400_not_500(sw_client):
    assert sw_client.get(f"/families/{2**63}").status_code == 400
    assert sw_client.get(f"/families/{2**64 + 5}").status_code == 400


def test_autocomplete_is_off_on_account_fields_an_admin_types_names_into(admin_client):
    page = admin_client.get("/admin/users").get_data(as_text=True)
    for name in ("username", "display_name"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'autocomplete="off"' in tag, name


def test_healthz_answers_from_a_cached_check(app, client, monkeypatch):
    from screening.platform import health

    calls = []
    real = health._check
    monkeypatch.setattr(health, "_check", lambda path: calls.append(path) or real(path))
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
    assert len(calls) <= 1
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "migrated": True}


def test_an_audit_append_reads_no_aggregate_over_the_trail(app):
    db = connect(app.config["DATABASE"])
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    with app.app_context():
        audit.record("view", "family", "1", user=audit.cli_actor(), db=db)
    db.conn.set_trace_callback(None)
    reads = " ".join(s.lower() for s in statements)
    # count(*), max(id) - min(id) ... walk the table; an append may only look up rows by key.
    assert not re.search(r"\b(count|max|min|sum)\s*\(", reads), statements
    with app.app_context():
        assert audit.verify(db, app.config) == []
    db.close()


def test_the_anchor_keeps_count_across_many_appends_and_verify_still_catches_a_cut(app):
    db = connect(app.config["DATABASE"])
    with app.app_context():
        for i in range(30):
            audit.record("view", "family", str(i), user=audit.cli_actor(), db=db)
        assert audit.verify(db, app.config) == []
        total = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        assert audit.read_anchor(db)["count"] == total
        # Cut the tail behind the app's back, then append: the anchor must not forgive it.
        with db.conn:
            db.execute("DROP TRIGGER audit_log_no_delete")
            db.execute("DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)")
        audit.record("view", "family", "x", user=audit.cli_actor(), db=db)
        assert audit.verify(db, app.config) != []
    db.close()
