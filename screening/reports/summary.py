"""The equity summary as managers read it: protected figures turned into words, tables and charts.

Every figure comes from store.aggregate(), which returns counts per coded group only, so nothing
here can carry a name, MRN, date of birth, phone number or free text.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from screening.core import charts
from screening.core import quality_charts
from screening.core.cascade import cascades
from screening.core.equity import COMPLETENESS_GROUPS
from screening.core.equity import GROUP_LABELS
from screening.core.equity import METRICS
from screening.core.equity import Dimension
from screening.core.equity import Report
from screening.core.equity import dimensions
from screening.core.equity import quarter_of
from screening.core.equity import summarize
from screening.core.equity_metrics import DIRECTION_LABELS
from screening.core.periods import snap_period
from screening.core.trend import build_trend
from screening.platform.codes import LANGUAGES
from screening.reports import store
from screening.reports.numbers import count
from screening.reports.numbers import decimal
from screening.reports.numbers import percent
from screening.reports.numbers import signed

Counts = dict[tuple[object, str], dict[str, int]]
MAIN_METRICS = (
    "screened",
    "screened_on_time",
    "declined",
    "declined_family",
    "declined_system",
    "positive_any",
    "wants_help",
    "referred",
    "referral_sent",
    "connected",
    "need_met",
)
# What a hidden count shows: a word, never "<11", which reads as a group size.
HIDDEN = _l("hidden")
PERIOD_NOTE = _l(
    "The period and the quarters follow each family's index date: the NICU admission date "
    "for families recorded in this app, and the first screening offer for imported history."
)
LINKED_NOTE = _l(
    "Each summary and its quarterly trend are protected together. Comparing two summaries "
    "of overlapping periods can narrow a hidden count, so share whole quarters or years."
)


def available_dimensions(config) -> dict[str, Dimension]:
    """Built-in dimensions plus EQUITY_EXTRA_DIMENSIONS from the site config."""
    return dimensions(config.get("EQUITY_EXTRA_DIMENSIONS") or ())


def unit_today(config) -> dt.date:
    """Today in the unit's calendar (UNIT_TIMEZONE), which decides what "the future" is."""
    return dt.datetime.now(ZoneInfo(str(config.get("UNIT_TIMEZONE") or "UTC"))).date()


def snapped(config, start: str | None, end: str | None, options=("--from", "--to")):
    """The period snapped outward to whole months; PeriodError (one line) on bad input."""
    return snap_period(start, end, unit_today(config), options=options)


def monthly_counts(db, config, dimension: str | None, start=None, end=None) -> Counts:
    """Every quantity per (stored group value, month): one GROUP BY serves a page's summary
    (folded into quarters) and its run chart."""
    dim = available_dimensions(config)[dimension] if dimension else None
    calendar = store.UnitCalendar.from_config(config)
    return store.aggregate(db, dim, start, end, period="month", calendar=calendar)


def fold_quarters(monthly: Counts) -> Counts:
    """Monthly counts added up by quarter."""
    out: Counts = {}
    for (raw, month), row in monthly.items():
        bucket = out.setdefault((raw, quarter_of(f"{month}-01")), dict.fromkeys(row, 0))
        for name, value in row.items():
            bucket[name] += value
    return out


def build_report(
    db, config, dimension: str, start: str | None, end: str | None, monthly: Counts | None = None
) -> Report:
    """The protected summary and trend for one dimension and an already snapped period.

    monthly: that dimension's monthly counts for the same period, when already fetched.
    """
    dim = available_dimensions(config)[dimension]
    if monthly is None:
        monthly = monthly_counts(db, config, dimension, start, end)
    counts = fold_quarters(monthly)
    return summarize(
        counts,
        dim,
        start=start,
        end=end,
        threshold=int(config.get("SUPPRESSION_THRESHOLD", 11)),
        reference=(config.get("EQUITY_REFERENCE_GROUPS") or {}).get(dimension),
    )


def build_chart(
    db,
    config,
    metric: str,
    *,
    by: str | None = None,
    group: str | None = None,
    start: str | None = None,
    end: str | None = None,
    baseline_to: str | None = None,
    monthly: Counts | None = None,
) -> dict:
    """The DESIGN.md `trend` JSON (core.trend.TrendError, one line, on bad input).

    monthly: counts already fetched (any dimension when `by` is None, else `by`'s).
    """
    dims = available_dimensions(config)
    # An unknown `by` is refused by build_trend in one line, so fetch everyone's counts then.
    known = by if by in dims else None
    counts = monthly if monthly is not None else monthly_counts(db, config, known)
    return build_trend(
        counts,
        metric,
        today=unit_today(config),
        dimensions=dims,
        by=by,
        group=group,
        start=start,
        end=end,
        baseline_to=baseline_to,
        threshold=int(config.get("SUPPRESSION_THRESHOLD", 11)),
    )


def group_labels() -> dict[str, str]:
    """Labels for every coded group a dimension may hold (codes only, never PHI)."""
    return {**LANGUAGES, **GROUP_LABELS}


def group_label(group: str) -> str:
    """A readable label for a coded group (codes only, so never PHI)."""
    if group in GROUP_LABELS:
        return GROUP_LABELS[group]
    return LANGUAGES.get(group, group)


def cell_text(cell: dict, mark: str) -> dict[str, str]:
    """Display strings for one metric cell, in the page's language; hidden cells show the
    mark, never a number."""
    mark = str(mark)
    if cell["suppressed"]:
        return {"counts": mark, "rate": mark, "ci": "", "rr": "", "rd": "", "flag": ""}
    n = cell["denominator"]
    text = {
        "counts": f"{count(cell['numerator'])} / {count(n)}",
        "rate": percent(cell["rate"]) if n else _("no families"),
        "ci": _("%(low)s to %(high)s", low=percent(cell["ci_low"]), high=percent(cell["ci_high"]))
        if n
        else "",
        "rr": "",
        "rd": "",
        "flag": "",
    }
    if cell.get("rate_ratio") is not None:
        if cell.get("rr_ci_low") is None:
            text["rr"] = _("%(ratio)s (reference)", ratio=decimal(1))
        else:
            text["rr"] = _(
                "%(ratio)s (%(low)s to %(high)s)",
                ratio=decimal(cell["rate_ratio"]),
                low=decimal(cell["rr_ci_low"]),
                high=decimal(cell["rr_ci_high"]),
            )
            text["rd"] = _(
                "%(difference)s pts (%(low)s to %(high)s)",
                difference=signed(cell["rd"] * 100),
                low=signed(cell["rd_ci_low"] * 100),
                high=signed(cell["rd_ci_high"] * 100),
            )
    way = cell.get("direction")
    if way in ("worse", "better"):
        text["flag"] = _("Disparity: %(direction)s", direction=DIRECTION_LABELS[way])
    elif way:
        # A need metric describes the families, never the care: words, not a disparity.
        text["flag"] = DIRECTION_LABELS[way].capitalize()
    if n and cell.get("reliable") is False:
        unstable = _("unstable (under 20)")
        text["flag"] = (text["flag"] + "; " if text["flag"] else "") + unstable
    return text


def metric_views(report: Report, dim: Dimension) -> list[dict]:
    """Per metric: its words, table rows and chart, ready for the template and the PDF."""
    summary = report.summary
    mark = str(HIDDEN)
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
        views.append(
            {
                "name": name,
                "metric": metric,
                "rows": rows,
                "total": cell_text(total, mark),
                "chart": None
                if name.startswith("positive:")
                else _dot_whisker(name, metric, dim, estimates),
                "main": name in MAIN_METRICS,
            }
        )
    return views


def _dot_whisker(name: str, metric, dim: Dimension, estimates: list) -> Markup:
    # The sixteen need areas get a table each but no chart: the table says the same, and a
    # chart apiece would double the manager's page for figures read row by row.
    svg = charts.dot_whisker(
        _(
            "%(metric)s by %(dimension)s: rate and 95%% interval",
            metric=metric.label,
            dimension=dim.label.lower(),
        ),
        estimates,
        chart_id=f"dw-{name.replace(':', '-')}",
        hidden_mark=str(HIDDEN),
    )
    return Markup(svg)  # noqa: S704  # nosec B704 - core.charts escapes every label


def cascade_chart(report: Report, dim: Dimension) -> tuple[Markup, list[str]]:
    """The care cascade per group (SVG) and the same in words, from the protected summary."""
    groups = [
        (group_label(g) if g != "total" else _("All families"), steps)
        for g, steps in cascades(report.summary)
        # A group too small to show even its size has nothing to draw.
        if g == "total" or (g not in COMPLETENESS_GROUPS and not steps[0].suppressed)
    ]
    title = _("Care cascade by %(dimension)s", dimension=dim.label.lower())
    svg = quality_charts.cascade(title, groups, hidden_mark=str(HIDDEN))
    # core.quality_charts escapes every label.
    return Markup(svg), quality_charts.cascade_text(groups, str(HIDDEN))  # noqa: S704  # nosec B704


DECLINE_METRICS = ("declined", "declined_family", "declined_system")


def decline_rows(report: Report) -> list[dict]:
    """Per group: declined every offer, split by the last offer's reason (family or system)."""
    rows = []
    blocks = [(g["group"], g["metrics"]) for g in report.summary["groups"]]
    blocks.append(("total", report.summary["total"]["metrics"]))
    for group, metrics in blocks:
        label = _("All families") if group == "total" else group_label(group)
        flags = [
            _(
                "%(metric)s: %(direction)s",
                metric=METRICS[m].label,
                direction=DIRECTION_LABELS[metrics[m]["direction"]],
            )
            for m in DECLINE_METRICS
            if metrics[m].get("direction")
        ]
        rows.append(
            {
                "label": label,
                "total": group == "total",
                "cells": [cell_text(metrics[m], HIDDEN) for m in DECLINE_METRICS],
                "flag": "; ".join(flags),
            }
        )
    return rows
