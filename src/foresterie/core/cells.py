"""Small-cell protection shared by every publication of counts (the public export, the monitor).

A count of people (or their nights, worker-days) from 1 to 4 is not published ("<5"). That is
not enough where the published figures add up: a *line* is a set of cells whose sum is known
(a breakdown summing to its total, a season figure equal to the sum of its weeks, a table's
column summing to a figure published elsewhere). A line that hides exactly one cell gives it
back by subtraction. `protect` hides more cells ("*") until no line hides exactly one: in each
such line, the smallest other cell (a non-zero one first; ties by key) is hidden too.

A line's members may be cells of several tables (a site's season figure is a cell of one table
and the sum of its weeks in another): every member is a cell that is either published or hidden,
and the line's own total, when it is not a cell of these tables, is taken as published.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction
from itertools import product
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

MIN_CELL = 5  # counts of 1..MIN_CELL-1 are not published
SUPPRESSED = f"<{MIN_CELL}"
COMPLEMENTARY = "*"  # hidden so that a "<5" cell cannot be worked out from the others


def small(value: float) -> bool:
    """A count published as SUPPRESSED (primary suppression)."""
    return 0 < value < MIN_CELL


def protect(
    values: Mapping[K, float],
    hidden: Iterable[K],
    lines: Iterable[Mapping[K, int]],
    order: Mapping[K, tuple[object, ...]] | None = None,
    boxes: Mapping[K, list[tuple[K, ...]]] | None = None,
) -> set[K]:
    """The cells to hide: `hidden` (the primary ones) and more, until none can be worked out.

    `boxes`: for a primary cell of a table whose lines are all published, the cells of each
    complete box around it (`box_options`): hiding the cheapest whole box protects it at the
    least loss (2^d cells in d dimensions, every line through them hiding two), where growing
    line by line would spread over the table. The cheapest: the fewest zero cells newly hidden
    (a zero cannot move down, so a box with one may still pin the cell), then the least sum.

    A line maps its cells to their coefficients in an equation whose other side is published
    (1 each for cells adding up to a published total; a season cell of one table at -1 against
    its weeks in another, summing to 0). First, wherever a line hides exactly one of its cells,
    the smallest other cell of that line is hidden too (non-zero first; ties by `order`'s sort
    key of the cell, or the cell itself), until no line does. Then, since lines combine (a cell
    hidden with others in each of its lines can still be the difference of two sums), every
    hidden cell that the published lines determine exactly (linear algebra over the hidden
    cells, `_determined`) gets the smallest visible cell of one of its lines hidden with it, and
    the whole is repeated until no hidden cell is determined or nothing is left to hide."""
    out = set(hidden)
    key = order or {k: (k,) for k in values}
    fixed = [dict(sorted(line.items(), key=lambda kv: key[kv[0]])) for line in lines]
    for k in sorted(out, key=lambda k: key[k]):  # a box around each primary cell, cheapest first
        options = (boxes or {}).get(k, [])
        if options:
            best = min(
                options,
                key=lambda b: (
                    sum(1 for c in b if c not in out and values[c] == 0),
                    sum(values[c] for c in b if c not in out),
                    [key[c] for c in b],
                ),
            )
            out.update(best)
    while True:
        _lone_cells(values, out, fixed, key)
        worked_out = sorted(_determined(out, fixed), key=lambda k: key[k])
        grown = False
        for k in worked_out:
            rest = {c for line in fixed if k in line for c in line if c not in out}
            if rest:
                out.add(_cheapest(rest, values, key))
                grown = True
                break
        if not grown:
            return out


def _lone_cells(
    values: Mapping[K, float],
    out: set[K],
    lines: list[dict[K, int]],
    key: Mapping[K, tuple[object, ...]],
) -> None:
    changed = bool(out)
    while changed:
        changed = False
        for line in lines:
            if sum(1 for k in line if k in out) != 1:
                continue
            rest = [k for k in line if k not in out]
            if rest:
                out.add(_cheapest(rest, values, key))
                changed = True


def _cheapest(
    cells: Iterable[K], values: Mapping[K, float], key: Mapping[K, tuple[object, ...]]
) -> K:
    """The cell to hide beside another: the smallest, a non-zero one first, ties by key."""
    return min(cells, key=lambda c: (values[c] == 0, values[c], key[c]))


def _determined(hidden: set[K], lines: list[dict[K, int]]) -> list[K]:
    """The hidden cells whose value the lines give exactly: those whose unit vector lies in the
    span of the lines restricted to the hidden cells (the visible cells are known). In the
    reduced row echelon form, a cell is determined when it leads a row with no other cell."""
    cols = sorted({k for line in lines for k in line if k in hidden}, key=repr)
    at = {k: j for j, k in enumerate(cols)}
    rows = [
        {at[k]: Fraction(c) for k, c in line.items() if k in hidden and c}
        for line in lines
        if any(k in hidden for k in line)
    ]
    rows = [r for r in rows if r]
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for row in rows:  # Gauss-Jordan, sparse rows
        for p, prow in pivots:
            _eliminate(row, p, prow)
        if not row:
            continue
        p = min(row)
        lead = row[p]
        row = {j: v / lead for j, v in row.items()}
        for _q, qrow in pivots:
            _eliminate(qrow, p, row)
        pivots.append((p, row))
    return [cols[p] for p, row in pivots if len(row) == 1]


def _eliminate(row: dict[int, Fraction], p: int, pivot: dict[int, Fraction]) -> None:
    """Subtract from `row` the multiple of `pivot` (1 at column p) that clears column p."""
    f = row.get(p)
    if not f:
        return
    for j, v in pivot.items():
        row[j] = row.get(j, Fraction(0)) - f * v
        if not row[j]:
            del row[j]


def box_options(coords: Mapping[K, tuple[str, ...]], cell: K) -> list[tuple[K, ...]]:
    """The boxes around `cell` in its table: for each other value on every axis, the 2^d cells
    {x1, x1'} x ... x {xd, xd'}, where every one of them is a cell of the table (a row that is
    not there is a zero everybody knows: it cannot hide anything)."""
    at = {v: k for k, v in coords.items()}
    here = coords[cell]
    axes = [sorted({v[i] for v in coords.values()} - {here[i]}) for i in range(len(here))]
    out: list[tuple[K, ...]] = []
    for other in product(*axes):
        corners = [tuple(pick) for pick in product(*zip(here, other, strict=True))]
        if all(c in at for c in corners):
            out.append(tuple(at[c] for c in corners))
    return out
