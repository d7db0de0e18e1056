"""Everything the equity page shows, gathered in one place so the view stays thin."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from screening.core import quality_charts
from screening.core.equity import METRICS
from screening.core.equity import Dimension
from screening.core.equity import Report
from screening.core.trend import TrendError
from screening.reports import register
from screening.reports.summary import HIDDEN
from screening.reports.summary import LINKED_NOTE
from screening.reports.summary import PERIOD_NOTE
from screening.reports.summary import build_chart
from screening.reports.summary import cascade_chart
from screening.reports.summary import decline_rows
from screening.reports.summary import group_label
from screening.reports.summary import metric_views

SIGNIFICANCE = _l(
    "A difference is flagged only when it is unlikely to be chance: if the group and the "
    "reference group really had the same rate, a gap this large would turn up less than "
    "1 time in 20 (p at most 0.05), and it is at least a tenth of the reference rate."
)


def run_chart(db, config, metric: str, start, end, baseline: str | None, monthly=None) -> dict:
    """The monthly p-chart JSON with its SVG and words, or the error for the baseline field."""
    try:
        chart = build_chart(
            db, config, metric, start=start, end=end, baseline_to=baseline or None, monthly=monthly
        )
    except TrendError as exc:
        return {"error": str(exc).split(": ", 1)[-1]}
    notes = register.month_notes(db)
    label = METRICS[metric].label
    svg = quality_charts.p_chart(_("%(metric)s by month", metric=label), chart, notes)
    return {
        "chart": chart,
        # core.quality_charts escapes every label and note.
        "svg": Markup(svg),  # noqa: S704  # nosec B704
        "text": quality_charts.p_chart_text(chart, notes),
        "label": label,
    }


def context(
    db, config, report: Report, dim: Dimension, trend_metric: str, baseline, monthly=None
) -> dict:
    """The template's variables for a period with enough families (monthly: the counts the
    report was built from, reused for the run chart)."""
    s = report.summary
    cascade_svg, cascade_text = cascade_chart(report, dim)
    return {
        "report": report,
        "dim": dim,
        "views": metric_views(report, dim),
        "reference": group_label(s["reference_group"]) if s["reference_group"] else None,
        "mark": HIDDEN,
        "cascade": cascade_svg,
        "cascade_text": cascade_text,
        "declines": decline_rows(report),
        "run": run_chart(db, config, trend_metric, s["from"], s["to"], baseline, monthly),
        "annotations": register.annotations(db),
        "significance": SIGNIFICANCE,
        "period_note": PERIOD_NOTE,
        "linked_note": LINKED_NOTE,
    }
