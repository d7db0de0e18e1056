"""Safety alerts: one per parent per screening, raised at once, acknowledged exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping

from sqlite_utils import Database

from screening.core.alert_groups import group_alerts
from screening.core.answer_sheet import Words
from screening.core.instruments import ALERT_KINDS
from screening.core.instruments import Registry
from screening.platform import timeutil
from screening.platform.db import insert_row
from screening.platform.db import one
from screening.platform.db import update_row


class AlreadyAcknowledged(Exception):
    """Someone acknowledged the alert first; their note stands."""

    def __init__(self, alert: dict):
        super().__init__(alert["id"])
        self.alert = alert


def _keys(items: Iterable[Mapping]) -> set[tuple[str, str, str]]:
    return {(i["kind"], i["instrument"], i.get("item", "")) for i in items}


def raise_alerts(
    db: Database,
    screening: Mapping,
    registry: Registry,
    alerts: list[dict],
    answers: Mapping[str, Mapping[str, object]],
    words: Words,
) -> tuple[int | None, list[dict]]:
    """Record the screening's alerts as one grouped alert (inside the caller's transaction).

    An open alert gains new items; items already acknowledged do not come back; new items
    after an acknowledgement make a new alert (someone must read them). Returns the id of
    the alert holding new items (or None) and those new items.
    """
    grouped = group_alerts(registry, alerts, answers, words)
    if grouped is None:
        return None, []
    sid = screening["id"]
    rows = list(db.query("SELECT * FROM alerts WHERE screening_id = ? ORDER BY id", [sid]))
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        stored = json.loads(row["items"]) or [row]
        seen |= _keys(stored)
    fresh = [i for i in grouped["items"] if (i["kind"], i["instrument"], i["item"]) not in seen]
    if not fresh:
        return None, []
    open_row = next((r for r in rows if r["acknowledged_at"] is None), None)
    if open_row is not None:
        items = (json.loads(open_row["items"]) or []) + fresh
        # The heading names the most urgent kind: a self-harm answer after a housing one.
        rank = {kind: n for n, kind in enumerate(ALERT_KINDS)}
        items.sort(key=lambda i: rank.get(i["kind"], len(rank)))
        first = items[0]
        update_row(
            db,
            "alerts",
            open_row["id"],
            {
                "items": json.dumps(items),
                "kind": first["kind"],
                "instrument": first["instrument"],
                "item": first["item"],
            },
        )
        return open_row["id"], fresh
    alert_id = insert_row(
        db,
        "alerts",
        {
            "screening_id": sid,
            "family_id": screening["family_id"],
            "kind": fresh[0]["kind"],
            "instrument": fresh[0]["instrument"],
            "item": fresh[0]["item"],
            "items": json.dumps(fresh),
            "created_at": timeutil.iso(),
        },
    )
    return alert_id, fresh


def acknowledge(db: Database, alert_id: int, user_id: int, note: str) -> None:
    """Acknowledge with the follow-up note, unless someone already did (compare-and-set).

    The WHERE clause is the whole protection: two social workers pressing at once both
    reach the UPDATE, and only the first still finds the alert open.
    """
    changed = db.conn.execute(
        """UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?, followup_note = ?
           WHERE id = ? AND acknowledged_at IS NULL""",
        [timeutil.iso(), user_id, note, alert_id],
    ).rowcount
    if not changed:
        raise AlreadyAcknowledged(alert_with_names(db, alert_id) or {"id": alert_id})


def alert_with_names(db: Database, alert_id: int) -> dict | None:
    """An alert with who acknowledged it."""
    return one(
        db,
        """SELECT a.*, u.display_name AS acknowledged_by_name FROM alerts a
           LEFT JOIN users u ON u.id = a.acknowledged_by WHERE a.id = ?""",
        [alert_id],
    )


def screening_alerts(db: Database, screening_id: int) -> list[dict]:
    """A screening's alerts, each with its items and who acknowledged it."""
    rows = list(
        db.query(
            """SELECT a.*, u.display_name AS acknowledged_by_name FROM alerts a
               LEFT JOIN users u ON u.id = a.acknowledged_by
               WHERE a.screening_id = ? ORDER BY a.id""",
            [screening_id],
        )
    )
    return [decorate(row) for row in rows]


def decorate(row: dict) -> dict:
    """An alert row with `items` parsed (a pre-grouping row reads as its one item)."""
    items = json.loads(row.get("items") or "[]")
    if not items:
        label = f"{row['instrument']} {row['item']}".strip()
        items = [
            {
                "kind": row["kind"],
                "instrument": row["instrument"],
                "item": row["item"],
                "text": {"en": label, "es": label},
            }
        ]
    return row | {"items": items}


def urgent(db: Database, limit: int = 5) -> list[dict]:
    """Open alerts for the staff banner, oldest first, with the parent and the MRN."""
    rows = db.query(
        """SELECT a.*, f.mrn, c.name AS caregiver_name FROM alerts a
           JOIN families f ON f.id = a.family_id
           JOIN screenings s ON s.id = a.screening_id
           JOIN caregivers c ON c.id = s.caregiver_id
           WHERE a.acknowledged_at IS NULL ORDER BY a.created_at, a.id LIMIT ?""",
        [limit],
    )
    return [decorate(r) for r in rows]
