"""One VRPTW interface, two engines (PyVRP, OR-Tools routing); both deterministic by budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

INF = 2**40


@dataclass(frozen=True, kw_only=True)
class VehicleSpec:
    capacity: int
    num_available: int
    fixed_cost: int = 0
    unit_distance_cost: int = 1
    max_duration: int = INF  # route duration cap (the ride-time cap for shuttles)


@dataclass(frozen=True, kw_only=True)
class VRPInstance:
    """Node 0 is the depot; integer distances, durations and times throughout."""

    dist: list[list[int]]
    dur: list[list[int]]
    demand: list[int]  # seats taken (delivered in the morning, picked up in the evening)
    service: list[int]
    tw_early: list[int]
    tw_late: list[int]
    vehicles: list[VehicleSpec]
    pickup: bool = False  # False: load leaves the depot; True: load is collected for the depot
    prize: list[int] = field(default_factory=list)  # >0: optional with this penalty if dropped
    # `dist` and `dur` as int64 arrays, when the caller has them (the same integers): an engine
    # that wants arrays copies these instead of converting the lists (`pyvrp_engine._matrices`).
    arrays: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False, repr=False)

    @property
    def n(self) -> int:
        return len(self.demand)

    def required(self, i: int) -> bool:
        return not self.prize or self.prize[i] <= 0


@dataclass(frozen=True)
class VRPRoute:
    vehicle_type: int
    visits: tuple[int, ...]  # client nodes (1..n-1) in order


@dataclass(frozen=True, kw_only=True)
class VRPSolution:
    routes: tuple[VRPRoute, ...]
    cost: int
    feasible: bool

    def served(self) -> set[int]:
        return {i for r in self.routes for i in r.visits}


class Engine(Protocol):
    name: str

    def solve(
        self,
        inst: VRPInstance,
        seed: int,
        iterations: int,
        time_limit_s: float,
        initial: VRPSolution | None = None,
        patience: int | None = None,
        neighbours: int | None = None,
    ) -> VRPSolution: ...


def get_engine(name: str) -> Engine:
    if name == "pyvrp":
        from foresterie.shuttles.engines.pyvrp_engine import PyVRPEngine

        return PyVRPEngine()
    if name == "ortools":
        from foresterie.shuttles.engines.ortools_engine import ORToolsEngine

        return ORToolsEngine()
    raise ValueError(f"unknown engine {name!r} (pyvrp | ortools)")


def route_cost(inst: VRPInstance, r: VRPRoute) -> int:
    """Fixed cost + distance cost of one route, as both engines should count it."""
    vt = inst.vehicles[r.vehicle_type]
    path = [0, *r.visits, 0]
    d = sum(inst.dist[a][b] for a, b in zip(path, path[1:], strict=False))
    return vt.fixed_cost + vt.unit_distance_cost * d


def solution_cost(inst: VRPInstance, routes: tuple[VRPRoute, ...]) -> int:
    served = {i for r in routes for i in r.visits}
    dropped = sum(inst.prize[i] for i in range(1, inst.n) if i not in served and inst.prize)
    return sum(route_cost(inst, r) for r in routes) + dropped
