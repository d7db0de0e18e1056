"""Forged POSTs: every POST route, listed from the app itself, refuses a request without a
token, with a wrong one and with another session's, before anything is read or written.

A new route is covered without editing this file; the test fails if CSRF protection is
dropped anywhere (the global check and the forms' own token both).
"""

from __future__ import annotations

import pytest

from screening.platform.roles import PUBLIC
from screening.platform.roles import allowed_roles
from tests.factories.web import csrf_app
from tests.factories.web import real_ids
from tests.factories.web import sign_in
from tests.factories.web import token


def post_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, url with real ids, a role allowed to call it) for every POST rule."""
    ids = real_ids(app)
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        roles = allowed_roles(app, rule.endpoint) - {PUBLIC}
        role = "social_worker" if "social_worker" in roles else (min(roles) if roles else PUBLIC)
        found.append((rule.endpoint, rule.build({a: ids[a] for a in rule.arguments})[1], role))
    return sorted(found)


def data_changes(app) -> int:
    from screening.platform.db import connect

    db = connect(app.config["DATABASE"])
    try:
        # Any write to a record table moves one of these; the audit trail is excluded
        # (a refusal may be audited).
        return (
            sum(
                db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in ("families", "caregivers", "screenings", "answers", "referrals", "users")
            )
            + db.execute("SELECT total(version) FROM screenings").fetchone()[0]
        )
    finally:
        db.close()


@pytest.mark.slow
@pytest.mark.parametrize("forgery", ["no token", "wrong token", "another session's token"])
def test_every_post_route_refuses_a_forged_request(app, forgery):
    secure = csrf_app(app)
    routes = post_routes(secure)
    assert len(routes) > 20  # the list really comes from the app
    clients = {}
    outsider = secure.test_client()
    stolen = token(outsider)  # a real token, bound to someone else's session
    refused = []
    before = data_changes(secure)
    for endpoint, url, role in routes:
        if endpoint == "auth.logout":
            continue  # covered below; it would end the shared session
        client = clients.get(role) or clients.setdefault(
            role, secure.test_client() if role == PUBLIC else sign_in(secure, role)
        )
        data = {"csrf_token": {"no token": None, "wrong token": "forged"}.get(forgery, stolen)}
        response = client.post(url, data={k: v for k, v in data.items() if v})
        if response.status_code != 400 or b"Form expired" not in response.data:
            refused.append(f"{endpoint} as {role}: {response.status_code}")
    assert refused == []
    assert data_changes(secure) == before


def test_a_forged_logout_does_not_end_the_session(app):
    secure = csrf_app(app)
    client = sign_in(secure, "social_worker")
    assert client.post("/logout").status_code == 400
    assert client.get("/families").status_code == 200


def test_a_forged_family_search_returns_no_mrn(app):
    secure = csrf_app(app)
    client = sign_in(secure, "social_worker")
    response = client.post("/families/search", data={"q": "DEMO"})
    assert response.status_code == 400 and b"DEMO-" not in response.data
