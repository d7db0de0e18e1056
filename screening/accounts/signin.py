"""Checking credentials under the database lockout: passwords, codes, the tablet hand-back.

Every refusal reads the same and costs one Argon2 verification, whatever the reason.
"""

from __future__ import annotations

from flask import current_app
from flask import g
from flask_babel import gettext as _

from screening.accounts import passwords
from screening.accounts import store
from screening.accounts import totp
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.settings import derived_key


def generic_failure() -> str:
    # One message whatever went wrong: unknown, locked, deactivated and wrong all read alike.
    return _(
        "Wrong username or password. After %(n)s wrong tries an account is locked for a "
        "while; try again later or ask an admin.",
        n=store.LOCK_AFTER,
    )


def _audit_failure(user_id: int | None, detail: str) -> None:
    # The typed username is never recorded: people type names or MRNs into the wrong box.
    audit.record(
        "login",
        "user",
        user_id or "",
        outcome="failed",
        detail=detail,
        user={"id": None, "username": "", "role": ""},
    )


def check_login(username: str, password: str) -> tuple[dict | None, str | None]:
    """Verify credentials under the database lockout; returns (user, error).

    Every refusal runs one Argon2 verification, against the dummy hash when there is no
    usable account, so unknown, locked, inactive and wrong cost the same and read the same.
    """
    db = get_db()
    user = store.user_by_name(db, username)
    claimed = user is not None and store.claim_attempt(db, user["id"])
    ok = passwords.verify_password(
        user["password_hash"] if claimed and user else store.dummy_hash(), password
    )
    if user is None or not claimed or not ok:
        why = "unknown account" if user is None else ("password" if claimed else "refused")
        _audit_failure(user["id"] if user else None, why)
        return None, generic_failure()
    if user["role"] == "admin" and user["totp_secret"]:
        store.password_step_passed(db, user)
    else:
        store.attempt_succeeded(db, user, password)
    return user, None


def reverify(password: str) -> bool:
    """Re-check the signed-in user's password (e.g. tablet hand-back) under the same lockout.

    A failure counts towards the account lockout; once locked, the sessions end, so a
    tablet left with a parent cannot be used to guess the social worker's password.
    """
    db = get_db()
    user = store.user_by_id(db, g.user["id"])
    if user is None or not store.claim_attempt(db, user["id"]):
        passwords.verify_password(store.dummy_hash(), password or "")
        return False
    if passwords.verify_password(user["password_hash"], password or ""):
        store.attempt_succeeded(db, user)
        return True
    _audit_failure(user["id"], "reverify")
    if store.is_locked(db, user["id"]):
        store.revoke_sessions(db, user["id"])
    return False


def recovery_key() -> bytes:
    return derived_key(current_app.config, "recovery codes")


def check_code(user: dict, code: str) -> tuple[str | None, str | None]:
    """Check a TOTP or recovery code under the lockout; returns (factor, error)."""
    db = get_db()
    if not store.claim_attempt(db, user["id"]):
        _audit_failure(user["id"], "refused")
        return None, generic_failure()
    step = totp.matching_step(user["totp_secret"], code, timeutil.now())
    factor: str | None
    if step is not None and store.claim_step(db, user["id"], step):
        factor = f"totp totp_step={step}"
    elif step is None and totp.looks_like_recovery(code):
        factor = (
            "recovery_code"
            if store.use_recovery_code(db, recovery_key(), user["id"], code)
            else None
        )
    else:
        factor = None
    if factor is None:
        _audit_failure(user["id"], "totp")
        return None, _("That code is wrong or was already used. Wait for the next code.")
    store.attempt_succeeded(db, user)
    return factor, None
