"""Equity counts by month: a month is a month, and imported history counted from a kept
GROUP BY is never older than the last import."""

from __future__ import annotations

import io

import pytest

from screening.core.results_import import parse
from screening.platform.db import write
from screening.reports import store

HEADER = "record_id,screened_on,status,race_ethnicity,language,insurance\n"


@pytest.fixture
def empty(db):
    with db.atomic():
        db.execute("DELETE FROM imported_families")
        db.execute("DELETE FROM imports")
    return db


def load(db, body: str, stamp: str = "2026-04-01T00:00:00Z") -> None:
    parsed = parse(io.StringIO(HEADER + body))
    assert parsed.problems == []
    with write(db):
        store.store_import(db, parsed, stamp)


def imported_months(db) -> dict[str, int]:
    counts = store.aggregate(db, None, "2025-01-01", "2025-12-31", period="month")
    return {month: row["families"] for (_g, month), row in counts.items()}


def test_two_months_of_one_quarter_stay_two_months(empty):
    load(empty, "M1,2025-01-10,completed,black,en,public\nM2,2025-02-10,declined,white,es,public\n")
    assert imported_months(empty) == {"2025-01": 1, "2025-02": 1}


def test_counts_follow_every_import_and_removal(empty):
    load(empty, "M1,2025-01-10,completed,black,en,public\n")
    assert imported_months(empty) == {"2025-01": 1}
    load(empty, "M2,2025-01-12,completed,black,en,public\n", "2026-04-02T00:00:00Z")
    assert imported_months(empty) == {"2025-01": 2}
    empty.execute("DELETE FROM imported_families WHERE record_id = 'M1'")
    empty.conn.commit()
    assert imported_months(empty) == {"2025-01": 1}
