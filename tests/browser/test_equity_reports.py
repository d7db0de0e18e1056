"""The manager's equity page at tablet size: cascade, declines, run chart and plans, readable."""

from __future__ import annotations

import pytest

from tests.browser.helpers import login
from tests.browser.helpers import shot

pytestmark = pytest.mark.browser


def test_a_manager_reads_the_cascade_and_run_chart_without_sideways_scrolling(page):
    login(page, "manager")
    page.goto("/reports/equity?by=language&trend=screened")
    for heading in (
        "Care cascade: where each group falls away",
        "Why families are missed: declined every offer",
        "Month by month: Screened",
    ):
        assert page.get_by_role("heading", name=heading).is_visible()
    # The page itself never scrolls sideways at 820 px; wide tables scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    assert page.locator("svg").count() >= 3
    assert "<11" not in page.content()
    shot(page, "equity-manager-tablet")


def test_a_manager_writes_a_plan_and_a_name_is_refused_by_its_field(page):
    login(page, "manager")
    page.goto("/reports/plans/new")
    page.get_by_label("Target rate (%)").fill("80")
    page.get_by_label("Start date").fill("2025-01-01")
    page.get_by_label("Target date").fill("2025-12-31")
    page.get_by_label("Strategy").fill("Call Aiyana Begay back")
    page.get_by_label("Owner (a role or team)").fill("Social work lead")
    page.get_by_role("button", name="Save plan").click()
    assert page.locator("#strategy-error").inner_text().startswith("This holds a name")
    page.get_by_label("Strategy").fill("Interpreter offered at every admission")
    page.get_by_role("button", name="Save plan").click()
    assert page.get_by_role("heading", name="Reviews").is_visible()
    shot(page, "equity-plan-tablet")
