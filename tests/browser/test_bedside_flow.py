"""Bedside flow on a tablet: add a family, screen in Spanish, alert, referrals, letter, resume."""

from __future__ import annotations

import csv
import re
import subprocess

import pytest
from flask_babel import force_locale

from screening import demo
from screening.referrals import wording
from tests.browser.helpers import add_family
from tests.browser.helpers import answer_visible
from tests.browser.helpers import checked_values
from tests.browser.helpers import go
from tests.browser.helpers import login
from tests.browser.helpers import page_number
from tests.browser.helpers import run_questionnaire
from tests.browser.helpers import shot
from tests.browser.helpers import start_screening

pytestmark = pytest.mark.browser

# A parent with several needs who wants help, and a self-harm answer on PHQ-9 item 9.
SPANISH_PICKS = {
    "nicu_transport": "Sí",
    "nicu_transport_help": "Sí",
    "nicu_parking": "No",
    "phq9_1": "Casi todos los días",
    "phq9_2": "Casi todos los días",
    "phq9_9": "Varios días",
    "phq9_help": "Sí",
}


def spanish(app, words) -> str:
    """A lazily translated phrase as the app words it for a Spanish-speaking family."""
    with app.app_context(), force_locale("es"):
        return str(words)


def demo_names_in(text: str) -> list[str]:
    """Synthetic demo names that appear in the text as whole words."""
    return [n for n in demo.FIRST + demo.LAST if re.search(rf"\b{re.escape(n)}\b", text)]


def test_spanish_screening_alert_referrals_letter_and_resume(page, live_server, tmp_path):
    """A social worker screens a Spanish-speaking mother end to end on the tablet."""
    page.goto("/login")
    shot(page, "00-sign-in")
    login(page)
    shot(page, "01-worklist")
    family_id, mrn = add_family(page, caregiver="Rosa Prueba")
    assert page.get_by_role("heading", name=f"Family · MRN {mrn}").is_visible()
    shot(page, "02-family-added")

    screening_id = start_screening(page, "Rosa Prueba")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_text(re.compile(r"Parte 1 de \d+")).is_visible()
    shot(page, "03-first-page-es")

    # On page 3 the bedside conversation is interrupted: answer, then save and pause.
    run_questionnaire(page, SPANISH_PICKS, stop_at=3)
    answer_visible(page, SPANISH_PICKS)
    chosen = checked_values(page)
    assert chosen
    go(page, page.get_by_role("button", name="Guardar y pausar"))
    assert page.url.endswith(f"/families/{family_id}")
    assert page.get_by_text("Anyone on the team can resume").is_visible()
    shot(page, "04-paused")

    # Later, from the worklist, it resumes on the same page with the same answers.
    go(page, page.get_by_role("link", name="Worklist"))
    go(page, page.locator("tr", has_text=mrn).get_by_role("link", name="Resume"))
    assert page_number(page)[0] == 3
    assert checked_values(page) == chosen
    shot(page, "05-resumed")

    run_questionnaire(page, SPANISH_PICKS)
    assert page.url.endswith(f"/screenings/{screening_id}/results")
    alert = page.locator("section.alert", has_text="Self-harm")
    assert alert.is_visible()
    assert alert.get_attribute("role") == "alert"
    shot(page, "06-results-self-harm-alert")

    alert.get_by_label(re.compile("Follow-up done")).fill(
        "Assessed at bedside with the attending; safety plan made; 988 card given."
    )
    go(page, alert.get_by_role("button", name="Acknowledge with this follow-up"))
    assert page.get_by_text("Alert acknowledged.").is_visible()
    acknowledged = page.locator("section.alert", has_text="Self-harm")
    assert acknowledged.get_by_text("Acknowledged").is_visible()
    shot(page, "07-alert-acknowledged")

    # The family wants every suggestion: tick them all, accept them with one button.
    ticks = page.get_by_role("checkbox", name=re.compile(r"^Accept .+ for "))
    assert ticks.count() >= 1, "no referral was suggested"
    accepted = [tick.get_attribute("aria-label") for tick in ticks.all()]
    # What the family letter should list: the suggestions not marked private.
    offered = page.locator("li.ref-item", has=page.locator("input[name=pick]"))
    private = offered.filter(has=page.locator(".badge", has_text="private")).count()
    assert private >= 1, "the parent's mental-health suggestions should be private"
    visiting = str(wording.NEEDS["nicu_visiting"])
    assert any(a.endswith(f" for {visiting}") for a in accepted), accepted
    for tick in ticks.all():
        tick.check()
    go(page, page.get_by_role("button", name="Accept the ticked suggestions"))
    assert page.get_by_text(re.compile(rf"^{len(accepted)} referrals? accepted\.$")).is_visible()
    assert ticks.count() == 0, "an accepted referral is still offered as a suggestion"
    assert page.locator(".ref-status", has_text="Accepted").count() == len(accepted)
    # Both letters are at hand on the results: the family's, and the parent's private one.
    assert page.get_by_role("link", name="Print letter").is_visible()
    assert page.get_by_role("link", name="Private letter for Rosa Prueba").is_visible()
    shot(page, "08-referrals-accepted")

    page.goto(f"/families/{family_id}")
    shot(page, "08b-family-letters")
    with page.expect_response(re.compile(r"/letter\?lang=es$")) as info:
        page.get_by_role("link", name="Carta en español").click()
    response = info.value
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "letter.pdf"
    # Chromium shows the PDF in its viewer; fetch the same address with the same session to save it.
    pdf.write_bytes(page.request.get(response.url).body())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Servicios para ayudar a su familia" in text and "Estimada familia" in text
    flat = " ".join(text.split())
    # Every accepted family service is listed, with the need in the family's words...
    assert flat.count("Pida ayuda con:") == len(accepted) - private, flat
    assert f"Pida ayuda con: {spanish(live_server.app, wording.NEEDS['nicu_visiting'])}" in flat
    # ...and the parent's mental-health referrals are private: never on the family letter.
    assert spanish(live_server.app, wording.NEEDS["mental_health"]) not in flat
    assert "988" not in flat


def test_manager_opens_equity_summary_and_downloads_csv(page, tmp_path):
    """The unit manager sees the de-identified summary and takes the CSV to a meeting."""
    login(page, "manager")
    go(page, page.get_by_role("link", name="Equity summary"))
    assert page.url.endswith("/reports/equity")
    assert page.get_by_role("heading", level=1).is_visible()
    main = page.locator("main").inner_text()
    assert "MRN" not in main and "DEMO1" not in main
    assert not demo_names_in(main)
    shot(page, "09-manager-equity")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    assert rows, "the CSV has no rows"
    assert {"group", "metric", "numerator", "denominator", "suppressed"} <= set(rows[0])
    assert {r["dimension"] for r in rows} == {"race_ethnicity"}
    assert not demo_names_in(path.read_text(encoding="utf-8"))


def test_family_declines_today_from_the_family_page(page, signed_in):
    """The decline button records a decline; it must not start a screening instead."""
    page.goto("/families")
    family_id, _mrn = add_family(page, caregiver="Sara Prueba", language="en")
    page.get_by_text("Start a screening with Sara Prueba").click()
    card = page.locator("details[open]")
    card.get_by_label("If the family declines today: reason").select_option("not_now")
    go(page, card.get_by_role("button", name="Record: family declines today"))
    assert page.url.endswith(f"/families/{family_id}")
    assert page.get_by_text("Recorded that the family declined screening today.").is_visible()
    row = page.locator("section[aria-labelledby=tl-h] tbody tr")
    assert row.count() == 1 and "declined" in row.inner_text()
