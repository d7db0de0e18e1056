"""Commands: `fhir-export FAMILY_ID --out FILE.json` and `fhir-questionnaire INSTRUMENT_ID`."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.core.fhir_base import MapError
from screening.exchange import service
from screening.platform import audit
from screening.platform.db import connect
from screening.platform.files import write_private
from screening.platform.instruments import get_registry
from screening.platform.instruments import scoring_settings


def _fail(command: str, message: str, code: int = 2) -> NoReturn:
    click.echo(f"{command}: {message}", err=True)
    raise SystemExit(code)


@click.command("fhir-export")
@click.argument("family_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def fhir_export_command(family_id: int, out: Path) -> None:
    """Write the family's screenings, findings and referrals as a FHIR R4 Bundle (JSON)."""
    db = connect(current_app.config["DATABASE"])
    try:
        try:
            bundle = service.family_fhir(db, family_id, get_registry(), current_app.config)
        except MapError as exc:
            for problem in exc.problems:
                click.echo(f"fhir-export: {problem}", err=True)
            _fail("fhir-export", "the FHIR code maps have problems; run check-forms", 1)
        if bundle is None:
            _fail("fhir-export", f"no family with id {family_id}")
        write_private(out, service.dumps(bundle).encode("utf-8"))
        audit.record(
            "fhir_export", "family", family_id, detail="cli", user=audit.cli_actor(), db=db
        )
    finally:
        db.close()
    click.echo(f"wrote {out} ({len(bundle['entry'])} resources)")


@click.command("fhir-questionnaire")
@click.argument("instrument_id")
@click.option("--lang", default="en", show_default=True, help="Questionnaire language: en or es.")
@with_appcontext
def fhir_questionnaire_command(instrument_id: str, lang: str) -> None:
    """Print an instrument in force as a FHIR R4 Questionnaire (JSON) on standard output."""
    try:
        form = service.instrument_questionnaire(
            get_registry(), instrument_id, lang, scoring_settings(), current_app.config
        )
    except service.UnknownChoice as exc:
        _fail("fhir-questionnaire", str(exc))
    click.echo(service.dumps(form), nl=False)


def init_app(app: Flask) -> None:
    """Register the FHIR commands."""
    app.cli.add_command(fhir_export_command)
    app.cli.add_command(fhir_questionnaire_command)
