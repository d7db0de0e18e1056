"""Value checks for HSDS cells, by the descriptor's type and format, and the spec's code lists."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable

import screening.core.hsds.spec as spec

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _date(value: str) -> bool:
    try:
        return bool(_DATE.match(value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def _datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value or " " in value


_BY_TYPE: dict[str, Callable[[str], object]] = {
    "number": _number,
    "date": _date,
    "datetime": _datetime,
    "time": _TIME.match,
}
_BY_FORMAT: dict[str, Callable[[str], object]] = {
    "uuid": is_uuid,
    "email": _EMAIL.match,
    "uri": _URI.match,
}
_WORDS = {
    "number": "a number",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (ISO 8601)",
    "time": "a time (HH:MM:SS)",
    "uuid": "a UUID",
    "email": "an email address",
    "uri": "a URL with a scheme (https://...)",
}


def cell_problem(table: spec.Table, column: str, value: str) -> str | None:
    """Why a non-empty cell breaks its column's type, format or code list; None when fine."""
    if not value:
        return None
    col = table.column(column)
    if col is None:
        return None
    kind = col.type if col.type != "string" else (col.format or "")
    check = _BY_TYPE.get(kind) or _BY_FORMAT.get(kind)
    if check is not None and not check(value):
        return f"{value!r:.60} is not {_WORDS[kind]}"
    allowed = {
        ("services", "status"): spec.SERVICE_STATUSES,
        ("locations", "location_type"): spec.LOCATION_TYPES,
        ("addresses", "address_type"): spec.ADDRESS_TYPES,
    }.get((table.stem, column))
    if allowed and value not in allowed:
        return f"{value!r:.60} is not one of {', '.join(allowed)}"
    if (table.stem, column) == ("languages", "code") and not LANGUAGE_CODE.match(value.lower()):
        return f"{value!r:.60} is not an ISO 639-1 or 639-3 code"
    return None


def as_number(value: str) -> int | float:
    """A number cell as a number (integers stay integers, so '100' is written back as 100)."""
    number = float(value)
    return (
        int(number)
        if number.is_integer() and "." not in value and "e" not in value.lower()
        else number
    )
