"""A page count that does not grow while the parent answers, and minutes left.

Pages appear as gates open and follow-ups apply, so counting only the pages shown so far
makes "Part 3 of 12" become "of 13, of 14". Here every page that may still appear counts
from the start; the count can only fall (a gate that can no longer open, a "no" that needs
no follow-up).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Mapping

from .instruments import DECLINED
from .instruments import Gate
from .instruments import Instrument
from .instruments import Item
from .instruments import Registry
from .instruments import compare
from .instruments import gate_open
from .instruments import resolve_threshold
from .instruments import score_of

# A bedside estimate: one tap question with reading time, interpreter pauses aside.
SECONDS_PER_QUESTION = 15


def may_open(
    instrument: Instrument, gate: Gate, answers: Mapping[str, object], settings: Mapping
) -> bool:
    """Whether the gate is open, or still can open if the unanswered items score their most."""
    if gate_open(instrument, gate, answers, settings):
        return True
    best = score_of(instrument, gate.score, answers)
    for item_id in instrument.scores[gate.score].items:
        if answers.get(item_id) is None:
            best += max(o.score or 0 for o in instrument.item(item_id).options)
    threshold = resolve_threshold(gate.threshold, None, {**instrument.settings, **settings})
    return compare(best, gate.op, threshold)


def possible_items(
    instrument: Instrument, answers: Mapping[str, object], settings: Mapping | None = None
) -> list[Item]:
    """Items asked now or that later answers may still bring up."""
    settings = settings or {}
    opening = {
        name: may_open(instrument, gate, answers, settings)
        for name, gate in instrument.gates.items()
    }
    possible: set[str] = set()
    kept = []
    for item in instrument.items:
        if item.gate and not opening[item.gate]:
            continue
        if item.show_if:
            target = answers.get(item.show_if.item)
            if target is None:
                # Unanswered: the follow-up may still come, if its question may be asked.
                if item.show_if.item not in possible:
                    continue
            else:
                chosen = target if isinstance(target, list) else [target]
                if target == DECLINED or not set(chosen) & set(item.show_if.values):
                    continue
        possible.add(item.id)
        kept.append(item)
    return kept


def page_count(
    registry: Registry,
    instrument_ids: Iterable[str],
    answers: Mapping[str, Mapping[str, object]],
    settings: Mapping | None = None,
) -> int:
    """Pages of the whole screening that are shown or may still be shown."""
    total = 0
    for instrument_id in instrument_ids:
        instrument = registry.get(instrument_id)
        possible = {
            i.id for i in possible_items(instrument, answers.get(instrument_id, {}), settings)
        }
        total += sum(1 for page in instrument.pages() if any(i.id in possible for i in page))
    return total


def minutes_left(
    registry: Registry,
    instrument_ids: Iterable[str],
    answers: Mapping[str, Mapping[str, object]],
    settings: Mapping | None = None,
    seconds_per_question: int = SECONDS_PER_QUESTION,
) -> int:
    """About how many minutes the questions still to answer take (0 when none are left)."""
    left = 0
    for instrument_id in instrument_ids:
        given = answers.get(instrument_id, {})
        instrument = registry.get(instrument_id)
        left += sum(1 for i in possible_items(instrument, given, settings) if i.id not in given)
    return math.ceil(left * seconds_per_question / 60)
