"""The last page is scored once (issue 16); what it stores is what a fresh score would be."""

from __future__ import annotations

import json

from screening.core.scoring import score
from screening.platform.instruments import get_registry
from screening.platform.instruments import scoring_settings
from screening.screenings import store
from tests.factories import unscreened_family
from tests.factories.web import completed_screening
from tests.factories.web import screening_id

INSTRUMENTS = ["ahc_core", "nicu_needs", "phq9"]


def _stored_and_fresh(app, db, sid: int) -> tuple[str, str]:
    """The stored result as text, and a fresh score of the stored answers as the same text."""
    screening = store.get_screening(db, sid)
    answers = store.load_answers(db, sid)
    mine = {i: answers.get(i, {}) for i in screening["instruments"]}
    with app.test_request_context():
        fresh = score(get_registry(), screening["respondent"], mine, scoring_settings())
    stored = db.execute("SELECT result FROM screenings WHERE id = ?", [sid]).fetchone()[0]
    return stored, json.dumps(fresh)


def test_the_stored_result_is_a_fresh_score_of_the_answers(app, db, screen):
    sid = completed_screening(screen, db, instruments=INSTRUMENTS)
    stored, fresh = _stored_and_fresh(app, db, sid)
    # Compared as text: the instruments' order inside the result is part of what is stored.
    assert stored == fresh
    domains = {
        r[0]: r[1]
        for r in db.execute(
            "SELECT domain, status FROM domain_results WHERE screening_id = ?", [sid]
        )
    }
    assert domains == {d: o["status"] for d, o in json.loads(fresh)["domains"].items()}


def test_a_site_order_changed_mid_screening_still_stores_the_screenings_order(app, db, screen):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=INSTRUMENTS))
    kept = store.get_screening(db, sid)["instruments"]
    # The pages now come in another order than the one the screening was started with.
    app.config["INSTRUMENT_ORDER"] = list(reversed(kept))
    final = screen.run(sid, {})
    assert final.headers["Location"].endswith(f"/screenings/{sid}/results")
    stored, fresh = _stored_and_fresh(app, db, sid)
    assert list(json.loads(stored)["instruments"]) == kept
    assert stored == fresh


def test_suggestions_keep_their_reasons_as_kind_and_value(app, db, screen):
    sid = completed_screening(screen, db, instruments=INSTRUMENTS)
    rows = db.execute(
        "SELECT match_reasons FROM referrals WHERE screening_id = ? AND service_id IS NOT NULL",
        [sid],
    ).fetchall()
    assert rows
    for (text,) in rows:
        reasons = json.loads(text)
        assert reasons and all(list(r) == ["kind", "value"] for r in reasons)
    events = db.execute(
        "SELECT count(*) FROM referral_events e JOIN referrals r ON r.id = e.referral_id "
        "WHERE r.screening_id = ? AND e.from_status IS NULL AND e.to_status = 'suggested'",
        [sid],
    ).fetchone()[0]
    assert (
        events
        == db.execute("SELECT count(*) FROM referrals WHERE screening_id = ?", [sid]).fetchone()[0]
    )
