"""Schema owned by the equity area (sqlite-utils migrations)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

from screening.core.identifiers import DOMAINS
from screening.platform.schema import run_sql

migrations = Migrations("equity")


@migrations(name="0001_imported_families")
def imported_families(db: Database) -> None:
    # One row per imported family (record_id), already folded into the 0/1 flags the
    # summary sums: the equity query is then a plain GROUP BY with SUM(column).
    flags = "\n".join(
        f"  {name} INTEGER NOT NULL DEFAULT 0,"
        for name in (
            "screened",
            "declined",
            "positive_any",
            *(f"ask_{d}" for d in DOMAINS),
            *(f"pos_{d}" for d in DOMAINS),
            "ref_accepted",
            "referred",
            "sent",
            "connected",
        )
    )
    run_sql(
        db,
        f"""
        CREATE TABLE imports (
          id INTEGER PRIMARY KEY,
          imported_at TEXT NOT NULL,
          rows INTEGER NOT NULL,
          families INTEGER NOT NULL,
          new_families INTEGER NOT NULL
        );
        CREATE TABLE imported_families (
          id INTEGER PRIMARY KEY,
          record_id TEXT NOT NULL UNIQUE,
          index_date TEXT NOT NULL,
          quarter TEXT NOT NULL,
          race_codes TEXT NOT NULL,
          race_ethnicity TEXT NOT NULL,
          language TEXT NOT NULL,
          insurance TEXT NOT NULL,
          n_offers INTEGER NOT NULL,
          n_declined INTEGER NOT NULL,
        {flags}
          import_id INTEGER NOT NULL REFERENCES imports(id)
        );
        CREATE INDEX imported_families_index_date ON imported_families(index_date);
        """,
    )
