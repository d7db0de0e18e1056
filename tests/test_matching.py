"""Referral matching: which service each need gets, in what order."""

from __future__ import annotations

import pytest

from screening.core import matching


def service(sid, *, domains, category="community", languages=("en",), verified=None, **extra):
    return {
        "id": sid,
        "name": sid,
        "domains": list(domains),
        "category": category,
        "languages": list(languages),
        "last_verified": verified,
        "active": 1,
        "sensitive": 0,
        **extra,
    }


def result(**domains):
    return {
        "domains": {
            d: {"status": status, "wants_help": wants} for d, (status, wants) in domains.items()
        }
    }


def ids(suggestions):
    return {s.domain: s.service_id for s in suggestions}


def test_spanish_family_sees_spanish_capable_service_first():
    services = [
        service("pantry-en", domains=["food"], verified="2026-06-01"),
        service("pantry-es", domains=["food"], languages=["en", "es"], verified="2025-01-01"),
    ]
    spanish = matching.match(result(food=("positive", "yes")), services, "es")
    english = matching.match(result(food=("positive", "yes")), services, "en")
    assert ids(spanish) == {"food": "pantry-es"}
    assert spanish[0].alternatives == ("pantry-en",)
    # Same language for both: the more recently verified one wins.
    assert ids(english) == {"food": "pantry-en"}


def test_domain_fit_beats_language():
    services = [
        service("general-es", domains=["housing_instability"], languages=["es"]),
        service("food-en", domains=["food"]),
    ]
    assert ids(matching.match(result(food=("positive", "later")), services, "es")) == {
        "food": "food-en"
    }


@pytest.mark.parametrize(
    "status, wants, suggested",
    [
        ("positive", "yes", True),
        ("positive", "later", True),
        ("positive", "not_asked", True),
        ("positive", "no", False),
        ("negative", "yes", False),
        ("declined", "not_asked", False),
        ("not_asked", "not_asked", False),
    ],
)
def test_only_positive_needs_not_refused_are_suggested(status, wants, suggested):
    services = [service("pantry", domains=["food"])]
    out = matching.match(result(food=(status, wants)), services, "en")
    assert bool(out) is suggested


def test_mental_health_and_lactation_are_offered_even_when_help_was_refused():
    services = [
        service("psych", domains=["mental_health"], category="mental_health"),
        service("ibclc", domains=["lactation"], category="lactation"),
        service("pantry", domains=["food"]),
    ]
    out = matching.match(
        result(
            mental_health=("positive", "no"), lactation=("positive", "no"), food=("positive", "no")
        ),
        services,
        "en",
    )
    assert ids(out) == {"mental_health": "psych", "lactation": "ibclc"}
    assert {s.category for s in out} == {"mental_health", "lactation"}


def test_always_offered_category_falls_back_to_any_service_of_that_category():
    services = [service("hotline", domains=[], category="mental_health")]
    out = matching.match(result(mental_health=("positive", "yes")), services, "en")
    assert ids(out) == {"mental_health": "hotline"}


def test_always_offered_need_is_kept_without_a_service_but_others_are_dropped():
    out = matching.match(result(lactation=("positive", "yes"), food=("positive", "yes")), [], "en")
    assert ids(out) == {"lactation": None}


def test_lactation_category_service_ranks_above_community_service_with_the_domain():
    services = [
        service("wic", domains=["food", "lactation"], languages=["en", "es"]),
        service("ibclc", domains=["lactation"], category="lactation"),
    ]
    out = matching.match(result(lactation=("positive", "yes")), services, "es")
    assert ids(out) == {"lactation": "ibclc"}


def test_retired_services_are_never_suggested():
    services = [
        service("old", domains=["food"], active=0, verified="2026-11-01"),
        service("new", domains=["food"]),
    ]
    out = matching.match(result(food=("positive", "yes")), services, "en")
    assert ids(out) == {"food": "new"}
    assert "old" not in out[0].alternatives


def test_safety_and_mental_health_suggestions_are_sensitive():
    services = [
        service("dv", domains=["interpersonal_safety"], sensitive=1),
        service("psych", domains=["mental_health"], category="mental_health"),
        service("pantry", domains=["food"]),
    ]
    out = matching.match(
        result(
            interpersonal_safety=("positive", "yes"),
            mental_health=("positive", "yes"),
            food=("positive", "yes"),
        ),
        services,
        "en",
    )
    assert {s.domain: s.sensitive for s in out} == {
        "interpersonal_safety": True,
        "mental_health": True,
        "food": False,
    }


def test_category_named_by_the_scorer_is_used():
    services = [service("pantry", domains=["food"])]
    scored = result(food=("positive", "yes"))
    scored["referrals"] = [{"domain": "food", "category": "community"}]
    assert matching.match(scored, services, "en")[0].category == "community"


def test_services_read_from_the_database_json_columns():
    services = [
        service("pantry", domains=["food"]) | {"domains": '["food"]', "languages": '["en", "es"]'},
    ]
    out = matching.match(result(food=("positive", "yes")), services, "es")
    assert ids(out) == {"food": "pantry"}
