"""Reasons for each domain in plain words ("Food ran out: often true"), for people to read.

The machine `reasons` of the `score` JSON (`ahc_3 = LA28397-0`) stay as they are for scripts;
these are built from the same rule verdicts, in the item's own words and the option's text.
"""

from __future__ import annotations

from collections.abc import Mapping

from .answer_sheet import Words
from .answer_sheet import answer_words
from .answer_sheet import in_language
from .answer_sheet import word
from .instruments import DECLINED
from .instruments import Condition
from .instruments import Instrument
from .instruments import Item
from .instruments import Registry
from .instruments import score_of
from .scoring import Verdict


def item_label(item: Item, language: str) -> str:
    """The question's few-word name, or its full text when the file gives none."""
    return in_language(item.short or item.text, language)


def inline(text: str) -> str:
    """'Often true' -> 'often true' after a colon; 'I have...' and 'PHQ-9' keep their case."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def item_reason(item: Item, value: object, words: Words, language: str) -> str:
    """'Food ran out: often true', or 'Food ran out: declined to answer'."""
    if value == DECLINED:
        shown = inline(word(words, "sheet_declined", language))
    else:
        chosen = value if isinstance(value, list) else [value]
        shown = ", ".join(inline(answer_words(item, c, language)) for c in chosen)
    return f"{item_label(item, language)}: {shown}"


def plain_reasons(
    registry: Registry,
    result: Mapping,
    verdicts: list[Verdict],
    answers: Mapping[str, Mapping[str, object]],
    words: Words,
    language: str,
) -> dict[str, list[str]]:
    """{domain: [reason in words]} for positive and declined domains; [] for the others.

    `result` and `verdicts` come from one `score_explained` call on the same answers.
    """
    out: dict[str, list[str]] = {}
    for domain, outcome in result["domains"].items():
        lines: list[str] = []
        for verdict in verdicts:
            if verdict.rule.domain != domain or verdict.status != outcome["status"]:
                continue
            instrument = registry.get(verdict.instrument)
            given = answers.get(verdict.instrument, {})
            if verdict.status == "positive":
                lines.extend(
                    _positive(
                        instrument,
                        verdict.rule.condition,
                        given,
                        result["instruments"].get(verdict.instrument, {}),
                        words,
                        language,
                    )
                )
            elif verdict.status == "declined":
                for item_id in _items(instrument, verdict.rule.condition):
                    if given.get(item_id) == DECLINED:
                        lines.append(
                            item_reason(instrument.item(item_id), DECLINED, words, language)
                        )
        out[domain] = list(dict.fromkeys(lines))
    return out


def _items(instrument: Instrument, condition: Condition) -> tuple[str, ...]:
    if condition.kind == "score":
        return instrument.scores[condition.name].items
    return condition.items


def _positive(
    instrument: Instrument,
    condition: Condition,
    given: Mapping[str, object],
    reported: Mapping,
    words: Words,
    language: str,
) -> list[str]:
    if condition.kind == "score":
        return [_score_line(instrument, condition.name, given, reported, words, language)]
    lines = []
    for item_id in condition.items:
        item = instrument.item(item_id)
        value = given.get(item_id)
        if condition.kind == "any_of":
            chosen = value if isinstance(value, list) else [value]
            matched = [c for c in chosen if c in condition.answers and item.lookup(c)]
            if matched:
                lines.append(item_reason(item, matched, words, language))
        elif item.lookup(value) is not None:
            # A positive item_score verdict already means this one item's answer crossed it.
            lines.append(item_reason(item, value, words, language))
    return lines


def _score_line(
    instrument: Instrument,
    name: str,
    given: Mapping[str, object],
    reported: Mapping,
    words: Words,
    language: str,
) -> str:
    """'PHQ-9 score: 14 (moderate)'; the band only when this score is the reported scale."""
    score = instrument.scores[name]
    title = in_language(score.title, language) if score.title else score.label
    value = score_of(instrument, name, given)
    scale = score.scale or (instrument.id if name == "total" else name)
    band = score.band(value) if reported.get("band") and reported.get("scale") == scale else None
    if band is None:
        return word(words, "sheet_score", language, title=title, value=value)
    shown = inline(in_language(band.text, language))
    return word(words, "sheet_score_band", language, title=title, value=value, band=shown)
