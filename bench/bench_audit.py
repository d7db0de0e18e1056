"""Audit trail at a million rows: append and viewer page cost, as ratios against an empty trail.

Each audited request appends one row; the admin viewer pages by key. Both must cost the
same at zero and at a million rows (issue 15: the old anchor scanned the whole table).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import median_seconds
from bench.common import verdict
from screening import create_app
from screening.accounts import audit_store
from screening.platform import audit
from screening.platform.db import connect
from screening.schema import migrate

ROWS = 1_000_000
# Appends are fsync-bound (synchronous=FULL), so allow for disk noise, not for growth.
MAX_RATIO = 2.0


def _fill(db, rows: int) -> None:
    # Synthetic rows straight into the table (the chain is not what is measured here);
    # the anchor then vouches for them so appends run the normal path.
    with db.conn:
        db.execute(
            """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
               INSERT INTO audit_log (at, username, role, action, record_type, record_id,
                                      prev_hash, hash)
               SELECT '2026-01-01T00:00:00Z', 'sw.bench', 'social_worker', 'view', 'family',
                      i % 5000, printf('%064d', i - 1), printf('%064d', i) FROM n""",
            [rows],
        )
        last = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        db.execute(
            "INSERT OR REPLACE INTO audit_anchor (id, count, last_id, hash, mac) "
            "VALUES (1, ?, ?, printf('%064d', ?), '')",
            [rows, last, rows],
        )


def _measure(folder: Path, rows: int) -> tuple[float, float]:
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(folder / "a.sqlite")})
    db = connect(app.config["DATABASE"])
    migrate(db)
    if rows:
        _fill(db, rows)
    actor = audit.cli_actor()
    with app.app_context():
        append = median_seconds(
            lambda: audit.record("view", "family", "1", user=actor, db=db), repeat=60
        )
    params = {k: None for k in ("user", "action", "record_type", "date_from", "date_to", "before")}
    page = median_seconds(lambda: audit_store.page(db, params, 201), repeat=20)
    db.close()
    return append, page


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        empty_append, empty_page = _measure(Path(empty), 0)
        full_append, full_page = _measure(Path(full), ROWS)
    append_ratio = full_append / empty_append
    page_ratio = full_page / max(empty_page, 1e-6)
    # A full page holds 200 rows and an empty trail a handful: a few times is rendering, not
    # growth (the old viewer took 0.9 s at a million rows).
    page_ok = page_ratio <= MAX_RATIO * 5
    return [
        f"append: {empty_append * 1000:.2f} ms empty, {full_append * 1000:.2f} ms at {ROWS:,} rows"
        f" (x{append_ratio:.2f}, target <= {MAX_RATIO}) {verdict(append_ratio <= MAX_RATIO)}",
        f"viewer page: {empty_page * 1000:.2f} ms empty, {full_page * 1000:.2f} ms at {ROWS:,}"
        f" rows (x{page_ratio:.2f}, target <= {MAX_RATIO * 5}) {verdict(page_ok)}",
    ]
