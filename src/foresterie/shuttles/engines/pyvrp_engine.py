"""PyVRP (iterated local search) behind the VRPTW interface; budget = iterations, seeded."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
from pyvrp import Model, PenaltyParams, ProblemData, Route, Solution, SolveParams, solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import NeighbourhoodParams
from pyvrp.stop import MaxIterations, MultipleCriteria, NoImprovement, StoppingCriterion

from foresterie.shuttles.engines import VRPInstance, VRPRoute, VRPSolution, solution_cost


class PyVRPEngine:
    name = "pyvrp"

    def solve(
        self,
        inst: VRPInstance,
        seed: int,
        iterations: int,
        time_limit_s: float,
        initial: VRPSolution | None = None,
        patience: int | None = None,
        neighbours: int | None = None,
    ) -> VRPSolution:
        deadline = Deadline(time_limit_s)  # the limit counts PyVRP's set-up too (see Deadline)
        data = problem_data(inst)
        init = None
        if initial is not None:
            try:
                init_routes = [
                    Route(data, [v - 1 for v in r.visits], r.vehicle_type)
                    for r in initial.routes
                    if r.visits
                ]
                init = Solution(data, init_routes)
            except (RuntimeError, ValueError, IndexError):  # more routes than vehicles, etc.
                init = None
            if init is not None and not init.is_feasible():
                init = None
        crit: list[StoppingCriterion] = [MaxIterations(iterations), deadline]
        if patience:
            crit.append(NoImprovement(patience))
        stop = MultipleCriteria(crit)
        # Shuttle costs put a whole trip (~2e6) above a few seats of excess load at PyVRP's default
        # penalty ceiling (1e5), so let penalties climb higher and adapt often in short runs.
        # `neighbours`: how many nearest clients each client's moves try (None: PyVRP's default).
        params = SolveParams(
            penalty=PenaltyParams(solutions_between_updates=25, max_penalty=1e9),
            neighbourhood=NeighbourhoodParams()
            if neighbours is None
            else NeighbourhoodParams(num_neighbours=neighbours),
        )
        with warnings.catch_warnings():
            # Raised when penalties hit their ceiling; an infeasible best is caught downstream
            # (shuttles split such routes), so the warning would only be noise.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            res = solve(
                data,
                stop,
                seed=seed,
                display=False,
                collect_stats=False,
                params=params,
                initial_solution=init,
            )
        best = res.best
        routes = tuple(
            VRPRoute(int(r.vehicle_type()), tuple(int(a.idx) + 1 for a in r if a.is_client()))
            for r in best.routes()
        )
        routes = tuple(sorted(routes, key=lambda r: (r.vehicle_type, r.visits)))
        return VRPSolution(
            routes=routes, cost=solution_cost(inst, routes), feasible=bool(best.is_feasible())
        )


class Deadline:
    """A stopping criterion whose clock starts when it is made, not at the search's first
    iteration as PyVRP's MaxRuntime does: made at the top of `solve`, it counts the model, the
    neighbourhoods and the first local search (a second at 1,000 customers) in the limit, so a
    caller's time limit holds without guessing how long that set-up takes. A safety net: the
    answer within it is decided by the iteration budget (`iterations`, `patience`)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.perf_counter) -> None:
        if seconds < 0:
            raise ValueError("a time limit cannot be negative")
        self._clock = clock
        self._end = clock() + seconds

    def __call__(self, best_cost: float) -> bool:
        return self._clock() >= self._end


def problem_data(inst: VRPInstance) -> ProblemData:
    """The instance as PyVRP data (depot 0, clients 1..n-1, one profile)."""
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
        amount = inst.demand[i]
        m.add_client(
            locs[i],
            delivery=0 if inst.pickup else amount,
            pickup=amount if inst.pickup else 0,
            service_duration=inst.service[i],
            tw_early=inst.tw_early[i],
            tw_late=inst.tw_late[i],
            prize=inst.prize[i] if inst.prize else 0,
            required=inst.required(i),
        )
    # The arcs as whole matrices: the same ProblemData Model.add_edge for every pair would
    # build (diagonal 0), without n^2 Python edge objects (most of the model-building time).
    data = m.data().replace(
        distance_matrices=[_matrix(inst.dist)],  # type: ignore[list-item]
        duration_matrices=[_matrix(inst.dur)],  # type: ignore[list-item]
    )
    return data


def _matrix(rows: list[list[int]]) -> np.ndarray:
    out = np.array(rows, dtype=np.int64)
    np.fill_diagonal(out, 0)
    return out
