"""The answer sheet: every question of an instrument with the answer in words, for staff review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .instruments import DECLINED
from .instruments import Instrument
from .instruments import Item
from .instruments import gate_open
from .instruments import visible_items
from .scales import reported
from .scales import scale_fields
from .scales import unanswered

# ui.yaml `text` entries: {key: {language: text}}.
Words = Mapping[str, Mapping[str, str]]

ANSWERED = "answered"
DECLINED_STATE = "declined"
NOT_ANSWERED = "not_answered"
GATE_CLOSED = "gate_closed"


@dataclass(frozen=True)
class Line:
    """One question: its number on the form, its text and the answer in words, per language."""

    item: str
    number: int | None
    question: dict[str, str]
    answer: dict[str, str]
    state: str
    follow_up: bool = False


@dataclass(frozen=True)
class Sheet:
    """An instrument's answers, in the languages asked for (staff language first)."""

    instrument: str
    title: dict[str, str]
    languages: tuple[str, ...]
    lines: tuple[Line, ...]
    score: dict[str, str] | None


def in_language(texts: Mapping[str, str] | None, language: str) -> str:
    """A text in a language, English when the file has none in it."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


def word(words: Words, key: str, language: str, **values: object) -> str:
    """A ui.yaml text with its {placeholders} filled."""
    return in_language(words[key], language).format(**values)


def answer_words(item: Item, value: object, language: str) -> str:
    """What an answer says, in words: option texts, a number, or the parent's own text."""
    if isinstance(value, list):
        return "; ".join(answer_words(item, v, language) for v in value)
    option = item.lookup(value)
    if option is not None:
        return in_language(option.text, language)
    return str(value)


def numbers(instrument: Instrument) -> dict[str, int]:
    """Question numbers as on the standard's form: help follow-ups are this product's and
    unnumbered, so PHQ-9 item 9 stays item 9."""
    standard = [i for i in instrument.items if not i.wants_help_for]
    return {item.id: n for n, item in enumerate(standard, start=1)}


def answer_sheet(
    instrument: Instrument,
    answers: Mapping[str, object],
    words: Words,
    language: str,
    second: str | None = None,
    settings: Mapping[str, object] | None = None,
) -> Sheet:
    """Every question with its answer in `language` (and `second` beside it, when given).

    Declined and unanswered questions are marked, and questions a closed gate kept unasked
    say so. Follow-ups that did not apply (help with a need the family does not have) are
    left out: they were never questions for this family.
    """
    merged = {**instrument.settings, **(settings or {})}
    languages = (language,) if not second or second == language else (language, second)
    visible = {i.id for i in visible_items(instrument, answers, merged)}
    closed = {
        name
        for name, gate in instrument.gates.items()
        if not gate_open(instrument, gate, answers, merged)
    }
    numbered = numbers(instrument)
    lines = []
    for item in instrument.items:
        value = answers.get(item.id)
        number = numbered.get(item.id)
        if value is not None:
            state = DECLINED_STATE if value == DECLINED else ANSWERED
        elif item.gate in closed:
            state = GATE_CLOSED
        elif item.id in visible:
            state = NOT_ANSWERED
        else:
            continue
        answer = {lang: _answer(item, value, state, number, words, lang) for lang in languages}
        question = {lang: in_language(item.text, lang) for lang in languages}
        lines.append(
            Line(item.id, number, question, answer, state, follow_up=bool(item.wants_help_for))
        )
    return Sheet(
        instrument.id,
        {lang: in_language(instrument.title, lang) for lang in languages},
        languages,
        tuple(lines),
        score_words(instrument, answers, words, languages, merged),
    )


def _answer(
    item: Item, value: object, state: str, number: int | None, words: Words, language: str
) -> str:
    if state == ANSWERED:
        return answer_words(item, value, language)
    if state == DECLINED_STATE:
        return word(words, "sheet_declined", language)
    if state == GATE_CLOSED:
        return word(words, "sheet_gate_closed", language, n=number)
    return word(words, "sheet_not_answered", language)


def score_words(
    instrument: Instrument,
    answers: Mapping[str, object],
    words: Words,
    languages: tuple[str, ...],
    settings: Mapping[str, object],
) -> dict[str, str] | None:
    """'PHQ-9 score: 12 (Moderate)' or 'PHQ-2 score: 2' per language; None without a total.

    The band shows only on a complete scale, as in the `score` JSON.
    """
    shown = reported(instrument, answers, settings)
    if shown.score is None or shown.score.title is None:
        return None
    visible = {i.id for i in visible_items(instrument, answers, settings)}
    missing, declined = unanswered(instrument, answers, visible)
    fields = scale_fields(instrument, answers, settings, not missing and not declined)
    value = fields["total"]
    if value is None:
        return None
    band = next((b for b in shown.score.bands if b.name == fields["band"]), None)
    result = {}
    for lang in languages:
        title = in_language(shown.score.title, lang)
        if band is None:
            result[lang] = word(words, "sheet_score", lang, title=title, value=value)
        else:
            band_text = in_language(band.text, lang)
            result[lang] = word(
                words, "sheet_score_band", lang, title=title, value=value, band=band_text
            )
    return result
