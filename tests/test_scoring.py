"""Scoring at every published boundary, missing and declined answers, referrals and Z codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.scoring import score
from screening.core.scoring import validate_payload

FORMS = Path(__file__).resolve().parent.parent / "forms"
REGISTRY = load_registry(FORMS)
EPDS_REVERSED = {3, 5, 6, 7, 8, 9, 10}
HITS = {1: "LA6270-8", 2: "LA10066-1", 3: "LA10082-8", 4: "LA16644-9", 5: "LA6482-9"}


def epds_answers(scores: list[int]) -> dict:
    """EPDS answers (positions on the form) that give these item scores, items 1..10."""
    return {f"epds_{n}": 3 - s if n in EPDS_REVERSED else s for n, s in enumerate(scores, start=1)}


def spread(total: int, items: int, top: int = 3) -> list[int]:
    """Item scores adding up to `total`, filled from the first item."""
    scores = []
    for _ in range(items):
        scores.append(min(top, total))
        total -= scores[-1]
    assert total == 0
    return scores


def run(answers: dict, respondent: str = "birthing_parent", settings=None) -> dict:
    assert validate_payload(REGISTRY, {"respondent": respondent, "answers": answers}) == []
    return score(REGISTRY, respondent, answers, settings)


def status(result: dict, domain: str) -> str:
    return result["domains"][domain]["status"]


# ------------------------------------------------------------------ EPDS


@pytest.mark.parametrize(
    "respondent, total, expected",
    [
        ("birthing_parent", 12, "negative"),
        ("birthing_parent", 13, "positive"),
        ("partner", 9, "negative"),
        ("partner", 10, "positive"),
        ("other_caregiver", 9, "negative"),
        ("other_caregiver", 10, "positive"),
    ],
)
def test_epds_threshold_by_respondent(respondent, total, expected):
    # Item 10 stays at 0 so only the total decides.
    answers = {"epds": {**epds_answers([*spread(total, 9), 0]), "epds_help": "no"}}
    result = run(answers, respondent)
    assert result["instruments"]["epds"]["total"] == total
    assert result["instruments"]["epds"]["complete"] is True
    assert status(result, "mental_health") == expected
    sign = ">=" if expected == "positive" else "<"
    threshold = 13 if respondent == "birthing_parent" else 10
    assert result["domains"]["mental_health"]["reasons"] == [
        f"epds total {total} {sign} {threshold}"
    ]
    assert result["alerts"] == []


def test_epds_partner_threshold_is_a_site_setting():
    answers = {"epds": epds_answers([*spread(10, 9), 0])}
    assert status(run(answers, "partner"), "mental_health") == "positive"
    raised = run(answers, "partner", {"epds_threshold_partner": 11})
    assert status(raised, "mental_health") == "negative"


@pytest.mark.parametrize("item10, alerts", [(0, []), (1, ["self_harm"])])
def test_epds_item_10_alerts_whatever_the_total(item10, alerts):
    answers = {"epds": epds_answers([0] * 9 + [item10])}
    result = run(answers)
    assert result["instruments"]["epds"]["total"] == item10
    assert [a["kind"] for a in result["alerts"]] == alerts
    if alerts:
        assert result["alerts"] == [{"kind": "self_harm", "instrument": "epds", "item": "epds_10"}]
        assert status(result, "mental_health") == "positive"
        assert (
            "thoughts of self-harm (epds_10 score 1 > 0)"
            in (result["domains"]["mental_health"]["reasons"])
        )
    else:
        assert status(result, "mental_health") == "negative"


@pytest.mark.parametrize("n", range(1, 11))
def test_each_epds_item_scored_in_its_direction(n):
    # Every other item at score 0; item n at the FIRST answer on the printed form.
    answers = epds_answers([0] * 10)
    answers[f"epds_{n}"] = 0
    result = run({"epds": answers})
    assert result["instruments"]["epds"]["total"] == (3 if n in EPDS_REVERSED else 0)


def test_epds_reverse_scoring_over_all_positions():
    for n in range(1, 11):
        for position in range(4):
            answers = epds_answers([0] * 10)
            answers[f"epds_{n}"] = position
            expected = 3 - position if n in EPDS_REVERSED else position
            assert run({"epds": answers})["instruments"]["epds"]["total"] == expected


# ------------------------------------------------------------------ PHQ-2 / PHQ-9


@pytest.mark.parametrize(
    "phq2, expected, complete", [((1, 1), "negative", True), ((2, 1), "positive", False)]
)
def test_phq2_gate_two_versus_three(phq2, expected, complete):
    answers = {"phq9": {"phq9_1": phq2[0], "phq9_2": phq2[1], "phq9_help": "no"}}
    result = run(answers)
    assert result["instruments"]["phq9"]["complete"] is complete
    assert result["instruments"]["phq9"]["subtotals"] == {"phq2": sum(phq2)}
    assert status(result, "mental_health") == expected
    if expected == "positive":
        assert result["domains"]["mental_health"]["reasons"] == [
            "PHQ-9 unfinished (phq2 total 3 >= 3)"
        ]
        assert result["instruments"]["phq9"]["missing"] == [f"phq9_{n}" for n in range(3, 10)]


def test_phq2_threshold_setting_of_two():
    answers = {"phq9": {"phq9_1": 1, "phq9_2": 1}}
    assert status(run(answers, settings={"phq2_threshold": 2}), "mental_health") == "positive"


@pytest.mark.parametrize("total, expected", [(9, "negative"), (10, "positive")])
def test_phq9_total_nine_versus_ten(total, expected):
    scores = [2, 1] + spread(total - 3, 7)[:6] + [0]
    assert sum(scores) == total
    answers = {"phq9": {f"phq9_{n}": s for n, s in enumerate(scores, start=1)}}
    result = run(answers)
    assert result["instruments"]["phq9"]["total"] == total
    assert status(result, "mental_health") == expected
    assert result["alerts"] == []


def test_complete_phq9_below_ten_is_negative_even_with_phq2_at_four():
    scores = [2, 2, 1, 1, 1, 1, 1, 0, 0]
    answers = {"phq9": {f"phq9_{n}": s for n, s in enumerate(scores, start=1)}}
    result = run(answers)
    assert status(result, "mental_health") == "negative"
    assert result["domains"]["mental_health"]["reasons"] == ["phq9 total 9 < 10"]


@pytest.mark.parametrize("item9, alerts", [(0, []), (1, ["self_harm"])])
def test_phq9_item_9_alerts_with_a_low_total(item9, alerts):
    scores = [2, 1, 0, 0, 0, 0, 0, 0, item9]
    answers = {"phq9": {f"phq9_{n}": s for n, s in enumerate(scores, start=1)}}
    result = run(answers)
    assert [a["kind"] for a in result["alerts"]] == alerts
    assert status(result, "mental_health") == ("positive" if item9 else "negative")


def test_phq9_item_9_answered_behind_a_closed_gate_still_alerts():
    result = run({"phq9": {"phq9_1": 0, "phq9_2": 0, "phq9_9": 2}})
    assert result["alerts"] == [{"kind": "self_harm", "instrument": "phq9", "item": "phq9_9"}]


# ------------------------------------------------------------------ GAD-2 / GAD-7


@pytest.mark.parametrize(
    "gad2, expected", [((1, 1), "negative"), ((2, 0), "negative"), ((2, 1), "positive")]
)
def test_gad2_gate_two_versus_three(gad2, expected):
    result = run({"gad7": {"gad7_1": gad2[0], "gad7_2": gad2[1]}})
    assert status(result, "mental_health") == expected


@pytest.mark.parametrize("total, expected", [(9, "negative"), (10, "positive")])
def test_gad7_total_nine_versus_ten(total, expected):
    scores = [2, 1] + spread(total - 3, 5)
    answers = {"gad7": {f"gad7_{n}": s for n, s in enumerate(scores, start=1)}}
    result = run(answers)
    assert result["instruments"]["gad7"]["total"] == total
    assert status(result, "mental_health") == expected


# ------------------------------------------------------------------ wants help


@pytest.mark.parametrize("instrument", ["phq9", "gad7", "epds"])
def test_asking_for_help_is_positive_whatever_the_score(instrument):
    if instrument == "epds":
        answers = epds_answers([0] * 10)
    else:
        answers = {f"{instrument}_1": 0, f"{instrument}_2": 0}
    answers[f"{instrument}_help"] = "yes"
    result = run({instrument: answers})
    outcome = result["domains"]["mental_health"]
    assert outcome["status"] == "positive"
    assert outcome["wants_help"] == "yes"
    assert outcome["reasons"] == [
        f"asked to talk with someone, whatever the score ({instrument}_help = yes)"
    ]
    assert result["referrals"] == [
        {
            "domain": "mental_health",
            "category": "mental_health",
            "tags": ["perinatal_mental_health"],
        }
    ]


def test_help_later_is_recorded_without_changing_the_status():
    result = run({"phq9": {"phq9_1": 0, "phq9_2": 1, "phq9_help": "later"}})
    assert result["domains"]["mental_health"] == {
        "status": "negative",
        "wants_help": "later",
        "reasons": ["phq9 total 1 < 10"],
    }


def test_mental_health_combines_instruments():
    low_phq9 = {"phq9_1": 0, "phq9_2": 1}
    high_gad7 = {f"gad7_{n}": 2 for n in range(1, 8)}
    assert status(run({"phq9": low_phq9, "gad7": high_gad7}), "mental_health") == "positive"
    low_gad7 = {"gad7_1": 1, "gad7_2": 0}
    assert status(run({"phq9": low_phq9, "gad7": low_gad7}), "mental_health") == "negative"
    assert status(run({"phq9": low_phq9, "gad7": {"gad7_1": 1}}), "mental_health") == "not_asked"
    declined = {"gad7_1": DECLINED, "gad7_2": 0}
    assert status(run({"phq9": low_phq9, "gad7": declined}), "mental_health") == "declined"


# ------------------------------------------------------------------ AHC core


AHC_CASES = [
    ("ahc_1", "LA31993-1", "housing_instability", "negative"),
    ("ahc_1", "LA31994-9", "housing_instability", "positive"),
    ("ahc_1", "LA31995-6", "housing_instability", "positive"),
    ("ahc_2", ["LA31996-4"], "housing_quality", "positive"),
    ("ahc_2", ["LA28580-1"], "housing_quality", "positive"),
    ("ahc_2", ["LA31997-2"], "housing_quality", "positive"),
    ("ahc_2", ["LA31998-0"], "housing_quality", "positive"),
    ("ahc_2", ["LA31999-8"], "housing_quality", "positive"),
    ("ahc_2", ["LA32000-4"], "housing_quality", "positive"),
    ("ahc_2", ["LA32001-2"], "housing_quality", "positive"),
    ("ahc_2", ["LA9-3"], "housing_quality", "negative"),
    ("ahc_3", "LA28397-0", "food", "positive"),
    ("ahc_3", "LA6729-3", "food", "positive"),
    ("ahc_3", "LA28398-8", "food", "negative"),
    ("ahc_4", "LA28397-0", "food", "positive"),
    ("ahc_4", "LA6729-3", "food", "positive"),
    ("ahc_4", "LA28398-8", "food", "negative"),
    ("ahc_5", "LA33-6", "transportation", "positive"),
    ("ahc_5", "LA32-8", "transportation", "negative"),
    ("ahc_6", "LA33-6", "utilities", "positive"),
    ("ahc_6", "LA32-8", "utilities", "negative"),
    ("ahc_6", "LA32002-0", "utilities", "positive"),
]
NO_NEED = {
    "ahc_1": "LA31993-1",
    "ahc_2": ["LA9-3"],
    "ahc_3": "LA28398-8",
    "ahc_4": "LA28398-8",
    "ahc_5": "LA32-8",
    "ahc_6": "LA32-8",
    "ahc_7": "LA6270-8",
    "ahc_8": "LA6270-8",
    "ahc_9": "LA6270-8",
    "ahc_10": "LA6270-8",
}


@pytest.mark.parametrize("item, answer, domain, expected", AHC_CASES)
def test_every_ahc_answer(item, answer, domain, expected):
    result = run({"ahc_core": {**NO_NEED, item: answer}})
    assert status(result, domain) == expected
    others = {d: o["status"] for d, o in result["domains"].items() if d != domain}
    assert set(others.values()) == {"negative"}
    unsafe = answer in ("LA31995-6", "LA32002-0")
    assert result["alerts"] == (
        [{"kind": "unsafe_discharge", "instrument": "ahc_core", "item": item}] if unsafe else []
    )
    assert result["instruments"]["ahc_core"]["complete"] is True
    assert result["instruments"]["ahc_core"]["subtotals"] == {"safety": 4}


def test_several_housing_problems_each_suggest_their_code():
    result = run({"ahc_core": {**NO_NEED, "ahc_2": ["LA31998-0", "LA28580-1"]}})
    codes = [z["code"] for z in result["z_codes"] if z["domain"] == "housing_quality"]
    assert codes == ["Z59.11", "Z59.19"]
    assert all(z["code_set"] == "ICD-10-CM FY2026" for z in result["z_codes"])


@pytest.mark.parametrize(
    "points, expected",
    [
        ((1, 2, 3, 4), "negative"),  # 10
        ((4, 3, 2, 1), "negative"),  # 10
        ((5, 1, 1, 3), "negative"),  # 10
        ((1, 2, 3, 5), "positive"),  # 11
        ((5, 1, 4, 1), "positive"),  # 11
        ((3, 3, 3, 2), "positive"),  # 11
    ],
)
def test_ahc_safety_total_ten_versus_eleven(points, expected):
    safety = {f"ahc_{n}": HITS[p] for n, p in zip(range(7, 11), points, strict=True)}
    result = run({"ahc_core": {**NO_NEED, **safety}})
    total = sum(points)
    assert result["instruments"]["ahc_core"]["subtotals"] == {"safety": total}
    assert status(result, "interpersonal_safety") == expected
    alerted = [a for a in result["alerts"] if a["kind"] == "interpersonal_safety"]
    assert bool(alerted) is (expected == "positive")
    sign = ">" if expected == "positive" else "<="
    assert result["domains"]["interpersonal_safety"]["reasons"] == [
        f"ahc safety total {total} {sign} 10"
    ]


def test_partial_safety_sum_already_over_ten_is_positive():
    answers = {"ahc_7": HITS[5], "ahc_8": HITS[5], "ahc_9": HITS[1]}
    result = run({"ahc_core": answers})
    assert status(result, "interpersonal_safety") == "positive"
    assert result["domains"]["interpersonal_safety"]["reasons"] == [
        "ahc safety total 11 > 10 with 1 unanswered"
    ]
    assert result["instruments"]["ahc_core"]["complete"] is False


def test_partial_safety_sum_under_the_threshold_is_not_negative():
    result = run({"ahc_core": {"ahc_7": HITS[5], "ahc_8": HITS[5]}})
    assert status(result, "interpersonal_safety") == "not_asked"
    result = run({"ahc_core": {"ahc_7": HITS[1], "ahc_8": HITS[1], "ahc_9": DECLINED}})
    assert status(result, "interpersonal_safety") == "declined"


def test_a_declined_question_makes_the_domain_declined():
    result = run({"ahc_core": {**NO_NEED, "ahc_3": DECLINED}})
    assert status(result, "food") == "declined"
    assert result["domains"]["food"]["reasons"] == ["ahc_3 declined"]
    assert result["instruments"]["ahc_core"]["declined"] == ["ahc_3"]
    assert result["instruments"]["ahc_core"]["complete"] is False
    # A "yes" elsewhere in the domain still counts.
    result = run({"ahc_core": {**NO_NEED, "ahc_3": DECLINED, "ahc_4": "LA6729-3"}})
    assert status(result, "food") == "positive"


def test_unanswered_domain_is_not_asked_and_gets_no_referral():
    result = run({"ahc_core": {"ahc_3": "LA28398-8"}})
    assert status(result, "food") == "not_asked"
    assert result["domains"]["food"]["reasons"] == ["ahc_4 not answered"]
    assert result["referrals"] == [] and result["z_codes"] == []


def test_positive_domains_get_referral_tags_and_z_codes():
    answers = {**NO_NEED, "ahc_1": "LA31995-6", "ahc_3": "LA28397-0"}
    result = run({"ahc_core": answers})
    assert result["referrals"] == [
        {"domain": "housing_instability", "category": "community", "tags": ["housing", "shelter"]},
        {"domain": "food", "category": "community", "tags": ["food", "wic", "snap"]},
    ]
    assert [(z["domain"], z["code"]) for z in result["z_codes"]] == [
        ("housing_instability", "Z59.01"),
        ("housing_instability", "Z59.02"),
        ("housing_instability", "Z59.00"),
        ("food", "Z59.41"),
    ]


# ------------------------------------------------------------------ NICU needs


def test_nicu_need_with_help_follow_up():
    answers = {
        "nicu_parking": "yes",
        "nicu_parking_help": "later",
        "nicu_transport": "yes",
        "nicu_transport_help": "yes",
        "nicu_lodging": "no",
        "nicu_pump": "no",
        "nicu_lactation": "no",
    }
    result = run({"nicu_needs": answers})
    visiting = result["domains"]["nicu_visiting"]
    assert visiting["status"] == "positive"
    assert visiting["wants_help"] == "yes"
    assert visiting["reasons"] == [
        "hard to get to the hospital (nicu_transport = yes)",
        "parking cost (nicu_parking = yes)",
    ]
    [referral] = [r for r in result["referrals"] if r["domain"] == "nicu_visiting"]
    assert referral["tags"] == ["nicu_visiting", "transportation", "gas_card", "parking"]
    assert result["domains"]["lactation"]["status"] == "negative"
    assert result["domains"]["childcare"]["status"] == "not_asked"


def test_a_help_answer_without_the_need_counts_for_nothing():
    result = run({"nicu_needs": {"nicu_diapers": "no", "nicu_diapers_help": "yes"}})
    assert result["domains"]["infant_supplies"]["wants_help"] == "not_asked"


def test_result_has_exactly_the_design_shape():
    result = run({"epds": {"epds_1": 0, "epds_2": 1}, "ahc_core": {"ahc_3": "LA6729-3"}})
    assert set(result) == {"instruments", "domains", "alerts", "referrals", "z_codes"}
    assert {"total", "complete"} <= set(result["instruments"]["epds"])
    for outcome in result["domains"].values():
        assert set(outcome) == {"status", "wants_help", "reasons"}
    assert result["domains"]["food"]["status"] == "positive"
    assert result["domains"]["mental_health"]["status"] == "not_asked"
    assert result["z_codes"] == [
        {
            "domain": "food",
            "code": "Z59.41",
            "title": "Food insecurity",
            "code_set": "ICD-10-CM FY2026",
        }
    ]


def test_instruments_not_given_are_left_out():
    result = run({"gad7": {"gad7_1": 0, "gad7_2": 0}})
    assert list(result["instruments"]) == ["gad7"]
    assert list(result["domains"]) == ["mental_health"]


# ------------------------------------------------------------------ payload validation


@pytest.mark.parametrize(
    "payload, problem",
    [
        ([], "the input must be a JSON object with respondent and answers"),
        ({"answers": {}}, "respondent: missing; expected one of birthing_parent"),
        ({"respondent": "mother", "answers": {}}, 'respondent: "mother" is not one of'),
        ({"respondent": "partner"}, "answers: missing"),
        ({"respondent": "partner", "answers": [], "x": 1}, '"x": unknown key'),
        ({"respondent": "partner", "answers": {"edps": {}}}, "answers.edps: unknown instrument"),
        (
            {"respondent": "partner", "answers": {"epds": {"epds_11": 0}}},
            "answers.epds.epds_11: unknown item of epds",
        ),
        (
            {"respondent": "partner", "answers": {"epds": {"epds_1": 4}}},
            "answers.epds.epds_1: 4 is not an answer code; "
            'expected one of 0, 1, 2, 3 or "declined"',
        ),
        (
            {"respondent": "partner", "answers": {"epds": {"epds_1": "2"}}},
            "answers.epds.epds_1: wrong type",
        ),
        (
            {"respondent": "partner", "answers": {"ahc_core": {"ahc_2": "LA9-3"}}},
            "answers.ahc_core.ahc_2: expected a non-empty list",
        ),
        (
            {"respondent": "partner", "answers": {"ahc_core": {"ahc_2": ["LA9-3", "LA28580-1"]}}},
            '"LA9-3" cannot be chosen together with other answers',
        ),
        (
            {"respondent": "partner", "answers": {"ahc_core": {"ahc_5": "LA32002-0"}}},
            'answers.ahc_core.ahc_5: "LA32002-0" is not an answer code',
        ),
        (
            {"respondent": "partner", "language": "Spanish", "answers": {}},
            'language: "Spanish" is not a language code',
        ),
    ],
)
def test_validate_payload_names_each_problem(payload, problem):
    problems = validate_payload(REGISTRY, payload)
    assert any(problem in p for p in problems), problems


def test_validate_payload_lists_every_problem():
    payload = {"respondent": "x", "answers": {"epds": {"epds_1": 9, "epds_2": 9}}}
    assert len(validate_payload(REGISTRY, payload)) == 3


def test_all_ten_epds_items_make_a_complete_instrument_without_the_help_question():
    """The added "would you like to talk with someone?" item is not part of the EPDS."""
    answers = {"epds": {f"epds_{i}": 0 for i in range(1, 11)}}
    result = run(answers)
    assert result["instruments"]["epds"]["complete"] is True
    assert result["instruments"]["epds"]["missing"] == []
    assert result["domains"]["mental_health"]["wants_help"] == "not_asked"
