"""The restricted LP's counts (tiers.RESTRICT_ITERATIONS_PER_ROW, RESTRICT_TAIL,
RESTRICT_TAIL_ROUNDS; README "Housing model", "Budgets"): its rounds share one GLOP solver, and
counts, not the clock, end them before they are exact. A tier whose LP a count stopped says so
(TierResult.lp_stopped) and is the same in every run."""

from __future__ import annotations

import numpy as np
import pytest

from foresterie.housing import tiers
from foresterie.housing.mip import RestrictedLp
from foresterie.housing.tiers import _lp, plan_housing
from foresterie.scenario.model import Scenario
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import farm, foresteria, matrix, scenario, worker
from tests.housing.test_greedy import _models


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


def test_the_warm_rounds_end_at_the_whole_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the counts as shipped the rounds end exact: the whole LP's value and bound, more
    than one round, and a round after the first adds columns to the same solver."""
    mdl, c, near = _restricted(monkeypatch)
    whole = mdl.p.lp(c)
    got = _lp(mdl.p, c, near, [], None, float("inf"))
    assert whole is not None and got.lp is not None
    assert not got.counted and got.rounds >= 2
    assert got.lp.bound == whole.bound and abs(float(c @ got.lp.x) - float(c @ whole.x)) < 1e-6


def test_a_round_after_new_columns_starts_from_the_last_basis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RestrictedLp: the LP re-solved after columns are added takes fewer simplex iterations
    than the same LP from a fresh solver (GLOP kept its basis), and has the same value."""
    mdl, c, near = _restricted(monkeypatch)
    rlp = RestrictedLp(mdl.p, c, near)
    first = rlp.solve(None, float("inf"))
    assert first is not None
    out = ~rlp.columns & (first.d < -1e-6)
    assert out.any()
    before = rlp.iterations
    rlp.add(out)
    warm = rlp.solve(None, float("inf"))
    cold = RestrictedLp(mdl.p, c, near | out)
    fresh = cold.solve(None, float("inf"))
    assert warm is not None and fresh is not None
    assert abs(float(c @ warm.x) - float(c @ fresh.x)) < 1e-6
    assert rlp.iterations - before < cold.iterations


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


def test_the_iteration_count_stops_the_first_round_without_an_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No iteration allowed: the first round has no answer, and the whole LP is not tried
    instead (that is for a restricted LP with none); the answer says a count stopped it."""
    mdl, c, near = _restricted(monkeypatch)
    monkeypatch.setattr(tiers, "RESTRICT_ITERATIONS_PER_ROW", 0)
    got = _lp(mdl.p, c, near, [], None, float("inf"))
    assert got.lp is None and got.counted


def _plan_rows(monkeypatch: pytest.MonkeyPatch) -> tuple[list[object], list[object], object]:
    """The season housed with every tier's LP restricted, first to each unit's nearest
    foresteria (of three)."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers, "NEAREST", 1)
    sc, m = _season()
    hp = plan_housing(sc, m, processes=1)
    rows = sorted((a.worker_id, a.foresteria_id, a.arrival, a.departure) for a in hp.assignments)
    ts = [(t.name, t.objective, t.bound, t.proof, t.lp_stopped) for t in hp.tiers]
    return rows, ts, hp


def test_a_tier_whose_lp_a_count_stopped_is_budget_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole season, every tier on the restricted LP: as shipped no tier's LP is stopped
    and every tier is proven. With no iteration allowed every tier with people to house before
    the peak (which has its own count) is stopped in its first round: `budget`, listed in lp_stopped, with a plan
    that fits (the greedy), the same in two runs. Stopped after one round instead, a tier is
    marked too, and its bound still bounds its plan's value. (Priorities 3 and 2 house nobody
    here: their LPs are optimal at their first basis, with no iteration.)"""
    rows, ts, hp = _plan_rows(monkeypatch)
    assert hp.lp_stopped == [] and all(t.optimal for t in hp.tiers)  # type: ignore[attr-defined]
    assert rows and not any(t[4] for t in ts)
    monkeypatch.setattr(tiers, "RESTRICT_ITERATIONS_PER_ROW", 0)
    runs = [_plan_rows(monkeypatch) for _ in range(2)]
    assert runs[0][:2] == runs[1][:2]
    _, ts0, hp0 = runs[0]
    stopped = [t for t in ts0 if t[4]]
    assert [t[0] for t in stopped] == ["housed_priority_1", "housed_priority_0", "commute_s"]
    assert all(t[3] == "budget" for t in stopped)
    assert hp0.lp_stopped == [t[0] for t in stopped]  # type: ignore[attr-defined]
    assert hp0.assignments  # type: ignore[attr-defined]
    monkeypatch.setattr(tiers, "RESTRICT_ITERATIONS_PER_ROW", 4)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", 1.0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 0)
    _, _, hp1 = _plan_rows(monkeypatch)
    assert hp1.lp_stopped  # type: ignore[attr-defined]
    for t in hp1.tiers:  # type: ignore[attr-defined]
        if t.lp_stopped:  # a weaker bound, still a bound on the plan's value
            assert t.objective <= t.bound if t.sense == "max" else t.objective >= t.bound
