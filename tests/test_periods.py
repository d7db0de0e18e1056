"""Periods snap outward to whole calendar months; bad, reversed and future bounds refused."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.core.periods import PeriodError
from screening.core.periods import month_range
from screening.core.periods import snap_period

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-02", "2026-02", ("2026-02-01", "2026-02-28")),
        ("2024-02-29", "2024-02-29", ("2024-02-01", "2024-02-29")),  # one day -> its month
        ("2025-12-31", "2026-01-01", ("2025-12-01", "2026-01-31")),
        ("2026-06", None, ("2026-06-01", None)),
        (None, "2025-04-10", (None, "2025-04-30")),
        (None, None, (None, None)),
    ],
)
def test_bounds_snap_outward_to_whole_months(start, end, expected):
    assert snap_period(start, end, TODAY) == expected


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-13", None, "--from: not a real date"),
        ("2026-02-30", None, "--from: not a real date"),
        ("02/2026", None, "--from: use YYYY-MM or YYYY-MM-DD"),
        (None, "2026", "--to: use YYYY-MM or YYYY-MM-DD"),
        ("2026-05", "2026-04-30", "--from is after --to"),
        ("2026-07", None, "--from: the period starts in the future"),
        (None, "2026-07-01", "--to: the period ends in the future"),
    ],
)
def test_bad_bounds_are_refused_in_one_line(start, end, message):
    with pytest.raises(PeriodError) as caught:
        snap_period(start, end, TODAY)
    assert str(caught.value) == message


def test_the_current_month_may_end_a_period():
    assert snap_period("2026-06-15", "2026-06-15", TODAY) == ("2026-06-01", "2026-06-30")


def test_month_range_crosses_years():
    assert month_range("2025-11", "2026-02-10") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_range("2026-03", "2026-02") == []
