"""Figures as managers read them, in the page's language (Babel: "76.9%", "76,9 %").

The CSV and JSON keep plain numbers; these strings are for pages and the PDFs only.
"""

from __future__ import annotations

import copy

from babel.numbers import NumberPattern
from babel.numbers import parse_pattern
from flask_babel import format_decimal
from flask_babel import format_percent
from flask_babel import get_locale


def _percent_pattern(digits: int) -> NumberPattern:
    # The locale's own percent layout ("#,##0 %" in Spanish), with a fixed number of decimals.
    locale = get_locale()
    pattern = copy.copy(locale.percent_formats[None] if locale else parse_pattern("#,##0%"))
    pattern.frac_prec = (digits, digits)
    return pattern


def percent(value: float | None, digits: int = 1) -> str:
    """A rate (0.769) as a percentage ("76.9%"); empty when there is no rate."""
    if value is None:
        return ""
    return format_percent(value, format=_percent_pattern(digits))


def count(value: int) -> str:
    """A whole number with the locale's grouping ("1,234", "1.234")."""
    return format_decimal(value)


def decimal(value: float, digits: int = 2) -> str:
    """A ratio with a fixed number of decimals ("1.05", "1,05")."""
    return format_decimal(value, format="0." + "0" * digits)


def signed(value: float, digits: int = 1) -> str:
    """A signed difference with its decimal mark in the locale's style ("+3.2", "-1,0")."""
    return format_decimal(value, format=f"+0.{'0' * digits};-0.{'0' * digits}")
