"""Resource directory admin pages, starter directory and HSDS import/export through the app."""

from __future__ import annotations

import io

import pytest
import yaml

from screening.core import hsds
from screening.directory.store import STARTER
from screening.directory.store import all_services
from screening.directory.store import load_starter
from screening.platform import timeutil
from screening.platform.db import connect
from screening.referrals.store import create_suggestions
from screening.schema import migrate
from tests.factories.hsds import FIELDS as COMPARED
from tests.factories.hsds import rezip
from tests.factories.hsds import unzip


def directory(db):
    return [{k: s[k] for k in COMPARED} for s in all_services(db)]


def number_of(db, name):
    return db.execute("SELECT number FROM services WHERE name = ?", [name]).fetchone()[0]


NEW_SERVICE = {
    "name": "Banco de comida La Esperanza",
    "organization": "Parroquia San José",
    "category": "community",
    "domains": ["food", "infant_supplies"],
    "languages": "es, en",
    "description_en": "Groceries every Tuesday.",
    "description_es": "Comida todos los martes.",
    "phone": "(555) 010-9999",
    "hours": "Tue 9–12",
    "last_verified": "2026-10-01",
}


def starter_count():
    return len(yaml.safe_load(STARTER.read_text(encoding="utf-8"))["services"])


def test_starter_directory_is_loaded_once_and_keeps_site_edits(db):
    assert db["services"].count == starter_count()
    names = {s["name"] for s in all_services(db)}
    assert {"988 Suicide & Crisis Lifeline", "211", "NICU psychology"} <= names
    db["services"].update(
        db.execute("SELECT id FROM services WHERE name = '211'").fetchone()[0],
        {"phone": "211 or (555) 010-2110"},
    )
    assert load_starter(db) == 0
    assert db["services"].count == starter_count()
    assert (
        db.execute("SELECT phone FROM services WHERE name = '211'")
        .fetchone()[0]
        .startswith("211 or")
    )
    dv = db.execute(
        "SELECT sensitive, phone FROM services WHERE name = 'National Domestic Violence Hotline'"
    ).fetchone()
    assert dv[0] == 1 and "1-800-799-7233" in dv[1]
    placeholders = db.execute("SELECT count(*) FROM services WHERE placeholder = 1").fetchone()[0]
    assert placeholders == sum(
        bool(e.get("placeholder"))
        for e in yaml.safe_load(STARTER.read_text(encoding="utf-8"))["services"]
    )


def test_admin_sees_unverified_services_flagged(admin_client):
    page = admin_client.get("/admin/directory/").get_data(as_text=True)
    assert f"{starter_count()} active services not verified in the last 12 months" in page
    assert "placeholder: fill in" in page and "National Maternal Mental Health Hotline" in page


def test_add_a_service_and_it_is_suggested_to_a_spanish_family(admin_client, db):
    response = admin_client.post("/admin/directory/new", data=NEW_SERVICE, follow_redirects=True)
    assert "Saved Banco de comida La Esperanza." in response.get_data(as_text=True)
    stored = next(s for s in all_services(db) if s["name"] == NEW_SERVICE["name"])
    assert stored["languages"] == ["es", "en"] and stored["domains"] == ["food", "infant_supplies"]
    # Verified recently and Spanish-speaking: it now outranks 211 for food.
    fid = (
        db["families"]
        .insert(
            {
                "mrn": "DIR-1",
                "admission_date": "2026-11-01",
                "language": "es",
                "created_at": timeutil.iso(),
                "updated_at": timeutil.iso(),
            }
        )
        .last_pk
    )
    cid = (
        db["caregivers"]
        .insert(
            {
                "family_id": fid,
                "name": "N",
                "respondent": "birthing_parent",
                "created_at": timeutil.iso(),
            }
        )
        .last_pk
    )
    (rid,) = create_suggestions(
        db,
        family_id=fid,
        screening_id=None,
        caregiver_id=cid,
        language="es",
        user_id=None,
        result={"domains": {"food": {"status": "positive", "wants_help": "yes"}}},
    )
    assert (
        db.execute("SELECT service_id FROM referrals WHERE id = ?", [rid]).fetchone()[0]
        == stored["id"]
    )


def test_edit_keeps_the_page_number_and_validates(admin_client, db):
    number = number_of(db, "Diaper bank")
    page = admin_client.get(f"/admin/directory/{number}/edit").get_data(as_text=True)
    assert "nationaldiaperbanknetwork.org" in page
    bad = admin_client.post(
        f"/admin/directory/{number}/edit", data={**NEW_SERVICE, "languages": "Spanish"}
    )
    assert "Use ISO language codes: en, es, hmn" in bad.get_data(as_text=True)
    assert number_of(db, "Diaper bank") == number  # nothing saved
    admin_client.post(
        f"/admin/directory/{number}/edit",
        data={**NEW_SERVICE, "name": "Diaper bank of the valley"},
    )
    assert number_of(db, "Diaper bank of the valley") == number


def test_retired_service_is_not_suggested_and_can_come_back(admin_client, db):
    number = number_of(db, "In-unit lactation service")
    admin_client.post(f"/admin/directory/{number}/retire")
    assert "In-unit lactation service" not in {
        s["name"] for s in all_services(db, active_only=True)
    }
    page = admin_client.get("/admin/directory/").get_data(as_text=True)
    assert "Bring back" in page
    admin_client.post(f"/admin/directory/{number}/retire")
    assert "In-unit lactation service" in {s["name"] for s in all_services(db, active_only=True)}


def test_verify_today_clears_the_flag(admin_client, db):
    number = number_of(db, "211")
    admin_client.post(f"/admin/directory/{number}/verify")
    assert (
        db.execute("SELECT last_verified FROM services WHERE number = ?", [number]).fetchone()[0]
        == timeutil.today().isoformat()
    )
    page = admin_client.get("/admin/directory/").get_data(as_text=True)
    assert f"{starter_count() - 1} active services not verified" in page


def test_export_then_import_into_an_empty_database_gives_the_same_directory(
    admin_client, db, tmp_path
):
    admin_client.post("/admin/directory/new", data=NEW_SERVICE)
    response = admin_client.get("/admin/directory/export")
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    fresh = connect(str(tmp_path / "fresh.sqlite"))
    migrate(fresh)
    with fresh.atomic():
        from screening.directory.store import save_records

        save_records(fresh, hsds.import_directory(response.data))
    assert directory(fresh) == directory(db)
    fresh.close()


def test_upload_updates_services_by_id(admin_client, db):
    archive = admin_client.get("/admin/directory/export").data
    tables = unzip(archive)
    row = next(r for r in tables["services"] if r["name"] == "SNAP food benefits")
    row["name"] = "SNAP (CalFresh)"
    response = admin_client.post(
        "/admin/directory/import",
        data={"archive": (io.BytesIO(rezip(tables)), "d.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    n = starter_count()
    assert f"Imported {n} services: 0 new, {n} updated, 0 retired." in response.get_data(
        as_text=True
    )
    assert number_of(db, "SNAP (CalFresh)")


def test_bad_upload_lists_every_problem_and_imports_nothing(admin_client, db):
    before = directory(db)
    tables = unzip(admin_client.get("/admin/directory/export").data)
    tables["services"][0]["name"] = "Changed"
    tables["services"][1]["status"] = "maybe"
    tables["phones"][0]["id"] = "not-a-uuid"
    response = admin_client.post(
        "/admin/directory/import",
        data={"archive": (io.BytesIO(rezip(tables)), "d.zip")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported." in page
    assert "<td>services.csv</td><td>3</td><td>status</td><td>&#39;maybe&#39; is not one of" in page
    assert "<td>phones.csv</td><td>2</td><td>id</td><td>&#39;not-a-uuid&#39; is not a UUID" in page
    assert directory(db) == before


@pytest.mark.parametrize("role", ["social_worker", "manager"])
def test_only_admins_manage_the_directory(client, auth, role):
    auth.login(role)
    assert client.get("/admin/directory/").status_code == 403
    assert client.get("/admin/directory/export").status_code == 403


def test_cli_export_and_import_a_folder(runner, db, tmp_path):
    out = tmp_path / "hsds"
    result = runner.invoke(args=["directory-export", str(out)])
    assert result.exit_code == 0 and f"exported {starter_count()} services" in result.output
    (out / "languages.csv").write_text("id,service_id,code\nnot-a-uuid,x,english\n")
    result = runner.invoke(args=["directory-import", str(out)])
    assert result.exit_code == 2
    assert "languages.csv row 2, column id" in result.output
    assert "nothing was imported" in result.output
