"""Equity commands: import-results, equity and extract."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.core import csv_safe
from screening.core import deid
from screening.core.equity import csv_rows
from screening.core.results_import import parse
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import connect
from screening.platform.db import write
from screening.platform.files import open_private
from screening.reports import store
from screening.reports.summary import available_dimensions
from screening.reports.summary import build_report


def _fail(command: str, message: str) -> None:
    click.echo(f"{command}: {message}", err=True)
    raise SystemExit(2)


def _check_date(command: str, option: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        _fail(command, f"{option} must be a date written as YYYY-MM-DD")
    return None


@click.command("import-results")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_results_command(file: Path) -> None:
    """Load historical screening results from a CSV (all or nothing; header is row 1)."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("import-results", "the file is not UTF-8 text; save it as CSV UTF-8")
    parsed = parse(io.StringIO(text, newline=""))
    db = connect(current_app.config["DATABASE"])
    try:
        problems = list(parsed.problems)
        if not problems:
            with write(db):
                problems = store.conflicts(db, parsed)
                if not problems:
                    counts = store.store_import(db, parsed, timeutil.iso())
        if problems:
            for p in problems:
                click.echo(f"import-results: {p}", err=True)
            _fail("import-results", f"nothing imported ({len(problems)} problems)")
        audit.record(
            "results_import",
            "import",
            "",
            detail=f"rows={counts['rows']} families={counts['families']}",
            db=db,
        )
    finally:
        db.close()
    click.echo(
        f"Imported {counts['rows']} rows ({counts['families']} families, "
        f"{counts['new_families']} new)."
    )


@click.command("equity")
@click.option("--by", "by", required=True, help="Dimension: race_ethnicity, language, ...")
@click.option("--from", "start", default=None, help="First index date, YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="Last index date, YYYY-MM-DD.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@with_appcontext
def equity_command(by: str, start: str | None, end: str | None, fmt: str) -> None:
    """Print the equity summary for one dimension and period (JSON or CSV)."""
    config = current_app.config
    try:
        dims = available_dimensions(config)
    except ValueError as exc:
        _fail("equity", str(exc))
    if by not in dims:
        _fail("equity", f"unknown dimension {by!r}; choose one of {', '.join(dims)}")
    start = _check_date("equity", "--from", start)
    end = _check_date("equity", "--to", end)
    if start and end and start > end:
        _fail("equity", "--from is after --to")
    db = connect(config["DATABASE"])
    try:
        report = build_report(db, config, by, start, end)
        audit.record("equity_export", "report", by, detail=f"cli format={fmt}", db=db)
    finally:
        db.close()
    if fmt == "csv":
        click.echo(csv_safe.dumps(csv_rows(report.summary)), nl=False)
    else:
        click.echo(json.dumps(report.summary, indent=2))


@click.command("extract")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def extract_command(out: Path) -> None:
    """Write the de-identified (HIPAA Safe Harbor) one-row-per-family extract as CSV."""
    db = connect(current_app.config["DATABASE"])
    try:
        with open_private(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            csv_safe.write_row(writer, deid.COLUMNS)
            rows = 0
            for row in deid.extract_rows(store.family_rows(db, shuffled=True)):
                csv_safe.write_row(writer, [row[c] for c in deid.COLUMNS])
                rows += 1
        audit.record("deid_extract", "report", "", detail=f"rows={rows}", db=db)
    finally:
        db.close()
    click.echo(f"Wrote {rows} de-identified rows.")


def init_app(app: Flask) -> None:
    """Register the import-results, equity and extract commands."""
    app.cli.add_command(import_results_command)
    app.cli.add_command(equity_command)
    app.cli.add_command(extract_command)
