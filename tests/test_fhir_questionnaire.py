"""FHIR Questionnaire export: every shipped instrument parses, and a forms engine reading only
the Questionnaire asks the same items as the app (gates and follow-ups)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from screening.core.fhir_base import LOINC
from screening.core.fhir_questionnaire import ORDINAL_VALUE
from screening.core.fhir_questionnaire import questionnaire
from screening.core.instrument_loader import load_registry
from screening.core.instruments import visible_items

REGISTRY = load_registry(Path(__file__).resolve().parent.parent / "forms")


@pytest.mark.parametrize("instrument_id", sorted(REGISTRY.instruments))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_instrument_exports_as_a_questionnaire_that_parses(instrument_id, lang):
    instrument = REGISTRY.get(instrument_id)
    form = questionnaire(instrument, lang)
    get_fhir_model_class("Questionnaire").model_validate(form)
    items = {i["linkId"]: i for g in form["item"] for i in g.get("item", [])}
    assert set(items) == {i.id for i in instrument.items}
    for item in instrument.items:
        assert items[item.id]["text"] == item.text[lang]
        if item.loinc:
            assert items[item.id]["code"] == [{"system": LOINC, "code": item.loinc}]
    if instrument.loinc:
        assert form["code"][0]["code"] == instrument.loinc


def _enabled(form, answers):
    """Which items a forms engine would show, from the Questionnaire alone."""
    items = {i["linkId"]: i for g in form["item"] for i in g.get("item", [])}
    scores = {}
    for entry in form["item"]:
        if entry["type"] == "integer":
            total = 0
            for item in items.values():
                code = answers.get(item["linkId"])
                for option in item.get("answerOption", []):
                    ext = option["valueCoding"].get("extension", [])
                    if code is not None and option["valueCoding"]["code"] == code and ext:
                        total += ext[0]["valueDecimal"]
            scores[entry["linkId"]] = total
    shown = []
    for link_id, item in items.items():
        checks = []
        for cond in item.get("enableWhen", []):
            if "answerInteger" in cond:
                value, limit = scores[cond["question"]], cond["answerInteger"]
                checks.append(value >= limit if cond["operator"] == ">=" else value > limit)
            else:
                checks.append(answers.get(cond["question"]) == cond["answerCoding"]["code"])
        if not checks or any(checks):
            shown.append(link_id)
    return shown


def _as_coded(instrument, answers):
    form_codes = {}
    for item_id, value in answers.items():
        option = instrument.item(item_id).lookup(value)
        form_codes[item_id] = option.loinc or str(option.code)
    return form_codes


@settings(max_examples=40)
@given(first=st.integers(0, 3), second=st.integers(0, 3))
def test_phq2_gate_enable_when_asks_what_the_app_asks(first, second):
    phq9 = REGISTRY.get("phq9")
    form = questionnaire(phq9, "en")
    answers = {"phq9_1": first, "phq9_2": second}
    expected = [i.id for i in visible_items(phq9, answers)]
    assert _enabled(form, _as_coded(phq9, answers)) == expected


def test_phq2_gate_is_an_enable_when_on_the_phq2_score_item():
    phq9 = REGISTRY.get("phq9")
    form = questionnaire(phq9, "en")
    items = {i["linkId"]: i for g in form["item"] for i in g.get("item", [])}
    (score_item,) = [i for i in form["item"] if i["linkId"] == "phq9.phq2"]
    assert score_item["type"] == "integer" and score_item["readOnly"] is True
    assert score_item["code"][0]["code"] == phq9.scores["phq2"].loinc
    gated = [i.id for i in phq9.items if i.gate == "phq2"]
    assert gated
    for item_id in gated:
        assert items[item_id]["enableWhen"] == [
            {"question": "phq9.phq2", "operator": ">=", "answerInteger": 3}
        ]
    assert "enableWhen" not in items["phq9_1"]
    # A site that always asks the full PHQ-9 gets a Questionnaire without the gate.
    full = questionnaire(phq9, "en", settings={"phq2_always_full": True})
    assert not any("enableWhen" in i for g in full["item"] for i in g.get("item", []))
    lower = questionnaire(phq9, "en", settings={"phq2_threshold": 2})
    lowered = {i["linkId"]: i for g in lower["item"] for i in g.get("item", [])}
    assert lowered[gated[0]]["enableWhen"][0]["answerInteger"] == 2


def test_follow_up_questions_are_enabled_by_the_answer_that_opens_them():
    nicu = REGISTRY.get("nicu_needs")
    form = questionnaire(nicu, "es")
    for answer in ("yes", "no"):
        answers = {i.id: answer for i in nicu.items if not i.show_if}
        expected = [i.id for i in visible_items(nicu, answers)]
        assert _enabled(form, answers) == expected


def test_scores_carry_ordinal_values_with_reverse_scoring_kept():
    epds = REGISTRY.get("epds")
    form = questionnaire(epds, "en")
    assert form["status"] == "draft"  # placeholder wording is not a usable form
    items = {i["linkId"]: i for g in form["item"] for i in g.get("item", [])}
    for item in epds.items:
        for option, exported in zip(item.options, items[item.id]["answerOption"], strict=True):
            ext = exported["valueCoding"].get("extension", [])
            if option.score is None:
                assert not ext
            else:
                assert ext == [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="language"):
        questionnaire(REGISTRY.get("phq9"), "fr")
