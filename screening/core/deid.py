"""De-identified extract rows under HIPAA Safe Harbor (45 CFR 164.514(b)(2)).

Kept: coded group values, screening and referral flags, the year of the index date, the
3-digit ZIP (000 where the 3-digit area has 20,000 people or fewer). Dropped: names, MRNs,
phone numbers, full dates, free text, record ids and database ids. Each export numbers its
rows afresh after a random shuffle, so a row number links to nothing outside the file and
the order does not follow admission order or ids.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping

from .identifiers import DOMAINS

# HHS de-identification guidance (2012, Census 2000): the 3-digit ZIP areas with 20,000 or
# fewer people, which Safe Harbor requires to be reported as 000.
RESTRICTED_ZIP3 = frozenset(
    "036 059 102 203 205 369 556 692 753 772 821 823 878 879 884 893".split()
)
_ZIP = re.compile(r"^(\d{3})\d{2}(?:-?\d{4})?$")

COLUMNS = (
    "row",
    "index_year",
    "race_ethnicity",
    "language",
    "insurance",
    "interpreter_needed",
    "zip3",
    "screened",
    "declined",
    "positive_any",
    *(f"domain_{d}" for d in DOMAINS),
    "referred",
    "referral_sent",
    "connected",
)


def zip3(zip_code: str | None) -> str:
    """The first three ZIP digits, 000 for small areas, empty when not a US ZIP."""
    match = _ZIP.match((zip_code or "").strip())
    if not match:
        return ""
    prefix = match.group(1)
    return "000" if prefix in RESTRICTED_ZIP3 else prefix


def _yes(value: object) -> str:
    return "yes" if value else "no"


def extract_row(family: Mapping) -> dict[str, str]:
    """One family's Safe Harbor row, without its row number."""
    index = str(family.get("index_date") or "")
    interpreter = family.get("interpreter_needed")
    row = {
        "index_year": index[:4] if re.match(r"^\d{4}", index) else "",
        "race_ethnicity": str(family["race_ethnicity"]),
        "language": str(family["language"]),
        "insurance": str(family["insurance"]),
        "interpreter_needed": "" if interpreter is None else _yes(interpreter),
        "zip3": zip3(family.get("zip")),
        "screened": _yes(family["screened"]),
        "declined": _yes(family["declined"]),
        "positive_any": _yes(family["positive_any"]),
    }
    for d in DOMAINS:
        if family.get(f"pos_{d}"):
            row[f"domain_{d}"] = "positive"
        elif family.get(f"ask_{d}"):
            row[f"domain_{d}"] = "negative"
        else:
            row[f"domain_{d}"] = "not_asked"
    row["referred"] = _yes(family["referred"])
    row["referral_sent"] = _yes(family["sent"])
    row["connected"] = _yes(family["connected"])
    return row


def extract_rows(families: Iterable[Mapping]) -> Iterator[dict]:
    """Safe Harbor rows numbered 1..n in the order given, one at a time (for streamed
    exports); the caller supplies them already shuffled (e.g. ORDER BY random())."""
    for i, family in enumerate(families, start=1):
        yield {"row": i, **extract_row(family)}


def extract(families: Iterable[Mapping], rng: random.Random | None = None) -> list[dict]:
    """Safe Harbor rows in random order, numbered 1..n for this export only."""
    rows = [extract_row(f) for f in families]
    (rng or secrets.SystemRandom()).shuffle(rows)
    return [{"row": i, **row} for i, row in enumerate(rows, start=1)]
