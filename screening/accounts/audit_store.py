"""Queries behind the audit viewer and the access review (read-only; appends are platform.audit).

Every page query walks the primary key from the newest row down and stops at the page
size, so a page costs the same at a thousand rows and at ten million.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlite_utils import Database

from screening.platform import timeutil

REVIEW_DAYS = 30
# Audit actions that mean someone saw or took away PHI.
PHI_ACTIONS = ("view", "search", "letter", "handover", "paper_form", "handback", "fhir_export")
_FILTER = """
    WHERE (:user IS NULL OR username = :user)
      AND (:action IS NULL OR action = :action)
      AND (:record_type IS NULL OR record_type = :record_type)
      AND (:date_from IS NULL OR at >= :date_from)
      AND (:date_to IS NULL OR at < :date_to)
      AND (:before IS NULL OR id < :before)
"""
# Constant fragments only; every value is a named parameter.
PAGE_SQL = "SELECT * FROM audit_log" + _FILTER + "ORDER BY id DESC LIMIT :limit"  # noqa: S608  # nosec B608
_COLUMNS = (
    "id, at, user_id, username, role, action, record_type, record_id, outcome, detail, "
    "request_id, hash"
)
EXPORT_SQL = f"SELECT {_COLUMNS} FROM audit_log {_FILTER} ORDER BY id"  # noqa: S608  # nosec B608


def page(db: Database, params: dict, limit: int) -> list[dict]:
    return list(db.query(PAGE_SQL, {**params, "limit": limit}))


def export(db: Database, params: dict) -> Iterator[tuple]:
    yield from db.execute(EXPORT_SQL, params)


def _since(days: int) -> str:
    return timeutil.iso(timeutil.now() - dt.timedelta(days=days))


def review_accounts(db: Database, days: int) -> list[dict]:
    """Accounts an admin created or reset in the window, and accounts reset from the
    command line (the break-glass path), with who did it and when."""
    return list(
        db.query(
            """SELECT a.record_id AS user_id, u.username, u.role, u.phi_hold, a.action,
                      a.username AS by_user, a.role AS by_role, a.at
               FROM audit_log a JOIN users u ON CAST(u.id AS TEXT) = a.record_id
               WHERE a.at >= :since
                 AND a.action IN ('user_create', 'user_password_reset', 'user_totp_reset')
                 AND a.record_type = 'user'
               ORDER BY a.id DESC""",
            {"since": _since(days)},
        )
    )


def phi_openings(db: Database, user_ids: list[str], limit: int) -> list[dict]:
    """The newest PHI views by these accounts (record ids only: the reviewer opens them)."""
    if not user_ids:
        return []
    ids = sorted({int(i) for i in user_ids})
    marks = ", ".join("?" for _ in ids)
    actions = ", ".join("?" for _ in PHI_ACTIONS)
    sql = (
        "SELECT id, at, username, action, record_type, record_id, outcome FROM audit_log "  # noqa: S608  # nosec B608
        f"WHERE user_id IN ({marks}) AND action IN ({actions}) ORDER BY id DESC LIMIT ?"
    )
    return list(db.query(sql, [*ids, *PHI_ACTIONS, limit]))


def self_release_notices(db: Database, days: int) -> list[dict]:
    return list(
        db.query(
            "SELECT id, at, username, record_id, detail FROM audit_log "
            "WHERE action = 'access_confirm' AND outcome = 'self' AND at >= :since "
            "ORDER BY id DESC",
            {"since": _since(days)},
        )
    )
