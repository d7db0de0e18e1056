"""Bedside: submitting the last screening page (validate, score, store) and family search."""

from __future__ import annotations

import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask import request

from bench.common import median_seconds
from bench.common import verdict
from screening import create_app
from screening.demo import DEMO_ACCOUNTS
from screening.platform.db import connect
from screening.schema import migrate

REPEAT = 60


def _app(folder: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "DATABASE": str(folder / "bench.sqlite"),
            "INSTANCE_FORMS": str(folder / "forms"),
        }
    )
    db = connect(app.config["DATABASE"])
    migrate(db)
    from screening import demo

    demo.load(db, app.config)
    db.close()
    return app


def _bare_app(path: Path) -> Flask:
    """The baseline: a bare Flask POST that inserts one row, with the same SQLite settings."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.close()
    bare = Flask("bare")

    @bare.post("/insert")
    def insert():
        db = sqlite3.connect(path)
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        with db:
            db.execute("INSERT INTO t (v) VALUES (?)", [request.form.get("v", "")])
        db.close()
        return "ok"

    return bare


def _ready_to_finish(client, family_id: int, caregiver_id: int, n: int) -> tuple[str, dict]:
    """Start a full screening and answer all but its last page; returns that page's URL/data."""
    response = client.post(
        f"/families/{family_id}/screenings",
        data={
            "caregiver_id": caregiver_id,
            "request_token": f"bench-{n}-{time.perf_counter_ns()}",
            "timepoint": "admission",
            "mode": "interview",
            "language": "es",
            "instruments": ["ahc_core", "nicu_needs", "phq9", "gad7"],
            "decline_reason": "not_now",
            "action": "start",
        },
    )
    url = response.headers["Location"]
    while True:
        html = client.get(url).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
        data = {"version": version, "action": "next"}
        for name, value in re.findall(
            r'type="radio"[^>]*name="([^"]+__[^"]+)"[^>]*value="([^"]+)"', html
        ) + re.findall(r'name="([^"]+__[^"]+)"[^>]*type="radio"[^>]*value="([^"]+)"', html):
            data.setdefault(name, value)
        if "Terminar" in html:
            return url, data
        url = client.post(url, data=data).headers["Location"]


def run() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = _app(folder)
        client = app.test_client()
        username, _role, password, _name = DEMO_ACCOUNTS[0]
        client.post("/login", data={"username": username, "password": password})
        db = connect(app.config["DATABASE"])
        family = next(
            db.query(
                "SELECT f.id AS fid, c.id AS cid FROM families f JOIN caregivers c "
                "ON c.family_id = f.id WHERE c.respondent = 'birthing_parent' LIMIT 1"
            )
        )
        prepared = [
            _ready_to_finish(client, family["fid"], family["cid"], n) for n in range(REPEAT)
        ]
        bare_client = _bare_app(folder / "bare.sqlite").test_client()
        median_seconds(lambda: bare_client.post("/insert", data={"v": "x"}), repeat=20)
        # Interleaved, so a busy machine slows both sides alike.
        finish_times, bare_times = [], []
        for url, data in prepared:
            start = time.perf_counter()
            bare_client.post("/insert", data={"v": "x"})
            bare_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            response = client.post(url, data=data)
            finish_times.append(time.perf_counter() - start)
            assert response.headers["Location"].endswith("/results"), response.status_code
        finish = statistics.median(finish_times)
        bare = statistics.median(bare_times)
        ratio = finish / bare
        lines.append(
            f"finish a full screening page: median {finish * 1000:.2f} ms; bare Flask POST + "
            f"insert {bare * 1000:.2f} ms; ratio {ratio:.2f} (target <= 3) {verdict(ratio <= 3)}"
        )

        _add_families(db, 10_000)
        from screening.families import store as family_data

        for query in ("Hernández", "DEMO1003", "Baby Mateo"):
            found = family_data.search(db, query)
            t = median_seconds(lambda q=query: family_data.search(db, q), repeat=30)
            lines.append(
                f"search {query!r} over {db['families'].count} families: {len(found)} found, "
                f"median {t * 1000:.1f} ms (target < 50) {verdict(t < 0.05)}"
            )
        db.close()
    return lines


def _add_families(db, count: int) -> None:
    stamp = "2026-01-01T00:00:00Z"
    with db.atomic():
        db["families"].insert_all(
            {
                "mrn": f"BENCH{n:06d}",
                "admission_date": "2026-01-01",
                "created_at": stamp,
                "updated_at": stamp,
            }
            for n in range(count)
        )
        first = db.execute("SELECT min(id) FROM families WHERE mrn LIKE 'BENCH%'").fetchone()[0]
        db["caregivers"].insert_all(
            {
                "family_id": first + n,
                "name": f"Parent{n} Surname{n % 977}",
                "respondent": "birthing_parent",
                "created_at": stamp,
            }
            for n in range(count)
        )
        db["infants"].insert_all(
            {
                "family_id": first + n,
                "name": f"Baby{n} Surname{n % 977}",
                "dob": "2026-01-01",
                "ga_weeks": 30,
            }
            for n in range(count)
        )
