"""A realistic NICU unit, generated once per size and cached in bench/.cache/ (git-ignored).

Built on the demo (`init-db --demo`: accounts, directory, 40 families, history) and grown
to N families recorded in the app over two years: demo names and answer habits, scored by
the real scorer, referrals suggested by the real referral code and moved along their
lifecycle, alerts, some screens declined or left half done, discharge dates sometimes never
entered. Two more years of history go through the streamed `import-results` path, and the
audit trail is filled to AUDIT_ROWS rows with a valid hash chain. Assumptions: bench/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import unit_history

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("BENCH_CACHE", ROOT / "bench" / ".cache"))
VERSION = 1  # bump when the generator changes, so stale caches are rebuilt
SEED = 16
PROFILES = 400  # distinct scored answer sets; families draw from them
DAYS = 730


def instance_env(instance: Path) -> dict[str, str]:
    return {**os.environ, "SCREENING_INSTANCE": str(instance), "PYTHONPATH": str(ROOT)}


def make_app(instance: Path):
    """The real app on an instance folder (its secret key and database)."""
    from screening import create_app

    previous = os.environ.get("SCREENING_INSTANCE")
    os.environ["SCREENING_INSTANCE"] = str(instance)
    try:
        return create_app()
    finally:
        if previous is None:
            os.environ.pop("SCREENING_INSTANCE", None)
        else:
            os.environ["SCREENING_INSTANCE"] = previous


def cached(families: int, audit_rows: int = 1_000_000) -> Path:
    """The instance folder of a unit of this size, built on first use."""
    folder = CACHE / f"unit-v{VERSION}-{families}-{audit_rows}"
    if not (folder / "ready").exists():
        shutil.rmtree(folder, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="building-", dir=CACHE))
        build(building, families, audit_rows)
        building.rename(folder)
        (folder / "ready").write_text("ok\n")
    return folder


def working_copy(folder: Path) -> Path:
    """A throw-away copy of a cached unit, for benches that write."""
    copy = Path(tempfile.mkdtemp(prefix="bench-unit-"))
    for name in ("screening.sqlite", "secret_key"):
        shutil.copy2(folder / name, copy / name)
    # A unit cached before a new migration must get it, as `init-db` gives it to a real unit.
    from screening.platform.db import connect
    from screening.schema import migrate

    db = connect(str(copy / "screening.sqlite"))
    try:
        migrate(db)
    finally:
        db.close()
    return copy


def build(instance: Path, families: int, audit_rows: int, quiet: bool = False) -> None:
    """Generate the unit into an empty instance folder."""
    say = (lambda *_a: None) if quiet else (lambda *a: print("   [unit]", *a, flush=True))
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "flask"), "--app", "screening", "init-db", "--demo"],
        env=instance_env(instance),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    app = make_app(instance)
    from screening.platform.db import connect

    db = connect(app.config["DATABASE"])
    try:
        say(f"{families} families recorded in the app")
        _families(db, app, families)
        say(f"two years of imported history ({families} rows)")
        unit_history.import_history(db, families)
        with app.app_context():
            say(f"audit trail up to {audit_rows} rows")
            unit_history.fill_audit(db, app, audit_rows)
        with db.ensure_autocommit_on():
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _profiles(app) -> list[dict]:
    """Scored answer sets: demo answer habits, the real scorer, birthing parent and partner."""
    from screening import demo
    from screening.core.scoring import score
    from screening.platform import instruments

    config = app.config
    registry = instruments.load(None)
    settings = dict(registry.settings_defaults) | dict(config.get("SCORING_SETTINGS") or {})
    family_instruments = list(config["FAMILY_INSTRUMENTS"]) + list(
        config["MENTAL_HEALTH_INSTRUMENTS"]
    )
    mh = list(config["MENTAL_HEALTH_INSTRUMENTS"])
    rng = random.Random(SEED)  # noqa: S311 - synthetic data
    out = []
    for k in range(PROFILES):
        raw = demo.draw_answers(registry, rng, k)
        answers = {i: raw.get(i, {}) for i in family_instruments}
        partner = {i: raw.get(i, {}) for i in mh}
        out.append(
            {
                "instruments": family_instruments,
                "answers": answers,
                "result": score(registry, "birthing_parent", answers, settings),
                "partner_instruments": mh,
                "partner_answers": partner,
                "partner_result": score(registry, "partner", partner, settings),
            }
        )
    return out


def _families(db, app, count: int) -> None:
    from screening import demo
    from screening.referrals.store import create_suggestions

    profiles = _profiles(app)
    rng = random.Random(SEED + 1)  # noqa: S311 - synthetic data
    workers = [r[0] for r in db.execute("SELECT id FROM users WHERE role = 'social_worker'")]
    today = dt.date.today()
    per_batch = 2000
    for first in range(0, count, per_batch):
        with db.atomic():
            for n in range(first, min(count, first + per_batch)):
                _family(db, rng, n, today, workers, profiles, demo, create_suggestions)


def _family(db, rng, n, today, workers, profiles, demo, create_suggestions) -> None:
    conn = db.conn
    worker = rng.choice(workers)
    spanish = rng.random() < 0.3
    lang = "es" if spanish else "en"
    admitted = today - dt.timedelta(days=rng.randrange(DAYS))
    stay = rng.randint(5, 90)
    discharged: dt.date | None = admitted + dt.timedelta(days=stay)
    # Discharge dates are entered late or never: about one family in ten keeps none.
    if discharged > today or rng.random() < 0.1:
        discharged = None
    stamp = f"{admitted.isoformat()}T15:00:00Z"
    race = demo.RACES[n % len(demo.RACES)]
    fid = conn.execute(
        "INSERT INTO families (mrn, admission_date, discharge_date, race_ethnicity, insurance, "
        "zip, language, interpreter_needed, created_at, created_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            f"U{n:07d}",
            admitted.isoformat(),
            discharged.isoformat() if discharged else None,
            json.dumps(sorted(race)),
            rng.choice(["public", "public", "private", "private", "uninsured", "other", "unknown"]),
            rng.choice(["021", "100", "606", "787", "331", "036"]) + f"{rng.randint(10, 99)}",
            lang,
            int(spanish and rng.random() < 0.5),
            stamp,
            worker,
            stamp,
        ],
    ).lastrowid
    last = demo.LAST[rng.randrange(len(demo.LAST))]
    for b in range(1 + (rng.random() < 0.08)):
        conn.execute(
            "INSERT INTO infants (family_id, name, dob, ga_weeks, ga_days, position) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                fid,
                f"Baby {demo.BABY[(n + b) % len(demo.BABY)]} {last}",
                admitted.isoformat(),
                rng.randint(24, 37),
                rng.randint(0, 6),
                b + 1,
            ],
        )
    caregiver = "INSERT INTO caregivers (family_id, name, respondent, phone, language, created_at) "
    caregiver += "VALUES (?, ?, ?, ?, ?, ?)"
    parent = conn.execute(
        caregiver,
        [
            fid,
            f"{rng.choice(demo.FIRST)} {last}",
            "birthing_parent",
            f"(555) 0{n % 100:02d}-{n % 10000:04d}",
            lang,
            stamp,
        ],
    ).lastrowid
    partner = None
    if rng.random() < 0.6:
        partner = conn.execute(
            caregiver, [fid, f"{rng.choice(demo.PARTNER)} {last}", "partner", "", lang, stamp]
        ).lastrowid
    roll = rng.random()
    if roll < 0.06 and discharged is None:
        return  # not yet screened: due on the worklist
    profile = profiles[rng.randrange(len(profiles))]
    if roll < 0.14:
        _screening(db, fid, parent, lang, worker, admitted, "declined", profile["instruments"])
        return
    if roll < 0.18:
        sid = _screening(
            db, fid, parent, lang, worker, admitted, "in_progress", profile["instruments"], page=2
        )
        _answers(db, sid, {"ahc_core": profile["answers"]["ahc_core"]}, worker, stamp)
        return
    result = profile["result"]
    sid = _screening(
        db, fid, parent, lang, worker, admitted, "completed", profile["instruments"], result
    )
    _answers(db, sid, profile["answers"], worker, stamp)
    _results(db, sid, fid, result, worker, stamp, acknowledged=rng.random() < 0.97)
    ids = create_suggestions(
        db,
        family_id=fid,
        screening_id=sid,
        caregiver_id=parent,
        result=result,
        language=lang,
        user_id=worker,
    )
    _lifecycle(db, rng, ids, admitted, today, worker)
    if partner and rng.random() < 0.5:
        psid = _screening(
            db,
            fid,
            partner,
            lang,
            worker,
            admitted,
            "completed",
            profile["partner_instruments"],
            profile["partner_result"],
        )
        _answers(db, psid, profile["partner_answers"], worker, stamp)
        _results(db, psid, fid, profile["partner_result"], worker, stamp, acknowledged=True)


def _screening(db, fid, cid, lang, worker, admitted, status, instruments, result=None, page=0):
    started = f"{(admitted + dt.timedelta(days=2)).isoformat()}T14:00:00Z"
    return db.conn.execute(
        "INSERT INTO screenings (family_id, caregiver_id, timepoint, mode, language, instruments, "
        "status, decline_reason, page, result, started_by, started_at, updated_by, updated_at, "
        "completed_at) VALUES (?, ?, 'admission', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            fid,
            cid,
            "interview" if lang == "en" else "interpreter",
            lang,
            json.dumps(instruments),
            status,
            "not_now" if status == "declined" else None,
            page,
            json.dumps(result) if result else None,
            worker,
            started,
            worker,
            started,
            started if status == "completed" else None,
        ],
    ).lastrowid


def _answers(db, sid, answers, worker, stamp) -> None:
    # The same statement the screening store runs when a page is saved.
    db.conn.executemany(
        "INSERT INTO answers (screening_id, instrument, item, value, declined, answered_at, "
        "answered_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (sid, i, item, None if v == "declined" else json.dumps(v), int(v == "declined"))
            + (stamp, worker)
            for i, items in answers.items()
            for item, v in items.items()
        ],
    )


def _results(db, sid, fid, result, worker, stamp, acknowledged: bool) -> None:
    db.conn.executemany(
        "INSERT INTO domain_results (screening_id, domain, status, wants_help, reasons) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (sid, d, o["status"], o["wants_help"], json.dumps(o.get("reasons", [])))
            for d, o in result["domains"].items()
        ],
    )
    for alert in result["alerts"]:
        db.conn.execute(
            "INSERT INTO alerts (screening_id, family_id, kind, instrument, item, created_at, "
            "acknowledged_at, acknowledged_by, followup_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sid,
                fid,
                alert["kind"],
                alert.get("instrument", ""),
                alert.get("item", ""),
                stamp,
                stamp if acknowledged else None,
                worker if acknowledged else None,
                "Assessed the same shift." if acknowledged else None,
            ],
        )
    if acknowledged and not result["alerts"]:
        db.conn.execute(
            "UPDATE screenings SET status = 'closed', closed_at = ?, closed_by = ? WHERE id = ?",
            [stamp, worker, sid],
        )


PATHS = {
    "accepted": ["accepted"],
    "sent": ["accepted", "sent"],
    "connected": ["accepted", "sent", "connected"],
    "not_connected": ["accepted", "sent", "not_connected"],
    "declined": ["declined"],
    "suggested": [],
}


def _lifecycle(db, rng, ids, admitted, today, worker) -> None:
    """Older referrals have mostly closed; the last weeks' are still open."""
    age = (today - admitted).days
    for rid in ids:
        if age > 60:
            target = rng.choices(
                ["connected", "not_connected", "declined", "sent", "accepted", "suggested"],
                [45, 20, 20, 6, 5, 4],
            )[0]
        else:
            target = rng.choices(
                ["suggested", "accepted", "sent", "connected", "not_connected", "declined"],
                [20, 25, 25, 15, 5, 10],
            )[0]
        previous = "suggested"
        day = admitted + dt.timedelta(days=2)
        for step in PATHS[target]:
            day += dt.timedelta(days=rng.randint(0, 10))
            at = f"{min(day, today).isoformat()}T16:00:00Z"
            changes: dict[str, object] = {"status": step, "updated_at": at}
            if step == "accepted":
                changes |= {"accepted_at": at, "owner_id": worker}
            if step == "sent":
                changes |= {"sent_at": at, "follow_up_due": (day + dt.timedelta(14)).isoformat()}
            if step in ("connected", "not_connected", "declined"):
                changes["closed_at"] = at
            if step == "not_connected":
                changes["reason"] = rng.choice(["unreachable", "no_capacity", "not_eligible"])
            sets = ", ".join(f"{k} = ?" for k in changes)
            db.conn.execute(f"UPDATE referrals SET {sets} WHERE id = ?", [*changes.values(), rid])  # noqa: S608
            db.conn.execute(
                "INSERT INTO referral_events (referral_id, at, user_id, from_status, to_status, "
                "reason, note) VALUES (?, ?, ?, ?, ?, ?, '')",
                [rid, at, worker, previous, step, changes.get("reason")],
            )
            previous = step


def smoke(instance: Path, families: int = 50, audit_rows: int = 2000) -> None:
    """A tiny unit for the test suite (no cache)."""
    build(instance, families, audit_rows, quiet=True)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(cached(size))
