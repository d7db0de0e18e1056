"""Load forms/*.yaml (and a site's instance/forms/): schema and semantic checks, overrides."""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from .instrument_build import build
from .instruments import DomainInfo
from .instruments import Instrument
from .instruments import Registry
from .instruments import describe_value

# Files in forms/ that are not instruments: the schema, the UI text, the starter directory.
# fhir_maps.yaml: how app codes map to FHIR (screening/core/fhir_maps.py).
NOT_INSTRUMENTS = frozenset(
    {"schema.json", "ui.yaml", "ui.yml", "directory.yaml", "fhir_maps.yaml"}
)
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
        instrument = build(data, path, where, problems)
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
