"""Properties of the scorer over any combination of valid answers (Hypothesis)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from screening.core.identifiers import RESPONDENTS
from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.scoring import score
from screening.core.scoring import validate_payload

REGISTRY = load_registry(Path(__file__).resolve().parent.parent / "forms")
STATUSES = {"positive", "negative", "declined", "not_asked"}
HELP = {"yes", "no", "later", "not_asked"}


def answer(item):
    """Any valid answer to one item, declining included."""
    declined = st.just(DECLINED)
    codes = [o.code for o in item.options]
    if item.type == "single":
        return st.one_of(declined, st.sampled_from(codes))
    exclusive = [o.code for o in item.options if o.exclusive]
    plain = [o.code for o in item.options if not o.exclusive]
    lists = st.lists(st.sampled_from(plain), min_size=1, unique=True)
    return st.one_of(declined, lists, *(st.just([c]) for c in exclusive))


def instrument_answers(instrument):
    return st.fixed_dictionaries({}, optional={i.id: answer(i) for i in instrument.items})


screenings = st.fixed_dictionaries(
    {}, optional={i: instrument_answers(inst) for i, inst in REGISTRY.instruments.items()}
)
site_settings = st.fixed_dictionaries(
    {},
    optional={
        "phq2_always_full": st.booleans(),
        "gad2_always_full": st.booleans(),
        "phq2_threshold": st.integers(2, 3),
        "epds_threshold_partner": st.integers(7, 13),
    },
)


def feeding_items(domain: str) -> dict[str, set[str]]:
    """Items whose decline must keep `domain` from being negative, per instrument."""
    found: dict[str, set[str]] = {}
    for instrument in REGISTRY.instruments.values():
        for rule in instrument.rules:
            if rule.domain != domain or rule.positive_only:
                continue
            condition = rule.condition
            items = condition.items or instrument.scores[condition.name].items
            found.setdefault(instrument.id, set()).update(items)
    return found


@settings(max_examples=150, deadline=None)
@given(answers=screenings, respondent=st.sampled_from(RESPONDENTS), overrides=site_settings)
def test_scoring_never_raises_and_stays_in_range(answers, respondent, overrides):
    assert validate_payload(REGISTRY, {"respondent": respondent, "answers": answers}) == []
    result = score(REGISTRY, respondent, answers, overrides)
    assert set(result["instruments"]) == set(answers)
    for instrument_id, outcome in result["instruments"].items():
        instrument = REGISTRY.get(instrument_id)
        sums = dict(outcome["subtotals"])
        if outcome["total"] is not None:
            sums["total"] = outcome["total"]
        for name, value in sums.items():
            low, high = instrument.score_range(name)
            given_answers = answers[instrument_id]
            full = all(
                given_answers.get(i) not in (None, DECLINED) for i in instrument.scores[name].items
            )
            # A partial sum can sit below the full minimum (HITS answers start at 1 point).
            assert (low if full else 0) <= value <= high
        if outcome["complete"]:
            assert not outcome["missing"] and not outcome["declined"]
    for outcome in result["domains"].values():
        assert outcome["status"] in STATUSES
        assert outcome["wants_help"] in HELP
        assert all(isinstance(r, str) and r for r in outcome["reasons"])
    positive = {d for d, o in result["domains"].items() if o["status"] == "positive"}
    assert {r["domain"] for r in result["referrals"]} == positive
    assert {z["domain"] for z in result["z_codes"]} <= positive


@settings(max_examples=150, deadline=None)
@given(answers=screenings, respondent=st.sampled_from(RESPONDENTS), data=st.data())
def test_raising_an_answer_score_never_undoes_a_positive(answers, respondent, data):
    before = score(REGISTRY, respondent, answers)
    raisable = []
    for instrument_id, given_answers in answers.items():
        instrument = REGISTRY.get(instrument_id)
        for item_id, value in given_answers.items():
            item = instrument.item(item_id)
            current = item.lookup(value)
            if current is None or current.score is None:
                continue
            higher = [
                o.code for o in item.options if o.score is not None and o.score > current.score
            ]
            if higher:
                raisable.append((instrument_id, item_id, higher))
    if not raisable:
        return
    instrument_id, item_id, higher = data.draw(st.sampled_from(raisable))
    raised = {k: dict(v) for k, v in answers.items()}
    raised[instrument_id][item_id] = data.draw(st.sampled_from(higher))
    after = score(REGISTRY, respondent, raised)
    for domain, outcome in before["domains"].items():
        if outcome["status"] == "positive":
            assert after["domains"][domain]["status"] == "positive", (domain, item_id)
    assert len(after["alerts"]) >= len(before["alerts"])


@settings(max_examples=150, deadline=None)
@given(answers=screenings, respondent=st.sampled_from(RESPONDENTS))
def test_a_declined_answer_never_yields_negative(answers, respondent):
    result = score(REGISTRY, respondent, answers)
    for domain, outcome in result["domains"].items():
        fed_by = feeding_items(domain)
        declined = [
            item_id
            for instrument_id, items in fed_by.items()
            for item_id in items
            if answers.get(instrument_id, {}).get(item_id) == DECLINED
        ]
        if declined:
            assert outcome["status"] != "negative", (domain, declined)
