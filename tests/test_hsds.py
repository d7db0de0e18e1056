"""HSDS 3.x import and export of the resource directory, against packages laid out as published."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from screening.core import hsds
from screening.core.identifiers import DOMAINS
from screening.directory.store import STARTER
from tests.factories.hsds import FIELDS
from tests.factories.hsds import ORG
from tests.factories.hsds import as_folder
from tests.factories.hsds import as_zip
from tests.factories.hsds import package_files
from tests.factories.hsds import partner_tables
from tests.factories.hsds import u


def starter_records():
    records = yaml.safe_load(STARTER.read_text(encoding="utf-8"))["services"]
    records[5] |= {
        "address": '1 Main St, Suite <2> & "B"',
        "city": "Álamo",
        "state": "TX",
        "postal_code": "78516",
        "last_verified": "2026-05-04",
    }
    records[9] |= {"active": 0}
    records[3] |= {"name": '=HYPERLINK("http://x")', "hours_es": "24 horas"}
    return records


def problems_of(source) -> list[str]:
    with pytest.raises(hsds.ImportProblems) as caught:
        hsds.parse_package(source)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("descriptor", [True, False], ids=["datapackage", "file-names"])
@pytest.mark.parametrize("form", ["zip", "folder"])
@pytest.mark.parametrize("encoding", ["plain", "bom-crlf"])
def test_partner_package_keeps_what_hsds_allows(tmp_path, descriptor, form, encoding):
    files = package_files(
        partner_tables(),
        descriptor=descriptor,
        bom=encoding != "plain",
        crlf=encoding != "plain",
        prefix="export/" if form == "zip" else "",
    )
    source = as_zip(files) if form == "zip" else as_folder(files, tmp_path)
    package = hsds.parse_package(source)
    diapers, lactation = package.services
    assert diapers["status"] == "temporarily closed" and diapers["active"] == 0
    assert diapers["organization_id"] == ORG and diapers["organization"] == "Valley Family Services"
    # The physical address is the street address; the postal one stays beside it, typed.
    assert (diapers["address"], diapers["postal_code"]) == ("12 Elm St, Suite 3", "93702")
    types = {a["address_type"]: a["address_1"] for a in package.tables["addresses"]}
    assert types == {"postal": "PO Box 9", "physical": "12 Elm St"}
    assert diapers["phone"] == "559-555-0100 ext. 42"
    assert diapers["hours"] == "Mon, Wed 09:00-17:00"
    assert diapers["languages"] == ["hmn", "es"]
    assert {r["name"]: r["code"] for r in package.tables["languages"]}["Urdu"] == ""
    assert diapers["email"] == "help@example.org" and diapers["what_to_bring"] == "Photo ID"
    assert diapers["last_verified"] == "2026-01-15"
    assert package.tables["service_capacity"][0]["available"] == "12"
    virtual = next(r for r in package.tables["locations"] if r["location_type"] == "virtual")
    assert lactation["address"] == "" and virtual["url"] == "https://example.org/video"
    assert package.tables["organizations"][0]["description"] == "Helps new parents."
    assert "ignored: 3 funding rows" in package.ignored_lines()


def test_round_trip_is_lossless_and_stable(tmp_path):
    first = hsds.parse_package(as_zip(package_files(partner_tables())))
    exported = hsds.export_files(first.services, first.tables)
    second = hsds.parse_package(as_zip(exported))
    assert second.services == first.services
    assert second.tables == first.tables
    assert hsds.export_files(second.services, second.tables) == exported


def test_starter_directory_round_trip_keeps_own_fields():
    records = starter_records()
    first = hsds.export_zip(records)
    back = hsds.parse_package(first)
    by_id = {r["id"]: r for r in back.services}
    for record in records:
        got = by_id[record["id"]]
        for key in FIELDS:
            if key in ("domains", "languages", "sensitive", "placeholder", "active"):
                continue
            assert got[key] == (record.get(key) or ("" if key != "last_verified" else None)), key
        assert got["languages"] == record["languages"]
        assert got["domains"] == sorted(record["domains"], key=DOMAINS.index)
        assert got["sensitive"] == int(bool(record.get("sensitive")))
        assert got["active"] == (0 if record.get("active", 1) == 0 else 1)
    assert by_id[records[3]["id"]]["hours_es"] == "24 horas"
    assert hsds.export_zip(back.services, back.tables) == first


def test_export_is_formula_safe_and_names_files_as_hsds(tmp_path):
    paths = hsds.export_folder(starter_records(), tmp_path)
    names = {p.name for p in paths}
    assert {"organizations.csv", "services.csv", "service_at_location.csv"} <= names
    assert "datapackage.json" in names and "service.csv" not in names
    services = (tmp_path / "services.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in services and ",=HYPERLINK" not in services


def test_export_validates_with_frictionless(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    package = hsds.parse_package(as_zip(package_files(partner_tables())))
    hsds.export_folder(package.services + starter_records(), tmp_path, package.tables)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_export_uses_the_hsds_descriptor_field_names():
    descriptor = hsds.descriptor()
    fields = {
        r["path"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]
    }
    assert fields["services.csv"][:4] == ["id", "organization_id", "name", "alternate_name"]
    assert "extension" in fields["phones.csv"] and "address_type" in fields["addresses.csv"]


def test_edits_in_the_app_win_over_imported_rows():
    package = hsds.parse_package(as_zip(package_files(partner_tables())))
    edited = [dict(r) for r in package.services]
    edited[0]["phone"] = "559-555-0199"
    edited[0]["active"] = 1
    back = hsds.parse_package(hsds.export_zip(edited, package.tables))
    assert back.services[0]["phone"] == "559-555-0199"
    assert back.services[0]["status"] == "active"
    assert back.services[0]["hours"] == "Mon, Wed 09:00-17:00"  # untouched rows stay


def test_reimport_updates_by_partner_id_and_reports_retired():
    package = hsds.parse_package(as_zip(package_files(partner_tables())))
    smaller = partner_tables()
    smaller["services"] = smaller["services"][:1]
    smaller["service_at_location"] = smaller["service_at_location"][:1]
    again = hsds.parse_package(as_zip(package_files(smaller)))
    held = {t: [r["id"] for r in rows] for t, rows in package.tables.items()}
    counts = hsds.summary(held, again)
    assert counts["services"] == {"added": 0, "updated": 1, "retired": 1}
    assert counts["funding"]["ignored"] == 3
    diff = hsds.diff_ids(["a", "b"], ["b", "c"])
    assert (diff.added, diff.updated, diff.retired) == (("c",), ("b",), ("a",))


def test_bad_package_lists_every_problem_with_file_row_and_column():
    tables = partner_tables()
    tables["services"][0]["status"] = "open"
    tables["services"][1]["organization_id"] = u(99)
    tables["services"][1]["assured_date"] = "04/05/2026"
    tables["languages"][0]["code"] = "english"
    tables["languages"][1]["name"] = ""
    tables["organizations"][0]["name"] = "A" * 5000
    tables["phones"][0]["description"] = "nul\x00here"
    tables["schedules"][0]["id"] = "not-a-uuid"
    files = package_files(tables)
    files["required_documents.csv"] = files["required_documents.csv"].replace(b"Photo", b"Ph\xffto")
    messages = problems_of(as_zip(files))
    assert "services.csv row 2, column status: 'open' is not one of" in " ".join(messages)
    assert any(m.startswith("services.csv row 3, column organization_id:") for m in messages)
    assert any(m.startswith("services.csv row 3, column assured_date:") for m in messages)
    assert any(m.startswith("languages.csv row 2, column code: 'english'") for m in messages)
    assert "languages.csv row 3: needs a name or a code" in messages
    assert "organizations.csv row 2, column name: is longer than 1000 characters" in messages
    assert "phones.csv row 2, column description: contains a NUL byte" in messages
    assert "required_documents.csv row 2, column document: is not valid UTF-8" in messages
    assert "schedules.csv row 2, column id: 'not-a-uuid' is not a UUID" in messages


def test_missing_files_and_not_a_zip():
    tables = partner_tables()
    del tables["organizations"]
    assert "organizations.csv: file is missing" in problems_of(as_zip(package_files(tables)))
    assert problems_of(b"name,phone\nx,1\n") == ["(upload): not a zip file"]


def test_remote_resource_paths_are_refused():
    files = package_files(partner_tables())
    files["datapackage.json"] = json.dumps(
        {"resources": [{"name": "service", "path": "https://evil.example/services.csv"}]}
    ).encode()
    assert any("only local files" in m for m in problems_of(as_zip(files)))


def test_twenty_thousand_services_parse_in_linear_time():
    def build(n):
        tables = partner_tables()
        tables["services"] += [
            {"id": f"55555555-5555-4555-8555-{i:012d}", "organization_id": ORG, "name": f"S{i}",
             "status": "active"}
            for i in range(n)
        ]  # fmt: skip
        return as_zip(package_files(tables))

    timings = []
    for n in (1000, 4000):
        source = build(n)
        start = time.perf_counter()
        assert len(hsds.parse_package(source).services) == n + 2
        timings.append(time.perf_counter() - start)
    # Four times the rows must not take much more than four times as long (no n^2 joins).
    assert timings[1] < 8 * timings[0] + 0.5


@pytest.mark.skipif(
    not os.environ.get("HSDS_OFFICIAL_EXAMPLE"),
    reason="set HSDS_OFFICIAL_EXAMPLE to a copy of the spec's examples/csv folder "
    "(the project does not redistribute it)",
)
@pytest.mark.parametrize("form", ["folder", "zip"])
def test_official_example_imports_as_published(form):
    """The Open Referral specification's examples/csv folder, exactly as published."""
    folder = Path(os.environ["HSDS_OFFICIAL_EXAMPLE"])
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.*")}
    package = hsds.parse_package(folder if form == "folder" else as_zip(files))
    assert package.had_descriptor
    (service,) = package.services
    assert service["languages"] == ["ur"] and service["address"] == ""
    assert service["organization"] == "Example Organization Inc."
    assert package.tables["addresses"][0]["address_type"] == "postal"
    exported = hsds.export_files(package.services, package.tables)
    again = hsds.parse_package(as_zip(exported))
    assert again.services == package.services and again.tables == package.tables
    # Every table the product does not hold is named in the summary, never dropped silently.
    assert any(line.endswith("funding rows") for line in package.ignored_lines())
