"""Parent self-complete mode: the parent holds the tablet and sees only their questions."""

from __future__ import annotations

import re

import pytest

from screening.demo import DEMO_ACCOUNTS
from tests.browser.helpers import add_family
from tests.browser.helpers import answer_visible
from tests.browser.helpers import go
from tests.browser.helpers import login
from tests.browser.helpers import page_number
from tests.browser.helpers import shot
from tests.browser.helpers import start_screening
from tests.factories.web import account

pytestmark = pytest.mark.browser

SECOND_WORKER = next(
    (user, password) for user, role, password, _name in DEMO_ACCOUNTS[1:] if role == "social_worker"
)

# Interface words that would mean an English string slipped onto a Spanish parent's screen.
ENGLISH_UI = re.compile(
    r"\b(Next|Back|Finish|Save and pause|Prefer not to answer|Skip to|Sign out|Worklist|"
    r"Family|MRN|Password|Continue|Results)\b"
)


def hand_over(page, caregiver: str) -> tuple[int, int, str]:
    """The signed-in social worker adds a Spanish-speaking family and hands the tablet over."""
    page.goto("/families")
    family_id, mrn = add_family(page, caregiver=caregiver)
    screening_id = start_screening(page, caregiver, mode="self_complete")
    assert page.url.endswith(f"/screenings/{screening_id}/handover")
    return family_id, screening_id, mrn


def assert_parent_only(page, caregiver: str, mrn: str) -> None:
    """Nothing on screen but the parent's own questions, all in Spanish."""
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("nav, header").count() == 0
    assert (
        page.locator("a[href^='/families'], a[href^='/referrals'], a[href^='/reports']").count()
        == 0
    )
    text = page.locator("body").inner_text()
    assert caregiver not in text and mrn not in text
    assert not ENGLISH_UI.search(text), ENGLISH_UI.search(text).group(0)
    assert re.fullmatch(r".+ · Preguntas para la familia \(UCIN\)", page.title())


def test_parent_sees_only_their_questions_in_spanish(page, signed_in):
    """One group per screen, progress, decline on every question, and nowhere else to go."""
    family_id, screening_id, mrn = hand_over(page, "Lucía Prueba")
    shot(page, "10-handover-staff")
    go(page, page.get_by_role("button", name="Start parent mode"))

    assert page.url.endswith(f"/screenings/{screening_id}/welcome")
    assert page.get_by_role("heading", name="Quién verá sus respuestas").is_visible()
    assert page.get_by_text("equipo de trabajo social de la UCIN").first.is_visible()
    assert_parent_only(page, "Lucía Prueba", mrn)
    shot(page, "11-parent-welcome-es")

    go(page, page.get_by_role("link", name="Empezar las preguntas"))
    totals = set()
    for expected in (1, 2):
        n, total = page_number(page)
        assert n == expected
        totals.add(total)
        assert page.get_by_text(f"Parte {n} de {total}").is_visible()
        assert page.locator("progress").get_attribute("value") == str(n)
        assert_parent_only(page, "Lucía Prueba", mrn)
        groups = page.locator("main form fieldset")
        assert groups.count() >= 1
        for group in groups.all():
            assert group.get_by_text("Prefiero no responder").count() == 1
        assert page.get_by_text("Puede saltar cualquier pregunta o elegir").is_visible()
        assert page.get_by_text("Solo el equipo de trabajo social").is_visible()
        shot(page, f"12-parent-page-{n}-es")
        # Skipping is allowed: move on without answering anything.
        go(page, page.get_by_role("button", name="Siguiente"))
    assert len(totals) == 1 and totals.pop() > 2

    # Typed addresses all land on the lock screen, which shows nothing of the family.
    for url in (
        "/families",
        f"/families/{family_id}",
        f"/families/{family_id}/edit",
        f"/screenings/{screening_id}/results",
        "/referrals",
        "/reports/equity",
        "/login",
        "/account/password",
    ):
        page.goto(url)
        assert page.url.endswith(f"/screenings/{screening_id}/locked"), url
        assert_parent_only(page, "Lucía Prueba", mrn)
    assert page.get_by_role("heading", name="Esta pantalla está bloqueada").is_visible()
    shot(page, "13-parent-locked-es")


def test_handing_back_needs_the_social_workers_password(page, signed_in):
    """A wrong password keeps the lock; the right one brings back the staff screens."""
    _family_id, screening_id, mrn = hand_over(page, "Carmen Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    page.goto(f"/screenings/{screening_id}/locked")

    page.get_by_label("Contraseña del trabajador social").fill("not-the-password")
    go(page, page.get_by_role("button", name="Personal: volver a entrar"))
    assert page.url.endswith(f"/screenings/{screening_id}/locked")
    assert page.locator("nav").count() == 0
    assert page.get_by_role("alert").is_visible()

    _username, password = account("social_worker")
    page.get_by_label("Contraseña del trabajador social").fill(password)
    go(page, page.get_by_role("button", name="Personal: volver a entrar"))
    assert re.search(rf"/screenings/{screening_id}/page/\d+$", page.url)
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert page.get_by_role("link", name="Hand the tablet to the parent").is_visible()
    page.goto("/families")
    assert page.url.endswith("/families")
    assert mrn in page.locator("main").inner_text()


def test_parent_finishes_and_sees_only_thanks(page, signed_in):
    """At the end the parent sees a thank-you, never the results or any alert."""
    _family_id, screening_id, mrn = hand_over(page, "Elena Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    go(page, page.get_by_role("link", name="Empezar las preguntas"))
    for _ in range(40):
        if page_number(page) is None:
            break
        answer_visible(page, {})
        go(page, page.locator("main form button[value=next]"))
    assert page.url.endswith(f"/screenings/{screening_id}/done")
    assert page.get_by_role("heading", name="Gracias").is_visible()
    assert_parent_only(page, "Elena Prueba", mrn)
    shot(page, "14-parent-done-es")


def test_inactivity_locks_the_screen_without_answers(page, signed_in):
    """Three minutes without a tap: the locked screen, with no question or answer on it."""
    _family_id, screening_id, _mrn = hand_over(page, "Inés Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    page.clock.install()
    go(page, page.get_by_role("link", name="Empezar las preguntas"))
    first_question = page.locator("main form legend").first.inner_text()
    answer_visible(page, {})
    assert page.locator("main form input:checked").count() >= 1

    # A tap restarts the countdown: 2.5 minutes after it the page is still open.
    page.clock.run_for("02:30")
    assert page_number(page) is not None
    page.locator("main form label.choice").last.click()
    page.clock.run_for("02:30")
    assert page_number(page) is not None

    # The tap's scroll-into-view may report a scroll (also activity) a frame later, so allow
    # a full three minutes from the last step rather than 30 s from the tap.
    with page.expect_navigation():
        page.clock.run_for("03:01")
    assert page.url.endswith(f"/screenings/{screening_id}/locked")
    body = page.locator("body").inner_text()
    assert first_question not in body
    assert page.locator("input[type=radio], input[type=checkbox]").count() == 0
    shot(page, "15-parent-inactivity-locked")


def test_after_a_lock_no_way_back_to_the_answers(page, signed_in):
    """Someone picking up a locked tablet cannot go Back or type the address to see answers."""
    _family_id, screening_id, _mrn = hand_over(page, "Julia Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    go(page, page.get_by_role("link", name="Empezar las preguntas"))
    answer_visible(page, {})
    go(page, page.get_by_role("button", name="Guardar y pausar"))
    assert page.url.endswith(f"/screenings/{screening_id}/locked")
    page.go_back()
    assert page.locator("main form input:checked").count() == 0
    page.goto(f"/screenings/{screening_id}/page/1")
    assert page.url.endswith(f"/screenings/{screening_id}/locked")
    page.goto(f"/screenings/{screening_id}/welcome")
    assert page.url.endswith(f"/screenings/{screening_id}/locked")


def test_forbidden_addresses_also_show_the_lock(page, signed_in):
    """Even addresses outside the social worker's role land on the lock screen."""
    _family_id, screening_id, _mrn = hand_over(page, "Paula Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    for url in ("/admin/users", "/admin/audit", "/admin/directory/"):
        page.goto(url)
        assert page.url.endswith(f"/screenings/{screening_id}/locked"), url


def test_expired_staff_session_does_not_trap_the_tablet(page, live_server):
    """After the idle timeout the tablet shows the sign-in page, not a redirect loop."""
    # The second demo social worker, so only this test's session is aged.
    login(page, who=SECOND_WORKER)
    _family_id, screening_id, _mrn = hand_over(page, "Marta Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    db = live_server.db()
    with db.conn:
        db.execute(
            "UPDATE user_sessions SET last_seen = '2000-01-01T00:00:00Z' "
            "WHERE user_id = (SELECT id FROM users WHERE username = ?)",
            [SECOND_WORKER[0]],
        )
    db.close()
    page.goto(f"/screenings/{screening_id}/locked")
    assert page.url.endswith("/login")
    assert page.get_by_role("button", name="Sign in").is_visible()


# Low mood opens the rest of the PHQ-9; item 9 is the self-harm question.
SELF_HARM = {
    "phq9_1": "Casi todos los días",
    "phq9_2": "Casi todos los días",
    "phq9_9": "Varios días",
}
CRISIS_LINES = ("tel:988", "tel:18338526262")


def assert_crisis_lines(page) -> None:
    """Both crisis lines show as numbers the parent can tap to call."""
    for href in CRISIS_LINES:
        assert page.locator(f"main a[href='{href}']").is_visible(), href


def test_self_harm_answer_keeps_the_crisis_lines_in_front_of_the_parent(page, signed_in):
    """A self-harm answer stops the questions at the crisis lines, and they stay on screen."""
    _family_id, screening_id, mrn = hand_over(page, "Sofía Prueba")
    go(page, page.get_by_role("button", name="Start parent mode"))
    go(page, page.get_by_role("link", name="Empezar las preguntas"))
    for _ in range(40):
        if page_number(page) is None:
            break
        answer_visible(page, SELF_HARM)
        go(page, page.locator("main form button[value=next]"))
    assert page.url.endswith(f"/screenings/{screening_id}/crisis")
    assert_parent_only(page, "Sofía Prueba", mrn)
    assert_crisis_lines(page)
    assert page.get_by_text("devuelva la tableta a su trabajador social ahora").is_visible()
    shot(page, "16-parent-crisis-es")

    # A frightened parent taps Back, or someone types an address: the answers stay shut and
    # the crisis lines do not disappear behind a plain lock screen.
    page.go_back()
    assert page.locator("main form input:checked").count() == 0
    assert_crisis_lines(page)
    for url in (f"/screenings/{screening_id}/page/1", f"/screenings/{screening_id}/results"):
        page.goto(url)
        assert page.locator("input[type=radio], input[type=checkbox]").count() == 0, url
        assert_parent_only(page, "Sofía Prueba", mrn)
        assert_crisis_lines(page)

    # The social worker takes the tablet back: the banner links to this parent's alert.
    _username, password = account("social_worker")
    page.get_by_label("Contraseña del trabajador social").fill(password)
    go(page, page.get_by_role("button", name="Personal: volver a entrar"))
    assert page.get_by_role("navigation", name="Main").is_visible()
    banner = page.locator(".urgent-banner")
    assert banner.locator(f"a[href$='/screenings/{screening_id}/alerts']").count() == 1
    shot(page, "17-staff-after-crisis")
