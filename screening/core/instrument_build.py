"""Build an Instrument from one parsed, schema-valid file, with the semantic checks a schema
cannot express (items named by rules exist, thresholds resolve, codes are known, bands cover
every total). Every problem is appended to the caller's list as "file: where: problem".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .identifiers import DOMAINS
from .identifiers import REFERRAL_CATEGORIES
from .instruments import ALERT_KINDS
from .instruments import DECLINED
from .instruments import WANTS_HELP_CODES
from .instruments import AlertRule
from .instruments import Band
from .instruments import Condition
from .instruments import DomainInfo
from .instruments import Gate
from .instruments import Instrument
from .instruments import Item
from .instruments import Option
from .instruments import Rule
from .instruments import Score
from .instruments import ShowIf
from .instruments import describe_value
from .scales import band_problems


def build(data: dict, path: Path, where: str, problems: list[str]) -> Instrument:
    """Turn a schema-valid mapping into an Instrument, adding every semantic problem found."""

    def problem(text: str) -> None:
        problems.append(f"{where}: {text}")

    before = len(problems)
    settings = {name: s["default"] for name, s in data.get("settings", {}).items()}
    items, page_titles = _items(data, problem)
    by_id = {i.id: i for i in items}
    scores = _scores(data, by_id, problem)
    gates = _gates(data, by_id, scores, settings, problem)
    rules, alerts = _rules(data, by_id, scores, settings, problem)
    domains = _domains(data, items, problem)
    instrument = Instrument(
        id=data["id"],
        version=data["version"],
        title=data["title"],
        intro=data["intro"],
        respondent=data["respondent"],
        items=tuple(items),
        page_titles=tuple(page_titles),
        source=data["source"],
        licence=data["licence"],
        wording=data["wording"],
        validated=data["validated"],
        path=path,
        z_code_set=data["z_code_set"],
        loinc=data.get("loinc"),
        settings=settings,
        scores=scores,
        gates=gates,
        rules=tuple(rules),
        alerts=tuple(alerts),
        domains=domains,
    )
    if len(problems) == before:
        # Bands must tile the score's whole range, or some total would have no band.
        for name, s in scores.items():
            for text in band_problems(s, instrument.score_range(name)) if s.bands else ():
                problem(f"scores.{name}.bands: {text}")
    return instrument


def _items(data: dict, problem) -> tuple[list[Item], list[dict]]:
    option_sets = data.get("option_sets", {})
    items: list[Item] = []
    page_titles = []
    seen: dict[str, int] = {}
    for page_no, page in enumerate(data["pages"]):
        page_titles.append(page["title"])
        for raw in page["items"]:
            item_id = raw["id"]
            if item_id in seen:
                problem(f"item {item_id}: duplicate item id (first on page {seen[item_id] + 1})")
                continue
            seen[item_id] = page_no
            options_raw = raw.get("options", [])
            if isinstance(options_raw, str):
                if options_raw not in option_sets:
                    problem(f"item {item_id}: options: unknown option set {options_raw!r}")
                    continue
                options_raw = option_sets[options_raw]
            options = tuple(
                Option(
                    o["code"], o["text"], o.get("score"), o.get("loinc"), o.get("exclusive", False)
                )
                for o in options_raw
            )
            show_if = raw.get("show_if")
            item = Item(
                id=item_id,
                type=raw["type"],
                text=raw["text"],
                options=options if raw["type"] in ("single", "multi") else (),
                page=page_no,
                hint=raw.get("hint"),
                minimum=raw.get("minimum"),
                maximum=raw.get("maximum"),
                show_if=ShowIf(show_if["item"], tuple(show_if["in"])) if show_if else None,
                gate=raw.get("gate"),
                wants_help_for=raw.get("wants_help_for"),
                loinc=raw.get("loinc"),
                short=raw.get("short"),
            )
            _check_item(item, raw, problem)
            items.append(item)
    position = {item.id: n for n, item in enumerate(items)}
    for item in items:
        if item.show_if:
            target_at = position.get(item.show_if.item)
            if target_at is None or target_at >= position[item.id]:
                problem(f"item {item.id}: show_if: {item.show_if.item!r} is not an earlier item")
                continue
            for code in item.show_if.values:
                if items[target_at].lookup(code) is None:
                    problem(
                        f"item {item.id}: show_if: {describe_value(code)} is not an answer "
                        f"code of {item.show_if.item}"
                    )
    return items, page_titles


def _scores(data: dict, by_id: dict[str, Item], problem) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for name, raw in data.get("scores", {}).items():
        for item_id in raw["items"]:
            target = by_id.get(item_id)
            if target is None:
                problem(f"scores.{name}: unknown item {item_id!r}")
            elif target.type != "single" or any(o.score is None for o in target.options):
                problem(
                    f"scores.{name}: item {item_id} is not a single-choice item with a score "
                    "on every option"
                )
        bands = tuple(Band(b["band"], b["min"], b["max"], b["text"]) for b in raw.get("bands", ()))
        scores[name] = Score(
            name,
            tuple(raw["items"]),
            raw.get("label", f"{data['id']} {name}"),
            scale=raw.get("scale"),
            title=raw.get("title"),
            bands=bands,
            loinc=raw.get("loinc"),
        )
    return scores


def _gates(data: dict, by_id: dict[str, Item], scores: dict, settings: dict, problem) -> dict:
    gates: dict[str, Gate] = {}
    for name, raw in data.get("gates", {}).items():
        gate = Gate(name, raw["score"], raw["op"], raw["threshold"], raw.get("bypass"))
        at = f"gates.{name}"
        if gate.score not in scores:
            problem(f"{at}: unknown score {gate.score!r}")
        elif any(by_id[i].gate == name for i in scores[gate.score].items if i in by_id):
            problem(f"{at}: the gate's own score uses items behind the gate")
        _check_threshold(gate.threshold, settings, f"{at}.threshold", problem)
        if gate.bypass and not isinstance(settings.get(gate.bypass), bool):
            problem(f"{at}.bypass: {gate.bypass!r} is not a true/false setting of this file")
        gates[name] = gate
    for item in by_id.values():
        if item.gate and item.gate not in gates:
            problem(f"item {item.id}: gate: unknown gate {item.gate!r}")
    return gates


def _rules(
    data: dict, by_id: dict[str, Item], scores: dict, settings: dict, problem
) -> tuple[list[Rule], list[AlertRule]]:
    rule_ids = {r["id"] for r in data.get("rules", []) if "id" in r}
    rules = []
    for n, raw in enumerate(data.get("rules", [])):
        at = f"rules[{n}]"
        if raw["domain"] not in DOMAINS:
            problem(f"{at}: domain: {_unknown_domain(raw['domain'])}")
        elif raw["domain"] not in data["domains"]:
            problem(f"{at}: domain: {raw['domain']!r} has no entry under domains")
        if raw.get("fallback_for") and raw["fallback_for"] not in rule_ids:
            problem(f"{at}: fallback_for: no rule has id {raw['fallback_for']!r}")
        rules.append(
            Rule(
                domain=raw["domain"],
                condition=_condition(raw, by_id, scores, settings, at, problem),
                id=raw.get("id"),
                reason=raw.get("reason"),
                positive_only=raw.get("positive_only", False),
                fallback_for=raw.get("fallback_for"),
                tags=tuple(raw.get("tags", ())),
                z_codes=tuple(raw.get("z_codes", ())),
            )
        )
    alerts = []
    for n, raw in enumerate(data.get("alerts", [])):
        at = f"alerts[{n}]"
        if raw["kind"] not in ALERT_KINDS:
            known = ", ".join(ALERT_KINDS)
            problem(f"{at}: kind: unknown alert kind {raw['kind']!r}; known: {known}")
        alerts.append(AlertRule(raw["kind"], _condition(raw, by_id, scores, settings, at, problem)))
    return rules, alerts


def _domains(data: dict, items: list[Item], problem) -> dict[str, DomainInfo]:
    domains = {}
    for name, raw in data["domains"].items():
        if name not in DOMAINS:
            problem(f"domains.{name}: {_unknown_domain(name)}")
        if raw["category"] not in REFERRAL_CATEGORIES:
            problem(
                f"domains.{name}.category: unknown referral category {raw['category']!r}; "
                f"known: {', '.join(REFERRAL_CATEGORIES)}"
            )
        domains[name] = DomainInfo(
            raw["category"], tuple(raw.get("tags", ())), tuple(raw.get("z_codes", ()))
        )
    for item in items:
        if not item.wants_help_for:
            continue
        if item.wants_help_for not in DOMAINS:
            problem(f"item {item.id}: wants_help_for: {_unknown_domain(item.wants_help_for)}")
        elif item.wants_help_for not in domains:
            problem(f"item {item.id}: wants_help_for: {item.wants_help_for!r} not under domains")
    return domains


def _unknown_domain(name: str) -> str:
    return f"unknown domain {name!r}; known: {', '.join(DOMAINS)}"


def _check_item(item: Item, raw: dict, problem) -> None:
    codes = [o.code for o in item.options]
    for code in codes:
        if codes.count(code) > 1:
            problem(f"item {item.id}: options: duplicate code {describe_value(code)}")
            break
    if DECLINED in codes:
        problem(f'item {item.id}: options: "declined" is reserved for a declined answer')
    if len({type(c) for c in codes}) > 1:
        problem(f"item {item.id}: options: mix of number and text codes")
    if item.type not in ("single", "multi") and "options" in raw:
        problem(f"item {item.id}: options: only single and multi items have options")
    if any(o.exclusive for o in item.options) and item.type != "multi":
        problem(f"item {item.id}: options: exclusive is only for multi items")
    if item.wants_help_for and sorted(map(str, codes)) != sorted(WANTS_HELP_CODES):
        problem(f"item {item.id}: options: a wants-help item has exactly the codes yes, no, later")


def _check_threshold(spec: Any, settings: dict, at: str, problem) -> None:
    values = (
        spec["by_respondent"].values()
        if isinstance(spec, dict) and "by_respondent" in spec
        else [spec]
    )
    for value in values:
        if isinstance(value, dict):
            default = settings.get(value["setting"])
            if isinstance(default, bool) or not isinstance(default, int):
                problem(f"{at}: {value['setting']!r} is not a whole-number setting of this file")


def _condition(raw: dict, by_id: dict, scores: dict, settings: dict, at: str, problem) -> Condition:
    if "any_of" in raw:
        spec = raw["any_of"]
        for item_id in spec["items"]:
            target = by_id.get(item_id)
            if target is None:
                problem(f"{at}: any_of: unknown item {item_id!r}")
                continue
            if target.type not in ("single", "multi"):
                problem(f"{at}: any_of: item {item_id} has no answer codes")
                continue
            for code in spec["answers"]:
                if target.lookup(code) is None:
                    problem(
                        f"{at}: any_of: {describe_value(code)} is not an answer code of {item_id}"
                    )
        return Condition("any_of", items=tuple(spec["items"]), answers=frozenset(spec["answers"]))
    if "score" in raw:
        spec = raw["score"]
        if spec["name"] not in scores:
            problem(f"{at}: score: unknown score {spec['name']!r}")
        _check_threshold(spec["threshold"], settings, f"{at}: score.threshold", problem)
        return Condition("score", name=spec["name"], op=spec["op"], threshold=spec["threshold"])
    spec = raw["item_score"]
    target = by_id.get(spec["item"])
    if target is None:
        problem(f"{at}: item_score: unknown item {spec['item']!r}")
    elif target.type != "single" or any(o.score is None for o in target.options):
        problem(f"{at}: item_score: item {spec['item']} has no score on every option")
    _check_threshold(spec["threshold"], settings, f"{at}: item_score.threshold", problem)
    return Condition(
        "item_score", items=(spec["item"],), op=spec["op"], threshold=spec["threshold"]
    )
