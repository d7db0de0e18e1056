"""Crash safety and write contention: SIGKILL mid-write, several writer processes at once."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from screening.platform import db as storage
from tests.factories import unscreened_family
from tests.factories.web import page_inputs

ROOT = Path(__file__).resolve().parents[1]

# Each transaction saves a family, a caregiver, a screening and its answers, then prints
# the screening id: the "acknowledged" save a user would have seen confirmed.
WRITER = r"""
import sys
from screening.platform.db import connect, write
db = connect(sys.argv[1])
tag = sys.argv[2]
n = 0
while True:
    n += 1
    with write(db):
        fid = db["families"].insert({"mrn": f"{tag}-{n}", "admission_date": "2026-01-01",
            "created_at": "t", "updated_at": "t"}).last_pk
        cid = db["caregivers"].insert({"family_id": fid, "name": "Synthetic Parent",
            "respondent": "birthing_parent", "created_at": "t"}).last_pk
        sid = db["screenings"].insert({"family_id": fid, "caregiver_id": cid,
            "timepoint": "admission", "mode": "interview", "language": "en",
            "instruments": "[]", "started_at": "t", "updated_at": "t"}).last_pk
        db["answers"].insert_all([{"screening_id": sid, "instrument": "ahc_core",
            "item": f"ahc_{i}", "value": "x", "answered_at": "t"} for i in range(1, 11)])
    print(sid, flush=True)
"""


def _writer_screenings(path: str) -> int:
    conn = sqlite3.connect(path, timeout=5)
    try:
        return conn.execute(
            "SELECT count(*) FROM screenings s JOIN families f ON f.id = s.family_id "
            "WHERE f.mrn LIKE 'w_-%'"
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_under_concurrent_load_loses_no_acknowledged_screening(app):
    path = app.config["DATABASE"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, path, f"w{i}"],
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        for i in range(3)
    ]
    # Kill mid-stream: once the writers are clearly busy (bounded wait on a slow machine).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _writer_screenings(path) < 30:
        time.sleep(0.1)
    for p in procs:
        p.send_signal(signal.SIGKILL)
    acknowledged = []
    for p in procs:
        out, _ = p.communicate(timeout=10)
        assert p.returncode == -signal.SIGKILL
        acknowledged += [int(line) for line in out.decode().split()]
    assert len(acknowledged) > 10
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {r[0] for r in conn.execute("SELECT id FROM screenings")}
        assert set(acknowledged) <= stored
        # Nothing half-written: every stored screening has all ten answers.
        partial = conn.execute(
            "SELECT count(*) FROM screenings s JOIN families f ON f.id = s.family_id "
            "WHERE f.mrn LIKE 'w_-%' AND (SELECT count(*) FROM answers a "
            "WHERE a.screening_id = s.id) != 10"
        ).fetchone()[0]
        assert partial == 0
    finally:
        conn.close()


def _contend(path: str, worker: int, rounds: int, errors) -> None:
    from screening.platform.db import connect
    from screening.platform.db import one
    from screening.platform.db import write

    db = connect(path)
    try:
        for n in range(rounds):
            # Read-then-write, the pattern that fails under DEFERRED transactions.
            with write(db):
                last = one(db, "SELECT count(*) AS c FROM families")
                db["families"].insert(
                    {
                        "mrn": f"c{worker}-{n}-{last['c']}",
                        "admission_date": "2026-01-01",
                        "created_at": "t",
                        "updated_at": "t",
                    }
                )
    except sqlite3.OperationalError as exc:
        errors.put(str(exc))
    finally:
        db.close()


@pytest.mark.slow
def test_several_worker_processes_writing_at_once_never_see_database_is_locked(app):
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    workers = [
        ctx.Process(target=_contend, args=(app.config["DATABASE"], i, 60, errors)) for i in range(4)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert all(w.exitcode == 0 for w in workers)
    assert errors.empty(), errors.get()
    assert time.perf_counter() - started < 60
    conn = sqlite3.connect(app.config["DATABASE"])
    assert conn.execute("SELECT count(*) FROM families WHERE mrn LIKE 'c%'").fetchone()[0] == 240
    conn.close()


def test_a_save_while_another_writer_holds_the_lock_is_refused_kindly_and_saves_nothing(
    screen, sw_client, db, monkeypatch
):
    family_id, caregiver_id = unscreened_family(db)
    url = screen.start(family_id, caregiver_id, instruments=["phq9"]).headers["Location"]
    sid = int(url.split("/")[2])
    html = sw_client.get(url).get_data(as_text=True)
    data = {name: inputs[0][1] for name, inputs in page_inputs(html).items()}
    data["version"] = re.search(r'name="version" value="(\d+)"', html).group(1)
    data["action"] = "next"
    # The bedside's connection waits 0.2 s instead of 15 for the lock (a fresh one, so the
    # shorter timeout takes effect); a large import holds the lock meanwhile.
    monkeypatch.setattr(storage, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(storage, "_THREAD", threading.local())
    importer = storage.connect(db.conn.execute("PRAGMA database_list").fetchone()[2])
    importer.conn.execute("BEGIN IMMEDIATE")
    try:
        busy = sw_client.post(url, data=data)
    finally:
        importer.conn.rollback()
        importer.close()
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "5"
    assert "Nothing from this step was saved" in busy.get_data(as_text=True)
    saved = "SELECT count(*) FROM answers WHERE screening_id = ?"
    assert db.execute(saved, [sid]).fetchone()[0] == 0
    # Once the lock is free, the same submit goes through.
    assert sw_client.post(url, data=data).status_code == 302
    assert db.execute(saved, [sid]).fetchone()[0] > 0
