"""Reporting periods in whole calendar months (DESIGN.md "Quality and equity reporting").

A period that starts or ends mid-month could be narrowed to a single day and single out the
one family admitted on it, so every bound snaps outward to the month that contains it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class PeriodError(ValueError):
    """A bound the user typed that is not a usable period; the message is one line."""


def _month(text: str, option: str) -> tuple[int, int]:
    text = text.strip()
    found = _MONTH.match(text) or _DAY.match(text)
    if not found:
        raise PeriodError(f"{option}: use YYYY-MM or YYYY-MM-DD")
    try:
        dt.date.fromisoformat(text if _DAY.match(text) else f"{text}-01")
    except ValueError:
        raise PeriodError(f"{option}: not a real date") from None
    return int(found.group(1)), int(found.group(2))


def first_day(year: int, month: int) -> dt.date:
    """The first day of a calendar month."""
    return dt.date(year, month, 1)


def last_day(year: int, month: int) -> dt.date:
    """The last day of a calendar month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_key(day: dt.date | str) -> str:
    """'2026-05-14' (or a date) -> '2026-05'."""
    return (day.isoformat() if isinstance(day, dt.date) else day)[:7]


def snap_period(
    start: str | None,
    end: str | None,
    today: dt.date,
    *,
    options: tuple[str, str] = ("--from", "--to"),
) -> tuple[str | None, str | None]:
    """The first day of `start`'s month and the last day of `end`'s month (ISO dates).

    Refuses (PeriodError) a malformed bound, a start after the end, and a period that begins
    after the current month or ends in a later month than the current one.
    """
    current = (today.year, today.month)
    lo = _month(start, options[0]) if start else None
    hi = _month(end, options[1]) if end else None
    if lo and lo > current:
        raise PeriodError(f"{options[0]}: the period starts in the future")
    if hi and hi > current:
        raise PeriodError(f"{options[1]}: the period ends in the future")
    if lo and hi and lo > hi:
        raise PeriodError(f"{options[0]} is after {options[1]}")
    return (
        first_day(*lo).isoformat() if lo else None,
        last_day(*hi).isoformat() if hi else None,
    )


def month_range(first: str, last: str) -> list[str]:
    """Every month 'YYYY-MM' from first to last inclusive (empty when reversed)."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last[:7]:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
