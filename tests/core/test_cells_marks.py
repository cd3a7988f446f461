"""The marks read as well as the sums (core/cells.py): a reader who knows that "<5" is 1..4 and
that a small cell is never shown "*" (the code reader) gets a "<5" beside a "*" summing to 6 as
1 and 5. Small tables, each checked by an exact attacker (CP-SAT over the integers)."""

from __future__ import annotations

import math
import random

from ortools.sat.python import cp_model

from foresterie.core.cells import MIN_CELL, _bounds, protect, small, starred
from tests.helpers import pinned_exactly


def _pinned(
    values: dict[str, int], hidden: set[str], stars: set[str], lines: list[dict[str, int]]
) -> set[str]:
    """The "<5" cells the code reader pins exactly ("*": 0 or 5 and more, unless a small cell
    is shown "*", when every "*" is any size)."""
    m = cp_model.CpModel()
    hole = not stars
    x = {}
    for k in hidden:
        if small(values[k]) and k not in stars:
            dom = cp_model.Domain(1, 4)
        elif hole:
            dom = cp_model.Domain.from_intervals([[0, 0], [5, 10**6]])
        else:
            dom = cp_model.Domain(0, 10**6)
        x[k] = m.new_int_var_from_domain(dom, k)
    for line in lines:
        free = [(c, x[k]) for k, c in line.items() if k in hidden]
        if free:
            m.add(
                sum(c * v for c, v in free)
                == sum(c * values[k] for k, c in line.items() if k in hidden)
            )
    return pinned_exactly(m, x, [k for k in hidden if small(values[k]) and k not in stars])


def test_a_small_cell_beside_a_five_gets_a_non_zero_cell_hidden_with_it() -> None:
    # one line a + b + c, its total published: a = 1 "<5", b = 5, c = 9
    values = {"a": 1, "b": 5, "c": 9}
    lines = [{"a": 1, "b": 1, "c": 1}]
    plain = protect(values, {"a"}, lines)
    assert plain == {"a", "b"}  # the lone-line rule: "<5" + "*" = 15 - 9 = 6 gives a = 1
    assert _pinned(values, plain, set(), lines) == {"a"}
    marked = protect(values, {"a"}, lines, marks=True)
    assert marked == {"a", "b", "c"}  # b + c is 11..14: a is 1..4 again
    assert starred(values, marked, lines) == set()
    assert _pinned(values, marked, set(), lines) == set()


def test_a_small_cell_no_hidden_cell_can_cover_is_shown_as_any_size() -> None:
    # a + b is published too: hiding c does not move it, so a is shown "*" (any size)
    values = {"a": 1, "b": 5, "c": 9}
    lines = [{"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1}]
    marked = protect(values, {"a"}, lines, marks=True)
    assert _pinned(values, marked, set(), lines) == {"a"}
    stars = starred(values, marked, lines)
    assert stars == {"a"} and _pinned(values, marked, stars, lines) == set()


def test_a_cell_the_sums_give_whatever_its_mark_keeps_its_mark() -> None:
    # a site's figure equal to a published total: "*" would not hide it
    values = {"a": 3}
    lines = [{"a": 1}]
    hidden = protect(values, {"a"}, lines, marks=True)
    assert hidden == {"a"} and starred(values, hidden, lines) == set()


def _bounds_cell_by_cell(
    values: dict[str, int], hidden: set[str], lines: list[dict[str, int]], star: set[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """`_bounds` as it was written before session 16: each cell's "the others' least and most"
    summed afresh over its line (math.fsum), the reference the line's sums kept once must equal."""
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    for k in hidden:
        lo[k], hi[k] = (1, MIN_CELL - 1) if small(values[k]) and k not in star else (0, math.inf)
    rows = []
    for line in lines:
        free = {k: c for k, c in line.items() if k in hidden and c}
        if free:
            rest = sum(c * values[k] for k, c in line.items() if k not in hidden)
            rows.append((free, sum(c * values[k] for k, c in line.items()) - rest))
    for _round in range(64):
        moved = False
        for free, rhs in rows:
            low = {k: c * (lo[k] if c > 0 else hi[k]) for k, c in free.items()}
            high = {k: c * (hi[k] if c > 0 else lo[k]) for k, c in free.items()}
            for k, c in free.items():
                others_lo = math.fsum(v for o, v in low.items() if o != k)
                others_hi = math.fsum(v for o, v in high.items() if o != k)
                a, b = sorted(((rhs - others_hi) / c, (rhs - others_lo) / c))
                new_lo = max(lo[k], math.ceil(a - 1e-9)) if math.isfinite(a) else lo[k]
                new_hi = min(hi[k], math.floor(b + 1e-9)) if math.isfinite(b) else hi[k]
                if not small(values[k]) and not star:
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


def test_the_bounds_from_sums_kept_once_equal_the_sums_cell_by_cell() -> None:
    """Tables of 2 to 7 weeks by 2 to 6 sites with week lines, site lines summing to a season
    figure (coefficient -1), cells hidden at random, some shown "*": every cell's least and
    most, and their types, equal the cell-by-cell reference on 400 tables."""
    rng = random.Random(16)
    moved = 0
    for _ in range(400):
        weeks, sites = rng.randint(2, 7), rng.randint(2, 6)
        values = {
            f"{w}:{s}": rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 14])
            for w in range(weeks)
            for s in range(sites)
        }
        for s in range(sites):
            values[f"season:{s}"] = sum(values[f"{w}:{s}"] for w in range(weeks))
        lines = [{f"{w}:{s}": 1 for s in range(sites)} for w in range(weeks)]
        lines += [
            {**{f"{w}:{s}": 1 for w in range(weeks)}, f"season:{s}": -1} for s in range(sites)
        ]
        hidden = {k for k in values if small(values[k]) or rng.random() < 0.3}
        star = {k for k in hidden if small(values[k]) and rng.random() < 0.3}
        got = _bounds(values, hidden, lines, star)
        want = _bounds_cell_by_cell(values, hidden, lines, star)
        assert got == want
        assert [type(v) for side in got for v in side.values()] == [
            type(v) for side in want for v in side.values()
        ]
        moved += sum(
            (got[0][k], got[1][k])
            != ((1, MIN_CELL - 1) if small(values[k]) and k not in star else (0, math.inf))
            for k in hidden
        )
    assert moved > 100  # the propagation narrowed cells: the sums were used, not bypassed
