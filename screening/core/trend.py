"""The `trend` command's core: check the request, pick one metric's monthly counts, chart it.

The store supplies the same quantities as for the equity summary, keyed by (stored group
value, month 'YYYY-MM') instead of quarter; everything else happens here, so the command
and the page refuse the same bad input with the same one-line messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .equity import Dimension
from .equity_metrics import METRICS
from .periods import PeriodError
from .periods import snap_period
from .spc import p_chart


class TrendError(ValueError):
    """A request the trend cannot answer; the message is one line naming the option."""


def metric_months(
    counts: Mapping[tuple[object, str], Mapping[str, int]],
    metric: str,
    dimension: Dimension | None = None,
    group: str | None = None,
) -> dict[str, tuple[int, int]]:
    """{month: (numerator, denominator)} of one metric, for one group or for everyone."""
    m = METRICS[metric]
    out: dict[str, tuple[int, int]] = {}
    for (raw, month), row in counts.items():
        if group is not None and (dimension is None or dimension.group_of(raw) != group):
            continue
        x, n = out.get(month, (0, 0))
        out[month] = (x + int(row.get(m.numerator, 0)), n + int(row.get(m.denominator, 0)))
    return out


def check_request(
    metric: str,
    dimensions: Mapping[str, Dimension],
    by: str | None,
    group: str | None,
    known_groups: frozenset[str] | set[str] = frozenset(),
) -> Dimension | None:
    """The dimension asked for, or TrendError for an unknown metric, dimension or group."""
    if metric not in METRICS:
        raise TrendError(f"--metric: unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if (by is None) != (group is None):
        raise TrendError("--by and --group go together: give both or neither")
    if by is None:
        return None
    if by not in dimensions:
        raise TrendError(f"--by: unknown dimension {by!r}; choose one of {', '.join(dimensions)}")
    dimension = dimensions[by]
    if group not in set(dimension.groups) | known_groups:
        raise TrendError(f"--group: unknown group {group!r} for {by}")
    return dimension


def build_trend(
    counts: Mapping[tuple[object, str], Mapping[str, int]],
    metric: str,
    *,
    today: dt.date,
    dimensions: Mapping[str, Dimension],
    by: str | None = None,
    group: str | None = None,
    start: str | None = None,
    end: str | None = None,
    baseline_to: str | None = None,
    threshold: int = 11,
) -> dict:
    """The DESIGN.md `trend` JSON, or TrendError with a one-line message (exit 2)."""
    by_dim = dimensions.get(by) if by else None
    known = {by_dim.group_of(raw) for raw, _ in counts} if by_dim else set()
    dimension = check_request(metric, dimensions, by, group, known)
    try:
        first, last = snap_period(start, end, today)
        _, frozen = snap_period(None, baseline_to, today, options=("--from", "--baseline-to"))
    except PeriodError as exc:
        raise TrendError(str(exc)) from None
    months = metric_months(counts, metric, dimension, group)
    start_month = first[:7] if first else None
    end_month = last[:7] if last else None
    months = {
        m: v
        for m, v in months.items()
        if (start_month is None or m >= start_month) and (end_month is None or m <= end_month)
    }
    try:
        return p_chart(
            metric,
            months,
            start=start_month,
            end=end_month,
            baseline_to=frozen[:7] if frozen else None,
            dimension=by,
            group=group,
            threshold=threshold,
        )
    except ValueError as exc:
        raise TrendError(str(exc)) from None
