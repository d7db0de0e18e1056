"""Check the header and one row of an `import-results` CSV (DESIGN.md).

Problems name the row and column but never repeat the cell's value, which may be an
identifier or a date. Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from .equity import INSURANCE_GROUPS
from .equity import RACE_CODES
from .identifiers import DECLINE_REASONS
from .identifiers import DOMAINS
from .identifiers import REFERRAL_OUTCOMES
from .identifiers import WANTS_HELP

REQUIRED = ("record_id", "screened_on", "status", "race_ethnicity", "language", "insurance")
OPTIONAL = ("admitted_on", "decline_reason")
PER_DOMAIN = ("referral", "wants_help", "outcome")  # optional <prefix>_<domain> columns
OFFER_STATUSES = ("completed", "declined")
DOMAIN_STATUSES = ("positive", "negative", "declined", "not_asked")
REFERRAL_STATUSES = ("suggested", "accepted", "declined", "sent", "connected", "not_connected")
MAX_RECORD_ID = 64
# ISO 639-1 (all 183 two-letter codes).
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr
    ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw
    ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv
    ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
    ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
    yo za zh zu""".split()
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_Bad = Callable[[str, str], None]  # records a problem: (column, message)


def _known_columns() -> set[str]:
    return {*REQUIRED, *OPTIONAL, *DOMAINS, *(f"{p}_{d}" for p in PER_DOMAIN for d in DOMAINS)}


def check_header(header: list[str], problems: list[str]) -> None:
    """Problems of the header row: unknown or repeated columns, required ones missing."""
    known = _known_columns()
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if name in seen:
            problems.append(f"row 1, column {i} ({name!r}): this column appears twice")
        elif name not in known:
            problems.append(
                f"row 1, column {i} ({name!r}): unknown column; expected {', '.join(REQUIRED)}, "
                f"{', '.join(OPTIONAL)}, a domain id, or referral_, wants_help_ or outcome_ "
                "followed by a domain id"
            )
        seen.add(name)
    for name in REQUIRED:
        if name not in seen:
            problems.append(f"row 1: the required column {name!r} is missing")


def _race(value: str) -> tuple[str, ...] | str:
    """The sorted codes, or a problem message."""
    codes = [c.strip() for c in value.lower().split(";") if c.strip()]
    if not codes:
        return "is empty; use race/ethnicity codes joined by ';', or declined or unknown"
    if len(codes) == 1 and codes[0] in ("declined", "unknown"):
        return (codes[0],)
    bad = [c for c in codes if c not in RACE_CODES]
    if bad:
        return (
            f"not a race/ethnicity code (use {', '.join(RACE_CODES)} joined by ';', "
            "or declined or unknown on its own)"
        )
    return tuple(sorted(set(codes)))


def check_row(
    n: int, record: dict[str, str], today: dt.date, problems: list[str]
) -> dict[str, Any] | None:
    """One offer's values, or None after appending its problems."""
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(f"row {n}, column {column}: {message}")

    record_id = record.get("record_id", "").strip()
    if not record_id:
        bad("record_id", "is empty")
    elif len(record_id) > MAX_RECORD_ID:
        bad("record_id", f"is longer than {MAX_RECORD_ID} characters")
    day = record.get("screened_on", "").strip()
    screened_on = _date(day, today, "screened_on", bad)
    admitted = (record.get("admitted_on") or "").strip()
    if admitted:
        admitted_on = _date(admitted, today, "admitted_on", bad)
        if admitted_on and screened_on and admitted_on > screened_on:
            bad("admitted_on", "is after screened_on; the admission comes first")
    status = record.get("status", "").strip().lower()
    if status not in OFFER_STATUSES:
        bad("status", "must be completed or declined")
    reason = (record.get("decline_reason") or "").strip().lower()
    if reason and reason not in DECLINE_REASONS:
        bad("decline_reason", f"must be one of {', '.join(DECLINE_REASONS)}, or empty")
    elif reason and status == "completed":
        bad("decline_reason", "only a declined offer has a decline reason; leave it empty")
    race = _race(record.get("race_ethnicity", ""))
    if isinstance(race, str):
        bad("race_ethnicity", race)
    language = record.get("language", "").strip().lower()
    if language not in ISO_639_1:
        bad("language", "not an ISO 639-1 language code (two letters, e.g. en, es)")
    insurance = record.get("insurance", "").strip().lower()
    if insurance not in INSURANCE_GROUPS:
        bad("insurance", f"must be one of {', '.join(INSURANCE_GROUPS)}")
    domains = {}
    for d in DOMAINS:
        value = (record.get(d) or "").strip().lower() or "not_asked"
        if value not in DOMAIN_STATUSES:
            bad(d, f"must be one of {', '.join(DOMAIN_STATUSES)}, or empty")
        elif status == "declined" and value != "not_asked":
            bad(d, "a declined offer has no domain results; leave it empty")
        domains[d] = value
    referrals = {}
    for d in DOMAINS:
        value = (record.get(f"referral_{d}") or "").strip().lower()
        if value and value not in REFERRAL_STATUSES:
            bad(f"referral_{d}", f"must be one of {', '.join(REFERRAL_STATUSES)}, or empty")
        referrals[d] = value
    wants_help = _wants_help(record, status, domains, bad)
    outcomes = {}
    for d in DOMAINS:
        value = (record.get(f"outcome_{d}") or "").strip().lower()
        if value and value not in REFERRAL_OUTCOMES:
            bad(f"outcome_{d}", f"must be one of {', '.join(REFERRAL_OUTCOMES)}, or empty")
        elif value and referrals[d] != "connected":
            bad(f"outcome_{d}", f"an outcome needs referral_{d} to be connected")
        outcomes[d] = value
    if len(problems) > before:
        return None
    return {
        "record_id": record_id,
        "screened_on": day,
        "status": status,
        "race": race,
        "language": language,
        "insurance": insurance,
        "domains": domains,
        "referrals": referrals,
        "admitted_on": admitted,
        "decline_reason": reason if status == "declined" else "",
        "wants_help": wants_help,
        "outcomes": outcomes,
    }


def _date(text: str, today: dt.date, column: str, bad: _Bad) -> dt.date | None:
    try:
        if not _DATE.match(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        bad(column, "not a date; use YYYY-MM-DD")
        return None
    if day > today:
        bad(column, "is in the future")
        return None
    return day


def _wants_help(
    record: dict[str, str], status: str, domains: dict[str, str], bad: _Bad
) -> dict[str, str]:
    out = {}
    for d in DOMAINS:
        column = f"wants_help_{d}"
        value = (record.get(column) or "").strip().lower() or "not_asked"
        if value not in WANTS_HELP:
            bad(column, f"must be one of {', '.join(WANTS_HELP)}, or empty")
        elif value != "not_asked" and status == "declined":
            bad(column, "a declined offer has no domain results; leave it empty")
        elif value != "not_asked" and domains[d] != "positive":
            bad(column, f"wants help is asked only where {d} is positive")
        out[d] = value
    return out
