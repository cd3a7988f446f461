"""The small integer program under housing, against brute force on random tiny programs.

What must hold whatever GLOP's floating point does: the safe bound never exceeds the integer
optimum; reduced-cost fixing never removes a solution better than the incumbent; a search with a
cutoff says "infeasible" exactly when nothing is that good.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.housing.mip import LpResult, Program


@st.composite
def programs(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 5))
    p = Program()
    for _ in range(n):
        p.add_var(0, draw(st.integers(1, 3)))
    for _ in range(draw(st.integers(1, 4))):
        idx = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n)))
        coef = [draw(st.integers(-4, 6).filter(bool)) for _ in idx]
        kind = draw(st.sampled_from(["le", "ge", "range"]))
        a = draw(st.integers(-3, 12))
        if kind == "le":
            p.add_row(idx, coef, ub=a)
        elif kind == "ge":
            p.add_row(idx, coef, lb=a)
        else:
            p.add_row(idx, coef, lb=a, ub=a + draw(st.integers(0, 4)))
    # Objectives of both kinds seen in housing: small counts and large commute seconds.
    scale = draw(st.sampled_from([1, 10**6 + 7]))
    c = np.array([draw(st.integers(-9, 9)) * scale + draw(st.integers(0, 3)) for _ in range(n)])
    return p, c


def brute(p: Program, c: np.ndarray) -> list[int]:
    """Objective values of every feasible integer point."""
    out = []
    for x in itertools.product(*[range(lo, hi + 1) for lo, hi in zip(p.lo, p.hi, strict=True)]):
        v = np.array(x, dtype=np.int64)
        if p.feasible(v):
            out.append(int(c @ v))
    return out


def with_lp(
    case: tuple[Program, np.ndarray],
) -> tuple[Program, np.ndarray, list[int], LpResult] | None:
    """The case with its brute-force values and its LP; None when either is missing."""
    p, c = case
    values = brute(p, c)
    lp = p.lp(c.astype(float))
    if not values or lp is None:
        return None
    return p, c, values, lp


SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(case=programs())
def test_safe_bound_never_exceeds_the_integer_optimum(case) -> None:  # type: ignore[no-untyped-def]
    p, c = case
    values = brute(p, c)
    lp = p.lp(c.astype(float))
    if not values:
        return  # an infeasible LP may still have a vertex; nothing to bound
    assert lp is not None
    assert lp.bound <= min(values)


@SETTINGS
@given(case=programs(), slack=st.integers(0, 3))
def test_reduced_cost_fixing_keeps_every_better_solution(case, slack) -> None:  # type: ignore[no-untyped-def]
    solved = with_lp(case)
    if solved is None:
        return
    p, c, values, lp = solved
    best = min(values)
    incumbent = best + slack  # any value: a real incumbent or a target on the ladder
    fixed = p.fixings(lp, incumbent)
    reduced = Program(list(p.lo), list(p.hi), list(p.rows))
    for j, v in fixed.items():
        reduced.lo[j] = reduced.hi[j] = v
    kept = brute(reduced, c)
    better = sorted(v for v in values if v <= incumbent - 1)
    # every solution strictly better than the incumbent survives the fixing (the reduced program
    # is a subset of the original, so the lists are equal exactly when none is lost)
    assert sorted(v for v in kept if v <= incumbent - 1) == better
    assert len(fixed) == 0 or len(kept) <= len(values)


@SETTINGS
@given(case=programs(), delta=st.integers(-2, 2))
def test_search_with_cutoff_is_exact(case, delta) -> None:  # type: ignore[no-untyped-def]
    solved = with_lp(case)
    if solved is None:
        return
    p, c, values, lp = solved
    cutoff = min(values) + delta
    r = p.search(
        c,
        node_limit=10_000,
        seed=1,
        time_limit_s=30,
        fixed=p.fixings(lp, cutoff + 1),
        cutoff=cutoff,
    )
    if delta < 0:  # nothing is that good: "infeasible", or a solution that claims nothing
        assert r.infeasible or (not r.optimal and r.objective is not None and r.objective > cutoff)
        assert r.infeasible or p.feasible(r.x)
    else:
        assert r.x is not None and r.objective == min(values) and r.optimal
        assert p.feasible(r.x)


def test_feasibility_check_is_exact_for_large_integers() -> None:
    p = Program()
    a, b = p.add_var(0, 10**6), p.add_var(0, 10**6)
    p.add_row([a, b], [450_866_257, 1], ub=450_866_257 * 3 + 1)
    assert p.feasible(np.array([3, 1]))
    assert not p.feasible(np.array([3, 2]))  # off by one in 1.35e9: float32 would miss it


def test_stacked_programs_keep_their_rows_apart() -> None:
    p, q = Program(), Program()
    p.add_row([p.add_var(0, 5)], [1], ub=2)
    q.add_row([q.add_var(0, 5), q.add_var(0, 5)], [1, 1], lb=7)
    s, offsets = Program.stack([p, q])
    assert offsets == [0, 1] and s.n == 3
    assert s.feasible(np.array([2, 5, 2])) and not s.feasible(np.array([3, 5, 2]))
    assert not s.feasible(np.array([0, 3, 3]))


@SETTINGS
@given(case=programs(), delta=st.integers(0, 2), below=st.integers(0, 2))
def test_search_with_a_proven_floor_is_exact(case, delta, below) -> None:  # type: ignore[no-untyped-def]
    """The ladder passes the bound proven so far as a floor on c'x: it removes no solution, so
    the answer is the same optimum (and SCIP may stop as soon as it reaches the floor)."""
    solved = with_lp(case)
    if solved is None:
        return
    p, c, values, lp = solved
    best = min(values)
    floor = max(lp.bound, best - below)  # any proven lower bound: the LP's or a better one
    r = p.search(
        c,
        node_limit=10_000,
        seed=1,
        time_limit_s=30,
        fixed=p.fixings(lp, best + delta + 1),
        cutoff=best + delta,
        floor=floor,
    )
    assert r.x is not None and p.feasible(r.x)
    assert r.objective == best and r.optimal


@SETTINGS
@given(case=programs())
def test_quick_search_at_the_lp_bound_returns_a_feasible_optimum(case) -> None:  # type: ignore[no-untyped-def]
    """The guess at the LP bound runs SCIP without presolve rounds and root cuts: whatever it
    returns is exactly feasible and, at the bound, the optimum; when the bound is not reachable
    it says so (or returns nothing) and proves nothing."""
    solved = with_lp(case)
    if solved is None:
        return
    p, c, values, lp = solved
    r = p.search(
        c,
        node_limit=10_000,
        seed=1,
        time_limit_s=30,
        fixed=p.fixings(lp, lp.bound + 1),
        cutoff=lp.bound,
        floor=lp.bound,
        quick=True,
    )
    if min(values) == lp.bound:
        assert r.x is not None and p.feasible(r.x) and r.objective == lp.bound
    else:  # the bound is out of reach: "none", or a solution that claims nothing
        assert r.x is None or (r.objective is not None and r.objective > lp.bound)
        assert not r.optimal or r.x is None


@SETTINGS
@given(case=programs())
def test_fixing_for_good_at_the_optimum_keeps_every_optimal_solution(case) -> None:  # type: ignore[no-untyped-def]
    """After a tier, with its optimum fixed as a row, reduced-cost fixing at optimum + 1 narrows
    columns for every later tier: no optimal solution of the tier is lost."""
    solved = with_lp(case)
    if solved is None:
        return
    p, c, values, lp = solved
    best = min(values)
    optima = Program(list(p.lo), list(p.hi), list(p.rows))
    optima.add_row(np.arange(p.n), c, ub=best)
    before = sorted(brute(optima, c))
    optima.fix_for_good(p.fixings(lp, best + 1))
    assert sorted(brute(optima, c)) == before


def test_a_restricted_lp_may_hold_columns_at_a_value() -> None:
    """Program.lp with both a mask and columns held: the held columns are in the LP at their
    values even where the mask leaves them out; the LP's value is no lower than the whole
    program's with them held, equal when every column is in; its bound is a bound of the whole
    program with them held."""
    rng = np.random.default_rng(5)
    p = Program()
    n = 12
    for _ in range(n):
        p.add_var(0, 2)
    for _ in range(4):
        p.add_row(list(range(n)), rng.integers(0, 5, size=n).tolist(), ub=int(rng.integers(6, 12)))
    c = -rng.integers(1, 9, size=n).astype(float)
    held = {0: 1, 5: 0}
    mask = np.zeros(n, dtype=bool)
    mask[6:] = True
    whole = p.lp(c, fixed=held)
    part = p.lp(c, fixed=held, columns=mask)
    every = p.lp(c, fixed=held, columns=np.ones(n, dtype=bool))
    assert whole is not None and part is not None and every is not None
    assert part.x[0] == 1 and part.x[5] == 0 and not np.any(part.x[1:5])
    assert float(c @ part.x) >= float(c @ whole.x) - 1e-6
    assert abs(float(c @ every.x) - float(c @ whole.x)) < 1e-6
    assert part.bound <= float(c @ whole.x) + 1e-6
