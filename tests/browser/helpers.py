"""Page helpers for the browser tests: sign-in, screenshots, axe-core, answering questions."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
from pathlib import Path

import pytest

from screening.platform.db import connect
from tests.factories.web import account

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TABLET = {"width": 820, "height": 1180}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The live server's database, for the few facts a test reads directly (an admin's TOTP secret).
SERVED: dict[str, str] = {}
_AXE_SOURCE: list[str] = []
# Answers that report no need, in the order a default pick prefers them.
NO_NEED = (
    "No",
    "Nunca",
    "Nunca es cierto",
    "Ninguno de estos",
    "Never",
    "Never true",
    "None of these",
)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, role: str = "social_worker", who: tuple[str, str] | None = None) -> None:
    """Sign in through the real form as the role's first demo account (admins answer TOTP)."""
    username, password = who or account(role)
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    go(page, page.get_by_role("button", name="Sign in"))
    if role == "admin":
        _admin_code(page, username)
    assert not re.search(r"/(login|login/code|account/totp)$", page.url), f"{role} sign-in failed"


def _admin_code(page, username: str) -> None:
    import pyotp

    if page.url.endswith("/account/totp"):
        secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    elif page.url.endswith("/login/code"):
        database = connect(SERVED["database"])
        secret = database.execute(
            "SELECT totp_secret FROM users WHERE username = ?", [username]
        ).fetchone()[0]
        database.close()
    else:
        return
    totp = pyotp.TOTP(secret)
    step = totp.timecode(dt.datetime.now(dt.UTC))
    # A code is accepted once; a second sign-in in the same 30 s needs the next step's code.
    for candidate in (step, step + 1, step - 1):
        page.locator("input[name=code]").fill(totp.generate_otp(candidate))
        go(page, page.locator("main form button[type=submit]").first)
        if not re.search(r"/(login/code|account/totp)$", page.url):
            return


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """WCAG 2.1 A/AA violations axe-core finds on the current page, of the given impacts."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci` (make test does it when npm exists)")
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE.read_text(encoding="utf-8"))
    # The CSP refuses injected <script> tags; evaluate() runs outside the page's CSP.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_SOURCE[0])
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def go(page, locator) -> None:
    """Click something that loads a new page, and wait for that page."""
    with page.expect_navigation():
        locator.click()


def page_number(page) -> tuple[int, int] | None:
    """(n, total) from the URL and the progress bar of a questionnaire page, else None."""
    match = re.search(r"/page/(\d+)$", page.url)
    if not match:
        return None
    total = page.locator("progress").get_attribute("max")
    return int(match.group(1)), int(total)


def answer_visible(page, picks: dict[str, str]) -> None:
    """Answer every unanswered question on the page by tapping its label.

    picks maps an item id to the visible text of the option to choose; any other question
    gets its "no need" answer when it has one, else its first option.
    """
    for group in page.locator("main form fieldset").all():
        inputs = group.locator("input[type=radio], input[type=checkbox]")
        if inputs.count() == 0 or group.locator("input:checked").count():
            continue
        name = inputs.first.get_attribute("name")
        item = name.split("__", 1)[1]
        if item in picks:
            label = group.locator("label.choice").filter(
                has_text=re.compile(rf"^\s*{re.escape(picks[item])}\s*$")
            )
        else:
            label = group.locator("label.choice").first
            texts = [t.strip() for t in group.locator("label.choice").all_inner_texts()]
            for calm in NO_NEED:
                if calm in texts:
                    label = group.locator("label.choice").nth(texts.index(calm))
                    break
        label.click()


def run_questionnaire(page, picks: dict[str, str], *, stop_at: int | None = None) -> None:
    """Answer page after page until the results (or page `stop_at`) show."""
    for _ in range(80):
        where = page_number(page)
        if where is None or (stop_at is not None and where[0] >= stop_at):
            return
        answer_visible(page, picks)
        go(page, page.locator("main form button[value=next]"))
    raise AssertionError("the questionnaire did not end")


def checked_values(page) -> list[tuple[str, str]]:
    """(name, value) of every checked answer on the page."""
    return [
        (i.get_attribute("name"), i.get_attribute("value"))
        for i in page.locator("main form input:checked").all()
    ]


def add_family(page, *, caregiver: str, language: str = "es") -> tuple[int, str]:
    """Fill the Add a family form like a social worker; returns (family id, MRN)."""
    mrn = "BRW" + secrets.token_hex(4).upper()
    go(page, page.get_by_role("link", name="Add a family").first)
    page.get_by_label("Infant MRN").fill(mrn)
    page.locator("#infants-0-name").fill("Bebé Prueba")
    page.locator("#infants-0-dob").fill(page.locator("#admission_date").input_value())
    page.locator("#infants-0-ga_weeks").fill("31")
    page.locator("#caregivers-0-name").fill(caregiver)
    page.locator("#caregivers-0-respondent").select_option("birthing_parent")
    page.locator("#caregivers-0-language").select_option(language)
    page.get_by_label("Hispanic or Latino").check()
    page.locator("#insurance").select_option("public")
    page.locator("#language").select_option(language)
    go(page, page.get_by_role("button", name="Save family"))
    match = re.search(r"/families/(\d+)$", page.url)
    assert match, f"family not saved: {page.locator('main').inner_text()[:400]}"
    return int(match.group(1)), mrn


def start_screening(page, caregiver: str, *, mode: str | None = None) -> int:
    """Open 'Start a screening' for the caregiver and start it; returns the screening id."""
    page.get_by_text(f"Start a screening with {caregiver}").click()
    card = page.locator("details[open]")
    if mode:
        card.get_by_label("How", exact=True).select_option(mode)
    go(page, card.get_by_role("button", name="Start screening"))
    return int(re.search(r"/screenings/(\d+)/", page.url).group(1))
