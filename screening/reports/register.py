"""Chart notes and the action-plan register: storage, the PHI check, and review entries.

Everything stored here is read by managers and leadership, so free text passes
core.phi_text against every family name and record number in the database first.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database

from screening.core.equity_metrics import METRICS
from screening.core.phi_text import Identifiers
from screening.core.phi_text import findings
from screening.platform import timeutil
from screening.platform.db import insert_row
from screening.platform.db import write


def identifiers(db: Database) -> Identifiers:
    """Every family name (caregivers, infants) and record number (MRNs, imported ids)."""
    names = [r[0] for r in db.execute("SELECT name FROM caregivers UNION SELECT name FROM infants")]
    numbers = [r[0] for r in db.execute("SELECT mrn FROM families")]
    numbers += [r[0] for r in db.execute("SELECT record_id FROM imported_families")]
    return Identifiers.build(names, numbers)


def phi_problem(ids: Identifiers, text: str) -> str | None:
    """A message for the field when the text holds a family's name or record number."""
    found = findings(text, ids)
    if not found:
        return None
    return "This holds " + " and ".join(found) + " of a family. Describe groups, never a family."


# -- chart notes ---------------------------------------------------------------------------


def annotations(db: Database) -> list[dict]:
    """Every dated note, oldest first."""
    return list(db.query("SELECT id, on_date, note FROM chart_annotations ORDER BY on_date, id"))


def month_notes(db: Database) -> list[tuple[str, str]]:
    """(month, note) pairs for core.quality_charts.p_chart."""
    return [(a["on_date"][:7], f"{a['on_date']}: {a['note']}") for a in annotations(db)]


def add_annotation(db: Database, on_date: dt.date, note: str, user_id: int | None) -> int:
    """Store a note (the caller has checked it for PHI)."""
    row = {
        "on_date": on_date.isoformat(),
        "note": note,
        "created_at": timeutil.iso(),
        "created_by": user_id,
    }
    with write(db):
        return insert_row(db, "chart_annotations", row)


# -- action plans --------------------------------------------------------------------------


def plans(db: Database) -> list[dict]:
    """Every plan with its review dates decoded and its open reviews counted."""
    rows = list(
        db.query(
            "SELECT p.*, (SELECT count(*) FROM action_plan_reviews r WHERE r.plan_id = p.id "
            "AND r.closed_at IS NULL) AS open_reviews FROM action_plans p ORDER BY p.id"
        )
    )
    for row in rows:
        row["review_dates"] = json.loads(row["review_dates"] or "[]")
    return rows


def plan(db: Database, plan_id: int) -> dict | None:
    """One plan, or None."""
    found = [p for p in plans(db) if p["id"] == plan_id]
    return found[0] if found else None


def add_plan(db: Database, fields: dict, user_id: int | None) -> int:
    """Store a checked plan (fields as PlanForm.values())."""
    stamp = timeutil.iso()
    row = {**fields, "review_dates": json.dumps(fields["review_dates"])}
    row.update(created_at=stamp, updated_at=stamp, created_by=user_id)
    with write(db):
        return insert_row(db, "action_plans", row)


def reviews(db: Database, plan_id: int) -> list[dict]:
    """A plan's review entries, newest first."""
    return list(
        db.query(
            "SELECT * FROM action_plan_reviews WHERE plan_id = ? ORDER BY opened_on DESC, id DESC",
            [plan_id],
        )
    )


def target_met(metric: str, rate: float, target: float) -> bool:
    """A target is a floor for care given, a ceiling for adverse events (declines)."""
    return rate <= target if METRICS[metric].adverse_is_event else rate >= target


def due_reviews(plan_row: dict, chart: dict, today: dt.date) -> list[tuple[str, str]]:
    """(trigger, detail) reviews due: a missed target, a review date reached, a signal."""
    due = []
    shown = [p for p in chart["points"] if not p["suppressed"] and p["rate"] is not None]
    if today > dt.date.fromisoformat(plan_row["target_date"]) and shown:
        last = shown[-1]
        if not target_met(plan_row["metric"], last["rate"], plan_row["target_rate"]):
            due.append(
                (
                    "missed_target",
                    f"Target {plan_row['target_rate'] * 100:.0f}% by {plan_row['target_date']}; "
                    f"{last['month']} was {last['rate'] * 100:.1f}%.",
                )
            )
    for day in plan_row.get("review_dates") or ():
        if dt.date.fromisoformat(day) <= today:
            due.append(("scheduled", f"Review planned for {day}."))
    s = chart["signals"]
    signals = []
    if s["outside_limits"]:
        signals.append("outside the limits in " + ", ".join(s["outside_limits"]))
    if s["shift"]:
        signals.append(f"a run of {s['longest_run']} months on one side of the centre line")
    if s["few_crossings"]:
        signals.append(f"only {s['crossings']} crossings of the centre line")
    if signals:
        due.append(("signal", "Signal: " + "; ".join(signals) + "."))
    return due


def open_reviews(db: Database, plan_id: int, due: list[tuple[str, str]], today: dt.date) -> int:
    """Open each due review once (the same trigger and detail never twice)."""
    if not due:
        return 0
    with write(db):
        before = db.execute("SELECT count(*) FROM action_plan_reviews").fetchone()[0]
        db.conn.executemany(
            "INSERT OR IGNORE INTO action_plan_reviews (plan_id, opened_on, trigger, detail) "
            "VALUES (?, ?, ?, ?)",
            [(plan_id, today.isoformat(), trigger, detail) for trigger, detail in due],
        )
        return db.execute("SELECT count(*) FROM action_plan_reviews").fetchone()[0] - before


def record_action(db: Database, plan_id: int, review_id: int, action: str) -> bool:
    """Record what the unit did about a review and close it; False when there is no such review."""
    with write(db):
        cursor = db.execute(
            "UPDATE action_plan_reviews SET action_taken = ?, closed_at = ? "
            "WHERE id = ? AND plan_id = ?",
            [action, timeutil.iso(), review_id, plan_id],
        )
        return cursor.rowcount == 1
