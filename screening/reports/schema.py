"""Schema owned by the equity area (sqlite-utils migrations)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

from screening.core.identifiers import DOMAINS
from screening.core.results_import import CASCADE_FIELDS
from screening.core.results_import import CASCADE_FLAGS
from screening.platform.schema import run_sql
from screening.reports import family_flags

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


@migrations(name="0002_imported_cascade")
def imported_cascade(db: Database) -> None:
    # The care cascade's per-family flags and the dates and reason a re-import merges with
    # (core.results_import.CASCADE_FLAGS / CASCADE_FIELDS). Rows imported before keep 0 and
    # '' (not known), which is what their files said.
    columns = [f"{name} INTEGER NOT NULL DEFAULT 0" for name in CASCADE_FLAGS]
    columns += [f"{name} TEXT NOT NULL DEFAULT ''" for name in CASCADE_FIELDS]
    run_sql(db, "\n".join(f"ALTER TABLE imported_families ADD COLUMN {c};" for c in columns))


@migrations(name="0003_quality_register")
def quality_register(db: Database) -> None:
    # Dated notes drawn on the run charts, and the action-plan register with its reviews.
    # Free text here is checked for family names and MRNs before it is stored (plans.py).
    run_sql(
        db,
        """
        CREATE TABLE chart_annotations (
          id INTEGER PRIMARY KEY,
          on_date TEXT NOT NULL,
          note TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by INTEGER REFERENCES users(id)
        );
        CREATE INDEX chart_annotations_date ON chart_annotations(on_date);
        CREATE TABLE action_plans (
          id INTEGER PRIMARY KEY,
          metric TEXT NOT NULL,
          dimension TEXT NOT NULL,
          grp TEXT NOT NULL,
          target_rate REAL NOT NULL CHECK (target_rate BETWEEN 0 AND 1),
          target_date TEXT NOT NULL,
          strategy TEXT NOT NULL,
          owner TEXT NOT NULL,
          starts_on TEXT NOT NULL,
          review_dates TEXT NOT NULL DEFAULT '[]',
          status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'met', 'closed')),
          created_at TEXT NOT NULL,
          created_by INTEGER REFERENCES users(id),
          updated_at TEXT NOT NULL
        );
        CREATE TABLE action_plan_reviews (
          id INTEGER PRIMARY KEY,
          plan_id INTEGER NOT NULL REFERENCES action_plans(id) ON DELETE CASCADE,
          opened_on TEXT NOT NULL,
          trigger TEXT NOT NULL CHECK (trigger IN ('missed_target', 'signal', 'scheduled')),
          detail TEXT NOT NULL,
          action_taken TEXT NOT NULL DEFAULT '',
          closed_at TEXT,
          UNIQUE (plan_id, trigger, detail)
        );
        """,
    )


@migrations(name="0004_family_flags")
def family_flags_copy(db: Database) -> None:
    # The kept copy of app families' summary flags and the triggers that mark it stale.
    family_flags.create(db)
