"""Schema owned by the equity area (sqlite-utils migrations)."""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("equity")
