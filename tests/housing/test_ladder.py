"""The ladder's single steps asked top-down, and the peak tier's LP iteration limit (tiers._tier,
README "Housing model"): against the bottom-up ladder and brute force on small programs."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.housing import tiers
from foresterie.housing.mip import Program
from foresterie.housing.tiers import _ladder, _tier, plan_housing
from tests.helpers import farm, foresteria, matrix, scenario, worker

# A column held at 1 with this cost lifts every objective to where the ladder has single steps
# (an LP bound between 40,000 and a million: bed-nights of a block).
OFFSET = 50_000


def _covering(costs: list[int], sizes: list[int], need: int) -> tuple[Program, np.ndarray]:
    """min OFFSET + sum costs x over binaries x with sum sizes x >= need (column 0: the offset,
    held at 1)."""
    p = Program()
    p.add_var(1, 1)
    cols = [p.add_var(0, 1) for _ in costs]
    p.add_row(cols, sizes, lb=need)
    return p, np.array([OFFSET, *costs], dtype=np.int64)


def _both(
    make: Callable[[], tuple[Program, np.ndarray]], incumbent: bool = False
) -> dict[bool, tuple[int, int, bool, str, list[int], int]]:
    """The tier solved top-down and bottom-up, each on a fresh copy of the program: value,
    bound, optimal, proof, solution, searches asked. incumbent: everything taken, offered first
    (it caps the ladder)."""
    sc = scenario([foresteria("A", men=1)], [farm("F1")], [])
    out = {}
    for top_down in (True, False):
        p, c = make()
        inc = [np.ones(p.n, dtype=np.int64)] if incumbent else []  # everything taken
        r, x = _tier(
            p,
            "t",
            "min",
            c,
            inc,
            np.array([], dtype=np.int64),
            sc,
            float("inf"),
            top_down=top_down,
        )
        out[top_down] = (r.objective, r.bound, r.optimal, r.proof, x.tolist(), r.searches)
    return out


def _brute(p: Program, c: np.ndarray) -> int:
    return min(
        int(c @ np.array(v, dtype=np.int64))
        for v in itertools.product((0, 1), repeat=p.n)
        if p.feasible(np.array(v, dtype=np.int64))
    )


def test_the_ladder_of_these_programs_has_four_single_steps() -> None:
    p, c = _covering([10, 10, 8], [4, 4, 3], 6)
    lp = p.lp(c.astype(float))
    assert lp is not None and lp.bound == OFFSET + 15
    assert _ladder(lp.bound)[:5] == [0, 1, 2, 3, 4]


def test_no_solution_within_the_single_steps_costs_one_question_instead_of_four() -> None:
    """Three items of size 4 and cost 10, 6 needed: the LP takes one and a half (15; its vertex
    rounds to one item, too few), the optimum is two (20), 5 off the bound. Bottom-up asks the
    bound and + 1..4, each "none", then the whole search; top-down asks the bound, + 4, then the
    whole search: the same optimum, bound and proof, 3 searches fewer."""
    res = _both(lambda: _covering([10, 10, 10], [4, 4, 4], 6))
    top, bottom = res[True], res[False]
    assert top[:5] == bottom[:5]
    assert top[:4] == (OFFSET + 20, OFFSET + 20, True, "search")
    assert (top[5], bottom[5]) == (3, 6)


def test_an_optimum_three_off_the_bound_is_found_with_the_bottom_up_plan() -> None:
    """Sizes 4, 4, 3 at costs 10, 10, 8, 6 needed: LP 15, optimum 18 (a size 4 and the size 3),
    3 off the bound. Top-down finds it at + 4 and asks + 3 again, as bottom-up asks it: the
    same solution, 3 searches against 4 (the bound, + 1, + 2, + 3)."""
    p, c = _covering([10, 10, 8], [4, 4, 3], 6)
    assert _brute(p, c) == OFFSET + 18
    res = _both(lambda: _covering([10, 10, 8], [4, 4, 3], 6))
    top, bottom = res[True], res[False]
    assert top[:5] == bottom[:5]
    assert top[:4] == (OFFSET + 18, OFFSET + 18, True, "reduced_cost_search")
    assert (top[5], bottom[5]) == (3, 4)


@st.composite
def coverings(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 7))
    costs = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    sizes = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    need = draw(st.integers(1, sum(sizes)))
    return costs, sizes, need, draw(st.booleans())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coverings())
def test_top_down_gives_the_bottom_up_tier_and_brute_force_optimum(case) -> None:  # type: ignore[no-untyped-def]
    """On random covering programs (with or without an incumbent capping the ladder): the
    top-down ladder returns the bottom-up ladder's value, bound, proof and solution, the value
    is brute force's optimum, and it asks at most one search more (an optimum 1 off the bound:
    + 4, then + 1 again), fewer whenever the optimum is 3 or more off the LP bound."""
    costs, sizes, need, incumbent = case
    res = _both(lambda: _covering(costs, sizes, need), incumbent=incumbent)
    top, bottom = res[True], res[False]
    p, c = _covering(costs, sizes, need)
    assert top[:5] == bottom[:5]
    assert top[0] == _brute(p, c) and top[2]
    assert top[5] <= bottom[5] + 1
    lp = p.lp(c.astype(float))
    assert lp is not None
    if top[0] - lp.bound >= 3 and top[3] != "lp_bound":
        assert top[5] < bottom[5]


# ------------------------------------------------------------------- the peak LP's iteration limit


def _split_market() -> tuple[Program, np.ndarray]:
    """A market-split program (m = 4 rows, 30 binaries, a slack pair per row; minimise the
    slacks): GLOP needs 21 simplex iterations for its LP, whatever the machine."""
    rng = np.random.default_rng(1)
    n = 30
    p = Program()
    for _ in range(n):
        p.add_var(0, 1)
    slack = []
    a = rng.integers(0, 100, size=(4, n))
    for i in range(4):
        up, down = p.add_var(0, 10_000), p.add_var(0, 10_000)
        slack += [up, down]
        d = int(a[i].sum() // 2)
        p.add_row([*range(n), up, down], [*a[i].tolist(), 1, -1], lb=d, ub=d)
    c = np.zeros(p.n, dtype=np.int64)
    c[slack] = 1
    return p, c


def _slack_plan(p: Program) -> np.ndarray:
    """Every binary 0, the slacks taking up each row's right-hand side: always feasible."""
    x = np.zeros(p.n, dtype=np.int64)
    for idx, _, lb, _ in p.rows:
        x[idx[-2]] = int(lb)  # the row's "up" slack
    return x


def test_the_lp_iteration_limit_is_a_count() -> None:
    p, c = _split_market()
    free = p.lp(c.astype(float))
    assert free is not None and free.bound == 0
    assert p.lp(c.astype(float), iteration_limit=20) is None  # one short: stopped
    at = p.lp(c.astype(float), iteration_limit=21)
    assert at is not None and at.bound == free.bound and np.array_equal(at.x, free.x)


def test_a_tier_whose_lp_reaches_its_iteration_limit_returns_the_incumbent_as_budget() -> None:
    """The LP stopped at 5 iterations: no search is asked, the tier returns the incumbent it
    was given, marked budget, with the bound the columns' own bounds give (0), the same in
    every run. With room for the LP the same tier goes on and improves on it."""
    sc = scenario([foresteria("A", men=1)], [farm("F1")], [])
    runs = []
    for _ in range(2):
        p, c = _split_market()
        start = _slack_plan(p)
        assert p.feasible(start)
        r, x = _tier(
            p,
            "slack",
            "min",
            c,
            [start],
            np.array([], dtype=np.int64),
            sc,
            float("inf"),
            lp_iterations=5,
        )
        runs.append((r.objective, r.bound, r.optimal, r.proof, r.searches, x.tolist()))
        assert x.tolist() == start.tolist()
    assert runs[0] == runs[1]
    objective, bound, optimal, proof, searches, _ = runs[0]
    assert (bound, optimal, proof, searches) == (0, False, "budget", 0)
    assert objective == int(c @ _slack_plan(_split_market()[0])) > 0
    p, c = _split_market()
    r, _ = _tier(
        p,
        "slack",
        "min",
        c,
        [_slack_plan(p)],
        np.array([], dtype=np.int64),
        sc,
        float("inf"),
        lp_iterations=1_000,
    )
    assert r.searches > 0 and r.objective < objective


def test_the_peak_tier_stopped_by_its_lp_limit_keeps_the_commute_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A whole season: with the peak LP's iteration limit at 0 the peak tier is `budget` and
    the people sleep where the commute tier put them; every other tier is as before."""
    fs = [foresteria("A", men=4), foresteria("B", men=4)]
    farms = [farm("F1"), farm("F2")]
    ws = [
        worker(f"W{i}", "2026-07-01", "2026-07-05", farm_id="F1" if i % 2 else "F2")
        for i in range(4)
    ]
    m = matrix(
        {("A", "F1"): 10, ("B", "F1"): 10, ("A", "F2"): 10, ("B", "F2"): 10}, ["A", "B", "F1", "F2"]
    )
    sc = scenario(fs, farms, ws)
    free = plan_housing(sc, m)
    monkeypatch.setattr(tiers, "PEAK_LP_ITERATIONS", 0)
    stopped = plan_housing(sc, m)
    by = {t.name: t for t in stopped.tiers}
    assert by["peak_permille"].proof == "budget" and not by["peak_permille"].optimal
    for t in free.tiers:
        if t.name != "peak_permille":
            assert (by[t.name].objective, by[t.name].proof) == (t.objective, t.proof)
    assert {a.worker_id for a in stopped.assignments} == {a.worker_id for a in free.assignments}
