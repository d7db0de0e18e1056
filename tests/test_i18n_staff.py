"""Staff chrome stays in the staff language around a page in a family's language; report
figures and error pages follow the language of the page they are on."""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext

from screening.platform.i18n import use_locale
from screening.platform.web_security import error_page
from screening.reports.summary import HIDDEN
from screening.reports.summary import cell_text
from tests.factories import unscreened_family
from tests.factories.web import screening_id

CELL = {
    "suppressed": False,
    "numerator": 12345,
    "denominator": 16046,
    "rate": 0.76934,
    "ci_low": 0.7627,
    "ci_high": 0.7758,
    "rate_ratio": 1.0512,
    "rr_ci_low": 0.9,
    "rr_ci_high": 1.3,
    "rd": 0.032,
    "rd_ci_low": -0.01,
    "rd_ci_high": 0.07,
    "direction": None,
    "reliable": True,
}


def _interview_page(screen, sw_client, db, language: str) -> str:
    family_id, caregiver_id = unscreened_family(db)
    started = screen.start(
        family_id, caregiver_id, language=language, mode="interview", instruments=["ahc_core"]
    )
    response = sw_client.get(f"/screenings/{screening_id(started)}/page/1")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_spanish_interview_keeps_nav_and_skip_link_in_the_staff_language(screen, sw_client, db):
    html = _interview_page(screen, sw_client, db, "es")
    assert '<html lang="es">' in html
    header = re.search(r'<header class="topbar" lang="(\w+)">(.*?)</header>', html, re.S)
    assert header, "the staff header is missing or does not say its language"
    assert header.group(1) == "en"
    nav = header.group(2)
    assert "Worklist" in nav and "Sign out" in nav and "(social worker)" in nav
    assert "Lista de trabajo" not in nav and "Salir" not in nav
    assert re.search(r'class="skip-link" href="#main" lang="en">Skip to content<', html)
    banner = re.search(r'<div class="demo-banner"[^>]*>', html)
    if banner:  # the demo database marks every page DEMO, in the reader's language
        assert 'lang="en"' in banner.group(0)
    # The rest of the page did switch: the title's app name is Spanish, as is the page.
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "NICU family screening" not in title
    assert "UCIN" in title


def test_english_interview_marks_chrome_english_too(screen, sw_client, db):
    html = _interview_page(screen, sw_client, db, "en")
    assert '<html lang="en">' in html
    assert '<header class="topbar" lang="en">' in html
    assert "NICU family screening</title>" in html


def test_report_figures_are_written_the_way_the_reader_writes_numbers(app):
    with app.test_request_context():
        english = cell_text(CELL, HIDDEN)
        with force_locale("es"):
            spanish = cell_text(CELL, HIDDEN)
            hidden = cell_text({"suppressed": True}, HIDDEN)
    assert english["counts"] == "12,345 / 16,046"
    assert english["rate"] == "76.9%"
    assert english["rr"] == "1.05 (0.90 to 1.30)"
    assert english["rd"] == "+3.2 pts (-1.0 to +7.0)"
    assert spanish["counts"] == "12.345 / 16.046"
    assert spanish["rate"] == "76,9\xa0%"
    assert spanish["ci"] == "76,3\xa0% a 77,6\xa0%"
    assert spanish["rr"] == "1,05 (0,90 a 1,30)"
    assert hidden["counts"] == hidden["rate"] != "hidden"


def test_error_page_on_a_spanish_page_says_it_is_spanish(app):
    with app.test_request_context("/"):
        use_locale("es")
        body, status = error_page(404, gettext("Not found"), gettext("There is no page."))
    assert status == 404
    assert '<html lang="es">' in body
    assert "<h1>No encontrado</h1>" in body


def test_staff_error_page_is_english(sw_client):
    response = sw_client.get("/families/987654321")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="en">' in html and "<h1>Not found</h1>" in html


def test_audit_page_shows_the_verify_command_as_code(admin_client):
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "<code>flask --app screening audit-verify</code> checks that none" in html


def test_role_names_read_as_words(admin_client):
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "<td>social worker</td>" in html
    assert "social_worker" not in re.sub(r"<(select|option)[^>]*>", "", html)
