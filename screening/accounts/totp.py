"""TOTP second factor (RFC 6238) for admin accounts, through pyotp."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re

import pyotp

ISSUER = "NICU screening"
# One 30 s step either side absorbs clock drift between the server and the phone.
VALID_WINDOW = 1


def enrolment_secret(key: bytes, user_id: int, session_id: str) -> str:
    """A base32 secret for one enrolment attempt, derived so nothing pending is stored."""
    digest = hmac.new(key, f"totp-enrol:{user_id}:{session_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app imports."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into a phone."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(code: str) -> str:
    """Digits only: people type spaces or dashes from the app's display."""
    return re.sub(r"[\s-]", "", code or "")


def looks_like_recovery(code: str) -> bool:
    """A recovery code as handed out: 16 hex characters, in groups or not."""
    return bool(re.fullmatch(r"[0-9A-Fa-f]{16}", normalise_code(code)))


def matching_step(secret: str, code: str, moment: dt.datetime) -> int | None:
    """The time step the 6-digit code belongs to (within one step of drift), or None.

    Callers remember the step of each accepted code so the same code cannot be replayed.
    """
    code = normalise_code(code)
    if not secret or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(moment)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify(secret: str, code: str, moment: dt.datetime) -> bool:
    """True when the code is valid at the moment (replays are the caller's check)."""
    return matching_step(secret, code, moment) is not None
