"""UTC timestamps stored as ISO-8601 text."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None = None) -> str:
    """An ISO-8601 UTC timestamp with seconds."""
    return (moment or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> dt.datetime:
    """Parse a timestamp written by iso()."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def today() -> dt.date:
    """Today's date in UTC."""
    return now().date()
