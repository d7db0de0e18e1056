"""Shared WTForms pieces: choice lists and the checkbox multi-select."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping

from wtforms import SelectChoice
from wtforms import SelectMultipleField
from wtforms import widgets

# A database row id as a form posts it: digits only, and small enough for SQLite's integer.
RECORD_ID = r"^[0-9]{1,15}$"


def stripped(value: str | None) -> str:
    """Field filter: surrounding space removed; a field the post left out reads as empty."""
    return (value or "").strip()


def choices(pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs or a mapping as WTForms choices."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return [SelectChoice(value, label) for value, label in items]


class MultiCheckboxField(SelectMultipleField):
    """A multi-select shown as checkboxes (rendered by the shared field macro)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NoAutofill:
    """Form Meta mix-in: the browser keeps no copy of what is typed (PHI fields, search).

    A shared tablet's autofill would otherwise offer one family's MRN, names and phone
    numbers to the next person who types in the same field.
    """

    def render_field(self, field, render_kw):
        return super().render_field(field, {"autocomplete": "off", **render_kw})
