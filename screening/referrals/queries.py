"""Referral reads: a family's and a screening's referrals, and the follow-up worklist.

Rows carry codes (status, reason, outcome, match reasons); pages turn them into words.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
from dataclasses import dataclass

from sqlite_utils import Database

from screening.core import matching
from screening.core import referral_rules as rules
from screening.directory.store import all_services
from screening.platform import timeutil

REFERRAL_SQL = """
SELECT r.*, s.name AS service_name, s.phone AS service_phone, s.number AS service_number,
       s.sensitive AS service_sensitive, s.active AS service_active,
       u.display_name AS owner_name, c.name AS caregiver_name
FROM referrals r
LEFT JOIN services s ON s.id = r.service_id
LEFT JOIN users u ON u.id = r.owner_id
LEFT JOIN caregivers c ON c.id = r.caregiver_id
"""
EVENTS_SQL = (
    "SELECT e.*, u.display_name AS user_name FROM referral_events e "
    "LEFT JOIN users u ON u.id = e.user_id"
)
ATTEMPTS_SQL = (
    "SELECT a.*, u.display_name AS user_name FROM referral_attempts a "
    "LEFT JOIN users u ON u.id = a.user_id"
)


def _by_referral(db: Database, sql: str, ids: list[int], order: str) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = collections.defaultdict(list)
    if ids:
        marks = ",".join("?" * len(ids))
        # Only fixed fragments and placeholders are formatted into the query.
        query = f"{sql} WHERE referral_id IN ({marks}) ORDER BY {order}"  # noqa: S608  # nosec B608
        for row in db.query(query, ids):
            out[row["referral_id"]].append(row)
    return out


def _alternatives(
    db: Database, rows: list[dict], languages: dict[int, str]
) -> dict[int, list[dict]]:
    """Other active services for each open suggestion, ranked again with today's directory."""
    open_rows = [r for r in rows if r["status"] == "suggested"]
    if not open_rows:
        return {}
    services = all_services(db, active_only=True)
    out = {}
    for r in open_rows:
        need = matching.Need(r["domain"], r["category"], tuple(json.loads(r["need_tags"])))
        ranked = matching.rank_services(
            services,
            need,
            languages.get(r["family_id"], "en"),
            category_ok=r["domain"] in matching.ALWAYS_OFFER,
            today=timeutil.today(),
            crisis=bool(r["crisis"]),
        )
        out[r["id"]] = [s for s in ranked if s["id"] != r["service_id"]]
    return out


def decorate(db: Database, rows: list[dict], *, max_attempts: int = 3) -> list[dict]:
    """Add history, attempts, alternatives, allowed actions and due flags to referral rows."""
    today = timeutil.today()
    ids = [r["id"] for r in rows]
    history = _by_referral(db, EVENTS_SQL, ids, "e.at, e.id")
    attempts = _by_referral(db, ATTEMPTS_SQL, ids, "a.on_date, a.id")
    families = {r["family_id"] for r in rows}
    languages = {}
    if families:
        marks = ",".join("?" * len(families))
        sql = f"SELECT id, language FROM families WHERE id IN ({marks})"  # noqa: S608  # nosec B608
        languages = {f["id"]: f["language"] for f in db.query(sql, list(families))}
    alternatives = _alternatives(db, rows, languages)
    for r in rows:
        r["history"] = history[r["id"]]
        r["attempt_rows"] = attempts[r["id"]]
        r["alternatives"] = alternatives.get(r["id"], [])
        r["reasons"] = [matching.Reason(**x) for x in json.loads(r["match_reasons"] or "[]")]
        r["actions"] = list(rules.allowed(r["status"]))
        r["closed"] = r["status"] in rules.CLOSING
        r["can_attempt"] = r["status"] in rules.ATTEMPT_STATUSES
        r["unreachable_ok"] = rules.unreachable_offered(r, max_attempts)
        r["max_attempts"] = max_attempts
        r["due"] = rules.is_due(r, today)
        r["overdue"] = bool(
            r["status"] == "sent"
            and r["follow_up_due"]
            and dt.date.fromisoformat(r["follow_up_due"]) < today
        )
        r["sensitive"] = bool(r["sensitive"] or r["service_sensitive"])
        r["service_name"] = r["service_name"] or r["service_text"] or ""
    return rows


def family_referrals(db: Database, family_id: int, *, max_attempts: int = 3) -> list[dict]:
    """The family's referrals, open ones first, each with its history and allowed actions."""
    rows = list(
        db.query(
            REFERRAL_SQL + " WHERE r.family_id = ? "
            "ORDER BY r.status NOT IN ('suggested', 'accepted', 'sent'), r.id",
            [family_id],
        )
    )
    return decorate(db, rows, max_attempts=max_attempts)


def screening_referrals(db: Database, screening_id: int, *, max_attempts: int = 3) -> list[dict]:
    """The referrals a screening suggested, with history and allowed actions."""
    rows = list(db.query(REFERRAL_SQL + " WHERE r.screening_id = ? ORDER BY r.id", [screening_id]))
    return decorate(db, rows, max_attempts=max_attempts)


# ---------------------------------------------------------------------------
# Worklist

WORKLIST_STATUSES = ("open", *rules.STATUSES)
PAGE_SIZE = 25


@dataclass(frozen=True)
class Filters:
    """The worklist's filters; the default is every open referral that was accepted."""

    mine: bool = False
    overdue: bool = False
    week: bool = False
    private: bool = False
    category: str = ""
    status: str = "open"
    page: int = 1


def _where(f: Filters, user_id: int, today: dt.date) -> tuple[str, list]:
    clauses, params = [], []
    if f.status == "open":
        clauses.append("r.status IN ('accepted', 'sent')")
    else:
        clauses.append("r.status = ?")
        params.append(f.status)
    if f.mine:
        clauses.append("r.owner_id = ?")
        params.append(user_id)
    if f.overdue:
        clauses.append("r.status = 'sent' AND r.follow_up_due < ?")
        params.append(today.isoformat())
    if f.week:
        clauses.append("(r.status = 'accepted' OR r.follow_up_due <= ?)")
        params.append((today + dt.timedelta(days=7)).isoformat())
    if f.private:
        clauses.append("r.sensitive = 1")
    if f.category:
        clauses.append("r.category = ?")
        params.append(f.category)
    return " AND ".join(clauses), params


FAMILY_COLUMNS = """
SELECT f.id, f.mrn, f.language, f.interpreter_needed,
  (SELECT name FROM caregivers c WHERE c.family_id = f.id
     ORDER BY c.respondent != 'birthing_parent', c.id LIMIT 1) AS family_name,
  (SELECT phone FROM caregivers c WHERE c.family_id = f.id AND c.phone != ''
     ORDER BY c.respondent != 'birthing_parent', c.id LIMIT 1) AS best_phone,
  (SELECT name FROM infants i WHERE i.family_id = f.id ORDER BY i.position, i.id LIMIT 1)
     AS infant_name
FROM families f
"""


def worklist_page(
    db: Database, f: Filters, *, user_id: int, max_attempts: int = 3
) -> tuple[list[dict], int]:
    """One page of the worklist, soonest follow-up first, and how many rows match in all.

    Rows are chosen by id first (indexes only), then only that page is joined with the
    family's name, phone and language, so the page costs the same at any size of unit.
    """
    today = timeutil.today()
    where, params = _where(f, user_id, today)
    total = db.execute(f"SELECT COUNT(*) FROM referrals r WHERE {where}", params).fetchone()[0]  # noqa: S608  # nosec B608
    order = "COALESCE(r.follow_up_due, substr(r.accepted_at, 1, 10), substr(r.created_at, 1, 10))"
    page = max(1, f.page)
    ids = [
        row[0]
        for row in db.execute(
            f"SELECT r.id FROM referrals r WHERE {where} ORDER BY {order}, r.id "  # noqa: S608  # nosec B608
            "LIMIT ? OFFSET ?",
            [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        ).fetchall()
    ]
    if not ids:
        return [], total
    marks = ",".join("?" * len(ids))
    rows = {
        r["id"]: r
        for r in db.query(REFERRAL_SQL + f" WHERE r.id IN ({marks})", ids)  # noqa: S608  # nosec B608
    }
    ordered = decorate(db, [rows[i] for i in ids], max_attempts=max_attempts)
    family_ids = sorted({r["family_id"] for r in ordered})
    fmarks = ",".join("?" * len(family_ids))
    families = {
        fam["id"]: fam
        for fam in db.query(FAMILY_COLUMNS + f" WHERE f.id IN ({fmarks})", family_ids)  # noqa: S608  # nosec B608
    }
    for r in ordered:
        r["family"] = families[r["family_id"]]
    return ordered, total
