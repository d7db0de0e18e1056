"""Password hashing (Argon2id) and the password policy (length plus zxcvbn's guess estimate)."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app
from flask import has_app_context
from flask_babel import gettext as _
from zxcvbn import zxcvbn

# OWASP Password Storage Cheat Sheet first choice: Argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn score 3: "safely unguessable: moderate protection from offline slow-hash attacks".
MIN_SCORE = 3
# Words an attacker tries first against this app, whatever the unit.
APP_WORDS = ("nicu", "neonatal", "screening", "social", "worker", "hospital", "baby", "admin")
# zxcvbn's matching is super-linear in length; beyond this the length alone is the strength.
_SCORED_PREFIX = 100


def _user_inputs(username: str, extra: Iterable[str]) -> list[str]:
    words = [username, *extra, *APP_WORDS]
    if has_app_context():
        unit = str(current_app.config.get("UNIT_NAME") or "")
        words += [unit, *unit.split()]
    return [w.lower() for w in words if w]


def hash_password(password: str) -> str:
    """Hash a password with Argon2id; the parameters travel in the hash string."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def policy_problems(
    password: str, username: str = "", extra_inputs: Iterable[str] = ()
) -> list[str]:
    """What is wrong with a new password, as messages for the user (empty when fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)s characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)s characters.", n=MAX_LENGTH))
    if "\x00" in password:
        return [*problems, _("The password contains a character that cannot be used.")]
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append(_("The password must not contain the username."))
    if password and len(password) <= MAX_LENGTH:
        result = zxcvbn(password[:_SCORED_PREFIX], user_inputs=_user_inputs(username, extra_inputs))
        if result["score"] < MIN_SCORE:
            problems.append(
                _("This password is too common or too easy to guess; choose another.")
                + _advice(result)
            )
    return problems


def _advice(result: dict) -> str:
    # zxcvbn's own hint ("Add another word or two...") is English; shown only when present.
    suggestion = (result.get("feedback") or {}).get("warning") or ""
    return f" ({suggestion})" if suggestion else ""
