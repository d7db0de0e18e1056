"""Referral pages: accept, send, follow up and close; letters over HTTP; roles and audit."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from screening.platform import timeutil
from screening.referrals.wording import letter_words
from screening.referrals.wording import paper_words
from tests.factories import answers_for
from tests.factories import family
from tests.factories import referral_row as row
from tests.factories import screened_family
from tests.factories import screening
from tests.factories.web import needs_poppler
from tests.factories.web import pdf_text


def post_status(client, db, rid, to, *, version=None, follow=True, **extra):
    data = {"to": to, "version": version or row(db, rid)["version"], **extra}
    if to in ("declined", "connected", "not_connected"):
        data.setdefault("confirm", "y")  # the page's confirmation step
    return client.post(f"/referrals/{rid}/status", data=data, follow_redirects=follow)


def service_name(db, rid):
    return db.execute(
        "SELECT s.name FROM referrals r JOIN services s ON s.id = r.service_id WHERE r.id = ?",
        [rid],
    ).fetchone()[0]


def letter_wording(app, lang):
    """The letter's fixed wording as the catalogue gives it in `lang`."""
    with app.test_request_context(), force_locale(lang):
        return letter_words(private=False)


@needs_poppler
def test_accept_print_spanish_letter_send_follow_up_and_connect(app, db, sw_client):
    app.config["REFERRAL_FOLLOW_UP_DAYS"] = 0  # due today, so the worklist shows it at once
    fam, ids = screened_family(app, db, "food")
    fid = fam.id
    (rid,) = ids
    assert row(db, rid)["status"] == "suggested"

    page = post_status(sw_client, db, rid, "accepted").get_data(as_text=True)
    assert "Referral marked accepted." in page
    assert row(db, rid)["owner_id"] is not None
    accepted = sw_client.get("/referrals?status=accepted").get_data(as_text=True)
    assert f"/families/{fid}" in accepted

    letter = sw_client.get(f"/referrals/families/{fid}/letter?lang=es")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    disposition = letter.headers["Content-Disposition"]
    assert re.fullmatch(r'inline; filename="referral-letter-[0-9a-f]{12}\.pdf"', disposition)
    assert letter.headers["Cache-Control"] == "no-store"
    text = pdf_text(letter.data)
    spanish = letter_wording(app, "es")
    assert spanish["title"] in text and spanish["for"] in text
    spanish_name = db.execute(
        "SELECT s.name_es FROM referrals r JOIN services s ON s.id = r.service_id WHERE r.id = ?",
        [rid],
    ).fetchone()[0]
    assert spanish_name and spanish_name in text and service_name(db, rid) not in text
    assert "Lucía" not in text and "WEB-" not in text  # no names or record numbers

    post_status(sw_client, db, rid, "sent")
    sent = row(db, rid)
    assert sent["follow_up_due"] == timeutil.today().isoformat()
    worklist = sw_client.get("/referrals?status=sent").get_data(as_text=True)
    assert "follow-up due" in worklist and f"/families/{fid}" in worklist

    post_status(sw_client, db, rid, "connected", outcome="need_met")
    assert row(db, rid)["status"] == "connected"
    assert f'/families/{fid}"' not in sw_client.get("/referrals").get_data(as_text=True)

    events = db.execute(
        "SELECT from_status, to_status, user_id FROM referral_events WHERE referral_id = ? "
        "ORDER BY id",
        [rid],
    ).fetchall()
    assert [(e[0], e[1]) for e in events] == [
        (None, "suggested"),
        ("suggested", "accepted"),
        ("accepted", "sent"),
        ("sent", "connected"),
    ]
    assert all(e[2] for e in events)
    audit = db.execute(
        "SELECT action, record_type, record_id, detail FROM audit_log "
        "WHERE action IN ('referral_status', 'letter') ORDER BY id"
    ).fetchall()
    assert [a[3] for a in audit if a[0] == "referral_status" and a[2] == str(rid)] == [
        "suggested->accepted",
        "accepted->sent",
        "sent->connected outcome=need_met",
    ]
    assert ("letter", "family", str(fid), "kind=family lang=es") in audit


def test_worklist_lists_due_items_oldest_first(app, db, sw_client):
    _fam, (first,) = screened_family(app, db, "food")
    _fam, (second,) = screened_family(app, db, "utilities")
    for rid in (first, second):
        post_status(sw_client, db, rid, "accepted")
    db["referrals"].update(second, {"accepted_at": "2026-01-01T08:00:00Z"})
    page = sw_client.get("/referrals?status=accepted").get_data(as_text=True)
    assert page.index(f"referrals/{second}/status") < page.index(f"referrals/{first}/status")


def test_a_stale_second_submit_is_refused(app, db, sw_client):
    _fam, (rid,) = screened_family(app, db, "food")
    version = row(db, rid)["version"]
    post_status(sw_client, db, rid, "accepted", version=version)
    page = post_status(sw_client, db, rid, "declined", version=version).get_data(as_text=True)
    assert "Someone else changed this referral" in page and "it is now accepted" in page
    assert row(db, rid)["status"] == "accepted"


def test_not_connected_needs_a_reason(app, db, sw_client):
    _fam, (rid,) = screened_family(app, db, "food")
    post_status(sw_client, db, rid, "accepted")
    post_status(sw_client, db, rid, "sent")
    page = post_status(sw_client, db, rid, "not_connected").get_data(as_text=True)
    assert "Choose why the family did not connect" in page
    assert row(db, rid)["status"] == "sent"
    for _n in range(3):
        attempt = {"on": "2026-01-05", "method": "phone", "result": "no_answer"}
        sw_client.post(
            f"/referrals/{rid}/attempt", data={**attempt, "version": row(db, rid)["version"]}
        )
    post_status(sw_client, db, rid, "not_connected", reason="unreachable", note="3 calls")
    closed = row(db, rid)
    assert (closed["status"], closed["reason"]) == ("not_connected", "unreachable")
    assert "3 calls" in closed["notes"]


def test_illegal_move_is_refused_with_a_message(app, db, sw_client):
    _fam, (rid,) = screened_family(app, db, "food")
    page = post_status(sw_client, db, rid, "connected").get_data(as_text=True)
    assert "cannot be marked connected" in page
    assert row(db, rid)["status"] == "suggested"


def test_back_only_redirects_to_local_paths(app, db, sw_client):
    fam, (rid,) = screened_family(app, db, "food")
    fid = fam.id
    response = post_status(sw_client, db, rid, "accepted", follow=False, back="https://evil.test/")
    assert response.headers["Location"].endswith(f"/families/{fid}#ref-{rid}")
    response = post_status(sw_client, db, rid, "sent", follow=False, back="/referrals")
    assert response.headers["Location"].endswith(f"/referrals#ref-{rid}")


def test_family_page_shows_panel_with_history_and_letter_links(app, db, sw_client):
    fam, ids = screened_family(app, db, "food", "interpersonal_safety")
    fid, cid = fam.id, fam.parent
    for rid in ids:
        post_status(sw_client, db, rid, "accepted")
    page = sw_client.get(f"/families/{fid}").get_data(as_text=True)
    assert "National Domestic Violence Hotline" in page  # the social worker sees it
    assert "History (2)" in page
    assert f"/referrals/families/{fid}/letter" in page
    assert f"/referrals/families/{fid}/caregivers/{cid}/letter" in page
    assert "Mark sent" in page


def test_results_page_lets_the_worker_accept_suggestions(app, db, sw_client):
    _fam, ids = screened_family(app, db, "food", "lactation")
    sid = row(db, ids[0])["screening_id"]
    html = sw_client.get(f"/screenings/{sid}/results").get_data(as_text=True)
    for rid in ids:
        assert f"/referrals/{rid}/status" in html
    post_status(sw_client, db, ids[0], "accepted", back=f"/screenings/{sid}/results")
    assert row(db, ids[0])["status"] == "accepted"


def test_no_duplicate_open_referral_for_the_same_need(app, db):
    fam = family(db, partner="Pablo Ejemplo")
    screening(app, db, fam, answers_for("food", "mental_health"))
    again = screening(app, db, fam, answers_for("food", "mental_health", "utilities"))
    assert [row(db, r)["domain"] for r in again.referrals] == ["utilities"]
    # The other parent's mental-health need is theirs: a separate referral; food is the family's.
    theirs = screening(
        app, db, fam, answers_for("mental_health", "food"), caregiver=fam.caregivers[1]
    )
    assert [row(db, r)["domain"] for r in theirs.referrals] == ["mental_health"]


@needs_poppler
def test_batch_prints_every_family_accepted_today(app, db, sw_client):
    fam, (rid,) = screened_family(app, db, "infant_supplies", language="en")
    fid = fam.id
    post_status(sw_client, db, rid, "accepted")
    response = sw_client.get("/referrals/letters/today")
    assert response.status_code == 200
    assert "referral-letters-" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert service_name(db, rid) in text and "Questions? Call us." in text
    assert "National Domestic Violence Hotline" not in text
    logged = db.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'letter' AND record_id = ?", [str(fid)]
    ).fetchone()[0]
    assert logged == 1


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_other_roles_cannot_see_referrals_or_letters(app, client, auth, db, role):
    fam, (rid,) = screened_family(app, db, "food")
    fid = fam.id
    auth.login(role)
    assert client.get("/referrals").status_code == 403
    assert client.get(f"/referrals/families/{fid}/letter").status_code == 403
    assert (
        client.post(f"/referrals/{rid}/status", data={"to": "accepted", "version": 1}).status_code
        == 403
    )


def test_unknown_family_letter_is_404(sw_client):
    assert sw_client.get("/referrals/families/999999/letter").status_code == 404


@needs_poppler
def test_paper_form_has_every_item_in_spanish(app, sw_client):
    from screening.platform.instruments import get_registry

    with app.app_context():
        instrument = get_registry().get("ahc_core")
    response = sw_client.get("/referrals/paper/ahc_core?lang=es")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data).split())
    assert " ".join(instrument.title["es"].split()) in text
    position = 0
    for number, item in enumerate(instrument.items, start=1):
        wording = " ".join(item.text["es"].split())
        found = text.find(f"{number}. {wording}", position)
        assert found >= position, item.id  # every item, in the tablet's order
        position = found
        for option in item.options:
            assert " ".join(option.text["es"].split()) in text
    with app.test_request_context(), force_locale("es"):
        decline = paper_words()["decline"]
    assert decline in text
    assert sw_client.get("/referrals/paper/nope").status_code == 404


@needs_poppler
def test_paper_form_says_when_a_follow_up_question_applies(app, sw_client):
    from screening.platform.instruments import get_registry

    with app.app_context():
        instrument = get_registry().get("nicu_needs")
    items = [i for page in instrument.pages() for i in page]
    numbers = {item.id: n for n, item in enumerate(items, start=1)}
    follow = next(i for i in items if i.show_if is not None)
    text = " ".join(pdf_text(sw_client.get("/referrals/paper/nicu_needs").data).split())
    assert f"Answer only if your answer to question {numbers[follow.show_if.item]} was:" in text
    assert f"{numbers[follow.id]}. {' '.join(follow.text['en'].split())}" in text
