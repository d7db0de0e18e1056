"""Cascade and p-chart SVG: accessible (title, desc, text), signals marked, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from screening.core.cascade import Step
from screening.core.periods import month_range
from screening.core.quality_charts import cascade
from screening.core.quality_charts import cascade_text
from screening.core.quality_charts import p_chart
from screening.core.quality_charts import p_chart_text
from screening.core.spc import long_run_months
from screening.core.spc import p_chart as p_chart_json

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = month_range("2025-01", "2026-12")


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.get("role") == "img"
    assert "<style" not in svg and "<script" not in svg and "style=" not in svg
    return root


def text_of(root: ET.Element, tag: str) -> str:
    found = root.find(f"{SVG}{tag}")
    assert found is not None and found.text
    return found.text


def shift_chart() -> dict:
    counts = {m: (x, 100) for m, x in zip(MONTHS, [60, 40] * 6 + [62] * 8, strict=False)}
    counts["2025-03"] = (85, 100)
    counts["2025-05"] = (3, 8)
    return p_chart_json("screened", counts)


def test_p_chart_marks_each_signal_in_shape_and_words():
    chart = shift_chart()
    svg = p_chart("Screened by month", chart, [("2025-09", "Interpreter on every admission")])
    root = parsed(svg)
    assert text_of(root, "title") == "Screened by month"
    desc = text_of(root, "desc")
    assert "Outside the limits: 2025-02, 2025-03" in desc
    assert "Shift: 8 points in a row" in desc and "2026-01 to 2026-08" in desc
    assert "Hidden (small counts): 2025-05." in desc
    assert "Note 1, 2025-09: Interpreter on every admission" in desc
    # One diamond per month outside the limits (plus the legend's), one ring per run month.
    diamonds = root.findall(f"{SVG}polygon")
    assert len(diamonds) == len(chart["signals"]["outside_limits"]) + 1
    rings = [c for c in root.findall(f"{SVG}circle") if c.get("r") == "7"]
    assert len(rings) == 8
    assert long_run_months(chart) == MONTHS[12:20]


def test_a_stable_chart_says_so_and_marks_nothing():
    numerators = [52, 47, 55, 44, 51, 53, 46, 49, 56, 48, 45, 52]
    chart = p_chart_json(
        "screened", {m: (x, 100) for m, x in zip(MONTHS, numerators, strict=False)}
    )
    lines = p_chart_text(chart)
    assert any(line.startswith("No signal in 12 useful points") for line in lines)
    root = parsed(p_chart("Screened", chart))
    assert len(root.findall(f"{SVG}polygon")) == 1  # the legend's diamond only
    assert not [c for c in root.findall(f"{SVG}circle") if c.get("r") == "7"]


def test_p_chart_draws_a_plan_target_and_escapes_notes():
    chart = shift_chart()
    svg = p_chart("Plan", chart, [("2026-02", "<b>new & improved</b>")], target=0.7)
    root = parsed(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "target 70%" in texts
    assert "<b>" not in svg and "&lt;b&gt;new &amp; improved" in svg


def steps(counts: list[int | None]) -> list[Step]:
    admitted = counts[0]
    return [
        Step(
            f"s{i}",
            f"Step {i}",
            c,
            None if c is None or not admitted else c / admitted,
            None,
            c is None,
        )
        for i, c in enumerate(counts)
    ]


def test_cascade_bars_are_shares_of_admitted_and_hidden_steps_say_hidden():
    groups = [
        ("Black <or> African American", steps([200, 100, 50, None])),
        ("All families", steps([400, 300, 200, 40])),
    ]
    svg = cascade("Care cascade", groups)
    root = parsed(svg)
    widths = [float(r.get("width")) for r in root.findall(f"{SVG}rect")]
    assert widths[:3] == [180.0, 90.0, 45.0]  # 100%, 50%, 25% of a 180-pixel bar
    desc = text_of(root, "desc")
    assert "Black <or> African American: Step 0 200 (100%); Step 1 100 (50%)" in desc
    assert "Step 3 hidden" in desc
    assert "&lt;or&gt;" in svg
    assert cascade_text(groups)[1].endswith("Step 3 40 (10%).")
