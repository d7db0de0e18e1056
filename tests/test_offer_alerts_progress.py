"""Placeholder instruments never offered, instrument order, grouped alerts, stable page count."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from screening.core.alert_groups import alert_summary
from screening.core.alert_groups import group_alerts
from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.instruments import visible_items
from screening.core.offer import instrument_order
from screening.core.offer import offerable
from screening.core.progress import minutes_left
from screening.core.progress import page_count
from screening.core.scoring import score
from tests.factories.web import core_words

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry(ROOT / "forms")
WORDS = core_words()
ALL = ["ahc_core", "nicu_needs", "phq9", "gad7"]


def licensed_epds(tmp_path):
    """A site's EPDS file with its wording installed."""
    folder = tmp_path / "forms"
    folder.mkdir()
    data = yaml.safe_load((ROOT / "forms" / "epds.yaml").read_text(encoding="utf-8"))
    data["wording"] = "official"
    (folder / "epds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_registry(ROOT / "forms", folder)


# ------------------------------------------------------------------ offer and order


def test_the_placeholder_epds_is_never_offered(tmp_path):
    assert REGISTRY.get("epds").placeholder is True
    assert "epds" not in offerable(REGISTRY)
    assert offerable(REGISTRY) == ["ahc_core", "nicu_needs", "phq9", "gad7"]
    assert "epds" in offerable(licensed_epds(tmp_path))


def test_default_order_is_social_needs_then_mood_then_worry():
    alphabetical = sorted(ALL)
    assert instrument_order(REGISTRY, alphabetical) == ALL


def test_site_order_wins_and_unlisted_instruments_follow():
    site = ["phq9", "ahc_core"]
    assert instrument_order(REGISTRY, ["gad7", "nicu_needs", "ahc_core", "phq9"], site) == [
        "phq9",
        "ahc_core",
        "nicu_needs",
        "gad7",
    ]


# ------------------------------------------------------------------ grouped alerts


def both_self_harm_answers():
    phq = {"phq9_1": 3, "phq9_2": 3, **{f"phq9_{n}": 0 for n in range(3, 9)}, "phq9_9": 3}
    epds = {f"epds_{n}": 0 for n in range(1, 10)} | {"epds_10": 0}  # position 0 scores 3
    return {"phq9": phq, "epds": epds}


def test_two_self_harm_answers_make_one_alert_naming_both_items():
    answers = both_self_harm_answers()
    alerts = score(REGISTRY, "birthing_parent", answers)["alerts"]
    assert len(alerts) == 2
    grouped = group_alerts(REGISTRY, alerts, answers, WORDS)
    assert grouped["kind"] == "self_harm"
    assert [i["item"] for i in grouped["items"]] == ["phq9_9", "epds_10"]
    assert grouped["items"][0]["text"] == {
        "en": "Thoughts of death or self-harm: nearly every day",
        "es": "Pensamientos de muerte o de hacerse daño: casi todos los días",
    }
    assert "phq9 9" not in alert_summary(grouped, "en")
    assert alert_summary(grouped, "es").count(";") == 1


def test_the_most_urgent_kind_leads_and_sum_alerts_say_their_score():
    hits = ["LA6482-9", "LA6482-9", "LA6270-8", "LA6270-8"]  # 5 + 5 + 1 + 1 = 12
    answers = {
        "ahc_core": {f"ahc_{n}": code for n, code in zip(range(7, 11), hits, strict=True)},
        "phq9": {"phq9_1": 0, "phq9_2": 0, "phq9_9": 1},
    }
    alerts = score(REGISTRY, "birthing_parent", answers)["alerts"]
    grouped = group_alerts(REGISTRY, alerts, answers, WORDS)
    assert grouped["kinds"] == ["self_harm", "interpersonal_safety"]
    assert grouped["items"][1]["text"]["en"] == "Safety score (4 to 20): 12"


def test_no_alerts_no_group():
    assert group_alerts(REGISTRY, [], {}, WORDS) is None


def test_a_repeated_alert_is_listed_once():
    alert = {"kind": "self_harm", "instrument": "phq9", "item": "phq9_9"}
    grouped = group_alerts(REGISTRY, [alert, dict(alert)], {"phq9": {"phq9_9": 2}}, WORDS)
    assert len(grouped["items"]) == 1


# ------------------------------------------------------------------ stable page count


def visible_pages(answers, chosen=ALL, site=None):
    count = 0
    for instrument_id in chosen:
        instrument = REGISTRY.get(instrument_id)
        shown = {i.id for i in visible_items(instrument, answers.get(instrument_id, {}), site)}
        count += sum(1 for page in instrument.pages() if any(i.id in shown for i in page))
    return count


def test_gated_pages_count_from_the_start_and_drop_when_the_gate_cannot_open():
    start = page_count(REGISTRY, ["phq9"], {})
    assert start == len(REGISTRY.get("phq9").pages())
    assert visible_pages({}, ["phq9"]) == start - 1
    assert page_count(REGISTRY, ["phq9"], {"phq9": {"phq9_1": 0}}) == start  # 0 + 3 may open it
    assert page_count(REGISTRY, ["phq9"], {"phq9": {"phq9_1": 0, "phq9_2": 2}}) == start - 1
    assert page_count(REGISTRY, ["phq9"], {"phq9": {"phq9_1": 3}}) == start


def test_minutes_left_falls_to_zero():
    assert minutes_left(REGISTRY, ALL, {}) > minutes_left(REGISTRY, ["gad7"], {}) > 0
    gad = {f"gad7_{n}": 0 for n in range(1, 8)} | {"gad7_help": "no"}
    assert minutes_left(REGISTRY, ["gad7"], {"gad7": gad}) == 0


def item_answer(item):
    codes = [o.code for o in item.options]
    if item.type == "multi":
        return st.sampled_from([[c] for c in codes])
    return st.sampled_from([*codes, DECLINED])


runs = st.tuples(
    *(st.fixed_dictionaries({i.id: item_answer(i) for i in REGISTRY.get(n).items}) for n in ALL)
)


@hsettings(max_examples=60, deadline=None)
@given(runs)
def test_answering_in_order_never_makes_the_count_grow_or_fall_below_the_pages_shown(full):
    answers: dict[str, dict] = {}
    last = page_count(REGISTRY, ALL, answers)
    for instrument_id, chosen in zip(ALL, full, strict=True):
        for item in REGISTRY.get(instrument_id).items:
            asked = {
                i.id
                for i in visible_items(REGISTRY.get(instrument_id), answers.get(instrument_id, {}))
            }
            if item.id not in asked:
                continue
            answers.setdefault(instrument_id, {})[item.id] = chosen[item.id]
            now = page_count(REGISTRY, ALL, answers)
            assert now <= last
            assert now >= visible_pages(answers)
            last = now
    assert last == visible_pages(answers)
