"""Open Referral HSDS 3.x tabular import and export of the resource directory.

A directory record is a dict with the `services` table's columns (languages and domains as
lists). Export writes one CSV per HSDS table; import reads a folder or a zip of them and
returns records, or raises ImportProblems listing every problem by file, row and column.
Referral category, domains and the sensitive/placeholder flags travel as `attribute` rows
pointing at `taxonomy_term` rows of this product's own taxonomy; Spanish descriptions travel
as attribute values, since HSDS has no per-language text fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .identifiers import DOMAINS
from .identifiers import REFERRAL_CATEGORIES as CATEGORIES

TAXONOMY = "nicu-screening"
NAMESPACE = uuid.UUID("5b0e7c52-0f0c-4b57-9d7e-2f4a3f1c9a10")
SPANISH_DESCRIPTION = "translation:description:es"
FLAGS = ("sensitive", "placeholder")
MAX_UNZIPPED = 50 * 1024 * 1024
ISO_639_1 = re.compile(r"^[a-z]{2}$")

# Columns written per table, in order; a subset of the HSDS 3.0 fields.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name", "description", "website", "email"),
    "service": (
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "eligibility_description",
        "assured_date",
        "last_modified",
    ),
    "location": ("id", "location_type", "organization_id", "name"),
    "address": (
        "id",
        "location_id",
        "attention",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "service_at_location": ("id", "service_id", "location_id", "description"),
    "phone": ("id", "service_id", "number", "extension", "type", "description"),
    "schedule": ("id", "service_id", "description"),
    "service_area": ("id", "service_id", "name", "description"),
    "required_document": ("id", "service_id", "document", "uri"),
    "language": ("id", "service_id", "name", "code", "note"),
    "taxonomy_term": ("id", "code", "name", "description", "parent_id", "taxonomy", "language"),
    "attribute": (
        "id",
        "link_id",
        "taxonomy_term_id",
        "link_type",
        "link_entity",
        "value",
        "label",
    ),
}
# Columns an imported file must have (beyond these, HSDS fields we do not use are ignored).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "organization": ("id", "name"),
    "service": ("id", "name", "status"),
    "location": ("id",),
    "address": ("id", "location_id"),
    "service_at_location": ("id", "service_id", "location_id"),
    "phone": ("id", "number"),
    "schedule": ("id",),
    "service_area": ("id",),
    "required_document": ("id",),
    "language": ("id",),
    "taxonomy_term": ("id", "name"),
    "attribute": ("id", "link_id", "taxonomy_term_id"),
}
REQUIRED_FILES = ("organization", "service")
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import, located by file, row (header = row 1) and column."""

    file: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}.csv"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportProblems(ValueError):
    """An import rejected as a whole; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the HSDS import")


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _term_rows() -> list[dict]:
    rows = []
    for domain in DOMAINS:
        rows.append(("domain:" + domain, domain.replace("_", " "), "Need domain served"))
    for category in CATEGORIES:
        rows.append(("category:" + category, category.replace("_", " "), "Referral category"))
    rows.append(("flag:sensitive", "sensitive", "Never printed on a family letter"))
    rows.append(("flag:placeholder", "placeholder", "The site fills in its own details"))
    rows.append((SPANISH_DESCRIPTION, "Spanish description", "Description in Spanish"))
    return [
        {
            "id": _uid("term", code),
            "code": code,
            "name": name,
            "description": description,
            "parent_id": "",
            "taxonomy": TAXONOMY,
            "language": "en",
        }
        for code, name, description in rows
    ]


def export_tables(services: list[dict]) -> dict[str, list[dict]]:
    """HSDS tables (name -> rows) describing the given directory records."""
    tables: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    terms = _term_rows()
    tables["taxonomy_term"] = terms
    term_id = {t["code"]: t["id"] for t in terms}
    organizations: dict[str, str] = {}
    for s in sorted(services, key=lambda r: r["id"]):
        sid = s["id"]
        org = s.get("organization") or s["name"]
        if org not in organizations:
            organizations[org] = _uid("organization", org)
            tables["organization"].append(
                {"id": organizations[org], "name": org, "description": org}
            )
        tables["service"].append(
            {
                "id": sid,
                "organization_id": organizations[org],
                "name": s["name"],
                "description": s.get("description_en", ""),
                "url": s.get("website", ""),
                "status": "active" if s.get("active", 1) else "inactive",
                "eligibility_description": s.get("eligibility", ""),
                "assured_date": s.get("last_verified") or "",
                "last_modified": s.get("updated_at") or "",
            }
        )
        if any(s.get(k) for k in ("address", "city", "state", "postal_code")):
            location = _uid("location", sid)
            tables["location"].append(
                {
                    "id": location,
                    "location_type": "physical",
                    "organization_id": organizations[org],
                    "name": s["name"],
                }
            )
            tables["address"].append(
                {
                    "id": _uid("address", sid),
                    "location_id": location,
                    "address_1": s.get("address", ""),
                    "city": s.get("city", ""),
                    "state_province": s.get("state", ""),
                    "postal_code": s.get("postal_code", ""),
                    "country": "US",
                    "address_type": "physical",
                }
            )
            tables["service_at_location"].append(
                {"id": _uid("service_at_location", sid), "service_id": sid, "location_id": location}
            )
        simple = (
            ("phone", "phone", "number", {"type": "voice"}),
            ("schedule", "hours", "description", {}),
            ("service_area", "service_area", "name", {}),
            ("required_document", "what_to_bring", "document", {}),
        )
        for table, key, column, extra in simple:
            if s.get(key):
                tables[table].append(
                    {"id": _uid(table, sid), "service_id": sid, column: s[key], **extra}
                )
        for code in s.get("languages") or []:
            tables["language"].append(
                {
                    "id": _uid("language", sid, code),
                    "service_id": sid,
                    "name": LANGUAGE_NAMES.get(code, code),
                    "code": code,
                }
            )
        attributes = [("category:" + s["category"], "")]
        attributes += [("domain:" + d, "") for d in s.get("domains") or []]
        attributes += [("flag:" + f, "") for f in FLAGS if s.get(f)]
        if s.get("description_es"):
            attributes.append((SPANISH_DESCRIPTION, s["description_es"]))
        for code, value in attributes:
            tables["attribute"].append(
                {
                    "id": _uid("attribute", sid, code),
                    "link_id": sid,
                    "taxonomy_term_id": term_id[code],
                    "link_type": "service",
                    "link_entity": "service",
                    "value": value,
                }
            )
    return tables


def to_csv(table: str, rows: list[dict]) -> str:
    """One table as CSV text with every HSDS column we write."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[table], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS[table]})
    return out.getvalue()


def export_zip(services: list[dict]) -> bytes:
    """A zip holding one CSV per HSDS table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, rows in export_tables(services).items():
            archive.writestr(f"{table}.csv", to_csv(table, rows))
    return buffer.getvalue()


def export_folder(services: list[dict], folder: Path) -> list[Path]:
    """Write one CSV per HSDS table into folder; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, rows in export_tables(services).items():
        path = folder / f"{table}.csv"
        path.write_text(to_csv(table, rows), encoding="utf-8")
        paths.append(path)
    return paths


def read_source(source: Path | bytes) -> dict[str, bytes]:
    """The CSV files (table name -> raw bytes) of a folder, a zip file path or zip bytes."""
    if isinstance(source, Path) and source.is_dir():
        return {p.stem: p.read_bytes() for p in sorted(source.glob("*.csv"))}
    data = source.read_bytes() if isinstance(source, Path) else source
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportProblems([Problem("(upload)", None, "", "not a zip file")]) from exc
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
        if sum(m.file_size for m in members) > MAX_UNZIPPED:
            raise ImportProblems([Problem("(upload)", None, "", "the zip unpacks too large")])
        return {Path(m.filename).stem: archive.read(m) for m in members}


def _parse_csv(table: str, raw: bytes, problems: list[Problem]) -> list[tuple[int, dict]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(table, None, "", "is not UTF-8 text"))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS[table] if c not in header]
    for column in missing:
        problems.append(Problem(table, 1, column, "required column is missing"))
    if missing:
        return []
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            problems.append(Problem(table, number, "", "has more values than the header"))
            continue
        rows.append((number, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def _check_ids(table: str, rows: list[tuple[int, dict]], problems: list[Problem]) -> dict:
    by_id = {}
    for number, row in rows:
        try:
            uuid.UUID(row["id"])
        except ValueError:
            problems.append(Problem(table, number, "id", f"{row['id']!r} is not a UUID"))
            continue
        if row["id"] in by_id:
            problems.append(Problem(table, number, "id", "the same id appears twice"))
            continue
        by_id[row["id"]] = (number, row)
    return by_id


def parse_tables(files: dict[str, bytes]) -> list[dict]:
    """Directory records from HSDS CSV files; raises ImportProblems listing every problem."""
    problems: list[Problem] = []
    for table in REQUIRED_FILES:
        if table not in files:
            problems.append(Problem(table, None, "", "file is missing"))
    parsed = {t: _parse_csv(t, files[t], problems) for t in COLUMNS if t in files}
    ids = {t: _check_ids(t, rows, problems) for t, rows in parsed.items()}
    services = ids.get("service", {})
    organizations = ids.get("organization", {})

    def ref(table: str, number: int, row: dict, column: str, target: str) -> bool:
        value = row.get(column, "")
        if value in ids.get(target, {}):
            return True
        message = "is empty" if not value else f"{value!r} matches no row in {target}.csv"
        problems.append(Problem(table, number, column, message))
        return False

    records: dict[str, dict] = {}
    for sid, (number, row) in services.items():
        if not row["name"]:
            problems.append(Problem("service", number, "name", "is empty"))
        if row["status"] not in STATUSES:
            problems.append(
                Problem("service", number, "status", f"{row['status']!r} is not one of {STATUSES}")
            )
        organization = ""
        if ref("service", number, row, "organization_id", "organization"):
            organization = organizations[row["organization_id"]][1]["name"]
        assured = row.get("assured_date", "")
        if assured:
            try:
                dt.date.fromisoformat(assured)
            except ValueError:
                problems.append(
                    Problem("service", number, "assured_date", f"{assured!r} is not YYYY-MM-DD")
                )
        records[sid] = {
            "id": sid,
            "name": row["name"],
            "organization": organization,
            "description_en": row.get("description", ""),
            "description_es": "",
            "phone": "",
            "website": row.get("url", ""),
            "address": "",
            "city": "",
            "state": "",
            "postal_code": "",
            "languages": [],
            "eligibility": row.get("eligibility_description", ""),
            "hours": "",
            "service_area": "",
            "what_to_bring": "",
            "domains": [],
            "category": None,
            "sensitive": 0,
            "placeholder": 0,
            "last_verified": assured or None,
            "active": 1 if row["status"] == "active" else 0,
        }
    for number, row in organizations.values():
        if not row["name"]:
            problems.append(Problem("organization", number, "name", "is empty"))

    addresses = {}
    for number, row in ids.get("address", {}).values():
        if ref("address", number, row, "location_id", "location"):
            addresses.setdefault(row["location_id"], row)
    for number, row in ids.get("service_at_location", {}).values():
        ok = ref("service_at_location", number, row, "service_id", "service")
        ok = ref("service_at_location", number, row, "location_id", "location") and ok
        address = addresses.get(row["location_id"])
        if ok and address and not records[row["service_id"]]["address"]:
            records[row["service_id"]].update(
                address=address.get("address_1", ""),
                city=address.get("city", ""),
                state=address.get("state_province", ""),
                postal_code=address.get("postal_code", ""),
            )

    joined = defaultdict(list)
    simple = (
        ("phone", "number", "phone"),
        ("schedule", "description", "hours"),
        ("service_area", "name", "service_area"),
        ("required_document", "document", "what_to_bring"),
    )
    for table, column, key in simple:
        for number, row in ids.get(table, {}).values():
            if table != "phone" or row.get("service_id"):
                if ref(table, number, row, "service_id", "service") and row.get(column):
                    joined[(row["service_id"], key)].append(row[column])
            if table == "phone" and not row["number"]:
                problems.append(Problem(table, number, "number", "is empty"))
    for (sid, key), values in joined.items():
        records[sid][key] = "; ".join(values)

    for number, row in ids.get("language", {}).values():
        code = row.get("code", "")
        if not ISO_639_1.match(code):
            problems.append(
                Problem("language", number, "code", f"{code!r} is not an ISO 639-1 code")
            )
        elif ref("language", number, row, "service_id", "service"):
            if code not in records[row["service_id"]]["languages"]:
                records[row["service_id"]]["languages"].append(code)

    terms = {}
    for number, row in ids.get("taxonomy_term", {}).values():
        code = row.get("code", "")
        if row.get("taxonomy") != TAXONOMY:
            continue  # other taxonomies (Open Eligibility, AIRS) are not ours to interpret
        kind, _, value = code.partition(":")
        known = (
            code == SPANISH_DESCRIPTION
            or (kind == "domain" and value in DOMAINS)
            or (kind == "category" and value in CATEGORIES)
            or (kind == "flag" and value in FLAGS)
        )
        if not known:
            problems.append(Problem("taxonomy_term", number, "code", f"unknown code {code!r}"))
            continue
        terms[row["id"]] = code
    for number, row in ids.get("attribute", {}).values():
        if not ref("attribute", number, row, "taxonomy_term_id", "taxonomy_term"):
            continue
        code = terms.get(row["taxonomy_term_id"])
        if code is None:
            continue
        if not ref("attribute", number, row, "link_id", "service"):
            continue
        record = records[row["link_id"]]
        kind, _, value = code.partition(":")
        if code == SPANISH_DESCRIPTION:
            record["description_es"] = row.get("value", "")
        elif kind == "domain" and value not in record["domains"]:
            record["domains"].append(value)
        elif kind == "flag":
            record[value] = 1
        elif kind == "category":
            if record["category"] not in (None, value):
                problems.append(
                    Problem("attribute", number, "taxonomy_term_id", "a second referral category")
                )
            record["category"] = value
    for record in records.values():
        # Services from other directories carry no category of ours: community is the safe default.
        record["category"] = record["category"] or "community"
        if not record["languages"]:
            record["languages"] = ["en"]
    if problems:
        raise ImportProblems(sorted(problems, key=lambda p: (p.file, p.row or 0, p.column)))
    return sorted(records.values(), key=lambda r: r["id"])


def import_directory(source: Path | bytes) -> list[dict]:
    """Directory records from a folder or zip of HSDS CSVs; raises ImportProblems."""
    return parse_tables(read_source(source))
