"""Referral storage: suggestions after a screen, the lifecycle, worklist rows, letter assembly."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

from sqlite_utils import Database

from screening.core import letters
from screening.core import matching
from screening.core import referral_rules as rules
from screening.directory.store import all_services
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import insert_row
from screening.platform.db import one
from screening.platform.db import write


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

    One per matched domain, pointing at the best-ranked service; a domain that already has an
    open referral for the family (for one-parent domains: for that parent) is skipped.
    """
    suggestions = matching.match(result, all_services(db, active_only=True), language)
    open_rows = db.query(
        "SELECT domain, caregiver_id FROM referrals WHERE family_id = ? AND status IN "
        "('suggested', 'accepted', 'sent')",
        [family_id],
    )
    taken = {_dedupe_key(r["domain"], r["caregiver_id"]) for r in open_rows}
    stamp = timeutil.iso()
    ids = []
    for s in suggestions:
        key = _dedupe_key(s.domain, caregiver_id)
        if key in taken:
            continue
        taken.add(key)
        referral_id = insert_row(
            db,
            "referrals",
            {
                "family_id": family_id,
                "screening_id": screening_id,
                "caregiver_id": caregiver_id,
                "domain": s.domain,
                "category": s.category,
                "service_id": s.service_id,
                "status": "suggested",
                "sensitive": int(s.sensitive),
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        insert_row(
            db,
            "referral_events",
            {
                "referral_id": referral_id,
                "at": stamp,
                "user_id": user_id,
                "from_status": None,
                "to_status": "suggested",
            },
        )
        ids.append(referral_id)
    return ids


def _dedupe_key(domain: str, caregiver_id: int | None) -> tuple:
    return (domain, caregiver_id if domain in matching.INDIVIDUAL_DOMAINS else None)


REFERRAL_SQL = """
SELECT r.*, s.name AS service_name, s.phone AS service_phone, s.number AS service_number,
       s.sensitive AS service_sensitive, u.display_name AS owner_name, c.name AS caregiver_name
FROM referrals r
LEFT JOIN services s ON s.id = r.service_id
LEFT JOIN users u ON u.id = r.owner_id
LEFT JOIN caregivers c ON c.id = r.caregiver_id
"""


EVENTS_SQL = (
    "SELECT e.*, u.display_name AS user_name FROM referral_events e "
    "LEFT JOIN users u ON u.id = e.user_id"
)


def _decorate(db: Database, rows: list[dict]) -> list[dict]:
    today = timeutil.today()
    history = collections.defaultdict(list)
    if rows:
        marks = ",".join("?" * len(rows))
        where = f"e.referral_id IN ({marks})"
        sql = f"{EVENTS_SQL} WHERE {where} ORDER BY e.at, e.id"  # noqa: S608
        events = db.query(sql, [r["id"] for r in rows])
        for event in events:
            history[event["referral_id"]].append(event)
    for r in rows:
        r["history"] = history[r["id"]]
        r["status_label"] = rules.LABELS[r["status"]]
        r["reason_label"] = rules.REASON_LABELS.get(r["reason"] or "", "")
        r["actions"] = [(s, rules.LABELS[s]) for s in rules.allowed(r["status"])]
        r["due"] = rules.is_due(r, today)
        r["overdue"] = bool(
            r["status"] == "sent"
            and r["follow_up_due"]
            and dt.date.fromisoformat(r["follow_up_due"]) < today
        )
        r["sensitive"] = bool(r["sensitive"] or r["service_sensitive"])
        r["service_name"] = r["service_name"] or "No service chosen yet"
    return rows


def family_referrals(db: Database, family_id: int) -> list[dict]:
    """The family's referrals, open ones first, each with its history and allowed actions."""
    rows = list(
        db.query(
            REFERRAL_SQL + " WHERE r.family_id = ? "
            "ORDER BY r.status NOT IN ('suggested', 'accepted', 'sent'), r.id",
            [family_id],
        )
    )
    return _decorate(db, rows)


def screening_referrals(db: Database, screening_id: int) -> list[dict]:
    """The referrals a screening suggested, with history and allowed actions."""
    rows = list(db.query(REFERRAL_SQL + " WHERE r.screening_id = ? ORDER BY r.id", [screening_id]))
    return _decorate(db, rows)


def worklist_rows(db: Database, today: dt.date) -> list[dict]:
    """Referrals needing follow-up, oldest first: accepted but not sent, and sent and due."""
    rows = list(
        db.query(
            REFERRAL_SQL + " WHERE r.status = 'accepted' "
            "OR (r.status = 'sent' AND r.follow_up_due <= ?) "
            "ORDER BY COALESCE(r.follow_up_due, substr(r.accepted_at, 1, 10)), r.id",
            [today.isoformat()],
        )
    )
    return _decorate(db, rows)


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
) -> dict:
    """Move a referral to `target` if `version` is current; returns the updated row.

    Raises StaleEdit, rules.TransitionError or LookupError; writes nothing when it raises.
    """
    with write(db):
        referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
        if referral is None:
            raise LookupError(referral_id)
        if referral["version"] != version:
            raise StaleEdit(rules.LABELS[referral["status"]].lower())
        changes, event = rules.transition(
            referral,
            target,
            user_id=user["id"],
            now=timeutil.now(),
            follow_up_days=follow_up_days,
            reason=reason,
            note=note,
        )
        if event["note"]:
            changes["notes"] = _append_note(referral["notes"], event, user)
        changes["version"] = referral["version"] + 1
        db["referrals"].update(referral_id, changes)
        db["referral_events"].insert({"referral_id": referral_id, **event})
        audit.record(
            "referral_status",
            "referral",
            referral_id,
            detail=f"{referral['status']}->{target}" + (f" reason={reason}" if reason else ""),
            user=user,
            db=db,
        )
    return one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])


def _append_note(notes: str, event: dict, user: dict) -> str:
    who = user.get("display_name") or user.get("username", "")
    line = f"{event['at'][:10]} {who}: {event['note']}"
    return (notes + "\n" + line).strip()


def add_note(db: Database, referral_id: int, note: str, *, version: int, user: dict) -> None:
    """Add a note to a referral's history without changing its status."""
    with write(db):
        referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
        if referral is None:
            raise LookupError(referral_id)
        if referral["version"] != version:
            raise StaleEdit(rules.LABELS[referral["status"]].lower())
        stamp = timeutil.iso()
        event = {
            "referral_id": referral_id,
            "at": stamp,
            "user_id": user["id"],
            "from_status": referral["status"],
            "to_status": referral["status"],
            "note": note.strip(),
        }
        db["referral_events"].insert(event)
        db["referrals"].update(
            referral_id,
            {
                "notes": _append_note(referral["notes"], event, user),
                "updated_at": stamp,
                "version": referral["version"] + 1,
            },
        )
        audit.record("referral_note", "referral", referral_id, user=user, db=db)


def reassign(db: Database, referral_id: int, owner_id: int, *, version: int, user: dict) -> None:
    """Make another social worker the referral's owner."""
    with write(db):
        referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
        if referral is None:
            raise LookupError(referral_id)
        if referral["version"] != version:
            raise StaleEdit(rules.LABELS[referral["status"]].lower())
        owner = one(
            db,
            "SELECT id, display_name FROM users WHERE id = ? AND role = 'social_worker' "
            "AND active = 1",
            [owner_id],
        )
        if owner is None:
            raise rules.TransitionError("Choose an active social worker as the new owner.")
        stamp = timeutil.iso()
        db["referral_events"].insert(
            {
                "referral_id": referral_id,
                "at": stamp,
                "user_id": user["id"],
                "from_status": referral["status"],
                "to_status": referral["status"],
                "note": f"Owner changed to {owner['display_name']}",
            }
        )
        db["referrals"].update(
            referral_id,
            {"owner_id": owner_id, "updated_at": stamp, "version": referral["version"] + 1},
        )
        audit.record(
            "referral_owner", "referral", referral_id, detail=f"owner={owner_id}", user=user, db=db
        )


# ---------------------------------------------------------------------------
# Letters


def _logo_path(config, instance_path: str) -> Path | None:
    name = config.get("UNIT_LOGO")
    if not name:
        return None
    root = Path(instance_path).resolve()
    path = (root / name).resolve()
    # Only files inside the instance folder: the setting must not read arbitrary files.
    return path if path.is_relative_to(root) and path.is_file() else None


LETTER_SQL = "SELECT s.*, r.owner_id FROM referrals r JOIN services s ON s.id = r.service_id"


def letterhead(config, instance_path: str) -> letters.Letterhead:
    """The unit letterhead from the app config."""
    return letters.Letterhead(
        name=config.get("UNIT_NAME") or "",
        address=config.get("UNIT_ADDRESS") or "",
        phone=config.get("UNIT_PHONE") or "",
        logo=_logo_path(config, instance_path),
    )


def letter_language(family: dict, requested: str | None) -> str:
    """The letter's language: the one asked for, else the family's, else English."""
    for lang in (requested, family.get("language")):
        if lang in letters.LANGUAGES:
            return lang
    return "en"


def _letter_service(row: dict, lang: str) -> letters.LetterService:
    place = ", ".join(x for x in (row["address"], row["city"]) if x)
    place = " ".join(x for x in (place, row["state"], row["postal_code"]) if x)
    description = row["description_es"] if lang == "es" and row["description_es"] else None
    return letters.LetterService(
        name=row["name"],
        description=description or row["description_en"],
        phone=row["phone"],
        website=row["website"],
        address=place,
        hours=row["hours"],
        what_to_bring=row["what_to_bring"],
        eligibility=row["eligibility"],
    )


def build_letter(
    db: Database,
    family_id: int,
    *,
    head: letters.Letterhead,
    language: str | None = None,
    caregiver_id: int | None = None,
    printed_by: dict | None = None,
    day: dt.date | None = None,
) -> letters.Letter | None:
    """The family letter (or, with caregiver_id, that parent's private letter); None if no family.

    The family letter lists accepted-or-later referrals that are not sensitive; sensitive
    ones (safety, mental health, services flagged sensitive) only ever go on the private
    letter of the parent who accepted them. Screening answers and scores are never read.
    """
    family = one(db, "SELECT id, language FROM families WHERE id = ?", [family_id])
    if family is None:
        return None
    lang = letter_language(family, language)
    marks = ",".join("?" * len(rules.ON_LETTER))
    if caregiver_id is None:
        privacy = "r.sensitive = 0 AND s.sensitive = 0"
        params: list = [family_id, *rules.ON_LETTER]
    else:
        privacy = "(r.sensitive = 1 OR s.sensitive = 1) AND r.caregiver_id = ?"
        params = [family_id, *rules.ON_LETTER, caregiver_id]
    # Only fixed fragments and placeholders are formatted into the query.
    where = f"r.family_id = ? AND r.status IN ({marks}) AND {privacy}"
    sql = f"{LETTER_SQL} WHERE {where} ORDER BY r.accepted_at, r.id"  # noqa: S608
    rows = list(db.query(sql, params))
    seen = set()
    services = []
    for row in rows:
        if row["id"] not in seen:
            seen.add(row["id"])
            services.append(_letter_service(row, lang))
    owners = collections.Counter(r["owner_id"] for r in rows if r["owner_id"])
    worker = None
    if owners:
        worker = one(
            db, "SELECT display_name, phone FROM users WHERE id = ?", [owners.most_common(1)[0][0]]
        )
    worker = worker or printed_by or {}
    return letters.Letter(
        language=lang,
        letterhead=head,
        date=day or timeutil.today(),
        worker_name=worker.get("display_name", ""),
        worker_phone=worker.get("phone", ""),
        services=tuple(services),
        private=caregiver_id is not None,
    )


def families_accepted_on(db: Database, day: dt.date) -> list[int]:
    """Families with a non-sensitive referral accepted on the given day."""
    return [
        r["family_id"]
        for r in db.query(
            "SELECT DISTINCT r.family_id FROM referrals r JOIN services s ON s.id = r.service_id "
            "WHERE substr(r.accepted_at, 1, 10) = ? AND r.status IN ('accepted', 'sent', "
            "'connected') AND r.sensitive = 0 AND s.sensitive = 0 ORDER BY r.family_id",
            [day.isoformat()],
        )
    ]
