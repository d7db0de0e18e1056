"""Schema changes owned by the accounts area (sqlite-utils migrations, applied after the base set).

The tables this area started with were created by the base set (`screening/platform/schema.py`);
every later change to them is a migration here.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

migrations = Migrations("accounts")


@migrations(name="0001_second_factor_and_phi_hold")
def second_factor_and_phi_hold(db: Database) -> None:
    # One row per accepted TOTP time step: the primary key makes a parallel replay of the
    # same code lose the insert instead of racing a read-then-write check.
    db.execute(
        """CREATE TABLE totp_steps (
             user_id INTEGER NOT NULL REFERENCES users(id),
             step INTEGER NOT NULL,
             used_at TEXT NOT NULL,
             PRIMARY KEY (user_id, step)
           ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE recovery_codes (
             id INTEGER PRIMARY KEY,
             user_id INTEGER NOT NULL REFERENCES users(id),
             code_hash TEXT NOT NULL,
             created_at TEXT NOT NULL,
             used_at TEXT,
             UNIQUE (user_id, code_hash)
           )"""
    )
    # An admin-made or admin-reset clinical account waits for a second person before PHI.
    db.execute("ALTER TABLE users ADD COLUMN phi_hold TEXT")
    db.execute("ALTER TABLE users ADD COLUMN phi_hold_by INTEGER REFERENCES users(id)")


@migrations(name="0002_access_review_indexes")
def access_review_indexes(db: Database) -> None:
    # The access review asks "what did these accounts open" and "what changed this month";
    # without these both would read the whole trail.
    db.execute("CREATE INDEX audit_log_user ON audit_log(user_id, id)")
    db.execute("CREATE INDEX audit_log_at ON audit_log(at)")
