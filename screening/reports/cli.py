"""Equity commands: import-results, equity, trend and extract."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.core import csv_safe
from screening.core import deid
from screening.core import spc
from screening.core.equity import csv_rows
from screening.core.periods import PeriodError
from screening.core.trend import TrendError
from screening.platform import audit
from screening.platform import settings
from screening.platform import timeutil
from screening.platform.db import connect
from screening.platform.db import write
from screening.platform.files import open_private
from screening.platform.files import write_private
from screening.reports import annual
from screening.reports import import_stream
from screening.reports import store
from screening.reports.summary import available_dimensions
from screening.reports.summary import build_chart
from screening.reports.summary import build_report
from screening.reports.summary import group_labels
from screening.reports.summary import snapped
from screening.reports.summary import unit_today


def _fail(command: str, message: str) -> None:
    click.echo(f"{command}: {message}", err=True)
    raise SystemExit(2)


@click.command("import-results")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_results_command(file: Path) -> None:
    """Load historical screening results from a CSV (all or nothing; header is row 1)."""
    config = current_app.config
    days = int(config.get("ADMISSION_SCREEN_DAYS", 7))
    db = connect(config["DATABASE"])
    try:
        # Read batch by batch inside one transaction: a million rows never sit in memory,
        # and a problem in the last row still takes back every batch already merged.
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh, write(db):
                counts = import_stream.import_csv(
                    db,
                    fh,
                    timeutil.iso(),
                    key=lambda rid: settings.keyed_record_id(config, rid),
                    admission_days=days,
                )
        except UnicodeDecodeError:
            _fail("import-results", "the file is not UTF-8 text; save it as CSV UTF-8")
        except import_stream.ImportRejected as rejected:
            for p in rejected.problems:
                click.echo(f"import-results: {p}", err=True)
            _fail("import-results", f"nothing imported ({len(rejected.problems)} problems)")
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
@click.option("--from", "start", default=None, help="First month, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="Last month, YYYY-MM or YYYY-MM-DD.")
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
    try:
        # Whole calendar months: a one-day period could single out one family.
        start, end = snapped(config, start, end)
    except PeriodError as exc:
        _fail("equity", str(exc))
    db = connect(config["DATABASE"])
    try:
        report = build_report(db, config, by, start, end)
        audit.record("equity_export", "report", by, detail=f"cli format={fmt}", db=db)
    finally:
        db.close()
    if fmt == "csv":
        rows = csv_rows(report.summary, group_labels=group_labels())
        click.echo(csv_safe.dumps(rows), nl=False)
    else:
        click.echo(json.dumps(report.summary, indent=2))


@click.command("trend")
@click.option("--metric", "metric", required=True, help="Metric name, e.g. screened.")
@click.option("--by", "by", default=None, help="Dimension of --group.")
@click.option("--group", "group", default=None, help="One group of --by.")
@click.option("--from", "start", default=None, help="First month, YYYY-MM.")
@click.option("--to", "end", default=None, help="Last month, YYYY-MM.")
@click.option("--baseline-to", "baseline_to", default=None, help="Freeze the centre line here.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@with_appcontext
def trend_command(
    metric: str,
    by: str | None,
    group: str | None,
    start: str | None,
    end: str | None,
    baseline_to: str | None,
    fmt: str,
) -> None:
    """Print one metric month by month as a p-chart with its run signals (JSON or CSV)."""
    config = current_app.config
    db = connect(config["DATABASE"])
    try:
        chart = build_chart(
            db,
            config,
            metric,
            by=by,
            group=group,
            start=start,
            end=end,
            baseline_to=baseline_to,
        )
        audit.record("equity_export", "report", metric, detail=f"cli trend format={fmt}", db=db)
    except (TrendError, ValueError) as exc:
        _fail("trend", str(exc))
    finally:
        db.close()
    if fmt == "csv":
        click.echo(csv_safe.dumps(spc.csv_rows(chart)), nl=False)
    else:
        click.echo(json.dumps(chart, indent=2))


@click.command("equity-report")
@click.option("--year", "year", required=True, help="Calendar year, YYYY.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def equity_report_command(year: str, out: Path) -> None:
    """Write the annual equity report for leadership as a PDF."""
    config = current_app.config
    today = unit_today(config)
    try:
        number = annual.check_year(year, today)
    except annual.YearError as exc:
        _fail("equity-report", str(exc))
    db = connect(config["DATABASE"])
    try:
        data = annual.gather(db, config, number)
        audit.record("equity_export", "report", "annual", detail=f"cli year={number}", db=db)
    finally:
        db.close()
    write_private(out, annual.annual_pdf(data, config["UNIT_NAME"], today))
    click.echo(f"Wrote the {number} equity report.")


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
            for row in deid.extract_rows(
                store.family_rows(
                    db, store.UnitCalendar.from_config(current_app.config), shuffled=True
                )
            ):
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
    app.cli.add_command(trend_command)
    app.cli.add_command(equity_report_command)
    app.cli.add_command(extract_command)
