"""Chart notes and action plans: PHI refused by the field, impossible dates refused, reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.core.phi_text import Identifiers
from screening.core.phi_text import findings
from screening.reports import register
from tests.factories import family

NAMES = ["María José Hernández", "Baby Mateo Hernández", "Li Wu", "Grace Parent"]
MRNS = ["DEMO100200", "MRN-00123"]
IDS = Identifiers.build(NAMES, MRNS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call the HERNANDEZ family back", ["a name"]),
        ("maria jose missed her screen", ["a name"]),
        ("Ask Li Wu about the form", ["a name"]),
        ("see mrn 00123", ["a record number"]),
        ("record demo100200 declined", ["a record number"]),
        ("Hernández, MRN-00123", ["a name", "a record number"]),
        ("Interpreter at every admission for Spanish-speaking families", []),
        ("Grace period for parents; baby visits", []),  # everyday words, not a full name
        ("Li or Wu alone are too short to be a name", []),
        ("rosemary and hernandezes are other words", []),
    ],
)
def test_names_and_record_numbers_are_found_whatever_the_case_or_accents(text, expected):
    assert findings(text, IDS) == expected


def test_plan_text_is_checked_against_the_families_in_the_database(db):
    family(db, name="Maribel Quintanilla", mrn="QR-20931")
    ids = register.identifiers(db)
    assert register.phi_problem(ids, "follow up with MARIBEL QUINTANILLA")
    assert register.phi_problem(ids, "chart qr-20931")
    assert register.phi_problem(ids, "Offer an interpreter at every admission") is None


def plan_form(**changes) -> dict:
    data = {
        "metric": "screened",
        "dimension": "language",
        "grp": "es",
        "target_rate": "80",
        "starts_on": "2025-01-01",
        "target_date": "2025-12-31",
        "strategy": "Interpreter offered at every admission, by phone if no one is on site.",
        "owner": "NICU social work lead",
        "review_dates": "2025-04-01, 2025-07-01",
    }
    return {**data, **changes}


def test_a_manager_writes_a_plan_and_sees_its_chart_with_the_target(manager_client, db):
    before = db.execute("SELECT count(*) FROM action_plans").fetchone()[0]
    response = manager_client.post("/reports/plans/new", data=plan_form())
    assert response.status_code == 302
    assert db.execute("SELECT count(*) FROM action_plans").fetchone()[0] == before + 1
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "target 80%" in page and "<svg" in page
    listing = manager_client.get("/reports/plans").get_data(as_text=True)
    assert "NICU social work lead" in listing and "2025-04-01" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"strategy": "Call María José about it"}, "strategy", "a name"),
        ({"owner": "Hernández"}, "owner", "a name"),
        ({"strategy": "see DEMO100200"}, "strategy", "a record number"),
        ({"target_date": "2024-12-01"}, "target_date", "after the start date"),
        ({"review_dates": "2026-05-01"}, "review_dates", "between the start and the target"),
        ({"review_dates": "2025-02-30"}, "review_dates", "YYYY-MM-DD"),
        ({"target_rate": "140"}, "target_rate", "between 0"),
        ({"dimension": "insurance", "grp": "es"}, "grp", "group of the dimension"),
    ],
)
def test_plans_refuse_phi_and_impossible_dates_by_the_field(
    manager_client, db, changes, field, message
):
    before = db.execute("SELECT count(*) FROM action_plans").fetchone()[0]
    response = manager_client.post("/reports/plans/new", data=plan_form(**changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = html.split(f'id="{field}-error"', 1)
    assert len(error) == 2 and message in error[1].split("</p>", 1)[0]
    assert db.execute("SELECT count(*) FROM action_plans").fetchone()[0] == before
    # The refusal never repeats what it found.
    assert "María José" not in html.split("<form", 1)[0]


def test_social_workers_read_plans_but_do_not_write_them(sw_client):
    assert sw_client.get("/reports/plans").status_code == 200
    assert sw_client.post("/reports/plans/new", data=plan_form()).status_code == 403


def _chart(rates: list[tuple[str, float]], signals: dict | None = None) -> dict:
    points = [
        {"month": m, "rate": r, "suppressed": False, "numerator": 1, "denominator": 1}
        for m, r in rates
    ]
    base = {"outside_limits": [], "shift": False, "few_crossings": False}
    base.update({"longest_run": 3, "crossings": 5}, **(signals or {}))
    return {"points": points, "signals": base}


PLAN = {"metric": "screened", "target_rate": 0.8, "target_date": "2025-12-31"}


def test_a_missed_target_opens_a_review_once_the_target_date_has_passed():
    chart = _chart([("2025-11", 0.70), ("2025-12", 0.75)])
    assert register.due_reviews(PLAN, chart, dt.date(2025, 12, 31)) == []
    due = register.due_reviews(PLAN, chart, dt.date(2026, 1, 2))
    assert [t for t, _ in due] == ["missed_target"] and "75.0%" in due[0][1]
    met = _chart([("2025-12", 0.81)])
    assert register.due_reviews(PLAN, met, dt.date(2026, 1, 2)) == []
    # For declines the target is a ceiling: 10% declined against a 15% target is met.
    declines = {**PLAN, "metric": "declined", "target_rate": 0.15}
    assert register.due_reviews(declines, _chart([("2025-12", 0.10)]), dt.date(2026, 1, 2)) == []


def test_a_signal_opens_a_review_and_the_same_review_is_not_opened_twice(manager_client, db):
    manager_client.post("/reports/plans/new", data=plan_form())
    plan_id = db.execute("SELECT max(id) FROM action_plans").fetchone()[0]
    chart = _chart([("2025-03", 0.9)], {"outside_limits": ["2025-03"]})
    due = register.due_reviews(register.plan(db, plan_id), chart, dt.date(2025, 6, 1))
    # The plan's first review date (2025-04-01) has passed too.
    assert [t for t, _ in due] == ["scheduled", "signal"] and "2025-03" in due[1][1]
    assert register.open_reviews(db, plan_id, due, dt.date(2025, 6, 1)) == 2
    assert register.open_reviews(db, plan_id, due, dt.date(2025, 6, 2)) == 0
    review_id = db.execute(
        "SELECT id FROM action_plan_reviews WHERE trigger = 'signal' AND plan_id = ?", [plan_id]
    ).fetchone()[0]
    url = f"/reports/plans/{plan_id}/reviews/{review_id}"
    manager_client.post(url, data={"action": "Asked Hernández to come back"})
    assert (
        db.execute(
            "SELECT closed_at FROM action_plan_reviews WHERE id = ?", [review_id]
        ).fetchone()[0]
        is None
    )
    manager_client.post(url, data={"action": "Added a second interpreter line in June."})
    closed = db.execute(
        "SELECT closed_at, action_taken FROM action_plan_reviews WHERE id = ?", [review_id]
    ).fetchone()
    assert closed[0] and closed[1].startswith("Added a second interpreter")


def test_chart_notes_refuse_phi_and_are_drawn_on_the_run_chart(manager_client, db):
    bad = manager_client.post(
        "/reports/annotations", data={"on_date": "2025-03-01", "note": "maria jose complained"}
    )
    assert bad.status_code == 400 and "a name" in bad.get_data(as_text=True)
    good = manager_client.post(
        "/reports/annotations",
        data={"on_date": "2025-03-01", "note": "Interpreter on every admission from March"},
    )
    assert good.status_code == 302
    page = manager_client.get("/reports/equity?by=language&trend=screened")
    html = page.get_data(as_text=True)
    assert "Note 1, 2025-03: 2025-03-01: Interpreter on every admission from March" in html


def test_only_managers_write_chart_notes(sw_client):
    assert sw_client.get("/reports/annotations").status_code == 200
    response = sw_client.post("/reports/annotations", data={"on_date": "2025-03-01", "note": "x"})
    assert response.status_code == 403


def test_a_review_date_reached_opens_a_scheduled_review():
    plan = {**PLAN, "review_dates": ["2025-04-01", "2025-07-01"]}
    chart = _chart([("2025-03", 0.85)])
    due = register.due_reviews(plan, chart, dt.date(2025, 5, 1))
    assert due == [("scheduled", "Review planned for 2025-04-01.")]
