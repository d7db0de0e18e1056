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
    kwargs = {
        "not_connected": {"reason": "no_capacity"},
        "connected": {"outcome": "need_met"},
    }.get(target, {})
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
    changes, _ = move(referral("sent", follow_up_due="2026-03-01"), "connected", outcome="unknown")
    assert changes["closed_at"] == "2026-03-02T15:30:00Z"
    assert changes["outcome"] == "unknown"
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


def test_connected_needs_a_known_outcome_and_only_connected_takes_one():
    for outcome, code in ((None, "outcome_needed"), ("great", "unknown_outcome")):
        with pytest.raises(rules.TransitionError) as caught:
            move(referral("sent"), "connected", outcome=outcome)
        assert caught.value.code == code
    with pytest.raises(rules.TransitionError) as caught:
        move(referral("sent"), "not_connected", reason="no_capacity", outcome="need_met")
    assert caught.value.code == "outcome_not_here"


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_unreachable_is_offered_only_after_the_configured_attempts(limit):
    for made in range(limit):
        assert not rules.unreachable_offered(referral("sent", attempts=made), limit)
        with pytest.raises(rules.TransitionError) as caught:
            move(referral("sent", attempts=made), "not_connected", reason="unreachable",
                 max_attempts=limit)  # fmt: skip
        assert caught.value.params == {"needed": limit, "made": made}
    ready = referral("sent", attempts=limit)
    assert rules.unreachable_offered(ready, limit)
    changes, _ = move(ready, "not_connected", reason="unreachable", max_attempts=limit)
    assert changes["reason"] == "unreachable"


def attempt(ref, **kw):
    kw.setdefault("on", NOW.date())
    kw.setdefault("method", "phone")
    kw.setdefault("result", "no_answer")
    kw.setdefault("next_try", NOW.date() + dt.timedelta(days=2))
    return rules.attempt(ref, today=NOW.date(), **kw)


def test_an_attempt_moves_the_follow_up_date_without_closing():
    changes = attempt(referral("sent", attempts=1, follow_up_due="2026-03-01"))
    assert changes == {"attempts": 2, "follow_up_due": "2026-03-04"}
    assert "status" not in changes and "closed_at" not in changes
    assert attempt(referral("accepted"), next_try=None) == {"attempts": 1}


@pytest.mark.parametrize(
    "status, kw, code",
    [
        ("connected", {}, "attempt_closed"),
        ("suggested", {}, "attempt_closed"),
        ("sent", {"on": NOW.date() + dt.timedelta(days=1)}, "attempt_future"),
        ("sent", {"next_try": NOW.date() - dt.timedelta(days=1)}, "next_try_before"),
        ("sent", {"method": "pigeon"}, "unknown_method"),
        ("sent", {"result": "maybe"}, "unknown_result"),
    ],
)
def test_impossible_attempts_are_refused(status, kw, code):
    with pytest.raises(rules.TransitionError) as caught:
        attempt(referral(status), **kw)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "status, extra, back_to",
    [
        ("declined", {}, "suggested"),
        ("declined", {"accepted_at": "2026-03-01T10:00:00Z"}, "accepted"),
        ("connected", {"outcome": "need_met"}, "sent"),
        ("not_connected", {"reason": "unreachable", "attempts": 3}, "sent"),
    ],
)
def test_reopen_returns_to_where_it_was_and_clears_the_closing(status, extra, back_to):
    ref = referral(status, closed_at="2026-03-01T10:00:00Z", **extra)
    changes, event = rules.reopen(ref, user_id=7, now=NOW, follow_up_days=7, why=" moved back ")
    assert changes["status"] == event["to_status"] == back_to
    assert changes["closed_at"] is None and changes["reason"] is None
    assert changes["outcome"] is None
    assert event["note"] == "moved back" and event["from_status"] == status
    if back_to == "sent":
        assert changes["follow_up_due"] == "2026-03-09" and changes["attempts"] == 0


@pytest.mark.parametrize("status, why, code", [("sent", "x", "reopen_open"),
                                                 ("declined", "  ", "reopen_reason")])  # fmt: skip
def test_reopen_refuses_open_referrals_and_a_missing_reason(status, why, code):
    with pytest.raises(rules.TransitionError) as caught:
        rules.reopen(referral(status), user_id=7, now=NOW, follow_up_days=7, why=why)
    assert caught.value.code == code
