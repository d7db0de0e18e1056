"""Records every test builds the same way: a family (infants, caregivers), a screening scored
by the real scorer with its referral suggestions, and a referral at any status.

Tests build the records they assert on, so a test never passes because demo data happens to be
there. Web flows are in `tests.factories.web`, HSDS packages in `tests.factories.hsds`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlite_utils import Database

from screening.core.instrument_loader import load_registry
from screening.core.instruments import Instrument
from screening.core.instruments import Registry
from screening.core.scoring import score
from screening.families.store import create_family
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.instruments import get_registry
from screening.platform.instruments import scoring_settings
from screening.platform.resources import SHIPPED_FORMS
from screening.referrals.store import change_status
from screening.referrals.store import create_suggestions
from screening.screenings import service
from screening.screenings import store

# The bedside screen for a parent unless a test says otherwise (DESIGN.md: ahc_core + nicu_needs
# for the family, phq9 + gad7 for each parent).
INSTRUMENTS = ("ahc_core", "nicu_needs", "phq9", "gad7")
# The path to each referral status: every step goes through the real transition rules.
PATH = {
    "suggested": (),
    "accepted": ("accepted",),
    "declined": ("declined",),
    "sent": ("accepted", "sent"),
    "connected": ("accepted", "sent", "connected"),
    "not_connected": ("accepted", "sent", "not_connected"),
}
_REGISTRY: list[Registry] = []


def registry() -> Registry:
    """The shipped instruments, loaded once per test session."""
    if not _REGISTRY:
        _REGISTRY.append(load_registry(SHIPPED_FORMS))
    return _REGISTRY[0]


def user_id(db: Database, username: str = "sw.garcia") -> int:
    return one(db, "SELECT id FROM users WHERE username = ?", [username])["id"]


@dataclass(frozen=True)
class Family:
    id: int
    caregivers: tuple[int, ...]
    infants: tuple[int, ...]

    @property
    def parent(self) -> int:
        """The birthing parent."""
        return self.caregivers[0]


def family(
    db: Database,
    *,
    language: str = "es",
    name: str = "Lucía Ejemplo",
    partner: str | None = None,
    infants: tuple[tuple[str, str], ...] = (("Bebé Ejemplo", "2026-10-30"),),
    phone: str = "(555) 010-1234",
    interpreter: bool = True,
    mrn: str | None = None,
    admitted: str = "2026-11-01",
    race: tuple[str, ...] = ("hispanic",),
    insurance: str = "public",
    username: str = "sw.garcia",
) -> Family:
    """A family saved through the families store, as the family form saves one: a birthing
    parent `name`, a `partner` when given, and `infants` as (name, date of birth)."""
    data = {
        "mrn": mrn or f"T{uuid.uuid4().int % 10**8:08d}",
        "admission_date": admitted,
        "race_ethnicity": list(race),
        "insurance": insurance,
        "language": language,
        "interpreter_needed": interpreter,
        "infants": [{"name": n, "dob": dob, "ga_weeks": 30} for n, dob in infants],
        "caregivers": [
            {"name": n, "respondent": r, "phone": phone, "language": language}
            for n, r in ((name, "birthing_parent"), (partner, "partner"))
            if n
        ],
    }
    with write(db):
        fid = create_family(db, data, user_id(db, username))
    ids = [
        (r["id"], r["t"])
        for r in db.query(
            "SELECT id, 'c' AS t FROM caregivers WHERE family_id = :f UNION ALL "
            "SELECT id, 'i' FROM infants WHERE family_id = :f ORDER BY t, id",
            {"f": fid},
        )
    ]
    return Family(fid, tuple(i for i, t in ids if t == "c"), tuple(i for i, t in ids if t == "i"))


def _top(instrument: Instrument, item_id: str) -> object:
    """The answer to an item that scores highest (a list for a multi-select item)."""
    item = instrument.item(item_id)
    best = max(item.options, key=lambda o: o.score or 0).code
    return [best] if item.type == "multi" else best


def answers_for(*domains: str, reg: Registry | None = None) -> dict[str, dict[str, object]]:
    """Answers that make each domain positive with the parent wanting help, read from the
    instruments' own rules (so they follow the instrument files, not a copy of them)."""
    reg = reg or registry()
    answers: dict[str, dict[str, object]] = {}
    for domain in domains:
        inst, rule = next(
            (i, r) for i in map(reg.instruments.get, INSTRUMENTS) if i for r in i.rules
            if r.domain == domain
        )  # fmt: skip
        given = answers.setdefault(inst.id, {})
        condition = rule.condition
        if condition.kind == "any_of":
            item = inst.item(condition.items[0])
            code = next(o.code for o in item.options if o.code in condition.answers)
            given[item.id] = [code] if item.type == "multi" else code
        else:
            # Only as many top answers as the threshold needs: all of PHQ-9 at the top would
            # add a self-harm answer, and with it a crisis line the test did not ask for.
            for item_id in condition.items or inst.scores[condition.name].items:
                if _positive(reg, answers, domain):
                    break
                given[item_id] = _top(inst, item_id)
        given.update({i.id: "yes" for i in inst.items if i.wants_help_for == domain})
    missed = [d for d in domains if not _positive(reg, answers, d)]
    assert not missed, f"answers_for could not make {missed} positive"
    return answers


def _positive(reg: Registry, answers: dict, domain: str) -> bool:
    return score(reg, "birthing_parent", answers)["domains"][domain]["status"] == "positive"


@dataclass(frozen=True)
class Screened:
    id: int
    result: dict
    referrals: tuple[int, ...]


def screening(
    app,
    db: Database,
    fam: Family,
    answers: dict[str, dict[str, object]],
    *,
    caregiver: int | None = None,
    language: str = "es",
    username: str = "sw.garcia",
    timepoint: str = "admission",
) -> Screened:
    """A completed screening: the answers saved page by instrument, scored by the real scorer,
    alerts raised and referral suggestions made by `create_suggestions`, as the last page does."""
    uid = user_id(db, username)
    form = {
        "caregiver_id": caregiver or fam.parent,
        "timepoint": timepoint,
        "mode": "interview",
        "language": language,
        "request_token": uuid.uuid4().hex,
    }
    with app.app_context(), write(db):
        reg, settings = get_registry(), scoring_settings()
        sid, _ = store.create_screening(db, fam.id, form, list(answers), False, uid)
        saved: dict = {}
        for inst_id, items in answers.items():
            version = one(db, "SELECT version FROM screenings WHERE id = ?", [sid])["version"]
            saved = store.save_page(
                db, sid, version, reg.instruments[inst_id], items, settings, uid, 1, saved
            )
        current = store.get_screening(db, sid)
        result = store.complete(
            db, current, reg, settings, uid, service.words(),
            suggest=create_suggestions, answers=saved,
        )  # fmt: skip
    ids = tuple(r["id"] for r in db.query("SELECT id FROM referrals WHERE screening_id = ?", [sid]))
    return Screened(sid, result, ids)


def screened_family(
    app, db: Database, *domains: str, **family_kw
) -> tuple[Family, tuple[int, ...]]:
    """A new family whose birthing parent was screened positive, wanting help, for `domains`;
    (the family, the ids of the referrals suggested)."""
    fam = family(db, **family_kw)
    return fam, screening(app, db, fam, answers_for(*domains)).referrals


def referral_row(db: Database, rid: int) -> dict:
    """One referral row as a dict."""
    return one(db, "SELECT * FROM referrals WHERE id = ?", [rid]) or {}


def move_referral(
    app, db: Database, rid: int, status: str, *, username: str = "sw.garcia", **details
) -> dict:
    """Walk a suggested referral to `status` through the real transition rules; `details`
    (reason, note, outcome) go to the last step. Returns the updated row."""
    user = one(db, "SELECT * FROM users WHERE username = ?", [username])
    row = referral_row(db, rid)
    steps = PATH[status]
    with app.app_context():
        for n, step in enumerate(steps, start=1):
            last = details if n == len(steps) else {}
            if step == "not_connected" and last.get("reason") == "unreachable":
                db.execute("UPDATE referrals SET attempts = 3 WHERE id = ?", [rid])
            row = change_status(
                db, rid, step, version=row["version"], user=user, follow_up_days=7, **last
            )
    return row


def referral(app, db: Database, status: str = "suggested", domain: str = "food", **details) -> dict:
    """A referral for a new family's `domain` need, at `status` (DESIGN.md referral statuses);
    connected needs an outcome and not connected a reason, which default sensibly."""
    if status == "connected":
        details.setdefault("outcome", "need_met")
    if status == "not_connected":
        details.setdefault("reason", "no_capacity")
    screened = screening(app, db, family(db), answers_for(domain))
    rid = next(r for r in screened.referrals if referral_row(db, r)["domain"] == domain)
    return move_referral(app, db, rid, status, **details)


def unscreened_family(db: Database) -> tuple[int, int]:
    """(family id, birthing parent id) of a new family with no screening yet."""
    fam = family(db, language="en")
    return fam.id, fam.parent
