"""Scoring one full screening (all five instruments) and loading every instrument definition.

Targets: scoring median < 1 ms; loading all definitions (parse + schema + semantic checks)
< 200 ms. The baseline is a bare loop summing 40 ints from a dict, measured in the same run,
so the ratio says how many "trivial sums" one scoring costs on this machine.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import median_seconds
from bench.common import verdict
from screening.core.instrument_loader import load_registry
from screening.core.scoring import score
from screening.core.scoring import validate_payload

FORMS = Path(__file__).resolve().parent.parent / "forms"
SCORE_TARGET = 1e-3
LOAD_TARGET = 0.2


def full_screening() -> dict:
    """Every item of all five instruments answered, with needs, help requests and an alert."""
    hits = ["LA6482-9", "LA16644-9", "LA10082-8", "LA6270-8"]
    ahc = {
        "ahc_1": "LA31994-9",
        "ahc_2": ["LA31996-4", "LA28580-1"],
        "ahc_3": "LA6729-3",
        "ahc_4": "LA28398-8",
        "ahc_5": "LA33-6",
        "ahc_6": "LA32002-0",
        **{f"ahc_{n}": code for n, code in zip(range(7, 11), hits, strict=True)},
    }
    needs = [
        "transport", "parking", "lodging", "childcare", "leave", "finances", "insurance",
        "pump", "lactation", "diapers", "car_seat", "safe_sleep", "interpreter", "support",
    ]  # fmt: skip
    nicu = {}
    for n, need in enumerate(needs):
        nicu[f"nicu_{need}"] = "yes" if n % 2 == 0 else "no"
        if n % 2 == 0:
            nicu[f"nicu_{need}_help"] = ("yes", "no", "later")[n % 3]
    phq9 = {f"phq9_{n}": (n % 3) for n in range(1, 10)} | {"phq9_help": "later"}
    gad7 = {f"gad7_{n}": 2 for n in range(1, 8)} | {"gad7_help": "no"}
    epds = {f"epds_{n}": n % 4 for n in range(1, 11)} | {"epds_help": "yes"}
    return {"ahc_core": ahc, "nicu_needs": nicu, "phq9": phq9, "gad7": gad7, "epds": epds}


def run() -> list[str]:
    """Measure, compare with the bare baseline, and say PASS or FAIL per target."""
    started = time.perf_counter()
    registry = load_registry(FORMS)
    first_load = time.perf_counter() - started
    load = median_seconds(lambda: load_registry(FORMS), repeat=15, warmup=1)

    answers = full_screening()
    payload = {"respondent": "birthing_parent", "answers": answers}
    assert validate_payload(registry, payload) == []
    settings = dict(registry.settings_defaults)
    scoring = median_seconds(lambda: score(registry, "birthing_parent", answers, settings), 300)
    checking = median_seconds(lambda: validate_payload(registry, payload), 300)

    ints = {f"k{n}": n for n in range(40)}

    def baseline() -> int:
        total = 0
        for value in ints.values():
            total += value
        return total

    bare = median_seconds(baseline, 2000)
    items = sum(len(v) for v in answers.values())
    return [
        f"baseline: sum of 40 ints from a dict, median {bare * 1e6:.2f} us",
        f"score one full screening ({items} answers, 5 instruments): median "
        f"{scoring * 1e3:.3f} ms = {scoring / bare:.0f}x baseline; target < 1 ms "
        f"{verdict(scoring < SCORE_TARGET)}",
        f"validate the same payload: median {checking * 1e3:.3f} ms "
        f"= {checking / bare:.0f}x baseline",
        f"load all definitions (YAML + JSON Schema + checks): median {load * 1e3:.1f} ms, "
        f"first {first_load * 1e3:.1f} ms = {load / bare:.0f}x baseline; target < 200 ms "
        f"{verdict(max(load, first_load) < LOAD_TARGET)}",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
