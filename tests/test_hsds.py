"""HSDS 3.x tabular export and import of the resource directory."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import yaml

from screening.core import hsds
from screening.directory.store import STARTER

FIELDS = (
    "id",
    "name",
    "organization",
    "description_en",
    "description_es",
    "phone",
    "website",
    "address",
    "city",
    "state",
    "postal_code",
    "languages",
    "eligibility",
    "hours",
    "service_area",
    "what_to_bring",
    "domains",
    "category",
    "sensitive",
    "placeholder",
    "last_verified",
    "active",
)


def normal(record):
    out = {k: record.get(k) for k in FIELDS}
    for key in ("sensitive", "placeholder"):
        out[key] = int(bool(out[key]))
    out["active"] = 0 if out["active"] in (0, False) else 1
    for key in FIELDS:
        if out[key] is None and key not in ("last_verified",):
            out[key] = ""
    out["languages"] = list(out["languages"] or [])
    out["domains"] = list(out["domains"] or [])
    return out


def starter_records():
    records = yaml.safe_load(STARTER.read_text(encoding="utf-8"))["services"]
    # Give one entry an address, a verified date and retire another, so every mapping is used.
    records[5] |= {
        "address": '1 Main St, Suite <2> & "B"',
        "city": "Álamo",
        "state": "TX",
        "postal_code": "78516",
        "last_verified": "2026-05-04",
    }
    records[9] |= {"active": 0}
    return records


def tables_of(zip_bytes):
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {
            name[:-4]: list(csv.DictReader(io.StringIO(archive.read(name).decode())))
            for name in archive.namelist()
        }


def zip_of(tables):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, rows in tables.items():
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else hsds.COLUMNS[name])
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"{name}.csv", out.getvalue())
    return buffer.getvalue()


def test_export_then_import_gives_the_same_directory():
    records = starter_records()
    back = hsds.import_directory(hsds.export_zip(records))
    assert sorted(map(normal, records), key=lambda r: r["id"]) == [normal(r) for r in back]


def test_folder_round_trip(tmp_path):
    records = starter_records()
    written = hsds.export_folder(records, tmp_path / "out")
    assert {p.name for p in written} >= {"service.csv", "organization.csv", "attribute.csv"}
    back = hsds.import_directory(tmp_path / "out")
    assert len(back) == len(records)
    dv = next(r for r in back if r["name"] == "National Domestic Violence Hotline")
    assert dv["sensitive"] == 1 and dv["domains"] == ["interpersonal_safety"]


def test_export_uses_hsds_tables_and_uuids():
    tables = tables_of(hsds.export_zip(starter_records()))
    assert {
        "organization",
        "service",
        "location",
        "service_at_location",
        "phone",
        "address",
    } <= set(tables)
    assert {"language", "attribute", "taxonomy_term"} <= set(tables)
    assert {r["status"] for r in tables["service"]} == {"active", "inactive"}
    org_ids = {r["id"] for r in tables["organization"]}
    assert all(r["organization_id"] in org_ids for r in tables["service"])
    terms = {r["id"]: r["code"] for r in tables["taxonomy_term"]}
    codes = {terms[a["taxonomy_term_id"]] for a in tables["attribute"]}
    assert {"domain:food", "category:mental_health", "flag:sensitive"} <= codes
    assert {r["code"] for r in tables["language"]} == {"en", "es"}


def test_bad_import_lists_every_problem_by_file_row_and_column():
    tables = tables_of(hsds.export_zip(starter_records()))
    tables["service"][0]["id"] = "not-a-uuid"
    tables["service"][1]["status"] = "open"
    tables["service"][2]["organization_id"] = "7e0c3b4e-8a43-4bd7-9d86-000000000000"
    tables["service"][3]["assured_date"] = "04/05/2026"
    tables["language"][0]["code"] = "english"
    tables["taxonomy_term"][0]["code"] = "domain:pizza"
    with pytest.raises(hsds.ImportProblems) as caught:
        hsds.import_directory(zip_of(tables))
    messages = [str(p) for p in caught.value.problems]
    assert "service.csv row 2, column id: 'not-a-uuid' is not a UUID" in messages
    assert any(m.startswith("service.csv row 3, column status: 'open'") for m in messages)
    assert any(
        m.startswith("service.csv row 4, column organization_id:") and "organization.csv" in m
        for m in messages
    )
    assert any(m.startswith("service.csv row 5, column assured_date:") for m in messages)
    assert any(m.startswith("language.csv row 2, column code: 'english'") for m in messages)
    assert any(m.startswith("taxonomy_term.csv row 2, column code:") for m in messages)


def test_missing_files_and_columns_are_reported():
    tables = tables_of(hsds.export_zip(starter_records()))
    del tables["organization"]
    for row in tables["phone"]:
        del row["number"]
    with pytest.raises(hsds.ImportProblems) as caught:
        hsds.import_directory(zip_of(tables))
    messages = [str(p) for p in caught.value.problems]
    assert "organization.csv: file is missing" in messages
    assert "phone.csv row 1, column number: required column is missing" in messages


def test_not_a_zip_is_one_clear_problem():
    with pytest.raises(hsds.ImportProblems) as caught:
        hsds.import_directory(b"name,phone\nx,1\n")
    assert [str(p) for p in caught.value.problems] == ["(upload).csv: not a zip file"]


def test_foreign_taxonomies_are_ignored_and_default_to_community():
    tables = tables_of(hsds.export_zip(starter_records()[:1]))
    tables["taxonomy_term"] = [
        {
            "id": "0d9b8f0e-5d7e-4f6a-9a55-5b1b1f0e1a11",
            "name": "Food",
            "code": "1102",
            "taxonomy": "open-eligibility",
        }
    ]
    tables["attribute"] = [
        {
            "id": "1d9b8f0e-5d7e-4f6a-9a55-5b1b1f0e1a11",
            "link_id": tables["service"][0]["id"],
            "taxonomy_term_id": "0d9b8f0e-5d7e-4f6a-9a55-5b1b1f0e1a11",
        }
    ]
    (record,) = hsds.import_directory(zip_of(tables))
    assert record["category"] == "community" and record["domains"] == []
