"""Blank printable copy of an instrument, item for item as on the tablet, in English or Spanish."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable
from reportlab.platypus import HRFlowable
from reportlab.platypus import KeepTogether
from reportlab.platypus import Paragraph
from reportlab.platypus import Spacer

from . import letters

# The form's own wording (instructions, "Choose one.") is given by the caller already in
# the form's language (Flask-Babel in the referrals area); item wording comes from the
# instrument file, as on the tablet.
WORD_KEYS = (
    "record",
    "single",
    "multi",
    "number",
    "text",
    "decline",
    "source",
    "licence",
    "adapted",
    "page",
    "show_if",
    "gate",
)


def _t(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or "")
    return "" if value is None else str(value)


def _box() -> str:
    return "\u2610" if 0x2610 in letters.covered() else "[  ]"


def _condition(
    item: Any, lang: str, numbers: dict[str, int], items: dict[str, Any], words: Mapping[str, str]
) -> str:
    """When the tablet would skip this item, the same rule in words."""
    show_if = getattr(item, "show_if", None)
    if show_if is not None and show_if.item in numbers:
        options = {o.code: o for o in getattr(items[show_if.item], "options", ())}
        answers = " / ".join(
            _t(options[v].text, lang) if v in options else str(v) for v in show_if.values
        )
        return words["show_if"].format(number=numbers[show_if.item], answers=answers)
    if getattr(item, "gate", None):
        return words["gate"]
    return ""


def item_flowables(
    number: int, item: Any, lang: str, words: Mapping[str, str], condition: str = ""
) -> list[Flowable]:
    """One item: its number, text, hint, and a box per option (or a line to write on)."""
    st = letters.styles()
    parts: list[Flowable] = []
    if condition:
        parts.append(Paragraph(letters.clean(condition), st["small"]))
    parts.append(Paragraph(f"<b>{number}.</b> {letters.clean(_t(item.text, lang))}", st["body"]))
    hint = _t(getattr(item, "hint", None), lang)
    if hint:
        parts.append(Paragraph(letters.clean(hint), st["small"]))
    kind = getattr(item, "type", "single")
    box = _box()
    if kind in ("single", "multi"):
        if not hint:  # an item's own hint already says how to mark it
            parts.append(Paragraph(letters.clean(words[kind]), st["small"]))
        for option in getattr(item, "options", None) or []:
            parts.append(Paragraph(f"{box}  {letters.clean(_t(option.text, lang))}", st["detail"]))
    else:
        parts.append(Paragraph(letters.clean(words.get(kind, words["text"])), st["small"]))
        parts.append(Spacer(1, 14 if kind == "number" else 36))
        parts.append(HRFlowable(width="60%" if kind == "number" else "100%", thickness=0.5))
    parts.append(Paragraph(f"{box}  {letters.clean(words['decline'])}", st["detail"]))
    parts.append(Spacer(1, 6))
    return [KeepTogether(parts)]


def _pages(instrument: Any) -> list[list[Any]]:
    pages = instrument.pages() if hasattr(instrument, "pages") else None
    return pages or [list(instrument.items)]


def render(instrument: Any, lang: str, *, words: Mapping[str, str], unit_name: str = "") -> bytes:
    """The blank paper form of an instrument as PDF, its own wording given in `words`."""
    st = letters.styles()
    story: list[Flowable] = []
    if unit_name:
        story.append(Paragraph(letters.clean(unit_name), st["small"]))
    story.append(Paragraph(letters.clean(_t(instrument.title, lang)), st["title"]))
    story.append(Paragraph(letters.clean(words["record"]), st["small"]))
    intro = _t(getattr(instrument, "intro", None), lang)
    if intro:
        story.append(Paragraph(letters.clean(intro), st["body"]))
    story.append(HRFlowable(width="100%", thickness=1, spaceAfter=6))
    pages = _pages(instrument)
    ordered = [item for page in pages for item in page]
    numbers = {item.id: n for n, item in enumerate(ordered, start=1)}
    items = {item.id: item for item in ordered}
    titles = list(getattr(instrument, "page_titles", None) or [])
    for index, page in enumerate(pages):
        if len(pages) > 1:
            title = _t(titles[index], lang) if index < len(titles) else ""
            heading = title or f"{words['page']} {index + 1}"
            story.append(Paragraph(letters.clean(heading), st["service"]))
        for item in page:
            condition = _condition(item, lang, numbers, items, words)
            story.extend(item_flowables(numbers[item.id], item, lang, words, condition))
    footer = []
    if getattr(instrument, "wording", "") == "adapted":
        footer.append(words["adapted"])
    source = _t(getattr(instrument, "source", ""), lang)
    if source:
        footer.append(f"{words['source']}: {source}")
    licence = _t(getattr(instrument, "licence", ""), lang)
    if licence:
        footer.append(f"{words['licence']}: {licence}")
    if footer:
        story.append(HRFlowable(width="100%", thickness=0.5, spaceBefore=6))
        story.extend(Paragraph(letters.clean(line), st["small"]) for line in footer)
    return letters.build_document(story, _t(instrument.title, lang))
