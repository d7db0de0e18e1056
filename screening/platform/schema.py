"""Core schema: accounts, families, screenings, answers, results, alerts, audit trail."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils import Migrations

migrations = Migrations("core")


def run_sql(db: Database, sql: str) -> None:
    """Run several statements inside the migration's transaction (executescript would commit)."""
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        db.execute(pending)


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    run_sql(
        db,
        """
        CREATE TABLE users (
          id INTEGER PRIMARY KEY,
          username TEXT NOT NULL UNIQUE COLLATE NOCASE,
          display_name TEXT NOT NULL DEFAULT '',
          role TEXT NOT NULL CHECK (role IN ('social_worker', 'manager', 'admin')),
          password_hash TEXT NOT NULL,
          pin_hash TEXT,
          phone TEXT NOT NULL DEFAULT '',
          email TEXT NOT NULL DEFAULT '',
          totp_secret TEXT,
          active INTEGER NOT NULL DEFAULT 1,
          failed_logins INTEGER NOT NULL DEFAULT 0,
          locked_until TEXT,
          must_change_password INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          password_changed_at TEXT
        );
        CREATE TABLE user_sessions (
          id TEXT PRIMARY KEY,
          user_id INTEGER NOT NULL REFERENCES users(id),
          created_at TEXT NOT NULL,
          last_seen TEXT NOT NULL,
          revoked_at TEXT
        );
        CREATE INDEX user_sessions_user ON user_sessions(user_id);
        CREATE TABLE families (
          id INTEGER PRIMARY KEY,
          mrn TEXT NOT NULL UNIQUE,
          admission_date TEXT NOT NULL,
          discharge_date TEXT,
          race_ethnicity TEXT NOT NULL DEFAULT '["unknown"]',
          insurance TEXT NOT NULL DEFAULT 'unknown'
            CHECK (insurance IN ('public', 'private', 'uninsured', 'other', 'unknown')),
          zip TEXT NOT NULL DEFAULT '',
          language TEXT NOT NULL DEFAULT 'en',
          interpreter_needed INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          created_by INTEGER REFERENCES users(id),
          updated_at TEXT NOT NULL,
          version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX families_admission ON families(admission_date);
        CREATE TABLE infants (
          id INTEGER PRIMARY KEY,
          family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          dob TEXT NOT NULL,
          ga_weeks INTEGER NOT NULL CHECK (ga_weeks BETWEEN 22 AND 44),
          ga_days INTEGER NOT NULL DEFAULT 0 CHECK (ga_days BETWEEN 0 AND 6),
          position INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX infants_family ON infants(family_id);
        CREATE TABLE caregivers (
          id INTEGER PRIMARY KEY,
          family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          respondent TEXT NOT NULL
            CHECK (respondent IN ('birthing_parent', 'partner', 'other_caregiver')),
          phone TEXT NOT NULL DEFAULT '',
          language TEXT NOT NULL DEFAULT 'en',
          interpreter_needed INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL
        );
        CREATE INDEX caregivers_family ON caregivers(family_id);
        CREATE INDEX caregivers_name ON caregivers(name COLLATE NOCASE);
        CREATE TABLE screenings (
          id INTEGER PRIMARY KEY,
          family_id INTEGER NOT NULL REFERENCES families(id),
          caregiver_id INTEGER NOT NULL REFERENCES caregivers(id),
          timepoint TEXT NOT NULL
            CHECK (timepoint IN ('admission', 'during_stay', 'pre_discharge', 'follow_up')),
          mode TEXT NOT NULL CHECK (mode IN ('interview', 'self_complete', 'interpreter')),
          language TEXT NOT NULL,
          instruments TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'in_progress'
            CHECK (status IN ('in_progress', 'completed', 'declined', 'closed')),
          decline_reason TEXT,
          page INTEGER NOT NULL DEFAULT 0,
          version INTEGER NOT NULL DEFAULT 1,
          result TEXT,
          request_token TEXT UNIQUE,
          started_by INTEGER REFERENCES users(id),
          started_at TEXT NOT NULL,
          updated_by INTEGER REFERENCES users(id),
          updated_at TEXT NOT NULL,
          completed_at TEXT,
          closed_at TEXT,
          closed_by INTEGER REFERENCES users(id)
        );
        CREATE INDEX screenings_family ON screenings(family_id);
        CREATE INDEX screenings_status ON screenings(status);
        CREATE TABLE answers (
          screening_id INTEGER NOT NULL REFERENCES screenings(id) ON DELETE CASCADE,
          instrument TEXT NOT NULL,
          item TEXT NOT NULL,
          value TEXT,
          declined INTEGER NOT NULL DEFAULT 0,
          answered_at TEXT NOT NULL,
          answered_by INTEGER REFERENCES users(id),
          PRIMARY KEY (screening_id, instrument, item)
        );
        CREATE TABLE domain_results (
          screening_id INTEGER NOT NULL REFERENCES screenings(id) ON DELETE CASCADE,
          domain TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('positive', 'negative', 'declined', 'not_asked')),
          wants_help TEXT NOT NULL CHECK (wants_help IN ('yes', 'no', 'later', 'not_asked')),
          reasons TEXT NOT NULL DEFAULT '[]',
          PRIMARY KEY (screening_id, domain)
        );
        CREATE TABLE alerts (
          id INTEGER PRIMARY KEY,
          screening_id INTEGER NOT NULL REFERENCES screenings(id) ON DELETE CASCADE,
          family_id INTEGER NOT NULL REFERENCES families(id),
          kind TEXT NOT NULL,
          instrument TEXT NOT NULL DEFAULT '',
          item TEXT NOT NULL DEFAULT '',
          created_at TEXT NOT NULL,
          acknowledged_at TEXT,
          acknowledged_by INTEGER REFERENCES users(id),
          followup_note TEXT
        );
        CREATE INDEX alerts_open ON alerts(acknowledged_at);
        CREATE TABLE audit_log (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          user_id INTEGER,
          username TEXT NOT NULL DEFAULT '',
          role TEXT NOT NULL DEFAULT '',
          action TEXT NOT NULL,
          record_type TEXT NOT NULL DEFAULT '',
          record_id TEXT NOT NULL DEFAULT '',
          outcome TEXT NOT NULL DEFAULT 'ok',
          detail TEXT NOT NULL DEFAULT '',
          request_id TEXT NOT NULL DEFAULT '',
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        """,
    )


@migrations(name="0002_audit_anchor")
def audit_anchor(db: Database) -> None:
    # One row vouching for the tail of audit_log (see screening/audit.py).
    db.execute(
        """CREATE TABLE audit_anchor (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             count INTEGER NOT NULL,
             last_id INTEGER NOT NULL,
             hash TEXT NOT NULL,
             mac TEXT NOT NULL
           )"""
    )


# Indexes that span areas: a set of its own, applied after every area's set, because some
# tables it indexes (referrals) are created by an area's set that runs after the base set.
indexes = Migrations("indexes")


@indexes(name="0001_hot_paths")
def hot_path_indexes(db: Database) -> None:
    # Found by the bench at 100,000 families (EXPLAIN QUERY PLAN showed full scans):
    # the results page and the letter look up a screening's referrals; finishing a
    # screening checks its alerts; the family page lists the family's open alerts.
    run_sql(
        db,
        """
        CREATE INDEX IF NOT EXISTS referrals_screening ON referrals(screening_id);
        CREATE INDEX IF NOT EXISTS alerts_screening ON alerts(screening_id);
        CREATE INDEX IF NOT EXISTS alerts_family ON alerts(family_id);
        """,
    )


@indexes(name="0002_pages_by_index")
def pages_by_index(db: Database) -> None:
    # The worklist's "interrupted" and "waiting to close" lists page through screenings of
    # one status by last save: without this index SQLite sorted every completed screening
    # (and ran each row's alert and referral counts) before keeping the first 50. The
    # open-alert banner on every staff page reads open alerts oldest first the same way.
    # The day's letters find the referrals accepted on one day (by its date part).
    run_sql(
        db,
        """
        CREATE INDEX IF NOT EXISTS screenings_status_updated
          ON screenings(status, updated_at, id);
        CREATE INDEX IF NOT EXISTS alerts_open_oldest ON alerts(acknowledged_at, created_at, id);
        CREATE INDEX IF NOT EXISTS referrals_accepted_day ON referrals(substr(accepted_at, 1, 10));
        """,
    )
