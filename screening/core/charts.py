"""Server-side SVG charts: dot-and-whisker per metric, quarterly trend lines.

Plain SVG text with presentation attributes only (no <style>, no script, no style=), so
the page's Content-Security-Policy holds and no JavaScript or CDN is needed. Every label
is escaped here; callers may insert the result into a page as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933")
INK = "#1b2430"
GRID = "#c9d1db"
FONT = 'font-family="DejaVu Sans, sans-serif"'


@dataclass(frozen=True)
class Estimate:
    """One group's rate and interval (None when there is nothing to draw)."""

    label: str
    rate: float | None
    low: float | None
    high: float | None
    suppressed: bool = False
    reference: bool = False


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def svg_open(width: int, height: int, title: str, chart_id: str, desc: str = "") -> list[str]:
    described = f' aria-describedby="{chart_id}-d"' if desc else ""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-t"'
        f'{described} class="chart">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    if desc:
        out.append(f'<desc id="{chart_id}-d">{escape(desc)}</desc>')
    return out


def dot_whisker(
    title: str, rows: Sequence[Estimate], *, chart_id: str = "c", hidden_mark: str = "hidden"
) -> str:
    """Rate (dot) and 95% interval (whisker) per group on a 0-100% axis."""
    left, plot, right, top, step = 250, 340, 20, 28, 24
    width = left + plot + right
    height = top + step * len(rows) + 28
    out = svg_open(width, height, title, chart_id)

    def x(v: float) -> float:
        return left + plot * max(0.0, min(1.0, v))

    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" '
            f'y2="{height - 24}" stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x(tick):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
            f'{FONT} fill="{INK}">{_pct(tick)}</text>'
        )
    for i, row in enumerate(rows):
        y = top + step * i + step / 2
        label = row.label + (" (reference)" if row.reference else "")
        out.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12" {FONT} '
            f'fill="{INK}">{escape(label)}</text>'
        )
        if row.suppressed or row.rate is None:
            note = hidden_mark if row.suppressed else "no families"
            out.append(
                f'<text x="{left + 6}" y="{y + 4:.1f}" font-size="11" {FONT} '
                f'fill="#4a5563">{escape(note)}</text>'
            )
            continue
        colour = PALETTE[1] if row.reference else PALETTE[0]
        if row.low is not None and row.high is not None:
            out.append(
                f'<line x1="{x(row.low):.1f}" y1="{y:.1f}" x2="{x(row.high):.1f}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
            for end in (row.low, row.high):
                out.append(
                    f'<line x1="{x(end):.1f}" y1="{y - 5:.1f}" x2="{x(end):.1f}" '
                    f'y2="{y + 5:.1f}" stroke="{colour}" stroke-width="2"/>'
                )
        shape = (
            f'<rect x="{x(row.rate) - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
            f'fill="{colour}"/>'
            if row.reference
            else f'<circle cx="{x(row.rate):.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
        )
        out.append(shape)
    out.append("</svg>")
    return "\n".join(out)


def trend(
    title: str,
    quarters: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    chart_id: str = "t",
) -> str:
    """Quarterly rate lines per group; a hidden or empty quarter breaks the line."""
    left, plot_w, top, plot_h = 48, 520, 16, 200
    legend_y = top + plot_h + 40
    width = left + plot_w + 24
    height = legend_y + 18 * len(series) + 8
    out = svg_open(width, height, title, chart_id)
    count = max(1, len(quarters) - 1)

    def x(i: int) -> float:
        return left + (plot_w * i / count if len(quarters) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(1.0, v)))

    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'{FONT} fill="{INK}">{_pct(tick)}</text>'
        )
    for i, quarter in enumerate(quarters):
        out.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11" '
            f'{FONT} fill="{INK}">{escape(quarter)}</text>'
        )
    for k, (label, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        dash = "" if k < len(PALETTE) else ' stroke-dasharray="5 3"'
        run: list[str] = []
        for i, v in enumerate([*values, None]):
            if v is not None:
                run.append(f"{x(i):.1f},{y(v):.1f}")
                out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
                continue
            if len(run) > 1:
                out.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash}/>'
                )
            run = []
        ly = legend_y + 18 * k
        out.append(
            f'<line x1="{left}" y1="{ly - 4}" x2="{left + 24}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="3"{dash}/>'
        )
        out.append(
            f'<text x="{left + 32}" y="{ly}" font-size="12" {FONT} fill="{INK}">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
