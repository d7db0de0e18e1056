"""Equity reports for unit managers: the page, its CSV/PDF downloads and the CLI commands.

No view here reads or shows a name, MRN, date of birth, phone number or free text: every
figure comes from equity_data.aggregate(), which returns counts per coded group only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from html import escape
from pathlib import Path

import click
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms.validators import Optional

from screening.core import charts
from screening.core import csv_safe
from screening.core.equity import COMPLETENESS_GROUPS
from screening.core.equity import GROUP_LABELS
from screening.core.equity import METRICS
from screening.core.equity import Dimension
from screening.core.equity import Report
from screening.core.equity import csv_rows
from screening.core.equity import dimensions
from screening.core.equity import summarize
from screening.platform import audit
from screening.platform.db import connect
from screening.platform.db import get_db
from screening.platform.roles import allow
from screening.reports import store as equity_data
from screening.reports.cli import extract_command
from screening.reports.cli import fail as _fail
from screening.reports.cli import import_results_command

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = ("html", "csv", "pdf")
MAIN_METRICS = ("screened", "declined", "positive_any", "referred", "connected")
PERIOD_NOTE = (
    "The period and the quarters follow each family's index date: the NICU admission date "
    "for families recorded in this app, and the first screening offer for imported history."
)
LINKED_NOTE = (
    "Each summary and its quarterly trend are protected together. Comparing two summaries "
    "of overlapping periods can narrow a hidden count, so share whole quarters or years."
)


def available_dimensions(config) -> dict[str, Dimension]:
    """Built-in dimensions plus EQUITY_EXTRA_DIMENSIONS from the site config."""
    return dimensions(config.get("EQUITY_EXTRA_DIMENSIONS") or ())


def build_report(db, config, dimension: str, start: str | None, end: str | None) -> Report:
    """The protected summary and trend for one dimension and period."""
    dim = available_dimensions(config)[dimension]
    counts = equity_data.aggregate(db, dim, start, end)
    return summarize(
        counts,
        dim,
        start=start,
        end=end,
        threshold=int(config.get("SUPPRESSION_THRESHOLD", 11)),
        reference=(config.get("EQUITY_REFERENCE_GROUPS") or {}).get(dimension),
    )


def group_label(group: str) -> str:
    """A readable label for a coded group (codes only, so never PHI)."""
    if group in GROUP_LABELS:
        return GROUP_LABELS[group]
    try:
        from screening.platform.codes import LANGUAGES
    except ImportError:  # pragma: no cover - codes.py belongs to the bedside area
        LANGUAGES = {}
    return LANGUAGES.get(group, group)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def cell_text(cell: dict, mark: str) -> dict[str, str]:
    """Display strings for one metric cell; hidden cells show the mark, never a number."""
    if cell["suppressed"]:
        return {"counts": mark, "rate": mark, "ci": "", "rr": "", "rd": "", "flag": ""}
    n = cell["denominator"]
    text = {
        "counts": f"{cell['numerator']} / {n}",
        "rate": _pct(cell["rate"]) if n else "no families",
        "ci": f"{_pct(cell['ci_low'])} to {_pct(cell['ci_high'])}" if n else "",
        "rr": "",
        "rd": "",
        "flag": "",
    }
    if cell.get("rate_ratio") is not None:
        if cell.get("rr_ci_low") is None:
            text["rr"] = "1.00 (reference)"
        else:
            text["rr"] = (
                f"{cell['rate_ratio']:.2f} ({cell['rr_ci_low']:.2f} to {cell['rr_ci_high']:.2f})"
            )
            text["rd"] = (
                f"{cell['rd'] * 100:+.1f} pts ({cell['rd_ci_low'] * 100:+.1f} to "
                f"{cell['rd_ci_high'] * 100:+.1f})"
            )
    if cell.get("disparity"):
        worse = cell["rel_diff"] is None or cell["rel_diff"] > 0
        text["flag"] = "Disparity: worse" if worse else "Disparity: better"
    if n and cell.get("reliable") is False:
        text["flag"] = (text["flag"] + "; " if text["flag"] else "") + "unstable (under 20)"
    return text


def metric_views(report: Report, dim: Dimension) -> list[dict]:
    """Per metric: its words, table rows and chart, ready for the template and the PDF."""
    summary = report.summary
    mark = f"<{summary['suppression_threshold']}"
    views = []
    for name, metric in METRICS.items():
        rows, estimates = [], []
        for g in summary["groups"]:
            c = g["metrics"][name]
            is_ref = g["group"] == summary["reference_group"]
            label = group_label(g["group"])
            rows.append(
                {
                    "label": label,
                    "completeness": g["group"] in COMPLETENESS_GROUPS,
                    "reference": is_ref,
                    "text": cell_text(c, mark),
                }
            )
            estimates.append(
                charts.Estimate(
                    label, c["rate"], c["ci_low"], c["ci_high"], c["suppressed"], is_ref
                )
            )
        total = summary["total"]["metrics"][name]
        svg = charts.dot_whisker(
            f"{metric.label} by {dim.label.lower()}: rate and 95% interval",
            estimates,
            chart_id=f"dw-{name.replace(':', '-')}",
            hidden_mark=mark,
        )
        views.append(
            {
                "name": name,
                "metric": metric,
                "rows": rows,
                "total": cell_text(total, mark),
                "chart": Markup(svg),  # noqa: S704  # nosec B704 - core.charts escapes every label
                "main": name in MAIN_METRICS,
            }
        )
    return views


def trend_chart(report: Report, metric_name: str) -> Markup:
    """The quarterly trend of one metric, hidden quarters left out."""
    data = report.trend[metric_name]
    series = [
        (group_label(g), [None if c["suppressed"] else c["rate"] for c in cells])
        for g, cells in data["groups"].items()
        if any(not c["suppressed"] and c["rate"] is not None for c in cells)
    ]
    series.append(("All families", [None if c["suppressed"] else c["rate"] for c in data["total"]]))
    svg = charts.trend(
        f"{METRICS[metric_name].label} by quarter", report.quarters, series, chart_id="trend"
    )
    return Markup(svg)  # noqa: S704  # nosec B704 - core.charts escapes every label


class EquityForm(FlaskForm):
    """Dimension and period; a GET form, as none of it is PHI."""

    class Meta:
        csrf = False

    by = SelectField("Compare groups by")
    start = DateField("From (index date)", validators=[Optional()], format="%Y-%m-%d", name="from")
    end = DateField("To (index date)", validators=[Optional()], format="%Y-%m-%d", name="to")
    trend = SelectField(
        "Trend chart for",
        choices=[SelectChoice(m.name, m.label) for m in METRICS.values()],
        default="screened",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.start.data and self.end.data and self.start.data > self.end.data:
            self.end.errors.append("The end date is before the start date.")
            ok = False
        return ok


def _date_message(form: EquityForm) -> None:
    for f in (form.start, form.end):
        if f.errors and f.data is None and f.raw_data and f.raw_data[0]:
            f.errors[:] = ["Use a date written as YYYY-MM-DD."]


@bp.route("/equity")
@allow("manager", "social_worker")
def equity():
    """Equity summary by group with intervals, suppression, charts and downloads."""
    config = current_app.config
    dims = available_dimensions(config)
    form = EquityForm(formdata=request.args)
    form.by.choices = [SelectChoice(d.name, d.label) for d in dims.values()]
    if not form.by.data:
        form.by.data = "race_ethnicity"
    fmt = request.args.get("format", "html")
    if fmt not in FORMATS:
        abort(404)
    if not form.validate():
        _date_message(form)
        return render_template("reports/equity.html", form=form, report=None), 400
    start = form.start.data.isoformat() if form.start.data else None
    end = form.end.data.isoformat() if form.end.data else None
    dim = dims[form.by.data]
    report = build_report(get_db(), config, dim.name, start, end)
    action = "equity_view" if fmt == "html" else "equity_export"
    audit.record(action, "report", dim.name, detail=f"format={fmt}")
    if fmt == "csv":
        return Response(
            csv_safe.dumps(csv_rows(report.summary)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="equity-{dim.name}.csv"'},
        )
    if fmt == "pdf":
        return Response(
            equity_pdf(report, dim, config["UNIT_NAME"]),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="equity-{dim.name}.pdf"'},
        )
    views = metric_views(report, dim)
    return render_template(
        "reports/equity.html",
        form=form,
        report=report,
        dim=dim,
        views=views,
        reference=group_label(report.summary["reference_group"])
        if report.summary["reference_group"]
        else None,
        mark=f"<{report.summary['suppression_threshold']}",
        trend=trend_chart(report, form.trend.data or "screened"),
        trend_label=METRICS[form.trend.data or "screened"].label,
        period_note=PERIOD_NOTE,
        linked_note=LINKED_NOTE,
        query={k: v for k, v in (("by", dim.name), ("from", start), ("to", end)) if v},
    )


def _fonts() -> tuple[str, str]:
    """Register reportlab's bundled Vera fonts so the PDF embeds its font."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        folder = Path(reportlab.__file__).parent / "fonts"
        pdfmetrics.registerFont(TTFont("Vera", str(folder / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("VeraBd", str(folder / "VeraBd.ttf")))
    return "Vera", "VeraBd"


def equity_pdf(report: Report, dim: Dimension, unit_name: str) -> bytes:
    """A plain PDF of the summary: title, period, one table per metric, footnotes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph
    from reportlab.platypus import SimpleDocTemplate
    from reportlab.platypus import Spacer
    from reportlab.platypus import Table
    from reportlab.platypus import TableStyle

    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if style.name.startswith(("Heading", "Title")) else regular
    summary = report.summary
    mark = f"<{summary['suppression_threshold']}"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(letter),
        title=f"Equity summary by {dim.label.lower()}",
        leftMargin=0.5 * inch,
        rightMargin=0.5 * inch,
        topMargin=0.5 * inch,
        bottomMargin=0.5 * inch,
    )
    period = f"{summary['from'] or 'first record'} to {summary['to'] or 'latest record'}"
    reference = summary["reference_group"]
    story = [
        Paragraph(escape(f"{unit_name}: equity summary by {dim.label.lower()}"), styles["Title"]),
        Paragraph(escape(f"Period (index date): {period}."), styles["Normal"]),
        Paragraph(
            escape(
                "Reference group for rate ratios: "
                + (group_label(reference) if reference else "none reportable")
                + "."
            ),
            styles["Normal"],
        ),
        Spacer(1, 8),
    ]
    head = ["Group", "Families", "Rate", "95% interval", "Rate ratio (95% CI)", "Flags"]
    for view in metric_views(report, dim):
        metric = view["metric"]
        story.append(Paragraph(escape(metric.label), styles["Heading3"]))
        story.append(
            Paragraph(
                escape(
                    f"Numerator: {metric.numerator_text}. Denominator: {metric.denominator_text}."
                ),
                styles["Normal"],
            )
        )
        data = [head]
        for row in view["rows"]:
            t = row["text"]
            label = row["label"] + (" (reference)" if row["reference"] else "")
            data.append([label, t["counts"], t["rate"], t["ci"], t["rr"], t["flag"]])
        t = view["total"]
        data.append(["All families", t["counts"], t["rate"], t["ci"], "", t["flag"]])
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), regular, 8),
                    ("FONT", (0, 0), (-1, 0), bold, 8),
                    ("FONT", (0, -1), (-1, -1), bold, 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story += [table, Spacer(1, 6)]
    for note in (
        f"{mark} marks a hidden cell: a count from 1 to "
        f"{summary['suppression_threshold'] - 1}, or a cell hidden with it so that it cannot be "
        "worked out from the totals. Zero is shown.",
        "Rates with 95% Wilson intervals; rate ratios against the reference group with Katz "
        "log intervals. Disparity: p at most 0.05 and a relative difference of at least 10% "
        "on the adverse outcome (AHRQ). Unstable: fewer than 20 events.",
        "Declined and unknown rows show data completeness; they are never compared.",
        PERIOD_NOTE,
        LINKED_NOTE,
    ):
        story.append(Paragraph(escape(note), styles["Italic"]))
    doc.build(story)
    return buffer.getvalue()


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


def init_app(app: Flask) -> None:
    """Register the blueprint and the import-results, equity and extract commands."""
    # Fail at start-up, naming the setting, rather than on a manager's first page view.
    available_dimensions(app.config)
    app.register_blueprint(bp)
    app.cli.add_command(import_results_command)
    app.cli.add_command(equity_command)
    app.cli.add_command(extract_command)
