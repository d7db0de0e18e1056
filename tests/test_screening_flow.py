"""The bedside screening flow through the test client: start, answer, resume, decline, results."""

from __future__ import annotations

import json

from screening.demo import DEMO_ACCOUNTS
from screening.platform.db import one
from tests.factories import unscreened_family
from tests.factories.web import account
from tests.factories.web import page_inputs
from tests.factories.web import screening_id


def test_full_spanish_screening_scores_alerts_and_must_acknowledge_before_closing(
    screen, sw_client, db
):
    family_id, caregiver_id = unscreened_family(db)
    started = screen.start(
        family_id,
        caregiver_id,
        language="es",
        instruments=["ahc_core", "nicu_needs", "phq9", "gad7"],
    )
    sid = screening_id(started)
    first = sw_client.get(f"/screenings/{sid}/page/1").get_data(as_text=True)
    assert '<html lang="es">' in first
    assert "Siguiente" in first and "Prefiero no responder" in first
    answers = {
        "ahc_core__ahc_1": "LA31995-6",  # no steady place to live
        "ahc_core__ahc_3": "LA28397-0",  # worried food would run out: often true
        "phq9__phq9_1": "3",
        "phq9__phq9_2": "3",
        "phq9__phq9_9": "1",  # thoughts of self-harm
    }
    final = screen.run(sid, answers)
    assert final.headers["Location"].endswith(f"/screenings/{sid}/results")
    row = one(db, "SELECT status, result FROM screenings WHERE id = ?", [sid])
    assert row["status"] == "completed"
    result = json.loads(row["result"])
    assert result["domains"]["housing_instability"]["status"] == "positive"
    assert result["domains"]["food"]["status"] == "positive"
    kinds = {a["kind"] for a in result["alerts"]}
    assert {"self_harm", "unsafe_discharge"} <= kinds

    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    assert html.index("Self-harm answer") < html.index("Needs by area")
    assert "988" in html and "Z59" in html

    refused = sw_client.post(f"/screenings/{sid}/close", follow_redirects=True)
    assert "Acknowledge every alert" in refused.get_data(as_text=True)
    assert one(db, "SELECT status FROM screenings WHERE id = ?", [sid])["status"] == "completed"

    for alert in db.query("SELECT id FROM alerts WHERE screening_id = ?", [sid]):
        empty = sw_client.post(
            f"/screenings/{sid}/alerts/{alert['id']}", data={"note": ""}, follow_redirects=True
        )
        assert "Describe the follow-up" in empty.get_data(as_text=True)
        sw_client.post(
            f"/screenings/{sid}/alerts/{alert['id']}",
            data={"note": "Assessed by SW with psychiatry today; safety plan made."},
        )
    assert sw_client.post(f"/screenings/{sid}/close").status_code == 302
    assert one(db, "SELECT status FROM screenings WHERE id = ?", [sid])["status"] == "closed"


def test_phq2_below_gate_skips_the_rest_of_phq9(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["phq9"]))
    response = screen.answer_page(
        f"/screenings/{sid}/page/1", {"phq9__phq9_1": "1", "phq9__phq9_2": "1"}
    )
    # Items 3-9 are gated off; the only pages left are those the gate still asks.
    final = screen.run(sid) if "/page/" in response.headers["Location"] else response
    assert final.headers["Location"].endswith("/results")
    answered = {
        r["item"] for r in db.query("SELECT item FROM answers WHERE screening_id = ?", [sid])
    }
    assert "phq9_3" not in answered and "phq9_9" not in answered


def test_double_tap_on_start_makes_one_screening(screen, db):
    family_id, caregiver_id = unscreened_family(db)
    first = screen.start(family_id, caregiver_id, instruments=["gad7"], token="same-token-1")
    second = screen.start(family_id, caregiver_id, instruments=["gad7"], token="same-token-1")
    assert db["screenings"].count_where("family_id = ?", [family_id]) == 1
    assert screening_id(first) == int(second.headers["Location"].split("/")[2])


def test_interrupted_screening_resumes_where_it_stopped_for_another_worker(
    screen, sw_client, client, auth, db
):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["ahc_core", "gad7"]))
    screen.answer_page(f"/screenings/{sid}/page/1", {"ahc_core__ahc_1": "LA31994-9"})
    paused = screen.answer_page(f"/screenings/{sid}/page/2", {}, action="pause")
    assert paused.headers["Location"].endswith(f"/families/{family_id}")
    auth.logout()
    other = next(a for a in DEMO_ACCOUNTS if a[0] == "sw.okafor")
    client.post("/login", data={"username": other[0], "password": other[2]})
    resumed = client.get(f"/screenings/{sid}")
    assert resumed.headers["Location"].endswith(f"/screenings/{sid}/page/2")
    page1 = client.get(f"/screenings/{sid}/page/1").get_data(as_text=True)
    assert (
        'value="LA31994-9" checked' in page1
        or 'checked value="LA31994-9"' in page1
        or ('value="LA31994-9"' in page1 and "checked" in page1)
    )


def test_stale_save_is_detected_and_shown(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["gad7"]))
    url = f"/screenings/{sid}/page/1"
    html = sw_client.get(url).get_data(as_text=True)
    names = list(page_inputs(html))
    version = one(db, "SELECT version FROM screenings WHERE id = ?", [sid])["version"]
    first = sw_client.post(url, data={"version": version, "action": "pause", names[0]: "2"})
    assert first.status_code == 302
    second = sw_client.post(url, data={"version": version, "action": "next", names[0]: "0"})
    assert second.status_code == 409
    assert "Someone else saved this screening" in second.get_data(as_text=True)
    stored = one(
        db,
        "SELECT value FROM answers WHERE screening_id = ? AND item = ?",
        [sid, names[0].split("__")[1]],
    )
    assert json.loads(stored["value"]) == 2


def test_declined_question_makes_its_domain_declined_never_negative(screen, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["ahc_core"]))
    screen.run(sid, {"ahc_core__ahc_3": "declined", "ahc_core__ahc_4": "declined"})
    food = one(
        db, "SELECT status FROM domain_results WHERE screening_id = ? AND domain = 'food'", [sid]
    )
    assert food["status"] == "declined"
    assert (
        one(db, "SELECT declined FROM answers WHERE screening_id = ? AND item = 'ahc_3'", [sid])[
            "declined"
        ]
        == 1
    )


def test_invalid_choice_is_reported_next_to_the_question(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["ahc_core"]))
    response = screen.answer_page(f"/screenings/{sid}/page/1", {"ahc_core__ahc_1": "LA-bogus"})
    assert response.status_code == 400
    assert "Choose one of the options." in response.get_data(as_text=True)
    assert db["answers"].count_where("screening_id = ?", [sid]) == 0


def test_whole_screening_declined_with_reason(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["ahc_core"]))
    sw_client.post(f"/screenings/{sid}/decline", data={"reason": "declined"})
    row = one(db, "SELECT status, decline_reason FROM screenings WHERE id = ?", [sid])
    assert (row["status"], row["decline_reason"]) == ("declined", "declined")


def test_offer_declined_at_start_is_recorded(sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sw_client.post(
        f"/families/{family_id}/screenings",
        data={
            "caregiver_id": caregiver_id,
            "request_token": "decline-token-1",
            "timepoint": "admission",
            "mode": "interview",
            "language": "en",
            "instruments": ["ahc_core"],
            "decline_reason": "not_now",
            "action": "decline",
        },
    )
    row = one(db, "SELECT status, decline_reason FROM screenings WHERE family_id = ?", [family_id])
    assert (row["status"], row["decline_reason"]) == ("declined", "not_now")


def test_caregiver_of_another_family_cannot_be_screened_here(screen, db):
    family_id, _ = unscreened_family(db)
    stranger = one(db, "SELECT id FROM caregivers WHERE family_id != ? LIMIT 1", [family_id])
    response = screen.start(family_id, stranger["id"], instruments=["gad7"])
    assert response.status_code == 404


def test_self_complete_mode_keeps_the_parent_inside_the_questionnaire(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    started = screen.start(
        family_id, caregiver_id, instruments=["gad7"], language="es", mode="self_complete"
    )
    sid = screening_id(started)
    assert started.headers["Location"].endswith(f"/screenings/{sid}/handover")
    sw_client.post(f"/screenings/{sid}/handover")
    welcome = sw_client.get(f"/screenings/{sid}/welcome").get_data(as_text=True)
    assert "Quién verá sus respuestas" in welcome
    for url in ("/families", f"/families/{family_id}", f"/screenings/{sid}/results", "/logout"):
        blocked = sw_client.get(url) if url != "/logout" else sw_client.post(url)
        assert blocked.headers["Location"].endswith(f"/screenings/{sid}/locked"), url
    locked = sw_client.get(f"/screenings/{sid}/locked").get_data(as_text=True)
    assert "Esta pantalla está bloqueada" in locked
    wrong = sw_client.post(f"/screenings/{sid}/unlock", data={"password": "not-it-at-all"})
    assert wrong.headers["Location"].endswith("/locked")
    sw_client.post(f"/screenings/{sid}/unlock", data={"password": account("social_worker")[1]})
    assert sw_client.get("/families").status_code == 200


def test_csrf_is_enforced_when_enabled(tmp_path):
    from screening import create_app
    from screening.demo import load
    from screening.platform.db import connect
    from screening.schema import migrate

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "WTF_CSRF_ENABLED": True,
            "DATABASE": str(tmp_path / "c.sqlite"),
            "INSTANCE_FORMS": str(tmp_path / "forms"),
        }
    )
    db = connect(app.config["DATABASE"])
    migrate(db)
    load(db, app.config)
    db.close()
    client = app.test_client()
    response = client.post(
        "/login", data={"username": "sw.garcia", "password": "demo-social-worker-1"}
    )
    assert response.status_code == 400
    assert b"Form expired" in response.data


def test_start_form_on_the_family_page_starts_a_screening(sw_client, db):
    """The family page's per-caregiver forms (prefixed fields) really start a screening."""
    import re

    family_id, caregiver_id = unscreened_family(db)
    html = sw_client.get(f"/families/{family_id}").get_data(as_text=True)
    prefix = f"cg{caregiver_id}-"
    boxes = re.findall(rf'name="{prefix}instruments" type="checkbox" value="(\w+)"', html) or (
        re.findall(rf'type="checkbox" value="(\w+)"[^>]*name="{prefix}instruments"', html)
    )
    assert {"ahc_core", "nicu_needs", "phq9", "gad7"} <= set(boxes)
    token = re.search(rf'name="{prefix}request_token" type="hidden" value="([^"]+)"', html)
    response = sw_client.post(
        f"/families/{family_id}/screenings",
        data={
            f"{prefix}caregiver_id": str(caregiver_id),
            f"{prefix}request_token": token.group(1),
            f"{prefix}timepoint": "admission",
            f"{prefix}mode": "interview",
            f"{prefix}language": "en",
            f"{prefix}instruments": ["gad7"],
            f"{prefix}decline_reason": "not_now",
            f"{prefix}action": "start",
        },
    )
    assert "/page/1" in response.headers["Location"]
    assert db["screenings"].count_where("family_id = ?", [family_id]) == 1


def test_the_same_page_in_two_languages_keeps_each_its_own_words(screen, sw_client, db):
    # Page forms are built once per page and language: the second must not get the first's.
    pages = {}
    for language in ("es", "en"):
        family_id, caregiver_id = unscreened_family(db)
        response = screen.start(family_id, caregiver_id, instruments=["phq9"], language=language)
        pages[language] = sw_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Varios días" in pages["es"] and "Several days" not in pages["es"]
    assert "Several days" in pages["en"] and "Varios días" not in pages["en"]
