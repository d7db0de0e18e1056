"""Parents' mental health by parent role: counts by hand, small cells hidden, HEDIS CSV."""

from __future__ import annotations

import csv
import io

from screening.core.parent_measures import measure_set
from screening.platform.db import write
from screening.reports import parents
from tests.factories.equity import app_family
from tests.factories.equity import clear_families

MH = ("phq9", "gad7")


def _parent(db, mrn, respondent, offers=(), positive=False):
    fid = app_family(
        db,
        mrn=mrn,
        admitted="2026-02-01",
        respondent=respondent,
        instruments=MH,
        offers=offers,
        results=[("mental_health", "positive" if positive else "negative", "not_asked")],
    )
    return fid, db.execute("SELECT id FROM caregivers WHERE family_id = ?", [fid]).fetchone()[0]


def _referral(db, fid, cid, accepted_at):
    db.execute(
        "INSERT INTO referrals (family_id, caregiver_id, domain, category, status, created_at, "
        "updated_at, accepted_at) VALUES (?, ?, 'mental_health', 'mental_health', 'accepted', "
        "?, ?, ?)",
        [fid, cid, "2026-02-03T10:00:00Z", accepted_at, accepted_at],
    )


DONE = ("completed", "2026-02-03T09:00:00Z", "2026-02-03T10:00:00Z", None)


def hand_parents(db):
    with write(db):
        clear_families(db)
        fid, cid = _parent(db, "P1", "birthing_parent", [DONE], positive=True)
        _referral(db, fid, cid, "2026-02-20T10:00:00Z")  # 17 days: a follow-up
        fid, cid = _parent(db, "P2", "birthing_parent", [DONE], positive=True)
        _referral(db, fid, cid, "2026-03-20T10:00:00Z")  # 45 days: too late
        _parent(db, "P3", "partner", [DONE])
        declined = ("declined", "2026-02-03T09:00:00Z", None, "not_now")
        _parent(db, "P4", "partner", [declined, declined])
        _parent(db, "P5", "birthing_parent")
        # A family screen (no mental-health instrument) is not a parent's screen.
        app_family(db, mrn="P6", admitted="2026-02-01", respondent="partner", offers=[DONE])


def test_counts_by_parent_role_match_the_hand_count(db):
    hand_parents(db)
    counts = parents.role_counts(db, "2026-02-01", "2026-02-28")
    assert counts["birthing_parent"] == {
        "parents": 3,
        "screened": 2,
        "positive": 2,
        "follow_up": 1,
        "declined": 0,
    }
    assert counts["partner"] == {
        "parents": 3,
        "screened": 1,
        "positive": 0,
        "follow_up": 0,
        "declined": 1,
    }
    assert parents.role_counts(db, "2026-03-01", "2026-03-31") == {}


def test_one_hidden_role_hides_the_other_when_the_total_is_shown():
    counts = {
        "birthing_parent": {"parents": 60, "screened": 40, "positive": 12, "follow_up": 11},
        "partner": {"parents": 30, "screened": 20, "positive": 5, "follow_up": 3},
    }
    out = measure_set(counts, threshold=11)
    assert out["roles"]["birthing_parent"]["screened"]["numerator"] == 40
    assert out["total"]["screened"]["rate"] == round(60 / 90, 6)
    # Partner's 5 positive is small; birthing parent's 12 would give it away via the total 17.
    assert out["roles"]["partner"]["positive"]["suppressed"]
    assert out["roles"]["birthing_parent"]["positive"]["suppressed"]
    assert out["total"]["positive"]["numerator"] == 17
    # Follow-up total 14 over 17: shown; both roles hidden (3 and 5 are small).
    assert out["total"]["follow_up"]["numerator"] == 14
    assert out["roles"]["birthing_parent"]["follow_up"]["suppressed"]


def test_page_and_hedis_csv(app, db, manager_client):
    app.config["SUPPRESSION_THRESHOLD"] = 1
    hand_parents(db)
    page = manager_client.get("/reports/parents?from=2026-02&to=2026-02")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Follow-up within 30 days of a positive screen" in html and "1 / 2 (50.0%)" in html
    body = manager_client.get("/reports/parents?from=2026-02&to=2026-02&format=csv")
    rows = list(csv.DictReader(io.StringIO(body.get_data(as_text=True))))
    got = {r["indicator"]: (r["numerator"], r["denominator"]) for r in rows}
    assert got == {"screened": ("3", "6"), "positive": ("2", "3"), "follow_up": ("1", "2")}
    assert manager_client.get("/reports/parents?from=2099-01").status_code == 400
