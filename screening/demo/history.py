"""The demo's two years of screening history, loaded through the import-results path."""

from __future__ import annotations

import datetime as dt
import random

from sqlite_utils import Database

from screening.demo.families import SEED
from screening.platform import timeutil

HISTORY_FAMILIES = 900
# Rates that differ by group, as units report (UNC 2024, BMC 2023): families who speak a
# language other than English and publicly insured families are screened less often and,
# when screened, report more needs. Synthetic, for the demo's equity page only.
HISTORY_RACES = (
    ["white"] * 30
    + ["black"] * 22
    + ["hispanic"] * 25
    + ["asian"] * 8
    + ["aian"] * 3
    + ["nhpi"] * 2
    + ["mena"] * 2
    + ["black;white"] * 3
    + ["declined"] * 3
    + ["unknown"] * 2
)


def add_history(db: Database, config) -> int:
    """Two years of synthetic screening history, loaded through the import-results path."""
    from screening.core.identifiers import DOMAINS
    from screening.core.results_import import parse
    from screening.platform.settings import keyed_record_id
    from screening.reports.store import key_record_ids
    from screening.reports.store import store_import

    rng = random.Random(SEED + 1)  # noqa: S311 - synthetic demo data, not security
    start = timeutil.today() - dt.timedelta(days=730)
    header = [
        "record_id",
        "screened_on",
        "status",
        "race_ethnicity",
        "language",
        "insurance",
        *DOMAINS,
        *(
            f"referral_{d}"
            for d in ("food", "housing_instability", "transportation", "mental_health")
        ),
    ]
    lines = [",".join(header)]
    for n in range(HISTORY_FAMILIES):
        race = rng.choice(HISTORY_RACES)
        spanish = race == "hispanic" and rng.random() < 0.6
        language = "es" if spanish else ("en" if rng.random() < 0.95 else "ht")
        insurance = rng.choices(
            ["public", "private", "uninsured", "unknown"], weights=[50, 42, 5, 3]
        )[0]
        screen_rate = 0.78 - 0.18 * (language != "en") - 0.08 * (insurance == "public")
        need_rate = 0.22 + 0.15 * (insurance != "private") + 0.1 * (language != "en")
        day = start + dt.timedelta(days=rng.randint(0, 725))
        completed = rng.random() < screen_rate
        row = [
            f"HIST-{n:05d}",
            day.isoformat(),
            "completed" if completed else "declined",
            race,
            language,
            insurance,
        ]
        statuses = {}
        for domain in DOMAINS:
            if not completed:
                statuses[domain] = ""
            elif domain in ("interpersonal_safety",) and rng.random() < 0.05:
                statuses[domain] = "declined"
            else:
                statuses[domain] = "positive" if rng.random() < need_rate / 3 else "negative"
        row += [statuses[d] for d in DOMAINS]
        for domain in ("food", "housing_instability", "transportation", "mental_health"):
            referral = ""
            if statuses[domain] == "positive":
                referral = rng.choices(
                    ["suggested", "declined", "accepted", "sent", "connected", "not_connected"],
                    weights=[5, 15, 10, 15, 40 - 15 * (language != "en"), 15],
                )[0]
            row.append(referral)
        lines.append(",".join(row))
    parsed = parse(lines, today=timeutil.today())
    if parsed.problems:
        raise ValueError("demo history does not import: " + "; ".join(parsed.problems[:3]))
    key_record_ids(parsed, lambda rid: keyed_record_id(config, rid))
    return store_import(db, parsed, timeutil.iso())["families"]
