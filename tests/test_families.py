"""Families: add, validate, duplicate MRN, search by POST, edit with stale detection, access."""

from __future__ import annotations

import pytest

from screening.platform.db import one
from tests.factories.web import family_form


def test_add_family_with_twins(sw_client, db):
    response = sw_client.post("/families/new", data=family_form())
    assert response.status_code == 302
    family = one(db, "SELECT * FROM families WHERE mrn = 'NICU-55501'")
    assert family["race_ethnicity"] == '["black", "hispanic"]'
    assert db["infants"].count_where("family_id = ?", [family["id"]]) == 2
    assert db["caregivers"].count_where("family_id = ?", [family["id"]]) == 1
    page = sw_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Baby Boy Testa" in page and "Rosalind Testa" in page
    assert db["audit_log"].count_where("action = 'create' AND record_type = 'family'") == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mrn": ""}, "Enter the MRN."),
        ({"mrn": "12<script>"}, "3 to 20 letters, digits or dashes."),
        ({"admission_date": "31/12/2026"}, "Enter the date as year-month-day"),
        ({"discharge_date": "2026-11-01"}, "Discharge cannot be before admission."),
        ({"race_ethnicity": ["declined", "white"]}, "cannot be combined with other choices"),
        ({"race_ethnicity": []}, "Choose at least one"),
        ({"zip": "2118"}, "Five digits."),
        ({"infants-0-dob": "2030-01-01"}, "The date of birth is in the future."),
        ({"infants-0-ga_weeks": "50"}, "Weeks must be from 22 to 44."),
        ({"infants-0-name": ""}, "Enter the infant&#39;s name."),
        ({"caregivers-0-phone": "call me maybe"}, "Use digits, spaces"),
        ({"caregivers-0-name": ""}, "Enter the caregiver&#39;s name."),
        (
            {"caregivers-0-name": "", "caregivers-0-phone": ""},
            "Add at least one parent or caregiver.",
        ),
        (
            {"caregivers-1-name": "Second Birther", "caregivers-1-respondent": "birthing_parent"},
            "Only one caregiver can be the birthing parent.",
        ),
    ],
)
def test_bad_family_input_is_explained_and_nothing_saved(sw_client, db, overrides, message):
    before = db["families"].count
    response = sw_client.post("/families/new", data=family_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db["families"].count == before


def test_duplicate_mrn_offers_the_existing_family(sw_client, db):
    sw_client.post("/families/new", data=family_form())
    existing = one(db, "SELECT id FROM families WHERE mrn = 'NICU-55501'")["id"]
    response = sw_client.post("/families/new", data=family_form(**{"mrn": "nicu-55501"}))
    html = response.get_data(as_text=True)
    assert "already in the system" in html
    assert f'href="/families/{existing}"' in html
    assert db["families"].count_where("mrn = 'NICU-55501'") == 1


def test_search_by_mrn_and_name_is_a_post(sw_client):
    sw_client.post("/families/new", data=family_form())
    for query in ("NICU-555", "rosalind", "Testa", "Boy Testa"):
        response = sw_client.post("/families/search", data={"q": query})
        html = response.get_data(as_text=True)
        assert "NICU-55501" in html, query
    response = sw_client.post("/families/search", data={"q": "zzz-nobody"})
    assert "0 found" in response.get_data(as_text=True)
    # Wildcards typed by a user match literally, not everything.
    response = sw_client.post("/families/search", data={"q": "%"})
    assert "NICU-55501" not in response.get_data(as_text=True)


def test_second_stale_edit_is_refused(sw_client, db):
    sw_client.post("/families/new", data=family_form())
    family = one(db, "SELECT * FROM families WHERE mrn = 'NICU-55501'")
    infant_ids = [
        r["id"]
        for r in db.query(
            "SELECT id FROM infants WHERE family_id = ? ORDER BY position", [family["id"]]
        )
    ]
    caregiver = one(db, "SELECT id FROM caregivers WHERE family_id = ?", [family["id"]])
    edit = family_form(
        version=str(family["version"]),
        **{
            "infants-0-id": str(infant_ids[0]),
            "infants-1-id": str(infant_ids[1]),
            "caregivers-0-id": str(caregiver["id"]),
        },
    )
    first = sw_client.post(f"/families/{family['id']}/edit", data=edit | {"zip": "02119"})
    assert first.status_code == 302
    second = sw_client.post(
        f"/families/{family['id']}/edit", data=edit | {"zip": "02120"}, follow_redirects=True
    )
    assert "Someone else changed this family" in second.get_data(as_text=True)
    assert one(db, "SELECT zip FROM families WHERE id = ?", [family["id"]])["zip"] == "02119"


def test_tampered_infant_id_cannot_move_another_familys_infant(sw_client, db):
    sw_client.post("/families/new", data=family_form())
    other = one(
        db,
        "SELECT id, family_id FROM infants WHERE family_id != "
        "(SELECT id FROM families WHERE mrn = 'NICU-55501') LIMIT 1",
    )
    target = one(db, "SELECT * FROM families WHERE mrn = 'NICU-55501'")
    sw_client.post(
        f"/families/{target['id']}/edit",
        data=family_form(version=str(target["version"]), **{"infants-0-id": str(other["id"])}),
    )
    assert (
        one(db, "SELECT family_id FROM infants WHERE id = ?", [other["id"]])["family_id"]
        == (other["family_id"])
    )


def test_unknown_family_is_404_and_manager_is_403(sw_client, client, auth):
    assert sw_client.get("/families/999999").status_code == 404
    auth.logout()
    auth.login("manager")
    assert client.get("/families/1").status_code == 403
    assert client.post("/families/search", data={"q": "DEMO"}).status_code == 403


def test_worklist_lists_due_families_alerts_and_unfinished_screens(sw_client):
    html = sw_client.get("/families").get_data(as_text=True)
    assert "Families due for screening" in html
    assert "Resume" in html  # the demo holds an interrupted screening
    assert "overdue" in html or "by 20" in html


def test_phi_fields_and_search_are_not_remembered_by_the_browser(sw_client):
    import re

    page = sw_client.get("/families/new").get_data(as_text=True)
    for name in (
        "mrn",
        "infants-0-name",
        "infants-0-dob",
        "caregivers-0-name",
        "caregivers-0-phone",
        "zip",
    ):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'autocomplete="off"' in tag, tag
    search = sw_client.get("/families/search").get_data(as_text=True)
    assert 'autocomplete="off"' in re.search(r'<input[^>]*name="q"[^>]*>', search).group(0)
