"""A social worker's first week, on a tablet: forgiving search, twins' MRNs, no placeholder
questionnaire, crisis lines and the urgent banner, the answer sheet and a correction, local time."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import axe_violations
from tests.browser.helpers import go
from tests.browser.helpers import run_questionnaire
from tests.browser.helpers import shot
from tests.browser.helpers import start_screening
from tests.factories.web import account

pytestmark = pytest.mark.browser

CRISIS_PICKS = {
    "phq9_1": "Casi todos los días",
    "phq9_2": "Casi todos los días",
    "phq9_9": "Varios días",
}


def add_twins(page, parent: str, mrn: str, twin_mrn: str, language: str = "es") -> int:
    page.goto("/families/new")
    page.get_by_label("Infant MRN").fill(mrn)
    for n, name in enumerate(("Bebé A Ibáñez", "Bebé B Ibáñez")):
        page.locator(f"#infants-{n}-name").fill(name)
        page.locator(f"#infants-{n}-dob").fill(page.locator("#admission_date").input_value())
        page.locator(f"#infants-{n}-ga_weeks").fill("30")
    page.locator("#infants-1-mrn").fill(twin_mrn)
    page.locator("#caregivers-0-name").fill(parent)
    page.locator("#caregivers-0-language").select_option(language)
    page.get_by_label("Hispanic or Latino").check()
    go(page, page.get_by_role("button", name="Save family"))
    match = re.search(r"/families/(\d+)$", page.url)
    assert match, page.locator("main").inner_text()[:400]
    return int(match.group(1))


def search(page, query: str) -> str:
    page.goto("/families/search")
    page.get_by_label("MRN or name").fill(query)
    go(page, page.get_by_role("button", name="Search"))
    return page.locator("main").inner_text()


def test_accent_free_search_twin_b_and_no_placeholder(page, signed_in):
    family_id = add_twins(page, "Zoë Ibáñez-Quiroga", "WK1-10001", "WK1-10002")
    assert "Second caregiver" not in page.content()
    text = search(page, "ibanez quiroga")
    assert "WK1-10001" in text and "Zoë Ibáñez-Quiroga" in text
    shot(page, "60-search-accent-free")
    assert "WK1-10001" in search(page, "wk1-10002")
    assert "WK1-10001" in search(page, "10002")
    page.goto(f"/families/{family_id}")
    page.get_by_text("Start a screening with Zoë Ibáñez-Quiroga").click()
    boxes = page.locator("details[open] input[name$='instruments']")
    values = [boxes.nth(i).get_attribute("value") for i in range(boxes.count())]
    assert values[:2] == ["ahc_core", "nicu_needs"] and "epds" not in values
    shot(page, "61-start-form-no-placeholder")


def test_parent_self_harm_answer_shows_crisis_lines_and_staff_get_one_banner(page, signed_in):
    family_id = add_twins(page, "Rocío Prueba", "WK1-20001", "WK1-20002")
    start_screening(page, "Rocío Prueba", mode="self_complete")
    go(page, page.get_by_role("button", name="Start parent mode"))
    go(page, page.get_by_role("link", name="Empezar las preguntas"))
    run_questionnaire(page, CRISIS_PICKS)
    crisis = re.search(r"/screenings/(\d+)/crisis$", page.url)
    assert crisis, page.url
    body = page.locator("main").inner_text()
    assert "988" in body and "1-833-852-6262" in body and "devuelva la tableta" in body
    assert page.locator("html").get_attribute("lang") == "es"
    shot(page, "62-parent-crisis-es")
    page.get_by_label("Contraseña del trabajador social").fill(account("social_worker")[1])
    go(page, page.get_by_role("button", name="Personal: volver a entrar"))
    page.goto(f"/families/{family_id}")
    banner = page.locator(".urgent-banner")
    # One banner; no name in it (it is on every staff page), a link to this parent's alert.
    assert banner.count() == 1 and "Rocío Prueba" not in banner.inner_text()
    assert banner.locator(f"a[href$='/screenings/{crisis.group(1)}/alerts']").count() == 1
    shot(page, "63-staff-urgent-banner")


def test_answer_sheet_correction_and_local_time(page, signed_in):
    add_twins(page, "Paula Prueba", "WK1-30001", "WK1-30002", language="en")
    start_screening(page, "Paula Prueba")
    run_questionnaire(page, {"ahc_3": "Often true"})
    assert page.url.endswith("/results")
    sheet = page.locator("#answers")
    assert "Often true" in sheet.inner_text()
    assert re.search(r"\d\d:\d\d E[SD]T", page.locator("main").inner_text())
    row = sheet.locator("tr", has_text="worried that my food would run out")
    row.locator("summary", has_text="Correct").click()
    row.get_by_label("Corrected answer").select_option(label="Never true")
    row.get_by_label("Why it changes (required)").fill("Mis-tapped; she said never.")
    go(page, row.get_by_role("button", name="Save the correction"))
    text = page.locator("main").inner_text()
    assert "Answer corrected" in text
    assert re.search(r"Often true\s*→\s*Never true", text)
    shot(page, "64-answer-sheet-corrected")


def test_a_checkbox_answer_is_corrected_from_the_boxes_on_record(page, signed_in):
    add_twins(page, "Lena Prueba", "WK1-40001", "WK1-40002", language="en")
    start_screening(page, "Lena Prueba")
    run_questionnaire(page, {"ahc_2": "Mold"})
    row = page.locator("#answers tr", has_text="problems where you live")
    row.locator("summary", has_text="Correct").click()
    boxes = row.get_by_role("group", name="Corrected answer")
    assert boxes.get_by_label("Mold").is_checked()
    assert axe_violations(page) == []
    shot(page, "65-checkbox-correction-open")
    boxes.get_by_label("Mold").uncheck()
    boxes.get_by_label("None of these").check()
    row.get_by_label("Why it changes (required)").fill("The mold was fixed last month.")
    go(page, row.get_by_role("button", name="Save the correction"))
    assert re.search(r"Mold\s*→\s*None of these", page.locator("main").inner_text())
