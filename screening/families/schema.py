"""Schema changes owned by the families area (sqlite-utils migrations, applied after the base set).

The tables this area started with were created by the base set (`screening/platform/schema.py`);
every later change to them is a migration here. Append only.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

migrations = Migrations("families")


@migrations(name="0001_infant_mrn")
def infant_mrn(db: Database) -> None:
    # Twins and triplets each have their own MRN; the family's MRN stays the first infant's.
    db.execute("ALTER TABLE infants ADD COLUMN mrn TEXT")
    db.execute("CREATE UNIQUE INDEX infants_mrn ON infants(mrn) WHERE mrn IS NOT NULL")
    db.execute(
        """UPDATE infants SET mrn = (SELECT f.mrn FROM families f WHERE f.id = infants.family_id)
           WHERE id IN (SELECT min(id) FROM infants GROUP BY family_id)"""
    )


@migrations(name="0002_search_terms")
def search_terms(db: Database) -> None:
    # Folded names, MRNs and phone digits (see core/search_keys.py), kept by families/store.py.
    db.execute(
        """CREATE TABLE search_terms (
             term TEXT NOT NULL,
             family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
             PRIMARY KEY (term, family_id)
           ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX search_terms_family ON search_terms(family_id)")
    from screening.families.store import refresh_search_terms

    for row in db.execute("SELECT id FROM families").fetchall():
        refresh_search_terms(db, row[0])


@migrations(name="0003_bed")
def bed(db: Database) -> None:
    # Where the infant is on the unit, so staff can match a printed letter to a bedside.
    db.execute("ALTER TABLE families ADD COLUMN bed TEXT NOT NULL DEFAULT ''")
