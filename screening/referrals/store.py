"""Referral writes: suggestions after a screen, choices, the lifecycle, attempts, reopening.

Every write that reads first runs in `write()` (BEGIN IMMEDIATE) and checks the referral's
`version`, so a second social worker's change made from an old page is refused, never applied.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from screening.core import matching
from screening.core import referral_rules as rules
from screening.directory.store import matching_listings
from screening.directory.store import record_gap
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import insert_row
from screening.platform.db import one
from screening.platform.db import update_row
from screening.platform.db import write
from screening.referrals.queries import family_referrals
from screening.referrals.queries import screening_referrals

__all__ = ["family_referrals", "screening_referrals"]


def _insert_referral(db: Database, row: dict, user_id: int, note: str = "") -> int:
    referral_id = insert_row(db, "referrals", row)
    insert_row(
        db,
        "referral_events",
        {
            "referral_id": referral_id,
            "at": row["created_at"],
            "user_id": user_id,
            "from_status": None,
            "to_status": row["status"],
            "note": note,
        },
    )
    return referral_id


def create_suggestions(
    db: Database,
    *,
    family_id: int,
    screening_id: int,
    caregiver_id: int,
    result: dict,
    language: str,
    user_id: int,
) -> list[int]:
    """Insert `suggested` referrals for a completed screening inside the caller's transaction.

    One per matched need (plus a crisis line beside mental health when the answers call for
    it); a need that already has an open referral for the family (for one-parent domains:
    for that parent) is skipped.
    """
    suggestions = matching.match_listings(result, matching_listings(db, timeutil.today()), language)
    tags = {r["domain"]: r.get("tags") or [] for r in result.get("referrals") or []}
    open_rows = db.query(
        "SELECT domain, caregiver_id, crisis FROM referrals WHERE family_id = ? AND status IN "
        "('suggested', 'accepted', 'sent')",
        [family_id],
    )
    taken = {_dedupe_key(r["domain"], r["caregiver_id"], r["crisis"]) for r in open_rows}
    stamp = timeutil.iso()
    rows = []
    for s in suggestions:
        key = _dedupe_key(s.domain, caregiver_id, s.crisis)
        if key in taken:
            continue
        taken.add(key)
        rows.append(
            {
                "family_id": family_id,
                "screening_id": screening_id,
                "caregiver_id": caregiver_id,
                "domain": s.domain,
                "category": s.category,
                "service_id": s.service_id,
                "status": "suggested",
                "sensitive": int(s.sensitive),
                "crisis": int(s.crisis),
                # Reason is flat (kind, value): what asdict() would make, without its deep copy.
                "match_reasons": json.dumps(
                    [{"kind": r.kind, "value": r.value} for r in s.reasons]
                ),
                "need_tags": json.dumps(tags.get(s.domain, [])),
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    if not rows:
        return []
    # One statement for the dozen a finished screening can suggest, and one for their events.
    # RETURNING gives no order, so each id is matched back by (domain, crisis), unique here.
    columns = ", ".join(rows[0])
    marks = ", ".join(["(" + ", ".join("?" * len(rows[0])) + ")"] * len(rows))
    made = db.conn.execute(
        f"INSERT INTO referrals ({columns}) VALUES {marks} RETURNING id, domain, crisis",  # noqa: S608  # nosec B608
        [value for row in rows for value in row.values()],
    ).fetchall()
    by_key = {(domain, crisis): rid for rid, domain, crisis in made}
    if len(by_key) != len(rows):
        raise RuntimeError("two suggestions for one need: the referrals cannot be told apart")
    ids = [by_key[(row["domain"], row["crisis"])] for row in rows]
    db.conn.executemany(
        "INSERT INTO referral_events (referral_id, at, user_id, from_status, to_status, note) "
        "VALUES (?, ?, ?, ?, 'suggested', '')",
        [(rid, stamp, user_id, None) for rid in ids],
    )
    return ids


def _dedupe_key(domain: str, caregiver_id: int | None, crisis: object = 0) -> tuple:
    return (
        domain,
        caregiver_id if domain in matching.INDIVIDUAL_DOMAINS else None,
        bool(crisis),
    )


def _current(db: Database, referral_id: int, version: int) -> dict:
    referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
    if referral is None:
        raise LookupError(referral_id)
    if referral["version"] != version:
        raise StaleEdit(referral["status"])
    return referral


def _apply(
    db: Database, referral: dict, changes: dict, event: dict | None, user: dict, action: str
) -> None:
    changes = {**changes, "version": referral["version"] + 1}
    changes.setdefault("updated_at", timeutil.iso())
    if event and event.get("note"):
        changes["notes"] = _append_note(referral["notes"], event, user)
    update_row(db, "referrals", referral["id"], changes)
    if event:
        insert_row(db, "referral_events", {"referral_id": referral["id"], **event})
    detail = f"{referral['status']}->{changes.get('status', referral['status'])}"
    for key in ("reason", "outcome"):
        if changes.get(key):
            detail += f" {key}={changes[key]}"
    audit.record(action, "referral", referral["id"], detail=detail, user=user, db=db)


def change_status(
    db: Database,
    referral_id: int,
    target: str,
    *,
    version: int,
    user: dict,
    follow_up_days: int,
    reason: str | None = None,
    note: str = "",
    outcome: str | None = None,
    max_attempts: int = 3,
) -> dict:
    """Move a referral to `target` if `version` is current; returns the updated row.

    Raises StaleEdit, rules.TransitionError or LookupError; writes nothing when it raises.
    """
    with write(db):
        referral = _current(db, referral_id, version)
        if target == "accepted" and not referral["service_id"] and not referral["service_text"]:
            raise rules.TransitionError("no_service")
        changes, event = rules.transition(
            referral,
            target,
            user_id=user["id"],
            now=timeutil.now().astimezone(timeutil.zone()),
            follow_up_days=follow_up_days,
            reason=reason,
            note=note,
            outcome=outcome,
            max_attempts=max_attempts,
        )
        _apply(db, referral, changes, event, user, "referral_status")
    return one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id]) or {}


def all_of_family(db: Database, family_id: int, referral_ids: list[int]) -> bool:
    """True when every id is one of this family's referrals (a tampered form names others)."""
    marks = ",".join("?" * len(referral_ids))
    sql = f"SELECT COUNT(*) FROM referrals WHERE family_id = ? AND id IN ({marks})"  # noqa: S608  # nosec B608
    return db.execute(sql, [family_id, *referral_ids]).fetchone()[0] == len(set(referral_ids))


def accept_many(
    db: Database, choices: dict[int, int], *, user: dict, follow_up_days: int
) -> list[int]:
    """Accept several suggestions at once ({referral id: version}); all or nothing."""
    with write(db):
        for referral_id, version in choices.items():
            change_status(
                db,
                referral_id,
                "accepted",
                version=version,
                user=user,
                follow_up_days=follow_up_days,
            )
    return list(choices)


def _append_note(notes: str, event: dict, user: dict) -> str:
    who = user.get("display_name") or user.get("username", "")
    line = f"{event['at'][:10]} {who}: {event['note']}"
    return (notes + "\n" + line).strip()


def _same_status_event(referral: dict, user: dict, note: str) -> dict:
    return {
        "at": timeutil.iso(),
        "user_id": user["id"],
        "from_status": referral["status"],
        "to_status": referral["status"],
        "note": note.strip(),
    }


def add_note(db: Database, referral_id: int, note: str, *, version: int, user: dict) -> None:
    """Add a note to a referral's history without changing its status."""
    with write(db):
        referral = _current(db, referral_id, version)
        _apply(db, referral, {}, _same_status_event(referral, user, note), user, "referral_note")


def reassign(db: Database, referral_id: int, owner_id: int, *, version: int, user: dict) -> None:
    """Make another social worker the referral's owner."""
    with write(db):
        referral = _current(db, referral_id, version)
        owner = one(
            db,
            "SELECT id, display_name FROM users WHERE id = ? AND role = 'social_worker' "
            "AND active = 1",
            [owner_id],
        )
        if owner is None:
            raise rules.TransitionError("owner_inactive")
        event = _same_status_event(referral, user, f"Owner changed to {owner['display_name']}")
        _apply(db, referral, {"owner_id": owner_id}, event, user, "referral_owner")


def record_attempt(
    db: Database,
    referral_id: int,
    *,
    version: int,
    user: dict,
    on: dt.date,
    method: str,
    result: str,
    next_try: dt.date | None,
    note: str = "",
) -> dict:
    """Record one contact attempt; the follow-up date moves to the next try, the status stays."""
    with write(db):
        referral = _current(db, referral_id, version)
        changes = rules.attempt(
            referral, on=on, method=method, result=result, next_try=next_try, today=timeutil.today()
        )
        insert_row(
            db,
            "referral_attempts",
            {
                "referral_id": referral_id,
                "on_date": on.isoformat(),
                "method": method,
                "result": result,
                "next_try": next_try.isoformat() if next_try else None,
                "note": note.strip(),
                "at": timeutil.iso(),
                "user_id": user["id"],
            },
        )
        _apply(db, referral, changes, None, user, "referral_attempt")
    return one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id]) or {}


def reopen_referral(
    db: Database, referral_id: int, why: str, *, version: int, user: dict, follow_up_days: int
) -> dict:
    """Reopen a closed referral with a reason (audited); returns the updated row."""
    with write(db):
        referral = _current(db, referral_id, version)
        changes, event = rules.reopen(
            referral,
            user_id=user["id"],
            now=timeutil.now().astimezone(timeutil.zone()),
            follow_up_days=follow_up_days,
            why=why,
        )
        _apply(db, referral, changes, event, user, "referral_reopen")
    return one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id]) or {}


class ServiceRefused(ValueError):
    """The chosen service is unknown or retired."""


def _active_service(db: Database, service_id: str) -> dict:
    service = one(db, "SELECT id, active, sensitive FROM services WHERE id = ?", [service_id])
    if service is None or not service["active"]:
        raise ServiceRefused(service_id)
    return service


def choose_service(
    db: Database, referral_id: int, service_id: str, *, version: int, user: dict
) -> None:
    """Point a suggestion at another active service (an alternative the worker picked)."""
    with write(db):
        referral = _current(db, referral_id, version)
        if referral["status"] != "suggested":
            raise rules.TransitionError("choice_closed")
        service = _active_service(db, service_id)
        changes = {
            "service_id": service_id,
            "service_text": "",
            "match_reasons": json.dumps([{"kind": "picked", "value": None}]),
            "sensitive": int(referral["sensitive"] or service["sensitive"]),
        }
        event = _same_status_event(referral, user, "")
        _apply(db, referral, changes, event, user, "referral_service")


def add_manual(
    db: Database,
    *,
    family_id: int,
    domain: str,
    category: str,
    user: dict,
    service_id: str | None = None,
    service_text: str = "",
    caregiver_id: int | None = None,
) -> int:
    """Add a referral by hand, already accepted: to an active service, or a one-off by name."""
    with write(db):
        if service_id:
            service = _active_service(db, service_id)
            sensitive = bool(service["sensitive"])
        elif service_text.strip():
            sensitive = False
        else:
            raise ServiceRefused("")
        stamp = timeutil.iso()
        row = {
            "family_id": family_id,
            "caregiver_id": caregiver_id,
            "domain": domain,
            "category": category,
            "service_id": service_id or None,
            "service_text": "" if service_id else service_text.strip(),
            "status": "accepted",
            "sensitive": int(sensitive or domain in matching.SENSITIVE_DOMAINS),
            "owner_id": user["id"],
            "accepted_at": stamp,
            "match_reasons": json.dumps([{"kind": "manual", "value": None}]),
            "created_at": stamp,
            "updated_at": stamp,
        }
        referral_id = _insert_referral(db, row, user["id"], note="added by hand")
        audit.record(
            "referral_manual", "referral", referral_id, detail=f"domain={domain}", user=user, db=db
        )
    return referral_id


def no_suitable_service(
    db: Database, referral_id: int, *, version: int, user: dict, note: str = ""
) -> None:
    """Decline a suggestion because no service fits, and record the gap for the directory."""
    with write(db):
        referral = _current(db, referral_id, version)
        changes, event = rules.transition(
            referral,
            "declined",
            user_id=user["id"],
            now=timeutil.now().astimezone(timeutil.zone()),
            follow_up_days=0,
            note=note or "No suitable service in the directory",
        )
        _apply(db, referral, changes, event, user, "referral_gap")
        record_gap(db, referral["domain"], user_id=user["id"], referral_id=referral_id, note=note)
