"""Every area's migration set, in the order they apply (the top floor knows every area)."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils import Migrations

from screening.accounts import schema as accounts_schema
from screening.directory import schema as directory_schema
from screening.families import schema as families_schema
from screening.platform import db as storage
from screening.platform import schema as base_schema
from screening.referrals import schema as referrals_schema
from screening.reports import schema as reports_schema
from screening.screenings import schema as screenings_schema

# The base set holds the tables every area started with; later sets add to them.
MIGRATION_SETS: tuple[Migrations, ...] = (
    base_schema.migrations,
    directory_schema.migrations,
    reports_schema.migrations,
    accounts_schema.migrations,
    families_schema.migrations,
    screenings_schema.migrations,
    referrals_schema.migrations,
    base_schema.indexes,
)


def migrate(db: Database) -> list[str]:
    """Apply every pending migration; returns the names applied."""
    return storage.migrate(db, MIGRATION_SETS)
