"""Dates a social worker sees are the unit's dates, whatever the hour in UTC.

At 02:30 UTC it is still the evening before in America/New_York: a follow-up due in N days
counts from the unit's today (due "today" must be on today's worklist), while the stored
timestamps stay in UTC.
"""

from __future__ import annotations

import datetime as dt

import pytest

from screening.platform import timeutil
from screening.referrals.store import change_status
from screening.referrals.store import reopen_referral
from tests.factories import referral
from tests.factories import referral_row

# 02:30 UTC on 10 March 2026 is 22:30 on 9 March in New York (EDT began on 8 March).
LATE_EVENING = dt.datetime(2026, 3, 10, 2, 30, tzinfo=dt.UTC)
UNIT_DAY = dt.date(2026, 3, 9)


@pytest.fixture
def late_evening(app, db, monkeypatch):
    app.config["UNIT_TIMEZONE"] = "America/New_York"
    monkeypatch.setattr(timeutil, "now", lambda: LATE_EVENING)
    user = db.execute("SELECT * FROM users WHERE username = 'sw.garcia'").fetchone()
    names = [c[0] for c in db.execute("SELECT * FROM users LIMIT 0").description]
    return dict(zip(names, user, strict=True))


def due(days: int) -> str:
    return (UNIT_DAY + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("days", [0, 7])
def test_a_sent_referral_is_due_counting_from_the_units_day(app, db, late_evening, days):
    accepted = referral(app, db, "accepted")
    with app.app_context():
        assert timeutil.today() == UNIT_DAY
        sent = change_status(
            db, accepted["id"], "sent", version=accepted["version"], user=late_evening,
            follow_up_days=days,
        )  # fmt: skip
    assert sent["follow_up_due"] == due(days)
    assert sent["sent_at"] == "2026-03-10T02:30:00Z"  # timestamps stay in UTC


def test_a_reopened_referral_is_due_counting_from_the_units_day(app, db, late_evening):
    closed = referral(app, db, "connected")
    with app.app_context():
        reopen_referral(
            db, closed["id"], "family called back", version=closed["version"],
            user=late_evening, follow_up_days=3,
        )  # fmt: skip
    row = referral_row(db, closed["id"])
    assert (row["status"], row["follow_up_due"]) == ("sent", due(3))
    assert row["updated_at"] == "2026-03-10T02:30:00Z"
