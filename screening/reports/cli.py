"""The reports area's bulk commands: import-results and the de-identified extract.

Both stream: a file of any length holds one batch of rows in memory, so a unit can load
years of history or write a network extract on the same small server that runs the app.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from screening.core import csv_safe
from screening.core import deid
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import connect
from screening.platform.db import write
from screening.reports import store as equity_data


def fail(command: str, message: str) -> None:
    """Print `command: message` on stderr and exit 2 (the CLI's usage-error code)."""
    click.echo(f"{command}: {message}", err=True)
    raise SystemExit(2)


@click.command("import-results")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_results_command(file: Path) -> None:
    """Load historical screening results from a CSV (all or nothing; header is row 1)."""
    db = connect(current_app.config["DATABASE"])
    problems: list[str] = []
    try:
        try:
            with open(file, encoding="utf-8-sig", newline="") as lines, write(db):
                counts = equity_data.import_stream(db, lines, timeutil.iso())
        except UnicodeDecodeError:
            fail("import-results", "the file is not UTF-8 text; save it as CSV UTF-8")
        except equity_data.ImportRejected as rejected:
            problems = rejected.problems
        if problems:
            for p in problems:
                click.echo(f"import-results: {p}", err=True)
            fail("import-results", f"nothing imported ({len(problems)} problems)")
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


@click.command("extract")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def extract_command(out: Path) -> None:
    """Write the de-identified (HIPAA Safe Harbor) one-row-per-family extract as CSV."""
    db = connect(current_app.config["DATABASE"])
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            csv_safe.write_row(writer, deid.COLUMNS)
            rows = 0
            for row in deid.extract_rows(equity_data.family_rows(db, shuffled=True)):
                csv_safe.write_row(writer, [row[c] for c in deid.COLUMNS])
                rows += 1
        audit.record("deid_extract", "report", "", detail=f"rows={rows}", db=db)
    finally:
        db.close()
    click.echo(f"Wrote {rows} de-identified rows.")
