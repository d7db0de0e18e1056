"""Resource directory storage: services, the starter directory, imports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from sqlite_utils import Database

from screening.core.identifiers import DOMAINS
from screening.core.identifiers import REFERRAL_CATEGORIES as CATEGORIES
from screening.platform import timeutil
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.resources import SHIPPED_FORMS

STARTER = SHIPPED_FORMS / "directory.yaml"
STALE_AFTER_DAYS = 365
TEXT_FIELDS = (
    "name",
    "organization",
    "description_en",
    "description_es",
    "phone",
    "website",
    "address",
    "city",
    "state",
    "postal_code",
    "eligibility",
    "hours",
    "service_area",
    "what_to_bring",
)


def decode(row: dict) -> dict:
    """A services row with its JSON lists decoded."""
    out = dict(row)
    out["languages"] = json.loads(row.get("languages") or "[]")
    out["domains"] = json.loads(row.get("domains") or "[]")
    return out


def is_stale(service: dict, today: dt.date) -> bool:
    """True when a service was never verified or not verified in the last 12 months."""
    if not service.get("last_verified"):
        return True
    verified = dt.date.fromisoformat(service["last_verified"][:10])
    return (today - verified).days > STALE_AFTER_DAYS


def all_services(db: Database, *, active_only: bool = False) -> list[dict]:
    """Every service (or only active ones), decoded, by name."""
    sql = "SELECT * FROM services WHERE active = 1 OR ? = 0 ORDER BY name, id"
    return [decode(r) for r in db.query(sql, [int(active_only)])]


def _row(record: dict, stamp: str) -> dict:
    row = {k: str(record.get(k) or "") for k in TEXT_FIELDS}
    row.update(
        id=record["id"],
        languages=json.dumps(list(record.get("languages") or ["en"])),
        domains=json.dumps(list(record.get("domains") or [])),
        category=record["category"],
        sensitive=1 if record.get("sensitive") else 0,
        placeholder=1 if record.get("placeholder") else 0,
        last_verified=record.get("last_verified") or None,
        active=0 if record.get("active", 1) in (0, False) else 1,
        updated_at=stamp,
    )
    return row


def save_records(db: Database, records: list[dict]) -> tuple[int, int]:
    """Insert or update directory records by id (inside the caller's transaction)."""
    stamp = timeutil.iso()
    added = updated = 0
    for record in records:
        row = _row(record, stamp)
        if db["services"].count_where("id = ?", [row["id"]]):
            # update, not replace: a replace would give the service a new page number
            db["services"].update(row["id"], row)
            updated += 1
        else:
            db["services"].insert({**row, "created_at": stamp})
            added += 1
    return added, updated


def load_starter(db: Database, path: Path = STARTER) -> int:
    """Add the starter directory's services that are not present yet; returns how many."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["services"]
    with write(db):
        new = [e for e in entries if not db["services"].count_where("id = ?", [e["id"]])]
        for entry in new:
            if entry["category"] not in CATEGORIES or set(entry["domains"]) - set(DOMAINS):
                raise ValueError(f"{path.name}: service {entry['id']}: unknown category or domain")
        save_records(db, new)
    return len(new)


def service_by_number(db: Database, number: int) -> dict | None:
    """One service by its page number, decoded, or None."""
    row = one(db, "SELECT * FROM services WHERE number = ?", [number])
    return decode(row) if row else None


def services_with_staleness(db: Database) -> list[dict]:
    """Every service with its `stale` flag for today."""
    rows = all_services(db)
    today = timeutil.today()
    for row in rows:
        row["stale"] = is_stale(row, today)
    return rows
