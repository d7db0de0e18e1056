"""import-results: every problem by row and column, all or nothing, offers folded per family."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.core.results_import import parse

HEADER = "record_id,screened_on,status,race_ethnicity,language,insurance,food,referral_food\n"
GOOD = HEADER + (
    "F1,2026-01-10,completed,black,en,public,positive,sent\n"
    "F1,2026-01-20,declined,black,en,public,,\n"
    "F2,2026-02-01,declined,hispanic;white,es,private,,\n"
)
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def no_demo_history(app):
    """Start from a unit with no imported history (the demo ships two years of it)."""
    from screening.platform.db import connect

    database = connect(app.config["DATABASE"])
    with database.atomic():
        database.execute("DELETE FROM imported_families")
        database.execute("DELETE FROM imports")
    database.close()


def imported_count(db) -> int:
    return db.execute("SELECT count(*) FROM imported_families").fetchone()[0]


def test_offers_fold_into_families():
    parsed = parse(io.StringIO(GOOD), today=TODAY)
    assert parsed.problems == [] and parsed.rows == 3
    f1, f2 = parsed.families["F1"], parsed.families["F2"]
    assert (f1["screened"], f1["declined"], f1["pos_food"], f1["sent"], f1["referred"]) == (
        1,
        0,
        1,
        1,
        1,
    )
    assert f1["index_date"] == "2026-01-10" and f1["quarter"] == "2026Q1"
    assert (f2["screened"], f2["declined"], f2["race_ethnicity"]) == (0, 1, "multiple")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("F3,2026-02-30,completed,black,en,public,,", "row 2, column screened_on: not a date"),
        ("F3,01/02/2026,completed,black,en,public,,", "row 2, column screened_on: not a date"),
        (
            "F3,2026-07-01,completed,black,en,public,,",
            "row 2, column screened_on: is in the future",
        ),
        ("F3,2026-02-01,done,black,en,public,,", "row 2, column status: must be completed or"),
        ("F3,2026-02-01,completed,purple,en,public,,", "row 2, column race_ethnicity: not a race"),
        ("F3,2026-02-01,completed,black;unknown,en,public,,", "row 2, column race_ethnicity"),
        ("F3,2026-02-01,completed,black,english,public,,", "row 2, column language: not an ISO"),
        ("F3,2026-02-01,completed,black,en,medicaid,,", "row 2, column insurance: must be one"),
        ("F3,2026-02-01,completed,black,en,public,yes,", "row 2, column food: must be one of"),
        ("F3,2026-02-01,declined,black,en,public,positive,", "row 2, column food: a declined"),
        ("F3,2026-02-01,completed,black,en,public,,done", "row 2, column referral_food: must be"),
        (",2026-02-01,completed,black,en,public,,", "row 2, column record_id: is empty"),
        ("F3,2026-02-01,completed,black,en,public", "row 2: has 6 cells but the header has 8"),
    ],
)
def test_each_problem_names_row_and_column(row, expected):
    parsed = parse(io.StringIO(HEADER + row + "\n"), today=TODAY)
    assert any(p.startswith(expected) for p in parsed.problems), parsed.problems
    assert parsed.families == {}


def test_problems_never_repeat_the_cell_value():
    parsed = parse(io.StringIO(HEADER + "MRN-99887,1999-99-99,completed,Smith,xx,public,,\n"))
    text = "\n".join(parsed.problems)
    assert "MRN-99887" not in text and "1999-99-99" not in text and "Smith" not in text
    assert len(parsed.problems) == 3


def test_unknown_and_missing_columns_are_reported_from_the_header():
    text = "record_id,screened_on,status,race_ethnicity,language,fod,referral_nowhere\n"
    problems = parse(io.StringIO(text + "F,2026-01-01,completed,black,en,,\n")).problems
    assert "row 1, column 6 ('fod'): unknown column" in problems[0]
    assert "row 1, column 7 ('referral_nowhere'): unknown column" in problems[1]
    assert "row 1: the required column 'insurance' is missing" in problems


def test_offers_to_one_family_must_agree_on_groups():
    text = (
        HEADER
        + "F1,2026-01-10,completed,black,en,public,,\nF1,2026-01-11,completed,black,es,public,,\n"
    )
    problems = parse(io.StringIO(text), today=TODAY).problems
    assert problems == [
        "row 3, column language: differs from row 2, an earlier offer to the same record_id"
    ]


def test_cli_imports_and_reports_rows(runner, db, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["import-results", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 rows (2 families, 2 new)." in result.output
    assert imported_count(db) == 2


def test_cli_rejects_the_whole_file_and_lists_every_problem(runner, db, tmp_path):
    bad = (
        GOOD
        + "F9,2026-13-01,completed,black,en,public,,\nF10,2026-01-01,completed,black,en,cash,,\n"
    )
    path = tmp_path / "history.csv"
    path.write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["import-results", str(path)])
    assert result.exit_code == 2
    assert "row 5, column screened_on" in result.output
    assert "row 6, column insurance" in result.output
    assert "nothing imported (2 problems)" in result.output
    assert imported_count(db) == 0  # the three good rows were not imported either


def test_reimport_changes_no_metric_and_conflicts_reject(runner, db, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert runner.invoke(args=["import-results", str(path)]).exit_code == 0
    again = runner.invoke(args=["import-results", str(path)])
    assert "(2 families, 0 new)" in again.output
    after = db.execute(
        "SELECT screened, declined, positive_any, referred, sent, n_offers FROM imported_families "
        "ORDER BY record_id"
    ).fetchall()
    # Offers add up, but a family's flags (and so every metric) stay the same.
    assert after == [(1, 0, 1, 1, 1, 4), (0, 1, 0, 0, 0, 2)]
    changed = tmp_path / "changed.csv"
    changed.write_text(HEADER + "F2,2026-03-01,completed,asian,es,private,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-results", str(changed)])
    assert result.exit_code == 2
    assert "row 2, column race_ethnicity: differs from an earlier import" in result.output


def test_cli_rejects_non_utf8(runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        HEADER.encode() + b"F1,2026-01-10,completed,black,en,public,,\n" + b"\xe9\xff\n"
    )
    result = runner.invoke(args=["import-results", str(path)])
    assert result.exit_code == 2 and "not UTF-8" in result.output


CASCADE_HEADER = (
    "record_id,screened_on,status,race_ethnicity,language,insurance,admitted_on,"
    "decline_reason,food,referral_food,wants_help_food,outcome_food\n"
)
CASCADE = CASCADE_HEADER + (
    "C1,2026-01-10,completed,black,en,public,2026-01-05,,positive,connected,yes,need_met\n"
    "C2,2026-01-03,declined,white,en,public,2026-01-01,interpreter_unavailable,,,,\n"
    "C2,2026-01-20,declined,white,en,public,,not_now,,,,\n"
    "C3,2026-02-01,declined,white,es,public,,clinical,,,,\n"
    "C4,2026-01-15,completed,asian,en,public,2026-01-01,,positive,connected,no,unknown\n"
)


def test_cascade_columns_fold_into_family_flags():
    parsed = parse(io.StringIO(CASCADE), today=TODAY)
    assert parsed.problems == []
    c1, c2, c3, c4 = (parsed.families[k] for k in ("C1", "C2", "C3", "C4"))
    # Screened 5 days after admission: on time (7 days); 14 days: late.
    assert (c1["admission_known"], c1["screened_on_time"]) == (1, 1)
    assert (c4["admission_known"], c4["screened_on_time"]) == (1, 0)
    assert (c3["admission_known"], c3["screened_on_time"]) == (0, 0)
    # The last offer's reason decides: C2 last said "not now" (the family's reason).
    assert (c2["declined_family"], c2["declined_system"]) == (1, 0)
    assert (c3["declined_family"], c3["declined_system"]) == (0, 1)
    assert (c1["help_asked"], c1["wants_help"], c4["help_asked"], c4["wants_help"]) == (1, 1, 1, 0)
    # An unknown outcome is not counted as known.
    assert (c1["outcome_known"], c1["need_met"], c4["outcome_known"]) == (1, 1, 0)
    # The admission is the index date (and its quarter) when present.
    assert (c2["index_date"], c3["index_date"]) == ("2026-01-01", "2026-02-01")


def test_a_longer_window_makes_a_late_screen_on_time():
    parsed = parse(io.StringIO(CASCADE), today=TODAY, admission_days=14)
    assert parsed.families["C4"]["screened_on_time"] == 1


def test_cascade_columns_are_optional_and_empty_means_not_known():
    parsed = parse(io.StringIO(GOOD), today=TODAY)
    f2 = parsed.families["F2"]
    assert (f2["declined"], f2["declined_family"], f2["declined_system"]) == (1, 0, 0)
    assert parsed.families["F1"]["admission_known"] == 0


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "X,2026-01-10,completed,black,en,public,2026-01-11,,,,,",
            "row 2, column admitted_on: is after screened_on",
        ),
        ("X,2026-01-10,completed,black,en,public,2026-01-32,,,,,", "row 2, column admitted_on"),
        (
            "X,2026-01-10,completed,black,en,public,,not_now,,,,",
            "row 2, column decline_reason: only a declined offer",
        ),
        (
            "X,2026-01-10,declined,black,en,public,,busy,,,,",
            "row 2, column decline_reason: must be one of",
        ),
        (
            "X,2026-01-10,completed,black,en,public,,,negative,,yes,",
            "row 2, column wants_help_food: wants help is asked only where food is positive",
        ),
        (
            "X,2026-01-10,completed,black,en,public,,,positive,,maybe,",
            "row 2, column wants_help_food: must be one of",
        ),
        (
            "X,2026-01-10,declined,black,en,public,,,,,yes,",
            "row 2, column wants_help_food: a declined offer",
        ),
        (
            "X,2026-01-10,completed,black,en,public,,,positive,sent,,need_met",
            "row 2, column outcome_food: an outcome needs referral_food to be connected",
        ),
        (
            "X,2026-01-10,completed,black,en,public,,,positive,connected,,solved",
            "row 2, column outcome_food: must be one of",
        ),
    ],
)
def test_each_cascade_problem_names_row_and_column(row, expected):
    parsed = parse(io.StringIO(CASCADE_HEADER + row + "\n"), today=TODAY)
    assert any(p.startswith(expected) for p in parsed.problems), parsed.problems
    assert parsed.families == {}


def test_one_admission_per_family():
    differing = CASCADE_HEADER + (
        "Y,2026-01-10,completed,black,en,public,2026-01-05,,,,,\n"
        "Y,2026-01-12,completed,black,en,public,2026-01-06,,,,,\n"
    )
    assert parse(io.StringIO(differing), today=TODAY).problems == [
        "row 3, column admitted_on: differs from row 2, an earlier offer to the same record_id"
    ]
    # Admitted after an earlier offer recorded on another row of the same family.
    late = CASCADE_HEADER + (
        "Z,2026-01-02,declined,black,en,public,,not_now,,,,\n"
        "Z,2026-01-12,completed,black,en,public,2026-01-05,,,,,\n"
    )
    assert parse(io.StringIO(late), today=TODAY).problems == [
        "row 3, column admitted_on: is after screened_on in row 2, an offer to the same record_id"
    ]


def test_cascade_problems_never_repeat_the_cell_value():
    row = "MRN-4455,2026-01-10,completed,black,en,public,1999-99-99,Smith,,,,\n"
    text = "\n".join(parse(io.StringIO(CASCADE_HEADER + row), today=TODAY).problems)
    assert "1999-99-99" not in text and "Smith" not in text and "MRN-4455" not in text


_CELLS = {
    "status": ["completed", "declined", "x"],
    "admitted_on": ["", "2026-01-01", "2026-01-09", "2026-02-30"],
    "screened_on": ["2026-01-05", "2026-01-20", "2026-13-01"],
    "decline_reason": ["", "not_now", "clinical", "interpreter_unavailable", "why"],
    "food": ["", "positive", "negative", "declined"],
    "referral_food": ["", "accepted", "sent", "connected", "not_connected"],
    "wants_help_food": ["", "yes", "no", "later", "not_asked", "?"],
    "outcome_food": ["", "need_met", "need_partly_met", "need_not_met", "unknown"],
}


@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), *(st.sampled_from(v) for v in _CELLS.values())),
        min_size=1,
        max_size=8,
    )
)
def test_cascade_flags_never_contradict_each_other(rows):
    lines = [CASCADE_HEADER.strip()]
    for record_id, status, admitted, day, reason, food, ref, wants, outcome in rows:
        lines.append(
            f"{record_id},{day},{status},black,en,public,{admitted},{reason},"
            f"{food},{ref},{wants},{outcome}"
        )
    parsed = parse(lines, today=TODAY)
    assert bool(parsed.problems) != bool(parsed.families)
    for fam in parsed.families.values():
        assert (
            fam["screened_on_time"] <= fam["admission_known"]
            and fam["screened_on_time"] <= fam["screened"]
        )
        assert fam["declined_family"] + fam["declined_system"] <= fam["declined"]
        assert fam["wants_help"] <= fam["help_asked"] <= fam["positive_any"]
        assert fam["need_met"] <= fam["outcome_known"] <= fam["connected"]
        assert not fam["admitted_on"] or fam["index_date"] == fam["admitted_on"]
        assert fam["index_date"] <= min(r[3] for r in rows if r[0] == fam["record_id"])


def test_imported_history_keeps_no_record_id_as_typed(app, runner, tmp_path, db):
    """Sites type MRNs and names into record_id: only a keyed hash of it is stored."""
    header = "record_id,screened_on,status,race_ethnicity,language,insurance"
    source = tmp_path / "history.csv"
    source.write_text(f"{header}\nGarcia MRN 7731,2026-03-02,completed,white,en,private\n")
    result = runner.invoke(args=["import-results", str(source)])
    assert result.exit_code == 0, result.output
    stored = [r[0] for r in db.execute("SELECT record_id FROM imported_families")]
    assert not any("7731" in r or "Garcia" in r for r in stored)
    assert sum(r.startswith("rid-") for r in stored) >= 1
    again = runner.invoke(args=["import-results", str(source)])  # the same row maps to the same key
    assert "0 new" in again.output
