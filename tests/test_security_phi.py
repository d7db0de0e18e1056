"""PHI exposure decided by what a response contains: every page a manager or an admin can
open is searched for the names, MRNs, birth dates and phone numbers in the test database."""

from __future__ import annotations

import html

import pytest
from factories_security import real_ids
from factories_security import sign_in

from screening.platform.db import connect
from screening.platform.roles import allowed_roles


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
