"""One alert per parent per screening, listing every item that raised it in the item's words."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

from .answer_sheet import Words
from .answer_sheet import in_language
from .answer_sheet import word
from .instruments import ALERT_KINDS
from .instruments import Registry
from .instruments import score_of
from .plain_reasons import item_reason


def group_alerts(
    registry: Registry,
    alerts: Iterable[Mapping[str, str]],
    answers: Mapping[str, Mapping[str, object]],
    words: Words,
    languages: Sequence[str] = ("en", "es"),
) -> dict | None:
    """The `score` alerts of one screening (one parent) as a single alert, or None.

    Two alerts for one mother (EPDS item 10 and PHQ-9 item 9) meant two notes for one
    conversation; one alert lists both items, most urgent kind first.
    """
    rank = {kind: n for n, kind in enumerate(ALERT_KINDS)}
    entries = sorted(
        dict.fromkeys((a["kind"], a["instrument"], a.get("item", "")) for a in alerts),
        key=lambda e: rank.get(e[0], len(rank)),
    )
    if not entries:
        return None
    items = []
    for kind, instrument_id, item_id in entries:
        instrument = registry.get(instrument_id)
        given = answers.get(instrument_id, {})
        if item_id:
            item = instrument.item(item_id)
            text = {lang: item_reason(item, given.get(item_id), words, lang) for lang in languages}
        else:
            text = {
                lang: _score_text(registry, instrument_id, kind, given, words, lang)
                for lang in languages
            }
        items.append({"kind": kind, "instrument": instrument_id, "item": item_id, "text": text})
    kinds = list(dict.fromkeys(kind for kind, _, _ in entries))
    return {"kind": kinds[0], "kinds": kinds, "items": items}


def _score_text(
    registry: Registry,
    instrument_id: str,
    kind: str,
    given: Mapping[str, object],
    words: Words,
    language: str,
) -> str:
    """'Safety score (4 to 20): 14' for an alert raised by a sum over several items."""
    instrument = registry.get(instrument_id)
    for alert in instrument.alerts:
        if alert.kind == kind and alert.condition.kind == "score":
            score = instrument.scores[alert.condition.name]
            title = in_language(score.title, language) if score.title else score.label
            value = score_of(instrument, score.name, given)
            return word(words, "sheet_score", language, title=title, value=value)
    return in_language(instrument.title, language)


def alert_summary(grouped: Mapping, language: str) -> str:
    """Every item of a grouped alert on one line, for the worklist and the banner."""
    return "; ".join(item["text"][language] for item in grouped["items"])
