"""Equity metrics: grouping, reference group, suppression in the summary, app = import."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from screening.core import stats
from screening.core.cascade import cascades
from screening.core.equity import BUILT_IN
from screening.core.equity import QUANTITIES
from screening.core.equity import configured_dimension
from screening.core.equity import csv_rows
from screening.core.equity import race_group
from screening.core.equity import summarize
from screening.core.equity import too_few_families
from screening.core.equity_metrics import METRICS
from screening.core.equity_metrics import count_families
from screening.core.results_import import parse
from screening.platform.db import write
from screening.reports import store as equity_data
from tests.factories.equity import STAMP
from tests.factories.equity import app_family
from tests.factories.equity import clear_families


def counts_for(groups: dict[str, tuple[int, int]], quarter: str = "2026Q1") -> dict:
    """Counts where each group has (families, screened) and nothing else."""
    out = {}
    for g, (families, screened) in groups.items():
        row = dict.fromkeys(QUANTITIES, 0)
        row.update(families=families, screened=screened)
        out[(g, quarter)] = row
    return out


def metric(summary: dict, group: str, name: str = "screened") -> dict:
    return next(g for g in summary["groups"] if g["group"] == group)["metrics"][name]


def test_cells_carry_wilson_intervals_and_katz_ratios_against_the_largest_group():
    counts = counts_for({"white": (100, 15), "black": (100, 30), "asian": (40, 12)})
    summary = summarize(counts, BUILT_IN["race_ethnicity"], start=None, end=None).summary
    assert summary["reference_group"] == "white"  # largest (tie broken by name) and shown
    black = metric(summary, "black")
    assert (black["numerator"], black["denominator"], black["rate"]) == (30, 100, 0.3)
    assert (black["ci_low"], black["ci_high"]) == (0.2189, 0.3958)
    rr, low, high = stats.katz_ratio(30, 100, 15, 100)
    assert (black["rate_ratio"], black["rr_ci_low"], black["rr_ci_high"]) == (
        round(rr, 4),
        round(low, 4),
        round(high, 4),
    )
    assert black["rd"] == pytest.approx(0.15) and black["rd_ci_low"] == pytest.approx(0.0341)
    # Screening is framed on missed screens: 70% vs 85% missed is 17.6% worse, p < 0.05.
    assert black["disparity"] is True and black["rel_diff"] < 0
    assert metric(summary, "white")["rate_ratio"] == 1.0
    assert metric(summary, "white")["rr_ci_low"] is None


def test_declined_and_unknown_are_listed_but_never_reference_or_compared():
    counts = counts_for({"unknown": (500, 100), "declined": (300, 50), "black": (60, 30)})
    summary = summarize(counts, BUILT_IN["race_ethnicity"], start=None, end=None).summary
    assert summary["reference_group"] == "black"
    listed = [g["group"] for g in summary["groups"]]
    assert listed[-2:] == ["declined", "unknown"] and "mena" in listed  # all OMB rows shown
    unknown = metric(summary, "unknown")
    assert unknown["numerator"] == 100 and unknown["rate_ratio"] is None


def test_a_small_group_is_hidden_entirely_and_never_the_reference():
    counts = counts_for({"white": (300, 200), "black": (120, 60), "nhpi": (7, 3), "asian": (5, 5)})
    report = summarize(counts, BUILT_IN["race_ethnicity"], start=None, end=None, reference="nhpi")
    summary = report.summary
    assert summary["reference_group"] == "white"  # configured group is suppressed: fall back
    nhpi = metric(summary, "nhpi")
    assert nhpi["suppressed"] is True
    assert all(nhpi[k] is None for k in ("numerator", "denominator", "rate", "ci_low"))
    # 7 + 5 = 12 families hidden; the hidden screened counts 3 + 5 = 8 < 11 need a complement.
    assert metric(summary, "black")["suppressed"] is True
    assert metric(summary, "white")["suppressed"] is False
    total = summary["total"]["metrics"]["screened"]
    assert (total["numerator"], total["denominator"]) == (268, 432)


def test_configured_reference_is_used_when_reportable():
    counts = counts_for({"public": (300, 200), "private": (120, 60)})
    summary = summarize(
        counts, BUILT_IN["insurance"], start=None, end=None, reference="private"
    ).summary
    assert summary["reference_group"] == "private"
    assert metric(summary, "public")["rate_ratio"] == pytest.approx(
        (200 / 300) / (60 / 120), abs=1e-4
    )


def test_zero_is_shown_and_the_threshold_is_configurable():
    counts = counts_for({"en": (40, 0), "es": (15, 12)})
    lang = BUILT_IN["language"]
    default = summarize(counts, lang, start=None, end=None).summary
    assert metric(default, "en")["numerator"] == 0 and metric(default, "en")["rate"] == 0.0
    strict = summarize(counts, lang, start=None, end=None, threshold=16).summary
    assert metric(strict, "es")["suppressed"] is True
    assert strict["suppression_threshold"] == 16


def test_race_group_rules():
    assert race_group(["black"]) == "black"
    assert race_group(["hispanic", "white"]) == "multiple"
    assert race_group(["declined"]) == "declined"
    assert race_group([]) == "unknown"


def test_configured_dimension_collapses_groups_and_rejects_unknown_columns():
    dim = configured_dimension(
        {"name": "lang_group", "column": "language", "map": {"en": "English"}, "default": "Other"}
    )
    counts = {**counts_for({"en": (30, 20)}), **counts_for({"es": (8, 6), "vi": (9, 6)})}
    summary = summarize(counts, dim, start=None, end=None).summary
    other = metric(summary, "Other")
    assert (other["numerator"], other["denominator"]) == (12, 17)
    with pytest.raises(ValueError, match="column must be one of"):
        configured_dimension({"name": "by_mrn", "column": "mrn"})


def test_csv_rows_hold_the_same_cells_as_the_json():
    counts = counts_for({"public": (300, 200), "private": (120, 60), "other": (4, 2)})
    summary = summarize(counts, BUILT_IN["insurance"], start="2026-01-01", end="2026-03-31").summary
    rows = csv_rows(summary)
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    public = next(r for r in body if r["group"] == "public" and r["metric"] == "screened")
    assert public["numerator"] == 200 and public["rate"] == metric(summary, "public")["rate"]
    hidden = next(r for r in body if r["group"] == "other" and r["metric"] == "screened")
    assert hidden["suppressed"] == "true" and hidden["numerator"] == ""
    assert {r["group"] for r in body} >= {"public", "private", "total"}


def _app_family(db, *, screening=(), results=(), referrals=(), **kw):
    """An app family whose offers all started at STAMP; results carry no help answer."""
    return app_family(
        db,
        offers=[(status, STAMP, None, None) for status in screening],
        results=[(domain, status, "not_asked") for domain, status in results],
        referrals=[(domain, status, None) for domain, status in referrals],
        **kw,
    )


IMPORT_HEADER = (
    "record_id,screened_on,status,race_ethnicity,language,insurance,food,childcare,referral_food\n"
)


def test_app_records_and_imported_history_count_the_same_way(db):
    with write(db):
        clear_families(db)  # the counts below are this test's families, whatever the demo holds
        _app_family(
            db,
            mrn="EQ1",
            admitted="2026-02-01",
            race=["black"],
            language="vi",
            screening=["completed"],
            results=[("food", "positive"), ("childcare", "negative")],
            referrals=[("food", "connected")],
        )
        _app_family(
            db,
            mrn="EQ2",
            admitted="2026-02-02",
            race=["black", "white"],
            language="vi",
            screening=["declined", "declined"],
        )
        _app_family(
            db,
            mrn="EQ3",
            admitted="2026-02-03",
            race=["declined"],
            language="vi",
            screening=["declined", "closed"],
            results=[("food", "declined")],
        )
        _app_family(
            db, mrn="EQ4", admitted="2026-02-04", race=[], language="vi", screening=["declined"]
        )
    csv_text = IMPORT_HEADER + (
        "A,2026-02-01,completed,black,tl,public,positive,negative,connected\n"
        "B,2026-02-02,declined,black;white,tl,public,,,\n"
        "B,2026-02-05,declined,black;white,tl,public,,,\n"
        "C,2026-02-03,declined,declined,tl,public,,,\n"
        "C,2026-02-06,completed,declined,tl,public,declined,,\n"
        "D,2026-02-04,declined,unknown,tl,public,,,\n"
    )
    parsed = parse(io.StringIO(csv_text))
    assert parsed.problems == []
    with write(db):
        equity_data.store_import(db, parsed, STAMP)
    counts = equity_data.aggregate(db, BUILT_IN["language"], "2026-01-01", "2026-03-31")
    vi, tl = counts[("vi", "2026Q1")], counts[("tl", "2026Q1")]
    # The import gives no admission date, so only the admission-timed quantities differ.
    admission = {"admission_known", "screened_on_time"}
    assert {k: v for k, v in vi.items() if k not in admission} == {
        k: v for k, v in tl.items() if k not in admission
    }
    assert (vi["families"], vi["screened"], vi["declined"], vi["positive_any"]) == (4, 2, 2, 1)
    assert (vi["asked:food"], vi["positive:food"], vi["asked:childcare"]) == (1, 1, 1)
    assert (vi["referred"], vi["sent"], vi["connected"]) == (1, 1, 1)
    race_app = equity_data.aggregate(db, BUILT_IN["race_ethnicity"], "2026-02-01", "2026-02-28")
    groups = {g for g, _q in race_app}
    assert {"black", "multiple", "declined", "unknown"} <= groups


def test_period_filter_uses_admission_date_and_first_imported_offer(db):
    with write(db):
        clear_families(db)
        _app_family(db, mrn="EQ9", admitted="2025-12-31", race=["asian"], language="vi")
    parsed = parse(
        io.StringIO(
            IMPORT_HEADER + "Z,2025-12-30,completed,asian,tl,public,,,\n"
            "Z,2026-01-02,completed,asian,tl,public,,,\n"
        )
    )
    with write(db):
        equity_data.store_import(db, parsed, STAMP)
    inside = equity_data.aggregate(db, BUILT_IN["language"], "2026-01-01", "2026-12-31")
    assert ("vi", "2025Q4") not in inside and ("tl", "2025Q4") not in inside
    before = equity_data.aggregate(db, BUILT_IN["language"], "2025-10-01", "2025-12-31")
    assert before[("vi", "2025Q4")]["families"] == 1
    assert before[("tl", "2025Q4")]["families"] == 1


def test_a_bad_site_dimension_stops_the_app_at_start_up(tmp_path):
    from screening import create_app

    with pytest.raises(ValueError, match="EQUITY_EXTRA_DIMENSIONS"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "DATABASE": str(tmp_path / "x.sqlite"),
                "EQUITY_EXTRA_DIMENSIONS": ({"name": "zip_area", "column": "zip"},),
            }
        )


def test_trend_lists_every_quarter_between_the_first_and_last():
    counts = {**counts_for({"en": (30, 20)}, "2025Q3"), **counts_for({"en": (30, 20)}, "2026Q2")}
    report = summarize(counts, BUILT_IN["language"], start=None, end=None)
    assert report.quarters == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    empty = report.trend["screened"]["groups"]["en"][1]
    assert (empty["numerator"], empty["denominator"], empty["rate"]) == (0, 0, None)


UNIT = (
    "record_id,screened_on,status,race_ethnicity,language,insurance,admitted_on,"
    "decline_reason,food,referral_food,wants_help_food,outcome_food\n"
    "E1,2026-01-05,completed,white,en,public,2026-01-02,,positive,connected,yes,need_met\n"
    "E2,2026-01-20,completed,white,en,public,2026-01-02,,positive,sent,later,\n"
    "E3,2026-01-04,completed,white,en,public,2026-01-03,,negative,,,\n"
    "E4,2026-01-06,declined,white,en,public,,not_now,,,,\n"
    "E5,2026-01-06,completed,white,en,public,2026-01-03,,positive,,no,\n"
    "S1,2026-01-03,declined,hispanic,es,public,2026-01-02,interpreter_unavailable,,,,\n"
    "S1,2026-01-09,declined,hispanic,es,public,,interpreter_unavailable,,,,\n"
    "S2,2026-01-04,completed,hispanic,es,public,2026-01-02,,positive,connected,yes,need_not_met\n"
    "S3,2026-01-06,declined,hispanic,es,public,2026-01-05,not_now,,,,\n"
    "S3,2026-01-08,completed,hispanic,es,public,,,positive,,,\n"
    "S4,2026-01-07,declined,hispanic,es,public,,,,,,\n"
)
# Worked by hand from UNIT (numerator, denominator); screening is due within 7 days.
HAND = {
    "en": {
        "screened_on_time": (3, 4),  # E1 3 days, E3 1, E5 3; E2 18 days late; E4 undated
        "wants_help": (2, 3),  # E1 yes, E2 later, E5 no
        "referral_sent": (2, 2),
        "need_met": (1, 1),
        "declined_family": (1, 5),  # E4 not now
        "declined_system": (0, 5),
    },
    "es": {
        "screened_on_time": (2, 3),  # S2 2 days, S3 3 days; S1 never screened
        "wants_help": (1, 1),  # S3 was not asked
        "referral_sent": (1, 1),
        "need_met": (0, 1),  # S2: not met
        "declined_family": (0, 4),
        "declined_system": (1, 4),  # S1, last: no interpreter; S4 gave no reason
    },
}


def hand_unit_summary(threshold: int = 1) -> dict:
    parsed = parse(io.StringIO(UNIT), today=dt.date(2026, 6, 1))
    assert parsed.problems == []
    counts = count_families(parsed.families.values(), "language")
    return summarize(
        counts, BUILT_IN["language"], start=None, end=None, threshold=threshold
    ).summary


def test_new_metrics_match_counts_worked_by_hand():
    summary = hand_unit_summary()
    for group, expected in HAND.items():
        for name, (x, n) in expected.items():
            cell = metric(summary, group, name)
            assert (cell["numerator"], cell["denominator"]) == (x, n), (group, name)
            low, high = stats.wilson(x, n)
            assert (cell["ci_low"], cell["ci_high"]) == (round(low, 4), round(high, 4))
    total = summary["total"]["metrics"]
    for name in HAND["en"]:
        x = HAND["en"][name][0] + HAND["es"][name][0]
        n = HAND["en"][name][1] + HAND["es"][name][1]
        assert (total[name]["numerator"], total[name]["denominator"]) == (x, n), name


def test_the_cascade_falls_step_by_step():
    rows = dict(cascades(hand_unit_summary()))
    assert [s.count for s in rows["en"]] == [5, 4, 3, 3, 2, 2, 2, 1, 1]
    assert [s.count for s in rows["es"]] == [4, 2, 2, 2, 1, 1, 1, 1, 0]
    connected = next(s for s in rows["en"] if s.name == "connected")
    assert connected.share == 0.2 and connected.rate == 0.5  # 1 of 5 admitted; 1 of 2 sent


def _unit_counts(groups: dict[str, dict[str, int]]) -> dict:
    out = {}
    for g, values in groups.items():
        row = dict.fromkeys(QUANTITIES, 0)
        row.update(values)
        out[(g, "2026Q1")] = row
    return out


def _cascade_group(families: int, need_met: int) -> dict[str, int]:
    return {
        "families": families,
        "screened": families - 20,
        "positive_any": 60,
        "help_asked": 50,
        "wants_help": 40,
        "referred": 40,
        "ref_accepted": 40,
        "sent": 35,
        "connected": 30,
        "outcome_known": 25,
        "need_met": need_met,
    }


def test_a_small_step_is_hidden_in_the_cascade_and_cannot_be_derived():
    counts = _unit_counts(
        {
            "public": _cascade_group(200, 4),
            "private": _cascade_group(150, 15),
            "uninsured": _cascade_group(120, 18),
        }  # fmt: skip
    )
    summary = summarize(counts, BUILT_IN["insurance"], start=None, end=None).summary
    hidden = [
        g
        for g in ("public", "private", "uninsured")
        if metric(summary, g, "need_met")["suppressed"]
    ]
    # 4 is hidden; the total (37) is shown, so a second group's need_met is hidden too.
    assert "public" in hidden and len(hidden) >= 2
    assert summary["total"]["metrics"]["need_met"]["numerator"] == 37
    steps = dict(cascades(summary))["public"]
    assert steps[-1].suppressed and steps[-1].count is None and steps[-1].share is None
    assert steps[-2].count == 30  # connected, the step before, still shows


def test_care_gaps_are_worse_or_better_and_needs_are_higher_or_lower():
    counts = _unit_counts(
        {
            "public": {"families": 100, "screened": 50, "positive_any": 30},
            "private": {"families": 100, "screened": 80, "positive_any": 12},
        }
    )
    summary = summarize(
        counts, BUILT_IN["insurance"], start=None, end=None, reference="public"
    ).summary
    screened = metric(summary, "private", "screened")
    assert (screened["disparity"], screened["direction"]) == (True, "better")
    need = metric(summary, "private", "positive_any")
    # 15% vs 60% positive is a real difference, but in need, not in care: never a disparity.
    assert (need["disparity"], need["direction"]) == (False, "lower_need")
    rows = csv_rows(summary)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    by = {(r["group"], r["metric"]): r for r in body}
    assert by[("private", "screened")]["direction_label"] == "better"
    assert by[("private", "positive_any")]["direction_label"] == "lower need"
    assert by[("private", "screened")]["group_label"] == "Private"
    assert by[("private", "screened")]["metric_label"] == METRICS["screened"].label
    assert by[("total", "screened")]["group_label"] == "All families"
    assert all(r["direction_label"] not in ("worse", "better") for r in body
               if r["metric"].startswith("positive"))  # fmt: skip


@pytest.mark.parametrize(("families", "too_few"), [(10, True), (11, False)])
def test_a_period_with_too_few_families_shows_only_that(families, too_few):
    counts = _unit_counts({"public": {"families": families, "screened": families}})
    report = summarize(counts, BUILT_IN["insurance"], start="2026-01-01", end="2026-01-31")
    summary = report.summary
    assert report.too_few_families is too_few and too_few_families(summary) is too_few
    assert set(summary) == {"dimension", "from", "to", "suppression_threshold",
                            "reference_group", "groups", "total"}  # fmt: skip
    if too_few:
        assert summary["groups"] == [] and summary["total"] == {"metrics": {}}
        assert report.trend == {} and cascades(summary) == []
        rows = csv_rows(summary)
        assert len(rows) == 2
        assert any("fewer than 11 families" in str(v) for v in rows[1])
        assert str(families) not in [str(v) for v in rows[1]]
    else:
        assert summary["total"]["metrics"]["screened"]["denominator"] == families
