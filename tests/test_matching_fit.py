"""Matching against the shipped starter directory: the choices a social worker would make."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from screening.core import matching
from screening.core.instrument_loader import load_registry
from screening.directory.store import STARTER
from screening.platform.resources import SHIPPED_FORMS

TODAY = dt.date(2026, 12, 2)
DEMO_NEEDS = (
    "food",
    "housing_instability",
    "transportation",
    "infant_supplies",
    "lactation",
    "language_access",
    "mental_health",
)


@pytest.fixture(scope="module")
def registry():
    return load_registry(SHIPPED_FORMS)


@pytest.fixture(scope="module")
def starter():
    return [
        {"active": 1, **entry}
        for entry in yaml.safe_load(STARTER.read_text(encoding="utf-8"))["services"]
    ]


def by_id(services):
    return {s["id"]: s for s in services}


def result_for(registry, domains, *, alerts=(), instruments=None, wants="yes"):
    """A scorer-shaped result: each domain positive, with the category and tags it declares."""
    return {
        "domains": {d: {"status": "positive", "wants_help": wants} for d in domains},
        "referrals": [
            {
                "domain": d,
                "category": registry.domains[d].category,
                "tags": list(registry.domains[d].tags),
            }
            for d in domains
        ],
        "alerts": list(alerts),
        "instruments": instruments or {},
    }


def test_demo_family_needs_do_not_share_one_generic_service(registry, starter):
    suggestions = matching.match(result_for(registry, DEMO_NEEDS), starter, "es", today=TODAY)
    chosen = [s.service_id for s in suggestions if not s.crisis]
    assert [s.domain for s in suggestions] == list(DEMO_NEEDS)
    assert len(set(chosen)) == len(chosen), "two needs got the same service"
    names = by_id(starter)
    assert not any(matching.GENERAL_TAG in names[sid].get("tags", []) for sid in chosen)
    # Every need still lists the others that fit, so the worker can pick.
    assert all(s.alternatives for s in suggestions if s.domain != "language_access")


def test_mental_health_gets_the_units_perinatal_service_first_and_no_crisis_line(registry, starter):
    services = by_id(starter)
    [mh] = matching.match(result_for(registry, ["mental_health"]), starter, "en", today=TODAY)
    first = services[mh.service_id]
    assert first["priorities"]["mental_health"] > 0
    assert "perinatal_mental_health" in first["tags"]
    assert all("crisis" not in services[a].get("tags", []) for a in mh.alternatives)


@pytest.mark.parametrize(
    "alerts, instruments",
    [
        ([{"kind": "self_harm", "instrument": "phq9", "item": "phq9_9"}], {}),
        ([], {"phq9": {"band": "severe", "total": 22}}),
    ],
)
def test_crisis_line_is_offered_beside_not_instead(registry, starter, alerts, instruments):
    suggestions = matching.match(
        result_for(registry, ["mental_health"], alerts=alerts, instruments=instruments),
        starter,
        "en",
        today=TODAY,
    )
    regular, crisis = suggestions
    services = by_id(starter)
    assert "crisis" not in services[regular.service_id]["tags"]
    assert "crisis" in services[crisis.service_id]["tags"] and crisis.crisis and crisis.sensitive
    assert crisis.reasons[0].kind == "crisis"


def test_a_moderate_score_without_a_safety_answer_gets_no_crisis_line(registry, starter):
    suggestions = matching.match(
        result_for(registry, ["mental_health"], instruments={"phq9": {"band": "moderate"}}),
        starter,
        "en",
        today=TODAY,
    )
    assert [s.crisis for s in suggestions] == [False]


def test_unit_priority_beats_language_and_recency():
    need = matching.Need("food", "community", ("food",))
    services = [
        {"id": "a", "name": "a", "domains": ["food"], "tags": ["food"], "languages": ["es"],
         "category": "community", "last_verified": "2026-11-01"},
        {"id": "b", "name": "b", "domains": ["food"], "tags": ["food"], "languages": ["en"],
         "category": "community", "priorities": {"food": 5}},
    ]  # fmt: skip
    ranked = matching.rank_services(services, need, "es", category_ok=False, today=TODAY)
    assert [s["id"] for s in ranked] == ["b", "a"]
    services[1]["priorities"] = {"housing_instability": 5}
    ranked = matching.rank_services(services, need, "es", category_ok=False, today=TODAY)
    assert [s["id"] for s in ranked] == ["a", "b"]


def test_reasons_say_language_and_age_of_verification():
    need = matching.Need("food", "community", ("food", "wic"))
    service = {"id": "w", "name": "w", "domains": ["food"], "tags": ["wic"],
               "languages": ["en", "es"], "last_verified": "2026-09-02"}  # fmt: skip
    reasons = matching.reasons_for(service, need, "es", TODAY, alone=False)
    assert matching.Reason("serves", "wic") in reasons
    assert matching.Reason("speaks", "es") in reasons
    assert matching.Reason("verified_days", 91) in reasons
    del service["last_verified"]
    assert matching.Reason("never_verified") in matching.reasons_for(
        service, need, "en", TODAY, alone=True
    )


def test_starter_directory_covers_every_domain_in_both_languages(starter):
    from screening.core.identifiers import DOMAINS

    served = {d for s in starter for d in s["domains"]}
    assert served == set(DOMAINS)
    for s in starter:
        assert s.get("name_es") and s.get("description_es"), s["name"]
        for field in ("hours", "eligibility", "what_to_bring"):
            assert bool(s.get(field)) == bool(s.get(f"{field}_es")), (s["name"], field)
