"""Parse and check an `import-results` CSV (DESIGN.md): every problem by row and column.

One CSV row is one screening offer to a family; rows sharing a record_id are several offers
to the same family (one NICU admission). The parser folds them into one family row whose
flags count exactly like a family recorded in the app. Rows are numbered as a spreadsheet
shows them: the header is row 1. Problems name the row and column but never repeat the
cell's value, which may be an identifier or a date.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .equity import INSURANCE_GROUPS
from .equity import RACE_CODES
from .equity import quarter_of
from .equity import race_group
from .identifiers import DECLINE_REASONS
from .identifiers import DECLINE_REASONS_FAMILY
from .identifiers import DECLINE_REASONS_SYSTEM
from .identifiers import DOMAINS
from .identifiers import OUTCOMES_KNOWN
from .identifiers import REFERRAL_OUTCOMES
from .identifiers import WANTS_HELP

REQUIRED = ("record_id", "screened_on", "status", "race_ethnicity", "language", "insurance")
OPTIONAL = ("admitted_on", "decline_reason")
PER_DOMAIN = ("referral", "wants_help", "outcome")  # optional <prefix>_<domain> columns
ASKED_HELP = frozenset({"yes", "no", "later"})
WANTS_HELP_NOW_OR_LATER = frozenset({"yes", "later"})
# Days from admission by which the social-needs screen is due (ADMISSION_SCREEN_DAYS).
ADMISSION_SCREEN_DAYS = 7
OFFER_STATUSES = ("completed", "declined")
DOMAIN_STATUSES = ("positive", "negative", "declined", "not_asked")
REFERRAL_STATUSES = ("suggested", "accepted", "declined", "sent", "connected", "not_connected")
ACCEPTED_OR_LATER = frozenset({"accepted", "sent", "connected", "not_connected"})
SENT_OR_LATER = frozenset({"sent", "connected", "not_connected"})
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
FLAGS = (
    "screened",
    "declined",
    "positive_any",
    *(f"ask_{d}" for d in DOMAINS),
    *(f"pos_{d}" for d in DOMAINS),
    "ref_accepted",
    "referred",
    "sent",
    "connected",
)
# Flags of the care cascade (DESIGN.md "Quality and equity reporting"). Kept apart from
# FLAGS until imported_families has their columns; the store then stores ALL_FLAGS.
CASCADE_FLAGS = (
    "admission_known",
    "screened_on_time",
    "help_asked",
    "wants_help",
    "outcome_known",
    "need_met",
    "declined_family",
    "declined_system",
)
ALL_FLAGS = (*FLAGS, *CASCADE_FLAGS)
# Per-family dates and codes a later import of the same record_id must merge with.
CASCADE_FIELDS = ("admitted_on", "first_completed_on", "last_offer_on", "last_decline_reason")


_Bad = Callable[[str, str], None]  # records a problem: (column, message)


@dataclass
class Parsed:
    """The outcome: family rows ready to store, or the problems that reject the file."""

    rows: int = 0
    families: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _known_columns() -> set[str]:
    return {*REQUIRED, *OPTIONAL, *DOMAINS, *(f"{p}_{d}" for p in PER_DOMAIN for d in DOMAINS)}


def _check_header(header: list[str], parsed: Parsed) -> None:
    known = _known_columns()
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if name in seen:
            parsed.problems.append(f"row 1, column {i} ({name!r}): this column appears twice")
        elif name not in known:
            parsed.problems.append(
                f"row 1, column {i} ({name!r}): unknown column; expected {', '.join(REQUIRED)}, "
                f"{', '.join(OPTIONAL)}, a domain id, or referral_, wants_help_ or outcome_ "
                "followed by a domain id"
            )
        seen.add(name)
    for name in REQUIRED:
        if name not in seen:
            parsed.problems.append(f"row 1: the required column {name!r} is missing")


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


def _check_row(
    n: int, record: dict[str, str], today: dt.date, parsed: Parsed
) -> dict[str, Any] | None:
    """One offer's values, or None after recording its problems."""
    problems = parsed.problems
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


def _fold(offer: dict, families: dict[str, dict], n: int) -> None:
    fam = families.get(offer["record_id"])
    if fam is None:
        fam = {
            "first_row": n,
            "record_id": offer["record_id"],
            "index_date": offer["screened_on"],
            "race_codes": ";".join(offer["race"]),
            "race_ethnicity": race_group(offer["race"]),
            "language": offer["language"],
            "insurance": offer["insurance"],
            "n_offers": 0,
            "n_declined": 0,
            **dict.fromkeys(ALL_FLAGS, 0),
            **dict.fromkeys(CASCADE_FIELDS, ""),
        }
        families[offer["record_id"]] = fam
    fam["index_date"] = min(fam["index_date"], offer["screened_on"])
    fam["admitted_on"] = offer["admitted_on"] or fam["admitted_on"]
    fam["n_offers"] += 1
    completed = offer["status"] == "completed"
    fam["n_declined"] += not completed
    # Rows come in file order, so on the same day the later row is the later offer.
    if offer["screened_on"] >= fam["last_offer_on"]:
        fam["last_offer_on"] = offer["screened_on"]
        fam["last_decline_reason"] = offer["decline_reason"]
    if completed:
        fam["screened"] = 1
        day = offer["screened_on"]
        fam["first_completed_on"] = min(fam["first_completed_on"] or day, day)
        for value in offer["wants_help"].values():
            fam["help_asked"] |= value in ASKED_HELP
            fam["wants_help"] |= value in WANTS_HELP_NOW_OR_LATER
        for d, value in offer["domains"].items():
            if value in ("positive", "negative"):
                fam[f"ask_{d}"] = 1
            if value == "positive":
                fam[f"pos_{d}"] = 1
                fam["positive_any"] = 1
    for value in offer["referrals"].values():
        fam["ref_accepted"] |= value in ACCEPTED_OR_LATER
        fam["sent"] |= value in SENT_OR_LATER
        fam["connected"] |= value == "connected"
    for value in offer["outcomes"].values():
        fam["outcome_known"] |= value in OUTCOMES_KNOWN
        fam["need_met"] |= value == "need_met"


def _finish(fam: dict, admission_days: int) -> None:
    # The admission, when known, is the family's index date (DESIGN.md).
    if fam["admitted_on"]:
        fam["index_date"] = fam["admitted_on"]
    fam["quarter"] = quarter_of(fam["index_date"])
    fam["declined"] = int(fam["n_offers"] > 0 and fam["n_offers"] == fam["n_declined"])
    cascade_flags(fam, admission_days)
    # Referred counts families with a need only, so it is a proportion of positive_any.
    fam["referred"] = int(fam["positive_any"] and fam["ref_accepted"])
    for key in ("ref_accepted", "sent", "connected"):
        fam[key] = int(fam[key])


def cascade_flags(fam: dict, admission_days: int = ADMISSION_SCREEN_DAYS) -> None:
    """Set the flags that follow from a family's merged dates and last decline reason.

    Call again after merging a later import of the same record_id into the stored row.
    """
    admitted, first = fam["admitted_on"], fam["first_completed_on"]
    fam["admission_known"] = int(bool(admitted))
    on_time = bool(admitted and first) and (
        dt.date.fromisoformat(first) - dt.date.fromisoformat(admitted)
    ) <= dt.timedelta(days=admission_days)
    fam["screened_on_time"] = int(on_time)
    reason = fam["last_decline_reason"]
    fam["declined_family"] = int(bool(fam["declined"]) and reason in DECLINE_REASONS_FAMILY)
    fam["declined_system"] = int(bool(fam["declined"]) and reason in DECLINE_REASONS_SYSTEM)
    for key in ("help_asked", "wants_help", "outcome_known", "need_met"):
        fam[key] = int(fam[key])


def parse(
    lines: Iterable[str] | str,
    today: dt.date | None = None,
    *,
    admission_days: int = ADMISSION_SCREEN_DAYS,
) -> Parsed:
    """Check every row of the CSV text and fold the offers into families."""
    if isinstance(lines, str):
        lines = io.StringIO(lines.removeprefix("\ufeff"))
    today = today or dt.date.today()
    parsed = Parsed()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        parsed.problems.append("row 1: the file is empty; the first row must be the header")
        return parsed
    header = [h.strip().lower() for h in header]
    _check_header(header, parsed)
    first_seen: dict[str, tuple[int, dict]] = {}
    admissions = _Admissions()
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        parsed.rows += 1
        if len(values) != len(header):
            parsed.problems.append(
                f"row {n}: has {len(values)} cells but the header has {len(header)}"
            )
            continue
        offer = _check_row(n, dict(zip(header, values, strict=True)), today, parsed)
        if offer is None:
            continue
        earlier = first_seen.setdefault(offer["record_id"], (n, offer))
        if earlier[0] != n:
            for column, key in (
                ("race_ethnicity", "race"),
                ("language", "language"),
                ("insurance", "insurance"),
            ):
                if offer[key] != earlier[1][key]:
                    parsed.problems.append(
                        f"row {n}, column {column}: differs from row {earlier[0]}, "
                        "an earlier offer to the same record_id"
                    )
        admissions.see(n, offer, parsed.problems)
        if not parsed.problems:
            _fold(offer, parsed.families, n)
    admissions.check(parsed.problems)
    if parsed.rows == 0 and not parsed.problems:
        parsed.problems.append("row 2: the file has a header but no rows")
    if parsed.problems:
        parsed.families = {}
        return parsed
    for fam in parsed.families.values():
        _finish(fam, admission_days)
    return parsed


class _Admissions:
    """One admission per record_id: its offers agree on it, and none comes before it."""

    def __init__(self) -> None:
        self.admitted: dict[str, tuple[int, str]] = {}
        self.first_offer: dict[str, tuple[str, int]] = {}

    def see(self, n: int, offer: dict, problems: list[str]) -> None:
        record_id, day = offer["record_id"], offer["screened_on"]
        if offer["admitted_on"]:
            row, admitted = self.admitted.setdefault(record_id, (n, offer["admitted_on"]))
            if admitted != offer["admitted_on"]:
                problems.append(
                    f"row {n}, column admitted_on: differs from row {row}, "
                    "an earlier offer to the same record_id"
                )
        if record_id not in self.first_offer or day < self.first_offer[record_id][0]:
            self.first_offer[record_id] = (day, n)

    def check(self, problems: list[str]) -> None:
        for record_id, (row, admitted) in self.admitted.items():
            first_day, first_row = self.first_offer[record_id]
            if admitted > first_day:
                problems.append(
                    f"row {row}, column admitted_on: is after screened_on in row {first_row}, "
                    "an offer to the same record_id"
                )
