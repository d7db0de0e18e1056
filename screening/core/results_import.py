"""Parse and check an `import-results` CSV (DESIGN.md): every problem by row and column.

One CSV row is one screening offer to a family; rows sharing a record_id are several offers
to the same family (one NICU admission). The parser folds them into one family row whose
flags count exactly like a family recorded in the app. Row checks are in results_rows.py.
A file of any length is read in batches (parse_batches); `parse` reads it whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

from .equity import quarter_of
from .equity import race_group
from .identifiers import DECLINE_REASONS_FAMILY
from .identifiers import DECLINE_REASONS_SYSTEM
from .identifiers import DOMAINS
from .identifiers import OUTCOMES_KNOWN
from .results_rows import check_header
from .results_rows import check_row

ASKED_HELP = frozenset({"yes", "no", "later"})
WANTS_HELP_NOW_OR_LATER = frozenset({"yes", "later"})
# Days from admission by which the social-needs screen is due (ADMISSION_SCREEN_DAYS).
ADMISSION_SCREEN_DAYS = 7
ACCEPTED_OR_LATER = frozenset({"accepted", "sent", "connected", "not_connected"})
SENT_OR_LATER = frozenset({"sent", "connected", "not_connected"})
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


@dataclass
class Parsed:
    """The outcome: family rows ready to store, or the problems that reject the file."""

    rows: int = 0
    families: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


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


BATCH_ROWS = 5000


@dataclass
class Seen:
    """What earlier rows said about one record_id: kept across batches, so an offer is
    checked against its family's first row wherever in the file that row was."""

    first_row: int
    race: tuple[str, ...]
    language: str
    insurance: str
    first_day: str
    first_day_row: int
    admitted_on: str = ""
    admitted_row: int = 0
    # Folded in more than one batch: its stored row is a merge whose derived flags the
    # store must recompute, as for a second import of the same record_id.
    merged: bool = False


class Ledger(Protocol):
    """Where the record_ids met in earlier batches stand (in memory, or a table)."""

    def earlier(self, record_ids: list[str]) -> dict[str, Seen]: ...

    def remember(self, seen: dict[str, Seen]) -> None: ...

    def late_admissions(self) -> Iterable[tuple[int, int]]:
        """(admitted_on row, first offer row) per record admitted after its first offer,
        in order of the admitted_on row."""
        ...


class MemoryLedger:
    """The ledger as a dict: right for a file that is parsed whole anyway."""

    def __init__(self) -> None:
        self.seen: dict[str, Seen] = {}

    def earlier(self, record_ids: list[str]) -> dict[str, Seen]:
        return {r: self.seen[r] for r in record_ids if r in self.seen}

    def remember(self, seen: dict[str, Seen]) -> None:
        self.seen.update(seen)

    def late_admissions(self) -> list[tuple[int, int]]:
        return sorted(
            (s.admitted_row, s.first_day_row)
            for s in self.seen.values()
            if s.admitted_on and s.admitted_on > s.first_day
        )


@dataclass
class Batch:
    """Consecutive rows of the file: their problems, and their offers folded into families
    (only while the file is clean so far). `fresh` lists the record_ids first met here."""

    rows: int = 0
    families: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    fresh: list[str] = field(default_factory=list)


def _read_rows(numbered: Iterator[tuple[int, list[str]]], size: int | None) -> list:
    rows = []
    for n, values in numbered:
        if any(v.strip() for v in values):
            rows.append((n, values))
            if size is not None and len(rows) >= size:
                break
    return rows


def _same_family(n: int, offer: dict, seen: Seen, problems: list[str]) -> None:
    for column, value, first in (
        ("race_ethnicity", offer["race"], seen.race),
        ("language", offer["language"], seen.language),
        ("insurance", offer["insurance"], seen.insurance),
    ):
        if value != first:
            problems.append(
                f"row {n}, column {column}: differs from row {seen.first_row}, "
                "an earlier offer to the same record_id"
            )


def _see_admission(n: int, offer: dict, seen: Seen, problems: list[str]) -> None:
    """One admission per record_id: its offers agree on it (none may precede it: checked
    once the whole file is read, by Ledger.late_admissions)."""
    if offer["admitted_on"]:
        if not seen.admitted_on:
            seen.admitted_on, seen.admitted_row = offer["admitted_on"], n
        elif seen.admitted_on != offer["admitted_on"]:
            problems.append(
                f"row {n}, column admitted_on: differs from row {seen.admitted_row}, "
                "an earlier offer to the same record_id"
            )
    if offer["screened_on"] < seen.first_day:
        seen.first_day, seen.first_day_row = offer["screened_on"], n


def _check_batch(
    rows: list,
    header: list[str],
    today: dt.date,
    ledger: Ledger,
    key: Callable[[str], str] | None,
    fold: bool,
) -> Batch:
    # Rows are checked first so the ledger is asked once per batch; problems are then
    # listed in row order, as a spreadsheet user reads them.
    batch = Batch(rows=len(rows))
    checked = []
    for n, values in rows:
        row_problems: list[str] = []
        offer = None
        if len(values) != len(header):
            row_problems.append(
                f"row {n}: has {len(values)} cells but the header has {len(header)}"
            )
        else:
            offer = check_row(n, dict(zip(header, values, strict=True)), today, row_problems)
        if offer is not None and key is not None:
            offer["record_id"] = key(offer["record_id"])
        checked.append((n, offer, row_problems))
    ids = list(dict.fromkeys(o["record_id"] for _n, o, _p in checked if o is not None))
    known = ledger.earlier(ids) if ids else {}
    before = set(known)
    touched: dict[str, Seen] = {}
    for n, offer, row_problems in checked:
        batch.problems.extend(row_problems)
        if offer is None:
            continue
        record_id = offer["record_id"]
        seen = known.get(record_id)
        if seen is None:
            seen = Seen(
                n, offer["race"], offer["language"], offer["insurance"], offer["screened_on"], n
            )
            known[record_id] = seen
            batch.fresh.append(record_id)
        else:
            _same_family(n, offer, seen, batch.problems)
            seen.merged = seen.merged or record_id in before
        _see_admission(n, offer, seen, batch.problems)
        touched[record_id] = seen
        if fold and not batch.problems:
            _fold(offer, batch.families, n)
    ledger.remember(touched)
    return batch


def parse_batches(
    lines: Iterable[str] | str,
    today: dt.date | None = None,
    *,
    admission_days: int = ADMISSION_SCREEN_DAYS,
    size: int | None = BATCH_ROWS,
    ledger: Ledger | None = None,
    key: Callable[[str], str] | None = None,
) -> Iterator[Batch]:
    """Check the CSV `size` rows at a time, so a file of any length holds one batch in memory.

    `ledger` carries what earlier batches said about each record_id (a table, for a long
    file); `key` replaces each record_id as soon as its row is read, so nothing downstream
    (ledger, families) holds the identifiers sites type into that column. A record_id's
    offers in several batches arrive as several partial families (`Seen.merged`) for the
    store to merge. After the first problem, batches carry problems only: the file will be
    rejected whole.
    """
    if isinstance(lines, str):
        lines = io.StringIO(lines.removeprefix("\ufeff"))
    today = today or dt.date.today()
    ledger = MemoryLedger() if ledger is None else ledger
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        yield Batch(problems=["row 1: the file is empty; the first row must be the header"])
        return
    header = [h.strip().lower() for h in header]
    pending: list[str] = []
    check_header(header, pending)
    clean, total = not pending, 0
    numbered = enumerate(reader, start=2)
    while rows := _read_rows(numbered, size):
        batch = _check_batch(rows, header, today, ledger, key, clean)
        batch.problems[:0] = pending
        pending = []
        for fam in batch.families.values():
            _finish(fam, admission_days)
        total += batch.rows
        clean = clean and not batch.problems
        yield batch
    for admitted_row, first_row in ledger.late_admissions():
        pending.append(
            f"row {admitted_row}, column admitted_on: is after screened_on in row {first_row}, "
            "an offer to the same record_id"
        )
    if total == 0 and clean and not pending:
        pending.append("row 2: the file has a header but no rows")
    if pending:
        yield Batch(problems=pending)


def parse(
    lines: Iterable[str] | str,
    today: dt.date | None = None,
    *,
    admission_days: int = ADMISSION_SCREEN_DAYS,
) -> Parsed:
    """Check every row of the CSV text and fold the offers into families (all in memory)."""
    parsed = Parsed()
    for batch in parse_batches(lines, today, admission_days=admission_days, size=None):
        parsed.rows += batch.rows
        parsed.problems.extend(batch.problems)
        parsed.families.update(batch.families)
    if parsed.problems:
        parsed.families = {}
    return parsed
