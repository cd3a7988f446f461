"""The whole search's stall count (tiers.STALL_SHARE, README "Housing model", "Budgets"): a
count of nodes without a better plan, asked of the whole search only, so a tier it stops ends
`budget` at the same plan in every run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from ortools.linear_solver import linear_solver_pb2 as pb
from ortools.linear_solver import pywraplp

from foresterie.housing import tiers
from foresterie.housing.mip import Program, SearchResult
from foresterie.housing.tiers import _tier
from tests.helpers import farm, foresteria, scenario
from tests.housing.test_lp_limit import _slack_plan, _split_market


def test_a_search_with_a_stall_count_stops_before_its_node_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The market split from the plan of slacks: 20 nodes without a better plan stop SCIP far
    before its node limit of a million (which would take it minutes), not optimal, at the same
    plan in both runs; the count reaches SCIP as limits/stallnodes, and only when asked."""
    asked: list[str] = []
    solve = pywraplp.Solver.SolveWithProto

    def record(req: pb.MPModelRequest, res: pb.MPSolutionResponse) -> Any:
        asked.append(req.solver_specific_parameters)
        return solve(req, res)

    monkeypatch.setattr(pywraplp.Solver, "SolveWithProto", record)
    runs = []
    for _ in range(2):
        p, c = _split_market()
        start = _slack_plan(p)
        r = p.search(c, node_limit=1_000_000, seed=1, time_limit_s=600, hint=start, stall_nodes=20)
        assert r.x is not None and not r.optimal
        assert r.objective is not None and r.objective <= int(c @ start)
        runs.append((r.objective, r.bound, r.x.tolist()))
    assert runs[0] == runs[1]
    assert all("limits/stallnodes = 20\n" in a for a in asked)
    p, c = _split_market()
    p.search(c, node_limit=5, seed=1, time_limit_s=600)
    assert "stallnodes" not in asked[-1]


def test_the_whole_search_has_a_stall_count_of_its_share_of_the_nodes_the_rungs_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every search of the tier is recorded: the whole one ("full", with the best plan as its
    hint) and any neighbourhood (quick) one get node budget // STALL_SHARE, the ladder's
    rungs (whose "none" raises the bound) none; the tier the counts stop is `budget`, the
    same in every run."""
    monkeypatch.setattr(tiers, "SEARCH_WORK", 1)
    monkeypatch.setattr(tiers, "MIN_NODES", 40)
    monkeypatch.setattr(tiers, "STALL_SHARE", 8)
    asked: list[tuple[int, int | None, bool, bool]] = []
    search = Program.search

    def record(self: Program, c: np.ndarray, **kw: Any) -> SearchResult:
        asked.append(
            (kw["node_limit"], kw.get("stall_nodes"), kw.get("hint") is not None, kw["quick"])
        )
        return search(self, c, **kw)

    monkeypatch.setattr(Program, "search", record)
    sc = scenario([foresteria("A", men=1)], [farm("F1")], [])
    runs = []
    for _ in range(2):
        asked.clear()
        p, c = _split_market()
        r, x = _tier(
            p, "slack", "min", c, [_slack_plan(p)], np.array([], dtype=np.int64), sc, float("inf")
        )
        runs.append((r.objective, r.bound, r.optimal, r.proof, x.tolist(), list(asked)))
    assert runs[0] == runs[1]
    objective, bound, optimal, proof, _, calls = runs[0]
    assert (optimal, proof) == (False, "budget") and 0 <= bound < objective
    assert [a for a in calls if a[2]] == [(40, 40 // 8, True, False)]  # the whole search
    for limit, stall, hint, quick in calls:
        assert stall == (limit // 8 if hint or quick else None)
    assert any(not hint and not quick for _, _, hint, quick in calls)  # the ladder's rungs
