"""The bench's unit generator still runs against the app (tiny size; benches are not tests)."""

from __future__ import annotations

from bench import unit
from screening.platform import audit
from screening.platform.db import connect


def test_generator_builds_a_small_realistic_unit(tmp_path):
    unit.smoke(tmp_path, families=50, audit_rows=3000)
    app = unit.make_app(tmp_path)
    db = connect(app.config["DATABASE"])
    try:
        count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        assert count("SELECT count(*) FROM families WHERE mrn LIKE 'U%'") == 50
        assert count("SELECT count(*) FROM families WHERE discharge_date IS NULL") > 0
        statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM referrals")}
        assert {"suggested", "accepted", "connected"} <= statuses
        assert count("SELECT count(*) FROM referrals WHERE screening_id IS NOT NULL") > 0
        assert count("SELECT count(*) FROM imported_families") > 40
        assert count("SELECT count(*) FROM audit_log") == 3000
        with app.app_context():
            assert audit.verify(db, app.config) == []
    finally:
        db.close()
