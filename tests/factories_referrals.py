"""Builders for referral tests (to be folded into tests/factories.py by the lead)."""

from __future__ import annotations

from screening.core.instrument_loader import load_registry
from screening.platform import timeutil
from screening.platform.resources import SHIPPED_FORMS
from screening.referrals.store import create_suggestions

_REGISTRY = None


def registry():
    global _REGISTRY  # noqa: PLW0603 - loaded once per test session
    if _REGISTRY is None:
        _REGISTRY = load_registry(SHIPPED_FORMS)
    return _REGISTRY


def result_for(domains, *, wants="yes", alerts=(), instruments=None):
    """A scorer-shaped result: each domain positive, with the category and tags it declares."""
    reg = registry()
    return {
        "domains": {d: {"status": "positive", "wants_help": wants} for d in domains},
        "referrals": [
            {"domain": d, "category": reg.domains[d].category, "tags": list(reg.domains[d].tags)}
            for d in domains
        ],
        "alerts": list(alerts),
        "instruments": instruments or {},
    }


def family(db, *, language="es", name="Lucía Ejemplo", phone="(555) 010-1234", interpreter=1):
    """A family with one parent; returns (family id, caregiver id)."""
    stamp = timeutil.iso()
    fid = (
        db["families"]
        .insert(
            {
                "mrn": f"REF-{db['families'].count + 1}",
                "admission_date": "2026-11-01",
                "language": language,
                "interpreter_needed": interpreter,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        .last_pk
    )
    cid = (
        db["caregivers"]
        .insert(
            {
                "family_id": fid,
                "name": name,
                "respondent": "birthing_parent",
                "phone": phone,
                "language": language,
                "created_at": stamp,
            }
        )
        .last_pk
    )
    return fid, cid


def screened(db, fid, cid, result, *, language="es", username="sw.garcia"):
    """A completed screening whose suggestions were created as the bedside flow does."""
    stamp = timeutil.iso()
    sid = (
        db["screenings"]
        .insert(
            {
                "family_id": fid,
                "caregiver_id": cid,
                "timepoint": "admission",
                "mode": "interview",
                "language": language,
                "instruments": '["ahc_core"]',
                "status": "completed",
                "started_at": stamp,
                "updated_at": stamp,
                "completed_at": stamp,
            }
        )
        .last_pk
    )
    user = db.execute("SELECT id FROM users WHERE username = ?", [username]).fetchone()[0]
    with db.atomic():
        ids = create_suggestions(
            db, family_id=fid, screening_id=sid, caregiver_id=cid, result=result,
            language=language, user_id=user,
        )  # fmt: skip
    return sid, ids


def row(db, rid):
    """One referral row as a dict."""
    cursor = db.execute("SELECT * FROM referrals WHERE id = ?", [rid])
    names = [c[0] for c in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))
