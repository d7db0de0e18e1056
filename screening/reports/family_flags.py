"""A kept copy of every app family's summary flags, refreshed only where something changed.

Working the flags out from screenings, domain results and referrals on every page view costs
seconds at 100,000 families (one pass over a dozen answers per screen); summing a stored row
per family costs what a bare GROUP BY costs. Triggers on the tables the flags read put the
family's id in family_flags_stale on every insert, update or delete, and `refresh` recomputes
those families (all of them when the unit's calendar settings or the referral columns changed,
or when a trigger went missing with a rebuilt table) before any report reads the copy.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from screening.core.identifiers import DOMAINS
from screening.core.results_import import ALL_FLAGS
from screening.platform.db import write
from screening.reports.app_families import BATCH
from screening.reports.app_families import STALE
from screening.reports.app_families import app_families_sql
from screening.reports.app_families import referral_outcome_column
from screening.reports.app_families import register

TABLE = "family_flags"
TEXT_COLUMNS = ("index_date", "quarter", "race_ethnicity", "language", "insurance", "zip")
INT_COLUMNS = ("interpreter_needed", *ALL_FLAGS)
COLUMNS = ("family_id", *TEXT_COLUMNS, *INT_COLUMNS)
BATCH_SIZE = 5000

# (table, the family ids a changed row touches, for NEW and OLD rows)
_WATCHED = (
    ("families", "SELECT {row}.id"),
    ("screenings", "SELECT {row}.family_id"),
    ("referrals", "SELECT {row}.family_id"),
    ("domain_results", "SELECT family_id FROM screenings WHERE id = {row}.screening_id"),
)


def _triggers() -> dict[str, str]:
    out = {}
    for table, ids in _WATCHED:
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")), ("DELETE", ("OLD",))):
            name = f"{TABLE}_{table}_{event.lower()}"
            body = " ".join(
                f"INSERT OR IGNORE INTO {STALE} (family_id) {ids.format(row=row)};" for row in rows
            )
            out[name] = f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END"
    return out


TRIGGERS = _triggers()


def create(db: Database) -> None:
    """Tables and triggers (the reports migration calls this); every family starts stale."""
    columns = ",\n".join(
        ["family_id INTEGER PRIMARY KEY"]
        + [f"{c} TEXT" for c in TEXT_COLUMNS]
        + [f"{c} INTEGER NOT NULL DEFAULT 0" for c in INT_COLUMNS]
    )
    db.execute(f"CREATE TABLE {TABLE} ({columns})")
    db.execute(f"CREATE INDEX {TABLE}_index_date ON {TABLE}(index_date)")
    db.execute(f"CREATE TABLE {STALE} (family_id INTEGER PRIMARY KEY)")
    db.execute(f"CREATE TABLE {TABLE}_meta (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT)")
    for sql in TRIGGERS.values():
        db.execute(sql)
    db.execute(f"INSERT INTO {STALE} (family_id) SELECT id FROM families")  # noqa: S608  # nosec B608


def _missing_triggers(db: Database) -> list[str]:
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    return [name for name in TRIGGERS if name not in present]


def refresh(db: Database, admission_days: int, unit_timezone: str) -> int:
    """Recompute the stale families' flags; returns how many families were recomputed."""
    with_outcome = referral_outcome_column(db)
    key = json.dumps([admission_days, unit_timezone, with_outcome, len(DOMAINS)])
    stored = db.execute(f"SELECT key FROM {TABLE}_meta WHERE id = 1").fetchone()  # noqa: S608  # nosec B608
    missing = _missing_triggers(db)
    stale = db.execute(f"SELECT EXISTS (SELECT 1 FROM {STALE})").fetchone()[0]  # noqa: S608  # nosec B608
    if stored and stored[0] == key and not missing and not stale:
        return 0
    register(db, admission_days, unit_timezone)
    with write(db):
        for name in missing:
            db.execute(TRIGGERS[name])
        if not stored or stored[0] != key or missing:
            db.execute(f"INSERT OR IGNORE INTO {STALE} (family_id) SELECT id FROM families")  # noqa: S608  # nosec B608
            db.execute(
                f"INSERT INTO {TABLE}_meta (id, key) VALUES (1, ?) "  # noqa: S608  # nosec B608
                "ON CONFLICT(id) DO UPDATE SET key = excluded.key",
                [key],
            )
    db.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {BATCH.split('.')[1]} (family_id INTEGER PRIMARY KEY)"
    )
    names = ", ".join(COLUMNS)
    insert = f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM fam"  # noqa: S608  # nosec B608
    compute = app_families_sql(with_outcome, scoped=BATCH) + insert
    count = 0
    # A full rebuild goes in batches, each its own short write transaction, so bedside
    # saves are never kept waiting behind a rebuild for longer than one batch.
    while True:
        with write(db):
            db.execute(f"DELETE FROM {BATCH}")  # noqa: S608  # nosec B608
            moved = db.execute(
                f"INSERT INTO {BATCH} SELECT family_id FROM {STALE} LIMIT ?",  # noqa: S608  # nosec B608
                [BATCH_SIZE],
            ).rowcount
            if not moved:
                return count
            db.execute(f"DELETE FROM {TABLE} WHERE family_id IN (SELECT family_id FROM {BATCH})")  # noqa: S608  # nosec B608
            db.execute(compute)
            db.execute(f"DELETE FROM {STALE} WHERE family_id IN (SELECT family_id FROM {BATCH})")  # noqa: S608  # nosec B608
        count += moved
