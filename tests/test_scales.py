"""Scale and severity band of each instrument against the published manuals' tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from screening.core.instrument_loader import DefinitionError
from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.scoring import score

FORMS = Path(__file__).resolve().parent.parent / "forms"
REGISTRY = load_registry(FORMS)

# The manuals' tables, as printed: (lowest, highest, band).
PHQ9_MANUAL = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately_severe"),
    (20, 27, "severe"),
]
GAD7_MANUAL = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]


def manual_band(table, total):
    return next(band for low, high, band in table if low <= total <= high)


def boundaries(table):
    """Every first and last total of every band."""
    return sorted({n for low, high, _ in table for n in (low, high)})


def full_answers(prefix: str, items: int, total: int) -> dict:
    """Item scores adding up to `total`, the first two items carrying at least 3 so the gate
    opens, and the last item kept low so no self-harm rule muddles the picture."""
    scores = [0] * items
    left = total
    order = [0, 1, *range(2, items - 1), items - 1]
    for at in order:
        scores[at] = min(3, left)
        left -= scores[at]
    assert left == 0
    return {f"{prefix}_{n}": s for n, s in enumerate(scores, start=1)}


def instrument(result, instrument_id):
    return result["instruments"][instrument_id]


@pytest.mark.parametrize("total", boundaries(PHQ9_MANUAL))
def test_phq9_band_at_every_boundary_of_the_manual(total):
    answers = full_answers("phq9", 9, total)
    # Below 3 the PHQ-2 gate closes; the site setting asks all nine whatever the PHQ-2.
    result = score(REGISTRY, "birthing_parent", {"phq9": answers}, {"phq2_always_full": True})
    out = instrument(result, "phq9")
    assert out["total"] == total
    assert out["scale"] == "phq9"
    assert out["band"] == manual_band(PHQ9_MANUAL, total)


@pytest.mark.parametrize("total", boundaries(GAD7_MANUAL))
def test_gad7_band_at_every_boundary_of_the_manual(total):
    answers = full_answers("gad7", 7, total)
    result = score(REGISTRY, "partner", {"gad7": answers}, {"gad2_always_full": True})
    out = instrument(result, "gad7")
    assert (out["total"], out["scale"]) == (total, "gad7")
    assert out["band"] == manual_band(GAD7_MANUAL, total)


@pytest.mark.parametrize("total", range(3, 28))
def test_every_phq9_total_with_the_gate_open_has_the_manual_band(total):
    answers = full_answers("phq9", 9, total)
    out = instrument(score(REGISTRY, "partner", {"phq9": answers}), "phq9")
    assert (out["scale"], out["complete"]) == ("phq9", True)
    assert out["band"] == manual_band(PHQ9_MANUAL, total)


@pytest.mark.parametrize(
    "instrument_id, first, second", [("phq9", 1, 1), ("phq9", 2, 0), ("gad7", 0, 2)]
)
def test_a_closed_gate_reports_the_two_item_score_never_the_full_scale(
    instrument_id, first, second
):
    answers = {f"{instrument_id}_1": first, f"{instrument_id}_2": second}
    out = instrument(score(REGISTRY, "birthing_parent", {instrument_id: answers}), instrument_id)
    two_item = {"phq9": "phq2", "gad7": "gad2"}[instrument_id]
    assert out["scale"] == two_item
    assert out["total"] == first + second
    # A two-item score on a 27-point band table would read "minimal" for any PHQ-2.
    assert out["band"] is None
    assert out["complete"] is True


def test_an_answer_behind_a_closed_gate_is_not_added_to_the_two_item_score():
    answers = {"phq9_1": 1, "phq9_2": 0, "phq9_9": 2}
    out = instrument(score(REGISTRY, "birthing_parent", {"phq9": answers}), "phq9")
    assert (out["scale"], out["total"], out["band"]) == ("phq2", 1, None)


def test_the_site_threshold_of_two_opens_the_gate_and_the_scale():
    answers = {"phq9_1": 1, "phq9_2": 1}
    closed = instrument(score(REGISTRY, "partner", {"phq9": answers}), "phq9")
    opened = instrument(
        score(REGISTRY, "partner", {"phq9": answers}, {"phq2_threshold": 2}), "phq9"
    )
    assert closed["scale"] == "phq2"
    assert (opened["scale"], opened["complete"], opened["band"]) == ("phq9", False, None)


@pytest.mark.parametrize("declined_item", ["phq9_4", "phq9_9"])
def test_an_incomplete_phq9_has_no_band(declined_item):
    answers = {**full_answers("phq9", 9, 16), declined_item: DECLINED}
    out = instrument(score(REGISTRY, "partner", {"phq9": answers}), "phq9")
    assert (out["scale"], out["complete"], out["band"]) == ("phq9", False, None)


def test_a_phq9_with_items_still_unanswered_has_no_band():
    answers = {"phq9_1": 3, "phq9_2": 3, "phq9_3": 3}
    out = instrument(score(REGISTRY, "partner", {"phq9": answers}), "phq9")
    assert (out["scale"], out["total"], out["band"]) == ("phq9", 9, None)


def test_epds_reports_its_own_scale_and_no_band():
    answers = {f"epds_{n}": 0 for n in range(1, 11)}
    out = instrument(score(REGISTRY, "birthing_parent", {"epds": answers}), "epds")
    assert out["complete"] is True
    assert (out["scale"], out["band"]) == ("epds", None)


def test_instruments_without_a_total_report_their_id():
    result = score(REGISTRY, "partner", {"ahc_core": {"ahc_3": "LA6729-3"}})
    assert instrument(result, "ahc_core")["scale"] == "ahc_core"
    assert instrument(result, "ahc_core")["band"] is None


def _copy(tmp_path, change):
    folder = tmp_path / "forms"
    folder.mkdir()
    data = yaml.safe_load((FORMS / "phq9.yaml").read_text(encoding="utf-8"))
    change(data["scores"]["total"]["bands"])
    (folder / "phq9.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def _gap(bands):
    bands[1]["min"] = 6


def _overlap(bands):
    bands[2]["min"] = 9


def _short_top(bands):
    bands[-1]["max"] = 26


def _past_top(bands):
    bands[-1]["max"] = 30


@pytest.mark.parametrize(
    "change, message",
    [
        (_gap, "no band covers 5-5"),
        (_overlap, "band 'moderate' overlaps the band before it at 9"),
        (_short_top, "no band covers 27-27"),
        (_past_top, "bands go past the highest possible score 27"),
    ],
)
def test_bands_that_do_not_tile_the_range_stop_loading(tmp_path, change, message):
    folder = _copy(tmp_path, change)
    with pytest.raises(DefinitionError) as caught:
        load_registry(FORMS, folder)
    assert any("scores.total.bands: " + message in p for p in caught.value.problems), (
        caught.value.problems
    )
