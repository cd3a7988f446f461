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

import functools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
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
    marks: bool = False,
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
    the whole is repeated until no hidden cell is determined or nothing is left to hide.

    `marks`: also where a reader who knows that small cells are marked SUPPRESSED and the
    others COMPLEMENTARY pins a small one (`_pinned`: "<5" and "*" summing to 6 are 1 and 5),
    a non-zero visible cell of one of its lines is hidden with it; what is left pinned is for
    `starred` to show as COMPLEMENTARY."""
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
        nonzero = False
        if not worked_out and marks:
            worked_out = sorted(_pinned(values, out, fixed), key=lambda k: key[k])
            nonzero = True  # a hidden zero adds no room beside a cell the marks pin
        grown = False
        for k in worked_out:
            rest = {
                c
                for line in fixed
                if k in line
                for c in line
                if c not in out and not (nonzero and values[c] == 0)
            }
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


def starred(values: Mapping[K, float], hidden: set[K], lines: Iterable[Mapping[K, int]]) -> set[K]:
    """The small hidden cells to show as COMPLEMENTARY rather than SUPPRESSED: those that the
    marks would give away where no more cells can be hidden (`_pinned`: every cell of their
    lines is hidden already). COMPLEMENTARY says "any size", and this keeps it true. A "<5"
    that the sums pin whatever its mark (a site's figure equal to a published total) keeps its
    mark: "*" would not hide it, and "<5" is the truer word."""
    fixed = [dict(line) for line in lines]
    stars: set[K] = set()
    kept: set[K] = set()
    while True:
        pinned = sorted(set(_pinned(values, hidden, fixed, stars)) - kept, key=repr)
        if not pinned:
            return stars
        k = pinned[0]
        lo, hi = _bounds(values, hidden, fixed, stars | {k})
        if lo[k] != hi[k]:
            stars.add(k)
            continue
        # the "<5" cells that pin one another (a week's and its season's) go "*" together
        lo, hi = _bounds(values, hidden, fixed, stars | set(pinned))
        if lo[k] != hi[k]:
            stars.update(pinned)
        else:
            kept.add(k)  # pinned as "*" too: the sums give it, not the mark


def _pinned(
    values: Mapping[K, float],
    hidden: set[K],
    lines: list[dict[K, int]],
    stars: Iterable[K] = (),
) -> list[K]:
    """The hidden small cells whose value follows from the published lines and what the marks
    themselves say: a SUPPRESSED cell is 1 to MIN_CELL-1, a COMPLEMENTARY one is 0 or at least
    MIN_CELL to a reader who knows that small cells are marked SUPPRESSED (`stars`: small cells
    shown as COMPLEMENTARY, any size to that reader). Linear algebra alone misses this: a line's
    hidden "<5" and "*" summing to 6 are 1 and 5. Bounds are tightened line by line until
    nothing moves (interval propagation, as a solver's presolve would: sound, so a cell it pins
    is given away; not complete, so a cell it leaves open may still be narrowed)."""
    star = set(stars)
    lo, hi = _bounds(values, hidden, lines, star)
    return [k for k in hidden if small(values[k]) and k not in star and lo[k] == hi[k]]


def _bounds(
    values: Mapping[K, float], hidden: set[K], lines: list[dict[K, int]], star: set[K]
) -> tuple[dict[K, float], dict[K, float]]:
    """The least and the most each hidden cell can be, to the reader `_pinned` describes."""
    lo: dict[K, float] = {}
    hi: dict[K, float] = {}
    for k in hidden:
        lo[k], hi[k] = (1, MIN_CELL - 1) if small(values[k]) and k not in star else (0, math.inf)
    rows = []
    for line in lines:
        free = {k: c for k, c in line.items() if k in hidden and c}
        if free:
            rest = sum(c * values[k] for k, c in line.items() if k not in hidden)
            total = sum(c * values[k] for k, c in line.items())
            rows.append((free, total - rest))
    for _round in range(64):  # bounds move by at least 1 each time: a cap, never reached here
        moved = False
        for free, rhs in rows:
            # sum(c * x) = rhs: each x between rhs less the others' most and less their least
            low = {k: c * (lo[k] if c > 0 else hi[k]) for k, c in free.items()}
            high = {k: c * (hi[k] if c > 0 else lo[k]) for k, c in free.items()}
            low_but, high_but = _others_sums(low), _others_sums(high)
            for k, c in free.items():
                others_lo = low_but(k)
                others_hi = high_but(k)
                a, b = sorted(((rhs - others_hi) / c, (rhs - others_lo) / c))
                new_lo = max(lo[k], math.ceil(a - 1e-9)) if math.isfinite(a) else lo[k]
                new_hi = min(hi[k], math.floor(b + 1e-9)) if math.isfinite(b) else hi[k]
                if not small(values[k]) and not star:  # "*" is never 1..MIN_CELL-1 here
                    if 0 < new_lo < MIN_CELL:
                        new_lo = MIN_CELL
                    if 0 < new_hi < MIN_CELL:
                        new_hi = 0
                if (new_lo, new_hi) != (lo[k], hi[k]) and new_lo <= new_hi:
                    lo[k], hi[k] = new_lo, new_hi
                    moved = True
        if not moved:
            break
    return lo, hi


def _sum_but(terms: Mapping[K, float], skip: K) -> float:
    """The sum of the terms other than `skip`'s (infinite terms of one sign: that infinity)."""
    return math.fsum(v for k, v in terms.items() if k != skip)


def _others_sums(terms: Mapping[K, float]) -> Callable[[K], float]:
    """`_sum_but(terms, k)` for every k of a line, the line summed once: each "sum of the
    others" is then a subtraction, not a sum over the line again (a line of n hidden cells:
    n terms added, not n^2). Exact: the finite terms are integers (bounds start at integers and
    move by ceil and floor), summed as Python integers, and the infinite ones counted by sign;
    a line with any other term, or with infinities of both signs, is summed as before."""
    finite, up, down = 0, 0, 0
    for v in terms.values():
        if v == math.inf:
            up += 1
        elif v == -math.inf:
            down += 1
        elif isinstance(v, int):
            finite += v
        else:  # a fraction (or NaN): fsum's own rounding
            return functools.partial(_sum_but, terms)
    if up and down:  # inf - inf: fsum's refusal, where it applies
        return functools.partial(_sum_but, terms)

    def but(skip: K) -> float:
        v = terms[skip]
        if up - (v == math.inf) > 0:
            return math.inf
        if down - (v == -math.inf) > 0:
            return -math.inf
        return float(finite - v if isinstance(v, int) else finite)

    return but


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
