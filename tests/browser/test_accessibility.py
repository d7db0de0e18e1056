"""Accessibility: axe-core on every page, keyboard only, focus, touch targets, zoom, print."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from screening.platform.roles import PUBLIC
from screening.platform.roles import allowed_roles
from tests.browser.helpers import TABLET
from tests.browser.helpers import add_family
from tests.browser.helpers import axe_violations
from tests.browser.helpers import go
from tests.browser.helpers import login
from tests.browser.helpers import page_number
from tests.browser.helpers import shot
from tests.browser.helpers import start_screening

pytestmark = pytest.mark.browser

ROLES = ("social_worker", "manager", "admin")
# Things a person taps: at least 44 x 44 CSS px (WCAG 2.5.5, and gloved hands at the bedside).
TAPPABLE = "main button, main .button, nav a, label.choice, main summary, .logout button"
MIN_TARGET = 44


def demo_ids(server) -> dict[str, object]:
    """Record ids from the demo data for each kind of URL argument."""
    db = server.db()
    try:

        def first(sql: str, params=()):
            row = db.execute(sql, params).fetchone()
            return row[0] if row else None

        family = first(
            "SELECT family_id FROM referrals GROUP BY family_id ORDER BY count(*) DESC LIMIT 1"
        ) or first("SELECT id FROM families ORDER BY id LIMIT 1")
        return {
            "family_id": family,
            "caregiver_id": first("SELECT id FROM caregivers WHERE family_id = ?", [family]),
            "screening_id": first("SELECT id FROM screenings WHERE status = 'in_progress'"),
            "completed_screening_id": first(
                "SELECT s.id FROM screenings s JOIN alerts a ON a.screening_id = s.id "
                "WHERE s.status IN ('completed', 'closed') ORDER BY s.id LIMIT 1"
            ),
            "number": first("SELECT number FROM services ORDER BY number LIMIT 1"),
            "plan_id": first("SELECT id FROM action_plans ORDER BY id LIMIT 1"),
            "n": 1,
            "instrument_id": "phq9",
        }
    finally:
        db.close()


def get_pages(app, role: str, ids: dict) -> tuple[list[str], list[str]]:
    """Every GET address the role may open, with ids filled; and the rules that could not be."""
    urls, unfilled = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        roles = allowed_roles(app, rule.endpoint)
        if role not in roles and PUBLIC not in roles:
            continue
        values = {}
        for arg in rule.arguments:
            key = arg
            if arg == "screening_id" and rule.endpoint.endswith(".results"):
                key = "completed_screening_id"
            if ids.get(key) is None:
                unfilled.append(f"{rule.rule} ({arg})")
                break
            values[arg] = ids[key]
        else:
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls)), unfilled


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_no_serious_violation_on_any_page(page, live_server, role):
    """axe-core (WCAG 2.1 A and AA rules) on every page each role can open."""
    login(page, role)
    urls, unfilled = get_pages(live_server.app, role, demo_ids(live_server))
    assert not unfilled, f"teach demo_ids() these URL arguments: {unfilled}"
    urls.append("/no-such-page")
    problems = {}
    checked = 0
    for url in urls:
        head = page.request.get(url)
        if "text/html" not in head.headers.get("content-type", ""):
            continue  # PDFs, CSV and JSON downloads
        page.goto(url)
        found = axe_violations(page)
        checked += 1
        if found:
            problems[url] = found
    assert checked >= 3
    assert not problems, problems


def test_axe_parent_mode_pages(page, signed_in):
    """The parent's own screens, in Spanish, pass axe too."""
    page.goto("/families")
    add_family(page, caregiver="Ana Axe")
    screening_id = start_screening(page, "Ana Axe", mode="self_complete")
    go(page, page.get_by_role("button", name="Start parent mode"))
    problems = {}
    for url in (
        f"/screenings/{screening_id}/welcome",
        f"/screenings/{screening_id}/page/1",
        f"/screenings/{screening_id}/locked",
    ):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "es"
        found = axe_violations(page)
        if found:
            problems[url] = found
    assert not problems, problems


FOCUSED = """() => {
    const el = document.activeElement;
    const group = el.closest('fieldset');
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), type: el.type || '', value: el.value || '',
            text: (el.innerText || '').trim(),
            answered: group ? group.querySelectorAll('input:checked').length > 0 : false,
            ring: el !== document.body && el.matches(':focus-visible')
                  && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def focused(page) -> dict:
    """What has the keyboard focus, whether its question is answered, and if its ring shows."""
    return page.evaluate(FOCUSED)


def tab_to(page, match, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies match(); every stop must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        assert info["ring"], f"focus not visible on {info}"
        if match(info):
            return info
    raise AssertionError("Tab never reached the element")


def test_screening_can_be_done_with_the_keyboard_alone(page, signed_in):
    """Tab, Space and Enter only: open the start form, answer every page, reach the results."""
    page.goto("/families")
    family_id, _mrn = add_family(page, caregiver="Teclado Prueba")
    page.goto(f"/families/{family_id}")

    tab_to(page, lambda f: f["tag"] == "summary" and "Teclado Prueba" in f["text"])
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Start screening")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page_number(page)[0] == 1

    for _ in range(40):
        if page_number(page) is None:
            break
        for _ in range(80):
            info = tab_to(
                page,
                lambda f: (
                    (f["type"] in ("radio", "checkbox") and not f["answered"])
                    or (f["tag"] == "button" and f["value"] == "next")
                ),
            )
            if info["tag"] == "button":
                break
            page.keyboard.press("Space")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert re.search(r"/screenings/\d+/results$", page.url)
    shot(page, "20-keyboard-only-results")


def test_focus_order_starts_with_a_visible_skip_link(page, signed_in):
    """The first Tab shows a skip link that moves focus to the main content."""
    page.goto("/families")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.is_visible() and focused(page)["ring"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def small_targets(page) -> list[str]:
    """Tappable things smaller than 44 x 44 CSS px on the current page."""
    return page.evaluate(
        """([selector, min]) => [...document.querySelectorAll(selector)]
            .filter(el => el.checkVisibility())
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, box]) => box.width < min - 0.5 || box.height < min - 0.5)
            .map(([el, box]) => `${el.innerText.trim().slice(0, 40)} `
                 + `${Math.round(box.width)}x${Math.round(box.height)}`)""",
        [TAPPABLE, MIN_TARGET],
    )


def bedside_pages(page) -> list[str]:
    """A family with a screening underway: the pages a social worker uses at the bedside."""
    family_id, _mrn = add_family(page, caregiver="Zoom Prueba")
    screening_id = start_screening(page, "Zoom Prueba")
    return [
        "/families",
        "/families/new",
        f"/families/{family_id}",
        f"/screenings/{screening_id}/page/1",
        f"/screenings/{screening_id}/page/2",
        f"/screenings/{screening_id}/handover",
        "/families/search",
    ]


def test_touch_targets_are_at_least_44px(page, signed_in, live_server):
    """Buttons, menu links, answer choices and disclosure toggles are big enough to tap."""
    page.goto("/families")
    urls = bedside_pages(page)
    urls.append(f"/screenings/{demo_ids(live_server)['completed_screening_id']}/results")
    problems = {}
    for url in urls:
        page.goto(url)
        page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
        found = small_targets(page)
        if found:
            problems[url] = found
    assert not problems, problems


def test_usable_at_200_percent_zoom(page, signed_in, live_server):
    """At 410 CSS px (an 820 px tablet at 200%) nothing scrolls sideways."""
    page.goto("/families")
    urls = bedside_pages(page)
    urls.append(f"/screenings/{demo_ids(live_server)['completed_screening_id']}/results")
    page.set_viewport_size({"width": TABLET["width"] // 2, "height": TABLET["height"] // 2})
    problems = {}
    for url in urls:
        page.goto(url)
        sizes = page.evaluate(
            """() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,
                       main: document.querySelector('main').scrollWidth,
                       mainBox: document.querySelector('main').clientWidth})"""
        )
        if sizes["page"] > sizes["view"] or sizes["main"] > sizes["mainBox"] + 1:
            problems[url] = sizes
        if re.fullmatch(r"/families/\d+", url):
            shot(page, "21-zoom-200-family")
    assert not problems, problems


def test_family_page_prints_without_menus_or_buttons(page, signed_in, live_server):
    """The print stylesheet keeps the family summary and drops navigation and controls."""
    page.goto("/families")
    family_id = demo_ids(live_server)["family_id"]
    page.goto(f"/families/{family_id}")
    assert page.locator("header.topbar").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator(".skip-link").is_visible()
    for control in page.locator("main button, main .button, main form, main details").all():
        assert not control.is_visible(), control.evaluate("e => e.outerHTML.slice(0, 120)")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("heading", name="Parents and caregivers").is_visible()
    shot(page, "22-family-print")
    page.emulate_media(media="screen")


def test_spanish_content_is_marked_spanish(page, signed_in, live_server):
    """Screen readers switch voice: Spanish questions and links carry lang="es"."""
    page.goto("/families")
    family_id, _mrn = add_family(page, caregiver="Idioma Prueba")
    start_screening(page, "Idioma Prueba")
    assert page.locator("html").get_attribute("lang") == "es"
    # The staff menu and tools on the same page stay English, and say so.
    assert page.locator("header.topbar").get_attribute("lang") == "en"
    assert page.locator(".staff-tools").get_attribute("lang") == "en"
    page.goto(f"/families/{family_id}")
    assert page.locator("html").get_attribute("lang") == "en"
    # Letters print only once something is accepted: add a referral by hand (it starts accepted).
    by_hand = page.locator("#add-referral")
    by_hand.get_by_text("Add a referral by hand").click()
    by_hand.get_by_label("Need").select_option("food")
    by_hand.get_by_label("Or a one-off service (name and phone)").fill("Banco de comida 555-0100")
    go(page, by_hand.get_by_role("button", name="Add referral"))
    assert page.get_by_role("link", name="Carta en español").get_attribute("lang") == "es"
    assert page.get_by_role("link", name="Letter in English").get_attribute("lang") == "en"
