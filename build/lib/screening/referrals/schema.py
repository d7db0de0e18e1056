"""Schema changes owned by the referrals area (sqlite-utils migrations, applied after the base set).

The tables this area started with were created by the base set (`screening/platform/schema.py`);
every later change to them is a migration here.
"""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("referrals")
