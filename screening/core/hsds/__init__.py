"""Open Referral HSDS 3.x (3.0 and 3.1) import and export of the resource directory.

Import reads a folder or zip (datapackage.json resource paths when present, else the
official file names), refuses the whole package with every problem listed by file, row and
column, and returns a Package: the HSDS rows held (partner ids kept) and flat directory
records. Export writes the official file names, a datapackage.json and formula-safe cells.
The product's own fields travel as HSDS attributes (see `extras`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .exporting import descriptor
from .exporting import export_files
from .exporting import export_folder
from .exporting import export_tables
from .exporting import export_zip
from .exporting import to_csv
from .importing import Package
from .importing import parse_package
from .reading import ImportProblems
from .reading import Problem

__all__ = [
    "IdDiff",
    "ImportProblems",
    "Package",
    "Problem",
    "descriptor",
    "diff_ids",
    "export_files",
    "export_folder",
    "export_tables",
    "export_zip",
    "import_directory",
    "parse_package",
    "summary",
    "to_csv",
]


@dataclass(frozen=True)
class IdDiff:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    retired: tuple[str, ...]


def diff_ids(existing: Iterable[str], incoming: Iterable[str]) -> IdDiff:
    """Which external ids an import adds, updates, and retires (held before, absent now)."""
    before = set(existing)
    now = list(dict.fromkeys(incoming))
    seen = set(now)
    return IdDiff(
        tuple(i for i in now if i not in before),
        tuple(i for i in now if i in before),
        tuple(sorted(before - seen)),
    )


def summary(existing: Mapping[str, Iterable[str]], package: Package) -> dict[str, dict[str, int]]:
    """Per table: added, updated, retired (against the ids held from earlier imports), ignored."""
    out: dict[str, dict[str, int]] = {}
    for table, rows in package.tables.items():
        diff = diff_ids(existing.get(table, ()), (r["id"] for r in rows))
        counts = {"added": len(diff.added), "updated": len(diff.updated)}
        counts["retired"] = len(diff.retired)
        if any(counts.values()):
            out[table] = counts
    for what, n in package.ignored.items():
        table = what.split(" ")[0].split(".")[0]
        out.setdefault(table, {"added": 0, "updated": 0, "retired": 0})
        out[table]["ignored"] = out[table].get("ignored", 0) + n
    return out


def import_directory(source: Path | bytes) -> list[dict]:
    """Directory records only (the earlier API); use parse_package to keep the HSDS rows too."""
    return parse_package(source).services
