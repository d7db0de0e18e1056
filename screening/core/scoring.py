"""Score answers against the rules in the instrument files; validate `score` input."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .identifiers import DOMAINS
from .identifiers import RESPONDENTS
from .instruments import DECLINED
from .instruments import Condition
from .instruments import Instrument
from .instruments import Registry
from .instruments import Rule
from .instruments import answer_problem
from .instruments import compare
from .instruments import describe_value
from .instruments import resolve_threshold
from .instruments import visible_items
from .scales import scale_fields
from .scales import unanswered

PAYLOAD_KEYS = ("respondent", "language", "answers")
# Several rules can speak about one domain; the most informative status wins.
STATUS_ORDER = ("positive", "declined", "not_asked", "negative")
HELP_ORDER = ("yes", "later", "no")
NEGATED = {">=": "<", ">": "<="}
_DOMAIN_RANK = {d: n for n, d in enumerate(DOMAINS)}
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Verdict:
    """What one rule of one instrument said about its domain."""

    instrument: str
    rule: Rule
    status: str


class _Sum:
    """A named score over what was asked or answered: value, and what is missing or declined."""

    __slots__ = ("value", "answered", "missing", "declined")

    def __init__(self) -> None:
        self.value = 0
        self.answered = 0
        self.missing: list[str] = []
        self.declined: list[str] = []


def score(
    registry: Registry,
    respondent: str,
    answers: Mapping[str, Mapping[str, object]],
    settings: Mapping[str, object] | None = None,
) -> dict:
    """Score valid answers ({instrument: {item: value}}) into the DESIGN.md result shape."""
    return score_explained(registry, respondent, answers, settings)[0]


def score_explained(
    registry: Registry,
    respondent: str,
    answers: Mapping[str, Mapping[str, object]],
    settings: Mapping[str, object] | None = None,
) -> tuple[dict, list[Verdict]]:
    """The `score` result, and the verdict of every rule that counted towards a domain.

    The verdicts let reasons be told in words from the very rules that decided, rather than
    from a second reading of the answers that could disagree with the score.
    """
    merged = {**registry.settings_defaults, **(settings or {})}
    instruments_out: dict[str, dict] = {}
    explained: list[Verdict] = []
    verdicts: dict[str, list[tuple[str, list[str]]]] = {}
    help_answers: dict[str, list[str]] = {}
    positive_rules: dict[str, list[Rule]] = {}
    alerts: list[dict] = []
    for instrument_id, given in answers.items():
        instrument = registry.get(instrument_id)
        visible = {i.id for i in visible_items(instrument, given, merged)}
        sums = {
            name: _sum(instrument, s.items, given, visible) for name, s in instrument.scores.items()
        }
        instruments_out[instrument_id] = _instrument_result(
            instrument, given, visible, sums, merged
        )
        decided: dict[str, str] = {}
        for rule in sorted(instrument.rules, key=lambda r: r.fallback_for is not None):
            if rule.fallback_for and decided.get(rule.fallback_for) in ("positive", "negative"):
                continue
            verdict = _evaluate(
                instrument, rule.condition, given, visible, sums, respondent, merged
            )
            if rule.id:
                decided[rule.id] = verdict[0] if verdict else "not_asked"
            if verdict is None or (rule.positive_only and verdict[0] != "positive"):
                continue
            status, reasons = verdict
            if status == "positive" and rule.reason:
                reasons = [f"{rule.reason} ({r})" for r in reasons]
            verdicts.setdefault(rule.domain, []).append((status, reasons))
            explained.append(Verdict(instrument_id, rule, status))
            if status == "positive":
                positive_rules.setdefault(rule.domain, []).append(rule)
        for domain in instrument.domains:
            verdicts.setdefault(domain, [])
        for item in instrument.items:
            if item.wants_help_for and item.id in visible:
                value = given.get(item.id)
                if value in HELP_ORDER:
                    help_answers.setdefault(item.wants_help_for, []).append(value)
        for alert in instrument.alerts:
            verdict = _evaluate(
                instrument, alert.condition, given, visible, sums, respondent, merged
            )
            if verdict and verdict[0] == "positive":
                entry = {
                    "kind": alert.kind,
                    "instrument": instrument_id,
                    "item": _alert_item(alert.condition, given),
                }
                if entry not in alerts:
                    alerts.append(entry)
    domains_out: dict[str, dict] = {}
    referrals: list[dict] = []
    z_codes: list[dict] = []
    for domain in sorted(verdicts, key=lambda d: _DOMAIN_RANK.get(d, len(DOMAINS))):
        status, reasons = _combine(verdicts[domain])
        wanted = help_answers.get(domain, [])
        wants_help = next((h for h in HELP_ORDER if h in wanted), "not_asked")
        domains_out[domain] = {"status": status, "wants_help": wants_help, "reasons": reasons}
        if status != "positive":
            continue
        info = registry.domains[domain]
        fired = positive_rules.get(domain, [])
        tags = list(dict.fromkeys([*info.tags, *(t for r in fired for t in r.tags)]))
        referral = {"domain": domain, "category": info.category}
        if tags:
            referral["tags"] = tags
        referrals.append(referral)
        codes = [c for r in fired for c in r.z_codes] or list(info.z_codes)
        code_set = _code_set(registry, answers, domain)
        for code in {c["code"]: c for c in codes}.values():
            z_codes.append(
                {
                    "domain": domain,
                    "code": code["code"],
                    "title": code["title"],
                    "code_set": code_set,
                }
            )
    result = {
        "instruments": instruments_out,
        "domains": domains_out,
        "alerts": alerts,
        "referrals": referrals,
        "z_codes": z_codes,
    }
    return result, explained


def _code_set(registry: Registry, answers: Mapping, domain: str) -> str:
    for instrument_id in answers:
        instrument = registry.get(instrument_id)
        if domain in instrument.domains:
            return instrument.z_code_set
    return ""


def _sum(instrument: Instrument, item_ids, given: Mapping, visible: set[str]) -> _Sum:
    result = _Sum()
    for item_id in item_ids:
        value = given.get(item_id)
        if value is None:
            if item_id in visible:
                result.missing.append(item_id)
        elif value == DECLINED:
            result.declined.append(item_id)
        else:
            option = instrument.item(item_id).lookup(value)
            if option is not None:
                result.value += option.score or 0
                result.answered += 1
    return result


def _instrument_result(
    instrument: Instrument, given: Mapping, visible: set[str], sums: dict, settings: Mapping
) -> dict:
    missing, declined = unanswered(instrument, given, visible)
    complete = not missing and not declined
    return {
        **scale_fields(instrument, given, settings, complete),
        "complete": complete,
        "subtotals": {n: s.value for n, s in sums.items() if n != "total" and s.answered},
        "missing": missing,
        "declined": declined,
    }


def _evaluate(
    instrument: Instrument,
    condition: Condition,
    given: Mapping,
    visible: set[str],
    sums: dict[str, _Sum],
    respondent: str,
    settings: Mapping,
) -> tuple[str, list[str]] | None:
    """(status, reasons) for one condition, or None when none of its items was asked."""
    if condition.kind == "any_of":
        return _any_of(instrument, condition, given, visible)
    if condition.kind == "score":
        total = sums[condition.name]
        label = instrument.scores[condition.name].label
    else:
        item_id = condition.items[0]
        if item_id not in visible and item_id not in given:
            return None
        total = _sum(instrument, condition.items, given, visible)
        label = f"{item_id} score"
    threshold = resolve_threshold(condition.threshold, respondent, settings)
    shown = f"{label} {total.value}"
    if compare(total.value, condition.op, threshold):
        unanswered = len(total.missing) + len(total.declined)
        tail = f" with {unanswered} unanswered" if unanswered else ""
        return "positive", [f"{shown} {condition.op} {threshold}{tail}"]
    if total.declined:
        return "declined", [f"{shown} so far; declined: {_listed(total.declined)}"]
    if total.missing:
        return "not_asked", [f"{shown} so far; not answered: {_listed(total.missing)}"]
    return "negative", [f"{shown} {NEGATED[condition.op]} {threshold}"]


def _listed(item_ids: list[str]) -> str:
    return ", ".join(item_ids) if len(item_ids) <= 3 else f"{len(item_ids)} items"


def _any_of(
    instrument: Instrument, condition: Condition, given: Mapping, visible: set[str]
) -> tuple[str, list[str]] | None:
    hits, declined, missing = [], [], []
    considered = False
    for item_id in condition.items:
        value = given.get(item_id)
        if value is None:
            if item_id in visible:
                considered = True
                missing.append(item_id)
            continue
        considered = True
        if value == DECLINED:
            declined.append(item_id)
            continue
        chosen = value if isinstance(value, list) else [value]
        matched = [
            c for c in chosen if c in condition.answers and instrument.item(item_id).lookup(c)
        ]
        if matched:
            hits.append(f"{item_id} = {', '.join(str(c) for c in matched)}")
    if hits:
        return "positive", hits
    if not considered:
        return None
    if declined:
        return "declined", [f"{i} declined" for i in declined]
    if missing:
        return "not_asked", [f"{i} not answered" for i in missing]
    return "negative", []


def _combine(verdicts: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    """Positive if any rule is; else declined, else not asked; negative only if every rule is."""
    if not verdicts:
        return "not_asked", []
    for status in STATUS_ORDER:
        reasons = [r for s, rs in verdicts if s == status for r in rs]
        if any(s == status for s, _ in verdicts):
            return status, list(dict.fromkeys(reasons))
    raise AssertionError("unreachable")  # pragma: no cover


def _alert_item(condition: Condition, given: Mapping) -> str:
    """The single item behind an alert, or '' when it comes from a sum over several items."""
    if condition.kind == "item_score":
        return condition.items[0]
    if condition.kind == "any_of":
        for item_id in condition.items:
            value = given.get(item_id)
            chosen = value if isinstance(value, list) else [value]
            if any(c in condition.answers for c in chosen if c is not None and c != DECLINED):
                return item_id
    return ""


def validate_payload(registry: Registry, payload: Any) -> list[str]:
    """Every problem with a `score` input, one line each; [] when it can be scored."""
    if not isinstance(payload, dict):
        return ["the input must be a JSON object with respondent and answers"]
    problems = []
    for key in payload:
        if key not in PAYLOAD_KEYS:
            problems.append(
                f"{describe_value(key)}: unknown key; expected {', '.join(PAYLOAD_KEYS)}"
            )
    respondent = payload.get("respondent")
    if respondent is None:
        problems.append(f"respondent: missing; expected one of {', '.join(RESPONDENTS)}")
    elif respondent not in RESPONDENTS:
        problems.append(
            f"respondent: {describe_value(respondent)} is not one of {', '.join(RESPONDENTS)}"
        )
    language = payload.get("language")
    if language is not None and not (isinstance(language, str) and _LANGUAGE.match(language)):
        problems.append(
            f"language: {describe_value(language)} is not a language code like en or es"
        )
    answers = payload.get("answers")
    if answers is None:
        problems.append("answers: missing; expected {instrument: {item: answer}}")
        return problems
    if not isinstance(answers, dict):
        return [*problems, "answers: expected an object {instrument: {item: answer}}"]
    for instrument_id, given in answers.items():
        where = f"answers.{instrument_id}"
        if instrument_id not in registry.instruments:
            known = ", ".join(registry.instruments)
            problems.append(f"{where}: unknown instrument; known: {known}")
            continue
        if not isinstance(given, dict):
            problems.append(f"{where}: expected an object {{item: answer}}")
            continue
        instrument = registry.get(instrument_id)
        for item_id, value in given.items():
            if not instrument.has_item(item_id):
                problems.append(f"{where}.{item_id}: unknown item of {instrument_id}")
                continue
            problem = answer_problem(instrument.item(item_id), value)
            if problem:
                problems.append(f"{where}.{item_id}: {problem}")
    return problems
