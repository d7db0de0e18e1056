"""Choosing services and following referrals up through the pages (issue 12)."""

from __future__ import annotations

import yaml

from screening.directory.store import STARTER
from tests.factories import family
from tests.factories import referral_row as row
from tests.factories import screened_family
from tests.factories.web import needs_poppler
from tests.factories.web import pdf_text

DEMO_NEEDS = ("food", "housing_instability", "transportation", "infant_supplies", "lactation",
              "language_access", "mental_health")  # fmt: skip


def post(client, db, rid, action, **data):
    data.setdefault("version", row(db, rid)["version"])
    return client.post(f"/referrals/{rid}/{action}", data=data, follow_redirects=True)


def status(client, db, rid, to, **data):
    if to in ("declined", "connected", "not_connected"):
        data.setdefault("confirm", "y")
    return post(client, db, rid, "status", to=to, **data)


def service_id(db, name):
    return db.execute("SELECT id FROM services WHERE name = ?", [name]).fetchone()[0]


def sent_referral(app, db, client, domains=("food",), **kw):
    fam, ids = screened_family(app, db, *domains, **kw)
    for rid in ids:
        status(client, db, rid, "accepted")
        status(client, db, rid, "sent")
    return fam.id, ids


def test_demo_family_gets_distinct_services_and_the_perinatal_service_first(app, db, sw_client):
    fam, ids = screened_family(app, db, *DEMO_NEEDS)
    fid = fam.id
    rows = [row(db, rid) for rid in ids]
    assert sorted(r["domain"] for r in rows) == sorted(DEMO_NEEDS)
    services = [r["service_id"] for r in rows]
    assert len(set(services)) == len(services)
    assert service_id(db, "211") not in services
    mental = next(r for r in rows if r["domain"] == "mental_health")
    assert mental["service_id"] == service_id(db, "NICU psychology")
    page = sw_client.get(f"/families/{fid}").get_data(as_text=True)
    assert "speaks Spanish" in page and "not verified yet" in page


def test_pick_an_alternative_then_accept_several_at_once(app, db, sw_client):
    fam, (food, diapers) = screened_family(app, db, "food", "infant_supplies")
    fid = fam.id
    wic = service_id(db, "WIC (Women, Infants, and Children)")
    assert row(db, food)["service_id"] != wic
    page = post(sw_client, db, food, "service", service=wic).get_data(as_text=True)
    assert "Service changed." in page and row(db, food)["service_id"] == wic
    picks = [f"{rid}:{row(db, rid)['version']}" for rid in (food, diapers)]
    response = sw_client.post(
        f"/referrals/families/{fid}/accept",
        data={"pick": picks, "back": f"/families/{fid}"},
    )
    assert response.headers["Location"].endswith(f"/families/{fid}#referrals")
    assert {row(db, food)["status"], row(db, diapers)["status"]} == {"accepted"}


def test_manual_referral_to_a_service_or_a_one_off_and_never_to_a_retired_one(app, db, sw_client):
    fid = family(db).id
    back = f"/families/{fid}"
    url = f"/referrals/families/{fid}/manual"
    wic = service_id(db, "WIC (Women, Infants, and Children)")
    sw_client.post(
        url, data={"domain": "food", "category": "community", "service": wic, "back": back}
    )
    one_off = "Tía Carmen's daycare, (555) 010-7777"
    sw_client.post(
        url,
        data={
            "domain": "childcare",
            "category": "community",
            "service_text": one_off,
            "back": back,
        },
    )
    rows = db.execute(
        "SELECT domain, service_id, service_text, status FROM referrals WHERE family_id = ? "
        "ORDER BY id",
        [fid],
    ).fetchall()
    assert rows == [
        ("food", wic, "", "accepted"),
        ("childcare", None, one_off, "accepted"),
    ]
    db["services"].update(wic, {"active": 0})
    for service in (wic, "no-such-service"):
        page = sw_client.post(
            url,
            data={"domain": "food", "category": "community", "service": service, "back": back},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "retired or unknown" in page
    assert (
        db.execute("SELECT COUNT(*) FROM referrals WHERE family_id = ?", [fid]).fetchone()[0] == 2
    )


def test_three_attempts_then_unreachable(app, db, sw_client):
    app.config["REFERRAL_MAX_ATTEMPTS"] = 3
    _fid, (rid,) = sent_referral(app, db, sw_client)
    too_soon = status(sw_client, db, rid, "not_connected", reason="unreachable")
    assert "Record 3 contact attempts" in too_soon.get_data(as_text=True)
    for n, next_try in enumerate(("2026-12-31", "2027-01-02", ""), start=1):
        page = post(sw_client, db, rid, "attempt", on="2026-11-30", method="phone",
                    result="no_answer", next_try=next_try).get_data(as_text=True)  # fmt: skip
        assert "Contact attempt recorded." in page
        current = row(db, rid)
        assert current["status"] == "sent" and current["attempts"] == n
        if next_try:
            assert current["follow_up_due"] == next_try
    status(sw_client, db, rid, "not_connected", reason="unreachable")
    assert (row(db, rid)["status"], row(db, rid)["reason"]) == ("not_connected", "unreachable")


def test_closing_needs_the_confirmation_step(app, db, sw_client):
    _fid, (rid,) = sent_referral(app, db, sw_client)
    page = post(sw_client, db, rid, "status", to="connected", outcome="need_met")
    assert "Confirm before closing" in page.get_data(as_text=True)
    assert row(db, rid)["status"] == "sent"


def test_connected_records_the_outcome_and_reopen_needs_a_reason(app, db, sw_client):
    _fid, (rid,) = sent_referral(app, db, sw_client)
    status(sw_client, db, rid, "connected", outcome="need_met")
    assert (row(db, rid)["status"], row(db, rid)["outcome"]) == ("connected", "need_met")
    page = post(sw_client, db, rid, "reopen", why="  ").get_data(as_text=True)
    assert "Nothing was saved" in page and row(db, rid)["status"] == "connected"
    post(sw_client, db, rid, "reopen", why="Pantry closed; family still needs food")
    reopened = row(db, rid)
    assert (reopened["status"], reopened["outcome"], reopened["closed_at"]) == ("sent", None, None)
    audit = db.execute(
        "SELECT detail FROM audit_log WHERE action = 'referral_reopen' AND record_id = ?",
        [str(rid)],
    ).fetchall()
    assert audit == [("connected->sent",)]
    note = db.execute(
        "SELECT note FROM referral_events WHERE referral_id = ? ORDER BY id DESC LIMIT 1", [rid]
    ).fetchone()[0]
    assert note == "Pantry closed; family still needs food"


def test_a_second_worker_on_an_old_page_is_refused(app, db, sw_client):
    _fid, (rid,) = sent_referral(app, db, sw_client)
    old = row(db, rid)["version"]
    post(sw_client, db, rid, "attempt", on="2026-11-30", method="text", result="spoke")
    page = post(sw_client, db, rid, "attempt", version=old, on="2026-11-30", method="phone",
                result="no_answer").get_data(as_text=True)  # fmt: skip
    assert "Someone else changed this referral" in page
    assert row(db, rid)["attempts"] == 1


def test_no_suitable_service_is_a_directory_gap_the_admin_sees(app, db, sw_client, client, auth):
    fam, (rid,) = screened_family(app, db, "utilities")
    post(sw_client, db, rid, "gap", note="needs water bill help, LIHEAP closed")
    assert row(db, rid)["status"] == "declined"
    gaps = db.execute("SELECT domain, referral_id FROM directory_gaps").fetchall()
    assert gaps == [("utilities", rid)]
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/directory/").get_data(as_text=True)
    assert "Directory gaps" in page and "utilities" in page


def test_worklist_names_families_and_filters(app, db, sw_client):
    fid, (rid,) = sent_referral(app, db, sw_client, name="Rosa Ejemplar", phone="(555) 010-9876")
    db["referrals"].update(rid, {"follow_up_due": "2026-01-01"})
    page = sw_client.get("/referrals?overdue=y&mine=y").get_data(as_text=True)
    assert "Rosa Ejemplar" in page and "(555) 010-9876" in page and "interpreter" in page
    mrn = db.execute("SELECT mrn FROM families WHERE id = ?", [fid]).fetchone()[0]
    assert mrn in page
    assert "Rosa Ejemplar" not in sw_client.get("/referrals?category=lactation").get_data(
        as_text=True
    )
    assert "Rosa Ejemplar" not in sw_client.get("/referrals?private=y").get_data(as_text=True)


@needs_poppler
def test_batch_has_a_cover_sheet_with_pages_and_a_family_code_per_letter(app, db, sw_client):
    made = []
    for name in ("Ana Primera", "Berta Segunda"):
        fam, ids = screened_family(app, db, "food", "infant_supplies", name=name)
        fid = fam.id
        db["families"].update(fid, {"bed": f"Bed {name[0]}7"})
        for rid in ids:
            status(sw_client, db, rid, "accepted")
        made.append((fid, name))
    text = pdf_text(sw_client.get("/referrals/letters/today").data)
    pages = text.split("\f")
    cover = pages[0]
    for _fid, name in made:
        assert name in cover
        line = next(line for line in cover.splitlines() if name in line)
        assert f"Bed {name[0]}7" in line  # staff match the letter to the bedside
        code = line.split(" · ")[-2]
        letter_pages = [p for p in pages[1:] if code in p]
        assert letter_pages and all(name not in p for p in letter_pages)


@needs_poppler
def test_spanish_letter_has_no_english_sentence_from_the_directory(app, db, sw_client):
    fam, ids = screened_family(app, db, *DEMO_NEEDS)
    fid = fam.id
    for rid in ids:
        status(sw_client, db, rid, "accepted")
    text = " ".join(pdf_text(sw_client.get(f"/referrals/families/{fid}/letter").data).split())
    english = []
    for entry in yaml.safe_load(STARTER.read_text(encoding="utf-8"))["services"]:
        for field in ("description_en", "hours", "eligibility", "what_to_bring"):
            english += [s.strip() for s in str(entry.get(field) or "").split(". ") if len(s) > 20]
    leaked = [s for s in english if " ".join(s.split()) in text]
    assert not leaked
    assert "Servicio de intérpretes del hospital" in text  # the Spanish service name


def test_accepting_several_is_all_or_nothing(app, db, sw_client):
    fam, (food, diapers) = screened_family(app, db, "food", "infant_supplies")
    fid = fam.id
    stale = row(db, diapers)["version"]
    post(sw_client, db, diapers, "note", note="called the family")
    picks = [f"{food}:{row(db, food)['version']}", f"{diapers}:{stale}"]
    page = sw_client.post(
        f"/referrals/families/{fid}/accept", data={"pick": picks}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Nothing was saved" in page
    assert {row(db, food)["status"], row(db, diapers)["status"]} == {"suggested"}
