"""Schema of the resource directory and referrals (sqlite-utils migrations)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

from screening.platform.schema import run_sql

migrations = Migrations("directory")


@migrations(name="0001_services_referrals")
def services_referrals(db: Database) -> None:
    run_sql(
        db,
        """
        CREATE TABLE services (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          organization TEXT NOT NULL DEFAULT '',
          description_en TEXT NOT NULL DEFAULT '',
          description_es TEXT NOT NULL DEFAULT '',
          phone TEXT NOT NULL DEFAULT '',
          website TEXT NOT NULL DEFAULT '',
          address TEXT NOT NULL DEFAULT '',
          city TEXT NOT NULL DEFAULT '',
          state TEXT NOT NULL DEFAULT '',
          postal_code TEXT NOT NULL DEFAULT '',
          languages TEXT NOT NULL DEFAULT '["en"]',
          eligibility TEXT NOT NULL DEFAULT '',
          hours TEXT NOT NULL DEFAULT '',
          service_area TEXT NOT NULL DEFAULT '',
          what_to_bring TEXT NOT NULL DEFAULT '',
          domains TEXT NOT NULL DEFAULT '[]',
          category TEXT NOT NULL CHECK (category IN ('lactation', 'mental_health', 'community')),
          sensitive INTEGER NOT NULL DEFAULT 0,
          placeholder INTEGER NOT NULL DEFAULT 0,
          last_verified TEXT,
          active INTEGER NOT NULL DEFAULT 1,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE referrals (
          id INTEGER PRIMARY KEY,
          family_id INTEGER NOT NULL REFERENCES families(id),
          screening_id INTEGER REFERENCES screenings(id),
          caregiver_id INTEGER REFERENCES caregivers(id),
          domain TEXT NOT NULL,
          category TEXT NOT NULL CHECK (category IN ('lactation', 'mental_health', 'community')),
          service_id TEXT REFERENCES services(id),
          status TEXT NOT NULL DEFAULT 'suggested' CHECK (status IN
            ('suggested', 'accepted', 'declined', 'sent', 'connected', 'not_connected')),
          reason TEXT CHECK (reason IS NULL OR reason IN
            ('unreachable', 'not_eligible', 'no_capacity', 'family_changed_mind', 'other')),
          sensitive INTEGER NOT NULL DEFAULT 0,
          owner_id INTEGER REFERENCES users(id),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          accepted_at TEXT,
          sent_at TEXT,
          follow_up_due TEXT,
          closed_at TEXT,
          notes TEXT NOT NULL DEFAULT '',
          version INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX referrals_family ON referrals(family_id);
        CREATE INDEX referrals_status_due ON referrals(status, follow_up_due);
        CREATE TABLE referral_events (
          id INTEGER PRIMARY KEY,
          referral_id INTEGER NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
          at TEXT NOT NULL,
          user_id INTEGER REFERENCES users(id),
          from_status TEXT,
          to_status TEXT NOT NULL,
          reason TEXT,
          note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX referral_events_referral ON referral_events(referral_id);
        """,
    )


@migrations(name="0002_service_numbers")
def service_numbers(db: Database) -> None:
    # Services are keyed by UUID (HSDS); pages need a stable integer id for URLs, and
    # SQLite's implicit rowid may be renumbered by VACUUM on a table with a TEXT key.
    run_sql(
        db,
        """
        ALTER TABLE services ADD COLUMN number INTEGER;
        UPDATE services SET number = rowid;
        CREATE UNIQUE INDEX services_number ON services(number);
        CREATE TRIGGER services_number_assign AFTER INSERT ON services
          WHEN NEW.number IS NULL
          BEGIN
            UPDATE services SET number = (SELECT COALESCE(MAX(number), 0) + 1 FROM services)
            WHERE id = NEW.id;
          END;
        """,
    )


@migrations(name="0003_bilingual_tags_priorities_gaps")
def bilingual_tags_priorities_gaps(db: Database) -> None:
    # Spanish text per printed field (a letter must not mix languages); resource tags and a
    # per-need priority so the unit, not the alphabet, breaks ties; and directory gaps: needs
    # a social worker found no suitable service for, reported to the admin by domain.
    db.executescript(
        """
        ALTER TABLE services ADD COLUMN name_es TEXT NOT NULL DEFAULT '';
        ALTER TABLE services ADD COLUMN hours_es TEXT NOT NULL DEFAULT '';
        ALTER TABLE services ADD COLUMN eligibility_es TEXT NOT NULL DEFAULT '';
        ALTER TABLE services ADD COLUMN what_to_bring_es TEXT NOT NULL DEFAULT '';
        ALTER TABLE services ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE services ADD COLUMN priorities TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE directory_gaps (
          id INTEGER PRIMARY KEY,
          domain TEXT NOT NULL,
          referral_id INTEGER REFERENCES referrals(id),
          note TEXT NOT NULL DEFAULT '',
          at TEXT NOT NULL,
          user_id INTEGER REFERENCES users(id)
        );
        CREATE INDEX directory_gaps_domain ON directory_gaps(domain);
        """
    )


@migrations(name="0004_hsds_exchange")
def hsds_exchange(db: Database) -> None:
    # HSDS 3.x as published: the partner's organization id and service status (four values,
    # not just active or not), the service email, and where a service came from, so a
    # re-import may retire services it brought but never the unit's own. hsds_rows holds
    # every HSDS row an import kept (addresses, phones, schedules, ...) under the partner's
    # ids, so an export gives them back unchanged.
    run_sql(
        db,
        """
        ALTER TABLE services ADD COLUMN organization_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE services ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN
          ('active', 'inactive', 'defunct', 'temporarily closed'));
        ALTER TABLE services ADD COLUMN email TEXT NOT NULL DEFAULT '';
        ALTER TABLE services ADD COLUMN source TEXT NOT NULL DEFAULT 'local'
          CHECK (source IN ('local', 'hsds'));
        UPDATE services SET status = 'inactive' WHERE active = 0;
        CREATE TABLE hsds_rows (
          table_name TEXT NOT NULL,
          id TEXT NOT NULL,
          position INTEGER NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (table_name, id)
        );
        """,
    )


@migrations(name="0005_services_token")
def services_token(db: Database) -> None:
    # The decoded directory is kept per process (suggestions rank every service on each
    # finished screening); any write to services, by the app or by hand, draws a new token
    # so the kept copy is never used after a change. Random rather than a counter, so a
    # database file swapped in at the same path (a restore) never matches a kept copy.
    run_sql(
        db,
        """
        CREATE TABLE services_token (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          token TEXT NOT NULL
        );
        INSERT INTO services_token (id, token) VALUES (1, lower(hex(randomblob(16))));
        CREATE TRIGGER services_token_insert AFTER INSERT ON services BEGIN
          UPDATE services_token SET token = lower(hex(randomblob(16))) WHERE id = 1;
        END;
        CREATE TRIGGER services_token_update AFTER UPDATE ON services BEGIN
          UPDATE services_token SET token = lower(hex(randomblob(16))) WHERE id = 1;
        END;
        CREATE TRIGGER services_token_delete AFTER DELETE ON services BEGIN
          UPDATE services_token SET token = lower(hex(randomblob(16))) WHERE id = 1;
        END;
        """,
    )
