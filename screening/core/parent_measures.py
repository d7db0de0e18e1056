"""Parents' mental health as its own measure set, by parent role, with small cells hidden.

Unit: a parent (birthing parent or partner) of a family admitted in the period. Measures:
screened (a completed mental-health screen / parents), positive (positive / screened),
follow_up (a mental-health referral accepted or later within FOLLOW_UP_DAYS of the first
positive screen / positive), declined (declined every mental-health offer / parents).
A count from 1 to threshold - 1 hides its cell; when one role's cell of a measure is hidden
and the unit's total is shown, the other role's cell is hidden too, so that no hidden count
is the total minus the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from .equity import cell
from .suppression import is_small

ROLES = ("birthing_parent", "partner")
ROLE_LABELS = {"birthing_parent": "Birthing parent", "partner": "Partner", "total": "All parents"}
FOLLOW_UP_DAYS = 30
# measure: (numerator quantity, denominator quantity, label)
MEASURES = {
    "screened": ("screened", "parents", "Screened for depression and anxiety"),
    "positive": ("positive", "screened", "Positive screen"),
    "follow_up": ("follow_up", "positive", "Follow-up within 30 days of a positive screen"),
    "declined": ("declined", "parents", "Declined every offer"),
}
QUANTITIES = ("parents", "screened", "positive", "follow_up", "declined")


def measure_set(counts: Mapping[str, Mapping[str, int]], threshold: int = 11) -> dict:
    """{"roles": {role: {measure: cell}}, "total": {measure: cell}} from counts per role."""
    rows = {r: {q: int(counts.get(r, {}).get(q, 0)) for q in QUANTITIES} for r in ROLES}
    total = {q: sum(rows[r][q] for r in ROLES) for q in QUANTITIES}
    out: dict = {"roles": {r: {} for r in ROLES}, "total": {}}
    for name, (num, den, _label) in MEASURES.items():
        total_hidden = is_small(total[num], threshold) or is_small(total[den], threshold)
        hidden = {
            r: is_small(rows[r][num], threshold) or is_small(rows[r][den], threshold) for r in ROLES
        }
        if not total_hidden and sum(hidden.values()) == 1:
            hidden = dict.fromkeys(ROLES, True)
        for r in ROLES:
            out["roles"][r][name] = cell(rows[r][num], rows[r][den], hidden[r])
        out["total"][name] = cell(total[num], total[den], total_hidden)
    return out


HEDIS_HEADER = (
    "measure",
    "indicator",
    "indicator_label",
    "numerator",
    "denominator",
    "rate",
    "suppressed",
)
HEDIS_INDICATORS = ("screened", "positive", "follow_up")


def hedis_rows(measures: Mapping) -> list[list[object]]:
    """The unit's screening, positive and follow-up rates, shaped like a HEDIS rate table."""
    rows: list[list[object]] = [list(HEDIS_HEADER)]
    for name in HEDIS_INDICATORS:
        c = measures["total"][name]
        rows.append(
            [
                "parent_mental_health",
                name,
                MEASURES[name][2],
                "" if c["numerator"] is None else c["numerator"],
                "" if c["denominator"] is None else c["denominator"],
                "" if c["rate"] is None else c["rate"],
                "true" if c["suppressed"] else "false",
            ]
        )
    return rows
