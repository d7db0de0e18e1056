"""De-identified extract: Safe Harbor fields only, ZIP3 with 000, year only, fresh row numbers."""

from __future__ import annotations

import csv
import json
import os
import random

import pytest

from screening.core import deid
from screening.platform.db import write

STAMP = "2026-01-05T10:00:00Z"


@pytest.mark.parametrize(
    ("zip_code", "expected"),
    [
        ("02139", "021"),
        ("03601", "000"),
        ("89301-1234", "000"),
        ("10001", "100"),
        ("1234", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_zip3_blanks_small_areas(zip_code, expected):
    assert deid.zip3(zip_code) == expected


def test_every_restricted_area_from_the_guidance_is_listed():
    assert len(deid.RESTRICTED_ZIP3) == 16
    assert {"036", "059", "102", "893"} <= deid.RESTRICTED_ZIP3


def _family(**kw):
    base = {
        "index_date": "2026-03-15",
        "race_ethnicity": "black",
        "language": "en",
        "insurance": "public",
        "interpreter_needed": 0,
        "zip": "60614",
        "screened": 1,
        "declined": 0,
        "positive_any": 1,
        "pos_food": 1,
        "ask_food": 1,
        "referred": 1,
        "sent": 1,
        "connected": 0,
        "mrn": "MRN-SECRET",
        "id": 99,
    }
    return base | kw


def test_rows_carry_only_safe_harbor_columns_and_the_year():
    rows = deid.extract(
        [_family(), _family(zip="05901", index_date="2025-12-31")], rng=random.Random(3)
    )
    assert [r["row"] for r in rows] == [1, 2]
    for row in rows:
        assert tuple(row) == deid.COLUMNS
        assert "MRN-SECRET" not in row.values() and 99 not in row.values()
    years = sorted(r["index_year"] for r in rows)
    assert years == ["2025", "2026"]
    assert sorted(r["zip3"] for r in rows) == ["000", "606"]
    assert rows[0]["domain_food"] == "positive" and rows[0]["domain_childcare"] == "not_asked"


def test_row_numbers_do_not_follow_input_order():
    families = [_family(index_date=f"{2000 + i}-01-01") for i in range(30)]
    rows = deid.extract(families, rng=random.Random(7))
    years = [r["index_year"] for r in rows]
    assert years != sorted(years)  # shuffled, so row 1 is not the first admission
    assert sorted(r["row"] for r in rows) == list(range(1, 31))


def test_cli_extract_writes_no_identifiers(runner, db, tmp_path):
    with write(db):
        fid = (
            db["families"]
            .insert(
                {
                    "mrn": "MRN-EXTRACT-4471",
                    "admission_date": "2026-03-15",
                    "race_ethnicity": json.dumps(["asian"]),
                    "zip": "03601",
                    "language": "vi",
                    "created_at": STAMP,
                    "updated_at": STAMP,
                }
            )
            .last_pk
        )
        db["caregivers"].insert(
            {
                "family_id": fid,
                "name": "Octavia Brightwater",
                "respondent": "birthing_parent",
                "phone": "(555) 867-5309",
                "created_at": STAMP,
            }
        )
    out = tmp_path / "extract.csv"
    result = runner.invoke(args=["extract", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for secret in ("MRN-EXTRACT-4471", "Octavia", "867-5309", "2026-03-15", "03601"):
        assert secret not in text
    rows = list(csv.DictReader(text.splitlines()))
    mine = [r for r in rows if r["language"] == "vi"]
    assert len(mine) == 1 and mine[0]["zip3"] == "000" and mine[0]["index_year"] == "2026"
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    audit = db.execute("SELECT action FROM audit_log WHERE action = 'deid_extract'").fetchall()
    assert audit
