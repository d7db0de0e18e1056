"""p-chart limits and Anhøj run rules (DESIGN.md `trend`) against worked series."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.core.periods import month_range
from screening.core.spc import crossings_limit
from screening.core.spc import longest_run_limit
from screening.core.spc import p_chart

MONTHS = month_range("2025-01", "2026-12")


def series(numerators: list[int], n: int = 100) -> dict[str, tuple[int, int]]:
    return {m: (x, n) for m, x in zip(MONTHS, numerators, strict=False)}


def test_limits_worked_by_hand():
    # Centre 230/400 = 0.575; 3 * sqrt(0.575 * 0.425 / 100) = 0.1483.
    chart = p_chart("screened", series([50, 50, 50, 80]))
    assert chart["center"] == 0.575
    first = chart["points"][0]
    assert (first["lcl"], first["ucl"], first["rate"]) == (0.4267, 0.7233, 0.5)
    assert [p["outside"] for p in chart["points"]] == [False, False, False, True]
    assert chart["signals"]["outside_limits"] == ["2025-04"]
    assert (chart["from"], chart["to"]) == ("2025-01", "2025-04")
    assert chart["baseline"] == {"from": "2025-01", "to": "2025-04"}


def test_limits_are_clipped_to_zero_and_one():
    # Centre 39/40: 0.975 + 3 * sqrt(0.975 * 0.025 / 20) = 1.0797 -> 1; lower 0.8703.
    high = p_chart("screened", {"2025-01": (19, 20), "2025-02": (20, 20)})
    assert [(p["lcl"], p["ucl"]) for p in high["points"]] == [(0.8703, 1.0)] * 2
    # Centre 12/250 = 0.048: 0.048 - 0.0907 < 0 -> 0; upper 0.1387.
    low = p_chart("screened", series([0, 0, 0, 0, 12], n=50))
    assert {(p["lcl"], p["ucl"]) for p in low["points"]} == {(0.0, 0.1387)}


def test_a_shift_of_eight_points_is_detected_and_seven_is_not():
    # Twelve months alternating round 50%, then eight months all above the centre line,
    # each inside the limits: only the run rule can see the change.
    before = [60, 40] * 6
    shifted = p_chart("screened", series(before + [62] * 8))
    signals = shifted["signals"]
    assert signals["useful_points"] == 20 and signals["longest_run_limit"] == 7
    assert signals["longest_run"] == 8 and signals["shift"] is True
    assert signals["outside_limits"] == []
    shorter = p_chart("screened", series(before + [62] * 7))["signals"]
    assert shorter["longest_run"] == 7 and shorter["shift"] is False


def test_a_stable_24_month_series_raises_no_signal():
    numerators = [52, 47, 55, 44, 51, 53, 46, 49, 56, 48, 45, 52,
                  47, 54, 50, 43, 51, 49, 57, 46, 53, 48, 52, 45]  # fmt: skip
    chart = p_chart("screened", series(numerators))
    signals = chart["signals"]
    assert signals["useful_points"] == 24
    assert (signals["longest_run_limit"], signals["crossings_limit"]) == (8, 8)
    assert signals["crossings"] >= 8 and signals["longest_run"] <= 8
    assert not signals["shift"] and not signals["few_crossings"]
    assert signals["outside_limits"] == []


def test_few_crossings_is_detected():
    # Slow drift: 24 months, each half on one side of the centre for six months at a time.
    numerators = ([58] * 6 + [42] * 6) * 2
    signals = p_chart("screened", series(numerators))["signals"]
    assert signals["crossings"] == 3 and signals["crossings_limit"] == 8
    assert signals["few_crossings"] is True and signals["shift"] is False


def test_the_baseline_freezes_the_centre_line():
    chart = p_chart("screened", series([40, 40, 40, 70, 70, 70]), baseline_to="2025-03")
    assert chart["center"] == 0.4
    assert chart["baseline"] == {"from": "2025-01", "to": "2025-03"}
    assert [p["outside"] for p in chart["points"]] == [False] * 3 + [True] * 3
    with pytest.raises(ValueError, match="baseline"):
        p_chart("screened", series([40, 40]), baseline_to="2027-01")


def test_small_months_are_hidden_and_left_out_of_centre_and_runs():
    counts = series([50, 50, 50])
    counts["2025-02"] = (4, 9)
    chart = p_chart("screened", counts)
    hidden = chart["points"][1]
    assert hidden["suppressed"] is True
    assert all(hidden[k] is None for k in ("numerator", "denominator", "rate", "lcl", "ucl"))
    assert chart["center"] == 0.5  # 100/200: the hidden month does not move it
    # Every shown month sits exactly on the centre line: no useful points at all.
    assert chart["signals"]["useful_points"] == 0
    assert chart["signals"]["longest_run_limit"] is None


def test_a_point_on_the_centre_line_neither_breaks_nor_extends_a_run():
    counts = series([60, 40, 50, 60, 40])  # centre 0.5; month 3 sits on it
    signals = p_chart("screened", counts)["signals"]
    assert signals["useful_points"] == 4 and signals["crossings"] == 3


def test_empty_months_inside_the_period_are_listed_with_zero_counts():
    chart = p_chart("screened", {"2025-01": (30, 40)}, start="2024-11", end="2025-02")
    assert [p["month"] for p in chart["points"]] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    empty = chart["points"][0]
    assert (empty["numerator"], empty["denominator"], empty["rate"]) == (0, 0, None)
    assert empty["suppressed"] is False and empty["lcl"] is None


# Anhøj & Olesen 2014 (PLoS ONE 9:e113825), table 1: useful points -> (longest run, crossings).
ANHOJ_TABLE = {10: (6, 2), 12: (7, 3), 14: (7, 4), 17: (7, 5), 20: (7, 6), 22: (7, 7),
               24: (8, 8), 30: (8, 10), 40: (8, 14), 50: (9, 19)}  # fmt: skip


@pytest.mark.parametrize(("useful", "limits"), sorted(ANHOJ_TABLE.items()))
def test_limits_match_the_published_table(useful, limits):
    assert (longest_run_limit(useful), crossings_limit(useful)) == limits


@given(st.integers(min_value=1, max_value=300))
def test_crossings_limit_is_the_lower_five_percent_quantile(useful):
    m = useful - 1
    k = crossings_limit(useful)

    def cdf(j: int) -> float:
        return sum(math.comb(m, i) for i in range(j + 1)) / 2**m

    assert cdf(k) >= 0.05 and (k == 0 or cdf(k - 1) < 0.05)
