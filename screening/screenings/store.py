"""Screening storage: answers, the page plan, saving a page, scoring on completion."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from screening.core.answer_sheet import Words
from screening.core.instruments import DECLINED
from screening.core.instruments import visible_items
from screening.core.scoring import score
from screening.families.store import StaleEdit
from screening.platform import timeutil
from screening.platform.db import insert_row
from screening.platform.db import one
from screening.platform.db import update_row
from screening.screenings.alerts import raise_alerts


@dataclass(frozen=True)
class Page:
    """One screen of questions: items of one instrument page that are to be asked."""

    instrument: object
    index: int
    items: tuple


def get_screening(db: Database, screening_id: int) -> dict | None:
    """A screening with its caregiver and parsed instruments/result."""
    row = one(
        db,
        """SELECT s.*, c.name AS caregiver_name, c.respondent, c.language AS caregiver_language
           FROM screenings s JOIN caregivers c ON c.id = s.caregiver_id WHERE s.id = ?""",
        [screening_id],
    )
    if row:
        row["instruments"] = json.loads(row["instruments"])
        row["result"] = json.loads(row["result"]) if row["result"] else None
    return row


def load_answers(db: Database, screening_id: int) -> dict[str, dict[str, object]]:
    """{instrument: {item: value or DECLINED}} for a screening."""
    answers: dict[str, dict[str, object]] = {}
    # Plain tuples: every page read and save loads a screening's forty-odd answers.
    for instrument, item, value, declined in db.conn.execute(
        "SELECT instrument, item, value, declined FROM answers WHERE screening_id = ?",
        [screening_id],
    ):
        answers.setdefault(instrument, {})[item] = DECLINED if declined else json.loads(value)
    return answers


def plan(registry, instruments: list[str], answers: dict, settings: dict) -> list[Page]:
    """The pages to show, in order, given the answers so far (gates hide whole pages)."""
    pages = []
    for instrument_id in instruments:
        instrument = registry.get(instrument_id)
        visible = {
            i.id for i in visible_items(instrument, answers.get(instrument_id, {}), settings)
        }
        for index, page_items in enumerate(instrument.pages()):
            items = tuple(i for i in page_items if i.id in visible)
            if items:
                pages.append(Page(instrument, index, items))
    return pages


def check_version(db: Database, screening_id: int, version: int) -> dict:
    """The screening row, or StaleEdit when another save came first."""
    row = one(db, "SELECT * FROM screenings WHERE id = ?", [screening_id])
    if row is None or row["version"] != version:
        raise StaleEdit()
    return row


def save_page(
    db: Database,
    screening_id: int,
    version: int,
    instrument,
    page_answers: dict,
    settings: dict,
    user_id: int,
    next_page: int,
    answers: dict,
) -> dict:
    """Store one page's answers and drop answers a gate no longer asks.

    `answers` are the screening's answers as read at `version`; returns them updated.
    """
    check_version(db, screening_id, version)
    stamp = timeutil.iso()
    skipped = [item_id for item_id, value in page_answers.items() if value is None]
    db.conn.executemany(
        "DELETE FROM answers WHERE screening_id = ? AND instrument = ? AND item = ?",
        [(screening_id, instrument.id, item_id) for item_id in skipped],
    )
    db.conn.executemany(
        """INSERT INTO answers (screening_id, instrument, item, value, declined, answered_at,
             answered_by) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (screening_id, instrument, item) DO UPDATE SET value = excluded.value,
             declined = excluded.declined, answered_at = excluded.answered_at,
             answered_by = excluded.answered_by""",
        [
            (
                screening_id,
                instrument.id,
                item_id,
                None if value == DECLINED else json.dumps(value),
                int(value == DECLINED),
                stamp,
                user_id,
            )
            for item_id, value in page_answers.items()
            if value is not None
        ],
    )
    current = dict(answers.get(instrument.id, {}))
    for item_id, value in page_answers.items():
        if value is None:
            current.pop(item_id, None)
        else:
            current[item_id] = value
    asked = {i.id for i in visible_items(instrument, current, settings)}
    dropped = set(current) - asked
    db.conn.executemany(
        "DELETE FROM answers WHERE screening_id = ? AND instrument = ? AND item = ?",
        [(screening_id, instrument.id, item_id) for item_id in dropped],
    )
    update_row(
        db,
        "screenings",
        screening_id,
        {"version": version + 1, "page": next_page, "updated_at": stamp, "updated_by": user_id},
    )
    updated = dict(answers)
    updated[instrument.id] = {k: v for k, v in current.items() if k not in dropped}
    return updated


def store_result(
    db: Database,
    screening: dict,
    registry,
    settings: dict,
    words: Words,
    answers: dict | None = None,
    result: dict | None = None,
    changes: dict | None = None,
) -> dict:
    """Score the answers and store the result, domain results and alerts (no status change).

    `result` is the score of exactly these answers when the caller has it already;
    `changes` are more columns of the screening written with the result, in one statement.
    """
    if answers is None:
        answers = load_answers(db, screening["id"])
    answers = {i: answers.get(i, {}) for i in screening["instruments"]}
    if result is None:
        result = score(registry, screening["respondent"], answers, settings)
    sid = screening["id"]
    db.execute("DELETE FROM domain_results WHERE screening_id = ?", [sid])
    db.conn.executemany(
        "INSERT INTO domain_results (screening_id, domain, status, wants_help, reasons) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (sid, domain, o["status"], o["wants_help"], json.dumps(o.get("reasons", [])))
            for domain, o in result["domains"].items()
        ],
    )
    raise_alerts(db, screening, registry, result["alerts"], answers, words)
    update_row(db, "screenings", sid, {"result": json.dumps(result), **(changes or {})})
    return result


def complete(
    db: Database,
    screening: dict,
    registry,
    settings: dict,
    user_id: int,
    words: Words,
    suggest=None,
    answers: dict | None = None,
    result: dict | None = None,
) -> dict:
    """Score the answers and store result, domain results, alerts and referral suggestions."""
    stamp = timeutil.iso()
    completion = {
        "status": "completed",
        "completed_at": stamp,
        "updated_at": stamp,
        "updated_by": user_id,
        "version": screening["version"] + 1,
    }
    result = store_result(db, screening, registry, settings, words, answers, result, completion)
    if suggest is not None:
        suggest(
            db,
            family_id=screening["family_id"],
            screening_id=screening["id"],
            caregiver_id=screening["caregiver_id"],
            result=result,
            language=screening["language"],
            user_id=user_id,
        )
    return result


def record_correction(
    db: Database, screening_id: int, instrument: str, item: str, old, new, reason: str, user_id: int
) -> None:
    """Keep the old value of a corrected answer with the reason, and store the new one."""
    stamp = timeutil.iso()

    def stored(value) -> tuple:
        return (
            (None, 0)
            if value is None
            else (None, 1)
            if value == DECLINED
            else (json.dumps(value), 0)
        )

    (old_value, old_declined), (new_value, new_declined) = stored(old), stored(new)
    insert_row(
        db,
        "answer_history",
        {
            "screening_id": screening_id,
            "instrument": instrument,
            "item": item,
            "old_value": old_value,
            "old_declined": old_declined,
            "new_value": new_value,
            "new_declined": new_declined,
            "reason": reason,
            "changed_at": stamp,
            "changed_by": user_id,
        },
    )
    db.conn.execute(
        """INSERT INTO answers (screening_id, instrument, item, value, declined, answered_at,
             answered_by) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (screening_id, instrument, item) DO UPDATE SET value = excluded.value,
             declined = excluded.declined, answered_at = excluded.answered_at,
             answered_by = excluded.answered_by""",
        [screening_id, instrument, item, new_value, new_declined, stamp, user_id],
    )


def answer_history(db: Database, screening_id: int) -> list[dict]:
    """Corrections of a screening's answers, newest first, with who made them."""
    rows = db.query(
        """SELECT h.*, u.display_name AS changed_by_name FROM answer_history h
           LEFT JOIN users u ON u.id = h.changed_by WHERE h.screening_id = ?
           ORDER BY h.id DESC""",
        [screening_id],
    )
    out = []
    for row in rows:
        for side in ("old", "new"):
            value = row[f"{side}_value"]
            row[side] = (
                DECLINED if row[f"{side}_declined"] else (json.loads(value) if value else None)
            )
        out.append(row)
    return out


def create_screening(
    db: Database,
    family_id: int,
    form: dict,
    instruments: list[str],
    declined: bool,
    user_id: int,
) -> tuple[int, bool]:
    """Insert a screening (or a declined offer) unless its request token was used already.

    Returns (screening id, created): a double tap finds the first tap's screening.
    """
    row = one(db, "SELECT id FROM screenings WHERE request_token = ?", [form["request_token"]])
    if row:
        return row["id"], False
    stamp = timeutil.iso()
    screening_id = insert_row(
        db,
        "screenings",
        {
            "family_id": family_id,
            "caregiver_id": int(form["caregiver_id"]),
            "timepoint": form["timepoint"],
            "mode": form["mode"],
            "language": form["language"],
            "instruments": json.dumps(instruments),
            "status": "declined" if declined else "in_progress",
            "decline_reason": form["decline_reason"] if declined else None,
            "request_token": form["request_token"],
            "started_by": user_id,
            "started_at": stamp,
            "updated_by": user_id,
            "updated_at": stamp,
        },
    )
    return screening_id, True


def touch(db: Database, screening_id: int, user_id: int, **changes: object) -> None:
    """Bump the screening's version (open pages then see a stale save) with `changes`."""
    db.conn.execute(
        "UPDATE screenings SET version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
        [timeutil.iso(), user_id, screening_id],
    )
    if changes:
        update_row(db, "screenings", screening_id, changes)
