"""The staff answer sheet and the plain-words reasons, in English and Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.core.answer_sheet import answer_sheet
from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.plain_reasons import plain_reasons
from screening.core.scoring import score_explained
from tests.factories.web import core_words

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry(ROOT / "forms")
WORDS = core_words()


def option_text(instrument_id, item_id, code, lang):
    return REGISTRY.get(instrument_id).item(item_id).lookup(code).text[lang]


def reasons(answers, lang="en", respondent="birthing_parent"):
    result, verdicts = score_explained(REGISTRY, respondent, answers)
    return result, plain_reasons(REGISTRY, result, verdicts, answers, WORDS, lang)


def test_closed_gate_marks_items_three_to_nine_not_asked_in_both_languages():
    sheet = answer_sheet(REGISTRY.get("phq9"), {"phq9_1": 1, "phq9_2": 0}, WORDS, "en", "es")
    lines = {line.item: line for line in sheet.lines}
    assert lines["phq9_9"].answer["en"] == "Item 9 not asked (gate closed)"
    assert lines["phq9_9"].answer["es"] == "Pregunta 9 no se hizo (filtro cerrado)"
    assert all(lines[f"phq9_{n}"].state == "gate_closed" for n in range(3, 10))
    assert lines["phq9_1"].answer["es"] == option_text("phq9", "phq9_1", 1, "es")
    # The two-item score is named as what it is, never as a PHQ-9 total.
    assert sheet.score == {"en": "PHQ-2 score: 1", "es": "Puntaje PHQ-2: 1"}


def test_every_question_is_listed_with_its_own_text_and_number():
    answers = {f"gad7_{n}": 2 for n in range(1, 8)}
    sheet = answer_sheet(REGISTRY.get("gad7"), answers, WORDS, "es")
    assert sheet.languages == ("es",)
    numbered = [line for line in sheet.lines if line.number is not None]
    assert [line.number for line in numbered] == list(range(1, 8))
    for line in numbered:
        assert line.question == {"es": REGISTRY.get("gad7").item(line.item).text["es"]}
        assert line.answer == {"es": "Más de la mitad de los días"}
    assert sheet.score == {"es": "Puntaje GAD-7: 14 (Moderada)"}


def test_declined_and_unanswered_are_told_apart():
    answers = {"phq9_1": 3, "phq9_2": DECLINED}
    sheet = answer_sheet(REGISTRY.get("phq9"), answers, WORDS, "en")
    by_item = {line.item: line for line in sheet.lines}
    assert by_item["phq9_2"].answer["en"] == "Declined to answer"
    # PHQ-2 at 3 opens the gate: the rest were asked and left blank.
    assert by_item["phq9_3"].answer["en"] == "Not answered"
    assert "band" not in sheet.score["en"] and "(" not in sheet.score["en"]


def test_follow_ups_that_did_not_apply_are_left_out_and_multi_answers_all_shown():
    answers = {"nicu_transport": "no", "nicu_diapers": "yes", "nicu_diapers_help": "later"}
    sheet = answer_sheet(REGISTRY.get("nicu_needs"), answers, WORDS, "en")
    items = [line.item for line in sheet.lines]
    assert "nicu_transport_help" not in items
    assert "nicu_diapers_help" in items
    sheet = answer_sheet(
        REGISTRY.get("ahc_core"), {"ahc_2": ["LA28580-1", "LA32001-2"]}, WORDS, "en"
    )
    ahc_2 = next(line for line in sheet.lines if line.item == "ahc_2")
    assert ahc_2.answer["en"] == "Mold; Water leaks"


def test_same_language_twice_is_shown_once():
    sheet = answer_sheet(REGISTRY.get("gad7"), {"gad7_1": 0}, WORDS, "en", "en")
    assert sheet.languages == ("en",)


@pytest.mark.parametrize(
    "lang, expected",
    [("en", "Food ran out: often true"), ("es", "Se acabó la comida: muchas veces es cierto")],
)
def test_food_reason_in_plain_words(lang, expected):
    result, plain = reasons({"ahc_core": {"ahc_4": "LA28397-0", "ahc_3": "LA28398-8"}}, lang)
    assert plain["food"] == [expected]
    # The machine reasons of the JSON contract are untouched.
    assert result["domains"]["food"]["reasons"] == [
        "food ran out or may run out (ahc_4 = LA28397-0)"
    ]


def test_a_declined_domain_says_which_question_was_declined():
    _, plain = reasons({"ahc_core": {"ahc_5": DECLINED}})
    assert plain["transportation"] == ["No reliable ride: declined to answer"]


def test_negative_domains_have_no_plain_reason():
    _, plain = reasons({"ahc_core": {"ahc_5": "LA32-8"}})
    assert plain["transportation"] == []


def test_mental_health_reasons_name_the_scale_band_item_and_help():
    phq = {"phq9_1": 2, "phq9_2": 2, **{f"phq9_{n}": 1 for n in range(3, 9)}, "phq9_9": 1}
    _, plain = reasons({"phq9": {**phq, "phq9_help": "yes"}})
    assert plain["mental_health"] == [
        "PHQ-9 score: 11 (moderate)",
        "Thoughts of death or self-harm: several days",
        "Wants to talk with someone: yes",
    ]


def test_an_unfinished_phq9_is_explained_by_its_phq2_score():
    _, plain = reasons({"phq9": {"phq9_1": 2, "phq9_2": 2}})
    assert plain["mental_health"] == ["PHQ-2 score: 4"]


def test_every_item_a_rule_names_has_a_short_label_in_every_language():
    # A reason must read "Food ran out: often true", not a whole question sentence.
    for instrument in REGISTRY.instruments.values():
        for rule in [*instrument.rules, *instrument.alerts]:
            if rule.condition.kind == "score":
                assert instrument.scores[rule.condition.name].title, instrument.id
                continue
            for item_id in rule.condition.items:
                short = instrument.item(item_id).short
                assert short and set(short) >= {"en", "es"}, item_id
