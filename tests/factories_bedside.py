"""Builders for the bedside tests (the lead folds these into tests/factories.py)."""

from __future__ import annotations

from screening.platform.db import one

SELF_HARM = {"phq9__phq9_1": "3", "phq9__phq9_2": "3", "phq9__phq9_9": "2"}


def unscreened_family(db) -> tuple[int, int]:
    """(family id, birthing parent id) of a demo family with no screening yet."""
    row = one(
        db,
        """SELECT f.id AS family_id, c.id AS caregiver_id FROM families f
           JOIN caregivers c ON c.family_id = f.id AND c.respondent = 'birthing_parent'
           WHERE NOT EXISTS (SELECT 1 FROM screenings s WHERE s.family_id = f.id)
           ORDER BY f.id LIMIT 1""",
    )
    assert row, "the demo data needs an unscreened family"
    return row["family_id"], row["caregiver_id"]


def screening_id(response) -> int:
    """The screening id a start or page response redirects to."""
    return int(response.headers["Location"].split("/screenings/")[1].split("/")[0])


def completed_screening(screen, db, instruments=("ahc_core", "phq9"), answers=None) -> int:
    """A screening run to completion through the web flow; returns its id."""
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=list(instruments)))
    final = screen.run(sid, answers or {})
    assert final.headers["Location"].endswith(f"/screenings/{sid}/results"), final.status
    return sid
