"""Referral lifecycle: allowed status changes and the fields each change sets."""

from __future__ import annotations

import datetime as dt

STATUSES = ("suggested", "accepted", "declined", "sent", "connected", "not_connected")
REASONS = ("unreachable", "not_eligible", "no_capacity", "family_changed_mind", "other")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suggested": ("accepted", "declined"),
    "accepted": ("sent", "declined"),
    "sent": ("connected", "not_connected"),
}
OPEN = ("suggested", "accepted", "sent")
# Statuses whose referral the family has agreed to and that still help them (letters).
ON_LETTER = ("accepted", "sent", "connected")
CLOSING = ("declined", "connected", "not_connected")

LABELS = {
    "suggested": "Suggested",
    "accepted": "Accepted",
    "declined": "Declined",
    "sent": "Sent",
    "connected": "Connected",
    "not_connected": "Not connected",
}
REASON_LABELS = {
    "unreachable": "Family unreachable",
    "not_eligible": "Not eligible",
    "no_capacity": "Service had no capacity",
    "family_changed_mind": "Family changed their mind",
    "other": "Other (say why in the note)",
}


class TransitionError(ValueError):
    """A status change the lifecycle does not allow, with a message for the user."""


def allowed(status: str) -> tuple[str, ...]:
    """The statuses a referral in `status` may move to."""
    return TRANSITIONS.get(status, ())


def transition(
    referral: dict,
    target: str,
    *,
    user_id: int,
    now: dt.datetime,
    follow_up_days: int,
    reason: str | None = None,
    note: str = "",
) -> tuple[dict, dict]:
    """The referral's column changes and its event row for moving to `target`.

    Raises TransitionError when the move is not allowed or a required reason is missing.
    """
    current = referral["status"]
    if target not in STATUSES:
        raise TransitionError(f"Unknown status {target!r}.")
    if target not in allowed(current):
        raise TransitionError(
            f"A referral that is {LABELS[current].lower()} cannot be marked "
            f"{LABELS[target].lower()}."
        )
    if target == "not_connected":
        if not reason:
            raise TransitionError("Choose why the family did not connect with the service.")
        if reason not in REASONS:
            raise TransitionError(f"Unknown reason {reason!r}.")
        if reason == "other" and not note.strip():
            raise TransitionError("Say in the note why the family did not connect.")
    elif reason:
        raise TransitionError("A reason is only recorded when a referral is not connected.")
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
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
    event = {
        "at": stamp,
        "user_id": user_id,
        "from_status": current,
        "to_status": target,
        "reason": reason,
        "note": note.strip(),
    }
    return changes, event


def is_due(referral: dict, today: dt.date) -> bool:
    """True when a referral needs follow-up: accepted but not sent, or sent and due by today."""
    if referral["status"] == "accepted":
        return True
    if referral["status"] == "sent" and referral.get("follow_up_due"):
        return dt.date.fromisoformat(referral["follow_up_due"]) <= today
    return False
