"""Configuration defaults; a site overrides them in instance/config.py."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Defaults:
    """Defaults for every setting; each is documented in the README."""

    SECRET_KEY = None
    # Unit letterhead for referral letters.
    UNIT_NAME = "Neonatal Intensive Care Unit"
    UNIT_ADDRESS = ""
    UNIT_PHONE = ""
    UNIT_LOGO = None  # path to a PNG/JPEG inside the instance folder
    # Mental-health instruments given to each parent: phq9 + gad7 until the site holds EPDS wording.
    MENTAL_HEALTH_INSTRUMENTS = ("phq9", "gad7")
    FAMILY_INSTRUMENTS = ("ahc_core", "nicu_needs")
    # Overrides of the scoring settings that forms/*.yaml declare with their defaults, e.g.
    # {"epds_threshold_partner": 11, "phq2_always_full": True}.
    SCORING_SETTINGS: dict = {}
    REFERRAL_FOLLOW_UP_DAYS = 7
    ADMISSION_SCREEN_DAYS = 7
    SUPPRESSION_THRESHOLD = 11
    EQUITY_REFERENCE_GROUPS: dict = {}
    EQUITY_EXTRA_DIMENSIONS: tuple = ()
    SESSION_IDLE_MINUTES = 15
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind TLS (README "Deployment")
    SESSION_COOKIE_NAME = "nicu_session"
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which already expires
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    LOG_LEVEL = "INFO"


def load_secret_key(app) -> None:
    """Read the generated secret key from the instance folder, if init-db made one."""
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / SECRET_FILE
    if path.exists():
        app.config["SECRET_KEY"] = path.read_text().strip()


def ensure_secret_key(app) -> bool:
    """Create instance/secret_key (0600) if missing; True when a new key was written."""
    path = Path(app.instance_path) / SECRET_FILE
    if path.exists():
        load_secret_key(app)
        return False
    write_private(path, secrets.token_hex(32).encode(), exclusive=True)
    load_secret_key(app)
    return True


def write_private(path: str | os.PathLike, data: bytes, *, exclusive: bool = False) -> None:
    """Write a file only its owner can read (0600): letters, exports and keys hold PHI or
    secrets, and a umask of 022 would otherwise hand them to every account on the host.

    An existing file is made private before anything is written into it.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
    finally:
        if fd != -1:
            os.close(fd)


def derived_key(config, purpose: str) -> bytes:
    """A key for one purpose, derived from the instance secret key (never the key itself)."""
    secret = config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("no SECRET_KEY: run `flask --app screening init-db` first")
    raw = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(raw, f"screening {purpose} v1".encode(), hashlib.sha256).digest()


def keyed_record_id(config, record_id: str) -> str:
    """What `import-results` stores instead of a free-text record id: an HMAC with the
    instance key, so the same source row maps to the same value but imported history
    cannot carry the names or MRNs people type into that column."""
    digest = hmac.new(derived_key(config, "record id"), record_id.strip().encode(), "sha256")
    return "rid-" + digest.hexdigest()[:32]
