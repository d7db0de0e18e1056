"""Instrument definitions as data: the model, and which items to ask given the answers so far."""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

DECLINED = "declined"

ALERT_KINDS = ("self_harm", "interpersonal_safety", "unsafe_discharge")
WANTS_HELP_CODES = ("yes", "no", "later")


@dataclass(frozen=True)
class Option:
    """One answer choice: its stored code, its text and its score (None: not scored)."""

    code: str | int
    text: dict[str, str]
    score: int | None = None
    loinc: str | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class ShowIf:
    """Ask an item only when another item's answer is one of `values`."""

    item: str
    values: tuple[str | int, ...]


@dataclass(frozen=True, eq=False)
class Item:
    """One question."""

    id: str
    type: str
    text: dict[str, str]
    options: tuple[Option, ...]
    page: int
    hint: dict[str, str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    show_if: ShowIf | None = None
    gate: str | None = None
    wants_help_for: str | None = None
    loinc: str | None = None
    # A few words naming the question, for reasons and alerts ("Food ran out").
    short: dict[str, str] | None = None

    def __post_init__(self) -> None:
        # Web forms post strings; JSON and storage keep the typed code. Index both once.
        object.__setattr__(self, "_by_raw", {str(o.code): o for o in self.options})
        object.__setattr__(self, "_by_code", {o.code: o for o in self.options})

    def option(self, raw: str) -> Option | None:
        """The option whose code, as a string, is `raw` (what a web form posts)."""
        return self._by_raw.get(raw)

    def lookup(self, code: object) -> Option | None:
        """The option with exactly this code and type (1 and "1" differ), or None."""
        if isinstance(code, bool) or not isinstance(code, str | int):
            return None
        option = self._by_code.get(code)
        return option if option is not None and type(option.code) is type(code) else None


@dataclass(frozen=True)
class Band:
    """A severity band of a score, from the instrument's manual: low..high inclusive."""

    name: str
    low: int
    high: int
    text: dict[str, str]


@dataclass(frozen=True)
class Score:
    """A named sum of option scores; `total` is the instrument total.

    `scale` names the published scale the sum is (phq2, phq9) and `bands` its severity bands.
    """

    name: str
    items: tuple[str, ...]
    label: str
    scale: str | None = None
    title: dict[str, str] | None = None
    bands: tuple[Band, ...] = ()

    def band(self, value: int) -> Band | None:
        """The band holding this value, or None when the score has no bands."""
        return next((b for b in self.bands if b.low <= value <= b.high), None)


@dataclass(frozen=True)
class Condition:
    """any_of (items, answers), score (name, op, threshold) or item_score (item, op, threshold)."""

    kind: str
    items: tuple[str, ...] = ()
    answers: frozenset = frozenset()
    name: str = ""
    op: str = ">="
    threshold: Any = 0


@dataclass(frozen=True)
class Rule:
    """Feeds one domain from one condition."""

    domain: str
    condition: Condition
    id: str | None = None
    reason: str | None = None
    positive_only: bool = False
    fallback_for: str | None = None
    tags: tuple[str, ...] = ()
    z_codes: tuple[dict, ...] = ()


@dataclass(frozen=True)
class AlertRule:
    """A safety rule: when the condition holds, raise an alert of this kind."""

    kind: str
    condition: Condition


@dataclass(frozen=True)
class Gate:
    """Items marked with this gate are asked only when the score reaches the threshold."""

    name: str
    score: str
    op: str
    threshold: Any
    bypass: str | None = None


@dataclass(frozen=True)
class DomainInfo:
    """Where a positive domain is referred, with resource tags and Z-code suggestions."""

    category: str
    tags: tuple[str, ...] = ()
    z_codes: tuple[dict, ...] = ()


@dataclass(frozen=True, eq=False)
class Instrument:
    """One questionnaire as loaded from its file."""

    id: str
    version: str
    title: dict[str, str]
    intro: dict[str, str]
    respondent: str
    items: tuple[Item, ...]
    page_titles: tuple[dict[str, str], ...]
    source: str
    licence: str
    wording: str
    validated: bool
    path: Path
    z_code_set: str = ""
    loinc: str | None = None
    settings: dict[str, int | bool] = field(default_factory=dict)
    scores: dict[str, Score] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    alerts: tuple[AlertRule, ...] = ()
    domains: dict[str, DomainInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {i.id: i for i in self.items})

    @property
    def placeholder(self) -> bool:
        """True while the file carries stand-in text (the EPDS shell): never offer it."""
        return self.wording == "placeholder"

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError if none)."""
        return self._by_id[item_id]

    def has_item(self, item_id: str) -> bool:
        """Whether the instrument has an item with this id."""
        return item_id in self._by_id

    def pages(self) -> list[list[Item]]:
        """Items grouped by page, in order."""
        grouped: list[list[Item]] = [[] for _ in self.page_titles]
        for item in self.items:
            grouped[item.page].append(item)
        return grouped

    def score_range(self, name: str = "total") -> tuple[int, int]:
        """Lowest and highest possible value of a named score."""
        low = high = 0
        for item_id in self.scores[name].items:
            values = [o.score for o in self.item(item_id).options if o.score is not None]
            low += min(values)
            high += max(values)
        return low, high


@dataclass
class Registry:
    """The instruments in force, the file each came from, and the settings they declare."""

    instruments: dict[str, Instrument]
    sources: dict[str, Path]
    settings_defaults: dict[str, object]
    domains: dict[str, DomainInfo]
    shipped: dict[str, Path] = field(default_factory=dict)
    skipped: list[Path] = field(default_factory=list)

    def get(self, instrument_id: str) -> Instrument:
        """The instrument with this id (KeyError if unknown)."""
        return self.instruments[instrument_id]


def resolve_threshold(spec: Any, respondent: str | None, settings: Mapping[str, object]) -> int:
    """A threshold as a number: a literal, a named setting, or one per respondent."""
    if isinstance(spec, int):
        return spec
    if "by_respondent" in spec:
        return resolve_threshold(spec["by_respondent"][respondent], respondent, settings)
    return int(settings[spec["setting"]])


def compare(value: int, op: str, threshold: int) -> bool:
    """value >= threshold or value > threshold."""
    return value > threshold if op == ">" else value >= threshold


def score_of(instrument: Instrument, name: str, answers: Mapping[str, object]) -> int:
    """Sum of the scores of the answered (not declined) items of a named score."""
    total = 0
    for item_id in instrument.scores[name].items:
        option = instrument.item(item_id).lookup(answers.get(item_id))
        if option is not None:
            total += option.score or 0
    return total


def gate_open(
    instrument: Instrument, gate: Gate, answers: Mapping[str, object], settings: Mapping
) -> bool:
    """Whether the gated items should be asked."""
    if gate.bypass and settings.get(gate.bypass, instrument.settings.get(gate.bypass)):
        return True
    merged = {**instrument.settings, **settings}
    threshold = resolve_threshold(gate.threshold, None, merged)
    return compare(score_of(instrument, gate.score, answers), gate.op, threshold)


def visible_items(
    instrument: Instrument, answers: Mapping[str, object], settings: Mapping | None = None
) -> list[Item]:
    """Items to ask given the answers so far: gates (PHQ-2 -> PHQ-9) and show_if follow-ups."""
    settings = settings or {}
    opened = {
        name: gate_open(instrument, gate, answers, settings)
        for name, gate in instrument.gates.items()
    }
    shown = []
    for item in instrument.items:
        if item.gate and not opened[item.gate]:
            continue
        if item.show_if and not _matches(answers.get(item.show_if.item), item.show_if.values):
            continue
        shown.append(item)
    return shown


def _matches(value: object, codes: Iterable) -> bool:
    if isinstance(value, list):
        return any(v in codes for v in value)
    return value is not None and value != DECLINED and value in codes


def describe_value(value: object) -> str:
    """A short JSON rendering of a value for error messages (never a long free text)."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _wrong_type(item: Item, value: object) -> str | None:
    """'text' or 'a number' when the value's type cannot be an answer code of the item."""
    code_is_int = isinstance(item.options[0].code, int)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return "not an answer code"
    if code_is_int and isinstance(value, str):
        return "text, but this item's codes are numbers"
    if not code_is_int and isinstance(value, int):
        return "a number, but this item's codes are text"
    return None


def answer_problem(item: Item, value: object) -> str | None:
    """Why `value` is not a valid answer to `item`, or None when it is."""
    if value == DECLINED:
        return None
    if item.type == "single":
        if item.lookup(value) is not None:
            return None
        codes = ", ".join(describe_value(o.code) for o in item.options)
        wrong_type = _wrong_type(item, value)
        if wrong_type:
            return f"wrong type: {describe_value(value)} is {wrong_type}; expected one of {codes}"
        return (
            f'{describe_value(value)} is not an answer code; expected one of {codes} or "declined"'
        )
    if item.type == "multi":
        if not isinstance(value, list) or not value:
            return 'expected a non-empty list of answer codes, or "declined"'
        codes = ", ".join(describe_value(o.code) for o in item.options)
        for code in value:
            wrong_type = _wrong_type(item, code)
            if wrong_type:
                shown = describe_value(code)
                return f"wrong type: {shown} is {wrong_type}; expected codes from {codes}"
            if item.lookup(code) is None:
                return f"{describe_value(code)} is not an answer code; expected codes from {codes}"
        if len(set(value)) != len(value):
            return "the same answer code is listed twice"
        exclusive = [c for c in value if item.lookup(c).exclusive]
        if exclusive and len(value) > 1:
            return f"{describe_value(exclusive[0])} cannot be chosen together with other answers"
        return None
    if item.type == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            return 'expected a whole number or "declined"'
        if item.minimum is not None and value < item.minimum:
            return f"{value} is below the minimum {item.minimum}"
        if item.maximum is not None and value > item.maximum:
            return f"{value} is above the maximum {item.maximum}"
        return None
    if not isinstance(value, str):
        return 'expected text or "declined"'
    return None


# ---------------------------------------------------------------- loading and checking
