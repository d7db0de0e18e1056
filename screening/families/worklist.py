"""The unit worklist, in bounded pages: however many years of data a unit holds, one page
reads at most a few hundred families and renders at most PAGE_SIZE rows per list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from sqlite_utils import Database

PAGE_SIZE = 50
# Families read per step while filling a page of due items (most active families are due).
CHUNK = 200
# Discharged families stay on the due list this long (pre-discharge and follow-up screens).
RECENT_DISCHARGE_DAYS = 30


@dataclass
class Page:
    """One page of a list: its rows, the total when cheap to count, and the next cursor."""

    rows: list[dict] = field(default_factory=list)
    total: int | None = None
    next_cursor: str | None = None


def _offset(cursor: str | None) -> int:
    return int(cursor) if cursor and cursor.isdigit() and len(cursor) < 10 else 0


def interrupted(db: Database, cursor: str | None = None) -> Page:
    """Screenings stopped part-way, oldest save first, with the parent named."""
    return _screenings(db, "in_progress", cursor)


def waiting_to_close(db: Database, cursor: str | None = None) -> Page:
    """Completed screenings not yet closed, with why: open alerts, referrals to decide."""
    return _screenings(db, "completed", cursor)


def _screenings(db: Database, status: str, cursor: str | None) -> Page:
    offset = _offset(cursor)
    rows = list(
        db.query(
            """SELECT s.id, s.family_id, s.timepoint, s.updated_at, s.started_at, f.mrn,
                 c.name AS caregiver_name,
                 (SELECT count(*) FROM alerts a WHERE a.screening_id = s.id
                    AND a.acknowledged_at IS NULL) AS open_alerts,
                 (SELECT count(*) FROM referrals r WHERE r.screening_id = s.id
                    AND r.status = 'suggested') AS to_decide
               FROM screenings s JOIN families f ON f.id = s.family_id
               JOIN caregivers c ON c.id = s.caregiver_id
               WHERE s.status = :status ORDER BY s.updated_at, s.id LIMIT :limit OFFSET :offset""",
            {"status": status, "limit": PAGE_SIZE + 1, "offset": offset},
        )
    )
    total = db["screenings"].count_where("status = ?", [status])
    more = len(rows) > PAGE_SIZE
    return Page(rows[:PAGE_SIZE], total, str(offset + PAGE_SIZE) if more else None)


def due(
    db: Database, today: dt.date, due_for: Callable[[dict], list], cursor: str | None = None
) -> Page:
    """Families with a screening due, by admission date, up to PAGE_SIZE of them.

    `due_for(family)` says what is due (core/schedule.py under the unit's settings); the
    cursor is the last family's id read, so a page never re-reads what came before.
    """
    cutoff = (today - dt.timedelta(days=RECENT_DISCHARGE_DAYS)).isoformat()
    after = _offset(cursor)
    page = Page()
    while len(page.rows) < PAGE_SIZE:
        families = list(
            db.query(
                """SELECT * FROM families WHERE id > :after
                     AND (discharge_date IS NULL OR discharge_date >= :cutoff)
                   ORDER BY id LIMIT :chunk""",
                {"after": after, "cutoff": cutoff, "chunk": CHUNK},
            )
        )
        if not families:
            return page
        for family in _with_people(db, families):
            after = family["id"]
            items = due_for(family)
            if items:
                page.rows.append({"family": family, "items": items})
                if len(page.rows) == PAGE_SIZE:
                    break
    page.next_cursor = str(after)
    return page


def _with_people(db: Database, families: list[dict]) -> list[dict]:
    """The families with caregivers and screenings (the fields the due list needs)."""
    by_id = {f["id"]: f | {"caregivers": [], "screenings": []} for f in families}
    marks = ", ".join("?" * len(by_id))
    ids = list(by_id)
    for row in db.query(
        f"SELECT * FROM caregivers WHERE family_id IN ({marks}) ORDER BY id",  # noqa: S608  # nosec B608
        ids,
    ):
        by_id[row["family_id"]]["caregivers"].append(row)
    for row in db.query(
        f"""SELECT id, family_id, caregiver_id, status, timepoint, instruments, completed_at,
                   result FROM screenings WHERE family_id IN ({marks})""",  # noqa: S608  # nosec B608
        ids,
    ):
        row["instruments"] = json.loads(row["instruments"])
        row["result"] = json.loads(row["result"]) if row["result"] else None
        by_id[row["family_id"]]["screenings"].append(row)
    for family in by_id.values():
        family["caregiver_names"] = ", ".join(c["name"] for c in family["caregivers"])
    return list(by_id.values())
