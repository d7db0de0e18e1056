"""The equity summary as managers read it: protected figures turned into words, tables and charts.

Every figure comes from store.aggregate(), which returns counts per coded group only, so nothing
here can carry a name, MRN, date of birth, phone number or free text.
"""

from __future__ import annotations

from markupsafe import Markup

from screening.core import charts
from screening.core.equity import COMPLETENESS_GROUPS
from screening.core.equity import GROUP_LABELS
from screening.core.equity import METRICS
from screening.core.equity import Dimension
from screening.core.equity import Report
from screening.core.equity import dimensions
from screening.core.equity import summarize
from screening.platform.codes import LANGUAGES
from screening.reports import store

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
    counts = store.aggregate(db, dim, start, end)
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
