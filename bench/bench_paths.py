"""Every user-facing path on the realistic unit, each against the bare thing it costs more than.

Unit: BENCH_SIZE families (default 100,000) recorded in the app, as many imported history
rows, BENCH_AUDIT_ROWS audit rows (default 1,000,000); see bench/unit.py. Baselines, measured
in the same run and interleaved with the path so machine load hits both alike: a static
Flask response (pages), a bare Flask POST inserting one row (screening submit), a bare SQL
join + GROUP BY written here (manager's summary), a bare reportlab document (letters).
Targets (issue 16): p95 < 300 ms for every page a social worker opens, < 1 s for the
manager's page and downloads, /healthz < 10 ms; peak memory per request is reported
(tracemalloc, Python heap) so an export that holds the whole table shows.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import random
import re
import shutil
import sqlite3
import statistics
import time
import tracemalloc
from pathlib import Path

from flask import Flask
from flask import request

from bench import unit
from bench.common import verdict

SIZE = int(os.environ.get("BENCH_SIZE", "100000"))
AUDIT_ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
PAGE_MS, MANAGER_MS, HEALTH_MS = 300, 1000, 10


def bare_app(path: Path) -> Flask:
    """The baselines a user would otherwise pay for: a static response and a one-row insert."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.close()
    bare = Flask("bare")

    @bare.get("/static-page")
    def static_page():
        return "<!doctype html><title>ok</title><p>ok</p>"

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


def bare_group_by(database: str) -> float:
    """One plain join + GROUP BY over the same rows the summary reads (not the app's SQL)."""
    conn = sqlite3.connect(database)
    start = time.perf_counter()
    conn.execute(
        """SELECT f.language, count(DISTINCT f.id), sum(s.status = 'completed'),
                  sum(dr.status = 'positive'), sum(r.status = 'connected')
           FROM families f LEFT JOIN screenings s ON s.family_id = f.id
           LEFT JOIN domain_results dr ON dr.screening_id = s.id
           LEFT JOIN referrals r ON r.screening_id = s.id AND r.domain = dr.domain
           GROUP BY f.language"""
    ).fetchall()
    conn.execute(
        "SELECT language, count(*), sum(screened), sum(positive_any), sum(connected) "
        "FROM imported_families GROUP BY language"
    ).fetchall()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bare_pdf() -> float:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph
    from reportlab.platypus import SimpleDocTemplate

    from screening.core import letters

    font = letters.register_fonts()[0]
    style = ParagraphStyle("p", fontName=font, fontSize=11, leading=15)
    start = time.perf_counter()
    SimpleDocTemplate(io.BytesIO(), pagesize=LETTER).build(
        [Paragraph(f"Servicio {n}: teléfono (555) 010-44{n:02d}", style) for n in range(40)]
    )
    return time.perf_counter() - start


SLOW_S = 1.0  # a path slower than this is timed 3 times, so a failing path cannot stall the run
PEAKS: dict[int, float] = {}


def timed(fn, baseline, repeat: int = REPEAT) -> tuple[list[float], list[float]]:
    """Times of fn and of its baseline, alternated, after one warm-up of each.

    The warm-up runs under tracemalloc: its peak is the path's memory figure (peak_of).
    """
    tracemalloc.start()
    start = time.perf_counter()
    try:
        fn()
        PEAKS[id(fn)] = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    if time.perf_counter() - start > SLOW_S:
        repeat = min(repeat, 3)
    baseline()
    ours, base = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        baseline()
        base.append(time.perf_counter() - start)
        start = time.perf_counter()
        fn()
        ours.append(time.perf_counter() - start)
    return ours, base


def peak_mib(fn) -> float:
    """Python heap peak of one call (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(name: str, fn, baseline, target_ms: float, repeat: int = REPEAT) -> str:
    try:
        ours, base = timed(fn, baseline, repeat)
    except Exception as exc:  # noqa: BLE001 - a broken path is reported, not fatal
        return f"{name:<34} ERROR {exc} FAIL"
    return line(name, ours, base, target_ms, PEAKS.pop(id(fn), 0.0))


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def line(name: str, ours: list[float], base: list[float], target_ms: float, mib: float) -> str:
    med, b = statistics.median(ours), statistics.median(base)
    top = p95(ours) * 1000
    spread = (max(ours) - min(ours)) * 1000
    return (
        f"{name:<34} median {med * 1000:7.1f} ms p95 {top:7.1f} ms (spread {spread:.0f} ms); "
        f"bare {b * 1000:6.2f} ms; ratio {med / b:7.1f}x; peak {mib:6.1f} MiB; "
        f"p95 < {target_ms:.0f} ms {verdict(top < target_ms)}"
    )


def check(client, url: str, method: str = "get", data: dict | None = None):
    def call():
        response = getattr(client, method)(url, data=data)
        if response.status_code >= 400:
            raise RuntimeError(f"{method.upper()} {url} -> {response.status_code}")
        # Read the body as a browser does, chunk by chunk: get_data() would hold a streamed
        # export whole in the bench's own memory and report that as the path's peak.
        for _chunk in response.iter_encoded():
            pass
        response.close()

    return call


def admin_login(client, app) -> None:
    import pyotp

    from screening.demo import DEMO_ACCOUNTS

    username, _r, password, _n = next(a for a in DEMO_ACCOUNTS if a[1] == "admin")
    response = client.post("/login", data={"username": username, "password": password})
    if response.headers.get("Location", "").endswith("/account/totp"):
        page = client.get("/account/totp").get_data(as_text=True)
        secret = re.search(r'class="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        client.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})


def login(client, role: str) -> None:
    from screening.demo import DEMO_ACCOUNTS

    username, _r, password, _n = next(a for a in DEMO_ACCOUNTS if a[1] == role)
    client.post("/login", data={"username": username, "password": password})


def ready_to_finish(client, family_id: int, caregiver_id: int, n: int) -> tuple[str, dict]:
    """A started screening with every page but the last answered (first option each)."""
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
    for _ in range(30):
        html = client.get(url).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
        data = {"version": version, "action": "next"}
        radios = re.findall(r'type="radio"[^>]*name="([^"]+__[^"]+)"[^>]*value="([^"]+)"', html)
        radios += re.findall(r'name="([^"]+__[^"]+)"[^>]*type="radio"[^>]*value="([^"]+)"', html)
        for name, value in radios:
            data.setdefault(name, value)
        if "Terminar" in html:
            return url, data
        url = client.post(url, data=data).headers["Location"]
    raise RuntimeError("screening never reached its last page")


def run() -> list[str]:
    out = [f"unit: {SIZE} families in the app + {SIZE} history rows, {AUDIT_ROWS} audit rows"]
    started = time.perf_counter()
    folder = unit.cached(SIZE, AUDIT_ROWS)
    out.append(f"unit ready in {time.perf_counter() - started:.0f} s (cache: {folder})")
    work = unit.working_copy(folder)
    app = unit.make_app(work)
    app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    # One log line per request would drown the figures; errors still print.
    logging.getLogger("screening.request").setLevel(logging.WARNING)
    database = app.config["DATABASE"]
    bare = bare_app(work / "bare.sqlite").test_client()
    static = check(bare, "/static-page")
    insert = lambda: bare.post("/insert", data={"v": "x"})  # noqa: E731
    rng = random.Random(16)  # noqa: S311
    conn = sqlite3.connect(database)
    family_ids = [r[0] for r in conn.execute("SELECT id FROM families ORDER BY id")]
    due = conn.execute(
        "SELECT f.id, c.id FROM families f JOIN caregivers c ON c.family_id = f.id "
        "AND c.respondent = 'birthing_parent' WHERE f.discharge_date IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM screenings s WHERE s.family_id = f.id) ORDER BY f.id"
    ).fetchall()
    screenings = [r[0] for r in conn.execute("SELECT id FROM screenings WHERE result IS NOT NULL")]
    referred = [r[0] for r in conn.execute("SELECT DISTINCT family_id FROM referrals LIMIT 500")]
    conn.close()

    sw = app.test_client()
    login(sw, "social_worker")
    pages = [
        ("family worklist GET /families", lambda: check(sw, "/families")),
        ("referral worklist GET /referrals", lambda: check(sw, "/referrals")),
        (
            "search POST /families/search",
            lambda: check(sw, "/families/search", "post", {"q": rng.choice(["Hernández", "Lin"])}),
        ),
        ("family page", lambda: check(sw, f"/families/{rng.choice(family_ids)}")),
        ("results page", lambda: check(sw, f"/screenings/{rng.choice(screenings)}/results")),
    ]
    for name, make in pages:
        out.append(measure(name, lambda make=make: make()(), static, PAGE_MS))

    # One family per screening, so referral de-duplication never hides the real writes.
    try:
        prepared = [ready_to_finish(sw, f, c, n) for n, (f, c) in enumerate(due[: REPEAT + 1])]
        conn = sqlite3.connect(database)
        before = conn.execute("SELECT count(*) FROM referrals").fetchone()[0]
        finish, base = [], []
        for url, data in prepared[:-1]:
            start = time.perf_counter()
            insert()
            base.append(time.perf_counter() - start)
            start = time.perf_counter()
            response = sw.post(url, data=data)
            finish.append(time.perf_counter() - start)
            assert response.status_code == 302, response.status_code
        made = conn.execute("SELECT count(*) FROM referrals").fetchone()[0] - before
        conn.close()
        url, data = prepared[-1]
        mib = peak_mib(lambda: sw.post(url, data=data))
        ratio = statistics.median(finish) / statistics.median(base)
        out.append(line("screening submit (last page)", finish, base, PAGE_MS, mib))
        out.append(
            f"   {len(finish)} screenings on {len(finish)} families created {made} referrals; "
            f"ratio {ratio:.2f}x a bare Flask POST + insert (target <= 3) {verdict(ratio <= 3)}"
        )
    except Exception as exc:  # noqa: BLE001
        out.append(f"screening submit ERROR {exc!r} FAIL")

    letter_family = rng.choice(referred) if referred else family_ids[0]
    with app.app_context():
        from screening.platform import timeutil
        from screening.platform.db import get_db
        from screening.referrals.letter_data import families_accepted_on

        todays = len(families_accepted_on(get_db(), timeutil.today()))
    batch_ms = max(MANAGER_MS, todays * 100)
    # Issue 11's target for a batch: 100 letters in under 10 s, so 100 ms a letter (and at
    # least the manager's 1 s): a unit of 100,000 families accepts hundreds a day.
    for name, url, target in (
        ("letter route", f"/referrals/families/{letter_family}/letter", PAGE_MS),
        (f"the day's letters ({todays})", "/referrals/letters/today", batch_ms),
    ):
        out.append(measure(name, check(sw, url), bare_pdf, target))

    manager = app.test_client()
    login(manager, "manager")
    for name, url in (
        ("manager equity page", "/reports/equity?by=race_ethnicity"),
        ("manager equity CSV", "/reports/equity?by=race_ethnicity&format=csv"),
        ("manager equity PDF", "/reports/equity?by=race_ethnicity&format=pdf"),
    ):
        group_by = lambda: bare_group_by(database)  # noqa: E731
        out.append(measure(name, check(manager, url), group_by, MANAGER_MS, repeat=7))

    admin = app.test_client()
    admin_login(admin, app)
    for name, url, target in (
        ("audit viewer", "/admin/audit", PAGE_MS),
        ("audit viewer, one user", "/admin/audit?user=sw.garcia", PAGE_MS),
        ("audit CSV (whole trail)", "/admin/audit?format=csv", MANAGER_MS * 30),
    ):
        out.append(measure(name, check(admin, url), static, target))

    anon = app.test_client()
    size_mib = os.path.getsize(database) / 2**20
    out.append(
        measure(f"/healthz ({size_mib:.0f} MiB file)", check(anon, "/healthz"), static, HEALTH_MS)
    )
    out.append(f"(done {dt.datetime.now():%H:%M:%S}; working copy {work} removed)")
    shutil.rmtree(work, ignore_errors=True)
    return out
