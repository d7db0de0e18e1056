"""Server-side SVG for quality reporting: the care cascade per group and the monthly p-chart.

Same rules as core.charts (presentation attributes only, every label escaped, Okabe-Ito
colours). Each chart carries a <title>, a <desc> with the text alternative, and the same
text is returned by the *_text functions for the page's table or the PDF, so a screen-reader
user and a reader of a black-and-white print get the signals, not just the picture.
Signals are marked by shape and words as well as colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from html import escape

from .cascade import Step
from .charts import FONT
from .charts import GRID
from .charts import INK
from .charts import PALETTE
from .charts import svg_open
from .spc import long_run_months

MUTED = "#4a5563"
SIGNAL = PALETTE[1]  # vermilion
BAR = PALETTE[0]
TARGET = PALETTE[2]


def _pct(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value * 100:.{digits}f}%"


def _text(
    x: float,
    y: float,
    body: str,
    *,
    size: int = 11,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" {FONT} '
        f'fill="{fill}"{weight}>{escape(body)}</text>'
    )


# -- care cascade --------------------------------------------------------------------------


def cascade_text(
    groups: Sequence[tuple[str, Sequence[Step]]], hidden_mark: str = "hidden"
) -> list[str]:
    """One line per group: each step's count and share of admitted families."""
    lines = []
    for label, steps in groups:
        parts = []
        for step in steps:
            if step.suppressed:
                parts.append(f"{step.label} {hidden_mark}")
            elif step.count is not None:
                share = f" ({_pct(step.share)})" if step.share is not None else ""
                parts.append(f"{step.label} {step.count}{share}")
        lines.append(f"{label}: " + "; ".join(parts) + ".")
    return lines


def cascade(
    title: str,
    groups: Sequence[tuple[str, Sequence[Step]]],
    *,
    chart_id: str = "cascade",
    hidden_mark: str = "hidden",
) -> str:
    """One panel per group (two columns): a bar per step, as a share of admitted families."""
    label_w, bar_w, note_w, row_h, head_h, gap = 128, 180, 92, 17, 22, 18
    panel_w = label_w + bar_w + note_w
    columns = 2 if len(groups) > 1 else 1
    n_steps = max((len(s) for _, s in groups), default=0)
    panel_h = head_h + row_h * n_steps + gap
    rows = math.ceil(len(groups) / columns)
    width, height = columns * panel_w + 16, max(1, rows) * panel_h + 8
    desc = " ".join(cascade_text(groups, hidden_mark))
    out = svg_open(width, height, title, chart_id, desc)
    for k, (label, steps) in enumerate(groups):
        x0 = 8 + (k % columns) * panel_w
        y0 = 4 + (k // columns) * panel_h
        out.append(_text(x0, y0 + 14, label, size=12, bold=True))
        for i, step in enumerate(steps):
            y = y0 + head_h + row_h * i
            out.append(_text(x0 + label_w - 6, y + 11, step.label, anchor="end"))
            left = x0 + label_w
            out.append(
                f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left:.1f}" y2="{y + row_h - 2:.1f}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
            if step.suppressed or step.count is None:
                note = hidden_mark if step.suppressed else "none"
                out.append(_text(left + 4, y + 11, note, fill=MUTED))
                continue
            length = bar_w * max(0.0, min(1.0, step.share or 0.0))
            out.append(
                f'<rect x="{left:.1f}" y="{y + 2:.1f}" width="{length:.1f}" height="{row_h - 5}" '
                f'fill="{BAR}"/>'
            )
            note = (
                f"{_pct(step.share)} ({step.count})" if step.share is not None else str(step.count)
            )
            out.append(_text(left + length + 4, y + 11, note))
    out.append("</svg>")
    return "\n".join(out)


# -- p-chart -------------------------------------------------------------------------------


def p_chart_text(chart: Mapping, annotations: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The chart in words: centre, each signal with its months, hidden months, notes."""
    s = chart["signals"]
    base = chart["baseline"]
    lines = [
        f"Centre line {_pct(chart['center'], 1) or 'not available'} "
        f"(baseline {base['from']} to {base['to']}); limits are 3 standard errors."
    ]
    if s["outside_limits"]:
        lines.append("Outside the limits: " + ", ".join(s["outside_limits"]) + ".")
    if s["shift"]:
        months = long_run_months(chart)
        lines.append(
            f"Shift: {s['longest_run']} points in a row on one side of the centre line "
            f"(more than {s['longest_run_limit']} is unusual)"
            + (f", {months[0]} to {months[-1]}." if months else ".")
        )
    if s["few_crossings"]:
        lines.append(
            f"Few crossings: the line crosses the centre {s['crossings']} times "
            f"(fewer than {s['crossings_limit']} is unusual)."
        )
    if not (s["outside_limits"] or s["shift"] or s["few_crossings"]):
        lines.append(
            f"No signal in {s['useful_points']} useful points: variation looks like noise."
        )
    hidden = [p["month"] for p in chart["points"] if p["suppressed"]]
    if hidden:
        lines.append(f"Hidden (small counts): {', '.join(hidden)}.")
    for i, (month, note) in enumerate(annotations, start=1):
        lines.append(f"Note {i}, {month}: {note}")
    return lines


def _y_range(chart: Mapping, target: float | None) -> tuple[float, float, float]:
    """Axis bottom, top and tick step: the data with a little room, on round percentages."""
    values = [chart["center"], target]
    for p in chart["points"]:
        values += [p["rate"], p["lcl"], p["ucl"]]
    shown = [v for v in values if v is not None]
    if not shown:
        return 0.0, 1.0, 0.25
    lo = max(0.0, math.floor((min(shown) - 0.02) * 10) / 10)
    hi = min(1.0, math.ceil((max(shown) + 0.02) * 10) / 10)
    return lo, hi, 0.1 if hi - lo > 0.3 else 0.05


def p_chart(
    title: str,
    chart: Mapping,
    annotations: Sequence[tuple[str, str]] = (),
    *,
    target: float | None = None,
    chart_id: str = "pchart",
) -> str:
    """Monthly rates with centre line, stepped 3-sigma limits, signals and dated notes.

    `chart` is spc.p_chart's JSON; annotations are (month 'YYYY-MM', note); `target` draws
    an action plan's goal as a dashed line.
    """
    left, plot_w, top, plot_h = 52, 560, 24, 220
    points = chart["points"]
    lines = p_chart_text(chart, annotations)
    width = left + plot_w + 90
    height = top + plot_h + 62 + 16 * len(lines)
    out = svg_open(width, height, title, chart_id, " ".join(lines))
    lo, hi, tick_step = _y_range(chart, target)
    count = max(1, len(points) - 1)
    index = {p["month"]: i for i, p in enumerate(points)}
    step_w = plot_w / max(1, len(points))

    def x(i: float) -> float:
        return left + (plot_w * i / count if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (max(lo, min(hi, v)) - lo) / (hi - lo))

    ticks = [lo + tick_step * k for k in range(round((hi - lo) / tick_step) + 1)]
    for tick in ticks:
        out.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 6, y(tick) + 4, _pct(tick), anchor="end"))
    every = max(1, math.ceil(len(points) / 12))
    for i, p in enumerate(points):
        if i % every == 0:
            out.append(_text(x(i), top + plot_h + 16, p["month"], size=10, anchor="middle"))
    for key in ("lcl", "ucl"):
        segments: list[str] = []
        for i, p in enumerate([*points, {key: None}]):
            if p.get(key) is not None:
                segments += [
                    f"{x(i) - step_w / 2:.1f},{y(p[key]):.1f}",
                    f"{x(i) + step_w / 2:.1f},{y(p[key]):.1f}",
                ]
                continue
            if segments:
                out.append(
                    f'<polyline points="{" ".join(segments)}" fill="none" stroke="{MUTED}" '
                    f'stroke-width="1" stroke-dasharray="4 3"/>'
                )
            segments = []
    if chart["center"] is not None:
        cy = y(chart["center"])
        out.append(
            f'<line x1="{left}" y1="{cy:.1f}" x2="{left + plot_w}" y2="{cy:.1f}" stroke="{INK}" '
            f'stroke-width="1.5"/>'
        )
        out.append(_text(left + plot_w + 4, cy + 4, f"centre {_pct(chart['center'], 1)}"))
    if target is not None:
        ty = y(target)
        out.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="{TARGET}" '
            f'stroke-width="2" stroke-dasharray="8 4"/>'
        )
        out.append(_text(left + plot_w + 4, ty + 4, f"target {_pct(target)}", fill=TARGET))
    shifted = set(long_run_months(chart))
    run: list[str] = []
    for i, p in enumerate([*points, {"rate": None, "suppressed": True}]):
        if p.get("rate") is None or p.get("suppressed"):
            if len(run) > 1:
                out.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{BAR}" '
                    'stroke-width="2"/>'
                )
            run = []
            continue
        run.append(f"{x(i):.1f},{y(p['rate']):.1f}")
    for i, p in enumerate(points):
        if p["suppressed"]:
            out.append(_text(x(i), top + plot_h - 4, "hidden", size=9, anchor="middle", fill=MUTED))
            continue
        if p["rate"] is None:
            continue
        px, py = x(i), y(p["rate"])
        if p["outside"]:
            # A diamond, not only a colour, marks a point outside the limits.
            out.append(
                f'<polygon points="{px:.1f},{py - 7:.1f} {px + 7:.1f},{py:.1f} '
                f'{px:.1f},{py + 7:.1f} {px - 7:.1f},{py:.1f}" fill="{SIGNAL}"/>'
            )
        else:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{BAR}"/>')
        if p["month"] in shifted:
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="7" fill="none" stroke="{SIGNAL}" '
                f'stroke-width="2"/>'
            )
    for k, (month, _note) in enumerate(annotations, start=1):
        if month not in index:
            continue
        ax = x(index[month])
        out.append(
            f'<line x1="{ax:.1f}" y1="{top - 4}" x2="{ax:.1f}" y2="{top + plot_h}" '
            f'stroke="{PALETTE[3]}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
        out.append(_text(ax, top - 8, str(k), size=11, anchor="middle", bold=True))
    out += _legend(left, top + plot_h + 36)
    for k, line in enumerate(lines):
        out.append(_text(left, top + plot_h + 58 + 16 * k, line, size=11))
    out.append("</svg>")
    return "\n".join(out)


def _legend(x: float, y: float) -> list[str]:
    """What each mark means, drawn with the marks themselves."""
    return [
        f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 20:.1f}" y2="{y - 4:.1f}" stroke="{INK}" '
        'stroke-width="1.5"/>',
        _text(x + 24, y, "centre line"),
        f'<line x1="{x + 100:.1f}" y1="{y - 4:.1f}" x2="{x + 120:.1f}" y2="{y - 4:.1f}" '
        f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="4 3"/>',
        _text(x + 124, y, "3-sigma limits"),
        f'<polygon points="{x + 230:.1f},{y - 10:.1f} {x + 236:.1f},{y - 4:.1f} '
        f'{x + 230:.1f},{y + 2:.1f} {x + 224:.1f},{y - 4:.1f}" fill="{SIGNAL}"/>',
        _text(x + 242, y, "outside the limits"),
        f'<circle cx="{x + 370:.1f}" cy="{y - 4:.1f}" r="6" fill="none" stroke="{SIGNAL}" '
        'stroke-width="2"/>',
        _text(x + 380, y, "part of an unusually long run"),
    ]
