"""Small-cell suppression: primary cells, complements, and nothing derivable (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from screening.core.suppression import TOTAL
from screening.core.suppression import add_margins
from screening.core.suppression import derivable
from screening.core.suppression import is_small
from screening.core.suppression import protect

METRICS = {"screened": ("screened", "families"), "positive": ("positive", "screened")}


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [r[:] for r in matrix if any(r)]
    rank, col, width = 0, 0, len(rows[0]) if rows else 0
    while rank < len(rows) and col < width:
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
        col += 1
    return rank


def pinned_down(hidden: set, rows: list[str], cols: list[str]) -> set:
    """Hidden cells fixed by the published equations, by linear algebra (independent check)."""
    hidden = sorted(hidden)
    if not hidden:
        return set()
    index = {cell: i for i, cell in enumerate(hidden)}
    equations = []
    for r in [*rows, TOTAL]:
        eq = [Fraction(0)] * len(hidden)
        for c in cols:
            if (r, c) in index:
                eq[index[(r, c)]] += 1
        if (r, TOTAL) in index:
            eq[index[(r, TOTAL)]] -= 1
        equations.append(eq)
    for c in [*cols, TOTAL]:
        eq = [Fraction(0)] * len(hidden)
        for r in rows:
            if (r, c) in index:
                eq[index[(r, c)]] += 1
        if (TOTAL, c) in index:
            eq[index[(TOTAL, c)]] -= 1
        equations.append(eq)
    base = _rank(equations)
    found = set()
    for cell, i in index.items():
        unit = [Fraction(int(j == i)) for j in range(len(hidden))]
        if _rank([*equations, unit]) == base:
            found.add(cell)
    return found


@st.composite
def linked_tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 4))
    rows = [f"g{i}" for i in range(n_rows)]
    cols = [f"q{j}" for j in range(n_cols)]
    small_biased = st.one_of(st.integers(0, 12), st.integers(0, 60))
    fam, scr, pos = {}, {}, {}
    for r in rows:
        for c in cols:
            fam[(r, c)] = draw(small_biased)
            scr[(r, c)] = draw(st.integers(0, fam[(r, c)]))
            pos[(r, c)] = draw(st.integers(0, scr[(r, c)]))
    threshold = draw(st.sampled_from([3, 5, 11]))
    tables = {
        "families": add_margins(fam, rows, cols),
        "screened": add_margins(scr, rows, cols),
        "positive": add_margins(pos, rows, cols),
    }
    return tables, rows, cols, threshold


def effective_hidden(nulled: dict, quantity: str) -> set:
    shown_in = [m for m, pair in METRICS.items() if quantity in pair]
    return set.intersection(*(nulled[m] for m in shown_in))


@settings(max_examples=100, deadline=None)
@given(linked_tables())
def test_no_hidden_value_can_be_derived(case):
    tables, rows, cols, threshold = case
    nulled = protect(tables, METRICS, rows, cols, threshold)
    for quantity, table in tables.items():
        hidden = effective_hidden(nulled, quantity)
        assert pinned_down(hidden, rows, cols) == set(), quantity
        for cell, value in table.items():
            if is_small(value, threshold):
                assert cell in hidden, (quantity, cell, value)


@settings(max_examples=100, deadline=None)
@given(linked_tables())
def test_shown_cells_never_hold_a_small_count(case):
    tables, rows, cols, threshold = case
    nulled = protect(tables, METRICS, rows, cols, threshold)
    for metric, (num, den) in METRICS.items():
        for cell in tables[num]:
            if cell not in nulled[metric]:
                assert not is_small(tables[num][cell], threshold)
                assert not is_small(tables[den][cell], threshold)


@settings(max_examples=100, deadline=None)
@given(linked_tables())
def test_hidden_cells_under_a_shown_total_add_up_to_zero_or_the_threshold(case):
    tables, rows, cols, threshold = case
    nulled = protect(tables, METRICS, rows, cols, threshold)
    for quantity, table in tables.items():
        hidden = effective_hidden(nulled, quantity)
        for r in [*rows, TOTAL]:
            if (r, TOTAL) not in hidden:
                covered = sum(table[(r, c)] for c in cols if (r, c) in hidden)
                assert not is_small(covered, threshold)
        for c in [*cols, TOTAL]:
            if (TOTAL, c) not in hidden:
                covered = sum(table[(r, c)] for r in rows if (r, c) in hidden)
                assert not is_small(covered, threshold)


def test_zero_is_shown_and_large_tables_lose_nothing():
    rows, cols = ["a", "b", "c"], ["q1", "q2"]
    fam = add_margins({(r, c): 40 for r in rows for c in cols}, rows, cols)
    scr = add_margins({(r, c): 0 if r == "a" else 30 for r in rows for c in cols}, rows, cols)
    pos = add_margins({(r, c): 0 if r == "a" else 20 for r in rows for c in cols}, rows, cols)
    nulled = protect({"families": fam, "screened": scr, "positive": pos}, METRICS, rows, cols, 11)
    assert nulled == {"screened": set(), "positive": set()}


def test_worked_example_hides_spanish_as_the_complement():
    # equity-methods.md 1.2: Other (6 screened, 2 positive) is primary; with the total
    # shown, Spanish must go too, English stays.
    rows, cols = ["english", "spanish", "other"], ["2026Q1"]
    screened = add_margins(
        {("english", "2026Q1"): 45, ("spanish", "2026Q1"): 30, ("other", "2026Q1"): 6}, rows, cols
    )
    positive = add_margins(
        {("english", "2026Q1"): 20, ("spanish", "2026Q1"): 12, ("other", "2026Q1"): 2}, rows, cols
    )
    nulled = protect(
        {"screened": screened, "positive": positive},
        {"positive": ("positive", "screened")},
        rows,
        cols,
        11,
    )
    period = {r for r, c in nulled["positive"] if c == TOTAL}
    assert period == {"spanish", "other"}


def test_a_lone_hidden_cell_is_a_bridge():
    assert derivable({("a", "q1")}) == {("a", "q1")}
    square = {("a", "q1"), ("a", "q2"), ("b", "q1"), ("b", "q2")}
    assert derivable(square) == set()
