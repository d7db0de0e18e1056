"""Time: stored as UTC ISO-8601 text, shown to people in the unit's own zone.

A NICU runs round the clock: an alert raised at 01:45 in New York must not read "06:40", and
"today" (due lists, letters of the day, follow-up dates) turns over at the unit's midnight.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from flask import Flask
from flask import current_app
from flask import has_app_context

# Settings.Defaults.UNIT_TIMEZONE repeats this; kept here so code outside an app (the CLI's
# helpers, tests of pure functions) still gets a unit date rather than the UTC one.
DEFAULT_ZONE = "America/New_York"


def now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None = None) -> str:
    """An ISO-8601 UTC timestamp with seconds."""
    return (moment or now()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> dt.datetime:
    """Parse a timestamp written by iso()."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def zone(name: str | None = None) -> ZoneInfo:
    """The unit's zone (`UNIT_TIMEZONE`), or the named one."""
    if name is None:
        name = current_app.config.get("UNIT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def check_zone(name: str) -> str | None:
    """A problem with an IANA zone name, or None."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"UNIT_TIMEZONE {name!r} is not an IANA time zone (e.g. America/New_York)."
    return None


def today(moment: dt.datetime | None = None) -> dt.date:
    """The unit's date now (or at `moment`), not the UTC date."""
    return (moment or now()).astimezone(zone()).date()


def local(value: dt.datetime | str | None) -> dt.datetime | None:
    """A stored UTC timestamp (text or aware datetime) in the unit's zone."""
    if not value:
        return None
    moment = parse(value) if isinstance(value, str) else value
    return moment.astimezone(zone())


def shown(value: dt.datetime | str | None, with_date: bool = True) -> str:
    """'2026-03-08 01:45 EST': a stored time as a person in the unit reads it."""
    moment = local(value)
    if moment is None:
        return ""
    pattern = "%Y-%m-%d %H:%M" if with_date else "%H:%M"
    return f"{moment.strftime(pattern)} {moment.tzname()}"


def shown_date(value: dt.datetime | str | None) -> str:
    """The unit's date of a stored time (a screening done at 23:30 belongs to that day)."""
    moment = local(value)
    return moment.date().isoformat() if moment else ""


def init_app(app: Flask) -> None:
    """Jinja filters `localtime` and `localdate`; refuse to start with an unknown zone."""
    problem = check_zone(app.config.get("UNIT_TIMEZONE") or DEFAULT_ZONE)
    if problem:
        raise RuntimeError(problem)
    app.add_template_filter(shown, "localtime")
    app.add_template_filter(shown_date, "localdate")
