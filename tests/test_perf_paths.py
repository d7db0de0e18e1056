"""What keeps every staff page cheap at a unit's real size, checked by what SQLite does
(query plans, files), never by the clock: timings live in bench/ (issue 16)."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest

from screening.platform import db as storage

# Tables that grow with the unit: a page must reach their rows through an index.
GROWING = ("families", "caregivers", "screenings", "answers", "alerts", "referrals", "audit_log")


@pytest.fixture
def statements(monkeypatch):
    """Every SQL statement the app runs, in order (each connection traced)."""
    seen: list[str] = []
    plain = storage.connect

    def traced(path: str):
        database = plain(path)
        database.conn.set_trace_callback(seen.append)
        return database

    monkeypatch.setattr(storage, "connect", traced)
    # Serving threads keep their connection between requests: start this one afresh, traced.
    monkeypatch.setattr(storage, "_THREAD", threading.local())
    return seen


def sorts_or_scans(database_path: str, sql: str) -> list[str]:
    """The plan steps that read a growing table whole or sort all of a growing table's rows."""
    conn = sqlite3.connect(database_path)
    try:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    finally:
        conn.close()
    bad = []
    for step in plan:
        words = step.split()
        if words[0] == "SCAN" and words[1] in GROWING and "ORDER BY id DESC LIMIT 1" not in sql:
            bad.append(step)
    if any("TEMP B-TREE FOR ORDER BY" in s for s in plan) and "LIMIT" in sql.upper():
        # A LIMIT after a sort means every matching row was read to keep a few: a page
        # ordered by an index stops at the page size instead.
        bad.append("sorts every matching row before its LIMIT")
    return bad


def test_the_worklist_pages_through_indexes(app, sw_client, statements):
    statements.clear()
    assert sw_client.get("/families").status_code == 200
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects, "the worklist read nothing?"
    problems = {s: sorts_or_scans(app.config["DATABASE"], s) for s in selects}
    assert {s: p for s, p in problems.items() if p} == {}


def test_the_open_alert_banner_reads_oldest_first_by_index(app, sw_client, statements):
    statements.clear()
    sw_client.get("/families/search")
    banner = [s for s in statements if "acknowledged_at IS NULL" in s and "LIMIT" in s]
    assert banner
    assert sorts_or_scans(app.config["DATABASE"], banner[0]) == []


def test_closing_a_pages_connection_leaves_the_write_ahead_log_alone(app, sw_client):
    """Every page appends an audit row; when its connection was the last one open, SQLite
    copied the log into the file, synced it and deleted it on close, on every request."""
    wal = app.config["DATABASE"] + "-wal"
    for _ in range(3):
        assert sw_client.get("/families").status_code == 200
        # Still there: another connection of this process keeps the log open.
        assert os.path.exists(wal)
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        views = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'view' AND record_type = 'worklist'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert views >= 3  # and what the pages wrote is there for any other connection


def test_the_days_letters_find_todays_acceptances_by_index(app, sw_client, statements):
    statements.clear()
    sw_client.get("/referrals/letters/today")
    today = [s for s in statements if "substr(r.accepted_at, 1, 10)" in s]
    assert today
    conn = sqlite3.connect(app.config["DATABASE"])
    try:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + today[0])]
    finally:
        conn.close()
    assert not [step for step in plan if step.startswith("SCAN r")], plan
