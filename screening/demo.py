"""Deterministic synthetic demo data, shared by `init-db --demo` and the tests."""

from __future__ import annotations

from sqlite_utils import Database

from .commands import insert_user

# username, role, password, display name. Synthetic accounts for the demo only.
DEMO_ACCOUNTS = (
    ("sw.garcia", "social_worker", "demo-social-worker-1", "Ana Garcia, LCSW"),
    ("sw.okafor", "social_worker", "demo-social-worker-2", "Chidi Okafor, MSW"),
    ("mgr.chen", "manager", "demo-unit-manager-1", "Lin Chen, RN MSN"),
    ("admin.lee", "admin", "demo-site-admin-01", "Sam Lee"),
)


def load(db: Database, config) -> dict:
    """Insert demo accounts and families unless present; returns counts added."""
    added = {"users": 0}
    with db.atomic():
        for username, role, password, name in DEMO_ACCOUNTS:
            if not db["users"].count_where("username = ?", [username]):
                insert_user(db, username, role, password, display_name=name, phone="(555) 010-4400")
                added["users"] += 1
    return added
