"""PyVRP (iterated local search) behind the VRPTW interface; budget = iterations, seeded."""

from __future__ import annotations

import warnings

from pyvrp import Model, PenaltyParams, Route, Solution, SolveParams
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement, StoppingCriterion

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
    ) -> VRPSolution:
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
        for a in range(inst.n):
            for b in range(inst.n):
                if a != b:
                    m.add_edge(locs[a], locs[b], distance=inst.dist[a][b], duration=inst.dur[a][b])
        data = m.data()
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
        crit: list[StoppingCriterion] = [MaxIterations(iterations), MaxRuntime(time_limit_s)]
        if patience:
            crit.append(NoImprovement(patience))
        stop = MultipleCriteria(crit)
        # Shuttle costs put a whole trip (~2e6) above a few seats of excess load at PyVRP's default
        # penalty ceiling (1e5), so let penalties climb higher and adapt often in short runs.
        params = SolveParams(penalty=PenaltyParams(solutions_between_updates=25, max_penalty=1e9))
        with warnings.catch_warnings():
            # Raised when penalties hit their ceiling; an infeasible best is caught downstream
            # (shuttles split such routes), so the warning would only be noise.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            res = m.solve(
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
