"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from screening.platform.resources import PACKAGE

# OWASP Password Storage Cheat Sheet first choice: Argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_FILE = PACKAGE / "data" / "common_passwords.txt"
# People dress common words up with look-alike symbols; undo that before comparing.
_LEET = str.maketrans(
    {"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s"}
)


@functools.cache
def common_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(base words, full passwords) from the shipped list, loaded once."""
    bases: set[str] = set()
    full: set[str] = set()
    target = full
    for line in COMMON_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip().lower()
        if not line or line.startswith("#"):
            continue
        if line in ("[bases]", "[full]"):
            target = bases if line == "[bases]" else full
            continue
        target.add(line)
    return frozenset(bases), frozenset(full)


def _letters(text: str) -> str:
    return re.sub(r"[^a-zñ]", "", text)


def is_common(password: str) -> bool:
    """True when the password is a listed one or a listed word dressed up with digits/symbols."""
    bases, full = common_lists()
    lowered = password.lower()
    if lowered in full or len(set(lowered)) <= 3:
        return True
    # Digits and symbols at either end are the usual decoration ("P@ssw0rd2024!!").
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    candidates = {
        _letters(lowered),
        _letters(lowered.translate(_LEET)),
        _letters(core.translate(_LEET)),
    }
    for word in candidates:
        if not word:
            return True  # only digits and symbols
        if word in bases:
            return True
        # Two listed words glued together ("nicupassword") are guessed early by crackers.
        if any(word[:i] in bases and word[i:] in bases for i in range(4, len(word) - 3)):
            return True
        # A listed word repeated ("monkeymonkey") is no stronger than the word.
        for size in range(4, len(word) // 2 + 1):
            if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
                if word[:size] in bases:
                    return True
    return False


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


def policy_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, as messages for the user (empty when fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    if "\x00" in password:
        problems.append("The password contains a character that cannot be used.")
    elif password and is_common(password):
        problems.append("This password is too common or too easy to guess; choose another.")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("The password must not contain the username.")
    return problems
