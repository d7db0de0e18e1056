"""Schema changes owned by the screenings area (migrations applied after the base set).

The tables this area started with were created by the base set (`screening/platform/schema.py`);
every later change to them is a migration here. Append only.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

migrations = Migrations("screenings")


@migrations(name="0001_alert_items")
def alert_items(db: Database) -> None:
    # One alert per parent per screening lists every item that raised it, in words
    # (core/alert_groups.py); older rows keep their single instrument/item.
    db.execute("ALTER TABLE alerts ADD COLUMN items TEXT NOT NULL DEFAULT '[]'")


@migrations(name="0002_answer_history")
def answer_history(db: Database) -> None:
    # A corrected answer keeps its old value here (the audit trail holds ids only, no answers).
    db.execute(
        """CREATE TABLE answer_history (
             id INTEGER PRIMARY KEY,
             screening_id INTEGER NOT NULL REFERENCES screenings(id) ON DELETE CASCADE,
             instrument TEXT NOT NULL,
             item TEXT NOT NULL,
             old_value TEXT,
             old_declined INTEGER NOT NULL DEFAULT 0,
             new_value TEXT,
             new_declined INTEGER NOT NULL DEFAULT 0,
             reason TEXT NOT NULL,
             changed_at TEXT NOT NULL,
             changed_by INTEGER REFERENCES users(id)
           )"""
    )
    db.execute("CREATE INDEX answer_history_screening ON answer_history(screening_id)")
