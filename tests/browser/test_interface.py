"""Interface quality: same-origin assets only, light pages, quick answers, one calm layout."""

from __future__ import annotations

import pytest

from tests.browser.helpers import add_family

pytestmark = pytest.mark.browser

# Budgets for a tablet on a busy hospital wi-fi: no framework, nothing fetched from outside.
MAX_PAGE_BYTES = 200_000
MAX_SCRIPT_BYTES = 10_000
MAX_REQUESTS = 8
MAX_SERVER_MS = 1000
MAX_READY_MS = 2000

MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  return {
    server: nav.responseStart - nav.requestStart,
    ready: nav.domContentLoadedEventEnd - nav.startTime,
    bytes: nav.decodedBodySize + res.reduce((s, r) => s + r.decodedBodySize, 0),
    scripts: res.filter(r => r.initiatorType === 'script')
                .reduce((s, r) => s + r.decodedBodySize, 0),
    requests: 1 + res.length,
    origins: [...new Set(res.map(r => new URL(r.name).origin))],
    fonts: document.fonts.size,
  };
}"""


def test_staff_pages_are_light_quick_and_self_hosted(page, signed_in, live_server):
    """Every main page loads from this server alone, small and fast, with no web fonts."""
    page.goto("/families")
    family_id, _mrn = add_family(page, caregiver="Ligera Prueba", language="en")
    problems = {}
    for url in (
        "/families",
        "/families/search",
        "/families/new",
        f"/families/{family_id}",
        "/referrals",
        "/reports/equity",
    ):
        page.goto(url)
        m = page.evaluate(MEASURE)
        where = []
        if m["origins"] and m["origins"] != [live_server.url]:
            where.append(f"assets from {m['origins']}")
        if m["bytes"] > MAX_PAGE_BYTES:
            where.append(f"{m['bytes']} bytes")
        if m["scripts"] > MAX_SCRIPT_BYTES:
            where.append(f"{m['scripts']} bytes of script")
        if m["requests"] > MAX_REQUESTS:
            where.append(f"{m['requests']} requests")
        if m["server"] > MAX_SERVER_MS or m["ready"] > MAX_READY_MS:
            where.append(f"slow: server {m['server']:.0f} ms, ready {m['ready']:.0f} ms")
        if m["fonts"]:
            where.append("web fonts")
        if where:
            problems[url] = where
    assert not problems, problems


def test_every_staff_page_has_the_same_calm_frame(page, signed_in, live_server):
    """One header with the menu, one main region, one page heading, on each page."""
    page.goto("/families")
    for url in ("/families", "/families/search", "/families/new", "/referrals", "/reports/equity"):
        page.goto(url)
        assert page.locator("header.topbar nav[aria-label=Main]").count() == 1, url
        assert page.locator("main#main").count() == 1, url
        assert page.locator("h1").count() == 1, url
        assert page.title().endswith("· NICU family screening"), url
        # No inline styles or scripts: the CSP would block them and the layout would break.
        assert page.locator("[style]").count() == 0, url
        assert page.locator("script:not([src])").count() == 0, url
