"""Streamed import-results: one batch in memory, the same families, problems and output as
reading the file whole, and nothing kept when any row of any batch is wrong."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from screening.core.identifiers import DECLINE_REASONS
from screening.core.results_import import parse
from screening.core.results_import import parse_batches
from screening.platform.db import connect
from screening.platform.db import write
from screening.reports import import_stream
from screening.reports import store

TODAY = dt.date(2026, 6, 1)
HEADER = (
    "record_id,screened_on,status,race_ethnicity,language,insurance,admitted_on,"
    "decline_reason,food,housing_instability,referral_food,wants_help_food,outcome_food\n"
)
KEY = "k:{}".format  # a stand-in for the instance's keyed hash


def history(seed: int, families: int = 40) -> str:
    """Valid offers, a family's offers spread across the file (so across batches). A
    family's groups and admission follow from its number alone, so files of different
    seeds are later offers to the same families."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    rows = []
    for n in range(families):
        own = random.Random(n)  # noqa: S311
        group = own.choice(["black", "white", "hispanic;white"]), own.choice(["en", "es"])
        insurance = own.choice(["public", "private"])
        admitted = dt.date(2025, 1, 1) + dt.timedelta(days=own.randrange(300))
        known = own.random() < 0.6
        for k in range(rng.choice([1, 1, 2, 3])):
            day = admitted + dt.timedelta(days=rng.randrange(20))
            completed = rng.random() < 0.7
            food = rng.choice(["positive", "negative", ""]) if completed else ""
            referral = rng.choice(["", "accepted", "sent", "connected"]) if food else ""
            cells = [
                f"R{n}",
                day.isoformat(),
                "completed" if completed else "declined",
                *group,
                insurance,
                admitted.isoformat() if known and (k == 0 or rng.random() < 0.5) else "",
                "" if completed else rng.choice(["", *DECLINE_REASONS]),
                food,
                rng.choice(["negative", ""]) if completed else "",
                referral,
                rng.choice(["yes", "no", "later", ""]) if food == "positive" else "",
                rng.choice(["need_met", "unknown"]) if referral == "connected" else "",
            ]
            rows.append((rng.random(), ",".join(cells) + "\n"))
    return HEADER + "".join(line for _order, line in sorted(rows))


@pytest.fixture
def empty(app):
    """The unit with no imported history (the demo ships some)."""
    database = connect(app.config["DATABASE"])
    with database.atomic():
        database.execute("DELETE FROM imported_families")
        database.execute("DELETE FROM imports")
    yield database
    database.close()


def stored(db) -> list[tuple]:
    columns = ", ".join(store.STORED)
    return db.execute(f"SELECT {columns} FROM imported_families ORDER BY record_id").fetchall()  # noqa: S608


def whole(db, text: str) -> dict:
    parsed = parse(io.StringIO(text), today=TODAY)
    assert parsed.problems == []
    store.key_record_ids(parsed, KEY)
    with write(db):
        assert store.conflicts(db, parsed) == []
        return store.store_import(db, parsed, "2026-06-01T00:00:00Z")


def streamed(db, text: str, batch_rows: int) -> dict:
    with write(db):
        return import_stream.import_csv(
            db, io.StringIO(text), "2026-06-01T00:00:00Z", key=KEY, today=TODAY,
            batch_rows=batch_rows,
        )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("batch_rows", [1, 7, 1000])
def test_batches_store_what_the_whole_file_stores(empty, seed, batch_rows):
    text = history(seed)
    expected_counts = whole(empty, text)
    expected = stored(empty)
    empty.execute("DELETE FROM imported_families")
    assert streamed(empty, text, batch_rows) == expected_counts
    assert stored(empty) == expected


def test_a_second_streamed_import_merges_like_the_whole_file(empty):
    first, second = history(4, 30), history(5, 30)
    whole(empty, first)
    whole(empty, second)
    expected = stored(empty)
    empty.execute("DELETE FROM imported_families")
    streamed(empty, first, 5)
    counts = streamed(empty, second, 5)
    assert stored(empty) == expected
    assert counts["new_families"] == 0 and counts["families"] == 30


def test_no_batch_holds_more_than_its_rows(empty):
    text = history(6, 200)
    sizes = [
        (batch.rows, len(batch.families))
        for batch in parse_batches(io.StringIO(text), TODAY, size=25)
    ]
    assert len(sizes) > 5
    assert all(rows <= 25 and families <= 25 for rows, families in sizes)
    assert sum(rows for rows, _f in sizes) == len(text.splitlines()) - 1


LATE_PROBLEMS = HEADER + (
    "A1,2026-01-10,completed,black,en,public,2026-01-05,,negative,,,,\n"
    "A2,2026-01-10,completed,white,en,public,,,negative,,,,\n"
    "A3,2026-01-10,completed,white,en,public,2026-01-09,,negative,,,,\n"
    "A1,2026-01-12,completed,black,es,public,2026-01-06,,negative,,,,\n"
    "A3,2026-01-08,declined,white,en,public,,,,,,,\n"
    "A2,2026-01-11,completed,white,en,cash,,,negative,,,,\n"
)


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_problems_across_batches_are_the_whole_files_problems(empty, batch_rows):
    expected = parse(io.StringIO(LATE_PROBLEMS), today=TODAY).problems
    assert len(expected) == 4  # language and admission of A1, A3 admitted late, cash
    with pytest.raises(import_stream.ImportRejected) as rejected, write(empty):
        import_stream.import_csv(
            empty, io.StringIO(LATE_PROBLEMS), "t", key=KEY, today=TODAY, batch_rows=batch_rows
        )
    assert rejected.value.problems == expected
    assert empty.execute("SELECT count(*) FROM imported_families").fetchone()[0] == 0
    assert empty.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


@hsettings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=9))
def test_any_broken_row_gives_the_same_problems(seed, batch_rows):
    lines = history(seed, 12).splitlines(keepends=True)
    rng = random.Random(seed)  # noqa: S311
    n = rng.randrange(1, len(lines))
    cells = lines[n].rstrip("\n").split(",")
    cells[rng.choice([1, 3, 4, 5, 6])] = rng.choice(["x", "2099-01-01", "asian", "fr", "cash"])
    lines[n] = ",".join(cells) + "\n"
    text = "".join(lines)
    whole_problems = parse(io.StringIO(text), today=TODAY).problems
    ledger = import_stream.TableLedger  # the streamed path's own ledger, in a scratch db
    db = connect(":memory:")
    streamed_problems = [
        p
        for batch in parse_batches(
            io.StringIO(text), TODAY, size=batch_rows, ledger=ledger(db), key=KEY
        )
        for p in batch.problems
    ]
    db.close()
    assert streamed_problems == whole_problems


def test_cli_streams_and_rejects_a_bad_last_row(runner, empty, tmp_path):
    path = tmp_path / "history.csv"
    text = history(7, 30)
    path.write_text(text + "Z9,2026-01-01,completed,black,en,cash,,,,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-results", str(path)])
    assert result.exit_code == 2
    last = len(text.splitlines()) + 1
    assert f"row {last}, column insurance" in result.output
    assert "nothing imported (1 problems)" in result.output
    assert empty.execute("SELECT count(*) FROM imported_families").fetchone()[0] == 0
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import-results", str(path)])
    assert result.exit_code == 0, result.output
    rows = len(text.splitlines()) - 1
    assert f"Imported {rows} rows (30 families, 30 new)." in result.output
    assert empty.execute("SELECT count(*) FROM imported_families").fetchone()[0] == 30
