"""The `trend` core: one metric month by month, for everyone or one group; bad input refused."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.core.equity import BUILT_IN
from screening.core.equity_metrics import QUANTITIES
from screening.core.trend import TrendError
from screening.core.trend import build_trend

TODAY = dt.date(2026, 6, 15)


def counts() -> dict:
    """English and Spanish families, Jan-Apr 2026; Spanish screened less."""
    out = {}
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        for language, families, screened in (("en", 60, 45), ("es", 40, 20)):
            row = dict.fromkeys(QUANTITIES, 0)
            row.update(families=families, screened=screened)
            out[(language, month)] = row
    return out


def trend(**kwargs) -> dict:
    return build_trend(counts(), kwargs.pop("metric", "screened"), today=TODAY,
                       dimensions=BUILT_IN, **kwargs)  # fmt: skip


def test_unit_trend_pools_every_group():
    chart = trend()
    assert [(p["numerator"], p["denominator"]) for p in chart["points"]] == [(65, 100)] * 4
    assert chart["center"] == 0.65 and (chart["dimension"], chart["group"]) == (None, None)


def test_group_trend_uses_that_group_only_and_snaps_the_period():
    chart = trend(by="language", group="es", start="2026-02-10", end="2026-03-03")
    assert (chart["from"], chart["to"]) == ("2026-02", "2026-03")
    assert [p["month"] for p in chart["points"]] == ["2026-02", "2026-03"]
    assert {(p["numerator"], p["denominator"]) for p in chart["points"]} == {(20, 40)}
    assert (chart["dimension"], chart["group"]) == ("language", "es")


def test_baseline_to_freezes_the_centre():
    chart = trend(baseline_to="2026-02")
    assert chart["baseline"] == {"from": "2026-01", "to": "2026-02"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "happiness"}, "--metric: unknown metric 'happiness'"),
        ({"by": "zip", "group": "021"}, "--by: unknown dimension 'zip'"),
        ({"by": "language", "group": "xx"}, "--group: unknown group 'xx' for language"),
        ({"by": "language"}, "--by and --group go together"),
        ({"start": "2026-05", "end": "2026-02"}, "--from is after --to"),
        ({"end": "2026-09"}, "--to: the period ends in the future"),
        ({"start": "2026/01"}, "--from: use YYYY-MM or YYYY-MM-DD"),
        ({"baseline_to": "2025-06"}, "--baseline-to must be a month inside the period"),
        ({"baseline_to": "2027-01"}, "--baseline-to: the period ends in the future"),
    ],
)
def test_bad_requests_are_refused_in_one_line(kwargs, message):
    with pytest.raises(TrendError) as caught:
        trend(**kwargs)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_csv_has_one_row_per_month_with_the_centre_line():
    from screening.core import csv_safe
    from screening.core.spc import csv_rows

    text = csv_safe.dumps(csv_rows(trend(by="language", group="en")))
    lines = text.strip().splitlines()
    assert lines[0] == (
        "metric,dimension,group,center,month,numerator,denominator,rate,lcl,ucl,suppressed,outside"
    )
    assert lines[1].startswith("screened,language,en,0.75,2026-01,45,60,0.75,")
    assert len(lines) == 5
