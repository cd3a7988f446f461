"""A large peak tier answered in a child process while the waitlist is explained for the plan it
starts from (tiers.plan_housing): the same plan, tiers and waitlist as one after the other, and
the explanation made again wherever the guess does not hold."""

from __future__ import annotations

from typing import Any

import pytest

from foresterie.housing import tiers
from tests.helpers import farm, foresteria, matrix, scenario, worker

_EXPLAIN = tiers.explain_waitlist


def _season() -> tuple[Any, Any]:
    """Three foresterie of two beds, seven men with farms beside them: nobody fits everywhere,
    so the waitlist has people to explain."""
    fs = [foresteria("A", men=2), foresteria("B", men=2), foresteria("C", men=2)]
    ws = [worker(f"W{i}", farm_id=f"F{'ABC'[i % 3]}", priority=i % 2) for i in range(8)]
    sc = scenario(fs, [farm(f"F{f}") for f in "ABC"], ws)
    m = matrix({(f, f"F{f}"): 5 for f in "ABC"}, ["A", "B", "C", "FA", "FB", "FC"])
    return sc, m


def _run(monkeypatch: pytest.MonkeyPatch, one_core: bool) -> tuple[object, list[bool]]:
    """The season housed with every program counted large (RESTRICT_MIN_COLUMNS 0); each
    explanation asked in this process listed by its all_optimal."""
    monkeypatch.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    monkeypatch.setattr(tiers.os, "cpu_count", lambda: 1 if one_core else 2)
    asked: list[bool] = []

    def spy(*a: Any) -> Any:
        asked.append(a[5])
        return _EXPLAIN(*a)

    monkeypatch.setattr(tiers, "explain_waitlist", spy)
    sc, m = _season()
    h = tiers.plan_housing(sc, m, processes=1)
    got = (
        [(a.worker_id, a.foresteria_id, a.arrival, a.departure) for a in h.assignments],
        [(t.name, t.objective, t.bound, t.proof, t.optimal, t.lp_stopped) for t in h.tiers],
        [(e.worker_id, e.code, e.reason, e.proven) for e in h.waitlist],
    )
    return got, asked


def test_a_proven_plan_is_explained_again_as_proven(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every tier proven (the peak's one LP round reaches its plan): the guess, made as if the
    peak were not proven, does not hold, and the waitlist is explained again as proven; the
    plan, tiers and waitlist are those of one core."""
    monkeypatch.setattr(tiers, "PEAK_LP_ROUNDS", None)
    one, asked_one = _run(monkeypatch, one_core=True)
    both, asked_both = _run(monkeypatch, one_core=False)
    assert both == one and one[2]
    assert all(t[4] for t in one[1])  # every tier proven
    assert asked_one == [True] and asked_both == [False, True]


def test_an_unproven_plan_keeps_the_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every LP stopped after its first round (tiers end unproven): the peak tier ends on the plan
    it starts from, the guess holds and is kept (one explanation here), and the plan, tiers and
    waitlist are those of one core."""
    monkeypatch.setattr(tiers, "RESTRICT_TAIL", 1.0)
    monkeypatch.setattr(tiers, "RESTRICT_TAIL_ROUNDS", 0)
    monkeypatch.setattr(tiers, "NEAREST", 1)
    one, asked_one = _run(monkeypatch, one_core=True)
    both, asked_both = _run(monkeypatch, one_core=False)
    assert both == one and one[2]
    assert not all(t[4] for t in one[1])
    assert asked_one == [False] and asked_both == [False]
