"""Monthly p-charts with Anhøj's run rules: the DESIGN.md `trend` JSON from monthly counts.

Shewhart limits catch a single wild month; Anhøj's two run rules (an unusually long run on
one side of the centre line, unusually few crossings of it) catch the sustained shift a
change in practice produces, with a false-alarm rate that stays near 5% whatever the number
of points. References: Anhøj J, Olesen AV. PLoS ONE 2014;9(11):e113825, and the qicharts2
implementation (longest run limit round(log2(n) + 3), crossings limit qbinom(0.05, n - 1, 0.5)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from fractions import Fraction

from .periods import month_range
from .suppression import is_small

SIGMA = 3
# Anhøj: crossings below the 5% lower quantile of Binomial(n - 1, 1/2) signal a shift.
CROSSINGS_QUANTILE = Fraction(5, 100)


def longest_run_limit(useful: int) -> int | None:
    """The longest run expected by chance among `useful` points (None when there are none)."""
    if useful < 1:
        return None
    # Half-up rounding; log2 of an integer never lands exactly on .5, so this equals round().
    return math.floor(math.log2(useful) + 3 + 0.5)


def crossings_limit(useful: int) -> int | None:
    """The 5% lower quantile of Binomial(useful - 1, 0.5), exactly (integer arithmetic).

    The smallest k with P(X <= k) >= 0.05, as R's qbinom(0.05, useful - 1, 0.5).
    """
    if useful < 1:
        return None
    trials = useful - 1
    total = 2**trials
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if cumulative >= CROSSINGS_QUANTILE * total:
            return k
    return trials  # unreachable: the cumulative sum reaches the total at k = trials


def runs(sides: Sequence[int]) -> list[tuple[int, int]]:
    """(first index, length) of each stretch of equal sides, in order."""
    out: list[tuple[int, int]] = []
    for i, side in enumerate(sides):
        if i and side == sides[i - 1]:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((i, 1))
    return out


def run_signals(sides: Sequence[int], outside_limits: Sequence[str] = ()) -> dict:
    """Anhøj's rules over the useful points' sides (+1 above, -1 below the centre line)."""
    useful = len(sides)
    stretches = runs(sides)
    longest = max((length for _, length in stretches), default=0)
    crossings = max(0, len(stretches) - 1)
    run_limit = longest_run_limit(useful)
    cross_limit = crossings_limit(useful)
    return {
        "useful_points": useful,
        "longest_run": longest,
        "longest_run_limit": run_limit,
        "shift": run_limit is not None and longest > run_limit,
        "crossings": crossings,
        "crossings_limit": cross_limit,
        "few_crossings": cross_limit is not None and crossings < cross_limit,
        "outside_limits": list(outside_limits),
    }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _point(month: str, x: int, n: int, center: Fraction | None, threshold: int) -> dict:
    if is_small(x, threshold) or is_small(n, threshold):
        return dict.fromkeys(("numerator", "denominator", "rate", "lcl", "ucl"), None) | {
            "month": month,
            "suppressed": True,
            "outside": False,
        }
    rate = x / n if n else None
    lcl = ucl = None
    if n and center is not None:
        c = float(center)
        spread = SIGMA * math.sqrt(c * (1 - c) / n)
        lcl, ucl = max(0.0, c - spread), min(1.0, c + spread)
    outside = rate is not None and lcl is not None and ucl is not None and not lcl <= rate <= ucl
    return {
        "month": month,
        "numerator": x,
        "denominator": n,
        "rate": _r(rate, 6),
        "lcl": _r(lcl, 4),
        "ucl": _r(ucl, 4),
        "suppressed": False,
        "outside": outside,
    }


def _useful(points: Sequence[Mapping], center: Fraction | None) -> list[tuple[str, int]]:
    """(month, side) of the useful points: shown, with families, off the centre line."""
    out = []
    for p in points:
        if center is None or p["suppressed"] or not p["denominator"]:
            continue
        rate = Fraction(p["numerator"], p["denominator"])
        if rate != center:
            out.append((p["month"], 1 if rate > center else -1))
    return out


def long_run_months(chart: Mapping) -> list[str]:
    """The months in runs longer than the chart's limit, to mark a shift on a drawing.

    Works from the JSON, whose centre is rounded to 4 decimals: a point within 0.00005 of
    the centre could fall on the other side than in the signal count, which only moves a mark.
    """
    limit = chart["signals"]["longest_run_limit"]
    if chart["center"] is None or limit is None:
        return []
    useful = _useful(chart["points"], Fraction(str(chart["center"])))
    sides = [side for _, side in useful]
    return [
        useful[i][0]
        for first, length in runs(sides)
        if length > limit
        for i in range(first, first + length)
    ]


def p_chart(
    metric: str,
    counts: Mapping[str, tuple[int, int]],
    *,
    start: str | None = None,
    end: str | None = None,
    baseline_to: str | None = None,
    dimension: str | None = None,
    group: str | None = None,
    threshold: int = 11,
) -> dict:
    """The `trend` JSON of DESIGN.md from {month 'YYYY-MM': (numerator, denominator)}.

    start/end default to the first and last month with counts; months without counts are
    zeros. The centre line pools the baseline months (start to baseline_to, default end).
    Suppressed months stay out of the centre as well as the runs: their counts are hidden,
    and a centre that included them would let a reader solve for them.
    """
    if threshold < 1:
        raise ValueError("suppression threshold must be at least 1")
    present = sorted(counts)
    start = start[:7] if start else (present[0] if present else None)
    end = end[:7] if end else (present[-1] if present else None)
    months = month_range(start, end) if start and end else []
    baseline_end = baseline_to[:7] if baseline_to else end
    if baseline_to and (start is None or end is None or not start <= baseline_to[:7] <= end):
        raise ValueError("--baseline-to must be a month inside the period shown")
    num = den = 0
    for m in months:
        x, n = counts.get(m, (0, 0))
        if m <= (baseline_end or "") and not (is_small(x, threshold) or is_small(n, threshold)):
            num, den = num + x, den + n
    center = Fraction(num, den) if den else None
    points = [_point(m, *counts.get(m, (0, 0)), center, threshold) for m in months]
    sides = [side for _, side in _useful(points, center)]
    return {
        "metric": metric,
        "dimension": dimension,
        "group": group,
        "from": start,
        "to": end,
        "baseline": {"from": start, "to": baseline_end},
        "center": _r(float(center), 4) if center is not None else None,
        "points": points,
        "signals": run_signals(sides, [p["month"] for p in points if p["outside"]]),
    }


CSV_HEADER = ("month", "numerator", "denominator", "rate", "lcl", "ucl", "suppressed", "outside")


def csv_rows(chart: Mapping) -> list[list[object]]:
    """The chart's points as rows (header first), with the centre line on every row."""
    rows: list[list[object]] = [["metric", "dimension", "group", "center", *CSV_HEADER]]
    head = [chart["metric"], chart["dimension"], chart["group"], chart["center"]]
    for p in chart["points"]:
        rows.append([*head, *(p[k] for k in CSV_HEADER)])
    return rows
