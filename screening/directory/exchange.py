"""HSDS 3.x exchange of the directory: import a partner's package, export the unit's own.

An import is all or nothing and runs in one write transaction: the services are added or
updated by the partner's ids, every HSDS row the package holds replaces the rows held from
the previous import (so an export gives them back unchanged), and services an earlier
import brought that the package no longer lists are retired. The unit's own services are
never retired by an import. Only counts go into the audit trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from screening.core import hsds
from screening.directory.store import all_services
from screening.directory.store import save_records
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import write

# The product's own fields: a package that does not describe them (a 211 feed) must not
# blank what the unit set on a service it already has.
OWN_FIELDS = (
    "category",
    "domains",
    "sensitive",
    "placeholder",
    "tags",
    "priorities",
    "name_es",
    "description_es",
    "hours_es",
    "eligibility_es",
    "what_to_bring_es",
)


@dataclass(frozen=True)
class ImportResult:
    """What an import changed: services added/updated/retired and counts per HSDS table."""

    added: int
    updated: int
    retired: int
    tables: dict[str, dict[str, int]]
    ignored: list[str]

    @property
    def services(self) -> int:
        return self.added + self.updated

    def lines(self) -> list[str]:
        """The summary as plain lines (CLI output; the page shows the same numbers)."""
        out = [
            f"imported {self.services} services: {self.added} new, {self.updated} updated, "
            f"{self.retired} retired"
        ]
        for table, counts in sorted(self.tables.items()):
            parts = [f"{n} {what}" for what, n in counts.items() if n]
            if parts and table != "services":
                out.append(f"{table}: {', '.join(parts)}")
        return out + self.ignored


def held_tables(db: Database) -> dict[str, list[dict]]:
    """The HSDS rows held from the last import, by table, in their file order."""
    out: dict[str, list[dict]] = {}
    sql = "SELECT table_name, data FROM hsds_rows ORDER BY table_name, position"
    for table, data in db.execute(sql):
        out.setdefault(table, []).append(json.loads(data))
    return out


def _held_ids(db: Database) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, row_id in db.execute("SELECT table_name, id FROM hsds_rows"):
        out.setdefault(table, []).append(row_id)
    return out


def _records(db: Database, package: hsds.Package) -> list[dict]:
    present = {r[0] for r in db.execute("SELECT id FROM services")}
    records = []
    for service in package.services:
        record = {**service, "source": "hsds"}
        if record["id"] in present and record["id"] not in package.described:
            for name in OWN_FIELDS:
                record.pop(name, None)
        records.append(record)
    return records


def _retire_missing(db: Database, package: hsds.Package) -> int:
    """Retire imported services the package no longer lists; never the unit's own."""
    listed = {s["id"] for s in package.services}
    gone = [
        r[0]
        for r in db.execute("SELECT id FROM services WHERE source = 'hsds' AND active = 1")
        if r[0] not in listed
    ]
    stamp = timeutil.iso()
    db.conn.executemany(
        "UPDATE services SET active = 0, updated_at = ?, "
        "status = CASE status WHEN 'active' THEN 'inactive' ELSE status END WHERE id = ?",
        [(stamp, sid) for sid in gone],
    )
    return len(gone)


def _replace_held(db: Database, tables: dict[str, list[dict]]) -> None:
    db.execute("DELETE FROM hsds_rows")
    db.conn.executemany(
        "INSERT INTO hsds_rows (table_name, id, position, data) VALUES (?, ?, ?, ?)",
        (
            (table, row["id"], n, json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            for table, rows in tables.items()
            for n, row in enumerate(rows)
        ),
    )


def import_package(db: Database, source: Path | bytes, *, user: dict | None = None) -> ImportResult:
    """Import an HSDS package (folder, zip path or zip bytes); raises hsds.ImportProblems."""
    # Parsing is pure and may take seconds: it happens before the write lock is taken.
    try:
        package = hsds.parse_package(source)
    except hsds.ImportProblems as exc:
        detail = f"problems={len(exc.problems)}"
        audit.record("directory_import", "service", "", "refused", detail, user=user, db=db)
        raise
    with write(db):
        tables = hsds.summary(_held_ids(db), package)
        added, updated = save_records(db, _records(db, package))
        retired = _retire_missing(db, package)
        _replace_held(db, package.tables)
        tables["services"] = {
            **tables.get("services", {}),
            "added": added,
            "updated": updated,
            "retired": retired,
        }
        result = ImportResult(added, updated, retired, tables, package.ignored_lines())
        detail = f"added={added} updated={updated} retired={retired}"
        audit.record("directory_import", "service", "", detail=detail, user=user, db=db)
    return result


def export_zip(db: Database, *, user: dict | None = None) -> bytes:
    """The whole directory as an HSDS 3.x zip (held rows under the partner's ids); audited."""
    data = hsds.export_zip(all_services(db), held_tables(db))
    audit.record("directory_export", "service", "", user=user, db=db)
    return data


def export_folder(db: Database, folder: Path, *, user: dict | None = None) -> list[Path]:
    """The whole directory as HSDS 3.x files in a folder; audited."""
    paths = hsds.export_folder(all_services(db), folder, held_tables(db))
    audit.record("directory_export", "service", "", user=user, db=db)
    return paths
