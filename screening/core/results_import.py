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
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .equity import INSURANCE_GROUPS
from .equity import RACE_CODES
from .equity import quarter_of
from .equity import race_group
from .identifiers import DOMAINS

REQUIRED = ("record_id", "screened_on", "status", "race_ethnicity", "language", "insurance")
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


@dataclass
class Parsed:
    """The outcome: family rows ready to store, or the problems that reject the file."""

    rows: int = 0
    families: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _known_columns() -> set[str]:
    return {*REQUIRED, *DOMAINS, *(f"referral_{d}" for d in DOMAINS)}


def _check_header(header: list[str], parsed: Parsed) -> None:
    known = _known_columns()
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if name in seen:
            parsed.problems.append(f"row 1, column {i} ({name!r}): this column appears twice")
        elif name not in known:
            parsed.problems.append(
                f"row 1, column {i} ({name!r}): unknown column; expected {', '.join(REQUIRED)}, "
                "a domain id, or referral_<domain id>"
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
    try:
        if not _DATE.match(day):
            raise ValueError
        parsed_day = dt.date.fromisoformat(day)
    except ValueError:
        bad("screened_on", "not a date; use YYYY-MM-DD")
    else:
        if parsed_day > today:
            bad("screened_on", "is in the future")
    status = record.get("status", "").strip().lower()
    if status not in OFFER_STATUSES:
        bad("status", "must be completed or declined")
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
    }


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
            **dict.fromkeys(FLAGS, 0),
        }
        families[offer["record_id"]] = fam
    fam["index_date"] = min(fam["index_date"], offer["screened_on"])
    fam["n_offers"] += 1
    completed = offer["status"] == "completed"
    fam["n_declined"] += not completed
    if completed:
        fam["screened"] = 1
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


def _finish(fam: dict) -> None:
    fam["quarter"] = quarter_of(fam["index_date"])
    fam["declined"] = int(fam["n_offers"] > 0 and fam["n_offers"] == fam["n_declined"])
    # Referred counts families with a need only, so it is a proportion of positive_any.
    fam["referred"] = int(fam["positive_any"] and fam["ref_accepted"])
    for key in ("ref_accepted", "sent", "connected"):
        fam[key] = int(fam[key])


Seen = tuple[int, tuple[str, ...], str, str]
"""Where a record_id first appeared: its row number and race codes, language, insurance."""
BATCH_ROWS = 5000


@dataclass
class Batch:
    """A run of consecutive CSV rows: their problems and their families folded within the run.

    A record_id may reappear in a later batch; whoever stores batches merges them (the
    store's upsert ORs the flags and adds the offers, exactly like a second import).
    """

    rows: int = 0
    families: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seen: dict[str, Seen] = field(default_factory=dict)


def _no_earlier(_ids: list[str]) -> Mapping[str, Seen]:
    return {}


def _read_batch(numbered: Iterator[tuple[int, list[str]]], size: int | None) -> list:
    """Up to `size` non-empty rows as (row number, cells)."""
    rows: list = []
    for n, values in numbered:
        if not any(v.strip() for v in values):
            continue
        rows.append((n, values))
        if size is not None and len(rows) >= size:
            break
    return rows


def _check_batch(
    rows: list, header: list[str], today: dt.date, earlier: Callable, fold: bool
) -> Batch:
    # Rows are checked first and the earlier-offer look-up made once for the whole batch;
    # problems are then listed in row order, as a spreadsheet user reads them.
    batch = Batch(rows=len(rows))
    checked: list[tuple[int, dict[str, Any] | None, list[str]]] = []
    for n, values in rows:
        scratch = Parsed()
        if len(values) != len(header):
            scratch.problems.append(
                f"row {n}: has {len(values)} cells but the header has {len(header)}"
            )
            checked.append((n, None, scratch.problems))
            continue
        offer = _check_row(n, dict(zip(header, values, strict=True)), today, scratch)
        checked.append((n, offer, scratch.problems))
    ids = sorted({offer["record_id"] for _n, offer, _p in checked if offer is not None})
    known = dict(earlier(ids)) if ids else {}
    for n, offer, row_problems in checked:
        batch.problems.extend(row_problems)
        if offer is None:
            continue
        first = known.get(offer["record_id"])
        if first is None:
            first = (n, offer["race"], offer["language"], offer["insurance"])
            known[offer["record_id"]] = first
            batch.seen[offer["record_id"]] = first
        for column, value, before in (
            ("race_ethnicity", offer["race"], first[1]),
            ("language", offer["language"], first[2]),
            ("insurance", offer["insurance"], first[3]),
        ):
            if value != before:
                batch.problems.append(
                    f"row {n}, column {column}: differs from row {first[0]}, "
                    "an earlier offer to the same record_id"
                )
        if fold and not batch.problems:
            _fold(offer, batch.families, n)
    for fam in batch.families.values():
        _finish(fam)
    return batch


def parse_batches(
    lines: Iterable[str] | str,
    today: dt.date | None = None,
    size: int | None = BATCH_ROWS,
    earlier: Callable[[list[str]], Mapping[str, Seen]] = _no_earlier,
) -> Iterator[Batch]:
    """Check the CSV `size` rows at a time, so a file of any length holds one batch in memory.

    `earlier(record_ids)` answers where ids met in previous batches first appeared (the
    caller keeps that, e.g. in a temporary table), so an offer whose group values differ
    from its record's first row is a problem whichever batch the first row was in. Once any
    problem is found later batches carry problems only: the file will be rejected whole.
    """
    if isinstance(lines, str):
        lines = io.StringIO(lines.removeprefix("\ufeff"))
    today = today or dt.date.today()
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        yield Batch(problems=["row 1: the file is empty; the first row must be the header"])
        return
    header = [h.strip().lower() for h in header]
    start = Parsed()
    _check_header(header, start)
    numbered = enumerate(reader, start=2)
    total, clean = 0, not start.problems
    pending = start.problems
    while True:
        rows = _read_batch(numbered, size)
        if not rows:
            break
        batch = _check_batch(rows, header, today, earlier, fold=clean)
        batch.problems[:0] = pending
        pending = []
        total += batch.rows
        clean = clean and not batch.problems
        yield batch
    if total == 0 and clean:
        pending.append("row 2: the file has a header but no rows")
    if pending:
        yield Batch(problems=pending)


def parse(lines: Iterable[str] | str, today: dt.date | None = None) -> Parsed:
    """Check every row of the CSV text and fold the offers into families (all in memory)."""
    parsed = Parsed()
    for batch in parse_batches(lines, today, size=None):
        parsed.rows += batch.rows
        parsed.problems.extend(batch.problems)
        parsed.families = batch.families
    if parsed.problems:
        parsed.families = {}
    return parsed
