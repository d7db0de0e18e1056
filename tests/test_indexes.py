"""The hot look-ups use an index, not a scan of the whole table."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        ("SELECT * FROM referrals WHERE screening_id = 1", "referrals_screening"),
        ("SELECT 1 FROM alerts WHERE screening_id = 1", "alerts_screening"),
        ("SELECT * FROM alerts WHERE family_id = 1", "alerts_family"),
    ],
)
def test_lookup_uses_its_index(db, sql, index):
    plan = " ".join(str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + sql))
    assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
