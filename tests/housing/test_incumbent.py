"""The spare plan with families held (housing/incumbent.py), by hand and against brute force."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.housing.incumbent import families_held
from foresterie.housing.mip import LpResult, Program, SearchResult


def _places(
    units: list[tuple[int, int]], beds: list[int]
) -> tuple[Program, np.ndarray, np.ndarray, np.ndarray]:
    """Units (people per copy, copies; a unit of more than one person is a family, all or none)
    that may each go to any of the places, one night, these beds. Unit u has one column per
    place, in place order. Returns the program, c (minus the people housed), each column's unit
    and the families' columns."""
    p = Program()
    at: list[tuple[list[int], list[int]]] = [([], []) for _ in beds]
    unit_of, groups = [], []
    for u, (size, copies) in enumerate(units):
        cols = [p.add_var(0, copies) for _ in beds]
        p.add_row(cols, [1] * len(cols), ub=copies)
        for k, j in enumerate(cols):
            at[k][0].append(j)
            at[k][1].append(size)
            unit_of.append(u)
            if size > 1:
                groups.append(j)
    for (cols, sizes), cap in zip(at, beds, strict=True):
        p.add_row(cols, sizes, ub=cap)
    people = np.array([units[u][0] for u in unit_of], dtype=np.int64)
    return p, -people, np.array(unit_of), np.array(groups, dtype=np.int64)


def _search(p: Program, c: np.ndarray, asked: list[str]):  # type: ignore[no-untyped-def]
    def search(fixed, cutoff, step, quick):  # type: ignore[no-untyped-def]
        asked.append(step)
        return p.search(c, node_limit=100, seed=1, fixed=fixed, cutoff=cutoff, time_limit_s=10)

    return search


def _lp_at(p: Program, c: np.ndarray, x: list[float], bound: int) -> LpResult:
    lp = p._safe(c.astype(float), np.zeros(len(p.rows)), np.array(x))
    return dataclasses.replace(lp, bound=bound, lower=float(bound))


def test_whole_families_stay_where_the_lp_put_them_split_ones_where_the_plan_had_them() -> None:
    """A has 3 beds, B 2; families G and H of two and a single worker S (columns: G at A, G at
    B, H at A, H at B, S at A, S at B). The LP houses G at A, H half at A and half at B, S at B:
    5 people. The previous plan houses G at A only (2). Held: G at A (whole in the LP), H
    nowhere (split by the LP, unhoused in the plan); the LP then puts S in a bed: 3 people,
    one better than the plan, found by one LP."""
    p, c, unit_of, groups = _places([(2, 1), (2, 1), (1, 1)], [3, 2])
    lp = _lp_at(p, c, [1, 0, 0.5, 0.5, 0, 1], -5)
    previous = np.array([1, 0, 0, 0, 0, 0], dtype=np.int64)
    asked: list[str] = []
    x = families_held(p, c, lp, groups, unit_of, previous, _search(p, c, asked))
    assert x is not None and p.feasible(x)
    assert x[:4].tolist() == [1, 0, 0, 0]  # G at A, H not housed
    assert int(-c @ x) == 3
    assert asked == []  # the LP over S alone was integral


def test_families_the_lp_places_whole_that_do_not_fit_fall_back_to_the_plan() -> None:
    """The LP's whole families collide with a family held where the plan has it (G whole at A
    in the LP, H split and at A in the plan: 4 people in A's 3 beds): the first holding is
    infeasible, and every family is held where the plan has it, S housed by the LP."""
    p, c, unit_of, groups = _places([(2, 1), (2, 1), (1, 1)], [3, 2])
    lp = _lp_at(p, c, [1, 0, 0.5, 0.5, 0, 1], -5)
    previous = np.array([0, 0, 1, 0, 0, 0], dtype=np.int64)  # H at A
    x = families_held(p, c, lp, groups, unit_of, previous, _search(p, c, []))
    assert x is not None and p.feasible(x)
    assert x[:4].tolist() == [0, 0, 1, 0]
    assert int(-c @ x) == 3  # H at A, S in the bed left at A or at B


def test_no_families_no_spare() -> None:
    p, c, unit_of, groups = _places([(1, 2)], [1, 1])
    lp = p.lp(c.astype(float))
    assert lp is not None
    x0 = np.zeros(p.n, dtype=np.int64)
    assert families_held(p, c, lp, groups, unit_of, x0, _search(p, c, [])) is None


def _brute(p: Program, c: np.ndarray, held: dict[int, int], units_hi: list[int]) -> int | None:
    """The least c'x with these columns held, over every integer vector of the program."""
    best = None
    for v in itertools.product(*[range(h + 1) for h in units_hi]):
        x = np.array(v, dtype=np.int64)
        if any(x[j] != held[j] for j in held) or not p.feasible(x):
            continue
        val = int(c @ x)
        best = val if best is None else min(best, val)
    return best


@st.composite
def seasons(draw):  # type: ignore[no-untyped-def]
    n_units = draw(st.integers(2, 4))
    units = [(draw(st.integers(1, 3)), draw(st.integers(1, 2))) for _ in range(n_units)]
    beds = [draw(st.integers(1, 5)) for _ in range(2)]
    return units, beds, draw(st.integers(0, 2**31 - 1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons())
def test_the_spare_is_feasible_and_optimal_for_the_families_it_holds(case) -> None:  # type: ignore[no-untyped-def]
    """Whatever the LP vertex and the previous plan: the spare is exactly feasible, holds the
    families either as the LP and the plan say or all as the plan says, and when it came from
    an integral LP it is the best plan with those families held (brute force)."""
    units, beds, seed = case
    p, c, unit_of, groups = _places(units, beds)
    lp = p.lp(c.astype(float))
    assert lp is not None
    rng = np.random.default_rng(seed)
    previous = np.zeros(p.n, dtype=np.int64)  # a random feasible plan: greedy in random order
    for j in rng.permutation(p.n):
        previous[j] += 1
        if not p.feasible(previous):
            previous[j] -= 1
    asked: list[str] = []
    x = families_held(p, c, lp, groups, unit_of, previous, _search(p, c, asked))
    if not groups.size:
        assert x is None
        return
    assert x is not None and p.feasible(x)
    from_plan = {int(j): int(previous[j]) for j in groups}
    gx = lp.x[groups]
    split = {int(unit_of[j]) for j, v in zip(groups, gx, strict=True) if abs(v - round(v)) > 1e-6}
    mixed = {
        int(j): int(previous[j]) if unit_of[j] in split else round(float(lp.x[j])) for j in groups
    }
    held = {int(j): int(x[j]) for j in groups}
    assert held in ([mixed, from_plan] if split else [from_plan])
    best = _brute(p, c, held, [int(h) for h in p.hi])
    assert best is not None and int(c @ x) >= best
    if not asked:  # the LP with them held was integral: nothing better holds them so
        assert int(c @ x) == best
    if held == from_plan:
        assert int(c @ x) <= int(c @ previous)  # the plan itself is one such solution


def test_a_fractional_lp_over_the_singles_is_made_whole_by_a_search_or_gives_nothing() -> None:
    """A family G of two and a single S, A and B with 2 beds each, and a row 2 S_A + 2 S_B <= 1
    (standing for any row that ties the singles): with G held the LP houses half of S, so the
    search among its columns (both of S's options open: S is split) makes it whole, S out.
    A search that finds nothing gives no spare (never an unchecked vector)."""
    p, c, unit_of, groups = _places([(2, 1), (1, 1)], [2, 2])
    p.add_row([2, 3], [2, 2], ub=1)
    lp = p.lp(c.astype(float))
    assert lp is not None
    x0 = np.zeros(p.n, dtype=np.int64)
    asked: list[str] = []
    x = families_held(p, c, lp, groups, unit_of, x0, _search(p, c, asked))
    assert asked == ["families held"]
    assert x is not None and p.feasible(x) and x.tolist() == [0, 0, 0, 0]

    def nothing(fixed, cutoff, step, quick):  # type: ignore[no-untyped-def]
        assert fixed == {0: 0, 1: 0} and cutoff is None  # G held; S's options open
        return SearchResult(x=None, objective=None, bound=None, optimal=False)

    assert families_held(p, c, lp, groups, unit_of, x0, nothing) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons(), st.integers(0, 2**31 - 1))
def test_over_a_restricted_lp_s_columns_the_spare_stays_feasible_and_within_them(  # type: ignore[no-untyped-def]
    case, mask_seed
) -> None:
    """With a restricted LP's columns given (a random mask), the LPs with the families held are
    over those columns, the previous plan's support added: the spare is exactly feasible, puts
    no single worker on a column outside them, holds the families as without the mask, and is never
    worse than the previous plan where it holds the families as the plan does; every column
    given, there is a spare as there is one without a mask."""
    units, beds, seed = case
    p, c, unit_of, groups = _places(units, beds)
    lp = p.lp(c.astype(float))
    assert lp is not None
    rng = np.random.default_rng(seed)
    previous = np.zeros(p.n, dtype=np.int64)
    for j in rng.permutation(p.n):
        previous[j] += 1
        if not p.feasible(previous):
            previous[j] -= 1
    mask = np.random.default_rng(mask_seed).random(p.n) < 0.5
    x = families_held(p, c, lp, groups, unit_of, previous, _search(p, c, []), mask)
    if not groups.size:
        assert x is None
        return
    assert x is not None and p.feasible(x)
    allowed = mask | (previous != 0)
    allowed[groups] = True  # the families, held where the LP or the plan has them
    assert not np.any(x[~allowed])
    held = {int(j): int(x[j]) for j in groups}
    if held == {int(j): int(previous[j]) for j in groups}:
        assert int(c @ x) <= int(c @ previous)
    every = families_held(
        p, c, lp, groups, unit_of, previous, _search(p, c, []), np.ones(p.n, dtype=bool)
    )
    plain = families_held(p, c, lp, groups, unit_of, previous, _search(p, c, []))
    assert every is not None and plain is not None and p.feasible(every)
