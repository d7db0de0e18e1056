"""Queries and writes for families, infants, caregivers and their screenings."""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from screening.core import search_keys
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import one


class DuplicateMrn(Exception):
    """Another family already has this MRN."""

    def __init__(self, family_id: int):
        super().__init__(family_id)
        self.family_id = family_id


def get_family(db: Database, family_id: int) -> dict | None:
    """A family with its infants and caregivers, or None."""
    family = one(db, "SELECT * FROM families WHERE id = ?", [family_id])
    if family is None:
        return None
    family["race_ethnicity"] = json.loads(family["race_ethnicity"])
    family["infants"] = list(
        db.query("SELECT * FROM infants WHERE family_id = ? ORDER BY position, id", [family_id])
    )
    family["caregivers"] = list(
        db.query("SELECT * FROM caregivers WHERE family_id = ? ORDER BY id", [family_id])
    )
    return family


def family_by_mrn(db: Database, mrn: str) -> int | None:
    """The id of the family with this MRN (the family's own or any of its infants')."""
    row = one(
        db,
        "SELECT id FROM families WHERE mrn = :mrn "
        "UNION ALL SELECT family_id FROM infants WHERE mrn = :mrn LIMIT 1",
        {"mrn": mrn},
    )
    return row["id"] if row else None


def _check_mrns(db: Database, data: dict, family_id: int | None) -> None:
    # Every infant's MRN, like the family's, may belong to this family only.
    for mrn in {data["mrn"], *(i.get("mrn") for i in data.get("infants", []))} - {None, ""}:
        other = family_by_mrn(db, mrn)
        if other and other != family_id:
            raise DuplicateMrn(other)


def _family_row(data: dict) -> dict:
    return {
        "mrn": data["mrn"],
        "admission_date": data["admission_date"],
        "discharge_date": data.get("discharge_date"),
        "race_ethnicity": json.dumps(sorted(data["race_ethnicity"])),
        "insurance": data["insurance"],
        "zip": data.get("zip") or "",
        "bed": data.get("bed") or "",
        "language": data["language"],
        "interpreter_needed": int(bool(data.get("interpreter_needed"))),
    }


def create_family(db: Database, data: dict, user_id: int | None) -> int:
    """Insert a family with its infants and caregivers (inside the caller's transaction)."""
    _check_mrns(db, data, None)
    stamp = timeutil.iso()
    row = _family_row(data) | {"created_at": stamp, "updated_at": stamp, "created_by": user_id}
    family_id = db["families"].insert(row).last_pk
    _save_people(db, family_id, data, stamp)
    return family_id


def update_family(db: Database, family_id: int, data: dict, version: int) -> None:
    """Update a family if nobody else saved it since `version` was read."""
    current = one(db, "SELECT version, mrn FROM families WHERE id = ?", [family_id])
    if current["version"] != version:
        raise StaleEdit()
    _check_mrns(db, data, family_id)
    stamp = timeutil.iso()
    db["families"].update(
        family_id, _family_row(data) | {"updated_at": stamp, "version": version + 1}
    )
    _save_people(db, family_id, data, stamp)


def _save_people(db: Database, family_id: int, data: dict, stamp: str) -> None:
    for position, infant in enumerate(data.get("infants", []), start=1):
        row = {
            "family_id": family_id,
            # The first infant carries the family's MRN unless the form gave it its own.
            "mrn": infant.get("mrn") or (data["mrn"] if position == 1 else None),
            "name": infant["name"],
            "dob": infant["dob"],
            "ga_weeks": infant["ga_weeks"],
            "ga_days": infant.get("ga_days") or 0,
            "position": position,
        }
        if infant.get("id"):
            _owned(db, "infants", infant["id"], family_id)
            db["infants"].update(infant["id"], row)
        else:
            db["infants"].insert(row)
    for caregiver in data.get("caregivers", []):
        row = {
            "family_id": family_id,
            "name": caregiver["name"],
            "respondent": caregiver["respondent"],
            "phone": caregiver.get("phone") or "",
            "language": caregiver["language"],
            "interpreter_needed": int(bool(caregiver.get("interpreter_needed"))),
        }
        if caregiver.get("id"):
            _owned(db, "caregivers", caregiver["id"], family_id)
            db["caregivers"].update(caregiver["id"], row)
        else:
            db["caregivers"].insert(row | {"created_at": stamp})
    refresh_search_terms(db, family_id)


def refresh_search_terms(db: Database, family_id: int) -> None:
    """Rewrite the family's search terms from its MRNs, names and phone numbers.

    Call after any write that changes them (inside the same transaction).
    """
    mrns = [
        r[0]
        for r in db.execute(
            "SELECT mrn FROM families WHERE id = :f UNION SELECT mrn FROM infants "
            "WHERE family_id = :f AND mrn IS NOT NULL",
            {"f": family_id},
        )
    ]
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM infants WHERE family_id = :f UNION ALL "
            "SELECT name FROM caregivers WHERE family_id = :f",
            {"f": family_id},
        )
    ]
    phones = [
        r[0] for r in db.execute("SELECT phone FROM caregivers WHERE family_id = ?", [family_id])
    ]
    db.execute("DELETE FROM search_terms WHERE family_id = ?", [family_id])
    db.conn.executemany(
        "INSERT INTO search_terms (term, family_id) VALUES (?, ?)",
        [(t, family_id) for t in search_keys.family_terms(mrns, names, phones)],
    )


def _owned(db: Database, table: str, row_id: int, family_id: int) -> None:
    # A tampered hidden id must not move someone else's infant or caregiver into this family.
    if not db[table].count_where("id = ? AND family_id = ?", [row_id, family_id]):
        raise StaleEdit()


# Enough candidates per probe to rank well; a one-letter name would otherwise match the unit.
PROBE_LIMIT = 500


def search(db: Database, query: str, limit: int = 50) -> list[dict]:
    """Families found by MRN start or end, phone digits or name words (accents and case
    ignored), best match first, then the latest admission."""
    probes = search_keys.probes(query)
    if not probes:
        return []
    hits = []
    for probe in probes:
        for found, family_id in db.execute(
            "SELECT term, family_id FROM search_terms WHERE term >= ? AND term < ? LIMIT ?",
            [probe.prefix, probe.prefix + "\uffff", PROBE_LIMIT],
        ):
            hits.append((family_id, probe, found == probe.prefix))
    # Families entered before their terms were written (a direct import) by exact MRN.
    exact = family_by_mrn(db, query.strip().upper())
    if exact:
        hits.append((exact, probes[0], True))
    groups = len({p.group for p in probes})
    scores = search_keys.rank(hits, groups)
    if not scores:
        return []
    ids = sorted(scores, key=lambda f: scores[f])[: limit * 4]
    rows = {
        row["id"]: row
        for row in db.query(
            f"""SELECT f.id, f.mrn, f.admission_date, f.discharge_date,
                 (SELECT group_concat(name, ', ') FROM infants i WHERE i.family_id = f.id)
                   AS infants,
                 (SELECT group_concat(mrn, ', ') FROM infants i WHERE i.family_id = f.id)
                   AS infant_mrns,
                 (SELECT group_concat(name, ', ') FROM caregivers c WHERE c.family_id = f.id)
                   AS caregivers
               FROM families f WHERE f.id IN ({", ".join("?" * len(ids))})""",  # noqa: S608  # nosec B608
            ids,
        )
    }
    ordered = sorted(
        rows.values(), key=lambda r: (scores[r["id"]], _newest_first(r["admission_date"]))
    )
    return ordered[:limit]


def _newest_first(day: str) -> int:
    return -dt.date.fromisoformat(day).toordinal()


def family_screenings(db: Database, family_id: int) -> list[dict]:
    """The family's screenings, newest first, with parsed instruments and results."""
    rows = list(
        db.query(
            """SELECT s.*, c.name AS caregiver_name, c.respondent, u.display_name AS started_by_name
               FROM screenings s JOIN caregivers c ON c.id = s.caregiver_id
               LEFT JOIN users u ON u.id = s.started_by
               WHERE s.family_id = ? ORDER BY s.started_at DESC, s.id DESC""",
            [family_id],
        )
    )
    for row in rows:
        row["instruments"] = json.loads(row["instruments"])
        row["result"] = json.loads(row["result"]) if row["result"] else None
        row["domains"] = list(
            db.query(
                "SELECT * FROM domain_results WHERE screening_id = ? ORDER BY domain", [row["id"]]
            )
        )
    return rows


def open_alerts(db: Database, family_id: int | None = None) -> list[dict]:
    """Alerts not yet acknowledged, for one family or the unit."""
    return list(
        db.query(
            """SELECT a.*, f.mrn, c.name AS caregiver_name FROM alerts a
               JOIN families f ON f.id = a.family_id
               JOIN screenings s ON s.id = a.screening_id
               JOIN caregivers c ON c.id = s.caregiver_id
               WHERE a.acknowledged_at IS NULL AND (:fid IS NULL OR a.family_id = :fid)
               ORDER BY a.created_at""",
            {"fid": family_id},
        )
    )
