"""`flask --app screening score FILE`: the DESIGN.md contract, and exit 2 on bad input."""

from __future__ import annotations

import json

import pytest

DESIGN_EXAMPLE = """{"respondent": "birthing_parent", "language": "en",
 "answers": {"epds": {"epds_1": 0, "epds_2": 1}, "ahc_core": {"ahc_3": "LA6729-3"}}}"""
EPDS_REVERSED = {3, 5, 6, 7, 8, 9, 10}


def test_design_example_from_a_file(runner, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(DESIGN_EXAMPLE, encoding="utf-8")
    result = runner.invoke(args=["score", str(path)])
    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["instruments"]["epds"]["total"] == 1
    assert output["instruments"]["epds"]["complete"] is False
    assert output["domains"]["food"] == {
        "status": "positive",
        "wants_help": "not_asked",
        "reasons": ["food ran out or may run out (ahc_3 = LA6729-3)"],
    }
    assert output["domains"]["mental_health"]["status"] == "not_asked"
    assert output["alerts"] == []
    assert output["referrals"] == [
        {"domain": "food", "category": "community", "tags": ["food", "wic", "snap"]}
    ]
    assert output["z_codes"] == [
        {
            "domain": "food",
            "code": "Z59.41",
            "title": "Food insecurity",
            "code_set": "ICD-10-CM FY2026",
        }
    ]


def test_design_output_example_from_stdin(runner):
    # Item scores 3,3,2,1,1,1,1,1,0,1 -> total 14, with item 10 at 1: the DESIGN.md output.
    scores = [3, 3, 2, 1, 1, 1, 1, 1, 0, 1]
    epds = {f"epds_{n}": 3 - s if n in EPDS_REVERSED else s for n, s in enumerate(scores, 1)}
    payload = {"respondent": "birthing_parent", "answers": {"epds": epds}}
    result = runner.invoke(args=["score", "-"], input=json.dumps(payload))
    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["instruments"]["epds"]["total"] == 14
    assert output["instruments"]["epds"]["complete"] is True  # as in DESIGN.md
    assert output["domains"]["mental_health"]["status"] == "positive"
    assert output["domains"]["mental_health"]["reasons"][0] == "epds total 14 >= 13"
    assert output["alerts"] == [{"kind": "self_harm", "instrument": "epds", "item": "epds_10"}]
    assert output["referrals"] == [
        {
            "domain": "mental_health",
            "category": "mental_health",
            "tags": ["perinatal_mental_health"],
        }
    ]


def test_site_scoring_settings_apply(app, runner):
    scores = [3, 3, 3, 2, 0, 0, 0, 0, 0, 0]  # total 11, item 10 at 0
    epds = {f"epds_{n}": 3 - s if n in EPDS_REVERSED else s for n, s in enumerate(scores, 1)}
    payload = json.dumps({"respondent": "partner", "answers": {"epds": epds}})
    output = json.loads(runner.invoke(args=["score", "-"], input=payload).stdout)
    assert output["domains"]["mental_health"]["status"] == "positive"
    app.config["SCORING_SETTINGS"] = {"epds_threshold_partner": 12}
    output = json.loads(runner.invoke(args=["score", "-"], input=payload).stdout)
    # The unanswered wants-help item does not hold back a complete total.
    assert output["domains"]["mental_health"] == {
        "status": "negative",
        "wants_help": "not_asked",
        "reasons": ["epds total 11 < 12"],
    }


@pytest.mark.parametrize(
    "text, lines",
    [
        ('{"respondent": "birthing_parent", "answers": {', ["score: malformed JSON at line 1"]),
        (
            '{"respondent": "mom", "answers": {"phq10": {}}}',
            [
                'score: respondent: "mom" is not one of birthing_parent, partner, other_caregiver',
                "score: answers.phq10: unknown instrument; known: "
                "ahc_core, epds, gad7, nicu_needs, phq9",
            ],
        ),
        (
            '{"respondent": "partner", "answers": {"phq9": {"phq9_1": "3", "phq9_0": 1}}}',
            [
                'score: answers.phq9.phq9_1: wrong type: "3" is text, but this item\'s codes are '
                "numbers; expected one of 0, 1, 2, 3",
                "score: answers.phq9.phq9_0: unknown item of phq9",
            ],
        ),
        (
            '{"respondent": "partner", "answers": {"ahc_core": {"ahc_1": "LA9-3"}}}',
            [
                'score: answers.ahc_core.ahc_1: "LA9-3" is not an answer code; expected one of '
                '"LA31993-1", "LA31994-9", "LA31995-6" or "declined"'
            ],
        ),
        ('"just text"', ["score: the input must be a JSON object with respondent and answers"]),
        (b"\xff\xfe{}", ["score: the input is not UTF-8 text"]),
    ],
)
def test_bad_input_exits_2_with_one_line_per_problem(runner, text, lines):
    result = runner.invoke(args=["score", "-"], input=text)
    assert result.exit_code == 2
    assert result.stdout == ""
    got = result.stderr.strip().splitlines()
    assert len(got) == len(lines)
    for line, expected in zip(got, lines, strict=True):
        assert line.startswith(expected), got


def test_missing_file_exits_2(runner, tmp_path):
    result = runner.invoke(args=["score", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json" in result.stderr


@pytest.mark.parametrize(
    "answers, scale, total, band",
    [
        ({"phq9_1": 1, "phq9_2": 1}, "phq2", 2, None),
        ({**{f"phq9_{n}": 2 for n in range(1, 9)}, "phq9_9": 0}, "phq9", 16, "moderately_severe"),
    ],
)
def test_score_prints_the_scale_and_band(runner, answers, scale, total, band):
    payload = json.dumps({"respondent": "partner", "answers": {"phq9": answers}})
    result = runner.invoke(args=["score", "-"], input=payload)
    assert result.exit_code == 0, result.stderr
    phq = json.loads(result.stdout)["instruments"]["phq9"]
    assert (phq["scale"], phq["total"], phq["band"]) == (scale, total, band)
