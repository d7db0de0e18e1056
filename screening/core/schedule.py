"""What screening is due for a family: admission, pre-discharge, parent and EPDS repeats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DONE = ("completed", "closed")


@dataclass(frozen=True)
class Due:
    """One screening the unit owes a family."""

    kind: str  # admission | parent_mental_health | pre_discharge | epds_repeat
    label: str
    due: dt.date
    caregiver_id: int | None = None

    def overdue(self, today: dt.date) -> bool:
        """True once the due date has passed."""
        return today > self.due


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def due_items(
    family: dict,
    caregivers: list[dict],
    screenings: list[dict],
    *,
    family_instruments: tuple[str, ...],
    mental_health_instruments: tuple[str, ...],
    admission_days: int = 7,
    epds_borderline: dict[str, tuple[int, int]] | None = None,
) -> list[Due]:
    """Screenings due, from the family's dates and its screenings (each with instruments, result).

    `epds_borderline` maps respondent type to the inclusive (low, high) EPDS totals that call
    for a repeat in two weeks, below the positive threshold.
    """
    # Every family has an admission date (the form and the schema require it).
    admitted = dt.date.fromisoformat(family["admission_date"][:10])
    discharge = _date(family.get("discharge_date"))
    done = [s for s in screenings if s["status"] in DONE]
    items: list[Due] = []

    def has(instruments: tuple[str, ...], *, caregiver_id=None, timepoint=None) -> bool:
        return any(
            set(instruments) & set(s["instruments"])
            and (caregiver_id is None or s["caregiver_id"] == caregiver_id)
            and (timepoint is None or s["timepoint"] == timepoint)
            for s in done
        )

    if not has(family_instruments):
        items.append(
            Due("admission", "Social-needs screen", admitted + dt.timedelta(days=admission_days))
        )
    for cg in caregivers:
        if cg["respondent"] in ("birthing_parent", "partner") and not has(
            mental_health_instruments, caregiver_id=cg["id"]
        ):
            items.append(
                Due(
                    "parent_mental_health",
                    "Parent mental-health screen",
                    admitted + dt.timedelta(days=admission_days),
                    cg["id"],
                )
            )
    if discharge and not has(family_instruments, timepoint="pre_discharge"):
        items.append(Due("pre_discharge", "Pre-discharge social-needs screen", discharge))
    for cg in caregivers:
        band = (epds_borderline or {}).get(cg["respondent"])
        if not band:
            continue
        mine = sorted(
            (s for s in done if s["caregiver_id"] == cg["id"] and "epds" in s["instruments"]),
            key=lambda s: s["completed_at"] or "",
        )
        if not mine:
            continue
        last = mine[-1]
        finished = _date(last["completed_at"])
        total = ((last.get("result") or {}).get("instruments", {}).get("epds") or {}).get("total")
        if finished is not None and total is not None and band[0] <= total <= band[1]:
            items.append(
                Due(
                    "epds_repeat",
                    "EPDS repeat (borderline score)",
                    finished + dt.timedelta(days=14),
                    cg["id"],
                )
            )
    return items
