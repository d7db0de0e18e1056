"""The care cascade per group, read off an already protected equity summary.

Each step's count is the numerator (admitted: the denominator) of a metric cell in the
summary, so the cascade shows no number the tables do not, and a step hidden there is
hidden here. The bar is the step's count over the group's admitted families; the step rate
is the metric itself (e.g. connected out of referrals sent), the figure a quality meeting
compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .equity import too_few_families
from .equity_metrics import CASCADE


@dataclass(frozen=True)
class Step:
    """One step of one group's cascade (None where the summary hides it)."""

    name: str
    label: str
    count: int | None
    share: float | None  # of admitted families
    rate: float | None  # the step's metric rate
    suppressed: bool


def steps(metrics: Mapping[str, Mapping]) -> list[Step]:
    """The cascade steps of one group's (or the total's) metric cells."""
    admitted_cell = metrics["screened"]
    admitted = None if admitted_cell["suppressed"] else admitted_cell["denominator"]
    out = []
    for name, label, metric, side in CASCADE:
        cell = metrics[metric]
        hidden = bool(cell["suppressed"])
        count = None if hidden else cell[side]
        share = count / admitted if count is not None and admitted else None
        rate = None if hidden or side == "denominator" else cell["rate"]
        out.append(Step(name, label, count, share, rate, hidden))
    return out


def cascades(summary: Mapping) -> list[tuple[str, list[Step]]]:
    """(group, steps) for every group, then ("total", steps); empty when too few families."""
    if too_few_families(summary):
        return []
    rows = [(g["group"], steps(g["metrics"])) for g in summary["groups"]]
    rows.append(("total", steps(summary["total"]["metrics"])))
    return rows
