"""Configuration defaults; a site overrides them in instance/config.py."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from screening.core.fhir_base import DEFAULT_BASE
from screening.platform.files import write_private

SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Defaults:
    """Defaults for every setting; each is documented in the README."""

    SECRET_KEY = None
    # Unit letterhead for referral letters.
    UNIT_NAME = "Neonatal Intensive Care Unit"
    UNIT_ADDRESS = ""
    UNIT_PHONE = ""
    UNIT_LOGO = None  # path to a PNG/JPEG inside the instance folder
    # IANA zone of the unit: every time shown to a person, and "today", are in it (storage is
    # UTC). A US default because the shipped instruments and resources are US ones.
    UNIT_TIMEZONE = "America/New_York"
    # Mental-health instruments given to each parent: phq9 + gad7 until the site holds EPDS wording.
    MENTAL_HEALTH_INSTRUMENTS = ("phq9", "gad7")
    FAMILY_INSTRUMENTS = ("ahc_core", "nicu_needs")
    # The order questionnaires run in; None = family social needs, then PHQ-9, then GAD-7
    # (core/offer.py DEFAULT_ORDER). Instruments not listed follow.
    INSTRUMENT_ORDER: tuple | None = None
    # Overrides of the scoring settings that forms/*.yaml declare with their defaults, e.g.
    # {"epds_threshold_partner": 11, "phq2_always_full": True}.
    SCORING_SETTINGS: dict = {}
    REFERRAL_FOLLOW_UP_DAYS = 7
    # Contact attempts before "family unreachable" is offered for a referral.
    REFERRAL_MAX_ATTEMPTS = 3
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
    # How many reverse proxies sit in front (0: none); only then are X-Forwarded-* believed.
    TRUSTED_PROXIES = 0
    # Key of the audit trail's hash chain; derived from SECRET_KEY when unset.
    AUDIT_KEY = None
    # FHIR export (fhir-export, fhir-questionnaire, the family page's EHR download).
    # Base URL of the site's own code systems and Questionnaire canonicals, for items and
    # answers without a LOINC code; a site sets its own so two sites' local codes differ.
    FHIR_BASE = DEFAULT_BASE
    # Identifier system of the EHR's medical record numbers (e.g. "urn:oid:1.2.840..."), as
    # the hospital's interface team gives it; empty: the MRN is sent without a system.
    FHIR_MRN_SYSTEM = ""
    # A short name for this unit, fixed once set: exported resource ids are derived from it,
    # so two units' record 1 never collide in one EHR and re-exports update, not duplicate.
    UNIT_KEY = "unit"


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
