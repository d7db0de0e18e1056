"""Schema changes owned by the referrals area (sqlite-utils migrations, applied after the base set).

The tables this area started with were created by the base set (`screening/platform/schema.py`);
every later change to them is a migration here.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

migrations = Migrations("referrals")


@migrations(name="0001_choice_attempts_outcomes")
def choice_attempts_outcomes(db: Database) -> None:
    # outcome: read by the equity report (`need_met`); attempts: a counter kept beside the
    # attempt rows so the worklist and the "unreachable" rule need no join; service_text: a
    # one-off service typed by hand; match_reasons: why the service was suggested (JSON of
    # core.matching.Reason); crisis: the crisis line offered beside a mental-health service;
    # need_tags: the resource tags of the need, so alternatives can be ranked again later.
    # worker_titles: the title printed under a social worker's name on letters (the accounts
    # area owns users; this area owns what a letter prints).
    db.executescript(
        """
        ALTER TABLE referrals ADD COLUMN outcome TEXT CHECK (outcome IS NULL OR outcome IN
          ('need_met', 'need_partly_met', 'need_not_met', 'unknown'));
        ALTER TABLE referrals ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE referrals ADD COLUMN service_text TEXT NOT NULL DEFAULT '';
        ALTER TABLE referrals ADD COLUMN match_reasons TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE referrals ADD COLUMN crisis INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE referrals ADD COLUMN need_tags TEXT NOT NULL DEFAULT '[]';
        CREATE INDEX referrals_owner ON referrals(owner_id);
        CREATE INDEX referrals_due ON referrals(follow_up_due);
        CREATE TABLE referral_attempts (
          id INTEGER PRIMARY KEY,
          referral_id INTEGER NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
          on_date TEXT NOT NULL,
          method TEXT NOT NULL,
          result TEXT NOT NULL,
          next_try TEXT,
          note TEXT NOT NULL DEFAULT '',
          at TEXT NOT NULL,
          user_id INTEGER REFERENCES users(id)
        );
        CREATE INDEX referral_attempts_referral ON referral_attempts(referral_id);
        CREATE TABLE worker_titles (
          user_id INTEGER PRIMARY KEY REFERENCES users(id),
          title_en TEXT NOT NULL DEFAULT '',
          title_es TEXT NOT NULL DEFAULT ''
        );
        """
    )
