"""Solomon/Homberger VRPTW benchmark with the shuttle engines (DIMACS: arcs truncated to 0.1)."""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass
from pathlib import Path

from foresterie.shuttles.engines import VehicleSpec, VRPInstance, VRPRoute, VRPSolution, get_engine

SCALE = 10  # distances, times and windows in tenths, so truncation to one decimal stays integer


@dataclass(frozen=True, kw_only=True)
class BenchResult:
    instance: str
    engine: str
    distance: float
    routes: int
    feasible: bool
    bks: float | None
    seconds: float

    @property
    def gap_pct(self) -> float | None:
        if self.bks is None or not self.feasible:
            return None
        return 100.0 * (self.distance - self.bks) / self.bks


def read_instance(path: Path) -> VRPInstance:
    import vrplib

    raw = vrplib.read_instance(str(path))
    xy = raw["node_coord"]
    n = len(xy)
    dist = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                e = math.hypot(xy[i][0] - xy[j][0], xy[i][1] - xy[j][1])
                dist[i][j] = math.floor(SCALE * e + 1e-9)
    tw = raw["time_window"]
    service = raw.get("service_time")
    if service is None:
        svc = [0] * n
    elif hasattr(service, "__len__"):
        svc = [int(round(SCALE * float(s))) for s in service]
    else:  # one SERVICE_TIME for every customer
        svc = [int(round(SCALE * float(service)))] * n
    svc[0] = 0
    fleet = int(raw.get("vehicles", n))
    cap = int(raw["capacity"])
    return VRPInstance(
        dist=dist,
        dur=dist,
        demand=[int(d) for d in raw["demand"]],
        service=svc,
        tw_early=[int(SCALE * t[0]) for t in tw],
        tw_late=[int(SCALE * t[1]) for t in tw],
        vehicles=[VehicleSpec(capacity=cap, num_available=fleet)],
    )


def read_bks(folder: Path) -> dict[str, float]:
    path = folder / "bks.csv"
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {r["instance"].strip(): float(r["bks_distance"]) for r in csv.DictReader(fh)}


def check(inst: VRPInstance, sol: VRPSolution) -> bool:
    """Independent feasibility check: every client once, capacity, time windows, depot close."""
    seen: list[int] = []
    for r in sol.routes:
        vt = inst.vehicles[r.vehicle_type]
        if sum(inst.demand[i] for i in r.visits) > vt.capacity:
            return False
        t, prev = inst.tw_early[0], 0
        for i in r.visits:
            t = max(t + inst.service[prev] + inst.dur[prev][i], inst.tw_early[i])
            if t > inst.tw_late[i]:
                return False
            prev = i
        if t + inst.service[prev] + inst.dur[prev][0] > inst.tw_late[0]:
            return False
        seen += r.visits
    used = sum(1 for r in sol.routes if r.visits)
    fleet = sum(v.num_available for v in inst.vehicles)
    return sorted(seen) == list(range(1, inst.n)) and used <= fleet


def run(
    path: Path, engine: str, time_limit_s: float, seed: int = 1, iterations: int = 10**9
) -> BenchResult:
    inst = read_instance(path)
    t0 = time.perf_counter()
    sol = get_engine(engine).solve(inst, seed, iterations, time_limit_s)
    secs = time.perf_counter() - t0
    dist = sum(
        inst.dist[a][b]
        for r in sol.routes
        for a, b in zip([0, *r.visits], [*r.visits, 0], strict=True)
    )
    bks = read_bks(path.parent).get(path.stem)
    return BenchResult(
        instance=path.stem,
        engine=engine,
        distance=dist / SCALE,
        routes=len(sol.routes),
        feasible=check(inst, sol),
        bks=bks,
        seconds=secs,
    )


def run_pyvrp_direct(path: Path, time_limit_s: float, seed: int = 1) -> BenchResult:
    """The guard's baseline: PyVRP used directly, with its defaults (`pyvrp.read` with the
    DIMACS rounding, `pyvrp.solve` with default parameters), on the same instance, seed and time.
    Its routes are measured and checked on our own reading of the instance, like the engine's."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    inst = read_instance(path)
    data = pyvrp.read(str(path), round_func="dimacs")
    t0 = time.perf_counter()
    res = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, collect_stats=False)
    secs = time.perf_counter() - t0
    routes = tuple(
        VRPRoute(int(r.vehicle_type()), tuple(int(a.idx) + 1 for a in r if a.is_client()))
        for r in res.best.routes()
    )
    sol = VRPSolution(routes=routes, cost=0, feasible=bool(res.best.is_feasible()))
    dist = sum(
        inst.dist[a][b] for r in routes for a, b in zip([0, *r.visits], [*r.visits, 0], strict=True)
    )
    return BenchResult(
        instance=path.stem,
        engine="pyvrp-direct",
        distance=dist / SCALE,
        routes=len(routes),
        feasible=check(inst, sol),
        bks=read_bks(path.parent).get(path.stem),
        seconds=secs,
    )
