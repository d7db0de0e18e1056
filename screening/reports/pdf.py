"""The equity summary as a PDF for meetings (reportlab, embedded font)."""

from __future__ import annotations

import io
from html import escape

from flask_babel import gettext as _

from screening.core.equity import Dimension
from screening.core.equity import Report
from screening.core.fonts import register_fonts
from screening.reports.summary import HIDDEN
from screening.reports.summary import LINKED_NOTE
from screening.reports.summary import PERIOD_NOTE
from screening.reports.summary import group_label
from screening.reports.summary import metric_views


def equity_pdf(report: Report, dim: Dimension, unit_name: str) -> bytes:
    """A plain PDF of the summary: title, period, one table per metric, footnotes (in the
    request's language: the staff's)."""
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

    regular, bold = register_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if style.name.startswith(("Heading", "Title")) else regular
    summary = report.summary
    mark = str(HIDDEN)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(letter),
        title=_("Equity summary by %(dimension)s", dimension=dim.label.lower()),
        leftMargin=0.5 * inch,
        rightMargin=0.5 * inch,
        topMargin=0.5 * inch,
        bottomMargin=0.5 * inch,
    )
    reference = summary["reference_group"]
    title = _(
        "%(unit)s: equity summary by %(dimension)s", unit=unit_name, dimension=dim.label.lower()
    )
    period = _(
        "Period (index date): %(start)s to %(end)s.",
        start=summary["from"] or _("first record"),
        end=summary["to"] or _("latest record"),
    )
    story = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(escape(period), styles["Normal"]),
        Paragraph(
            escape(
                _(
                    "Reference group for rate ratios: %(group)s.",
                    group=group_label(reference) if reference else _("none reportable"),
                )
            ),
            styles["Normal"],
        ),
        Spacer(1, 8),
    ]
    head = [
        _("Group"),
        _("Families"),
        _("Rate"),
        _("95%% interval"),
        _("Rate ratio (95%% CI)"),
        _("Flags"),
    ]
    if report.too_few_families:
        # Any split of so few families could single one out: say only that.
        story.append(
            Paragraph(
                escape(
                    _(
                        "Fewer than %(n)s families in this period: no figure is shown. Choose a "
                        "longer period.",
                        n=summary["suppression_threshold"],
                    )
                ),
                styles["Normal"],
            )
        )
    for view in [] if report.too_few_families else metric_views(report, dim):
        metric = view["metric"]
        story.append(Paragraph(escape(metric.label), styles["Heading3"]))
        story.append(
            Paragraph(
                escape(
                    _(
                        "Numerator: %(numerator)s. Denominator: %(denominator)s.",
                        numerator=metric.numerator_text,
                        denominator=metric.denominator_text,
                    )
                ),
                styles["Normal"],
            )
        )
        data = [head]
        for row in view["rows"]:
            t = row["text"]
            label = row["label"]
            if row["reference"]:
                label = _("%(group)s (reference)", group=label)
            data.append([label, t["counts"], t["rate"], t["ci"], t["rr"], t["flag"]])
        t = view["total"]
        data.append([_("All families"), t["counts"], t["rate"], t["ci"], "", t["flag"]])
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
        _(
            "%(mark)s marks a hidden cell: a count from 1 to %(n)s, or a cell hidden with it so "
            "that it cannot be worked out from the totals. Zero is shown.",
            mark=mark,
            n=summary["suppression_threshold"] - 1,
        ),
        _(
            "Rates with 95%% Wilson intervals; rate ratios against the reference group with Katz "
            "log intervals. Disparity: p at most 0.05 and a relative difference of at least 10%% "
            "on the adverse outcome (AHRQ). Unstable: fewer than 20 events."
        ),
        _("Declined and unknown rows show data completeness; they are never compared."),
        PERIOD_NOTE,
        LINKED_NOTE,
    ):
        story.append(Paragraph(escape(str(note)), styles["Italic"]))
    doc.build(story)
    return buffer.getvalue()
