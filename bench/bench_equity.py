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
import tempfile
import time
from pathlib import Path

from bench.common import median_seconds
from bench.common import verdict

DOMAINS_SAMPLE = ("food", "housing_instability", "transportation", "utilities", "mental_health")
RACES = ["white"] * 40 + ["black"] * 20 + ["hispanic"] * 22 + ["asian"] * 8 + ["aian"] * 2
RACES += ["nhpi", "mena", "black;white", "hispanic;white", "declined", "unknown", "unknown"]


def synthetic_csv(families: int, seed: int = 5, start: str = "2024-01-01", days: int = 730) -> str:
    """A valid import-results CSV: one or two offers per family, plausible rates by group."""
    from screening.core.identifiers import DOMAINS

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


def _database(folder: Path, families: int):
    from screening.platform.db import connect
    from screening.schema import migrate

    db = connect(str(folder / f"bench-{families}.sqlite"))
    migrate(db)
    return db


def _import(db, text: str) -> tuple[float, int]:
    from screening.core.results_import import parse
    from screening.platform.db import write
    from screening.reports.store import store_import

    started = time.perf_counter()
    parsed = parse(io.StringIO(text))
    assert not parsed.problems, parsed.problems[:3]
    with write(db):
        store_import(db, parsed, "2026-01-01T00:00:00Z")
    return time.perf_counter() - started, parsed.rows


def _summary(db):
    from screening.reports.summary import build_report

    config = {"SUPPRESSION_THRESHOLD": 11, "EQUITY_REFERENCE_GROUPS": {}}
    return lambda: build_report(db, config, "race_ethnicity", None, None)


def _baseline(db):
    from screening.reports.store import grouped_sql

    sql = grouped_sql("imported_families", "race_ethnicity", "", by_quarter=False)
    return lambda: db.execute(sql).fetchall()


def run() -> list[str]:
    """Measure import and summary at 10,000 and 100,000 families."""
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        timings = {}
        for families in (10_000, 100_000):
            db = _database(folder, families)
            seconds, rows = _import(db, synthetic_csv(families))
            if families == 100_000:
                lines.append(
                    f"import {rows} rows ({families} families): {seconds:.2f} s (target < 20 s) "
                    f"{verdict(seconds < 20)}"
                )
            summary = median_seconds(_summary(db), repeat=7, warmup=1)
            raw = median_seconds(_baseline(db), repeat=7, warmup=1)
            timings[families] = (summary, raw)
            db.close()
            lines.append(
                f"{families} families: summary {summary * 1000:.1f} ms, raw GROUP BY "
                f"{raw * 1000:.1f} ms, ratio {summary / raw:.2f}x"
                + (f" (target <= 2x) {verdict(summary / raw <= 2)}" if families == 100_000 else "")
            )
        growth = timings[100_000][0] / timings[10_000][0]
        raw_growth = timings[100_000][1] / timings[10_000][1]
        lines.append(
            f"growth 10k -> 100k: summary {growth:.1f}x, raw GROUP BY {raw_growth:.1f}x "
            f"(linear = 10x; target <= 15x) {verdict(growth <= 15)}"
        )
    return lines
