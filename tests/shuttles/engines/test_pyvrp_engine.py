"""The PyVRP engine hands PyVRP its arcs as whole matrices: the same problem, hence the same
seeded search and the same routes, as building it arc by arc with `Model.add_edge`."""

from __future__ import annotations

import numpy as np
from pyvrp import Model, ProblemData, SolveParams, solve
from pyvrp.stop import MaxIterations, MaxRuntime

from foresterie.shuttles.engines import VehicleSpec, VRPInstance
from foresterie.shuttles.engines.pyvrp_engine import Deadline, PyVRPEngine, problem_data


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
            delivery=inst.demand[i],
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


def test_matrices_give_the_same_problem_and_routes_as_edges() -> None:
    inst = _instance()
    ours, old = problem_data(inst), _by_edges(inst)
    assert np.array_equal(ours.distance_matrix(0), old.distance_matrix(0))
    assert np.array_equal(ours.duration_matrix(0), old.duration_matrix(0))
    assert ours.num_clients == old.num_clients == 5
    assert ours.num_vehicle_types == old.num_vehicle_types == 2
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
    real = engine.solve

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        given.append(k["params"])
        return real(*a, **k)

    monkeypatch.setattr(engine, "solve", spy)
    inst = _instance()
    runs = [PyVRPEngine().solve(inst, 1, 50, 60.0, neighbours=2) for _ in range(2)]
    PyVRPEngine().solve(inst, 1, 50, 60.0)
    assert [p.neighbourhood.num_neighbours for p in given] == [2, 2, 50]
    assert runs[0] == runs[1]
    assert {1, 2, 3, 4} <= {c for r in runs[0].routes for c in r.visits}
