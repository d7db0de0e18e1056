"""The EHR download on the family page, as a social worker uses it on the tablet."""

from __future__ import annotations

import json

import pytest

from tests.browser.helpers import shot

pytestmark = pytest.mark.browser


def test_family_page_downloads_the_fhir_bundle(page, signed_in, live_server):
    database = live_server.db()
    try:
        family_id = database.execute(
            "SELECT family_id FROM screenings WHERE status = 'completed' ORDER BY id LIMIT 1"
        ).fetchone()[0]
    finally:
        database.close()
    page.goto(f"/families/{family_id}")
    link = page.get_by_role("link", name="Download for the EHR (FHIR)")
    link.wait_for()
    shot(page, "exchange-family-page")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"family-{family_id}-fhir.json"
    bundle = json.loads(download.path().read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    # Downloading leaves the social worker on the family page.
    assert page.url.endswith(f"/families/{family_id}")
