"""The care cascade on app families and imported history, counted by hand; trend and periods."""

from __future__ import annotations

import io
import json

import pytest

from screening.core.results_import import parse
from screening.platform.db import write
from screening.reports import store
from tests.factories.equity import app_family
from tests.factories.equity import clear_families

CHICAGO = store.UnitCalendar(7, "America/Chicago")


def hand_unit(db, with_outcome: bool = True) -> None:
    """Six families admitted in February 2026 (no daylight saving: CST is UTC-6).

    F1 screened 05:30 UTC on Feb 10 = 23:30 Feb 9 in Chicago, day 7 after admission: on time.
    F2 screened 06:30 UTC on Feb 10 = 00:30 Feb 10 in Chicago, day 8: late.
    """
    out = (lambda o: o) if with_outcome else (lambda o: None)
    with write(db):
        clear_families(db)
        app_family(
            db,
            mrn="F1",
            admitted="2026-02-02",
            offers=[("completed", "2026-02-09T20:00:00Z", "2026-02-10T05:30:00Z", None)],
            results=[("food", "positive", "yes"), ("childcare", "negative", "not_asked")],
            referrals=[("food", "connected", out("need_met"))],
        )
        app_family(
            db,
            mrn="F2",
            admitted="2026-02-02",
            offers=[("completed", "2026-02-10T06:00:00Z", "2026-02-10T06:30:00Z", None)],
            results=[("food", "positive", "no")],
            referrals=[("food", "sent", None)],
        )
        app_family(
            db,
            mrn="F3",
            admitted="2026-02-03",
            offers=[
                ("declined", "2026-02-05T10:00:00Z", None, "interpreter_unavailable"),
                ("declined", "2026-02-03T10:00:00Z", None, "not_now"),
            ],
        )
        app_family(
            db,
            mrn="F4",
            admitted="2026-02-04",
            offers=[
                ("declined", "2026-02-06T10:00:00Z", None, "interpreter_unavailable"),
                ("declined", "2026-02-07T10:00:00Z", None, "declined"),
            ],
        )
        app_family(
            db,
            mrn="F5",
            admitted="2026-02-05",
            offers=[
                ("declined", "2026-02-06T10:00:00Z", None, "unavailable"),
                ("completed", "2026-02-20T10:00:00Z", "2026-02-20T12:00:00Z", None),
            ],
            results=[("food", "positive", "later")],
            referrals=[("food", "connected", out("need_partly_met"))],
        )
        app_family(db, mrn="F6", admitted="2026-02-06")


EXPECTED = {
    "families": 6,
    "admission_known": 6,
    "screened": 3,
    "screened_on_time": 1,
    "declined": 2,
    "declined_family": 1,  # F4: last reason "declined"
    "declined_system": 1,  # F3: last (latest started) reason "interpreter_unavailable"
    "positive_any": 3,
    "help_asked": 3,
    "wants_help": 2,
    "ref_accepted": 3,
    "referred": 3,
    "sent": 3,
    "connected": 2,
    "outcome_known": 2,
    "need_met": 1,
}


def unit_counts(db, calendar=CHICAGO) -> dict[str, int]:
    counts = store.aggregate(db, None, calendar=calendar)
    assert list(counts) == [(None, "2026Q1")]
    return counts[(None, "2026Q1")]


def test_every_cascade_quantity_of_app_families_matches_the_hand_count(db):
    hand_unit(db)
    got = unit_counts(db)
    assert {k: got[k] for k in EXPECTED} == EXPECTED


def test_on_time_is_read_in_the_units_calendar_not_utc(db):
    hand_unit(db)
    # In UTC both February screens finish on Feb 10, day 8: neither is on time.
    assert unit_counts(db, store.UnitCalendar(7, "UTC"))["screened_on_time"] == 0
    assert unit_counts(db, store.UnitCalendar(8, "UTC"))["screened_on_time"] == 2


def test_without_the_outcome_column_need_met_is_not_known(db):
    hand_unit(db, with_outcome=False)
    got = unit_counts(db)
    assert (got["outcome_known"], got["need_met"], got["connected"]) == (0, 0, 2)


def test_monthly_counts_follow_the_admission_month(db):
    hand_unit(db)
    months = store.aggregate(db, None, period="month", calendar=CHICAGO)
    assert {k: v["families"] for k, v in months.items()} == {(None, "2026-02"): 6}


IMPORT = (
    "record_id,screened_on,status,race_ethnicity,language,insurance,admitted_on,decline_reason\n"
)


def _import(db, body: str) -> None:
    parsed = parse(io.StringIO(IMPORT + body))
    assert parsed.problems == []
    with write(db):
        store.store_import(db, parsed, "2026-03-01T00:00:00Z")


def _stored(db, record_id: str) -> dict:
    return next(db.query("SELECT * FROM imported_families WHERE record_id = ?", [record_id]))


def test_a_reimport_merges_dates_and_reasons_then_rederives_the_flags(db):
    with write(db):
        clear_families(db)
    _import(
        db,
        "R1,2026-01-10,declined,white,en,public,,not_now\n"
        "R2,2026-01-10,declined,white,en,public,,not_now\n",
    )
    r1, r2 = _stored(db, "R1"), _stored(db, "R2")
    assert (r1["declined_family"], r1["admission_known"], r1["index_date"]) == (1, 0, "2026-01-10")
    assert r2["declined_family"] == 1
    _import(
        db,
        "R1,2026-01-12,completed,white,en,public,2026-01-08,\n"
        "R2,2026-01-15,declined,white,en,public,,interpreter_unavailable\n",
    )
    r1, r2 = _stored(db, "R1"), _stored(db, "R2")
    # R1 now screened 4 days after an admission the second file gave: on time, indexed there.
    assert (r1["declined"], r1["declined_family"], r1["screened"]) == (0, 0, 1)
    assert (r1["admission_known"], r1["screened_on_time"]) == (1, 1)
    assert (r1["index_date"], r1["quarter"]) == ("2026-01-08", "2026Q1")
    # R2 declined again, the later offer for a system reason: the family's reason changes.
    assert (r2["declined"], r2["declined_family"], r2["declined_system"]) == (1, 0, 1)
    # Importing the same second file again changes nothing.
    _import(db, "R2,2026-01-15,declined,white,en,public,,interpreter_unavailable\n")
    assert _stored(db, "R2")["declined_system"] == 1


@pytest.fixture
def unit_app(app, db):
    app.config.update(SUPPRESSION_THRESHOLD=1, UNIT_TIMEZONE="America/Chicago")
    hand_unit(db)
    return app


def test_equity_json_snaps_a_single_day_to_its_month(unit_app):
    result = unit_app.test_cli_runner().invoke(
        args=["equity", "--by", "insurance", "--from", "2026-02-14", "--to", "2026-02-14"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["from"], summary["to"]) == ("2026-02-01", "2026-02-28")
    total = summary["total"]["metrics"]
    assert total["screened_on_time"]["numerator"] == 1
    assert total["screened_on_time"]["denominator"] == 6
    assert (total["need_met"]["numerator"], total["need_met"]["denominator"]) == (1, 2)
    assert total["declined_system"]["numerator"] == 1
    assert (total["wants_help"]["numerator"], total["wants_help"]["denominator"]) == (2, 3)


def test_a_month_is_accepted_and_a_period_with_too_few_families_says_only_that(unit_app):
    unit_app.config["SUPPRESSION_THRESHOLD"] = 11
    runner = unit_app.test_cli_runner()
    result = runner.invoke(args=["equity", "--by", "language", "--from", "2026-02"])
    summary = json.loads(result.output)
    assert summary["from"] == "2026-02-01"
    assert summary["groups"] == [] and summary["total"] == {"metrics": {}}
    csv_text = runner.invoke(args=["equity", "--by", "language", "--format", "csv"]).output
    assert "fewer than 11 families in this period" in csv_text
    assert "<11" not in csv_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["equity", "--by", "zip"], "unknown dimension 'zip'"),
        (["equity", "--by", "language", "--from", "2026-03", "--to", "2026-01"], "after"),
        (["equity", "--by", "language", "--to", "2099-01"], "future"),
        (["equity", "--by", "language", "--from", "2026-13"], "--from"),
        (["trend", "--metric", "happiness"], "unknown metric 'happiness'"),
        (["trend", "--metric", "screened", "--by", "planet", "--group", "x"], "unknown dim"),
        (["trend", "--metric", "screened", "--by", "language", "--group", "xx"], "unknown group"),
        (["trend", "--metric", "screened", "--by", "language"], "--group"),
        (["trend", "--metric", "screened", "--from", "2099-01"], "future"),
        (["trend", "--metric", "screened", "--from", "2026-02", "--to", "2026-01"], "after"),
        (["trend", "--metric", "screened", "--to", "2026-02", "--baseline-to", "2026-05"], "base"),
    ],
)
def test_bad_requests_get_one_line_and_exit_2(unit_app, args, message):
    result = unit_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]


def test_trend_json_has_the_design_shape_and_counts(unit_app):
    result = unit_app.test_cli_runner().invoke(
        args=["trend", "--metric", "screened", "--by", "insurance", "--group", "public"]
    )
    assert result.exit_code == 0, result.output
    chart = json.loads(result.output)
    assert set(chart) == {
        "metric",
        "dimension",
        "group",
        "from",
        "to",
        "baseline",
        "center",
        "points",
        "signals",
    }
    assert (chart["from"], chart["to"], chart["group"]) == ("2026-02", "2026-02", "public")
    point = chart["points"][0]
    assert (point["numerator"], point["denominator"], point["rate"]) == (3, 6, 0.5)
    csv_text = unit_app.test_cli_runner().invoke(
        args=["trend", "--metric", "screened", "--format", "csv"]
    )
    assert csv_text.output.splitlines()[1].startswith("screened,,,0.5,2026-02,3,6,0.5,")


def test_the_kept_copy_follows_every_later_change(db):
    hand_unit(db)
    assert unit_counts(db)["screened"] == 3
    with write(db):
        app_family(
            db,
            mrn="F7",
            admitted="2026-02-09",
            offers=[("completed", "2026-02-09T10:00:00Z", "2026-02-09T11:00:00Z", None)],
            results=[("food", "positive", "yes")],
        )
        db.execute("UPDATE referrals SET status = 'connected' WHERE status = 'sent'")
        db.execute("DELETE FROM domain_results WHERE domain = 'childcare'")
    got = unit_counts(db)
    assert (got["families"], got["screened"], got["screened_on_time"]) == (7, 4, 2)
    assert (got["connected"], got["wants_help"]) == (3, 3)
    assert got["positive:childcare"] == 0 and got["asked:childcare"] == 0
    with write(db):
        db.execute(
            "DELETE FROM referrals WHERE family_id = (SELECT id FROM families WHERE mrn = 'F1')"
        )
    assert unit_counts(db)["connected"] == 2


def test_a_trigger_lost_with_a_rebuilt_table_is_put_back_and_everything_recounted(db):
    hand_unit(db)
    unit_counts(db)
    db.execute("DROP TRIGGER family_flags_referrals_update")
    db.execute("UPDATE referrals SET status = 'connected' WHERE status = 'sent'")
    db.conn.commit()
    assert unit_counts(db)["connected"] == 3
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "family_flags_referrals_update" in names


def test_changing_the_units_calendar_recounts_on_time(db):
    hand_unit(db)
    assert unit_counts(db)["screened_on_time"] == 1
    assert unit_counts(db, store.UnitCalendar(30, "America/Chicago"))["screened_on_time"] == 3


def test_the_page_shows_only_the_fact_for_a_period_with_too_few_families(app, db, manager_client):
    hand_unit(db)
    html = manager_client.get("/reports/equity?by=language").get_data(as_text=True)
    assert "Too few families in this period" in html
    assert "<table" not in html and "<svg" not in html


def test_the_page_shows_the_decline_reasons_and_cascade_counted_by_hand(app, db, manager_client):
    app.config.update(SUPPRESSION_THRESHOLD=1, UNIT_TIMEZONE="America/Chicago")
    hand_unit(db)
    html = manager_client.get("/reports/equity?by=insurance&from=2026-02").get_data(as_text=True)
    declines = html.split('id="declines-h"', 1)[1].split("</table>", 1)[0]
    row = declines.split("All families", 1)[1]
    # Declined every offer 2 of 6; the family's reason 1; the unit's reason 1.
    assert row.count("2 / 6") == 1 and row.count("1 / 6") == 2
    cascade = html.split('id="cascade-h"', 1)[1].split("</svg>", 1)[0]
    for step in ("Screened 3 (50%)", "Screened on time 1 (17%)", "Need met 1 (17%)"):
        assert step in cascade
    baseline = manager_client.get("/reports/equity?by=insurance&baseline=2030-01")
    assert "ends in the future" in baseline.get_data(as_text=True)
