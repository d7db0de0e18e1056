"""Report-shaped records for the equity tests: a family with offers at set dates, domain results
and referral outcomes written as they are stored, so a count can be worked out by hand."""

from __future__ import annotations

import json

STAMP = "2026-01-05T10:00:00Z"


def app_family(
    db,
    *,
    mrn: str,
    admitted: str,
    race=("white",),
    language: str = "en",
    insurance: str = "public",
    offers=(),
    results=(),
    referrals=(),
    caregiver: str = "Test Parent",
    respondent: str = "birthing_parent",
    instruments=("ahc_core", "nicu_needs"),
) -> int:
    """One family. offers: (status, started_at, completed_at, decline_reason) in any order;
    results: (domain, status, wants_help) on every completed or closed offer;
    referrals: (domain, status, outcome)."""
    fid = db.execute(
        "INSERT INTO families (mrn, admission_date, race_ethnicity, insurance, language, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [mrn, admitted, json.dumps(list(race)), insurance, language, STAMP, STAMP],
    ).lastrowid
    cid = db.execute(
        "INSERT INTO caregivers (family_id, name, respondent, created_at) VALUES (?, ?, ?, ?)",
        [fid, caregiver, respondent, STAMP],
    ).lastrowid
    for status, started, completed, reason in offers:
        sid = db.execute(
            "INSERT INTO screenings (family_id, caregiver_id, timepoint, mode, language, "
            "instruments, status, decline_reason, started_at, updated_at, completed_at) "
            "VALUES (?, ?, 'admission', 'interview', ?, ?, ?, ?, ?, ?, ?)",
            [
                fid,
                cid,
                language,
                json.dumps(list(instruments)),
                status,
                reason,
                started,
                started,
                completed,
            ],
        ).lastrowid
        if status in ("completed", "closed"):
            for domain, result, wants in results:
                db.execute(
                    "INSERT INTO domain_results (screening_id, domain, status, wants_help) "
                    "VALUES (?, ?, ?, ?)",
                    [sid, domain, result, wants],
                )
    for domain, status, outcome in referrals:
        row = {
            "family_id": fid,
            "domain": domain,
            "category": "community",
            "status": status,
            "created_at": STAMP,
            "updated_at": STAMP,
        }
        if outcome is not None:
            row["outcome"] = outcome
        db["referrals"].insert(row)
    return fid


def clear_families(db) -> None:
    """Drop the demo data so a test's unit holds only the families it builds."""
    for table in (
        "referral_events",
        "referrals",
        "alerts",
        "domain_results",
        "answers",
        "screenings",
        "caregivers",
        "infants",
        "families",
        "imported_families",
    ):
        db.execute(f"DELETE FROM {table}")  # noqa: S608  # nosec B608 - fixed names
