"""HSDS 3.x through the app: admin upload and download, the CLI, the store and the audit trail."""

from __future__ import annotations

import io
import json

import pytest

from screening.core import hsds
from screening.directory import exchange
from screening.directory.store import all_services
from screening.platform.db import connect
from screening.schema import migrate
from tests.factories.hsds import OFFICIAL
from tests.factories.hsds import ORG
from tests.factories.hsds import SVC
from tests.factories.hsds import as_zip
from tests.factories.hsds import needs_official
from tests.factories.hsds import package_files
from tests.factories.hsds import partner_tables
from tests.factories.hsds import unzip


def upload(admin_client, data: bytes):
    return admin_client.post(
        "/admin/directory/import",
        data={"archive": (io.BytesIO(data), "package.zip")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def official_zip() -> bytes:
    return as_zip({p.name: p.read_bytes() for p in OFFICIAL.iterdir() if p.suffix != ".md"})


def service(db, service_id: str) -> dict:
    return next(s for s in all_services(db) if s["id"] == service_id)


def audit_rows(db, action: str) -> list[dict]:
    sql = "SELECT username, outcome, detail FROM audit_log WHERE action = ? ORDER BY id"
    return list(db.query(sql, [action]))


@needs_official
def test_official_example_zip_uploads_and_the_summary_names_what_was_ignored(admin_client, db):
    page = upload(admin_client, official_zip()).get_data(as_text=True)
    assert "Imported 1 services: 1 new, 0 updated, 0 retired." in page
    assert "ignored: 1 funding rows" in page and "ignored: 1 programs rows" in page
    assert '<th scope="row">phones</th><td>1</td>' in page
    counselling = service(db, "ac148810-d857-441c-9679-408f346de14b")
    assert counselling["organization"] == "Example Organization Inc."
    assert counselling["organization_id"] == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert counselling["email"] == "email@example.com" and counselling["languages"] == ["ur"]
    # A postal address is not where the family goes.
    assert counselling["address"] == ""
    # The summary is shown once, then the page is the plain directory again.
    assert "ignored: 1 funding rows" not in admin_client.get("/admin/directory/").get_data(
        as_text=True
    )
    (row,) = audit_rows(db, "directory_import")
    assert row["outcome"] == "ok" and row["detail"] == "added=1 updated=0 retired=0"


@needs_official
def test_official_example_folder_imports_from_the_command_line_and_is_audited(runner, db):
    result = runner.invoke(args=["directory-import", str(OFFICIAL)])
    assert result.exit_code == 0, result.output
    assert "imported 1 services: 1 new, 0 updated, 0 retired" in result.output
    assert "ignored: 1 funding rows" in result.output
    (row,) = audit_rows(db, "directory_import")
    assert row["username"].startswith("cli:") and row["outcome"] == "ok"


def test_partner_variants_are_stored_as_published(admin_client, db):
    upload(admin_client, as_zip(package_files(partner_tables(), descriptor=True)))
    diapers, lactation = service(db, SVC.format(1)), service(db, SVC.format(2))
    assert diapers["status"] == "temporarily closed" and not diapers["active"]
    assert diapers["languages"] == ["hmn", "es"]
    assert (diapers["address"], diapers["postal_code"]) == ("12 Elm St, Suite 3", "93702")
    assert diapers["phone"] == "559-555-0100 ext. 42" and diapers["email"] == "help@example.org"
    assert lactation["address"] == "" and lactation["status"] == "active"
    page = admin_client.get("/admin/directory/?page=1").get_data(as_text=True)
    assert "temporarily closed" in page
    # The name-only language and the postal address are held, so an export gives them back.
    tables = unzip(admin_client.get("/admin/directory/export").data)
    assert {r["name"]: r["code"] for r in tables["languages"]}["Urdu"] == ""
    assert {r["address_type"] for r in tables["addresses"]} >= {"postal", "physical"}
    assert any(r["location_type"] == "virtual" for r in tables["locations"])


def test_edit_form_accepts_three_letter_codes_and_no_code(admin_client, db):
    upload(admin_client, as_zip(package_files(partner_tables())))
    number = service(db, SVC.format(2))["number"]
    form = {"name": "Tele-lactation", "category": "lactation", "languages": "hmn, en"}
    admin_client.post(f"/admin/directory/{number}/edit", data=form)
    assert service(db, SVC.format(2))["languages"] == ["hmn", "en"]
    admin_client.post(f"/admin/directory/{number}/edit", data={**form, "languages": ""})
    assert service(db, SVC.format(2))["languages"] == []


def export_twice(app, tmp_path, data: bytes) -> tuple[bytes, bytes]:
    """Import into two fresh databases in turn and export each (the app's own path)."""
    out = []
    with app.app_context():
        for n in (1, 2):
            fresh = connect(str(tmp_path / f"fresh{n}.sqlite"))
            migrate(fresh)
            exchange.import_package(fresh, data)
            data = exchange.export_zip(fresh)
            out.append(data)
            fresh.close()
    return out[0], out[1]


def test_round_trip_through_the_app_is_lossless(app, admin_client, tmp_path):
    upload(admin_client, as_zip(package_files(partner_tables())))
    exported = admin_client.get("/admin/directory/export").data
    first, second = export_twice(app, tmp_path, exported)
    assert first == second
    # The partner's rows come back under the partner's ids.
    tables = unzip(first)
    assert ORG in {r["id"] for r in tables["organizations"]}
    assert tables["service_capacity"][0]["maximum"] == "40"


def test_tags_priorities_and_spanish_text_travel_through_hsds(admin_client, db, app, tmp_path):
    number = db.execute("SELECT number FROM services WHERE name = '211'").fetchone()[0]
    page = admin_client.get(f"/admin/directory/{number}/edit").get_data(as_text=True)
    assert page
    before = service(
        db, db.execute("SELECT id FROM services WHERE number = ?", [number]).fetchone()[0]
    )
    db["services"].update(
        before["id"],
        {"tags": json.dumps(["food", "wic"]), "priorities": json.dumps({"food": 10, "*": -1}),
         "hours_es": "24 horas"},
    )  # fmt: skip
    data = admin_client.get("/admin/directory/export").data
    with app.app_context():
        fresh = connect(str(tmp_path / "fresh.sqlite"))
        migrate(fresh)
        exchange.import_package(fresh, data)
        got = service(fresh, before["id"])
        fresh.close()
    assert got["tags"] == ["food", "wic"] and got["priorities"] == {"food": 10, "*": -1}
    assert got["hours_es"] == "24 horas" and got["domains"] == before["domains"]


def test_export_validates_with_frictionless(admin_client, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    upload(admin_client, as_zip(package_files(partner_tables())))
    for name, rows in _files(admin_client.get("/admin/directory/export").data).items():
        (tmp_path / name).write_bytes(rows)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def _files(data: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def test_reimport_updates_and_retires_only_what_an_import_brought(admin_client, db):
    local_before = db.execute("SELECT COUNT(*) FROM services WHERE active = 1").fetchone()[0]
    upload(admin_client, as_zip(package_files(partner_tables())))
    page = upload(admin_client, as_zip(package_files(partner_tables()))).get_data(as_text=True)
    assert "Imported 2 services: 0 new, 2 updated, 0 retired." in page
    assert db["services"].count == local_before + 2
    smaller = partner_tables()
    smaller["services"] = smaller["services"][:1]
    smaller["service_at_location"] = smaller["service_at_location"][:1]
    page = upload(admin_client, as_zip(package_files(smaller))).get_data(as_text=True)
    assert "Imported 1 services: 0 new, 1 updated, 1 retired." in page
    gone = service(db, SVC.format(2))
    assert (gone["active"], gone["status"]) == (0, "inactive")
    # The unit's own services are not in the partner's package and are never retired by it.
    local_after = db.execute(
        "SELECT COUNT(*) FROM services WHERE active = 1 AND source = 'local'"
    ).fetchone()[0]
    assert local_after == local_before


def test_a_feed_without_our_attributes_keeps_what_the_unit_set(admin_client, db):
    upload(admin_client, as_zip(package_files(partner_tables())))
    number = service(db, SVC.format(2))["number"]
    admin_client.post(
        f"/admin/directory/{number}/edit",
        data={"name": "Tele-lactation", "category": "lactation", "domains": ["lactation"],
              "languages": "en", "hours_es": "Lunes a viernes"},
    )  # fmt: skip
    updated = partner_tables()
    updated["services"][1]["description"] = "Video visits with a lactation consultant."
    upload(admin_client, as_zip(package_files(updated)))
    got = service(db, SVC.format(2))
    assert got["description_en"] == "Video visits with a lactation consultant."
    assert (got["category"], got["domains"], got["hours_es"]) == (
        "lactation",
        ["lactation"],
        "Lunes a viernes",
    )


def test_cli_refusal_exits_2_lists_problems_changes_nothing_and_is_audited(runner, db, tmp_path):
    tables = partner_tables()
    tables["services"][0]["name"] = "x" * 5000
    tables["phones"][0]["description"] = "nul\x00here"
    path = tmp_path / "bad.zip"
    path.write_bytes(as_zip(package_files(tables)))
    before = db["services"].count
    result = runner.invoke(args=["directory-import", str(path)])
    assert result.exit_code == 2
    assert "services.csv row 2, column name: is longer than" in result.output
    assert "phones.csv row 2, column description: contains a NUL byte" in result.output
    assert db["services"].count == before and db["hsds_rows"].count == 0
    (row,) = audit_rows(db, "directory_import")
    listed = [line for line in result.output.splitlines() if ".csv row " in line]
    assert row["outcome"] == "refused" and row["detail"] == f"problems={len(listed)}"


def test_web_refusal_shows_limits_by_file_row_and_column(admin_client, db):
    files = package_files(partner_tables())
    files["required_documents.csv"] = files["required_documents.csv"].replace(b"Photo", b"P\xffo")
    response = admin_client.post(
        "/admin/directory/import",
        data={"archive": (io.BytesIO(as_zip(files)), "p.zip")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported." in page
    assert "<td>required_documents.csv</td><td>2</td><td>document</td>" in page
    assert "is not valid UTF-8" in page
    assert db["hsds_rows"].count == 0


def test_cli_export_is_audited_and_reimports(runner, db, tmp_path):
    out = tmp_path / "out.zip"
    result = runner.invoke(args=["directory-export", str(out)])
    assert result.exit_code == 0
    assert "datapackage.json" in _files(out.read_bytes())
    assert audit_rows(db, "directory_export")[0]["username"].startswith("cli:")
    assert hsds.parse_package(out).services


def test_large_directory_page_is_paged(admin_client, db):
    tables = partner_tables()
    tables["services"] += [
        {"id": f"55555555-5555-4555-8555-{i:012d}", "organization_id": ORG,
         "name": f"Service {i:03d}", "status": "active"}
        for i in range(120)
    ]  # fmt: skip
    upload(admin_client, as_zip(package_files(tables)))
    total = db["services"].count
    first = admin_client.get("/admin/directory/").get_data(as_text=True)
    assert first.count('class="dir-retired"') + first.count('<tr class="">') == 50
    assert f"Page 1 of {-(-total // 50)} ({total} services)" in first
    last = admin_client.get(f"/admin/directory/?page={-(-total // 50)}").get_data(as_text=True)
    assert "Previous" in last and "Next" not in last
