"""Equity summary over imported families vs a raw SQLite GROUP BY; import of 100,000 rows.

Targets (issue 5): the full summary (SQL aggregation, suppression, intervals, rate ratios)
over 100,000 imported families takes at most 2x one raw GROUP BY computing the same sums
over the same rows, measured in the same run; it grows roughly linearly from 10,000 to
100,000 families; importing 100,000 CSV rows takes under 20 s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

DOMAINS_SAMPLE = ("food", "housing_instability", "transportation", "utilities", "mental_health")
RACES = ["white"] * 40 + ["black"] * 20 + ["hispanic"] * 22 + ["asian"] * 8 + ["aian"] * 2
RACES += ["nhpi", "mena", "black;white", "hispanic;white", "declined", "unknown", "unknown"]


def synthetic_csv(families: int, seed: int = 5, start: str = "2024-01-01", days: int = 730) -> str:
    """A valid import-results CSV: one or two offers per family, plausible rates by group."""
    from screening.core.equity import DOMAINS

    rng = random.Random(seed)
    first = dt.date.fromisoformat(start)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["record_id", "screened_on", "status", "race_ethnicity", "language", "insurance"]
    header += list(DOMAINS) + [f"referral_{d}" for d in DOMAINS_SAMPLE]
    writer.writerow(header)
    for i in range(families):
        race = rng.choice(RACES)
        lang = "es" if race.startswith("hispanic") and rng.random() < 0.5 else "en"
        insurance = rng.choices(["public", "private", "uninsured", "unknown"], [5, 4, 1, 1])[0]
        day = first + dt.timedelta(days=rng.randrange(days))
        offers = 2 if rng.random() < 0.1 else 1
        for k in range(offers):
            declined = rng.random() < (0.25 if lang == "es" else 0.12)
            row = [f"R{seed}-{i}", (day + dt.timedelta(days=3 * k)).isoformat()]
            row += ["declined" if declined else "completed", race, lang, insurance]
            for _d in DOMAINS:
                if declined or rng.random() < 0.2:
                    row.append("")
                else:
                    need = 0.35 if insurance == "public" else 0.15
                    row.append("positive" if rng.random() < need else "negative")
            for d in DOMAINS_SAMPLE:
                positive = row[6 + DOMAINS.index(d)] == "positive"
                row.append(
                    rng.choice(["suggested", "accepted", "sent", "connected", "not_connected"])
                    if positive
                    else ""
                )
            writer.writerow(row)
    return out.getvalue()
