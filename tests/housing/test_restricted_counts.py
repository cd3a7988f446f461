"""The restricted LP's counts (tiers.RESTRICT_ITERATIONS_PER_ROW, RESTRICT_TAIL,
RESTRICT_TAIL_ROUNDS; README "Housing model", "Budgets"): counts, not the clock, end its rounds
before they are exact. A tier whose LP a count stopped asks no search, is `budget` unless its
plan reaches the bound it has, says so (TierResult.lp_stopped), and is the same in every run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from foresterie.housing import tiers
from foresterie.housing.mip import LpResult, Program, RestrictedLp
from foresterie.housing.tiers import HousingPlan, _lp, plan_housing
from foresterie.scenario.model import Scenario
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import farm, foresteria, matrix, scenario, worker
from tests.housing.test_greedy import _models
from tests.housing.test_lp_limit import _split_market


def _record(monkeypatch: pytest.MonkeyPatch, keep: Callable[[LpResult], object]) -> None:
    """Every answer of a restricted LP's round (mip.RestrictedLp.solve, which Program.lp also
    uses) handed to `keep` as it is given."""
    real = RestrictedLp.solve

    def recorded(self: RestrictedLp, *a: Any, **k: Any) -> LpResult | None:
        lp = real(self, *a, **k)
        if lp is not None:
            keep(lp)
        return lp

    monkeypatch.setattr(RestrictedLp, "solve", recorded)


def _season() -> tuple[Scenario, TravelMatrix]:
    """Near foresteria A has one bed, B and C (farther) five each: on A's columns alone the LP
    houses one person, and pricing brings B's and C's back."""
    fs = [foresteria("A", men=1), foresteria("B", men=5), foresteria("C", men=5)]
    ws = [worker(f"W{i}", f"2026-07-0{1 + i % 3}", "2026-07-09", priority=i % 2) for i in range(8)]
    m = matrix({("A", "F1"): 5, ("B", "F1"): 20, ("C", "F1"): 30}, ["A", "B", "C", "F1"])
    return scenario(fs, [farm("F1")], ws), m


def _restricted(monkeypatch: pytest.MonkeyPatch) -> tuple[tiers._Model, np.ndarray, np.ndarray]:
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    sc, m = _season()
    (mdl,) = _models(sc, m)
    c = -mdl.obj["housed_priority_0"].astype(float)
    return mdl, c, mdl.nearest(m, 1)


def test_the_rounds_end_at_the_whole_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the counts as shipped the rounds end exact: the whole LP's value and bound, after
    more than one round."""
    mdl, c, near = _restricted(monkeypatch)
    whole = mdl.p.lp(c)
    got = _lp(mdl.p, c, near, [], None, float("inf"))
    assert whole is not None and got.lp is not None
    assert not got.counted and got.rounds >= 2
    assert got.lp.bound == whole.bound and abs(float(c @ got.lp.x) - float(c @ whole.x)) < 1e-6


def test_the_tail_count_stops_the_rounds_with_a_safe_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every round a tail round and none allowed after it: one round, marked `counted`, its
    answer kept; its bound is a bound (never above the whole LP's), the same twice."""
    mdl, c, near = _restricted(monkeypatch)
    whole = mdl.p.lp(c)
    assert whole is not None
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", 1.0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 0)
    runs = [_lp(mdl.p, c, near, [], None, float("inf")) for _ in range(2)]
    for got in runs:
        assert got.counted and got.rounds == 1 and got.lp is not None
        assert got.lp.bound <= whole.bound
    a, b = (r.lp for r in runs)
    assert a is not None and b is not None
    assert a.bound == b.bound and np.array_equal(a.x, b.x)


def test_a_count_of_rounds_stops_them_after_that_many(monkeypatch: pytest.MonkeyPatch) -> None:
    """max_rounds (the peak tier's PEAK_LP_ROUNDS): the rounds the shipped counts would run to
    the whole LP stop after the first, `counted`, with a safe bound no higher than the whole
    LP's; a count at or above the rounds needed changes nothing."""
    mdl, c, near = _restricted(monkeypatch)
    whole = mdl.p.lp(c)
    exact = _lp(mdl.p, c, near, [], None, float("inf"))
    assert whole is not None and exact.lp is not None and exact.rounds >= 2
    one = _lp(mdl.p, c, near, [], None, float("inf"), 1)
    assert one.counted and one.rounds == 1 and one.best_bound is not None
    assert one.best_bound <= whole.bound
    enough = _lp(mdl.p, c, near, [], None, float("inf"), exact.rounds)
    assert not enough.counted and enough.lp is not None and enough.lp.bound == exact.lp.bound


def test_the_iteration_count_stops_a_round_where_set_low(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The market-split program (4 rows; HiGHS needs 7 iterations, presolve cannot solve it),
    restricted to every column: at 1 iteration a row (4) the first round has no answer, nor
    has the whole LP tried after it with the same count, and the answer says a count stopped
    it, the same twice; at 2 a row (8) the LP is the whole LP."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    p, c = _split_market()
    cf = c.astype(float)
    every = np.ones(p.n, dtype=bool)
    monkeypatch.setattr(tiers, "RESTRICT_ITERATIONS_PER_ROW", 1)
    for _ in range(2):
        got = _lp(p, cf, every, [], None, float("inf"))
        assert got.lp is None and got.counted
    monkeypatch.setattr(tiers, "RESTRICT_ITERATIONS_PER_ROW", 2)
    got = _lp(p, cf, every, [], None, float("inf"))
    whole = p.lp(cf)
    assert got.lp is not None and whole is not None and not got.counted
    assert got.lp.bound == whole.bound


def _plan_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[object], list[object], HousingPlan]:
    """The season housed with every tier's LP restricted, first to each unit's nearest
    foresteria (of three)."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "NEAREST", 1)
    sc, m = _season()
    hp = plan_housing(sc, m, processes=1)
    rows = sorted((a.worker_id, a.foresteria_id, a.arrival, a.departure) for a in hp.assignments)
    ts = [(t.name, t.objective, t.bound, t.proof, t.lp_stopped) for t in hp.tiers]
    return rows, ts, hp


def test_a_tier_whose_lp_a_count_stopped_asks_no_search_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole season, every tier on the restricted LP: as shipped no tier's LP is stopped
    and every tier is proven. With no round allowed after one that prices anything back, the tiers whose first
    round does (priorities 1 and 0, commute, peak: A's columns alone are too few) are stopped
    there: listed in lp_stopped, no search asked, `budget` where the plan does not reach the
    bound they have, that bound still a bound on the plan's value, and the same plan and tiers
    in two runs."""
    rows, ts, hp = _plan_rows(monkeypatch)
    assert hp.lp_stopped == [] and all(t.optimal for t in hp.tiers)
    assert rows and not any(t[4] for t in ts)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", 1.0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 0)
    runs = [_plan_rows(monkeypatch) for _ in range(2)]
    assert runs[0][:2] == runs[1][:2]
    hp0 = runs[0][2]
    stopped = ["housed_priority_1", "housed_priority_0", "commute_s", "peak_permille"]
    assert hp0.lp_stopped == stopped
    assert hp0.assignments
    for t in hp0.tiers:
        if t.lp_stopped:
            assert t.searches == 0
            assert t.objective <= t.bound if t.sense == "max" else t.objective >= t.bound
            assert t.proof == ("budget" if t.objective != t.bound else "lp_bound")


def _tail_program() -> tuple[Program, np.ndarray, np.ndarray]:
    """A packing program (40 integer columns of 0-3, 8 capacity rows, seed 121), restricted
    first to its first 3 columns: pricing takes 4 rounds to the whole LP, and the rounds' safe
    bounds are -266, -96, -97, -90, not monotone (round 3's below round 2's), as the 20,000
    season's tail rounds were (session 15)."""
    rng = np.random.default_rng(121)
    n = 40
    p = Program()
    for _ in range(n):
        p.add_var(0, 3)
    a = rng.integers(0, 10, size=(8, n))
    for row in a:
        p.add_row(list(range(n)), row.tolist(), lb=0, ub=int(rng.integers(10, 40)))
    c = -rng.integers(1, 20, size=n).astype(float)
    near = np.zeros(n, dtype=bool)
    near[:3] = True
    return p, c, near


def test_a_count_keeps_the_best_bound_of_the_rounds_not_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stopped by the tail count after round 3, the answer is round 3's LP (its solution feeds
    the completions) with round 2's bound, the best of the three (any round's duals bound the
    whole program); as shipped the rounds end exact, at the whole LP's bound."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    p, c, near = _tail_program()
    seen: list[int] = []
    _record(monkeypatch, lambda lp: seen.append(lp.bound))
    exact = _lp(p, c, near, [], None, float("inf"))
    assert len(seen) == 4
    whole = p.lp(c)
    assert exact.lp is not None and whole is not None and not exact.counted
    assert exact.rounds == 4 and exact.lp.bound == whole.bound and exact.best_bound is None
    assert seen[1] > seen[2]  # the program's point: round 3's bound is below round 2's
    seen.clear()
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", float(p.n))  # every round a tail round
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 2)
    got = _lp(p, c, near, [], None, float("inf"))
    assert got.counted and got.rounds == 3 and got.lp is not None and len(seen) == 3
    assert got.lp.bound == seen[2] < got.best_bound == seen[1] == max(seen) <= whole.bound


def test_as_shipped_one_round_follows_the_first_tail_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With RESTRICT_TAIL_ROUNDS as shipped, the first round that prices back fewer than
    RESTRICT_TAIL of the columns is followed by one more round, and then the count stops them:
    two rounds here, where every round is a tail round and the rounds need four to be exact."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    p, c, near = _tail_program()
    exact = _lp(p, c, near, [], None, float("inf"))
    assert not exact.counted and exact.rounds == 4
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", float(p.n))  # every round a tail round
    got = _lp(p, c, near, [], None, float("inf"))
    assert got.counted and got.rounds == tiers.RESTRICT_TAIL_ROUNDS + 1 == 2
    assert got.lp is not None and got.best_bound is not None
    assert exact.lp is not None and got.best_bound <= exact.lp.bound  # a bound, weaker or equal


def test_a_first_round_with_an_incumbent_stopped_by_its_count_asks_no_whole_lp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The market-split program with a feasible incumbent (every binary 0, the slacks taking up
    the rows), restricted to every column: at 1 iteration a row the first round has no answer.
    The incumbent's support is in, so the round was feasible and its count stopped it: the
    answer is `counted` with no LP, and no second LP (the whole program's) is asked; without
    an incumbent the whole LP is still tried after it (the columns alone might hold nothing)."""
    from tests.housing.test_lp_limit import _slack_plan

    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "RESTRICT_ITERATIONS_PER_ROW", 1)
    p, c = _split_market()
    cf = c.astype(float)
    every = np.ones(p.n, dtype=bool)
    real = p.lp
    solve = RestrictedLp.solve
    asked: list[str] = []

    def whole(*a: Any, **k: Any) -> LpResult | None:
        asked.append("whole")
        return real(*a, **k)

    def rounds(self: RestrictedLp, *a: Any, **k: Any) -> LpResult | None:
        asked.append("round")
        return solve(self, *a, **k)

    monkeypatch.setattr(p, "lp", whole)
    monkeypatch.setattr(RestrictedLp, "solve", rounds)
    got = _lp(p, cf, every, [_slack_plan(p)], None, float("inf"))
    assert got.lp is None and got.counted and got.rounds == 1
    assert asked == ["round"]  # the restricted round only
    asked.clear()
    got = _lp(p, cf, every, [], None, float("inf"))
    assert got.lp is None and got.counted
    # then the whole LP (its own solve), which the count stops too
    assert asked == ["round", "whole", "round"]


def test_the_answer_carries_the_columns_of_its_last_round(monkeypatch: pytest.MonkeyPatch) -> None:
    """A restricted LP's answer names the columns its LP was over (the tier's later LPs are
    asked over them): the first round's near columns and everything priced back after them
    while the rounds run on; a round its count stops gives the columns of the round kept."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    p, c, near = _tail_program()
    exact = _lp(p, c, near, [], None, float("inf"))
    assert exact.columns is not None and exact.rounds == 4
    assert exact.columns[:3].all() and exact.columns.sum() > 3
    assert exact.lp is not None
    assert not np.any(exact.lp.x[~exact.columns])  # nothing outside them in its solution
    one = _lp(p, c, near, [], None, float("inf"), 1)
    assert one.columns is not None and one.columns.sum() == 3  # the first round's
    whole = _lp(p, c, None, [], None, float("inf"))
    assert whole.columns is None  # no restriction: every column


def test_a_tail_round_whose_bound_is_within_the_gap_of_its_value_is_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RESTRICT_GAP: in the tail (every round one here, and as many tail rounds allowed as it
    takes), the rounds stop at the first whose best safe bound is within RESTRICT_GAP of the
    round's own value, `counted`, with that best bound, which is still a bound of the whole LP;
    at a gap of 0 they run to the whole LP, as without it."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 10)
    p, c, near = _tail_program()
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", float(p.n))  # every round a tail round
    seen: list[tuple[int, float]] = []  # each round's safe bound and value
    _record(monkeypatch, lambda lp: seen.append((lp.bound, float(c @ lp.x))))
    monkeypatch.setattr(tiers, "RESTRICT_GAP", 0.0)
    exact = _lp(p, c, near, [], None, float("inf"))
    assert not exact.counted and exact.rounds == 4
    rounds = list(seen)
    gaps = []
    best = -np.inf
    for bound, value in rounds:
        best = max(best, bound)
        gaps.append((value - best) / max(1.0, abs(value)))
    assert gaps[0] > 0 and min(gaps[1:3]) < gaps[0]  # the program's point: the gap narrows
    for k in (0, 1, 2):
        seen.clear()
        monkeypatch.setattr(tiers, "RESTRICT_GAP", gaps[k] + 1e-12)
        got = _lp(p, c, near, [], None, float("inf"))
        stop = next(i for i, g in enumerate(gaps) if g <= gaps[k] + 1e-12)
        assert got.counted and got.rounds == stop + 1
        assert got.best_bound == max(b for b, _ in rounds[: stop + 1])
        assert got.best_bound <= whole_bound(p, c)


def whole_bound(p: Program, c: np.ndarray) -> int:
    whole = Program.lp(p, c)
    assert whole is not None
    return whole.bound


def test_the_gap_does_not_end_the_rounds_where_the_plan_is_near(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RESTRICT_GAP ends the tail only where the best plan so far is farther than the gap from
    the round's value (review 22): a plan that near might be proven once the LP is exact. With
    the gap as wide as the values themselves, the rounds stop early without a plan (the first
    round whose bound is within it), and run on to the whole LP (four rounds) with the empty
    plan (value 0, as far from each round's value as the gap allows, not farther)."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 10)
    monkeypatch.setattr(tiers, "RESTRICT_GAP", 1.0)
    p, c, near = _tail_program()
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", float(p.n))  # every round a tail round
    none = _lp(p, c, near, [], None, float("inf"))
    assert none.counted and none.rounds < 4
    empty = np.zeros(p.n, dtype=np.int64)
    assert p.feasible(empty)
    near_plan = _lp(p, c, near, [empty], None, float("inf"))
    assert not near_plan.counted and near_plan.rounds == 4
