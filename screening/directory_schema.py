"""Schema owned by the directory area (sqlite-utils migrations)."""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("directory")
