"""Referrals on a tablet: pick another service, accept several, three attempts, close, reopen."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import go
from tests.browser.helpers import shot
from tests.factories import referral_row as row
from tests.factories import screened_family

pytestmark = pytest.mark.browser


def test_choose_accept_follow_up_and_reopen(page, live_server, signed_in):
    db = live_server.db()
    try:
        fam, (food, diapers) = screened_family(
            live_server.app, db, "food", "infant_supplies", name="Tablet Ejemplo"
        )
        fid = fam.id
        db.conn.commit()
        page.goto(f"/families/{fid}")
        item = page.locator(f"#ref-{food}")
        item.get_by_text(re.compile(r"Pick another service")).click()
        item.get_by_label(re.compile(r"WIC")).check()
        go(page, item.get_by_role("button", name="Use this service"))
        assert page.url.endswith(f"#ref-{food}")
        assert "WIC" in page.locator(f"#ref-{food} strong").inner_text()
        shot(page, "referrals-picked-alternative")

        page.locator(f"#pick-{food}").check()
        page.locator(f"#pick-{diapers}").check()
        go(page, page.get_by_role("button", name="Accept the ticked suggestions"))
        assert {row(db, food)["status"], row(db, diapers)["status"]} == {"accepted"}

        go(page, page.locator(f"#ref-{food}").get_by_role("button", name="Mark sent"))
        for n in range(1, 4):
            item = page.locator(f"#ref-{food}")
            item.get_by_text("Contact attempt…").click()
            go(page, item.get_by_role("button", name="Save attempt"))
            assert row(db, food)["attempts"] == n
        item = page.locator(f"#ref-{food}")
        assert "attempt 3 of 3" in item.inner_text()
        closing = item.locator("details.ref-close").filter(has_text="Close as not connected")
        closing.get_by_text("Not connected…").click()
        closing.get_by_label("Why not?").select_option("unreachable")
        closing.get_by_label("Yes, close this referral").check()
        shot(page, "referrals-close-unreachable")
        go(page, closing.get_by_role("button", name="Close as not connected"))
        closed = row(db, food)
        assert (closed["status"], closed["reason"]) == ("not_connected", "unreachable")

        item = page.locator(f"#ref-{food}")
        item.get_by_text("Reopen…").click()
        item.get_by_label("Why reopen?").fill("Family called back from a new number")
        go(page, item.get_by_role("button", name="Reopen"))
        assert row(db, food)["status"] == "sent"

        page.goto("/referrals?status=sent&mine=y")
        assert "Tablet Ejemplo" in page.content()
        shot(page, "referrals-worklist")
    finally:
        db.close()
