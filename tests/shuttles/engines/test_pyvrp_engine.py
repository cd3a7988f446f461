"""The PyVRP engine hands PyVRP its arcs as whole matrices: the same problem, hence the same
seeded search and the same routes, as building it arc by arc with `Model.add_edge`. Its search
loop is PyVRP's own `solve` transcribed (`iterated_local_search`): the same best solution."""

from __future__ import annotations

import pickle
import random
import warnings
from dataclasses import replace

import numpy as np
import pytest
from pyvrp import (
    CostEvaluator,
    Model,
    PenaltyParams,
    ProblemData,
    Route,
    Solution,
    SolveParams,
    solve,
)
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import NeighbourhoodParams, compute_neighbours
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

from foresterie.shuttles.engines import VehicleSpec, VRPInstance, solution_cost
from foresterie.shuttles.engines.pyvrp_engine import (
    PENALTIES,
    Deadline,
    PyVRPEngine,
    _matrices,
    _neighbours,
    _Priced,
    iterated_local_search,
    problem_data,
)


def _instance() -> VRPInstance:
    # A depot and five clients on a line (metres / minutes), two vehicle types, one optional.
    xs = [0, 3, 5, 9, 12, 20]
    dist = [[abs(a - b) * 1000 for b in xs] for a in xs]
    dur = [[abs(a - b) * 2 for b in xs] for a in xs]
    return VRPInstance(
        dist=dist,
        dur=dur,
        demand=[0, 3, 4, 2, 5, 6],
        service=[0, 2, 2, 2, 2, 2],
        tw_early=[0, 0, 10, 0, 20, 0],
        tw_late=[200, 60, 80, 90, 100, 45],
        vehicles=[
            VehicleSpec(capacity=8, num_available=3, fixed_cost=500, unit_distance_cost=1),
            VehicleSpec(capacity=14, num_available=1, fixed_cost=900, unit_distance_cost=2),
        ],
        prize=[0, 10**6, 10**6, 10**6, 10**6, 3],
    )


def _by_edges(inst: VRPInstance) -> ProblemData:
    """The former construction: every arc added one by one."""
    m = Model()
    locs = [m.add_location(0, 0) for _ in range(inst.n)]
    depot = m.add_depot(locs[0], tw_early=inst.tw_early[0], tw_late=inst.tw_late[0])
    for vt in inst.vehicles:
        m.add_vehicle_type(
            num_available=vt.num_available,
            capacity=vt.capacity,
            start_depot=depot,
            end_depot=depot,
            fixed_cost=vt.fixed_cost,
            tw_early=inst.tw_early[0],
            tw_late=inst.tw_late[0],
            shift_duration=min(vt.max_duration, 2**62),
            unit_distance_cost=vt.unit_distance_cost,
        )
    for i in range(1, inst.n):
        m.add_client(
            locs[i],
            delivery=0 if inst.pickup else inst.demand[i],
            pickup=inst.demand[i] if inst.pickup else 0,
            service_duration=inst.service[i],
            tw_early=inst.tw_early[i],
            tw_late=inst.tw_late[i],
            prize=inst.prize[i],
            required=inst.required(i),
        )
    for a in range(inst.n):
        for b in range(inst.n):
            if a != b:
                m.add_edge(locs[a], locs[b], distance=inst.dist[a][b], duration=inst.dur[a][b])
    return m.data()


def _routes(data: ProblemData) -> list[tuple[int, list[int]]]:
    res = solve(data, MaxIterations(300), seed=5, collect_stats=False, params=SolveParams())
    return sorted(
        (r.vehicle_type(), [int(a.idx) for a in r if a.is_client()]) for r in res.best.routes()
    )


@pytest.mark.parametrize("pickup", [False, True])
def test_matrices_give_the_same_problem_and_routes_as_edges(pickup: bool) -> None:
    inst = replace(_instance(), pickup=pickup)
    ours, old = problem_data(inst), _by_edges(inst)
    assert np.array_equal(ours.distance_matrix(0), old.distance_matrix(0))
    assert np.array_equal(ours.duration_matrix(0), old.duration_matrix(0))
    assert ours.num_clients == old.num_clients == 5
    assert ours.num_vehicle_types == old.num_vehicle_types == 2
    # Built without pyvrp.Model, the data is the model's to the byte: locations, clients,
    # depot, vehicle types (pickled, every field is in the state).
    assert pickle.dumps(ours) == pickle.dumps(old)
    assert [c.pickup[0] > 0 for c in ours.clients()] == [pickup] * 5
    assert _routes(ours) == _routes(old)


def test_the_deadline_counts_from_when_it_is_made_not_from_the_first_iteration() -> None:
    # PyVRP's MaxRuntime starts at its first call (after the model, the neighbourhoods and the
    # first local search); the engine's Deadline starts when `solve` makes it.
    now = [100.0]
    stop = Deadline(5.0, clock=lambda: now[0])
    now[0] = 103.0  # three seconds of set-up before the search asks
    assert not stop(1)
    now[0] = 104.9
    assert not stop(1)
    now[0] = 105.0
    assert stop(1)
    late_start = MaxRuntime(5.0)  # the behaviour Deadline replaces, for contrast
    assert not late_start(1)


def test_a_spent_deadline_still_gives_a_plan_of_the_first_search() -> None:
    # No time left: PyVRP stops at its first check and the engine answers with what its first
    # local search found, covering every required client, instead of failing.
    inst = _instance()
    sol = PyVRPEngine().solve(inst, seed=1, iterations=10**9, time_limit_s=0.0)
    served = sorted(c for r in sol.routes for c in r.visits)
    assert {1, 2, 3, 4} <= set(served)
    assert len(served) == len(set(served))


def test_a_smaller_neighbourhood_is_passed_to_pyvrp_and_still_serves_every_client(
    monkeypatch,
) -> None:
    # The shuttles ask for 12 nearest clients per move; the engine hands that to PyVRP's search
    # (seen in the parameters it is given) and still covers every required client, the same
    # answer twice. Without `neighbours` PyVRP's own default stands.
    import foresterie.shuttles.engines.pyvrp_engine as engine

    given = []
    real = engine.iterated_local_search

    def spy(data, params, *a):  # type: ignore[no-untyped-def]
        given.append(params)
        return real(data, params, *a)

    monkeypatch.setattr(engine, "iterated_local_search", spy)
    inst = _instance()
    runs = [PyVRPEngine().solve(inst, 1, 50, 60.0, neighbours=2) for _ in range(2)]
    PyVRPEngine().solve(inst, 1, 50, 60.0)
    assert [p.neighbourhood.num_neighbours for p in given] == [2, 2, 50]
    assert runs[0] == runs[1]
    assert {1, 2, 3, 4} <= {c for r in runs[0].routes for c in r.visits}


def _random_instance(n: int, seed: int, pickup: bool, loose: bool = False) -> VRPInstance:
    """A depot and n clients on a plane, tight seats and windows: PyVRP's penalties move.
    `loose`: no windows to speak of and cheap vehicles (low penalties still find plans)."""
    rnd = random.Random(seed)
    pts = [(0, 0)] + [(rnd.randint(-30, 30), rnd.randint(-30, 30)) for _ in range(n)]
    dist = [[round(1000 * ((a - c) ** 2 + (b - d) ** 2) ** 0.5) for c, d in pts] for a, b in pts]
    dur = [[x // 500 for x in row] for row in dist]
    early = [0] + [rnd.randint(0, 120) for _ in range(n)]
    late = [400] + [e + rnd.randint(10, 90) for e in early[1:]]
    small, large = (20_000, 24_000) if loose else (2_000_000, 2_400_000)
    return VRPInstance(
        dist=dist,
        dur=dur,
        demand=[0] + [rnd.randint(1, 9) for _ in range(n)],
        service=[0] + [2] * n,
        tw_early=early,
        tw_late=[10**6] * (n + 1) if loose else late,
        vehicles=[
            VehicleSpec(
                capacity=9, num_available=n, fixed_cost=small, max_duration=10**6 if loose else 150
            ),
            VehicleSpec(capacity=19, num_available=2, fixed_cost=large, unit_distance_cost=2),
        ],
        pickup=pickup,
        prize=[0] + [100_000_000 * (1 + k % 3) for k in range(n)],
    )


def _pyvrp_best(
    data: ProblemData,
    params: SolveParams,
    seed: int,
    init: Solution | None,
    iterations: int,
    patience: int | None,
) -> tuple[Solution, int]:
    crit = [MaxIterations(iterations), Deadline(600.0)]
    if patience:
        crit.append(NoImprovement(patience))
    stop = MultipleCriteria(crit)  # type: ignore[arg-type]
    with warnings.catch_warnings():  # low penalties hit their ceiling: PyVRP says so
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        res = solve(data, stop, seed, collect_stats=False, params=params, initial_solution=init)
    return res.best, res.num_iterations


@pytest.mark.parametrize(
    ("n", "seed", "pickup", "iterations", "patience", "warm", "neighbours", "penalty"),
    [
        (5, 1, False, 300, None, False, None, PENALTIES),
        (12, 2, True, 400, 50, False, 12, PENALTIES),
        (25, 3, False, 600, 100, True, 12, PENALTIES),
        (40, 4, True, 250, 40, True, 12, PENALTIES),
        (40, 5, False, 1000, 50, False, 50, PENALTIES),
        # PyVRP's default penalties, low against the costs of a loose instance: infeasible
        # candidates compete, and which way the penalties move decides the answer.
        (-25, 6, False, 500, 100, False, 12, PenaltyParams(solutions_between_updates=10)),
        (-25, 7, True, 500, 100, False, 12, PenaltyParams(solutions_between_updates=5)),
        # Past PyVRP's 300 iterations of history: the late-acceptance reference is read.
        (-30, 8, False, 900, None, False, 12, PenaltyParams()),
    ],
)
def test_the_transcribed_search_finds_what_pyvrp_solve_finds(
    n: int,
    seed: int,
    pickup: bool,
    iterations: int,
    patience: int | None,
    warm: bool,
    neighbours: int | None,
    penalty: PenaltyParams,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The engine's loop against PyVRP's own `solve` with the same stopping criteria, from a
    # random start and from a start solution (one route per client), with the shuttles'
    # penalties (updates every 25 registrations): the same best solution, byte for byte, and
    # the penalties did move (a loop that never updated them would be caught).
    inst = _instance() if n == 5 else _random_instance(abs(n), seed, pickup, loose=n < 0)
    n = abs(n)
    data = problem_data(inst)
    params = SolveParams(
        penalty=penalty,
        neighbourhood=NeighbourhoodParams()
        if neighbours is None
        else NeighbourhoodParams(num_neighbours=neighbours),
    )
    init = Solution(data, [Route(data, [c], 0) for c in range(n)]) if warm else None
    import foresterie.shuttles.engines.pyvrp_engine as engine

    built: list[tuple[list[float], float, float]] = []
    real = engine.CostEvaluator

    def counted(loads: list[float], tw: float, dist: float) -> object:
        built.append((list(loads), tw, dist))
        return real(loads, tw, dist)

    monkeypatch.setattr(engine, "CostEvaluator", counted)
    ours, ran = iterated_local_search(
        data, params, seed, init, iterations, patience, Deadline(600.0)
    )
    theirs, their_ran = _pyvrp_best(data, params, seed, init, iterations, patience)
    assert pickle.dumps(ours) == pickle.dumps(theirs)
    assert ran == their_ran
    assert ours.is_feasible()
    midpoint = [penalty.min_penalty + (penalty.max_penalty - penalty.min_penalty) / 2] * 3
    moved = [b for b in built if [*b[0], b[1], b[2]] not in (midpoint, [penalty.max_penalty] * 3)]
    assert moved, "the penalties never moved: the test would not see a wrong update rule"


def test_a_solutions_penalised_cost_is_asked_again_once_the_penalties_move() -> None:
    # The search keeps each solution's penalised cost (`_Priced`) to skip asking again: under
    # another evaluator (the penalties moved) it must be that evaluator's figure, not the old.
    inst = _random_instance(12, 3, False, loose=True)
    data = problem_data(inst)
    sol = Solution(data, [Route(data, list(range(12)), 0)])  # one route: over capacity
    low, high = CostEvaluator([1.0], 1.0, 1.0), CostEvaluator([1000.0], 1000.0, 1000.0)
    assert low.penalised_cost(sol) != high.penalised_cost(sol)
    priced = _Priced(sol, low)
    assert priced.cost(low) == low.penalised_cost(sol)
    assert priced.cost(high) == high.penalised_cost(sol)
    assert priced.cost(low) == low.penalised_cost(sol)


@pytest.mark.parametrize(("n", "seed", "pickup"), [(12, 1, False), (25, 2, True), (-20, 3, False)])
def test_the_answers_cost_is_the_cost_of_its_routes_with_the_dropped_prizes(
    n: int, seed: int, pickup: bool
) -> None:
    # The engine reads the answer's cost from PyVRP (distance, fixed costs, prizes left): it
    # must be what `solution_cost` counts of the same routes, whatever was dropped.
    inst = _random_instance(abs(n), seed, pickup, loose=n < 0)
    if n > 0:  # prizes from 100 to 100,000: some clients served, some left
        inst = replace(inst, prize=[0] + [10 ** (2 + i % 4) for i in range(1, inst.n)])
    sol = PyVRPEngine().solve(inst, seed, 200, 60.0, None, 50, 12)
    assert sol.cost == solution_cost(inst, sol.routes)
    assert type(sol.cost) is int


def test_an_instance_carrying_its_arrays_gives_the_same_problem_as_its_lists() -> None:
    # The shuttles hand their int64 matrices along (`VRPInstance.arrays`): the data is the
    # lists' to the byte, and a diagonal the arrays carry is zeroed as the lists' is.
    inst = _random_instance(12, 3, True)
    dist, dur = np.array(inst.dist, dtype=np.int64), np.array(inst.dur, dtype=np.int64)
    dist[2, 2] = 7
    carried = replace(inst, arrays=(dist, dur))
    assert pickle.dumps(problem_data(carried)) == pickle.dumps(problem_data(inst))
    assert pickle.dumps(problem_data(carried)) == pickle.dumps(_by_edges(inst))
    assert dist[2, 2] == 7  # the caller's arrays are left as they were


def test_a_kept_neighbourhood_is_pyvrps_own_answer_and_kept_for_equal_inputs_only() -> None:
    # compute_neighbours is asked once for equal inputs (per process): the answer kept is
    # PyVRP's own, handed again for an equal instance, and not for one with other windows.
    inst = _random_instance(12, 3, False)
    params = NeighbourhoodParams(num_neighbours=3)
    dist, dur = _matrices(inst)
    data = problem_data(inst, (dist, dur))
    got = _neighbours(inst, dist, dur, data, params)
    assert got == compute_neighbours(data, params)
    twin = replace(inst, demand=[0] + [1] * 12)  # demand is not read by the neighbourhood
    assert _neighbours(twin, *_matrices(twin), problem_data(twin), params) is got
    late = [*inst.tw_late[:1], *(e for e in inst.tw_early[1:])]  # every window shut at opening
    other = replace(inst, tw_late=late)
    fresh = compute_neighbours(problem_data(other), params)
    assert fresh != got  # the windows matter to PyVRP here
    assert _neighbours(other, *_matrices(other), problem_data(other), params) == fresh
