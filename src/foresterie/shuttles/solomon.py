"""Solomon/Homberger VRPTW benchmark with the shuttle engines, every answer checked apart.

Distance convention (DIMACS, the one `bks.csv` assumes): every arc distance and travel time is the
Euclidean distance truncated to one decimal, d_ij = floor(10 * euclid) / 10; the objective is the
total distance (no vehicle-count hierarchy). The engines work in integer tenths. The time limit
covers the whole instance: reading, building the matrix and the model, solving and checking; the
engine gets what reading left. Each answer is judged by `vrptw_check.py` (exact arithmetic on the
file's numbers, no engine code), not by the engine's own feasibility flag.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from foresterie.core.errors import Problem, ScenarioError
from foresterie.shuttles.engines import VehicleSpec, VRPInstance, VRPRoute, VRPSolution, get_engine
from foresterie.shuttles.vrptw_check import SolFile, arc, check_routes, check_sol, read_sol
from foresterie.shuttles.vrptwfile import RawInstance, read_raw

SCALE = 10  # distances, times and windows in tenths, so truncation to one decimal stays integer
MAX_SCALE = 10_000  # finer times (hundredths ...) when a file has them; loads scaled up to this
CONVENTION = "dimacs"  # arcs floor(10 * euclid) / 10, objective total distance
# Of the limit, kept for what follows the search's deadline: its last iteration (~0.1 s at 800
# customers under load 8), the independent check and printing the answer.
RESERVE_S = 0.25
# OR-Tools starts its clock when its search starts: the model it builds before that (0.1-0.3 s at
# 1,000 customers) is set aside from the limit (`setup_s`). The PyVRP engine needs none: its
# clock (`engines.pyvrp_engine.Deadline`) starts when its `solve` is called, so the model, the
# neighbourhoods and the first local search (0.6-2.2 s at 1,000 customers on the 2-core VM under
# load 4-8, RESULTS.md "The VRPTW bench at every Homberger size") are inside its limit.
SETUP_S_PER_N2 = {"ortools": 0.25e-6}
SETUP_PER_READ_S = 2.0  # the set-up took 1.1-1.8 x the reading at 400-800 customers, load 5-8


@dataclass(frozen=True, kw_only=True)
class BenchResult:
    instance: str
    engine: str
    distance: float
    routes: int
    feasible: bool
    bks: float | None
    seconds: float
    customers: int = 0
    vehicles: int | None = None
    violations: tuple[str, ...] = ()
    solution: tuple[tuple[int, ...], ...] = ()  # customer numbers per route, as in `.sol`
    bks_routes: int | None = None
    read_seconds: float = 0.0
    file: str = ""
    fmt: str = ""
    convention: str = CONVENTION  # "explicit": the file's own arcs (EDGE_WEIGHT_TYPE EXPLICIT)

    @property
    def gap_pct(self) -> float | None:
        if self.bks is None or not self.feasible:
            return None
        return 100.0 * (self.distance - self.bks) / self.bks


def reach_problems(raw: RawInstance) -> list[Problem]:
    """Customers no route can serve within the windows: not reachable before they close, or no
    way back to the depot before it closes; and a fleet too small for the total demand. Exact,
    on the checker's arcs (the file's numbers), so no servable customer is refused by rounding.
    The quickest way there and back is the shortest path over the arcs, not the direct arc:
    truncated DIMACS arcs (0 -> (4,4) -> (8,8) is 5.6 + 5.6 = 11.2, the direct arc 11.3) and
    explicit matrices need not keep the triangle inequality (`_quickest`, asked only for the
    customers the direct arcs would refuse). Windows and services on the way are left out, so
    this is a bound: a customer refused here cannot be served by any route. Two or more refused
    are also summed up in one line at the depot's window (`_window_summary`): the first line said
    when the depot's row comes first (Solomon's table, every benchmark set; problems are said in
    line order)."""
    p, e0, l0 = raw.path, raw.nodes[0].ready, raw.nodes[0].due
    probs: list[Problem] = []
    late = [
        c
        for c in range(1, len(raw.nodes))
        if max(e0 + arc(raw, 0, c), raw.nodes[c].ready) + raw.nodes[c].service + arc(raw, c, 0) > l0
        or e0 + arc(raw, 0, c) > raw.nodes[c].due
    ]
    there, back_home = _quickest(raw) if late else ({}, {})
    unreachable = no_way_back = 0
    for c in late:
        nd = raw.nodes[c]
        go, back = there[c], back_home[c]
        start = max(e0 + go, nd.ready)
        if start > nd.due:
            unreachable += 1
            probs.append(
                Problem(
                    p,
                    nd.line,
                    "time window",
                    f"{raw.label(c)}: unreachable: leaving the depot "
                    f"at {_g(e0)} and driving {_g(go)} arrives at "
                    f"{_g(start)}, after it closes at {_g(nd.due)}",
                )
            )
        elif start + nd.service + back > l0:
            no_way_back += 1
            probs.append(
                Problem(
                    p,
                    nd.line,
                    "time window",
                    f"{raw.label(c)}: no way back: served from "
                    f"{_g(start)} for {_g(nd.service)}, the depot is {_g(back)} away "
                    f"and closes at {_g(l0)}",
                )
            )
    if len(probs) > 1:  # the common cause first, then one line per customer (review 18, L4)
        probs.insert(0, _window_summary(raw, unreachable, no_way_back))
    total = sum((nd.demand for nd in raw.nodes[1:]), Fraction(0))
    if raw.vehicles is not None and total > raw.vehicles * raw.capacity:
        probs.append(
            Problem(
                p,
                raw.vehicles_line,
                "VEHICLES" if raw.fmt == "vrplib" else "NUMBER",
                f"{raw.vehicles} vehicle(s) of capacity "
                f"{raw.capacity} carry at most {raw.vehicles * raw.capacity}, the customers "
                f"ask for {total}",
            )
        )
    return probs


def _window_summary(raw: RawInstance, unreachable: int, no_way_back: int) -> Problem:
    """Several customers refused at once: one line at the depot's window, what they share (a
    depot closing early refuses most customers; each is still listed at its own line)."""
    depot = raw.nodes[0]
    parts = []
    if no_way_back:
        parts.append(f"{no_way_back} with no way back before it closes")
    if unreachable:
        parts.append(
            f"{unreachable} reached only after "
            + ("its own window closes" if unreachable == 1 else "their own windows close")
        )
    return Problem(
        raw.path,
        depot.line,
        "time window",
        f"{unreachable + no_way_back} of {raw.customers} customers cannot be served within the "
        f"depot's window {_g(depot.ready)}..{_g(depot.due)}: {', '.join(parts)} "
        "(each at its own line)",
    )


def _quickest(raw: RawInstance) -> tuple[dict[int, Fraction], dict[int, Fraction]]:
    """The shortest path over the checker's arcs from the depot to every node and from every
    node to the depot (Dijkstra on the complete graph, exact: the arcs as integers over their
    common denominator; O(n^2) with numpy)."""
    n = len(raw.nodes)
    arcs = [[arc(raw, i, j) for j in range(n)] for i in range(n)]
    unit = math.lcm(*(v.denominator for row in arcs for v in row))
    w = np.array([[int(v * unit) for v in row] for row in arcs], dtype=object)
    return (
        {c: Fraction(int(d), unit) for c, d in enumerate(_dijkstra(w, 0))},
        {c: Fraction(int(d), unit) for c, d in enumerate(_dijkstra(w.T, 0))},
    )


def _dijkstra(w: np.ndarray, source: int) -> list[int]:
    """Shortest distances from `source` over the dense matrix `w` (whole numbers, >= 0)."""
    n = len(w)
    dist = list(w[source])
    dist[source] = 0
    done = [False] * n
    done[source] = True
    for _ in range(n - 1):
        u = min((i for i in range(n) if not done[i]), key=dist.__getitem__, default=None)
        if u is None:
            break
        done[u] = True
        du, row = dist[u], w[u]
        for v in range(n):
            if not done[v] and du + row[v] < dist[v]:
                dist[v] = du + row[v]
    return dist


def _g(v: Fraction) -> str:
    return f"{float(v):g}"


def time_scale(raw: RawInstance) -> int:
    """The engine's integer time unit: tenths (DIMACS arcs are whole tenths, and so are the
    windows of every benchmark set), finer when the file's times or explicit arcs need it (a
    window closing at 10.25 is not rounded to 10.2: a route on time by the file stays on time)."""
    values = [v for nd in raw.nodes for v in (nd.ready, nd.due, nd.service)]
    if raw.matrix is not None:
        values += {v for row in raw.matrix for v in row}
    for scale in (SCALE, 100, 1000, MAX_SCALE):
        if all((v * scale).denominator == 1 for v in values):
            return scale
    return MAX_SCALE  # finer still: rounded the safe way (arcs and services up, closings down)


def load_scale(raw: RawInstance) -> int:
    """Demands and capacity as whole numbers for the engine: 1 unless the file has fractions."""
    q = math.lcm(raw.capacity.denominator, *(nd.demand.denominator for nd in raw.nodes))
    return q if q <= MAX_SCALE else 1  # beyond: demands up, the capacity down (safe)


def distance_matrix(raw: RawInstance, scale: int = SCALE) -> np.ndarray:
    """DIMACS arcs in integer units of 1/scale: floor(10 * euclid) * scale / 10, a tiny epsilon
    against float error; an EXPLICIT instance's arcs rounded up (never shorter than written)."""
    if raw.matrix is not None:
        return np.array([[math.ceil(v * scale) for v in row] for row in raw.matrix], dtype=np.int64)
    xy = np.array([[float(nd.x), float(nd.y)] for nd in raw.nodes])
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    v = np.sqrt(d2 * (SCALE * SCALE))
    tenths = np.floor(v).astype(np.int64)
    # Where float error could put an arc on the wrong side of a tenth (an exact tenth such as
    # 5.0, or coordinates of 1e6 and more), the floor is taken exactly, as the checker does:
    # floor(sqrt(q)) = isqrt(floor(q)) for the rational q = 100 (dx^2 + dy^2).
    near = np.abs(v - np.rint(v)) <= 1e-6 * np.maximum(1.0, v)
    for i, j in zip(*np.nonzero(near), strict=True):
        a, b = raw.nodes[i], raw.nodes[j]
        q = (Fraction(a.x) - Fraction(b.x)) ** 2 + (Fraction(a.y) - Fraction(b.y)) ** 2
        tenths[i, j] = math.isqrt(math.floor(q * SCALE * SCALE))
    return tenths * (scale // SCALE)


def to_vrp(raw: RawInstance, dist: np.ndarray, scale: int = SCALE) -> VRPInstance:
    """The engine's instance: times in units of 1/scale (`time_scale`), loads by `load_scale`."""
    rows: list[list[int]] = dist.tolist()
    n = len(raw.nodes)
    # more vehicles than customers never helps: a huge VEHICLES / NUMBER costs the engine memory
    fleet = min(raw.vehicles, n - 1) if raw.vehicles is not None else n - 1
    q = load_scale(raw)
    return VRPInstance(
        dist=rows,
        dur=rows,
        demand=[math.ceil(nd.demand * q) for nd in raw.nodes],
        service=[0] + [math.ceil(nd.service * scale) for nd in raw.nodes[1:]],
        tw_early=[math.ceil(nd.ready * scale) for nd in raw.nodes],
        tw_late=[max(math.floor(nd.due * scale), math.ceil(nd.ready * scale)) for nd in raw.nodes],
        vehicles=[VehicleSpec(capacity=math.floor(raw.capacity * q), num_available=fleet)],
    )


def read_bks(folder: Path) -> dict[str, tuple[float, int | None]]:
    """bks.csv beside the instances: instance -> (distance, routes); {} when absent, or when the
    file is another tool's table (no `instance` and `bks_distance` columns). A row of ours with a
    distance that is not a finite number > 0, or routes not a whole number, is refused at its row."""
    path = folder / "bks.csv"
    if not path.is_file():
        return {}
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "file", "not a UTF-8 text file")]) from None
    reader = csv.DictReader(io.StringIO(text))
    if not {"instance", "bks_distance"} <= set(reader.fieldnames or ()):
        return {}
    out: dict[str, tuple[float, int | None]] = {}
    for row, r in enumerate(reader, start=2):
        try:
            dist = float(r["bks_distance"] or "")
            routes = int(r["bks_routes"]) if (r.get("bks_routes") or "").strip() else None
        except (TypeError, ValueError):
            dist, routes = math.nan, None
        if not (math.isfinite(dist) and dist > 0) or (routes is not None and routes < 1):
            raise ScenarioError(
                [
                    Problem(
                        str(path),
                        row,
                        "bks_distance",
                        "a finite number > 0 expected (and bks_routes a whole number >= 1)",
                    )
                ]
            )
        out[(r.get("instance") or "").strip()] = (dist, routes)
    return out


@dataclass(frozen=True, kw_only=True)
class Loaded:
    """An instance read and found servable, and the seconds that took (part of its limit)."""

    path: Path
    raw: RawInstance
    read_seconds: float
    # read with the instance, before anything is solved or written (`bks_for`)
    bks: tuple[float, int | None] | None = None


def load(path: Path) -> Loaded:
    """Read and refuse what no solution can serve (ScenarioError, every customer at its line)."""
    t0 = time.perf_counter()
    raw = read_raw(path)
    probs = reach_problems(raw)
    if probs:
        raise ScenarioError(probs)
    bks = bks_for(path, raw)
    return Loaded(path=path, raw=raw, read_seconds=time.perf_counter() - t0, bks=bks)


def bks_for(path: Path, raw: RawInstance) -> tuple[float, int | None] | None:
    """The best-known solution: `bks.csv` beside the instance (by file stem or NAME), else the
    `Cost` of a CVRPLIB `INSTANCE.sol` beside it (as PyVRP/Instances and CVRPLIB ship them)."""
    table = read_bks(path.parent)
    found = table.get(path.stem) or table.get(raw.name)
    sol = path.with_suffix(".sol")
    if found is None and sol.is_file():
        ref = read_sol(sol)
        if ref.cost is not None and ref.cost > 0:
            return float(ref.cost), len([r for r in ref.routes if r])
    return found


def run(
    path: Path,
    engine: str,
    time_limit_s: float,
    seed: int = 1,
    iterations: int = 10**9,
    loaded: Loaded | None = None,
) -> BenchResult:
    """Read (unless `loaded`), solve within `time_limit_s` counting the reading, check apart."""
    t0 = time.perf_counter() - (loaded.read_seconds if loaded else 0.0)
    ld = loaded or load(path)
    scale = time_scale(ld.raw)
    inst = to_vrp(ld.raw, distance_matrix(ld.raw, scale), scale)
    read_s = time.perf_counter() - t0
    budget = max(0.01, time_limit_s - read_s - setup_s(engine, inst.n, read_s) - RESERVE_S)
    sol = get_engine(engine).solve(inst, seed, iterations, budget)
    return _result(ld.raw, path, engine, sol, t0, read_s, ld.bks)


def setup_s(engine: str, n: int, read_s: float) -> float:
    """Seconds set aside for the engine's set-up before its clock starts: the n^2 estimate, or
    more on a slow or busy machine, where reading (also ~n^2 work) took longer than usual."""
    per_n2 = SETUP_S_PER_N2.get(engine, 0.0)
    return max(per_n2 * n * n, SETUP_PER_READ_S * read_s) if per_n2 else 0.0


def _result(
    raw: RawInstance,
    path: Path,
    engine: str,
    sol: VRPSolution,
    t0: float,
    read_s: float,
    bks: tuple[float, int | None] | None,
) -> BenchResult:
    routes = tuple(r.visits for r in sol.routes if r.visits)
    report = check_routes(raw, routes)
    violations = report.violations
    if not routes and raw.customers:
        # The engine gave no answer at all (OR-Tools finding no first solution in its time, or
        # none existing): said first, before the customers left unserved one by one.
        violations = (
            f"{engine}: no routes: no solution found within the time limit, or none exists "
            f"({raw.customers} customers not served)",
            *violations,
        )
    return BenchResult(
        instance=path.stem,
        engine=engine,
        distance=report.distance,
        routes=len(routes),
        feasible=report.feasible,
        bks=bks[0] if bks else None,
        bks_routes=bks[1] if bks else None,
        seconds=time.perf_counter() - t0,
        customers=raw.customers,
        vehicles=raw.vehicles,
        violations=violations,
        solution=routes,
        read_seconds=read_s,
        file=str(path),
        fmt=raw.fmt,
        convention=_convention(raw),
    )


def run_pyvrp_direct(path: Path, time_limit_s: float, seed: int = 1) -> BenchResult:
    """The guard's baseline: PyVRP used directly, with its defaults (`pyvrp.read` with the
    DIMACS rounding, `pyvrp.solve` with default parameters), on the same instance, seed and time.
    Its routes are measured and checked by the independent checker, like the engine's."""
    import pyvrp

    from foresterie.shuttles.engines.pyvrp_engine import Deadline

    t0 = time.perf_counter()
    raw = read_raw(path)
    data = pyvrp.read(str(path), round_func="dimacs")
    read_s = time.perf_counter() - t0
    budget = max(0.01, time_limit_s - read_s - RESERVE_S)
    # The same clock as the engine's, started before PyVRP's set-up (a stopping criterion, not a
    # search parameter: the search itself keeps every default).
    res = pyvrp.solve(data, stop=Deadline(budget), seed=seed, collect_stats=False)
    routes = tuple(
        VRPRoute(int(r.vehicle_type()), tuple(int(a.idx) + 1 for a in r if a.is_client()))
        for r in res.best.routes()
    )
    sol = VRPSolution(routes=routes, cost=0, feasible=bool(res.best.is_feasible()))
    return _result(raw, path, "pyvrp-direct", sol, t0, read_s, bks_for(path, raw))


def _convention(raw: RawInstance) -> str:
    return "explicit" if raw.matrix is not None else CONVENTION


MAX_VIOLATIONS = 50  # listed in a JSON record; `violation_count` has them all


def record(
    r: BenchResult, *, seed: int | None, time_limit_s: float | None, iterations: int | None
) -> dict[str, object]:
    """One JSON line of `bench vrptw --json` (README, "The VRPTW bench"): keys in this order,
    distances in the instance's units rounded to 0.1, gap in % to 0.01, seconds to 0.01."""
    gap = r.gap_pct
    return {
        "instance": r.instance,
        "file": r.file,
        "format": r.fmt,
        "customers": r.customers,
        "vehicles": r.vehicles,
        "engine": r.engine,
        "seed": seed,
        "time_limit_s": time_limit_s,
        "iterations": iterations,
        "convention": r.convention,
        "distance": round(r.distance, 1),
        "routes": r.routes,
        "feasible": r.feasible,
        "violation_count": len(r.violations),
        "violations": list(r.violations[:MAX_VIOLATIONS]),
        "bks": r.bks,
        "bks_routes": r.bks_routes,
        "gap_pct": None if gap is None else round(gap, 2),
        "seconds": round(r.seconds, 2),
        "read_seconds": round(r.read_seconds, 2),
    }


def check_only(loaded: Loaded, sol: SolFile) -> BenchResult:
    """`bench vrptw --check`: a `.sol` file judged against its instance, nothing solved."""
    t0 = time.perf_counter()
    rep = check_sol(loaded.raw, sol)
    bks = loaded.bks
    return BenchResult(
        instance=loaded.path.stem,
        engine="check",
        distance=rep.distance,
        routes=rep.routes,
        feasible=rep.feasible,
        bks=bks[0] if bks else None,
        bks_routes=bks[1] if bks else None,
        seconds=time.perf_counter() - t0 + loaded.read_seconds,
        customers=loaded.raw.customers,
        vehicles=loaded.raw.vehicles,
        violations=rep.violations,
        solution=sol.routes,
        read_seconds=loaded.read_seconds,
        file=str(loaded.path),
        fmt=loaded.raw.fmt,
        convention=_convention(loaded.raw),
    )
