"""Reading an HSDS package (folder, zip path or zip bytes) into checked rows of text.

Everything wrong is collected as a Problem (file, row, column) so the caller can refuse the
whole package at once. Limits keep a hostile or broken upload from filling memory or the
directory pages: per package, per file and per field.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

import screening.core.hsds.spec as spec

from ..csv_safe import DANGEROUS_FIRST

MAX_PACKAGE_BYTES = 200 * 1024 * 1024
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DESCRIPTOR_BYTES = 1024 * 1024
UPLOAD = "(upload)"

Row = dict[str, str]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import, located by file, row (header = row 1) and column."""

    file: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportProblems(ValueError):
    """An import rejected as a whole; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.column, p.message))
        super().__init__(f"{len(problems)} problem(s) in the HSDS import")


def _zip_members(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ImportProblems([Problem(UPLOAD, None, "", "not a zip file")]) from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        wanted = [m for m in members if m.filename.lower().endswith((".csv", ".json"))]
        # Declared sizes first (cheap), then the real ones: a zip can lie about its sizes.
        if sum(m.file_size for m in wanted) > MAX_PACKAGE_BYTES:
            raise ImportProblems([Problem(UPLOAD, None, "", "the zip unpacks too large")])
        out: dict[str, bytes] = {}
        for member in wanted:
            with archive.open(member) as handle:
                out[member.filename] = handle.read(MAX_FILE_BYTES + 1)
        return out


def _folder_members(folder: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".csv", ".json"):
            if path.stat().st_size > MAX_FILE_BYTES:
                out[path.relative_to(folder).as_posix()] = b"x" * (MAX_FILE_BYTES + 1)
            else:
                out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return out


def _root(members: dict[str, bytes]) -> str:
    """The folder inside the package that holds the tables (zips often wrap a folder)."""
    for marker in ("datapackage.json", "services.csv", "service.csv"):
        hits = sorted((n for n in members if posixpath.basename(n) == marker), key=len)
        if hits:
            return posixpath.dirname(hits[0])
    return ""


def _descriptor_paths(raw: bytes, problems: list[Problem]) -> dict[str, str]:
    """Table stem -> path, from datapackage.json resources."""
    name = "datapackage.json"
    if len(raw) > MAX_DESCRIPTOR_BYTES:
        problems.append(Problem(name, None, "", "is larger than 1 MB"))
        return {}
    try:
        descriptor = json.loads(raw.decode("utf-8-sig"))
        resources = descriptor["resources"]
        assert isinstance(resources, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        problems.append(Problem(name, None, "", "is not a data package with a resources list"))
        return {}
    paths: dict[str, str] = {}
    for resource in resources:
        path = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(path, str):
            problems.append(Problem(name, None, "resources", f"{resource!r:.80} has no path"))
            continue
        if "://" in path or path.startswith("/") or ".." in path.split("/"):
            problems.append(Problem(name, None, "resources", f"{path!r}: only local files"))
            continue
        table = spec.BY_RESOURCE.get(str(resource.get("name", "")))
        stem = table.stem if table else posixpath.basename(path).rsplit(".", 1)[0]
        paths[stem] = path
    return paths


@dataclass
class Source:
    """The raw files of a package: table stem -> (file name as shown, bytes)."""

    files: dict[str, tuple[str, bytes]]
    had_descriptor: bool


def read_source(source: Path | bytes) -> Source:
    """The table files of a folder, a zip file path or zip bytes (datapackage.json first)."""
    if isinstance(source, Path) and source.is_dir():
        members = _folder_members(source)
    else:
        data = source.read_bytes() if isinstance(source, Path) else source
        members = _zip_members(data)
    root = _root(members)

    def member(path: str) -> bytes | None:
        return members.get(posixpath.join(root, path) if root else path)

    problems: list[Problem] = []
    descriptor = member("datapackage.json")
    files: dict[str, tuple[str, bytes]] = {}
    if descriptor is not None:
        for stem, path in _descriptor_paths(descriptor, problems).items():
            raw = member(path)
            if raw is not None:
                files[stem] = (path, raw)
            # A resource listed but absent is allowed: HSDS packages list every table.
    else:
        for name in members:
            if posixpath.dirname(name) == root and name.lower().endswith(".csv"):
                stem = posixpath.basename(name)[:-4]
                files[spec.LEGACY_NAMES.get(stem, stem)] = (posixpath.basename(name), members[name])
    if problems:
        raise ImportProblems(problems)
    return Source(files, descriptor is not None)


def _undo_neutralised(value: str) -> str:
    # Our own exports prefix formula-like cells with an apostrophe; take it off again.
    if value.startswith("'") and value[1:2] and value[1:].startswith(DANGEROUS_FIRST):
        return value[1:]
    return value


def parse_csv(name: str, raw: bytes, problems: list[Problem]) -> tuple[list[str], list[Row]]:
    """Header and rows of one CSV; problems for size, NUL, bad UTF-8, ragged rows, long cells."""
    if len(raw) > MAX_FILE_BYTES:
        problems.append(Problem(name, None, "", f"is larger than {MAX_FILE_BYTES // 2**20} MB"))
        return [], []
    # surrogateescape keeps undecodable bytes in place, so they can be named by row and column.
    text = raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        problems.append(Problem(name, 1, "", f"is not readable CSV ({exc})"))
        return [], []
    rows: list[Row] = []
    width = len(header)
    # One look at the whole file spares a clean one (nearly all) the per-cell byte checks.
    suspect = "\x00" in text or not _encodes(text)
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cells):
                continue
            if len(cells) != width:
                problems.append(Problem(name, number, "", f"has {len(cells)} values, not {width}"))
                continue
            row: Row = {}
            for column, value in zip(header, cells, strict=True):
                row[column] = _check_cell(name, number, column, value, problems, suspect)
            rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, "", f"is not readable CSV ({exc})"))
    return header, rows


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_cell(
    name: str, number: int, column: str, value: str, problems: list[Problem], suspect: bool
) -> str:
    if suspect and "\x00" in value:
        problems.append(Problem(name, number, column, "contains a NUL byte"))
        return ""
    if suspect and not _encodes(value):
        problems.append(Problem(name, number, column, "is not valid UTF-8"))
        return ""
    limit = spec.MAX_LONG if column in spec.LONG_TEXT else spec.MAX_SHORT
    if len(value) > limit:
        problems.append(Problem(name, number, column, f"is longer than {limit} characters"))
        return ""
    return _undo_neutralised(value.strip())
