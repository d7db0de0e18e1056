"""Which published scale an instrument's score is (PHQ-2 or PHQ-9), and its severity band."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .instruments import DECLINED
from .instruments import Instrument
from .instruments import Score
from .instruments import gate_open
from .instruments import score_of


@dataclass(frozen=True)
class Reported:
    """The score an instrument reports: the scale's name and the score it is computed from."""

    scale: str
    score: Score | None
    gate_closed: bool = False


def reported(
    instrument: Instrument, answers: Mapping[str, object], settings: Mapping[str, object]
) -> Reported:
    """The instrument total, or, when a gate keeps part of it unasked, the gate's own score.

    A closed PHQ-2 gate means only two items were asked: calling their sum a PHQ-9 total
    would put a two-item score on a 27-point scale a clinician reads as "minimal".
    """
    total = instrument.scores.get("total")
    if total is None:
        return Reported(instrument.id, None)
    for gate in instrument.gates.values():
        hides_total = any(instrument.item(i).gate == gate.name for i in total.items)
        if hides_total and not gate_open(instrument, gate, answers, settings):
            own = instrument.scores[gate.score]
            return Reported(own.scale or gate.score, own, gate_closed=True)
    return Reported(total.scale or instrument.id, total)


def scale_fields(
    instrument: Instrument,
    answers: Mapping[str, object],
    settings: Mapping[str, object],
    complete: bool,
) -> dict[str, object]:
    """`total`, `scale` and `band` of the `score` JSON for one instrument."""
    shown = reported(instrument, answers, settings)
    if shown.score is None:
        return {"total": None, "scale": shown.scale, "band": None}
    answered = any(instrument.item(i).lookup(answers.get(i)) for i in shown.score.items)
    value = score_of(instrument, shown.score.name, answers) if answered else None
    band = shown.score.band(value) if complete and value is not None else None
    return {"total": value, "scale": shown.scale, "band": band.name if band else None}


def unanswered(
    instrument: Instrument, answers: Mapping[str, object], visible: set[str]
) -> tuple[list[str], list[str]]:
    """The standard's items asked but not answered, and those declined.

    "Would you like help?" follow-ups are this product's addition, not the standard's items:
    an unanswered one shows as wants_help "not_asked", never as an incomplete instrument.
    """
    scored = [i for i in instrument.items if not i.wants_help_for]
    missing = [i.id for i in scored if i.id in visible and answers.get(i.id) is None]
    declined = [i.id for i in scored if answers.get(i.id) == DECLINED]
    return missing, declined


def band_problems(score: Score, full_range: tuple[int, int]) -> list[str]:
    """Why a score's bands do not tile its whole range exactly once; [] when they do."""
    problems = []
    names = [b.name for b in score.bands]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"band {name!r} is listed twice")
    expected = full_range[0]
    for band in sorted(score.bands, key=lambda b: b.low):
        if band.low > band.high:
            problems.append(f"band {band.name!r}: min {band.low} is above max {band.high}")
        if band.low > expected:
            problems.append(f"no band covers {expected}-{band.low - 1}")
        elif band.low < expected:
            problems.append(f"band {band.name!r} overlaps the band before it at {band.low}")
        expected = max(expected, band.high + 1)
    if expected <= full_range[1]:
        problems.append(f"no band covers {expected}-{full_range[1]}")
    elif expected > full_range[1] + 1:
        problems.append(f"bands go past the highest possible score {full_range[1]}")
    return problems
