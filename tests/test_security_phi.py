"""PHI exposure decided by what a response contains: every page a manager or an admin can
open is searched for the names, MRNs, birth dates and phone numbers in the test database."""

from __future__ import annotations

import html

import pytest

from screening.platform.db import connect
from screening.platform.roles import allowed_roles
from tests.factories.web import real_ids
from tests.factories.web import sign_in


def phi_values(app) -> set[str]:
    db = connect(app.config["DATABASE"])
    try:
        staff_phones = {r[0] for r in db.execute("SELECT phone FROM users")}
        values = {r[0] for r in db.execute("SELECT mrn FROM families")}
        values |= {r[0] for r in db.execute("SELECT name FROM caregivers")}
        values |= {r[0] for r in db.execute("SELECT name FROM infants")}
        values |= {r[0] for r in db.execute("SELECT phone FROM caregivers")} - staff_phones
    finally:
        db.close()
    return {v for v in values if v and len(v) >= 5}


def get_routes(app, role: str) -> list[str]:
    ids = real_ids(app)
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and role in allowed_roles(app, rule.endpoint):
            values = {a: ids.get(a, "ahc_core") for a in rule.arguments}
            if rule.endpoint != "static":
                urls.append(rule.build(values)[1])
    return sorted(urls)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_no_page_a_manager_or_admin_can_open_shows_phi(app, role):
    values = phi_values(app)
    assert len(values) > 50  # the demo families are really there
    client = sign_in(app, role)
    leaks = []
    urls = get_routes(app, role)
    for url in urls + [u + "?format=csv" for u in urls]:
        response = client.get(url)
        if response.mimetype == "application/pdf":
            continue  # compressed text; the PDF builders take only aggregate rows
        # Binary downloads (zip exports) are searched as bytes, where their text would be.
        body = html.unescape(response.get_data().decode("utf-8", "replace"))
        leaks += [f"{url}: {v!r}" for v in values if v in body]
    assert leaks == []


def test_the_search_finds_phi_for_a_social_worker(app):
    # The detector itself works: the same values do show where they should.
    client = sign_in(app, "social_worker")
    body = html.unescape(client.get("/families").get_data(as_text=True))
    assert any(v in body for v in phi_values(app))


# Pages found by the test below to show PHI without recording a view; the wiring is in
# another area (reported to the lead). Remove an entry once its view records the view.
KNOWN_UNAUDITED: set[str] = set()


def completed_screening(app) -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT id FROM screenings WHERE status = 'completed'").fetchone()[0]
    finally:
        db.close()


def last_audit_id(app) -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
    finally:
        db.close()


@pytest.mark.slow
def test_every_page_that_shows_phi_records_a_view(app):
    values = phi_values(app)
    client = sign_in(app, "social_worker")
    unaudited = set()
    for screening_id in (real_ids(app)["screening_id"], completed_screening(app)):
        ids = {**real_ids(app), "screening_id": screening_id}
        for rule in app.url_map.iter_rules():
            roles = allowed_roles(app, rule.endpoint)
            if (
                "GET" not in rule.methods
                or "social_worker" not in roles
                or rule.endpoint == "static"
            ):
                continue
            before = last_audit_id(app)
            response = client.get(
                rule.build({a: ids.get(a, "ahc_core") for a in rule.arguments})[1]
            )
            body = html.unescape(response.get_data().decode("utf-8", "replace"))
            if any(v in body for v in values) and last_audit_id(app) == before:
                unaudited.add(rule.endpoint)
    assert unaudited <= KNOWN_UNAUDITED, sorted(unaudited - KNOWN_UNAUDITED)
