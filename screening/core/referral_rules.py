"""Referral lifecycle: allowed status changes, contact attempts, reopening, and what each sets.

Refusals raise TransitionError with a `code` and `params`; the referrals area turns the code
into a translated sentence (core stays free of Flask and of display text), and `str()` of the
error is the English sentence for logs and the command line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from screening.core.identifiers import NOT_CONNECTED_REASONS as REASONS
from screening.core.identifiers import REFERRAL_STATUSES as STATUSES

__all__ = ["REASONS", "STATUSES"]

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suggested": ("accepted", "declined"),
    "accepted": ("sent", "declined"),
    "sent": ("connected", "not_connected"),
}
OPEN = ("suggested", "accepted", "sent")
# Statuses whose referral the family has agreed to and that still help them (letters).
ON_LETTER = ("accepted", "sent", "connected")
CLOSING = ("declined", "connected", "not_connected")
# Recorded when a referral is connected (DESIGN.md "Quality and equity reporting").
OUTCOMES = ("need_met", "need_partly_met", "need_not_met", "unknown")
ATTEMPT_METHODS = ("phone", "text", "in_person", "letter", "email", "interpreter_call")
ATTEMPT_RESULTS = ("no_answer", "left_message", "wrong_number", "spoke", "asked_to_call_back")
# Attempts are made while the family may still be reached about the referral.
ATTEMPT_STATUSES = ("accepted", "sent")

ENGLISH = {
    "unknown_status": "Unknown status {target!r}.",
    "not_allowed": "A referral that is {current} cannot be marked {target}.",
    "reason_needed": "Choose why the family did not connect with the service.",
    "unknown_reason": "Unknown reason {reason!r}.",
    "note_needed": "Say in the note why the family did not connect.",
    "reason_not_here": "A reason is only recorded when a referral is not connected.",
    "outcome_needed": "Say whether the need was met.",
    "unknown_outcome": "Unknown outcome {outcome!r}.",
    "outcome_not_here": "An outcome is only recorded when a referral is connected.",
    "too_few_attempts": "Record {needed} contact attempts before closing as unreachable "
    "({made} so far).",
    "attempt_closed": "Contact attempts are recorded on open referrals that were accepted.",
    "attempt_future": "The attempt date cannot be in the future.",
    "next_try_before": "The next try must be on or after the attempt date.",
    "unknown_method": "Unknown way of contact {method!r}.",
    "unknown_result": "Unknown attempt result {result!r}.",
    "reopen_open": "Only a closed referral can be reopened.",
    "reopen_reason": "Say why the referral is being reopened.",
    "owner_inactive": "Choose an active social worker as the new owner.",
    "no_service": "Choose a service before accepting.",
    "choice_closed": "The service can only be changed while the referral is a suggestion.",
}


class TransitionError(ValueError):
    """A change the lifecycle does not allow; `code` names the refusal, `params` fill it."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(ENGLISH[code].format(**params))


def allowed(status: str) -> tuple[str, ...]:
    """The statuses a referral in `status` may move to."""
    return TRANSITIONS.get(status, ())


def _stamp(now: dt.datetime) -> str:
    # `now` comes in the unit's zone (its date is the unit's date, for due dates); the stored
    # timestamps are UTC.
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unreachable_offered(referral: Mapping, max_attempts: int) -> bool:
    """True once enough contact attempts were made to close a sent referral as unreachable."""
    return referral["status"] == "sent" and int(referral.get("attempts") or 0) >= max_attempts


def _check_details(
    referral: Mapping,
    target: str,
    reason: str | None,
    note: str,
    outcome: str | None,
    max_attempts: int,
) -> None:
    if target == "not_connected":
        if not reason:
            raise TransitionError("reason_needed")
        if reason not in REASONS:
            raise TransitionError("unknown_reason", reason=reason)
        if reason == "other" and not note.strip():
            raise TransitionError("note_needed")
        if reason == "unreachable" and not unreachable_offered(referral, max_attempts):
            made = int(referral.get("attempts") or 0)
            raise TransitionError("too_few_attempts", needed=max_attempts, made=made)
    elif reason:
        raise TransitionError("reason_not_here")
    if target == "connected":
        if not outcome:
            raise TransitionError("outcome_needed")
        if outcome not in OUTCOMES:
            raise TransitionError("unknown_outcome", outcome=outcome)
    elif outcome:
        raise TransitionError("outcome_not_here")


def transition(
    referral: Mapping,
    target: str,
    *,
    user_id: int,
    now: dt.datetime,
    follow_up_days: int,
    reason: str | None = None,
    note: str = "",
    outcome: str | None = None,
    max_attempts: int = 3,
) -> tuple[dict, dict]:
    """The referral's column changes and its event row for moving to `target`; `now` is in
    the unit's zone, so a follow-up due in N days counts from the unit's date.

    Raises TransitionError when the move is not allowed or a required detail is missing:
    a reason for not connected (unreachable only after `max_attempts` attempts), an outcome
    for connected.
    """
    current = referral["status"]
    if target not in STATUSES:
        raise TransitionError("unknown_status", target=target)
    if target not in allowed(current):
        raise TransitionError("not_allowed", current=current, target=target)
    _check_details(referral, target, reason, note, outcome, max_attempts)
    stamp = _stamp(now)
    changes: dict = {"status": target, "updated_at": stamp}
    if target == "accepted":
        changes["accepted_at"] = stamp
        if not referral.get("owner_id"):
            changes["owner_id"] = user_id
    elif target == "sent":
        changes["sent_at"] = stamp
        changes["follow_up_due"] = (now.date() + dt.timedelta(days=follow_up_days)).isoformat()
        if not referral.get("owner_id"):
            changes["owner_id"] = user_id
    if target in CLOSING:
        changes["closed_at"] = stamp
        changes["follow_up_due"] = None
    if target == "not_connected":
        changes["reason"] = reason
    if target == "connected":
        changes["outcome"] = outcome
    event = {
        "at": stamp,
        "user_id": user_id,
        "from_status": current,
        "to_status": target,
        "reason": reason,
        "note": note.strip(),
    }
    return changes, event


def attempt(
    referral: Mapping,
    *,
    on: dt.date,
    method: str,
    result: str,
    next_try: dt.date | None,
    today: dt.date,
) -> dict:
    """The referral's column changes for one contact attempt; the status never changes.

    The follow-up date moves to the next try (when one is set), so the worklist brings the
    referral back on that day.
    """
    if referral["status"] not in ATTEMPT_STATUSES:
        raise TransitionError("attempt_closed")
    if method not in ATTEMPT_METHODS:
        raise TransitionError("unknown_method", method=method)
    if result not in ATTEMPT_RESULTS:
        raise TransitionError("unknown_result", result=result)
    if on > today:
        raise TransitionError("attempt_future")
    if next_try is not None and next_try < on:
        raise TransitionError("next_try_before")
    changes: dict = {"attempts": int(referral.get("attempts") or 0) + 1}
    if next_try is not None:
        changes["follow_up_due"] = next_try.isoformat()
    return changes


def reopen(
    referral: Mapping, *, user_id: int, now: dt.datetime, follow_up_days: int, why: str
) -> tuple[dict, dict]:
    """Changes and event for reopening a closed referral, back where it was before closing.

    A declined suggestion goes back to suggested, a declined acceptance to accepted, and a
    connected or not-connected referral to sent with a fresh follow-up date; the old reason
    and outcome are cleared (the history keeps them).
    """
    current = referral["status"]
    if current not in CLOSING:
        raise TransitionError("reopen_open")
    if not why.strip():
        raise TransitionError("reopen_reason")
    if current == "declined":
        target = "accepted" if referral.get("accepted_at") else "suggested"
    else:
        target = "sent"
    stamp = _stamp(now)
    changes: dict = {
        "status": target,
        "updated_at": stamp,
        "closed_at": None,
        "reason": None,
        "outcome": None,
        "follow_up_due": None,
    }
    if target == "sent":
        changes["follow_up_due"] = (now.date() + dt.timedelta(days=follow_up_days)).isoformat()
        changes["attempts"] = 0
    event = {
        "at": stamp,
        "user_id": user_id,
        "from_status": current,
        "to_status": target,
        "reason": None,
        "note": why.strip(),
    }
    return changes, event


def is_due(referral: Mapping, today: dt.date) -> bool:
    """True when a referral needs follow-up: accepted but not sent, or sent and due by today."""
    if referral["status"] == "accepted":
        return True
    if referral["status"] == "sent" and referral.get("follow_up_due"):
        return dt.date.fromisoformat(referral["follow_up_due"]) <= today
    return False
