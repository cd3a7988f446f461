"""PyVRP (iterated local search) behind the VRPTW interface; budget = iterations, seeded."""

from __future__ import annotations

from pyvrp import Model, Solution
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from . import VRPInstance, VRPRoute, VRPSolution, solution_cost


class PyVRPEngine:
    name = "pyvrp"

    def solve(
        self, inst: VRPInstance, seed: int, iterations: int, time_limit_s: float,
        initial: VRPSolution | None = None,
    ) -> VRPSolution:  # fmt: skip
        m = Model()
        locs = [m.add_location(0, 0) for _ in range(inst.n)]
        depot = m.add_depot(locs[0], tw_early=inst.tw_early[0], tw_late=inst.tw_late[0])
        for vt in inst.vehicles:
            m.add_vehicle_type(
                num_available=vt.num_available, capacity=vt.capacity, start_depot=depot,
                end_depot=depot, fixed_cost=vt.fixed_cost, tw_early=inst.tw_early[0],
                tw_late=inst.tw_late[0], shift_duration=min(vt.max_duration, 2**62),
                unit_distance_cost=vt.unit_distance_cost,
            )  # fmt: skip
        for i in range(1, inst.n):
            amount = inst.demand[i]
            m.add_client(
                locs[i],
                delivery=0 if inst.pickup else amount,
                pickup=amount if inst.pickup else 0,
                service_duration=inst.service[i], tw_early=inst.tw_early[i],
                tw_late=inst.tw_late[i],
                prize=inst.prize[i] if inst.prize else 0, required=inst.required(i),
            )  # fmt: skip
        for a in range(inst.n):
            for b in range(inst.n):
                if a != b:
                    m.add_edge(locs[a], locs[b], distance=inst.dist[a][b], duration=inst.dur[a][b])
        data = m.data()
        init = None
        if initial is not None:
            init = Solution(data, [[v - 1 for v in r.visits] for r in initial.routes if r.visits])
            if not init.is_feasible():
                init = None
        stop = MultipleCriteria([MaxIterations(iterations), MaxRuntime(time_limit_s)])
        res = m.solve(stop, seed=seed, display=False, collect_stats=False,
                      initial_solution=init)  # fmt: skip
        best = res.best
        routes = tuple(
            VRPRoute(int(r.vehicle_type()), tuple(int(a.idx) + 1 for a in r if a.is_client()))
            for r in best.routes()
        )
        routes = tuple(sorted(routes, key=lambda r: (r.vehicle_type, r.visits)))
        return VRPSolution(routes, solution_cost(inst, routes), bool(best.is_feasible()))
