"""HSDS packages for the directory exchange tests: a partner package in the variants HSDS
allows, as CSV files, a folder or a zip, with or without datapackage.json."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from screening.core import hsds

# The Open Referral specification's examples/csv folder as published (see its README).

# The directory fields an HSDS round trip must keep (test_directory_web compares these too).
FIELDS = (
    "id", "name", "organization", "description_en", "description_es", "phone", "website",
    "address", "city", "state", "postal_code", "languages", "eligibility", "hours",
    "service_area", "what_to_bring", "domains", "category", "sensitive", "placeholder",
    "last_verified", "active",
)  # fmt: skip
ORG = "11111111-1111-4111-8111-111111111111"
SVC = "22222222-2222-4222-8222-22222222222{}"
LOC = "33333333-3333-4333-8333-33333333333{}"


def u(n: int) -> str:
    return f"44444444-4444-4444-8444-{n:012d}"


def partner_tables() -> dict[str, list[dict]]:
    """A small partner package using the variants HSDS allows."""
    return {
        "organizations": [
            {"id": ORG, "name": "Valley Family Services", "description": "Helps new parents."}
        ],
        "services": [
            {
                "id": SVC.format(1),
                "organization_id": ORG,
                "name": "Diaper Bank",
                "description": "Free diapers.",
                "email": "help@example.org",
                "status": "temporarily closed",
                "eligibility_description": "Families with a baby under 2",
                "assured_date": "2026-01-15",
            },
            {
                "id": SVC.format(2),
                "organization_id": ORG,
                "name": "Tele-lactation",
                "status": "active",
                "url": "https://example.org/lact",
            },
        ],
        "locations": [
            {"id": LOC.format(1), "location_type": "physical", "name": "Main office"},
            {"id": LOC.format(2), "location_type": "virtual", "url": "https://example.org/video"},
        ],
        "addresses": [
            {
                "id": u(1),
                "location_id": LOC.format(1),
                "address_1": "PO Box 9",
                "city": "Fresno",
                "state_province": "CA",
                "postal_code": "93701",
                "country": "US",
                "address_type": "postal",
            },
            {
                "id": u(2),
                "location_id": LOC.format(1),
                "address_1": "12 Elm St",
                "address_2": "Suite 3",
                "city": "Fresno",
                "state_province": "CA",
                "postal_code": "93702",
                "country": "US",
                "address_type": "physical",
            },
        ],
        "service_at_location": [
            {"id": u(3), "service_id": SVC.format(1), "location_id": LOC.format(1)},
            {"id": u(4), "service_id": SVC.format(2), "location_id": LOC.format(2)},
        ],
        "phones": [
            {"id": u(5), "service_id": SVC.format(1), "number": "559-555-0100", "extension": "42"}
        ],
        "languages": [
            {"id": u(6), "service_id": SVC.format(1), "name": "Hmong", "code": "hmn"},
            {"id": u(7), "service_id": SVC.format(1), "name": "Urdu", "code": ""},
            {"id": u(8), "service_id": SVC.format(1), "name": "Spanish", "code": "spa"},
        ],
        "schedules": [
            {
                "id": u(9),
                "service_id": SVC.format(1),
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": "09:00:00",
                "closes_at": "17:00:00",
            }
        ],
        "required_documents": [{"id": u(10), "service_id": SVC.format(1), "document": "Photo ID"}],
        "service_capacity": [
            {"id": u(11), "service_id": SVC.format(1), "available": "12", "maximum": "40"}
        ],
        "funding": [{"id": u(12), "service_id": SVC.format(1), "source": "County"}] * 3,
    }


def csv_bytes(rows: list[dict], *, bom: bool = False, crlf: bool = False) -> bytes:
    header = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n" if crlf else "\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def package_files(tables, *, descriptor=False, bom=False, crlf=False, prefix=""):
    files = {
        f"{prefix}{name}.csv": csv_bytes(rows, bom=bom, crlf=crlf) for name, rows in tables.items()
    }
    if descriptor:
        # Resource paths that are not the default names prove the paths are read, not guessed.
        resources = [{"name": n.rstrip("s"), "path": f"data/{n}.csv"} for n in tables]
        files = {
            f"{prefix}data/{n}.csv": csv_bytes(r, bom=bom, crlf=crlf) for n, r in tables.items()
        }
        files[f"{prefix}datapackage.json"] = json.dumps({"resources": resources}).encode()
    return files


def as_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def as_folder(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def unzip(data: bytes) -> dict[str, list[dict]]:
    """A zip's CSV files as rows by file stem (datapackage.json left out)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            n[:-4]: list(csv.DictReader(io.StringIO(archive.read(n).decode("utf-8-sig"))))
            for n in archive.namelist()
            if n.endswith(".csv")
        }


def rezip(tables: dict[str, list[dict]], *, descriptor: bool = True) -> bytes:
    """Tables back into an HSDS zip, with the product's datapackage.json."""
    files = {f"{name}.csv": hsds.to_csv(name, rows).encode() for name, rows in tables.items()}
    if descriptor:
        files["datapackage.json"] = json.dumps(hsds.descriptor()).encode()
    return as_zip(files)


# The Open Referral specification's examples/csv folder, when a copy is at hand: the project
# does not redistribute it (CC BY-SA), so tests that read it skip without it.
OFFICIAL = (
    Path(os.environ["HSDS_OFFICIAL_EXAMPLE"]) if os.environ.get("HSDS_OFFICIAL_EXAMPLE") else None
)
needs_official = pytest.mark.skipif(
    OFFICIAL is None, reason="set HSDS_OFFICIAL_EXAMPLE to the spec's examples/csv folder"
)
