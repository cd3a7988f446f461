"""The peak tier's LP iteration limit (tiers.PEAK_LP_ITERATIONS, README "Housing model",
budgets): a count, and a tier it stops returns its incumbent as `budget` without a search."""

from __future__ import annotations

import numpy as np
import pytest

from foresterie.housing import tiers
from foresterie.housing.mip import Program
from foresterie.housing.tiers import _tier, plan_housing
from tests.helpers import farm, foresteria, matrix, scenario, worker


def _split_market() -> tuple[Program, np.ndarray]:
    """A market-split program (m = 4 rows, 30 binaries, a slack pair per row; minimise the
    slacks): HiGHS needs 7 iterations for its LP (interior point, then crossover), whatever the
    machine."""
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
    assert p.lp(c.astype(float), iteration_limit=6) is None  # one short: stopped
    at = p.lp(c.astype(float), iteration_limit=7)
    assert at is not None and at.bound == free.bound and np.array_equal(at.x, free.x)


def test_a_tier_whose_lp_reaches_its_iteration_limit_returns_the_incumbent_as_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The LP stopped at 5 iterations: no search is asked, the tier returns the incumbent it
    was given, marked budget, with the bound the columns' own bounds give (0), the same in
    every run. With room for the LP the same tier goes on (searches of 20 nodes) and improves
    on it."""
    monkeypatch.setattr(tiers, "SEARCH_WORK", 1)
    monkeypatch.setattr(tiers, "MIN_NODES", 20)
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


def test_a_search_with_more_free_columns_than_its_cap_is_not_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tiers.SEARCH_MAX_FREE, a count of columns: with the cap below the program's 38 free
    columns no search of the whole program is asked, whatever the clock says (no net here),
    and the tier returns its incumbent, marked `budget`, the same in every run; with the cap
    at the program's width the same tier searches the whole program and improves on it."""
    monkeypatch.setattr(tiers, "SEARCH_WORK", 1)
    monkeypatch.setattr(tiers, "MIN_NODES", 200)
    sc = scenario([foresteria("A", men=1)], [farm("F1")], [])

    def run(cap: int) -> tuple[object, ...]:
        monkeypatch.setattr(tiers, "SEARCH_MAX_FREE", cap)
        p, c = _split_market()
        assert tiers.free_columns(p, None) == p.n == 38
        r, x = _tier(
            p, "slack", "min", c, [_slack_plan(p)], np.array([], dtype=np.int64), sc, float("inf")
        )
        return r.objective, r.bound, r.optimal, r.proof, r.searches, x.tolist()

    capped = run(37)
    assert capped == run(37)
    objective, _, optimal, proof, searches, _ = capped
    slack = int(_split_market()[1] @ _slack_plan(_split_market()[0]))
    # the whole program's searches are not asked; a ladder rung that reduced-cost fixing
    # narrows below the cap still is
    assert (optimal, proof, objective) == (False, "budget", slack)
    assert run(-1)[4] == 0  # below any search's width: none at all
    wide = run(38)
    assert wide[4] > searches and wide[0] < objective
