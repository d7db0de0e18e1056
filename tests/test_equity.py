"""Equity metrics: grouping, reference group, suppression in the summary, app = import."""

from __future__ import annotations

import io
import json

import pytest

from screening.core import stats
from screening.core.equity import BUILT_IN
from screening.core.equity import QUANTITIES
from screening.core.equity import configured_dimension
from screening.core.equity import csv_rows
from screening.core.equity import race_group
from screening.core.equity import summarize
from screening.core.results_import import parse
from screening.platform.db import write
from screening.reports import store as equity_data

STAMP = "2026-01-05T10:00:00Z"


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


def _app_family(db, *, mrn, admitted, race, language, screening=None, results=(), referrals=()):
    fid = (
        db["families"]
        .insert(
            {
                "mrn": mrn,
                "admission_date": admitted,
                "race_ethnicity": json.dumps(race),
                "insurance": "public",
                "language": language,
                "created_at": STAMP,
                "updated_at": STAMP,
            }
        )
        .last_pk
    )
    cid = (
        db["caregivers"]
        .insert(
            {
                "family_id": fid,
                "name": "Test Parent",
                "respondent": "birthing_parent",
                "created_at": STAMP,
            }
        )
        .last_pk
    )
    for status in screening or ():
        sid = (
            db["screenings"]
            .insert(
                {
                    "family_id": fid,
                    "caregiver_id": cid,
                    "timepoint": "admission",
                    "mode": "interview",
                    "language": language,
                    "instruments": json.dumps(["ahc_core", "nicu_needs"]),
                    "status": status,
                    "started_at": STAMP,
                    "updated_at": STAMP,
                }
            )
            .last_pk
        )
        if status in ("completed", "closed"):
            for domain, result in results:
                db["domain_results"].insert(
                    {
                        "screening_id": sid,
                        "domain": domain,
                        "status": result,
                        "wants_help": "not_asked",
                    }
                )
    for domain, status in referrals:
        db["referrals"].insert(
            {
                "family_id": fid,
                "domain": domain,
                "category": "community",
                "status": status,
                "created_at": STAMP,
                "updated_at": STAMP,
            }
        )
    return fid


IMPORT_HEADER = (
    "record_id,screened_on,status,race_ethnicity,language,insurance,food,childcare,referral_food\n"
)


def test_app_records_and_imported_history_count_the_same_way(db):
    with write(db):
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
    assert vi == tl
    assert (vi["families"], vi["screened"], vi["declined"], vi["positive_any"]) == (4, 2, 2, 1)
    assert (vi["asked:food"], vi["positive:food"], vi["asked:childcare"]) == (1, 1, 1)
    assert (vi["referred"], vi["sent"], vi["connected"]) == (1, 1, 1)
    race_app = equity_data.aggregate(db, BUILT_IN["race_ethnicity"], "2026-02-01", "2026-02-28")
    groups = {g for g, _q in race_app}
    assert {"black", "multiple", "declined", "unknown"} <= groups


def test_period_filter_uses_admission_date_and_first_imported_offer(db):
    with write(db):
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
