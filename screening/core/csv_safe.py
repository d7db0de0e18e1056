"""CSV output that spreadsheets cannot turn into formulas (CSV/formula injection).

A text cell starting with = + - @ (or a tab or carriage return, which some spreadsheets
skip before looking for those) is prefixed with an apostrophe, the OWASP remedy. Numbers
we computed ourselves are written as numbers: a float is never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """One cell as safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def write_row(writer: Any, row: Iterable[object]) -> None:
    """Write one row through a csv.writer with every cell neutralised (for streamed output)."""
    writer.writerow([cell(v) for v in row])


def dumps(rows: Iterable[Iterable[object]]) -> str:
    """Rows as CSV text with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        write_row(writer, row)
    return out.getvalue()
