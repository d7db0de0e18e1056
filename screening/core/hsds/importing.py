"""HSDS package -> held HSDS rows + the directory's flat service records (all or nothing)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import screening.core.hsds.extras as extras
import screening.core.hsds.spec as spec
import screening.core.hsds.text as text

from ..identifiers import DOMAINS
from .checks import cell_problem
from .reading import ImportProblems
from .reading import Problem
from .reading import Row
from .reading import parse_csv
from .reading import read_source


@dataclass
class Package:
    """What an import holds.

    tables: HSDS rows by file stem (partner ids kept), with only the columns held; the
    product's own attributes are folded into `services` instead. services: flat directory
    records (the `services` table's columns plus organization_id, status, email and the
    Spanish fields). ignored: what was read but not held, e.g. {"funding rows": 3}.
    described: ids of the services that carried this product's own attributes (category,
    needs, flags, tags, priorities, Spanish text); the others come from a directory that
    knows nothing of them, so an update must keep what the unit set.
    """

    tables: dict[str, list[Row]]
    services: list[dict]
    ignored: dict[str, int] = field(default_factory=dict)
    had_descriptor: bool = False
    described: frozenset[str] = frozenset()

    def ignored_lines(self) -> list[str]:
        return [f"ignored: {n} {what}" for what, n in sorted(self.ignored.items())]


def _count_rows(raw: bytes) -> int:
    text_ = raw.decode("utf-8", errors="replace")
    return max(sum(1 for r in csv.reader(io.StringIO(text_, newline="")) if any(r)) - 1, 0)


def _read_tables(
    files: dict[str, tuple[str, bytes]], problems: list[Problem], ignored: dict[str, int]
) -> dict[str, list[tuple[int, Row]]]:
    parsed: dict[str, list[tuple[int, Row]]] = {}
    for stem, (name, raw) in files.items():
        table = spec.BY_STEM.get(stem)
        if table is None:
            ignored[f"{stem} rows"] += _count_rows(raw)
            continue
        header, rows = parse_csv(name, raw, problems)
        if rows and "id" not in header:
            problems.append(Problem(name, 1, "id", "required column is missing"))
            continue
        held = {c.name for c in table.columns}
        for column in header:
            if column not in held:
                used = sum(1 for r in rows if r.get(column))
                if used:
                    ignored[f"{stem}.{column} values"] += used
        parsed[stem] = [
            (n, {c.name: row.get(c.name, "") for c in table.columns})
            for n, row in enumerate(rows, start=2)
        ]
    for stem in spec.REQUIRED_FILES:
        if stem not in parsed:
            problems.append(Problem(f"{stem}.csv", None, "", "file is missing"))
    return parsed


def _hold(
    parsed: dict[str, list[tuple[int, Row]]], problems: list[Problem], ignored: dict[str, int]
) -> dict[str, list[tuple[int, Row]]]:
    """Rows kept per table after id, type and link checks, in dependency order."""
    all_ids = {stem: {r["id"] for _, r in rows} for stem, rows in parsed.items()}
    kept_ids: dict[str, set[str]] = {}
    kept: dict[str, list[tuple[int, Row]]] = {}
    for table in spec.TABLES:
        name = table.file
        seen: set[str] = set()
        out = []
        for number, row in parsed.get(table.stem, []):
            for column, value in row.items():
                message = cell_problem(table, column, value)
                if message:
                    problems.append(Problem(name, number, column, message))
            if not row["id"]:
                problems.append(Problem(name, number, "id", "is empty"))
                continue
            if row["id"] in seen:
                problems.append(Problem(name, number, "id", "the same id appears twice"))
                continue
            seen.add(row["id"])
            for col in table.columns:
                value = row[col.name]
                if not col.ref or not value:
                    continue
                pool = all_ids.get(col.ref, set()) if col.ref == table.stem else None
                if value in (pool if pool is not None else kept_ids.get(col.ref, set())):
                    continue
                if col.name in table.required_refs:
                    problems.append(
                        Problem(
                            name, number, col.name, f"{value!r} matches no row in {col.ref}.csv"
                        )
                    )
                else:
                    row[col.name] = ""
                    ignored[f"{table.stem}.{col.name} links to no held row"] += 1
            for col_name in table.required_refs:
                if not row[col_name]:
                    problems.append(Problem(name, number, col_name, "is empty"))
            if table.owner_refs and not any(row[c] for c in table.owner_refs):
                ignored[f"{table.stem} rows linked to nothing held"] += 1
                continue
            # A row with problems still counts as present, so its children are checked too
            # (the package is refused anyway, and the list of problems is then complete).
            out.append((number, row))
        kept[table.stem] = out
        kept_ids[table.stem] = {r["id"] for _, r in out}
    return kept


def _row_rules(kept: dict[str, list[tuple[int, Row]]], problems: list[Problem]) -> None:
    for stem, column in (("organizations", "name"), ("services", "name"), ("phones", "number")):
        for number, row in kept.get(stem, []):
            if not row[column]:
                problems.append(Problem(f"{stem}.csv", number, column, "is empty"))
    for number, row in kept.get("services", []):
        if not row["status"]:
            problems.append(Problem("services.csv", number, "status", "is empty"))
    for number, row in kept.get("languages", []):
        if not row["code"] and not row["name"]:
            problems.append(Problem("languages.csv", number, "", "needs a name or a code"))


def _flat(tables: dict[str, list[Row]]) -> dict[str, dict]:
    """Directory records, one per service, from the held rows."""
    orgs = {r["id"]: r for r in tables["organizations"]}
    by = defaultdict(list)
    for stem in ("phones", "schedules", "languages", "service_areas", "required_documents"):
        for row in tables[stem]:
            if row.get("service_id"):
                by[(stem, row["service_id"])].append(row)
    physical = {}
    for row in tables["addresses"]:
        if row["address_type"] in ("physical", "") and row["location_id"] not in physical:
            physical[row["location_id"]] = row
    street: dict[str, Row] = {}
    for row in tables["service_at_location"]:
        if row["location_id"] in physical and row["service_id"] not in street:
            street[row["service_id"]] = physical[row["location_id"]]
    records: dict[str, dict] = {}
    for s in tables["services"]:
        sid = s["id"]
        address = street.get(sid, {})
        records[sid] = {
            "id": sid,
            "name": s["name"],
            "organization": orgs[s["organization_id"]]["name"],
            "organization_id": s["organization_id"],
            "description_en": s["description"],
            "phone": text.phones(by[("phones", sid)]),
            "website": s["url"],
            "email": s["email"],
            "address": text.street(address),
            "city": address.get("city", ""),
            "state": address.get("state_province", ""),
            "postal_code": address.get("postal_code", ""),
            "languages": text.languages(by[("languages", sid)]),
            "eligibility": s["eligibility_description"],
            "hours": text.schedules(by[("schedules", sid)]),
            "service_area": text.joined(by[("service_areas", sid)], "name", "description"),
            "what_to_bring": text.joined(by[("required_documents", sid)], "document"),
            "domains": [],
            "category": None,
            "sensitive": 0,
            "placeholder": 0,
            "last_verified": s["assured_date"] or None,
            "active": 1 if s["status"] == "active" else 0,
            "status": s["status"],
            "tags": [],
            "priorities": {},
            **{f: "" for f in extras.SPANISH},
        }
    return records


def _own_attributes(
    kept: dict[str, list[tuple[int, Row]]], records: dict[str, dict], problems: list[Problem]
) -> frozenset[str]:
    """Fold the product's own attributes into the records; drop them and their terms.

    Returns the ids of the services that carried any of them.
    """
    ours = {}
    for number, row in kept["taxonomy_terms"]:
        if row["taxonomy"] == extras.TAXONOMY:
            if row["code"] not in extras.CODES:
                problems.append(
                    Problem("taxonomy_terms.csv", number, "code", f"unknown code {row['code']!r}")
                )
            ours[row["id"]] = row["code"]
    foreign = []
    described = set()
    for number, row in kept["attributes"]:
        code = ours.get(row["taxonomy_term_id"])
        if code is None:
            foreign.append((number, row))
        elif row["link_id"] in records and code in extras.CODES:
            described.add(row["link_id"])
            message = extras.apply(records[row["link_id"]], code, row["value"])
            if message:
                problems.append(Problem("attributes.csv", number, "taxonomy_term_id", message))
    kept["attributes"] = foreign
    kept["taxonomy_terms"] = [(n, r) for n, r in kept["taxonomy_terms"] if r["id"] not in ours]
    return frozenset(described)


def parse_package(source: Path | bytes) -> Package:
    """Read and check a whole HSDS 3.0/3.1 package; raises ImportProblems listing every problem."""
    src = read_source(source)
    problems: list[Problem] = []
    ignored: dict[str, int] = defaultdict(int)
    kept = _hold(_read_tables(src.files, problems, ignored), problems, ignored)
    _row_rules(kept, problems)
    # Foreign attributes must point at a held row of any table (link_entity is free text).
    held_ids = {r["id"] for stem, rows in kept.items() for _, r in rows if stem != "attributes"}
    linked = []
    for number, row in kept["attributes"]:
        if row["link_id"] in held_ids:
            linked.append((number, row))
        else:
            ignored["attributes rows linked to nothing held"] += 1
    kept["attributes"] = linked
    if problems:
        raise ImportProblems(problems)
    records = _flat({stem: [r for _, r in rows] for stem, rows in kept.items()})
    described = _own_attributes(kept, records, problems)
    for record in records.values():
        # Services from other directories carry no category of ours: community is the safe default.
        record["category"] = record["category"] or "community"
        # Attribute rows have no order; the fixed domain order makes re-imports identical.
        record["domains"].sort(key=DOMAINS.index)
    if problems:
        raise ImportProblems(problems)
    tables = {stem: [r for _, r in rows] for stem, rows in kept.items()}
    services = sorted(records.values(), key=lambda r: r["id"])
    return Package(tables, services, dict(ignored), src.had_descriptor, described)
