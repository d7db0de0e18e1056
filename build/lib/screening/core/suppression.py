"""Primary and complementary small-cell suppression over linked count tables.

Model. Each counted quantity (families, screened, positive for food ...) is a two-way table:
rows are the groups of one dimension plus a TOTAL row, columns are quarters plus a TOTAL
column, and every row and column adds up to its margin. The period summary is the TOTAL
column; the quarterly trend is the rest. Publishing both means protecting them together,
otherwise a hidden quarter could be recovered from its group's period value.

A displayed metric cell shows a numerator quantity and a denominator quantity of the same
(group, quarter), and one quantity can appear in several metrics (screened is the numerator
of `screened` and the denominator of `positive_any`). A quantity's value counts as hidden
only where every metric that shows it hides that cell.

Guarantees, for every quantity, after protect():
1. Primary: every value from 1 to threshold - 1 is hidden wherever it appears; 0 is shown.
2. No hidden value is fixed by the published row/column/total equations. Hidden cells of a
   table form a bipartite graph (row node to column node); the equations pin a hidden cell
   down exactly when it is a bridge of that graph, so protect() leaves no bridges.
3. Where a row or column total is shown, the hidden cells it covers add up to 0 or to at
   least the threshold, so the hidden cells together are never a small count either.
Values of different quantities are related only by inequalities (positive <= screened), and
those are left to the intervals; each summary is protected on its own, so comparing
overlapping periods is outside this guarantee (the page says so).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

TOTAL = "__total__"
Cell = tuple[str, str]
Node = tuple[str, str]


def is_small(value: int, threshold: int) -> bool:
    """True for a count that may not be shown: 1 to threshold - 1 (0 may be shown)."""
    return 0 < value < threshold


def add_margins(
    values: Mapping[Cell, int], rows: Sequence[str], cols: Sequence[str]
) -> dict[Cell, int]:
    """The full table: every (row, col) cell plus row, column and grand totals."""
    table = {(r, c): int(values.get((r, c), 0)) for r in rows for c in cols}
    for r in rows:
        table[(r, TOTAL)] = sum(table[(r, c)] for c in cols)
    for c in cols:
        table[(TOTAL, c)] = sum(table[(r, c)] for r in rows)
    table[(TOTAL, TOTAL)] = sum(table[(r, TOTAL)] for r in rows)
    return table


def _ends(cell: Cell) -> tuple[Node, Node]:
    return ("r", cell[0]), ("c", cell[1])


def _margin(node: Node) -> Cell:
    """The total cell of a row or column equation."""
    kind, name = node
    return (name, TOTAL) if kind == "r" else (TOTAL, name)


def derivable(hidden: Iterable[Cell]) -> set[Cell]:
    """Hidden cells pinned down by the row, column and total equations (bridges)."""
    edges = sorted(set(hidden))
    adjacency: dict[Node, list[tuple[Node, int]]] = {}
    for i, cell in enumerate(edges):
        a, b = _ends(cell)
        adjacency.setdefault(a, []).append((b, i))
        adjacency.setdefault(b, []).append((a, i))
    order: dict[Node, int] = {}
    low: dict[Node, int] = {}
    bridges: set[Cell] = set()
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        # Iterative DFS (Tarjan): the stack holds (node, edge used to enter, neighbour index).
        stack = [(root, -1, 0)]
        while stack:
            node, via, index = stack[-1]
            if index < len(adjacency[node]):
                stack[-1] = (node, via, index + 1)
                nxt, edge = adjacency[node][index]
                if edge == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, edge, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    bridges.add(edges[via])
    return bridges


def _node_cells(node: Node, rows: Sequence[str], cols: Sequence[str]) -> list[Cell]:
    kind, name = node
    if kind == "r":
        return [(name, c) for c in cols]
    return [(r, name) for r in rows]


def _next_complement(
    hidden: set[Cell],
    values: Mapping[Cell, int],
    rows: Sequence[str],
    cols: Sequence[str],
    threshold: int,
) -> Cell | None:
    """One more cell to hide so the table moves towards guarantees 2 and 3, or None."""
    degree: dict[Node, int] = {}
    for cell in hidden:
        for node in _ends(cell):
            degree[node] = degree.get(node, 0) + 1
    bridges = sorted(derivable(hidden), key=lambda c: (values[c], c))
    # Close dead ends first (a row or column with one hidden cell): that is where the
    # smallest extra suppression turns a path into a cycle.
    ends = [(n, c) for c in bridges for n in _ends(c) if degree[n] == 1]
    ends += [(n, c) for c in bridges for n in sorted(_ends(c))]
    for node, _cell in ends:
        inner = [c for c in _node_cells(node, rows, cols) if c not in hidden]
        if inner:
            return min(inner, key=lambda c: (values[c], c))
        if _margin(node) not in hidden:
            return _margin(node)
    if bridges:
        # Both ends already fully hidden: widen elsewhere. A fully hidden table is a
        # complete bipartite graph with at least two nodes a side, which has no bridges.
        visible = [c for c in values if c not in hidden]
        return min(visible, key=lambda c: (TOTAL in c, values[c], c))
    for node in [("r", r) for r in [*rows, TOTAL]] + [("c", c) for c in [*cols, TOTAL]]:
        node_rows = [*rows, TOTAL] if node[0] == "c" else rows
        node_cols = [*cols, TOTAL] if node[0] == "r" else cols
        margin = _margin(node)
        if margin in hidden:
            continue
        inner = _node_cells(node, node_rows, node_cols)
        inner = [c for c in inner if c != margin]
        covered = sum(values[c] for c in inner if c in hidden)
        if is_small(covered, threshold):
            visible = [c for c in inner if c not in hidden]
            if not visible:
                return margin
            return min(visible, key=lambda c: (values[c] == 0, values[c], c))
    return None


def protect(
    quantities: Mapping[str, Mapping[Cell, int]],
    metrics: Mapping[str, tuple[str, str]],
    rows: Sequence[str],
    cols: Sequence[str],
    threshold: int,
) -> dict[str, set[Cell]]:
    """The cells to suppress in each metric (name -> (numerator, denominator) quantity).

    `quantities` holds full tables (see add_margins); rows and cols exclude TOTAL.
    """
    cells = [(r, c) for r in [*rows, TOTAL] for c in [*cols, TOTAL]]
    users: dict[str, list[str]] = {q: [] for q in quantities}
    for name, (num, den) in metrics.items():
        users[num].append(name)
        if den != num:
            users[den].append(name)
    nulled = {
        name: {
            cell
            for cell in cells
            if is_small(quantities[num][cell], threshold)
            or is_small(quantities[den][cell], threshold)
        }
        for name, (num, den) in metrics.items()
    }
    checked: dict[str, set[Cell]] = {}  # hidden sets already found safe, to skip rechecks
    changed = True
    while changed:
        changed = False
        for q, shown_in in users.items():
            if not shown_in:
                continue
            while True:
                hidden = set.intersection(*(nulled[m] for m in shown_in))
                if checked.get(q) == hidden:
                    break
                extra = _next_complement(hidden, quantities[q], rows, cols, threshold)
                if extra is None:
                    checked[q] = hidden
                    break
                # Hiding a cell hides its partner quantity too; the outer loop rechecks those.
                for m in shown_in:
                    nulled[m].add(extra)
                changed = True
    return nulled
