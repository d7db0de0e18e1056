"""The admin imports a regional HSDS package on the tablet and reads what it changed."""

from __future__ import annotations

import pytest

from tests.browser.helpers import login
from tests.browser.helpers import shot
from tests.factories.hsds import as_zip
from tests.factories.hsds import package_files
from tests.factories.hsds import partner_tables

pytestmark = pytest.mark.browser


def _upload(page, data: bytes) -> None:
    page.goto("/admin/directory/")
    page.set_input_files(
        "input[type=file]", {"name": "package.zip", "mimeType": "application/zip", "buffer": data}
    )
    page.get_by_role("button", name="Import").click()


def test_admin_imports_a_package_and_sees_the_summary_then_a_refusal(page):
    login(page, "admin")
    _upload(page, as_zip(package_files(partner_tables(), descriptor=True)))
    summary = page.locator(".dir-summary")
    summary.wait_for()
    assert "2 added" in summary.inner_text() and "services" in summary.inner_text()
    summary.scroll_into_view_if_needed()
    shot(page, "directory-hsds-import-summary")
    tables = partner_tables()
    tables["services"][0]["status"] = "open"
    tables["languages"][0]["code"] = "english"
    _upload(page, as_zip(package_files(tables)))
    problems = page.locator(".dir-problems")
    problems.wait_for()
    assert "services.csv" in problems.inner_text()
    problems.scroll_into_view_if_needed()
    shot(page, "directory-hsds-import-problems")
