"""The house's rules, checked on every module: floors, circles and sizes.

Imports made inside functions count: a circle hidden in a function is still a circle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "screening"
AREAS = ("accounts", "families", "screenings", "referrals", "directory", "reports", "exchange")
TOP = ("screening.demo", "screening.cli", "screening.schema")
MAX_MODULE_LINES = 420  # "no module over ~400 lines"
MAX_VIEW_LINES = 45  # "no view over ~40 lines"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """Every module of the package this one imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                root = ".".join(base + ([node.module] if node.module else []))
            else:
                root = node.module or ""
            candidates = [root] + [f"{root}.{a.name}" for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in MODULES and c != name}
    return found


EDGES = {name: imported(name, path) for name, path in MODULES.items()}


def circles() -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), a package's own
    submodules excepted: `a/__init__` importing `a.b` is how packages are built."""
    sys.setrecursionlimit(10000)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def edges(v: str) -> set[str]:
        return {w for w in EDGES[v] if not w.startswith(v + ".")}

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in EDGES:
        if v not in index:
            visit(v)
    return groups


def test_no_import_circles():
    assert circles() == []


def test_the_circle_check_finds_a_circle_hidden_in_a_function(monkeypatch):
    monkeypatch.setitem(EDGES, "screening.platform.db", {"screening.platform.audit"})
    assert ["screening.platform.audit", "screening.platform.db"] in circles()


def third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add((node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize(
    "name", [n for n in MODULES if n.startswith("screening.core")], ids=lambda n: n[15:]
)
def test_the_core_is_pure_python(name):
    """No Flask, no database, no request: the core can be tested and reused alone."""
    forbidden = {"flask", "flask_babel", "flask_wtf", "werkzeug", "sqlite3", "sqlite_utils"}
    assert not third_party(MODULES[name]) & forbidden
    assert all(m.startswith("screening.core") for m in EDGES[name]), EDGES[name]


@pytest.mark.parametrize(
    "name", [n for n in MODULES if n.startswith("screening.platform")], ids=lambda n: n[19:]
)
def test_the_ground_floor_knows_no_area(name):
    above = {m for m in EDGES[name] if m.split(".")[1] in AREAS or m in TOP}
    assert not above, f"{name} imports {sorted(above)}"


@pytest.mark.parametrize("area", AREAS)
def test_areas_do_not_reach_up_to_the_top_floor(area):
    for name in (n for n in MODULES if n.split(".")[1:2] == [area]):
        assert not EDGES[name] & set(TOP), f"{name} imports {sorted(EDGES[name] & set(TOP))}"


def test_no_module_is_too_long():
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules: {long}"


def test_views_stay_thin():
    """A view parses, calls the store and renders; more than that belongs below it."""
    fat = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                "route" in ast.unparse(d) for d in node.decorator_list
            ):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_VIEW_LINES:
                    fat[f"{name}.{node.name}"] = length
    assert not fat, f"thin these views: {fat}"
