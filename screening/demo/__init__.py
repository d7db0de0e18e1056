"""Deterministic synthetic demo data, shared by `init-db --demo`, the tests and the benches.

Everything here is invented: names from short lists, answers drawn with a fixed seed and scored
by the real scorer, referrals suggested by the real matching code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlite_utils import Database

from screening.accounts.store import insert_user
from screening.demo.families import add_families
from screening.demo.families import draw_answers
from screening.demo.history import HISTORY_RACES
from screening.demo.history import add_history
from screening.demo.names import BABY
from screening.demo.names import FIRST
from screening.demo.names import LAST
from screening.demo.names import PARTNER
from screening.demo.names import RACES
from screening.platform import instruments
from screening.platform import timeutil
from screening.platform.deploy import mark_demo

# Names the benches and browser tests draw from, so their families look like the demo's.
__all__ = [
    "BABY",
    "DEMO_ACCOUNTS",
    "FIRST",
    "HISTORY_RACES",
    "LAST",
    "PARTNER",
    "RACES",
    "draw_answers",
    "load",
]

DEMO_ACCOUNTS = (
    ("sw.garcia", "social_worker", "demo-social-worker-1", "Ana Garcia, LCSW"),
    ("sw.okafor", "social_worker", "demo-social-worker-2", "Chidi Okafor, MSW"),
    ("mgr.chen", "manager", "demo-unit-manager-1", "Lin Chen, RN MSN"),
    ("admin.lee", "admin", "demo-site-admin-01", "Sam Lee"),
)


def load(db: Database, config) -> dict:
    """Insert demo accounts and families unless present; returns counts added."""
    added = {"users": 0, "families": 0}
    # Marked before anything else: check-deploy and the DEMO banner read the mark.
    mark_demo(db)
    with db.atomic():
        for username, role, password, name in DEMO_ACCOUNTS:
            if not db["users"].count_where("username = ?", [username]):
                insert_user(db, username, role, password, display_name=name, phone="(555) 010-4400")
                added["users"] += 1
    if db["families"].count_where("mrn LIKE 'DEMO%'"):
        return added
    from screening.directory.store import load_starter

    load_starter(db)
    registry = _registry(config)
    with db.atomic():
        added["families"] = add_families(db, registry, config)
        added["imported_history"] = add_history(db, config)
        added["action_plans"] = _quality_register(db)
    return added


def _quality_register(db: Database) -> int:
    """A dated chart note and one action plan with a review, as a unit's quality meeting keeps."""
    from screening.reports import register

    today = timeutil.today()
    manager = db.execute("SELECT id FROM users WHERE role = 'manager' ORDER BY id").fetchone()[0]
    start = today.replace(day=1) - dt.timedelta(days=180)
    register.add_annotation(db, start, "Interpreter offered at every admission", manager)
    plan = {
        "metric": "screened",
        "dimension": "language",
        "grp": "es",
        "target_rate": 0.7,
        "target_date": (today + dt.timedelta(days=180)).isoformat(),
        "strategy": "Interpreter offered at every admission; screening at the first family meeting",
        "owner": "NICU social work lead",
        "starts_on": start.isoformat(),
        "review_dates": [(today - dt.timedelta(days=30)).isoformat()],
    }
    plan_id = register.add_plan(db, plan, manager)
    register.open_reviews(db, plan_id, [("scheduled", "quarterly review")], today)
    return 1


def _registry(config):
    override = Path(config["INSTANCE_FORMS"]) if config.get("INSTANCE_FORMS") else None
    return instruments.load(override if override and override.is_dir() else None)
