"""After a self-harm answer in parent mode the crisis lines stay in front of the parent:
Back, a typed address or a wrong password lands on them, never on a bare lock screen."""

from __future__ import annotations

from tests.factories.web import account
from tests.factories.web import run_parent_mode

CRISIS_NUMBERS = ("tel:988", "tel:18338526262")


def shown(client, url: str) -> tuple[str, str]:
    """(final address, page) after following redirects, as the tablet's browser would."""
    response = client.get(url, follow_redirects=True)
    return response.request.path, response.get_data(as_text=True)


def test_back_to_the_questions_after_a_crisis_shows_the_crisis_lines(screen, sw_client, db):
    sid, last = run_parent_mode(screen, sw_client, db)
    assert last.headers["Location"].endswith(f"/screenings/{sid}/crisis")
    sw_client.get(last.headers["Location"])
    for url in (f"/screenings/{sid}/page/1", f"/screenings/{sid}/locked", "/families"):
        path, html = shown(sw_client, url)
        assert path == f"/screenings/{sid}/crisis", url
        assert all(number in html for number in CRISIS_NUMBERS), url
        assert 'type="radio"' not in html, url


def test_a_wrong_password_keeps_the_crisis_lines(screen, sw_client, db):
    sid, last = run_parent_mode(screen, sw_client, db)
    sw_client.get(last.headers["Location"])
    response = sw_client.post(
        f"/screenings/{sid}/unlock", data={"password": "not-it"}, follow_redirects=True
    )
    assert response.request.path == f"/screenings/{sid}/crisis"
    assert all(number in response.get_data(as_text=True) for number in CRISIS_NUMBERS)


def test_after_hand_back_a_new_hand_over_starts_without_the_crisis(screen, sw_client, db):
    sid, last = run_parent_mode(screen, sw_client, db)
    sw_client.get(last.headers["Location"])
    _user, password = account("social_worker")
    assert sw_client.post(f"/screenings/{sid}/unlock", data={"password": password}).status_code
    # Staff hand the tablet over again for the rest; an idle lock is now a plain lock screen.
    sw_client.post(f"/screenings/{sid}/handover")
    path, html = shown(sw_client, f"/screenings/{sid}/locked")
    assert path == f"/screenings/{sid}/locked"
    assert "tel:988" not in html
