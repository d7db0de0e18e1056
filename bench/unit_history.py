"""The unit's past: two years of imported history and a long audit trail (see unit.py)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

SEED = 16
DAYS = 730


def history_csv(rows: int, seed: int = SEED, end: dt.date | None = None) -> Iterator[str]:
    """import-results lines: two years of offers before the app, ~1.1 offers per family."""
    from screening import demo
    from screening.core.identifiers import DOMAINS

    rng = random.Random(seed)  # noqa: S311 - synthetic data
    end = end or dt.date.today() - dt.timedelta(days=DAYS)
    referral_domains = ("food", "housing_instability", "transportation", "mental_health")
    yield (
        ",".join(
            ["record_id", "screened_on", "status", "race_ethnicity", "language", "insurance"]
            + list(DOMAINS)
            + [f"referral_{d}" for d in referral_domains]
        )
        + "\n"
    )
    n = written = 0
    while written < rows:
        race = rng.choice(demo.HISTORY_RACES)
        language = "es" if race == "hispanic" and rng.random() < 0.6 else "en"
        insurance = rng.choices(["public", "private", "uninsured", "unknown"], [50, 42, 5, 3])[0]
        day = end - dt.timedelta(days=rng.randrange(DAYS))
        for k in range(1 + (rng.random() < 0.1)):
            completed = rng.random() < 0.75
            statuses = [
                ("positive" if rng.random() < 0.12 else "negative") if completed else ""
                for _ in DOMAINS
            ]
            refs = [
                rng.choice(["suggested", "accepted", "sent", "connected", "not_connected"])
                if statuses[DOMAINS.index(d)] == "positive"
                else ""
                for d in referral_domains
            ]
            on = (day + dt.timedelta(days=3 * k)).isoformat()
            status = "completed" if completed else "declined"
            yield (
                ",".join(
                    [f"H{seed}-{n:07d}", on, status, race, language, insurance, *statuses, *refs]
                )
                + "\n"
            )
            written += 1
        n += 1


def import_history(db, rows: int) -> None:
    from screening.core.results_import import parse
    from screening.platform.db import write
    from screening.reports.store import store_import

    parsed = parse(history_csv(rows))
    assert not parsed.problems, parsed.problems[:5]
    with write(db):
        store_import(db, parsed, "2026-01-01T00:00:00Z")


AUDIT_ACTIONS = [
    ("view", "family", 50),
    ("view", "screening", 15),
    ("search", "family", 10),
    ("update", "screening", 12),
    ("complete", "screening", 2),
    ("login", "user", 5),
    ("logout", "user", 3),
    ("letter", "family", 1),
    ("acknowledge", "alert", 1),
    ("equity_export", "report", 1),
]


def fill_audit(db, app, target: int) -> None:
    """Fill the trail to `target` rows through the chain's own hash, then one real append."""
    from screening.platform import audit

    have = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    if have >= target:
        return
    key = audit.chain_key(app.config)
    users = list(db.query("SELECT id, username, role FROM users"))
    workers = [u for u in users if u["role"] == "social_worker"]
    last = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else audit.GENESIS
    rng = random.Random(SEED + 2)  # noqa: S311 - synthetic data
    families = db.execute("SELECT max(id) FROM families").fetchone()[0]
    kinds = [(a, r) for a, r, w in AUDIT_ACTIONS for _ in range(w)]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=DAYS)
    step = dt.timedelta(days=DAYS) / max(1, target - have)
    sql = (
        f"INSERT INTO audit_log ({', '.join(audit.FIELDS)}, prev_hash, hash) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in audit.FIELDS)}, ?, ?)"
    )
    remaining = target - have - 1
    while remaining > 0:
        chunk = []
        for _ in range(min(remaining, 20_000)):
            action, record_type = rng.choice(kinds)
            user = rng.choice(workers if record_type != "report" else users)
            start += step
            row = {
                "at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "user_id": user["id"],
                "username": user["username"],
                "role": user["role"],
                "action": action,
                "record_type": record_type,
                "record_id": str(rng.randint(1, families)),
                "outcome": "ok" if rng.random() < 0.995 else "denied",
                "detail": "",
                "request_id": f"{rng.getrandbits(64):016x}",
            }
            row["hash"] = audit.row_hash(key, prev, row)
            chunk.append([*(row[f] for f in audit.FIELDS), prev, row["hash"]])
            prev = row["hash"]
        with db.atomic():
            db.conn.executemany(sql, chunk)
        remaining -= len(chunk)
    # One append through the audit module itself writes the signed anchor for the tail.
    audit.record("backup", "database", "", detail="bench unit built", user=None, db=db)
