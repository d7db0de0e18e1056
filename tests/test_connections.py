"""A serving thread keeps its SQLite connection between requests (opening one is a third of a
page save: bench/README.md). What that must never cost: a stale read, a transaction carried
into the next request, a connection crossing threads."""

from __future__ import annotations

import threading

import pytest

from screening.platform import db as storage
from screening.platform.roles import allow


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every connection the app opens from now on (this thread starts with none held)."""
    paths: list[str] = []
    plain = storage.connect

    def counted(path: str):
        paths.append(path)
        return plain(path)

    monkeypatch.setattr(storage, "connect", counted)
    monkeypatch.setattr(storage, "_THREAD", threading.local())
    return paths


# Cursors a failed request leaves behind, as a traceback can keep one alive.
KEPT: list[object] = []


@pytest.fixture
def scratch(app, db):
    """Two routes that misbehave, and a table no page touches for one of them to write into."""
    db.execute("CREATE TABLE scratch (v TEXT)")

    @app.get("/test-left-open")
    @allow("social_worker")
    def left_open():
        # A Python sqlite3 INSERT opens a transaction that nothing here commits.
        storage.get_db().conn.execute("INSERT INTO scratch (v) VALUES ('never committed')")
        return "ok"

    @app.get("/test-fails-mid-read")
    @allow("social_worker")
    def fails_mid_read():
        # A half-read cursor that outlives its request holds a read snapshot open.
        cursor = storage.get_db().conn.execute("SELECT id FROM families")
        cursor.fetchone()
        KEPT.append(cursor)
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    KEPT.clear()


def test_a_thread_opens_its_connection_once_for_many_requests(sw_client, opened):
    for _ in range(3):
        assert sw_client.get("/families").status_code == 200
    assert len(opened) == 1


def test_each_thread_has_its_own_connection(app, sw_client, opened):
    held: dict[str, object] = {}

    def other_thread() -> None:
        with app.test_request_context("/"):
            held["other"] = storage.get_db()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    with app.test_request_context("/"):
        mine = storage.get_db()
    assert held["other"] is not mine
    assert len(opened) == 2


def test_the_next_request_sees_what_another_connection_wrote(sw_client, db, opened):
    family_id = db.execute("SELECT id FROM families ORDER BY id LIMIT 1").fetchone()[0]
    assert sw_client.get(f"/families/{family_id}").status_code == 200
    with db.conn:
        db.execute("UPDATE caregivers SET name = 'Renamed Zzyzx' WHERE family_id = ?", [family_id])
    assert "Renamed Zzyzx" in sw_client.get(f"/families/{family_id}").get_data(as_text=True)
    assert len(opened) == 1


def test_a_transaction_left_open_is_rolled_back_not_carried_on(scratch, sw_client, db):
    audited = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert sw_client.get("/test-left-open").status_code == 200
    # The next request on the same thread commits its own work (a page view's audit row),
    # and only its own.
    assert sw_client.get("/families").status_code == 200
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] > audited
    assert db.execute("SELECT count(*) FROM scratch").fetchone()[0] == 0


def test_a_failed_request_does_not_leave_its_snapshot_to_the_next(scratch, sw_client, db):
    assert sw_client.get("/test-fails-mid-read").status_code == 500
    family_id = db.execute("SELECT id FROM families ORDER BY id LIMIT 1").fetchone()[0]
    with db.conn:
        db.execute(
            "UPDATE caregivers SET name = 'After The Error' WHERE family_id = ?", [family_id]
        )
    page = sw_client.get(f"/families/{family_id}").get_data(as_text=True)
    assert "After The Error" in page
