"""PyVRP (iterated local search) behind the VRPTW interface; budget = iterations, seeded."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Final

import numpy as np
from pyvrp import (
    Activity,
    Client,
    CostEvaluator,
    Depot,
    Location,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Route,
    Solution,
    SolveParams,
    VehicleType,
)
from pyvrp.search import LocalSearch, NeighbourhoodParams, PerturbationManager, compute_neighbours

from foresterie.shuttles.engines import VRPInstance, VRPRoute, VRPSolution

# Shuttle costs put a whole trip (~2e6) above a few seats of excess load at PyVRP's default penalty
# ceiling (1e5), so penalties may climb higher, and adapt often in short runs.
PENALTIES = PenaltyParams(solutions_between_updates=25, max_penalty=1e9)


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
        dist, dur = _matrices(inst)
        data = problem_data(inst, (dist, dur))
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
        # `neighbours`: how many nearest clients each client's moves try (None: PyVRP's default).
        params = SolveParams(
            penalty=PENALTIES,
            neighbourhood=NeighbourhoodParams()
            if neighbours is None
            else NeighbourhoodParams(num_neighbours=neighbours),
        )
        near = _neighbours(inst, dist, dur, data, params.neighbourhood)
        best, _ = iterated_local_search(
            data, params, seed, init, iterations, patience, deadline, near
        )
        routes = tuple(
            VRPRoute(int(r.vehicle_type()), tuple(int(a.idx) + 1 for a in r if a.is_client()))
            for r in best.routes()
        )
        routes = tuple(sorted(routes, key=lambda r: (r.vehicle_type, r.visits)))
        # `solution_cost` of these routes as PyVRP counted them (the same matrices, fixed costs
        # and prizes; no duration cost): the same integer, without walking the routes again.
        cost = best.distance_cost() + best.fixed_vehicle_cost() + best.uncollected_prizes()
        return VRPSolution(routes=routes, cost=int(cost), feasible=bool(best.is_feasible()))


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


def iterated_local_search(
    data: ProblemData,
    params: SolveParams,
    seed: int,
    initial: Solution | None,
    iterations: int,
    patience: int | None,
    deadline: Deadline,
    neighbours: dict[Activity, list[Activity]] | None = None,
) -> tuple[Solution, int]:
    """The best solution, and the iterations run, of `pyvrp.solve(data, stop, seed, collect_stats=False, params=params,
    initial_solution=initial)` finds with `stop` = MaxIterations(iterations), the deadline, and
    NoImprovement(patience) when given: the same calls into PyVRP's native search, in the same
    order, with the same penalties (PyVRP 0.14's `solve`, `IteratedLocalSearch.run` and
    `PenaltyManager`, transcribed), hence the same answer, byte for byte
    (`tests/shuttles/engines/test_pyvrp_engine.py` checks it against `pyvrp.solve`).

    Why transcribed: a shuttle search runs a few hundred iterations on 1-60 clients, and PyVRP's
    Python loop around its native local search took a fifth of the search's CPU, most of it a
    new cost evaluator every iteration (built from numpy scalars) and the penalty bookkeeping;
    here the evaluator is built again only when the penalties change (every 25 registrations
    at most), and the statistics, progress printer and callbacks (all off) are left out. The
    loop asks PyVRP for no figure it knows already: the best's cost once per new best (it
    holds no penalty), a solution's penalised cost once per evaluator (`_Priced`), and the
    penalty bookkeeping keeps counts, not lists of violations; a feasible candidate (asked
    once) has no violation to count and its penalised cost is its cost (PyVRP's
    `CostEvaluator::cost`), asked once. `neighbours`: `compute_neighbours(data,
    params.neighbourhood)` when the caller has it (`_neighbours`), else computed here."""
    rng = RandomNumberGenerator(seed=seed)
    if neighbours is None:
        neighbours = compute_neighbours(data, params.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    penalties = _Penalties(data, params.penalty)
    init = initial
    if init is None:  # PyVRP's start: a random solution, searched exhaustively at the ceiling
        init = ls(Solution.make_random(data, rng), penalties.ceiling(), exhaustive=True)
    ils = params.ils
    # The late-acceptance history (PyVRP's RingBuffer), each entry with its penalised cost under
    # the evaluator of that cost (`_Priced`): asked again only when the penalties have moved.
    history: list[_Priced | None] = [None] * ils.history_length
    at = 0
    calls = since_best = stale = 0  # stop's calls; iterations since the best improved (stop, ILS)
    target: int | None = None
    cost_eval = penalties.evaluator()
    # `cost` is a feasible solution's objective (no penalty in it: every violation is 0), else
    # the largest cost: it never depends on the penalties, so the best's is kept, not asked for.
    best, best_cost = init, cost_eval.cost(init)
    start = curr = _Priced(init)
    while True:
        # The stopping criteria, in PyVRP's order: MaxIterations, the deadline, NoImprovement.
        calls += 1
        if calls > iterations or deadline(best_cost):
            break
        if patience:
            if target is None or best_cost < target:
                target, stale = best_cost, 0
            else:
                stale += 1
            if stale >= patience:
                break
        if since_best == ils.num_iters_no_improvement:  # a restart
            history = [None] * ils.history_length
            at = 0
            curr = _Priced(best)
            since_best = 0
        cost_eval = penalties.evaluator()
        cand = ls(curr.sol, cost_eval, exhaustive=False)
        feasible = cand.is_feasible()
        penalties.register(cand, feasible)
        since_best += 1
        # A feasible candidate's cost is its penalised cost (no penalty in it): asked once.
        price: int | None = cost_eval.penalised_cost(cand) if feasible else None
        cand_best = cost_eval.cost(cand) if price is None else price
        if cand_best < best_cost:
            best, best_cost = cand, cand_best
            since_best = 0
            if ils.exhaustive_on_best:
                cand, price = ls(cand, cost_eval, exhaustive=True), None
                if cand.is_feasible():
                    best, best_cost = cand, cost_eval.cost(cand)
        new = _Priced(cand, cost_eval, price)
        late = history[at % ils.history_length]  # the late-acceptance reference, else the start
        late_cost = (start if late is None else late).cost(cost_eval)
        curr_cost = curr.cost(cost_eval)
        if new.price < late_cost or new.price < curr_cost:
            curr, curr_cost = new, new.price
        if curr_cost < late_cost or late is None:
            history[at % ils.history_length] = curr
        at += 1
    return best, calls - 1


class _Priced:
    """A solution and its penalised cost under the last evaluator asked (`cost`): the same
    double as asking again, asked again only for another evaluator (the penalties moved)."""

    __slots__ = ("_eval", "price", "sol")

    def __init__(
        self, sol: Solution, cost_eval: CostEvaluator | None = None, price: float | None = None
    ) -> None:
        """`price`: the solution's penalised cost under `cost_eval`, when the caller has it."""
        self.sol = sol
        self._eval = cost_eval
        self.price: float = (
            price
            if price is not None
            else 0.0
            if cost_eval is None
            else cost_eval.penalised_cost(sol)
        )

    def cost(self, cost_eval: CostEvaluator) -> float:
        if cost_eval is not self._eval:
            self._eval, self.price = cost_eval, cost_eval.penalised_cost(self.sol)
        return self.price


class _Penalties:
    """PyVRP 0.14's PenaltyManager without its warnings (the engine ignored them): one penalty per
    load dimension, then time warp, then excess distance, starting at the midpoint of [min, max];
    every `solutions_between_updates` registrations of a dimension, its penalty is multiplied
    by the increase (too few feasible) or the decrease (too many), clipped to [min, max]. The
    arithmetic is numpy's on float64 scalars, the same IEEE doubles as Python's floats."""

    def __init__(self, data: ProblemData, params: PenaltyParams) -> None:
        self._params = params
        mid = params.min_penalty + (params.max_penalty - params.min_penalty) / 2
        self._values = [_clip(mid, params)] * (data.num_load_dimensions + 2)
        # Registrations since the last update (every dimension registers every solution), and
        # per dimension how many of them had no violation: the mean of PyVRP's list of
        # violations == 0 is that count over the registrations, the same double.
        self._registered = 0
        self._feasible = [0] * len(self._values)
        self._evaluator: CostEvaluator | None = None

    def evaluator(self) -> CostEvaluator:
        if self._evaluator is None:
            *loads, tw, dist = self._values
            self._evaluator = CostEvaluator(loads, tw, dist)
        return self._evaluator

    def ceiling(self) -> CostEvaluator:
        top = self._params.max_penalty
        return CostEvaluator([top] * (len(self._values) - 2), top, top)

    def register(self, sol: Solution, feasible: bool = False) -> None:
        """`feasible`: the solution is feasible (no violation in any dimension), when the caller
        knows it; else each dimension's violation is read."""
        p = self._params
        if feasible:
            self._feasible = [n + 1 for n in self._feasible]
        else:
            violations = [*sol.excess_load(), sol.time_warp(), sol.excess_distance()]
            for k, violation in enumerate(violations):
                if violation == 0:
                    self._feasible[k] += 1
        self._registered += 1
        if self._registered != p.solutions_between_updates:
            return
        for k, alright in enumerate(self._feasible):
            diff = p.target_feasible - alright / self._registered
            if abs(diff) < p.feas_tolerance:
                continue
            step = p.penalty_increase if diff > 0 else p.penalty_decrease
            new = _clip(step * self._values[k], p)
            if new != self._values[k]:
                self._values[k] = new
                self._evaluator = None
        self._registered = 0
        self._feasible = [0] * len(self._values)


def _clip(value: float, params: PenaltyParams) -> float:
    """numpy.clip of one float64 (no NaN here): the same double."""
    return min(max(value, params.min_penalty), params.max_penalty)


def problem_data(
    inst: VRPInstance, matrices: tuple[np.ndarray, np.ndarray] | None = None
) -> ProblemData:
    """The instance as PyVRP data (depot 0, clients 1..n-1, one profile): what `pyvrp.Model` makes
    of the same depot, vehicle types and clients (every location at (0, 0), the arcs as whole
    matrices, diagonal 0), built directly, without the model's objects and its first matrices
    (`tests/shuttles/engines/test_pyvrp_engine.py` compares the two). `matrices`: the instance's
    (`_matrices`), when the caller has them. Equal clients are one object (`_client`: PyVRP's
    data copies each, and a client is read-only), made once per process."""
    early, late = inst.tw_early[0], inst.tw_late[0]
    vehicle_types = [
        VehicleType(
            num_available=vt.num_available,
            capacity=[vt.capacity],
            start_depot=0,
            end_depot=0,
            fixed_cost=vt.fixed_cost,
            tw_early=early,
            tw_late=late,
            shift_duration=min(vt.max_duration, 2**62),
            unit_distance_cost=vt.unit_distance_cost,
        )
        for vt in inst.vehicles
    ]
    clients = [
        _client(
            i,
            0 if inst.pickup else inst.demand[i],
            inst.demand[i] if inst.pickup else 0,
            inst.service[i],
            inst.tw_early[i],
            inst.tw_late[i],
            inst.prize[i] if inst.prize else 0,
            inst.required(i),
        )
        for i in range(1, inst.n)
    ]
    dist, dur = _matrices(inst) if matrices is None else matrices
    return ProblemData(
        [Location(x=0, y=0)] * inst.n,  # ProblemData copies each: one object will do
        clients,
        [Depot(location=0, tw_early=early, tw_late=late)],
        vehicle_types,
        [dist],  # type: ignore[list-item]
        [dur],  # type: ignore[list-item]
    )


@lru_cache(maxsize=1 << 14)
def _client(
    location: int,
    delivery: int,
    pickup: int,
    service: int,
    early: int,
    late: int,
    prize: int,
    required: bool,
) -> Client:
    """One PyVRP client (a read-only value; ~30 us to make): the searches of a season ask for
    the same few thousand again and again (puglia-2027: 24,876 clients, 3,068 distinct)."""
    return Client(
        location=location,
        delivery=[delivery],
        pickup=[pickup],
        service_duration=service,
        tw_early=early,
        tw_late=late,
        prize=prize,
        required=required,
    )


def _matrices(inst: VRPInstance) -> tuple[np.ndarray, np.ndarray]:
    """The instance's distance and duration matrices as int64 arrays, diagonal 0: its own
    arrays where it carries them (`VRPInstance.arrays`, copied), else made from its lists."""
    if inst.arrays is not None:
        dist, dur = (np.array(a, dtype=np.int64) for a in inst.arrays)
        return _zero_diagonal(dist), _zero_diagonal(dur)
    return _matrix(inst.dist), _matrix(inst.dur)


def _matrix(rows: list[list[int]]) -> np.ndarray:
    return _zero_diagonal(np.array(rows, dtype=np.int64))


def _zero_diagonal(out: np.ndarray) -> np.ndarray:
    np.fill_diagonal(out, 0)
    return out


# `compute_neighbours` answers by what it reads (PyVRP 0.14, search/neighbourhood.cpp): the
# matrices, each client's location (its index here), service and window, the vehicle types'
# unit costs (distance; duration: 0 here) and profile (0 here), the groups (none here) and the
# parameters. A season's searches ask for the same neighbourhoods again (puglia-2027: 1,096
# searches, 422 distinct): kept per process, the last NEIGHBOURHOODS_KEPT made.
NEIGHBOURHOODS_KEPT: Final = 512
_NEIGHBOURHOODS: dict[tuple, dict[Activity, list[Activity]]] = {}  # type: ignore[type-arg]


def _neighbours(
    inst: VRPInstance,
    dist: np.ndarray,
    dur: np.ndarray,
    data: ProblemData,
    params: NeighbourhoodParams,
) -> dict[Activity, list[Activity]]:
    """`compute_neighbours(data, params)` of `problem_data(inst)` (`dist`, `dur`: its matrices),
    computed once for equal inputs."""
    key = (
        params.num_neighbours,
        params.weight_wait_time,
        params.symmetric_proximity,
        tuple(inst.service),
        tuple(inst.tw_early),
        tuple(inst.tw_late),
        tuple(vt.unit_distance_cost for vt in inst.vehicles),
        dist.shape,
        dist.tobytes(),
        dur.tobytes(),
    )
    got = _NEIGHBOURHOODS.get(key)
    if got is None:
        if len(_NEIGHBOURHOODS) >= NEIGHBOURHOODS_KEPT:
            del _NEIGHBOURHOODS[next(iter(_NEIGHBOURHOODS))]
        got = _NEIGHBOURHOODS[key] = compute_neighbours(data, params)
    return got
