"""Account queries and transactions: users, server-side sessions, lockout, second factor.

Every sign-in attempt (password or code) first claims an attempt in one conditional UPDATE
that refuses when the account is locked, so parallel requests cannot each read "not locked"
and all go on to guess; the lock is set by the same statement that counts the 5th attempt.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import sqlite3

from sqlite_utils import Database

from screening.accounts import passwords
from screening.platform import timeutil
from screening.platform.db import insert_row
from screening.platform.db import one
from screening.platform.db import update_row
from screening.platform.db import write

LOCK_AFTER = 5
LOCK_MAX_MINUTES = 60
RECOVERY_CODES = 10
# Clinical roles read PHI; an admin-made account of these roles waits for a second person.
CLINICAL_ROLES = frozenset({"social_worker"})

# One statement counts the attempt and, at the LOCK_AFTER-th, locks for 1, 2, 4 ... 60 min.
# It matches nothing while the account is locked or inactive: such attempts never verify.
_CLAIM_SQL = """
UPDATE users SET
  failed_logins = failed_logins + 1,
  locked_until = CASE WHEN failed_logins + 1 >= :after THEN
    strftime('%Y-%m-%dT%H:%M:%SZ', :now,
             '+' || min(:cap, 1 << min(16, failed_logins + 1 - :after)) || ' minutes')
    ELSE locked_until END
WHERE id = :id AND active = 1 AND (locked_until IS NULL OR locked_until <= :now)
RETURNING failed_logins
"""


def user_by_id(db: Database, user_id: int) -> dict | None:
    return one(db, "SELECT * FROM users WHERE id = ?", [user_id])


def user_by_name(db: Database, username: str) -> dict | None:
    return one(db, "SELECT * FROM users WHERE username = ?", [username])


def username_taken(db: Database, username: str) -> bool:
    return bool(db["users"].count_where("username = ?", [username]))


def insert_user(db: Database, username: str, role: str, password: str, **extra: object) -> int:
    """Insert one account and return its id; the caller checks the policy."""
    stamp = timeutil.iso()
    row = {
        "username": username,
        "display_name": extra.pop("display_name", username),
        "role": role,
        "password_hash": passwords.hash_password(password),
        "created_at": stamp,
        "password_changed_at": stamp,
        **extra,
    }
    return insert_row(db, "users", row)


def list_users(db: Database) -> list[dict]:
    return list(
        db.query(
            "SELECT id, username, display_name, role, active, locked_until, phi_hold, "
            "phi_hold_by, failed_logins, totp_secret IS NOT NULL AS has_totp, "
            "must_change_password FROM users ORDER BY active DESC, username"
        )
    )


def active_admin_count(db: Database) -> int:
    return int(
        db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").fetchone()[0]
    )


# --- sessions --------------------------------------------------------------------------------


def token_id(token: str) -> str:
    """Sessions are stored by the hash of their token: a copied database opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def session_user(db: Database, token: str) -> dict | None:
    return one(
        db,
        """SELECT u.*, s.id AS sid, s.created_at AS session_started, s.last_seen, s.revoked_at
           FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?""",
        [token_id(token)],
    )


def open_session(db: Database, user_id: int) -> str:
    """A fresh random token for the user; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    stamp = timeutil.iso()
    with write(db):
        insert_row(
            db,
            "user_sessions",
            {"id": token_id(token), "user_id": user_id, "created_at": stamp, "last_seen": stamp},
        )
    return token


def end_session(db: Database, session_id: str) -> None:
    with write(db):
        update_row(db, "user_sessions", session_id, {"revoked_at": timeutil.iso()})


def touch_session(db: Database, session_id: str) -> None:
    with write(db):
        update_row(db, "user_sessions", session_id, {"last_seen": timeutil.iso()})


def revoke_sessions(db: Database, user_id: int) -> None:
    """Revoke every open session of a user (password change, reset, deactivation, lockout)."""
    with write(db):
        db.execute(
            "UPDATE user_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            [timeutil.iso(), user_id],
        )


# --- lockout ---------------------------------------------------------------------------------


def claim_attempt(db: Database, user_id: int) -> bool:
    """Count one attempt before checking it; False (nothing to check) when locked or inactive."""
    params = {
        "id": user_id,
        "now": timeutil.iso(),
        "after": LOCK_AFTER,
        "cap": LOCK_MAX_MINUTES,
    }
    with write(db):
        claimed = db.execute(_CLAIM_SQL, params).fetchone()
        if claimed is None:
            # Refused attempts count too, so a burst shows in full on the admin page.
            db.execute(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? AND active = 1",
                [user_id],
            )
    return claimed is not None


def attempt_succeeded(db: Database, user: dict, password: str | None = None) -> None:
    """The sign-in is complete: clear the count and the lock (re-hash on old parameters)."""
    changes: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if password is not None and passwords.needs_rehash(user["password_hash"]):
        changes["password_hash"] = passwords.hash_password(password)
    with write(db):
        update_row(db, "users", user["id"], changes)


def password_step_passed(db: Database, user: dict) -> None:
    """A right password before a code: take back its own attempt, and nothing else.

    Wrong codes stay counted, so password + wrong codes, repeated, still locks after 5
    codes; the lock goes back to what it was before this attempt (`user` was read then).
    """
    with write(db):
        db.execute(
            "UPDATE users SET failed_logins = max(0, failed_logins - 1), locked_until = ? "
            "WHERE id = ?",
            [user["locked_until"], user["id"]],
        )


def is_locked(db: Database, user_id: int) -> bool:
    row = one(db, "SELECT locked_until FROM users WHERE id = ?", [user_id])
    return bool(row and row["locked_until"] and row["locked_until"] > timeutil.iso())


def unlock(db: Database, user_id: int) -> None:
    with write(db):
        update_row(db, "users", user_id, {"failed_logins": 0, "locked_until": None})


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when there is no usable account, so every refusal costs the same."""
    return passwords.hash_password(secrets.token_hex(16))


# --- passwords and holds ---------------------------------------------------------------------


def set_password(
    db: Database,
    user_id: int,
    password: str,
    *,
    must_change: bool | None = None,
    hold: str | None = None,
    held_by: int | None = None,
) -> None:
    """Store a new password hash, unlock, and revoke every session of the user."""
    changes: dict[str, object] = {
        "password_hash": passwords.hash_password(password),
        "password_changed_at": timeutil.iso(),
        "failed_logins": 0,
        "locked_until": None,
    }
    if must_change is not None:
        changes["must_change_password"] = int(must_change)
    if hold is not None:
        changes["phi_hold"] = hold
        changes["phi_hold_by"] = held_by
    with write(db):
        update_row(db, "users", user_id, changes)
        revoke_sessions(db, user_id)


def set_active(db: Database, user_id: int, active: bool) -> None:
    with write(db):
        update_row(
            db, "users", user_id, {"active": int(active), "failed_logins": 0, "locked_until": None}
        )
        if not active:
            revoke_sessions(db, user_id)


def release_hold(db: Database, user_id: int) -> bool:
    """Lift a PHI hold; False when there was none (a double click)."""
    with write(db):
        cursor = db.execute(
            "UPDATE users SET phi_hold = NULL, phi_hold_by = NULL "
            "WHERE id = ? AND phi_hold IS NOT NULL",
            [user_id],
        )
    return cursor.rowcount == 1


# --- second factor ---------------------------------------------------------------------------


def set_totp(db: Database, user_id: int, secret: str | None) -> None:
    """Enrol (or clear, with None) the TOTP secret; clearing also drops recovery codes."""
    with write(db):
        update_row(db, "users", user_id, {"totp_secret": secret})
        db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [user_id])
        if secret is None:
            revoke_sessions(db, user_id)


def claim_step(db: Database, user_id: int, step: int) -> bool:
    """Claim one TOTP time step for the user; False when it was used already (replay)."""
    try:
        with write(db):
            db.execute(
                "INSERT INTO totp_steps (user_id, step, used_at) VALUES (?, ?, ?)",
                [user_id, step, timeutil.iso()],
            )
    except sqlite3.IntegrityError:
        return False
    return True


def recovery_hash(key: bytes, code: str) -> str:
    """Keyed hash of a recovery code: a stolen database alone cannot test guesses."""
    canonical = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(key, b"recovery:" + canonical.encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(db: Database, key: bytes, user_id: int) -> list[str]:
    """Replace the user's recovery codes with fresh ones; returns them (shown once)."""
    codes = [
        "-".join(secrets.token_hex(2).upper() for _ in range(4)) for _ in range(RECOVERY_CODES)
    ]
    stamp = timeutil.iso()
    with write(db):
        db.execute("DELETE FROM recovery_codes WHERE user_id = ?", [user_id])
        for code in codes:
            db.execute(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
                [user_id, recovery_hash(key, code), stamp],
            )
    return codes


def use_recovery_code(db: Database, key: bytes, user_id: int, code: str) -> bool:
    """Spend a recovery code; the conditional UPDATE lets only one parallel use win."""
    with write(db):
        cursor = db.execute(
            "UPDATE recovery_codes SET used_at = ? "
            "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
            [timeutil.iso(), user_id, recovery_hash(key, code)],
        )
    return cursor.rowcount == 1


def recovery_codes_left(db: Database, user_id: int) -> int:
    return int(
        db.execute(
            "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", [user_id]
        ).fetchone()[0]
    )
