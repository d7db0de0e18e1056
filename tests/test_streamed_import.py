"""import-results and extract stream: batch boundaries change nothing a user sees."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from screening.core.results_import import parse
from screening.platform.db import write
from screening.reports import store as equity_data

HEADER = "record_id,screened_on,status,race_ethnicity,language,insurance,food,referral_food\n"
TODAY = dt.date(2026, 6, 1)
STAMP = "2026-06-01T10:00:00Z"


@pytest.fixture(autouse=True)
def no_demo_history(db):
    with db.atomic():
        db.execute("DELETE FROM imported_families")
        db.execute("DELETE FROM imports")


def stored(db) -> list[tuple]:
    cursor = db.execute("SELECT * FROM imported_families ORDER BY record_id")
    names = [c[0] for c in cursor.description]
    return [
        tuple(v for n, v in zip(names, row, strict=True) if n not in ("id", "import_id"))
        for row in cursor
    ]


def rows_for(families: int) -> str:
    """Each family's offers spread far apart, so they land in different batches."""
    lines = []
    for k in range(3):
        for f in range(families):
            status = "completed" if (f + k) % 2 else "declined"
            food = ("positive" if f % 3 == 0 else "negative") if status == "completed" else ""
            referral = "connected" if food == "positive" and k == 2 else ""
            race = ["black", "hispanic;white", "declined"][f % 3]
            day = dt.date(2025, 1, 1) + dt.timedelta(days=f + 40 * k)
            lines.append(f"R{f},{day},{status},{race},en,public,{food},{referral}\n")
    return HEADER + "".join(lines)


def test_streamed_import_stores_what_the_whole_file_parse_stores(db, app):
    text = rows_for(7)
    with write(db):
        equity_data.store_import(db, parse(io.StringIO(text), today=TODAY), STAMP)
    whole = stored(db)
    with db.atomic():
        db.execute("DELETE FROM imported_families")
    with write(db):
        counts = equity_data.import_stream(db, io.StringIO(text), STAMP, today=TODAY, batch_rows=4)
    assert stored(db) == whole
    assert counts == {"rows": 21, "families": 7, "new_families": 7}


def test_streamed_import_lists_the_same_problems_and_keeps_nothing(db):
    text = rows_for(6) + "R1,2025-09-01,completed,asian,en,public,positive,\n"
    text += "R9,2025-13-01,completed,asian,en,public,,\n"
    expected = parse(io.StringIO(text), today=TODAY).problems
    assert any("differs from row 3" in p for p in expected)
    with pytest.raises(equity_data.ImportRejected) as rejected, write(db):
        equity_data.import_stream(db, io.StringIO(text), STAMP, today=TODAY, batch_rows=5)
    assert rejected.value.problems == expected
    assert stored(db) == []
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_a_second_import_with_other_group_values_is_refused_by_row(db):
    with write(db):
        equity_data.import_stream(db, io.StringIO(rows_for(4)), STAMP, today=TODAY)
    before = stored(db)
    changed = HEADER + "R0,2025-10-01,completed,asian,en,public,negative,\n"
    with pytest.raises(equity_data.ImportRejected) as rejected, write(db):
        equity_data.import_stream(db, io.StringIO(changed), STAMP, today=TODAY)
    assert rejected.value.problems == [
        "row 2, column race_ethnicity: differs from an earlier import of the same record_id"
    ]
    assert stored(db) == before


def test_cli_import_output_is_unchanged(runner, tmp_path, db):
    path = tmp_path / "history.csv"
    path.write_text(rows_for(5), encoding="utf-8")
    result = runner.invoke(args=["import-results", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Imported 15 rows (5 families, 5 new)."
    again = runner.invoke(args=["import-results", str(path)])
    assert again.output.strip() == "Imported 15 rows (5 families, 0 new)."
    bad = tmp_path / "bad.bin"
    bad.write_bytes(HEADER.encode() + b"R1,2025-01-01,completed,black,en,public,\xff,\n")
    refused = runner.invoke(args=["import-results", str(bad)])
    assert refused.exit_code == 2 and "not UTF-8" in refused.output


def test_streamed_extract_is_shuffled_and_numbered_once(runner, tmp_path, db):
    with write(db):
        equity_data.import_stream(db, io.StringIO(rows_for(60)), STAMP, today=TODAY)
    outs = []
    for n in range(2):
        out = tmp_path / f"extract{n}.csv"
        result = runner.invoke(args=["extract", "--out", str(out)])
        assert result.exit_code == 0, result.output
        with open(out, newline="", encoding="utf-8") as fh:
            outs.append(list(csv.DictReader(fh)))
    total = db.execute("SELECT count(*) FROM families").fetchone()[0] + 60
    for rows in outs:
        assert [int(r["row"]) for r in rows] == list(range(1, total + 1))
    order = [[(r["index_year"], r["race_ethnicity"], r["screened"]) for r in rows] for rows in outs]
    assert sorted(order[0]) == sorted(order[1]) and order[0] != order[1]
