"""Unit time: times shown in UNIT_TIMEZONE with its abbreviation, "today" is the unit's date."""

from __future__ import annotations

import datetime as dt

import pytest

from screening import create_app
from screening.platform import timeutil
from screening.platform.db import one

AT_0640_UTC = dt.datetime(2026, 3, 2, 6, 40, tzinfo=dt.UTC)


def test_today_is_the_units_date_not_the_utc_one(app):
    with app.app_context():
        # 01:40 in New York on 2 March is already 2 March in UTC; 23:30 on 1 March is not.
        assert timeutil.today(dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
        app.config["UNIT_TIMEZONE"] = "America/Los_Angeles"
        assert timeutil.today(dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)
        app.config["UNIT_TIMEZONE"] = "UTC"
        assert timeutil.today(dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("America/New_York", "2026-03-02 01:40 EST"),
        ("America/Chicago", "2026-03-02 00:40 CST"),
        ("Europe/Madrid", "2026-03-02 07:40 CET"),
    ],
)
def test_a_stored_time_reads_in_the_unit_zone_with_its_abbreviation(app, zone, expected):
    app.config["UNIT_TIMEZONE"] = zone
    with app.app_context():
        assert timeutil.shown(timeutil.iso(AT_0640_UTC)) == expected


def test_summer_time_changes_the_abbreviation(app):
    with app.app_context():
        assert timeutil.shown("2026-07-01T05:45:00Z") == "2026-07-01 01:45 EDT"


def test_worklist_alert_time_is_local(sw_client, db):
    alert = one(db, "SELECT id FROM alerts WHERE acknowledged_at IS NULL LIMIT 1")
    assert alert, "the demo has an open alert"
    db.execute(
        "UPDATE alerts SET created_at = ? WHERE id = ?", [timeutil.iso(AT_0640_UTC), alert["id"]]
    )
    db.conn.commit()
    html = sw_client.get("/families").get_data(as_text=True)
    assert "2026-03-02 01:40 EST" in html
    assert "06:40" not in html


def test_an_unknown_zone_stops_the_app_with_a_clear_message(tmp_path):
    with pytest.raises(RuntimeError, match="not an IANA time zone"):
        create_app(
            {"TESTING": True, "UNIT_TIMEZONE": "Mars/Olympus", "DATABASE": str(tmp_path / "x")}
        )
