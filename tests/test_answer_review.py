"""The results page: answers in words, corrections re-scored with history; stale resumes,
the stable page count, the idle lock and the instrument order."""

from __future__ import annotations

import json
import re

from screening.platform import timeutil
from screening.platform.db import one
from tests.factories import unscreened_family
from tests.factories.web import completed_screening
from tests.factories.web import screening_id

FOOD_OFTEN = {"ahc_core__ahc_3": "LA28397-0"}


def version_of(db, sid: int) -> str:
    return str(one(db, "SELECT version FROM screenings WHERE id = ?", [sid])["version"])


def test_results_show_each_answer_in_words_not_codes(screen, sw_client, db):
    sid = completed_screening(screen, db, ("ahc_core", "phq9"), FOOD_OFTEN)
    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    sheet = html.split('id="answers"')[1].split("</section>")[0]
    assert "Often true" in sheet
    assert "LA28397-0" not in sheet.split("<select")[0]
    assert "ahc_3 =" not in html
    # First options on PHQ-2 close the gate: reported as PHQ-2, item 9 marked not asked.
    assert "PHQ-2" in html and "not asked (gate closed)" in html


def test_correcting_an_answer_rescores_and_keeps_the_old_value(screen, sw_client, db):
    sid = completed_screening(
        screen, db, ("ahc_core",), FOOD_OFTEN | {"ahc_core__ahc_4": "LA28398-8"}
    )
    assert (
        json.loads(one(db, "SELECT result FROM screenings WHERE id = ?", [sid])["result"])[
            "domains"
        ]["food"]["status"]
        == "positive"
    )
    response = sw_client.post(
        f"/screenings/{sid}/correct",
        data={
            "instrument": "ahc_core",
            "item": "ahc_3",
            "value": "LA28398-8",  # never true
            "reason": "Mis-tapped: the mother said never.",
            "version": version_of(db, sid),
        },
    )
    assert response.status_code == 302
    result = json.loads(one(db, "SELECT result FROM screenings WHERE id = ?", [sid])["result"])
    assert result["domains"]["food"]["status"] == "negative"
    history = one(db, "SELECT * FROM answer_history WHERE screening_id = ?", [sid])
    assert json.loads(history["old_value"]) == "LA28397-0"
    assert json.loads(history["new_value"]) == "LA28398-8"
    assert history["reason"] == "Mis-tapped: the mother said never."
    assert db["audit_log"].count_where(
        "action = 'correct' AND record_id = ? AND detail NOT LIKE '%LA2%'", [str(sid)]
    )
    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    assert "Mis-tapped: the mother said never." in html
    assert re.search(r"Often true\s*→\s*Never true", html)


def test_a_correction_that_raises_an_alert_reopens_a_closed_screening(screen, sw_client, db):
    sid = completed_screening(screen, db, ("phq9",), {})
    assert sw_client.post(f"/screenings/{sid}/close").status_code == 302
    assert one(db, "SELECT status FROM screenings WHERE id = ?", [sid])["status"] == "closed"
    sw_client.post(
        f"/screenings/{sid}/correct",
        data={
            "instrument": "phq9",
            "item": "phq9_1",
            "value": "3",
            "reason": "Parent corrected her answer.",
            "version": version_of(db, sid),
        },
    )
    # Gate now open but items 3-9 unanswered: no alert yet, status stays closed.
    assert one(db, "SELECT status FROM screenings WHERE id = ?", [sid])["status"] == "closed"


def test_correction_needs_a_reason_and_a_current_version(screen, sw_client, db):
    sid = completed_screening(screen, db, ("ahc_core",), FOOD_OFTEN)
    base = {"instrument": "ahc_core", "item": "ahc_3", "value": "LA28398-8"}
    no_reason = sw_client.post(
        f"/screenings/{sid}/correct", data=base | {"reason": "", "version": version_of(db, sid)}
    )
    assert no_reason.status_code == 400
    stale = sw_client.post(
        f"/screenings/{sid}/correct", data=base | {"reason": "A good reason.", "version": "0"}
    )
    assert stale.status_code == 409
    assert "Someone changed this screening" in stale.get_data(as_text=True)
    assert not db["answer_history"].count


def test_bad_corrections_are_400_never_500(screen, sw_client, db):
    sid = completed_screening(screen, db, ("ahc_core",), FOOD_OFTEN)
    v = version_of(db, sid)
    for data in (
        {"instrument": "ahc_core", "item": "ahc_3", "value": "LA-NOPE"},
        {"instrument": "ahc_core", "item": "nope_9", "value": "x"},
        {"instrument": "gad7", "item": "gad7_1", "value": "1"},
        {"instrument": "../etc", "item": "ahc_3", "value": "1"},
        {"instrument": "ahc_core", "item": "ahc_3"},
        {"instrument": "ahc_core", "item": "ahc_3", "value": "LA28397-0"},  # unchanged
    ):
        response = sw_client.post(
            f"/screenings/{sid}/correct", data=data | {"reason": "Checking.", "version": v}
        )
        assert response.status_code == 400, data
    assert not db["answer_history"].count


def test_stale_resume_warns_and_restarts_only_mental_health(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(screen.start(family_id, caregiver_id, instruments=["ahc_core", "phq9"]))
    url = f"/screenings/{sid}/page/1"
    while "phq9" not in screen.client.get(url).get_data(as_text=True):
        url = screen.answer_page(url, {}).headers["Location"]
    screen.answer_page(url, {}, action="pause")
    answered = {
        r["instrument"]
        for r in db.query("SELECT instrument FROM answers WHERE screening_id = ?", [sid])
    }
    assert answered == {"ahc_core", "phq9"}
    db.execute("UPDATE screenings SET started_at = '2020-01-01T12:00:00Z' WHERE id = ?", [sid])
    db.conn.commit()
    warning = sw_client.get(f"/screenings/{sid}")
    assert warning.status_code == 200 and "days ago" in warning.get_data(as_text=True)
    assert sw_client.post(f"/screenings/{sid}/restart-mental-health").status_code == 302
    left = {
        r["instrument"]
        for r in db.query("SELECT instrument FROM answers WHERE screening_id = ?", [sid])
    }
    assert left == {"ahc_core"}
    # A fresh screening resumes without the warning.
    db.execute("UPDATE screenings SET started_at = ? WHERE id = ?", [timeutil.iso(), sid])
    db.conn.commit()
    assert sw_client.get(f"/screenings/{sid}").status_code == 302


def test_page_count_never_grows_while_answering(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(
        screen.start(family_id, caregiver_id, instruments=["nicu_needs", "phq9", "gad7"])
    )
    url, totals = f"/screenings/{sid}/page/1", []
    answers = {"phq9__phq9_1": "3", "phq9__phq9_2": "3", "gad7__gad7_1": "3", "gad7__gad7_2": "3"}
    for _ in range(30):
        html = sw_client.get(url).get_data(as_text=True)
        totals.append(int(re.search(r"Part \d+ of (\d+)", html).group(1)))
        response = screen.answer_page(url, answers)
        url = response.headers.get("Location", "")
        if "/page/" not in url:
            break
    assert totals == sorted(totals, reverse=True), totals


def test_instruments_run_in_the_site_order(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(
        screen.start(family_id, caregiver_id, instruments=["gad7", "phq9", "ahc_core"])
    )
    stored = json.loads(
        one(db, "SELECT instruments FROM screenings WHERE id = ?", [sid])["instruments"]
    )
    assert stored == ["ahc_core", "phq9", "gad7"]


def test_idle_lock_saves_the_valid_answers_on_the_page(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(
        screen.start(family_id, caregiver_id, instruments=["phq9"], mode="self_complete")
    )
    sw_client.post(f"/screenings/{sid}/handover")
    response = sw_client.post(
        f"/screenings/{sid}/page/1",
        data={
            "version": version_of(db, sid),
            "action": "lock",
            "phq9__phq9_1": "2",
            "phq9__phq9_2": "bogus",
        },
    )
    assert response.headers["Location"].endswith(f"/screenings/{sid}/locked")
    saved = {
        r["item"]: r["value"]
        for r in db.query("SELECT item, value FROM answers WHERE screening_id = ?", [sid])
    }
    assert saved == {"phq9_1": "2"}


def test_interpreter_mode_shows_the_staff_language_beside_the_family_one(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(
        screen.start(
            family_id, caregiver_id, instruments=["phq9"], language="es", mode="interpreter"
        )
    )
    html = sw_client.get(f"/screenings/{sid}/page/1").get_data(as_text=True)
    assert '<html lang="es">' in html
    staff = re.findall(r'<div class="staff-lang no-print" lang="en">(.*?)</div>', html, re.S)
    assert len(staff) == 2 and all("Not at all" in s for s in staff)
    interview = screening_id(
        screen.start(
            family_id, caregiver_id, instruments=["phq9"], language="es", token="tok-interview"
        )
    )
    assert "staff-lang" not in sw_client.get(f"/screenings/{interview}/page/1").get_data(
        as_text=True
    )


def test_full_phq9_shows_its_severity_band(screen, sw_client, db):
    answers = {f"phq9__phq9_{n}": "1" for n in range(1, 10)} | {
        "phq9__phq9_1": "2",
        "phq9__phq9_9": "0",
    }
    sid = completed_screening(screen, db, ("phq9",), answers)
    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    assert re.search(r"PHQ-9[^<]*: 9 \(Mild\)", html), re.findall(r"PHQ-[29][^<]*", html)


def test_a_checkbox_answer_can_be_corrected_from_the_boxes_on_record(screen, sw_client, db):
    sid = completed_screening(screen, db, ("ahc_core",), {"ahc_core__ahc_2": ["LA28580-1"]})
    result = one(db, "SELECT result FROM screenings WHERE id = ?", [sid])["result"]
    assert json.loads(result)["domains"]["housing_quality"]["status"] == "positive"
    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox" id="v-ahc_core-ahc_2-[^>]*>', html)
    assert len(boxes) == 9  # the eight answers and "declined"
    assert [b for b in boxes if "checked" in b] == [b for b in boxes if 'value="LA28580-1"' in b]
    correction = {
        "instrument": "ahc_core",
        "item": "ahc_2",
        "reason": "She said the mold was fixed last month.",
        "version": version_of(db, sid),
    }
    # "None of these" with a problem ticked is refused, with the reason, and nothing changes.
    mixed = sw_client.post(
        f"/screenings/{sid}/correct", data=correction | {"value": ["LA9-3", "LA28580-1"]}
    )
    assert mixed.status_code == 400
    assert "not possible" in mixed.get_data(as_text=True)
    assert not db["answer_history"].count_where("screening_id = ?", [sid])
    fixed = sw_client.post(f"/screenings/{sid}/correct", data=correction | {"value": ["LA9-3"]})
    assert fixed.status_code == 302
    result = one(db, "SELECT result FROM screenings WHERE id = ?", [sid])["result"]
    assert json.loads(result)["domains"]["housing_quality"]["status"] == "negative"
    history = one(db, "SELECT * FROM answer_history WHERE screening_id = ?", [sid])
    assert json.loads(history["old_value"]) == ["LA28580-1"]
    assert json.loads(history["new_value"]) == ["LA9-3"]
    assert re.search(
        r"Mold\s*→\s*None of these",
        sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True),
    )
