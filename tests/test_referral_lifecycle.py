"""Referral lifecycle rules: allowed moves, required reasons, dates and owners."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.core import referral_rules as rules

NOW = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)


def referral(status, **extra):
    return {"status": status, "owner_id": None, **extra}


def move(ref, target, **kw):
    kw.setdefault("user_id", 7)
    kw.setdefault("now", NOW)
    kw.setdefault("follow_up_days", 7)
    return rules.transition(ref, target, **kw)


ALLOWED = {
    ("suggested", "accepted"),
    ("suggested", "declined"),
    ("accepted", "sent"),
    ("accepted", "declined"),
    ("sent", "connected"),
    ("sent", "not_connected"),
}


@pytest.mark.parametrize("current", rules.STATUSES)
@pytest.mark.parametrize("target", rules.STATUSES)
def test_only_the_design_transitions_are_allowed(current, target):
    kwargs = {"reason": "unreachable"} if target == "not_connected" else {}
    if (current, target) in ALLOWED:
        changes, event = move(referral(current), target, **kwargs)
        assert changes["status"] == target
        assert (event["from_status"], event["to_status"]) == (current, target)
        assert event["user_id"] == 7 and event["at"] == "2026-03-02T15:30:00Z"
    else:
        with pytest.raises(rules.TransitionError):
            move(referral(current), target, **kwargs)


def test_accepting_makes_the_user_owner_unless_someone_owns_it():
    changes, _ = move(referral("suggested"), "accepted")
    assert changes["owner_id"] == 7
    assert changes["accepted_at"] == "2026-03-02T15:30:00Z"
    changes, _ = move(referral("suggested", owner_id=3), "accepted")
    assert "owner_id" not in changes


@pytest.mark.parametrize("days, due", [(7, "2026-03-09"), (14, "2026-03-16")])
def test_sent_sets_follow_up_due_from_the_configured_days(days, due):
    changes, _ = move(referral("accepted", owner_id=3), "sent", follow_up_days=days)
    assert changes["follow_up_due"] == due
    assert changes["sent_at"] == "2026-03-02T15:30:00Z"


def test_not_connected_needs_a_known_reason():
    with pytest.raises(rules.TransitionError, match="Choose why"):
        move(referral("sent"), "not_connected")
    with pytest.raises(rules.TransitionError, match="Unknown reason"):
        move(referral("sent"), "not_connected", reason="bored")
    changes, event = move(referral("sent"), "not_connected", reason="no_capacity")
    assert changes["reason"] == event["reason"] == "no_capacity"
    assert changes["closed_at"] and changes["follow_up_due"] is None


def test_other_reason_needs_a_note():
    with pytest.raises(rules.TransitionError, match="note"):
        move(referral("sent"), "not_connected", reason="other", note="  ")
    _, event = move(referral("sent"), "not_connected", reason="other", note=" moved away ")
    assert event["note"] == "moved away"


def test_reason_is_refused_on_other_moves():
    with pytest.raises(rules.TransitionError):
        move(referral("sent"), "connected", reason="unreachable")


def test_connected_closes_the_referral():
    changes, _ = move(referral("sent", follow_up_due="2026-03-01"), "connected")
    assert changes["closed_at"] == "2026-03-02T15:30:00Z"
    assert changes["follow_up_due"] is None


@pytest.mark.parametrize(
    "status, due, expected",
    [
        ("accepted", None, True),
        ("sent", "2026-03-02", True),
        ("sent", "2026-02-20", True),
        ("sent", "2026-03-03", False),
        ("suggested", None, False),
        ("connected", None, False),
        ("declined", None, False),
    ],
)
def test_is_due(status, due, expected):
    assert rules.is_due({"status": status, "follow_up_due": due}, NOW.date()) is expected
