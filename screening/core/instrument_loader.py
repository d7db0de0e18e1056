"""Load forms/*.yaml (and a site's instance/forms/): schema and semantic checks, overrides."""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

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
from .instruments import Registry
from .instruments import Rule
from .instruments import Score
from .instruments import ShowIf
from .instruments import describe_value
from .scales import band_problems

# Files in forms/ that are not instruments: the schema, the UI text, the starter directory.
NOT_INSTRUMENTS = frozenset({"schema.json", "ui.yaml", "ui.yml", "directory.yaml"})
SUFFIXES = (".yaml", ".yml", ".json")


class DefinitionError(Exception):
    """One or more instrument files are broken; .problems has one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_registry(shipped_dir: Path, override_dir: Path | None = None) -> Registry:
    """Load and check every definition; instance files override shipped ones with the same id."""
    shipped_dir = Path(shipped_dir)
    problems: list[str] = []
    validator = Draft202012Validator(
        json.loads((shipped_dir / "schema.json").read_text(encoding="utf-8"))
    )
    skipped: list[Path] = []
    shipped = _load_dir(shipped_dir, validator, problems, skipped)
    overrides = {}
    if override_dir is not None and Path(override_dir).is_dir():
        overrides = _load_dir(Path(override_dir), validator, problems, skipped)
    in_force = {**shipped, **overrides}
    defaults: dict[str, object] = {}
    setting_owner: dict[str, str] = {}
    domains: dict[str, DomainInfo] = {}
    domain_owner: dict[str, str] = {}
    for inst in sorted(in_force.values(), key=lambda i: i.id):
        where = _display(inst.path)
        for name, default in inst.settings.items():
            if name in defaults and defaults[name] != default:
                problems.append(
                    f"{where}: settings.{name}: default {describe_value(default)} differs from "
                    f"{describe_value(defaults[name])} in {setting_owner[name]}"
                )
            defaults.setdefault(name, default)
            setting_owner.setdefault(name, where)
        for name, info in inst.domains.items():
            known = domains.get(name)
            if known is None:
                domains[name] = info
                domain_owner[name] = where
            elif known.category != info.category:
                problems.append(
                    f"{where}: domains.{name}.category: {info.category!r} differs from "
                    f"{known.category!r} in {domain_owner[name]}"
                )
            else:
                domains[name] = DomainInfo(
                    known.category,
                    _unique(known.tags + info.tags),
                    _unique_codes(known.z_codes + info.z_codes),
                )
    if problems:
        raise DefinitionError(problems)
    return Registry(
        instruments={i: in_force[i] for i in sorted(in_force)},
        sources={i: in_force[i].path for i in sorted(in_force)},
        settings_defaults=defaults,
        domains=domains,
        shipped={i: s.path for i, s in shipped.items()},
        skipped=skipped,
    )


def check_settings(registry: Registry, overrides: Mapping[str, object]) -> list[str]:
    """Problems with a site's SCORING_SETTINGS: unknown names or values of the wrong type."""
    problems = []
    for name, value in overrides.items():
        if name not in registry.settings_defaults:
            known = ", ".join(sorted(registry.settings_defaults))
            problems.append(f"SCORING_SETTINGS: unknown setting {name!r}; known: {known}")
            continue
        default = registry.settings_defaults[name]
        if isinstance(default, bool) and not isinstance(value, bool):
            problems.append(f"SCORING_SETTINGS: {name} must be true or false")
        elif not isinstance(default, bool) and (
            isinstance(value, bool) or not isinstance(value, int)
        ):
            problems.append(f"SCORING_SETTINGS: {name} must be a whole number")
    return problems


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _unique(values: Iterable) -> tuple:
    return tuple(dict.fromkeys(values))


def _unique_codes(codes: Iterable[dict]) -> tuple[dict, ...]:
    return tuple({c["code"]: c for c in codes}.values())


def _load_dir(
    directory: Path, validator, problems: list[str], skipped: list[Path]
) -> dict[str, Instrument]:
    found: dict[str, Instrument] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix not in SUFFIXES or path.name in NOT_INSTRUMENTS:
            continue
        if path.name.startswith((".", "_")):
            continue
        where = _display(path)
        data = _parse(path, where, problems)
        if data is None:
            continue
        if "id" not in data and "pages" not in data:
            # Other data files share forms/; check-forms lists them so a typo is not silent.
            skipped.append(path)
            continue
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            for error in errors:
                detail = _deepest(error)
                problems.append(
                    f"{where}: {_locate(data, list(detail.absolute_path))}{detail.message}"
                )
            continue
        before = len(problems)
        instrument = _build(data, path, where, problems)
        if len(problems) > before:
            continue
        if instrument.id in found:
            problems.append(
                f"{where}: id: {instrument.id!r} is also defined in "
                f"{_display(found[instrument.id].path)}"
            )
            continue
        found[instrument.id] = instrument
    return found


def _deepest(error):
    """For oneOf/anyOf errors, the branch error that went furthest into the data."""
    while error.context:
        depth = len(error.absolute_path)
        # A bare type mismatch at the same spot only says "this was not the other branch".
        useful = [e for e in error.context if e.validator != "type" or len(e.absolute_path) > depth]
        error = max(useful or error.context, key=lambda e: len(e.absolute_path))
    return error


def _parse(path: Path, where: str, problems: list[str]) -> dict | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{where}: cannot read the file: {exc}")
        return None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            # libyaml's safe loader is several times faster; the pure-Python one is the fallback.
            if yaml.__with_libyaml__:
                data = yaml.load(text, Loader=yaml.CSafeLoader)
            else:
                data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        problems.append(f"{where}: line {exc.lineno}, column {exc.colno}: bad JSON: {exc.msg}")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problems.append(f"{where}: {at}bad YAML: {getattr(exc, 'problem', None) or exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{where}: the file must hold one mapping (id, version, pages, ...)")
        return None
    return data


def _locate(data: dict, path: list) -> str:
    """'item phq9_3: options[1].text: ' for a schema error inside an item, else a dotted path."""
    prefix = ""
    rest = path
    if len(path) >= 4 and path[0] == "pages" and path[2] == "items":
        try:
            raw = data["pages"][path[1]]["items"][path[3]]
            name = raw.get("id") if isinstance(raw, dict) else None
        except (IndexError, KeyError, TypeError):
            name = None
        prefix = f"item {name}: " if name else f"pages[{path[1]}].items[{path[3]}]: "
        rest = path[4:]
    elif len(path) >= 2 and path[0] in ("rules", "alerts"):
        prefix = f"{path[0]}[{path[1]}]: "
        rest = path[2:]
    dotted = ""
    for part in rest:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else str(part))
    return prefix + (f"{dotted}: " if dotted else "")


def _build(data: dict, path: Path, where: str, problems: list[str]) -> Instrument:
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
