"""Safety at the bedside: crisis lines for a parent at once, one alert per parent, the urgent
banner, acknowledgement exactly once, placeholder instruments never offered."""

from __future__ import annotations

import json
import re
import threading

import pytest

from screening.platform.db import connect
from screening.platform.db import one
from screening.platform.db import write
from screening.screenings import alerts as alert_store
from tests.factories import unscreened_family
from tests.factories.web import SELF_HARM
from tests.factories.web import completed_screening
from tests.factories.web import run_parent_mode


def test_self_harm_answer_in_parent_mode_shows_crisis_lines_at_once_in_spanish(
    screen, sw_client, db
):
    sid, last = run_parent_mode(screen, sw_client, db)
    assert last.headers["Location"].endswith(f"/screenings/{sid}/crisis")
    html = sw_client.get(last.headers["Location"]).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "988" in html and "1-833-852-6262" in html and "1-833-TLC-MAMA" in html
    assert "devuelva la tableta" in html
    # The parent cannot go back to the questions or to staff pages from here.
    assert "/screenings/" in sw_client.get("/families").headers["Location"]
    assert sw_client.get(f"/screenings/{sid}/page/1").headers["Location"].endswith("/locked")


def test_the_alert_exists_before_the_screening_is_finished(screen, sw_client, db):
    sid, _ = run_parent_mode(screen, sw_client, db)
    row = one(db, "SELECT status FROM screenings WHERE id = ?", [sid])
    assert row["status"] == "in_progress"
    alert = one(db, "SELECT * FROM alerts WHERE screening_id = ?", [sid])
    assert alert["kind"] == "self_harm" and alert["acknowledged_at"] is None


def test_staff_pages_show_one_urgent_banner_until_acknowledged(screen, sw_client, db):
    sid, _ = run_parent_mode(screen, sw_client, db, language="en")
    with sw_client.session_transaction() as session:
        session.pop("handover", None)
        session.pop("handover_locked", None)
    for url in ("/families", "/families/search"):
        html = sw_client.get(url).get_data(as_text=True)
        assert html.count('class="urgent-banner"') == 1
        assert f"/screenings/{sid}/alerts" in html.split('class="urgent-banner"')[1]
    for alert in db.query("SELECT id, screening_id FROM alerts WHERE acknowledged_at IS NULL"):
        sw_client.post(
            f"/screenings/{alert['screening_id']}/alerts/{alert['id']}",
            data={"note": "Assessed at the bedside, safety plan made."},
        )
    assert 'class="urgent-banner"' not in sw_client.get("/families").get_data(as_text=True)


def test_two_alerts_of_one_parent_are_one_alert_listing_both_items_in_words(screen, db):
    answers = dict(SELF_HARM) | {"ahc_core__ahc_1": "LA31995-6"}
    sid = completed_screening(screen, db, ("ahc_core", "phq9"), answers)
    rows = list(db.query("SELECT * FROM alerts WHERE screening_id = ?", [sid]))
    assert len(rows) == 1
    items = json.loads(rows[0]["items"])
    assert {i["kind"] for i in items} == {"self_harm", "unsafe_discharge"}
    assert rows[0]["kind"] == "self_harm"
    html = screen.client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    assert "phq9_9" not in html.split("Needs by area")[0]
    assert "non-zero answer" not in html


def test_acknowledgement_records_who_and_when_and_a_second_is_refused(screen, sw_client, db):
    sid = completed_screening(screen, db, ("phq9",), SELF_HARM)
    alert = one(db, "SELECT id FROM alerts WHERE screening_id = ?", [sid])
    url = f"/screenings/{sid}/alerts/{alert['id']}"
    assert sw_client.post(url, data={"note": "First note: assessed, plan made."}).status_code == 302
    second = sw_client.post(url, data={"note": "Second note that must not win."})
    assert second.status_code == 303
    row = one(db, "SELECT * FROM alerts WHERE id = ?", [alert["id"]])
    assert row["followup_note"] == "First note: assessed, plan made."
    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    assert "acknowledged this alert first" in html
    assert re.search(r"Acknowledged by Ana Garcia, LCSW, \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", html)


def test_concurrent_acknowledgements_only_one_wins(app, screen, db):
    sid = completed_screening(screen, db, ("phq9",), SELF_HARM)
    alert_id = one(db, "SELECT id FROM alerts WHERE screening_id = ?", [sid])["id"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(user_id: int, note: str) -> None:
        conn = connect(app.config["DATABASE"])
        barrier.wait()
        try:
            with write(conn):
                alert_store.acknowledge(conn, alert_id, user_id, note)
            outcomes.append("ok")
        except alert_store.AlreadyAcknowledged:
            outcomes.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(1, f"note {n}")) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    note = one(db, "SELECT followup_note FROM alerts WHERE id = ?", [alert_id])["followup_note"]
    assert note in ("note 0", "note 1")


def test_malformed_acknowledgement_ids_are_not_server_errors(sw_client):
    assert sw_client.post("/screenings/999999/alerts/1", data={"note": "x" * 10}).status_code == 404


@pytest.fixture
def epds_installed(app, tmp_path):
    """The EPDS placeholder shell is in force (as shipped until a site adds the wording)."""
    from screening.platform.instruments import get_registry

    with app.app_context():
        registry = get_registry()
        assert "epds" in registry.instruments and registry.get("epds").placeholder
    return app


def test_placeholder_instrument_is_never_offered(epds_installed, sw_client, db, screen):
    family_id, caregiver_id = unscreened_family(db)
    html = sw_client.get(f"/families/{family_id}").get_data(as_text=True)
    assert 'value="epds"' not in html
    started = screen.start(family_id, caregiver_id, instruments=["epds"], token="tok-epds-1")
    assert "/page/" not in started.headers["Location"]
    assert not db["screenings"].count_where("request_token = 'tok-epds-1'")


def test_an_alert_raised_mid_screening_is_acknowledged_before_the_last_page(screen, sw_client, db):
    """The banner's link opens the alert at once; staff never have to finish the
    questionnaire to record that the parent was assessed."""
    from tests.factories.web import account

    sid, _ = run_parent_mode(screen, sw_client, db)
    sw_client.post(f"/screenings/{sid}/unlock", data={"password": account("social_worker")[1]})
    banner = sw_client.get("/families").get_data(as_text=True).split('class="urgent-banner"')[1]
    assert f"/screenings/{sid}/alerts" in banner
    page = sw_client.get(f"/screenings/{sid}/alerts")
    assert page.status_code == 200 and "Acknowledge with this follow-up" in page.get_data(True)
    alert_id = one(db, "SELECT id FROM alerts WHERE screening_id = ?", [sid])["id"]
    done = sw_client.post(
        f"/screenings/{sid}/alerts/{alert_id}",
        data={"note": "Assessed with the attending; safety plan made."},
    )
    assert done.headers["Location"].endswith(f"/screenings/{sid}/alerts")
    assert one(db, "SELECT acknowledged_at FROM alerts WHERE id = ?", [alert_id])["acknowledged_at"]
    assert f"/screenings/{sid}/alerts" not in sw_client.get("/families").get_data(as_text=True)
    assert one(db, "SELECT status FROM screenings WHERE id = ?", [sid])["status"] == "in_progress"
