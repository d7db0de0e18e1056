"""Authorization matrix: every endpoint x role x method against tests/authz_matrix.yaml.

The expected table is data: a route added without a row there fails this test, and so
does any row the running app disagrees with. Requests use id 999999 for integer path
parts so no real record is touched; "allowed" means the role got past the access check
(anything but a redirect to sign-in for anonymous, or 403 for a signed-in role).

Units: one unit = one SQLite file = one deployment (DESIGN.md), so there is no
separation between units inside a deployment; the line a guessed id must not cross is
the role line (manager and admin never reach family records).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from werkzeug.routing import IntegerConverter
from werkzeug.routing import PathConverter

from screening.platform.roles import PUBLIC
from screening.platform.roles import allowed_roles

MATRIX = Path(__file__).with_name("authz_matrix.yaml")
ROLES = ("anonymous", "social_worker", "manager", "admin")
PHI_PREFIXES = ("families.", "screenings.", "referrals.", "exchange.")
SAMPLE = {"int": 999999, "string": "ahc_core", "path": "app.css"}
# Requests that end the signed-in session run last, so they do not spoil the others.
LAST = ("auth.logout",)


def expected() -> dict:
    return yaml.safe_load(MATRIX.read_text()) or {}


def url_for_rule(rule) -> str:
    """The rule's URL with sample values: 999999 for ints (no such record)."""
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg]
        if isinstance(converter, IntegerConverter):
            values[arg] = SAMPLE["int"]
        elif isinstance(converter, PathConverter):
            values[arg] = SAMPLE["path"]
        else:
            values[arg] = SAMPLE["string"]
    return rule.build(values)[1]


def routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule, session-ending ones last."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url_for_rule(rule)))
    return sorted(found, key=lambda r: (r[0] in LAST, r))


def test_every_route_has_a_row_and_no_row_is_stale(app):
    table = expected()
    present = {(e, m) for e, m, _ in routes(app)}
    listed = {(e, m) for e, methods in table.items() for m in methods}
    assert sorted(present - listed) == [], "routes missing from tests/authz_matrix.yaml"
    assert sorted(listed - present) == [], "rows in tests/authz_matrix.yaml with no route"


def test_table_keeps_managers_and_admins_away_from_phi():
    for endpoint, methods in expected().items():
        if endpoint.startswith(PHI_PREFIXES):
            for roles in methods.values():
                assert not {"manager", "admin", "anonymous"} & set(roles), endpoint


def test_table_matches_the_views_declared_roles(app):
    for endpoint, methods in expected().items():
        declared = allowed_roles(app, endpoint)
        want = set(declared - {PUBLIC}) | ({*ROLES} if PUBLIC in declared else set())
        for method, roles in methods.items():
            assert set(roles) == want, f"{endpoint} {method}"


@pytest.fixture
def clients(app, auth):
    # conftest's AuthActions, reached through its fixture (`import conftest` is ambiguous).
    actions = type(auth)
    made = {"anonymous": app.test_client()}
    for role in ROLES[1:]:
        client = app.test_client()
        assert actions(client).login(role).status_code == 302
        made[role] = client
    return made


# Public steps that send a visitor without the earlier step's state back to sign-in.
BOUNCE_TO_LOGIN = ("auth.login_totp",)


def outcome(role: str, response, endpoint: str) -> str:
    location = response.headers.get("Location", "")
    bounced = response.status_code == 302 and location.endswith("/login")
    if role == "anonymous" and bounced and endpoint not in BOUNCE_TO_LOGIN:
        return "deny"
    if response.status_code == 403:
        return "deny"
    if response.status_code >= 500:
        return "error"
    return "allow"


@pytest.mark.slow
def test_the_running_app_enforces_the_matrix(app, clients):
    table = expected()
    wrong = []
    for endpoint, method, url in routes(app):
        for role in ROLES:
            try:
                with clients[role].open(url, method=method) as response:
                    got = outcome(role, response, endpoint)
            except Exception as exc:  # noqa: BLE001 - report every route, not the first crash
                got = f"error ({type(exc).__name__}: {str(exc)[:80]})"
            want = "allow" if role in table.get(endpoint, {}).get(method, []) else "deny"
            if got != want:
                wrong.append(f"{method} {url} ({endpoint}) as {role}: {got}, expected {want}")
    assert wrong == []


def add_family(app) -> int:
    from screening.platform.db import connect

    db = connect(app.config["DATABASE"])
    with db.conn:
        fid = (
            db["families"]
            .insert(
                {
                    "mrn": "SYN-0001",
                    "admission_date": "2026-01-02",
                    "created_at": "t",
                    "updated_at": "t",
                }
            )
            .last_pk
        )
    db.close()
    return fid


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_guessed_family_id_is_refused_to_manager_and_admin(app, clients, role):
    fid = add_family(app)
    family_rules = [e for e, m, u in routes(app) if e == "families.show" and m == "GET"]
    if not family_rules:
        pytest.skip("no family page yet")
    response = clients[role].get(f"/families/{fid}")
    assert response.status_code == 403
    assert b"SYN-0001" not in response.data


def test_a_nonexistent_family_id_is_404_for_a_social_worker(app, clients):
    if not any(e == "families.show" for e, _m, _u in routes(app)):
        pytest.skip("no family page yet")
    assert clients["social_worker"].get("/families/999999").status_code == 404
