"""Flask glue for instruments: load forms/ at start-up, `check-forms` and `score` commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.core.fhir_base import MapError
from screening.core.fhir_base import load_maps
from screening.core.instrument_loader import DefinitionError
from screening.core.instrument_loader import check_settings
from screening.core.instrument_loader import load_registry
from screening.core.instruments import Registry
from screening.core.scoring import score
from screening.core.scoring import validate_payload
from screening.platform.resources import SHIPPED_FORMS

EXTENSION = "screening.forms"
FHIR_MAPS = "fhir_maps.yaml"

# Parsed definitions are immutable, so apps built from the same files (every test, every
# worker) share one load instead of re-reading and re-validating them each time.
_cache: dict[tuple, Registry] = {}


def _signature(*dirs: Path | None) -> tuple:
    files = []
    for directory in dirs:
        if directory is not None and directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.is_file():
                    stat = path.stat()
                    files.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(files)


def load(override_dir: Path | None, use_cache: bool = True) -> Registry:
    """The registry for the shipped forms/ plus a site's override folder (DefinitionError)."""
    key = (str(override_dir), _signature(SHIPPED_FORMS, override_dir))
    if use_cache and key in _cache:
        return _cache[key]
    registry = load_registry(SHIPPED_FORMS, override_dir)
    if len(_cache) > 8:
        _cache.clear()
    _cache[key] = registry
    return registry


def _override_dir(app: Flask) -> Path | None:
    value = app.config.get("INSTANCE_FORMS")
    return Path(value) if value else None


def fhir_maps_path(override_dir: Path | None) -> Path:
    """The FHIR code maps in force: the site's forms/fhir_maps.yaml, else the shipped one."""
    if override_dir is not None and (override_dir / FHIR_MAPS).is_file():
        return override_dir / FHIR_MAPS
    return SHIPPED_FORMS / FHIR_MAPS


def _problem_report(problems: list[str]) -> str:
    lines = [f"Instrument definitions have {len(problems)} problem(s); fix them and start again:"]
    return "\n".join(lines + [f"  {p}" for p in problems])


def get_registry() -> Registry:
    """The registry loaded when the app was created."""
    return current_app.extensions[EXTENSION]


def scoring_settings() -> dict:
    """Scoring settings: the defaults the files declare, overlaid with SCORING_SETTINGS."""
    overrides = current_app.config.get("SCORING_SETTINGS") or {}
    return {**get_registry().settings_defaults, **overrides}


@click.command("check-forms")
@with_appcontext
def check_forms_command() -> None:
    """Validate every instrument definition in force (shipped and site overrides)."""
    registry = None
    try:
        registry = load(_override_dir(current_app), use_cache=False)
        problems = check_settings(registry, current_app.config.get("SCORING_SETTINGS") or {})
    except DefinitionError as exc:
        problems = exc.problems
    maps = fhir_maps_path(_override_dir(current_app))
    try:
        load_maps(maps)
    except MapError as exc:
        problems = [*problems, *exc.problems]
    if problems or registry is None:
        click.echo(_problem_report(problems), err=True)
        raise SystemExit(1)
    for instrument_id, instrument in registry.instruments.items():
        path = registry.sources[instrument_id]
        shipped = registry.shipped.get(instrument_id)
        origin = "shipped" if shipped == path else "site file"
        if shipped is not None and shipped != path:
            origin = f"site file, overrides {shipped.name}"
        label = f"{instrument_id} {instrument.version} ({instrument.wording} wording)"
        click.echo(f"{label}: {path} [{origin}]")
    maps_origin = "shipped" if maps.parent == SHIPPED_FORMS else "site file"
    click.echo(f"FHIR code maps: {maps} [{maps_origin}]")
    for path in registry.skipped:
        click.echo(f"skipped, not an instrument (no id or pages): {path}")
    click.echo(f"ok: {len(registry.instruments)} instruments")


@click.command("score")
@click.argument("file", type=click.File("rb"))
@with_appcontext
def score_command(file) -> None:
    """Score answers from FILE (JSON; - reads standard input) and print the result as JSON."""
    registry = get_registry()
    try:
        payload = json.loads(file.read().decode("utf-8"))
    except UnicodeDecodeError:
        _fail(["the input is not UTF-8 text"])
    except json.JSONDecodeError as exc:
        _fail([f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"])
    problems = validate_payload(registry, payload)
    if problems:
        _fail(problems)
    result = score(registry, payload["respondent"], payload["answers"], scoring_settings())
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))


def _fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(f"score: {problem}", err=True)
    raise SystemExit(2)


def init_app(app: Flask) -> None:
    """Load and check the definitions (a broken file stops start-up) and add the commands."""
    try:
        registry = load(_override_dir(app))
        problems = check_settings(registry, app.config.get("SCORING_SETTINGS") or {})
    except DefinitionError as exc:
        problems = exc.problems
    if problems:
        # SystemExit prints its message and exits 1 without a traceback, under flask or waitress.
        raise SystemExit(_problem_report(problems))
    app.extensions[EXTENSION] = registry
    app.cli.add_command(check_forms_command)
    app.cli.add_command(score_command)
