"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

# OWASP Password Storage Cheat Sheet first choice: Argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 12

# The most common passwords of 12+ characters in public breach lists, plus obvious unit words.
COMMON = frozenset(
    """
    123456789012 1234567890123 12345678901234 123456123456 111111111111 000000000000
    123123123123 qwertyuiopas qwertyuiop12 qwertyuiop123 1q2w3e4r5t6y 1qaz2wsx3edc
    passwordpassword password1234 password12345 password123456 password!234 p@ssword1234
    iloveyou1234 letmein12345 welcome12345 welcome123456 administrator admin1234567
    changeme1234 changemenow! abcdefghijkl abcdef123456 abc123abc123 trustno1trustno1
    football1234 baseball1234 superman1234 princess1234 sunshine1234 monkey123456
    dragon123456 michael12345 jennifer1234 starwars1234 whatever1234 nicunicunicu
    nicupassword hospital1234 hospital12345 socialwork12 socialworker nurse1234567
    summer202020 winter202020 spring202020 autumn202020 january20252 password2025
    password2026 password2024 welcome2025! welcome2026! qwerty123456 asdfghjkl123
    zaq12wsxcde3 1234qwerasdf q1w2e3r4t5y6 987654321098 contraseña123 contrasena123
    """.split()
)


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
    if len(password) > 256:
        problems.append("Use at most 256 characters.")
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) <= 2:
        problems.append("This password is too common; choose another.")
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append("The password must not contain the username.")
    return problems
