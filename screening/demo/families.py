"""The demo's current families: parents, infants, screenings, alerts and referrals."""

import datetime as dt
import json
import random

from sqlite_utils import Database

from screening.demo.names import BABY
from screening.demo.names import FIRST
from screening.demo.names import LAST
from screening.demo.names import PARTNER
from screening.demo.names import RACES
from screening.families import store as family_store
from screening.platform import timeutil
from screening.platform import wording
from screening.screenings.alerts import raise_alerts

# username, role, password, display name. Synthetic accounts for the demo only.
SEED = 20261122
FAMILY_COUNT = 40


# Every demo name is synthetic; tests scan pages for them to prove managers never see them.
def add_families(db: Database, registry, config) -> int:
    from screening.core.scoring import score

    rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not security
    sw = {row["username"]: row["id"] for row in db.query("SELECT id, username FROM users")}
    worker = sw["sw.garcia"]
    today = timeutil.today()
    settings = dict(registry.settings_defaults) | dict(config.get("SCORING_SETTINGS") or {})
    for n in range(FAMILY_COUNT):
        spanish = n % 3 == 0
        lang = "es" if spanish else "en"
        admitted = today - dt.timedelta(days=rng.randint(1, 200))
        discharged = admitted + dt.timedelta(days=rng.randint(10, 60)) if n % 4 == 1 else None
        if discharged and discharged > today + dt.timedelta(days=10):
            discharged = None
        stamp = timeutil.iso()
        family_id = (
            db["families"]
            .insert(
                {
                    "mrn": f"DEMO{100200 + n * 7}",
                    "admission_date": admitted.isoformat(),
                    "discharge_date": discharged.isoformat() if discharged else None,
                    "race_ethnicity": json.dumps(sorted(RACES[n % len(RACES)])),
                    "insurance": [
                        "public",
                        "private",
                        "public",
                        "uninsured",
                        "private",
                        "unknown",
                        "public",
                        "other",
                    ][n % 8],
                    "zip": rng.choice(["021", "100", "606", "787", "331", "036"])
                    + str(rng.randint(10, 99)),
                    "bed": f"{'NICU' if n % 3 else 'Step-down'} {n % 24 + 1}",
                    "language": lang,
                    "interpreter_needed": int(spanish and n % 2 == 0),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "created_by": worker,
                }
            )
            .last_pk
        )
        babies = 1 + (n % 10 == 4) + 2 * (n % 20 == 9)  # some twins and one set of triplets
        for b in range(babies):
            db["infants"].insert(
                {
                    "family_id": family_id,
                    # Twin B and triplet C have their own MRN, as on their wristbands.
                    "mrn": f"DEMO{100200 + n * 7}" + ("" if b == 0 else "ABC"[b]),
                    "name": f"Baby {BABY[(n + b) % len(BABY)]} {LAST[n % len(LAST)]}",
                    "dob": (admitted - dt.timedelta(days=rng.randint(0, 1))).isoformat(),
                    "ga_weeks": rng.randint(24, 37),
                    "ga_days": rng.randint(0, 6),
                    "position": b + 1,
                }
            )
        parent = (
            db["caregivers"]
            .insert(
                {
                    "family_id": family_id,
                    "name": f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}",
                    "respondent": "birthing_parent",
                    "phone": f"(555) 01{n % 10}-{2000 + n}",
                    "language": lang,
                    "interpreter_needed": int(spanish and n % 2 == 0),
                    "created_at": stamp,
                }
            )
            .last_pk
        )
        partner = None
        if n % 3 != 2:
            partner = (
                db["caregivers"]
                .insert(
                    {
                        "family_id": family_id,
                        "name": f"{PARTNER[n % len(PARTNER)]} {LAST[(n + 3) % len(LAST)]}",
                        "respondent": "partner",
                        "phone": "",
                        "language": lang,
                        "interpreter_needed": 0,
                        "created_at": stamp,
                    }
                )
                .last_pk
            )
        family_store.refresh_search_terms(db, family_id)
        if n % 10 == 7:
            continue  # not yet screened: shows on the worklist as due
        if n % 10 == 3:
            _screening(
                db,
                family_id,
                parent,
                lang,
                worker,
                admitted,
                status="declined",
                instruments=list(config["FAMILY_INSTRUMENTS"]),
            )
            continue
        answers = draw_answers(registry, rng, n)
        instruments = list(config["FAMILY_INSTRUMENTS"]) + list(config["MENTAL_HEALTH_INSTRUMENTS"])
        answers = {i: answers.get(i, {}) for i in instruments}
        if n % 10 == 5:
            # Interrupted: the family-level page is done, the rest waits to be resumed.
            sid = _screening(
                db, family_id, parent, lang, worker, admitted, "in_progress", instruments, page=2
            )
            _store_answers(db, sid, {"ahc_core": answers.get("ahc_core", {})}, worker)
            continue
        result = score(registry, "birthing_parent", answers, settings)
        sid = _screening(
            db, family_id, parent, lang, worker, admitted, "completed", instruments, result=result
        )
        _store_answers(db, sid, answers, worker)
        _store_result(
            db, registry, answers, sid, family_id, result, acknowledged=n % 2 == 0, worker=worker
        )
        _referrals(db, family_id, sid, parent, result, worker, n)
        if partner and n % 2 == 0:
            mh = list(config["MENTAL_HEALTH_INSTRUMENTS"])
            partner_answers = {i: answers.get(i, {}) for i in mh}
            result = score(registry, "partner", partner_answers, settings)
            psid = _screening(
                db, family_id, partner, lang, worker, admitted, "completed", mh, result=result
            )
            _store_answers(db, psid, partner_answers, worker)
            _store_result(db, registry, partner_answers, psid, family_id, result, True, worker)
    return FAMILY_COUNT


# The answer meaning "no need" for items where it is not the first option.
NO_NEED = {"LA28398-8", "LA32-8", "LA31993-1", "LA6270-8", "no", 0}


def draw_answers(registry, rng: random.Random, n: int) -> dict:
    """Plausible answers: mostly no need, some needs and help requests, a few alerts."""
    from screening.core.instruments import visible_items

    needy_family = n % 4 == 0
    answers: dict[str, dict] = {}
    for instrument in registry.instruments.values():
        if instrument.id == "epds":
            continue
        chosen: dict = {}
        for _round in range(3):  # gates and follow-ups open more items as answers arrive
            for item in visible_items(instrument, chosen):
                if item.id in chosen or not item.options:
                    continue
                options = list(item.options)
                if item.type == "multi":
                    none = [o for o in options if o.code == "LA9-3"] or options[-1:]
                    pick = none[0] if rng.random() < 0.75 else rng.choice(options[:-1])
                    chosen[item.id] = [pick.code]
                    continue
                if item.id.endswith("_help"):
                    # Needs come with help requests; a parent's mental-health help is always asked.
                    weights = [1, 6, 1] if instrument.respondent == "parent" else [3, 1, 1]
                    pick = rng.choices(options, weights=weights[: len(options)])[0]
                    chosen[item.id] = pick.code
                    continue
                calm = [o for o in options if o.code in NO_NEED] or options[:1]
                other = [o for o in options if o not in calm] or calm
                needy = rng.random() < (0.3 if needy_family else 0.08)
                chosen[item.id] = (rng.choice(other) if needy else calm[0]).code
        if n % 13 == 6 and instrument.id == "phq9":
            chosen["phq9_9"] = 1  # a self-harm answer: raises an alert
        if n % 11 == 2 and instrument.id == "ahc_core" and "ahc_7" in chosen:
            chosen["ahc_7"] = "declined"
        answers[instrument.id] = chosen
    return answers


def _screening(
    db, family_id, caregiver_id, lang, worker, admitted, status, instruments, result=None, page=0
):
    started = timeutil.iso(
        dt.datetime.combine(admitted + dt.timedelta(days=2), dt.time(14, 0), tzinfo=dt.UTC)
    )
    return (
        db["screenings"]
        .insert(
            {
                "family_id": family_id,
                "caregiver_id": caregiver_id,
                "timepoint": "admission",
                "mode": "interview" if lang == "en" else "interpreter",
                "language": lang,
                "instruments": json.dumps(instruments),
                "status": status,
                "decline_reason": "declined" if status == "declined" else None,
                "page": page,
                "result": json.dumps(result) if result else None,
                "started_by": worker,
                "started_at": started,
                "updated_by": worker,
                "updated_at": started,
                "completed_at": started if status == "completed" else None,
            }
        )
        .last_pk
    )


def _store_answers(db, screening_id, answers, worker):
    stamp = timeutil.iso()
    for instrument, items in answers.items():
        for item, value in items.items():
            db["answers"].insert(
                {
                    "screening_id": screening_id,
                    "instrument": instrument,
                    "item": item,
                    "value": None if value == "declined" else json.dumps(value),
                    "declined": int(value == "declined"),
                    "answered_at": stamp,
                    "answered_by": worker,
                }
            )


def _store_result(db, registry, answers, screening_id, family_id, result, acknowledged, worker):
    stamp = timeutil.iso()
    for domain, outcome in result["domains"].items():
        db["domain_results"].insert(
            {
                "screening_id": screening_id,
                "domain": domain,
                "status": outcome["status"],
                "wants_help": outcome["wants_help"],
                "reasons": json.dumps(outcome.get("reasons", [])),
            }
        )
    alert_id, _ = raise_alerts(
        db,
        {"id": screening_id, "family_id": family_id},
        registry,
        result["alerts"],
        answers,
        wording.words(),
    )
    if alert_id and acknowledged:
        db["alerts"].update(
            alert_id,
            {
                "acknowledged_at": stamp,
                "acknowledged_by": worker,
                "followup_note": "Demo: assessed by the unit social worker the same shift.",
            },
        )
    if acknowledged and not result["alerts"]:
        db["screenings"].update(
            screening_id, {"status": "closed", "closed_at": stamp, "closed_by": worker}
        )


def _referrals(db, family_id, screening_id, caregiver_id, result, worker, n):
    """Referrals through the referral module's own matching, moved along their lifecycle."""
    from screening.referrals.store import create_suggestions

    ids = create_suggestions(
        db,
        family_id=family_id,
        screening_id=screening_id,
        caregiver_id=caregiver_id,
        result=result,
        language="es" if n % 3 == 0 else "en",
        user_id=worker,
    )
    stamp = timeutil.iso()
    path = ["accepted", "sent", "connected", "not_connected", "declined"]
    for k, rid in enumerate(ids):
        target = path[(n + k) % len(path)]
        steps = {
            "accepted": ["accepted"],
            "sent": ["accepted", "sent"],
            "connected": ["accepted", "sent", "connected"],
            "not_connected": ["accepted", "sent", "not_connected"],
            "declined": ["declined"],
        }[target]
        previous = "suggested"
        for step in steps:
            changes = {"status": step, "updated_at": stamp}
            if step == "accepted":
                changes |= {"accepted_at": stamp, "owner_id": worker}
            if step == "sent":
                due = (timeutil.today() + dt.timedelta(days=(n % 9) - 4)).isoformat()
                changes |= {"sent_at": stamp, "follow_up_due": due}
            if step in ("connected", "not_connected", "declined"):
                changes["closed_at"] = stamp
            if step == "connected":
                changes["outcome"] = ["need_met", "need_partly_met", "need_not_met", "unknown"][
                    n % 4
                ]
            if step == "not_connected":
                changes["reason"] = ["unreachable", "no_capacity", "not_eligible"][n % 3]
                if changes["reason"] == "unreachable":
                    # "Unreachable" is only offered after the configured contact attempts.
                    changes["attempts"] = _attempts(db, rid, worker, 3)
            db["referrals"].update(rid, changes)
            db["referral_events"].insert(
                {
                    "referral_id": rid,
                    "at": stamp,
                    "user_id": worker,
                    "from_status": previous,
                    "to_status": step,
                    "reason": changes.get("reason"),
                    "note": "",
                }
            )
            previous = step


def _attempts(db, referral_id, worker, count):
    """Unanswered phone calls two days apart, the last one today."""
    today = timeutil.today()
    for k in range(count):
        day = (today - dt.timedelta(days=2 * (count - 1 - k))).isoformat()
        db["referral_attempts"].insert(
            {
                "referral_id": referral_id,
                "on_date": day,
                "method": "phone",
                "result": "no_answer",
                "next_try": None,
                "at": timeutil.iso(),
                "user_id": worker,
            }
        )
    return count
