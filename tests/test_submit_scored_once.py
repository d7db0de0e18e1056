"""The last page is scored once (issue 16); what it stores is what a fresh score would be."""

from __future__ import annotations

import json

from screening.core.scoring import score
from screening.platform.instruments import get_registry
from screening.platform.instruments import scoring_settings
from screening.screenings import store
from tests import factories
from tests.factories import answers_for
from tests.factories import unscreened_family
from tests.factories import user_id
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
    # Every suggestion has its own first event, made by the person who finished the screen.
    per_referral = db.execute(
        "SELECT r.id, count(e.id), min(e.user_id) FROM referrals r LEFT JOIN referral_events e "
        "ON e.referral_id = r.id AND e.from_status IS NULL AND e.to_status = 'suggested' "
        "WHERE r.screening_id = ? GROUP BY r.id",
        [sid],
    ).fetchall()
    assert len(per_referral) > 1
    assert {(n, who) for _rid, n, who in per_referral} == {(1, user_id(db))}


def test_a_self_harm_answer_suggests_a_crisis_line_beside_the_service_each_with_its_event(app, db):
    answers = answers_for("mental_health", "food")
    answers["phq9"]["phq9_9"] = 3
    screened = factories.screening(app, db, factories.family(db), answers)
    rows = db.execute(
        "SELECT r.domain, r.crisis, r.service_id, count(e.id) FROM referrals r "
        "JOIN referral_events e ON e.referral_id = r.id WHERE r.screening_id = ? "
        "GROUP BY r.id ORDER BY r.id",
        [screened.id],
    ).fetchall()
    kinds = [(domain, crisis) for domain, crisis, _service, _events in rows]
    assert sorted(kinds) == [("food", 0), ("mental_health", 0), ("mental_health", 1)]
    services = {service for _d, _c, service, _e in rows}
    assert len(services) == 3 and None not in services
    assert all(events == 1 for *_rest, events in rows)
