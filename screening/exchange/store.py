"""Read-only queries for the FHIR export: a family's completed screenings with their answers,
and its referrals that are orders, each with its directory service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from screening.core.fhir_base import EXPORTED_REFERRAL_STATUSES
from screening.core.schedule import DONE
from screening.families.store import family_screenings
from screening.families.store import get_family
from screening.screenings.store import load_answers


@dataclass(frozen=True)
class FamilyRecords:
    """What the bundle is built from, in the shapes `core.fhir.family_bundle` takes."""

    family: dict[str, Any]
    screenings: list[dict[str, Any]]
    referrals: list[dict[str, Any]]


def family_records(db: Database, family_id: int) -> FamilyRecords | None:
    """The family's records for export, or None when there is no such family."""
    family = get_family(db, family_id)
    if family is None:
        return None
    screenings = []
    # Oldest first, so the EHR receives the family's history in the order it happened.
    for row in reversed(family_screenings(db, family_id)):
        if row["status"] not in DONE:
            continue
        row["answers"] = load_answers(db, row["id"])
        screenings.append(row)
    return FamilyRecords(family, screenings, referral_rows(db, family_id))


def referral_rows(db: Database, family_id: int) -> list[dict[str, Any]]:
    """The family's referrals accepted or later, each with `service` (a services row or None)."""
    params = [family_id, json.dumps(EXPORTED_REFERRAL_STATUSES)]
    rows = list(
        db.query(
            """SELECT * FROM referrals
               WHERE family_id = ? AND status IN (SELECT value FROM json_each(?)) ORDER BY id""",
            params,
        )
    )
    services: dict[str, dict[str, Any]] = {}
    for service in db.query(
        """SELECT * FROM services WHERE id IN (
             SELECT service_id FROM referrals
             WHERE family_id = ? AND status IN (SELECT value FROM json_each(?)))""",
        params,
    ):
        service["languages"] = json.loads(service["languages"] or "[]")
        services[service["id"]] = service
    for row in rows:
        row["service"] = services.get(row["service_id"] or "")
    return rows
