"""Directory records (+ the HSDS rows held from imports) -> an HSDS 3.x tabular package.

Imported rows go out as imported, under the partner's ids. A one-line field a person edited
in the app since the import (phone, hours, address, languages, service area, what to bring)
no longer matches the rendering of its rows, and then the edit wins: the rows of that
service are replaced by one generated from the line. The unit's own entries get stable
uuid5 ids, so exporting twice gives the same package.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import screening.core.hsds.extras as extras
import screening.core.hsds.spec as spec
import screening.core.hsds.text as text

from .. import csv_safe
from .checks import as_number
from .importing import _flat
from .reading import Row

Tables = dict[str, list[Row]]
# One-line directory field -> the HSDS table whose rows it renders.
GENERATED = {
    "phone": "phones",
    "hours": "schedules",
    "service_area": "service_areas",
    "what_to_bring": "required_documents",
    "languages": "languages",
}


def _generated(key: str, sid: str, record: dict) -> list[Row]:
    """Rows standing for a one-line field of the unit's own (or edited) entry."""
    value = record[key]
    if key == "languages":
        return [
            {
                "id": extras.uid("language", sid, c),
                "code": c,
                "name": text.LANGUAGE_NAMES.get(c, ""),
            }
            for c in value
        ]
    stem = GENERATED[key]
    column = {"phone": "number", "hours": "description", "service_area": "name"}.get(key)
    row = {"id": extras.uid(stem[:-1], sid), column or "document": value}
    if key == "phone":
        row["type"] = "voice"
    return [row]


ADDRESS_FIELDS = ("address", "city", "state", "postal_code")


def _status(record: dict) -> str:
    active = record.get("active", 1) not in (0, False)
    status = record.get("status") or "active"
    if (status == "active") != active:
        # Retiring or restoring in the app changes `active` only; it wins over the old status.
        status = "active" if active else "inactive"
    return status


def _organization(record: dict, orgs: dict[str, Row]) -> str:
    held = orgs.get(record.get("organization_id") or "")
    name = record.get("organization") or record["name"]
    if held and held["name"] == name:
        return held["id"]
    oid = extras.uid("organization", name)
    orgs.setdefault(oid, {"id": oid, "name": name})
    return oid


def _address_rows(record: dict, sid: str, oid: str, out: Tables) -> None:
    location = extras.uid("location", sid)
    out["locations"].append(
        {
            "id": location,
            "location_type": "physical",
            "organization_id": oid,
            "name": record["name"],
        }
    )
    out["addresses"].append(
        {
            "id": extras.uid("address", sid),
            "location_id": location,
            "address_1": record.get("address", ""),
            "city": record.get("city", ""),
            "state_province": record.get("state", ""),
            "postal_code": record.get("postal_code", ""),
            "country": "US",
            "address_type": "physical",
        }
    )
    out["service_at_location"].append(
        {"id": extras.uid("service_at_location", sid), "service_id": sid, "location_id": location}
    )


def export_tables(services: list[dict], held: Tables | None = None) -> Tables:
    """HSDS rows (file stem -> rows) for the directory records and the rows held for them."""
    held = {t.stem: [dict(r) for r in (held or {}).get(t.stem, [])] for t in spec.TABLES}
    as_imported = _flat(held) if held["services"] else {}
    held_services = {r["id"]: r for r in held["services"]}
    orgs = {r["id"]: r for r in held["organizations"]}
    out: Tables = {t.stem: [] for t in spec.TABLES}
    replaced: dict[str, set[str]] = {stem: set() for stem in GENERATED.values()}
    street_locations: set[str] = set()
    for record in sorted(services, key=lambda r: r["id"]):
        sid = record["id"]
        oid = _organization(record, orgs)
        before = as_imported.get(sid, {})
        row = dict(held_services.get(sid, {}))
        row.update(
            id=sid,
            organization_id=oid,
            name=record["name"],
            description=record.get("description_en") or "",
            url=record.get("website") or "",
            email=record.get("email") or "",
            status=_status(record),
            eligibility_description=record.get("eligibility") or "",
            assured_date=record.get("last_verified") or "",
        )
        out["services"].append(row)
        for key, stem in GENERATED.items():
            if before and (before.get(key) or []) == (record.get(key) or []):
                continue
            replaced[stem].add(sid)
            if record.get(key):
                out[stem] += [{**r, "service_id": sid} for r in _generated(key, sid, record)]
        same_address = all(before.get(f, "") == (record.get(f) or "") for f in ADDRESS_FIELDS)
        if before and not same_address:
            street_locations.add(sid)
        if (not before or not same_address) and any(record.get(f) for f in ADDRESS_FIELDS):
            _address_rows(record, sid, oid, out)
        for code, value in extras.attributes_of(record):
            out["attributes"].append(
                {
                    "id": extras.attribute_id(sid, code, value),
                    "link_id": sid,
                    "taxonomy_term_id": extras.uid("term", code),
                    "link_type": "service",
                    "link_entity": "service",
                    "value": value,
                }
            )
    out["organizations"] = sorted(orgs.values(), key=lambda r: r["id"])
    out["taxonomy_terms"] = extras.term_rows()
    physical = {
        r["location_id"] for r in held["addresses"] if r["address_type"] in ("physical", "")
    }
    for table in spec.TABLES:
        stem = table.stem
        if stem in ("services", "organizations"):
            continue
        for row in held[stem]:
            if row.get("service_id") in replaced.get(stem, ()):
                continue
            if stem == "service_at_location" and row["service_id"] in street_locations:
                if row["location_id"] in physical:
                    continue  # the street address was edited in the app: its own location now
            out[stem].append(row)
    return _consistent(out)


def _consistent(out: Tables) -> Tables:
    """Drop rows whose service is gone and blank links to rows not exported (keys must hold)."""
    ids: dict[str, set[str]] = {}
    for table in spec.TABLES:
        rows = []
        for row in out[table.stem]:
            for col in table.columns:
                value = row.get(col.name, "")
                target = col.ref
                if value and target and target != table.stem and value not in ids.get(target, ()):
                    row[col.name] = ""
            if any(not row.get(c) for c in table.required_refs):
                continue
            if table.owner_refs and not any(row.get(c) for c in table.owner_refs):
                continue
            rows.append(row)
        out[table.stem] = rows  # file order is kept: language and phone order mean something
        ids[table.stem] = {r["id"] for r in rows}
    every = set().union(*(v for k, v in ids.items() if k != "attributes"))
    out["attributes"] = [r for r in out["attributes"] if r["link_id"] in every]
    return out


def _cell(column: spec.Column, value: str) -> str:
    if column.type == "number" and value:
        return csv_safe.cell(as_number(value))
    return csv_safe.cell(value)


def to_csv(stem: str, rows: list[Row]) -> str:
    """One table as formula-safe CSV text with every HSDS column this product holds."""
    table = spec.BY_STEM[stem]
    header = [c.name for c in table.columns]
    body = ([_cell(c, row.get(c.name) or "") for c in table.columns] for row in rows)
    return csv_safe.dumps([header, *body])


def _resource(stem: str) -> str:
    return spec.BY_STEM[stem].resource


def descriptor() -> dict:
    """datapackage.json: the HSDS resources this product writes, with their table schemas."""
    resources = []
    for table in spec.TABLES:
        fields = []
        for col in table.columns:
            entry: dict = {"name": col.name, "type": col.type}
            if col.format:
                entry["format"] = col.format
            if col.name == "id" or col.name in table.required_refs:
                entry["constraints"] = {"required": True}
            fields.append(entry)
        keys = [
            {
                "fields": c.name,
                "reference": {"resource": spec.BY_STEM[c.ref].resource, "fields": "id"},
            }
            for c in table.columns
            if c.ref and c.ref != table.stem
        ]
        schema: dict = {"fields": fields, "primaryKey": "id"}
        if keys:
            schema["foreignKeys"] = keys
        resources.append(
            {
                "name": table.resource,
                "path": table.file,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": schema,
            }
        )
    return {
        "name": "human_services_data",
        "title": "Human Services Data Specification",
        "profile": "tabular-data-package",
        "version": spec.VERSION,
        "resources": resources,
    }


def export_files(services: list[dict], held: Tables | None = None) -> dict[str, bytes]:
    """File name -> bytes: one CSV per HSDS table and datapackage.json."""
    tables = export_tables(services, held)
    files = {spec.BY_STEM[s].file: to_csv(s, rows).encode("utf-8") for s, rows in tables.items()}
    files["datapackage.json"] = json.dumps(descriptor(), indent=2).encode("utf-8")
    return files


def export_zip(services: list[dict], held: Tables | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in export_files(services, held).items():
            # A fixed date makes the same directory give the same bytes (diffable, cacheable).
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def export_folder(services: list[dict], folder: Path, held: Tables | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in export_files(services, held).items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
