"""The annual equity report for leadership: one summary page, then charts and tables (PDF).

Page 1 says what is flagged, what changed since last year, and where each action plan
stands, with the plain sentence about significance and the methods and suppression note
(the first page that shows a rate). Then the care cascade and the monthly run chart (the
page's own SVGs, drawn into the PDF with svglib), then one table per dimension, each heading
kept on the page of its table. Every figure comes from the protected summaries.
"""

from __future__ import annotations

import datetime as dt
import io
from html import escape

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from screening.core import quality_charts
from screening.core.equity import BUILT_IN
from screening.core.equity import COMPLETENESS_GROUPS
from screening.core.equity import METRICS
from screening.core.equity_metrics import DIRECTION_LABELS
from screening.core.fonts import register_fonts
from screening.core.trend import TrendError
from screening.reports import register
from screening.reports.numbers import percent
from screening.reports.page import SIGNIFICANCE
from screening.reports.summary import HIDDEN
from screening.reports.summary import build_chart
from screening.reports.summary import build_report
from screening.reports.summary import cascade_chart
from screening.reports.summary import cell_text
from screening.reports.summary import group_label
from screening.reports.summary import monthly_counts

DIMENSIONS = ("race_ethnicity", "language", "insurance")
CARE = ("screened", "screened_on_time", "declined_system", "referred", "connected", "need_met")


class YearError(ValueError):
    """A year the report cannot cover (one line)."""


# action_plans.status as the report words it.
PLAN_STATUSES = {"active": _l("active"), "met": _l("target met"), "closed": _l("closed")}


def check_year(text: str, today: dt.date) -> int:
    """The report's year: four digits, not after the current year."""
    if not (text or "").isdigit() or len(text) != 4:
        raise YearError("--year: write the year as YYYY")
    year = int(text)
    if year > today.year:
        raise YearError("--year: the year is in the future")
    return year


def flagged(reports: dict) -> list[str]:
    """One line per flagged care-process cell, every dimension."""
    lines = []
    for name, report in reports.items():
        s = report.summary
        ref = group_label(s["reference_group"]) if s["reference_group"] else ""
        for g in s["groups"]:
            for metric, c in g["metrics"].items():
                if c.get("disparity"):
                    lines.append(
                        _(
                            "%(dimension)s, %(group)s: %(metric)s %(rate)s vs %(reference)s "
                            "(%(direction)s)",
                            dimension=BUILT_IN[name].label,
                            group=group_label(g["group"]),
                            metric=METRICS[metric].label.lower(),
                            rate=percent(c["rate"]),
                            reference=ref,
                            direction=DIRECTION_LABELS[c["direction"]],
                        )
                    )
    return lines


def changes(this: dict, last: dict) -> list[str]:
    """All families' care rates this year against last year (hidden where either is)."""
    lines = []
    for metric in CARE:
        now = this["total"]["metrics"].get(metric)
        before = last["total"]["metrics"].get(metric)
        if not now or now["suppressed"] or now["rate"] is None:
            continue
        was = (
            percent(before["rate"])
            if before and not before["suppressed"] and before["rate"] is not None
            else _("not shown")
        )
        lines.append(
            _(
                "%(metric)s: %(rate)s (last year %(before)s)",
                metric=METRICS[metric].label,
                rate=percent(now["rate"]),
                before=was,
            )
        )
    return lines


def plan_lines(db, year: int) -> list[str]:
    """Each plan with its goal and status."""
    out = []
    for p in register.plans(db):
        status = (
            ngettext("%(num)s open review", "%(num)s open reviews", p["open_reviews"])
            if p["open_reviews"]
            else str(PLAN_STATUSES.get(p["status"], p["status"]))
        )
        out.append(
            _(
                "%(metric)s, %(group)s: target %(target)s by %(date)s; owner %(owner)s; %(status)s",
                metric=METRICS[p["metric"]].label,
                group=group_label(p["grp"]),
                target=percent(p["target_rate"], 0),
                date=p["target_date"],
                owner=p["owner"],
                status=status,
            )
        )
    return out


def gather(db, config, year: int) -> dict:
    """Every figure, chart and line of the report for one calendar year."""
    start, end = f"{year}-01-01", f"{year}-12-31"
    # One GROUP BY over both years serves this year, last year and the run chart.
    race = monthly_counts(db, config, "race_ethnicity", f"{year - 1}-01-01", end)
    this_year = {k: v for k, v in race.items() if k[1] >= f"{year}-01"}
    last_year = {k: v for k, v in race.items() if k[1] < f"{year}-01"}
    reports = {
        d: build_report(db, config, d, start, end, this_year if d == "race_ethnicity" else None)
        for d in DIMENSIONS
    }
    last = build_report(
        db, config, "race_ethnicity", f"{year - 1}-01-01", f"{year - 1}-12-31", last_year
    )
    window = {"start": f"{year}-01", "monthly": this_year}
    try:
        chart = build_chart(db, config, "screened", end=f"{year}-12", **window)
    except TrendError:
        # The current year: the chart ends with the current month.
        chart = build_chart(db, config, "screened", **window)
    notes = [n for n in register.month_notes(db) if n[0].startswith(str(year))]
    main = reports["race_ethnicity"]
    cascade = None if main.too_few_families else cascade_chart(main, BUILT_IN["race_ethnicity"])[0]
    return {
        "year": year,
        "reports": reports,
        "too_few": main.too_few_families,
        "flagged": [] if main.too_few_families else flagged(reports),
        "changes": [] if main.too_few_families else changes(main.summary, last.summary),
        "notes": notes,
        "plans": plan_lines(db, year),
        "cascade_svg": str(cascade) if cascade else None,
        "trend_svg": quality_charts.p_chart(_("Screened by month"), chart, notes),
        "threshold": main.summary["suppression_threshold"],
    }


def _drawing(svg: str, width: float):
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg.encode("utf-8")))
    scale = min(1.0, width / drawing.width)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.scale(scale, scale)
    return drawing


def annual_pdf(data: dict, unit_name: str, generated_on: dt.date) -> bytes:
    """The report as PDF bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether
    from reportlab.platypus import PageBreak
    from reportlab.platypus import Paragraph
    from reportlab.platypus import SimpleDocTemplate
    from reportlab.platypus import Spacer
    from reportlab.platypus import Table
    from reportlab.platypus import TableStyle

    regular, bold = register_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if style.name.startswith(("Heading", "Title")) else regular
    styles.add(ParagraphStyle("Small", parent=styles["Normal"], fontSize=7.5, leading=9))
    buffer = io.BytesIO()
    title = _("%(unit)s: equity report %(year)s", unit=unit_name, year=data["year"])
    footer = _("%(unit)s. Generated %(date)s.", unit=unit_name, date=generated_on.isoformat())

    def on_page(canvas, doc) -> None:
        canvas.setFont(regular, 8)
        canvas.drawString(0.6 * inch, 0.4 * inch, f"{footer}  {_('Page')} {doc.page}")

    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        title=title,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.7 * inch,
    )
    width = letter[0] - 1.2 * inch

    def para(text: str, style: str = "Normal") -> Paragraph:
        return Paragraph(escape(str(text)), styles[style])

    def bullets(heading: str, lines: list[str], empty: str) -> list:
        return [para(heading, "Heading2")] + [para(f"• {line}") for line in lines or [empty]]

    story = [
        para(title, "Title"),
        para(
            _(
                "Unit: %(unit)s. Generated %(date)s. Period: %(year)s-01-01 to %(year)s-12-31.",
                unit=unit_name,
                date=generated_on.isoformat(),
                year=data["year"],
            )
        ),
    ]
    if data["too_few"]:
        story.append(
            para(
                _(
                    "Fewer than %(n)s families were admitted this year, so no figure is shown.",
                    n=data["threshold"],
                )
            )
        )
    story += bullets(_("What is flagged"), data["flagged"][:14], _("No disparity is flagged."))
    story += bullets(
        _("What changed"),
        data["changes"] + [f"{m}: {n}" for m, n in data["notes"]],
        _("No change recorded."),
    )
    story += bullets(_("Action plans and their status"), data["plans"], _("No action plan."))
    story += [
        para(_("How to read the figures"), "Heading2"),
        para(SIGNIFICANCE),
        para(
            _(
                "Methods: rates with 95%% Wilson intervals; rate ratios against the reference "
                "group (the largest group) with Katz log intervals; a disparity needs p at most "
                "0.05 and a relative difference of at least 10%%. Suppression: '%(mark)s' marks a "
                "count from 1 to %(n)s, or a cell hidden with it so it cannot be worked out from "
                "the totals.",
                mark=str(HIDDEN),
                n=data["threshold"] - 1,
            ),
            "Italic",
        ),
        PageBreak(),
    ]
    if data["cascade_svg"]:
        story.append(
            KeepTogether(
                [
                    para(_("Care cascade by race and ethnicity"), "Heading2"),
                    _drawing(data["cascade_svg"], width),
                ]
            )
        )
    story.append(
        KeepTogether(
            [para(_("Screened, month by month"), "Heading2"), _drawing(data["trend_svg"], width)]
        )
    )
    for name, report in data["reports"].items():
        if report.too_few_families:
            continue
        story.append(
            _table(
                report, name, para, regular, bold, colors, Table, TableStyle, KeepTogether, width
            )
        )
    story.append(Spacer(1, 6))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _table(report, name, para, regular, bold, colors, table_cls, style_cls, keep, width):
    head = [para(_("Group"), "Small")] + [para(METRICS[m].label, "Small") for m in CARE]
    rows = [head]
    blocks = [(g["group"], g["metrics"]) for g in report.summary["groups"]]
    for group, metrics in blocks:
        if group in COMPLETENESS_GROUPS:
            continue
        cells = []
        for m in CARE:
            t = cell_text(metrics[m], HIDDEN)
            flag = metrics[m].get("direction")
            words = f" ({DIRECTION_LABELS[flag]})" if flag else ""
            cells.append(para(t["rate"] + words, "Small"))
        rows.append([para(group_label(group), "Small"), *cells])
    first = 1.7 * 72
    widths = [first] + [(width - first) / len(CARE)] * len(CARE)
    table = table_cls(rows, repeatRows=1, hAlign="LEFT", colWidths=widths)
    table.setStyle(
        style_cls(
            [
                ("FONT", (0, 0), (-1, -1), regular, 7),
                ("FONT", (0, 0), (-1, 0), bold, 7),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    heading = para(
        _(
            "Care by %(dimension)s (rate; worse or better than the reference group)",
            dimension=BUILT_IN[name].label.lower(),
        ),
        "Heading2",
    )
    return keep([heading, table])
