"""Daily shuttles: per origin (a foresteria, or a departure point served from a base), day and
direction a capacitated VRP with time windows, then trips chained onto the base's vehicles, then
the round trip made the unit of service (`_round_trip_day`) and the riders named by a published
order (`_ride_order`). Times are whole minutes: a leg takes ceil(seconds / 60)."""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from itertools import permutations
from typing import Final, Literal, TypeVar

import numpy as np

from foresterie.core.errors import Msg, Problem
from foresterie.core.procs import worker_pool
from foresterie.core.restricted import tie_break
from foresterie.core.timeutil import clock_change, date_range, fmt_hhmm, parse_hhmm
from foresterie.housing.release import closed_days
from foresterie.housing.waitlist import uncovered_spans
from foresterie.scenario.config import TransportTable
from foresterie.scenario.model import (
    BREAK_MIN,
    PRIORITY_REFERRED,
    Assignment,
    Farm,
    Scenario,
    Vehicle,
)
from foresterie.shuttles.bounds import DirectionSpan, vehicles_lower_bound
from foresterie.shuttles.chaining import (
    TripSlot,
    _kinds,
    chain_trips,
    day_ok,
    vehicles_needed,
)
from foresterie.shuttles.daycache import first_of_each, redate_all
from foresterie.shuttles.engines import VehicleSpec, VRPInstance, VRPRoute, VRPSolution, get_engine
from foresterie.shuttles.fill import Span, split_kind
from foresterie.shuttles.idle import name_idle
from foresterie.travel.matrix import TravelMatrix

Spot = tuple[str, str]  # (origin: a foresteria or a departure point, farm)
Direction = Literal["to_farm", "to_foresteria"]  # morning: out to the farms; evening: back
TO_FARM: Final = "to_farm"
TO_FORESTERIA: Final = "to_foresteria"
DIRECTIONS: tuple[Direction, ...] = (TO_FARM, TO_FORESTERIA)
# VRP cost units: 0.1 cent per metre-of-EUR/km (0.38 EUR/km -> 4 per metre); a trip costs as much
# as ~200 km of bus before its fixed cost, so fewer trips come first; a dropped rider costs more
# than any trip. Kept moderate: PyVRP's penalty manager dislikes huge scale differences.
TRIP_WEIGHT = 2_000_000  # VRP cost units (0.1 cent per EUR/km per metre; cents x 10 per EUR/day)
DROP_PRIZE = 100_000_000  # VRP cost units per rider left unserved


def leg_min(seconds: int) -> int:
    return math.ceil(seconds / 60)


@dataclass(frozen=True, kw_only=True)
class Stop:
    seq: int
    farm_id: str
    arrive: int  # minutes after midnight
    depart: int
    board: int
    alight: int
    load_after: int
    worker_ids: tuple[str, ...]
    idle: int = 0  # minutes the vehicle waits here, riders aboard, before the stop's service


def rider_waits(direction: Direction, stops: tuple[Stop, ...]) -> list[tuple[int, int]]:
    """(riders, minutes each waited aboard at stops) per stop: a morning rider waits through the
    idles up to their own stop, an evening rider through those after theirs."""
    out = []
    for j, s in enumerate(stops):
        mine = stops[: j + 1] if direction == TO_FARM else stops[j + 1 :]
        out.append((len(s.worker_ids), sum(x.idle for x in mine)))
    return out


@dataclass(frozen=True, kw_only=True)
class Trip:
    trip_id: str
    day: date
    foresteria_id: str
    direction: Direction
    vehicle_id: str | None
    depart: int
    ret: int
    metres: int
    riders: int
    stops: tuple[Stop, ...]
    slack: tuple[int, int] = (0, 0)  # the whole trip may move by this many minutes (lo, hi)
    # A trip from a departure point: the vehicle leaves its base (foresteria_id: a foresteria or
    # a depot) empty, boards at origin_id, and comes back empty; lead/tail are those empty legs.
    origin_id: str | None = None
    lead: int = 0  # minutes base -> origin before the riders board
    tail: int = 0  # minutes origin -> base after the riders alight

    @property
    def origin(self) -> str:
        """Where the riders board in the morning and alight in the evening."""
        return self.origin_id or self.foresteria_id

    @property
    def places(self) -> list[str]:
        """Base, (departure point,) farms in stop order, (departure point,) base: the path."""
        farms = [s.farm_id for s in self.stops]
        if self.origin_id:
            return [self.foresteria_id, self.origin_id, *farms, self.origin_id, self.foresteria_id]
        return [self.foresteria_id, *farms, self.foresteria_id]


# Why worker-days (both legs) are left unserved. Proven: no_vehicle, ride_cap, fleet_short (a
# valid lower bound on the vehicles needed exceeds those available, shuttles/bounds.py).
# drivers_day (no driver's day of the base's vehicles can hold the farm's round trip, nor two
# of them one leg each: `_drivers_day`). Heuristic: vehicles_busy (the chaining could not fit
# every trip within duty limits and turnaround), windows (the route search found no seat
# within the windows and ride cap).
UnservedCode = Literal[
    "no_vehicle", "ride_cap", "fleet_short", "drivers_day", "vehicles_busy", "windows"
]
PROVEN_CODES: Final = frozenset({"no_vehicle", "ride_cap", "fleet_short", "drivers_day"})


@dataclass(frozen=True, kw_only=True)
class Unserved:
    """Worker-days left without a round trip (neither leg is planned), with one reason."""

    day: date
    foresteria_id: str
    farm_id: str
    riders: int
    code: UnservedCode
    reason: str
    proven: bool
    lower_bound: int  # vehicles needed at least (bounds.py); 0 where no bound applies
    available: int  # vehicles available at the base that day
    worker_ids: tuple[str, ...]
    base_id: str = ""  # the vehicles' base (foresteria or depot); foresteria_id is where they board


@dataclass(frozen=True, kw_only=True)
class FleetDay:
    day: date
    foresteria_id: str
    needed: int  # vehicles the chaining of the planned trips needs (heuristic)
    lower_bound: int  # vehicles any plan needs (proven, bounds.py)
    available: int
    short_riders: int  # worker-days unserved that day at the foresteria
    optimal: bool  # the chaining of the day's planned trips proven optimal
    needed_proven: bool = False  # `needed` proven the least for the planned trips


@dataclass(kw_only=True)
class ShuttlePlan:
    trips: list[Trip]
    unserved: list[Unserved]
    fleet_days: list[FleetDay]
    engine: str
    day_problems: int  # (day, foresteria, direction) route problems in the season
    route_searches: int  # distinct problems searched: equal days share one search
    wall_s: float
    day_services: int = 0  # distinct base-days planned: equal days share one (daycache.py)
    options_pruned: int = 0  # short days' options stopped once they could not win (exact)
    # (trip, rider) repairs so nobody is aboard past a site she avoids (`_keep_away`), per step
    kept_away: dict[str, int] = field(default_factory=dict)


# ------------------------------------------------------------------ demand


def shift_window(
    farm: Farm, direction: Direction, day: date, scenario: Scenario
) -> tuple[int, int]:
    """Morning: arrive in [start - early, start]. Evening: leave in [end', end' + wait]."""
    t = scenario.config.transport
    if direction == TO_FARM:
        return farm.shift_start - t.arrive_early_max_min, farm.shift_start
    end = farm.shift_end
    if day in t.heat_alert_days:
        end = min(end, parse_hhmm(t.heat_alert_shift_end))
    return end, end + t.wait_after_shift_max_min


def works_on(farm: Farm, day: date, scenario: Scenario) -> bool:
    """Whether the farm works that day: one of its workdays and not a day its calendar says it
    has no work (`farm_calendar.csv`: rain, a pause in the harvest, its end), unless a
    heat-alert day ends work (`heat_alert_shift_end`) at or before its shift starts: the
    ordinance leaves it no hours. On a day it does not work no one rides there and no one is
    owed a ride (README, "Transport model")."""
    if day.weekday() not in farm.workdays:
        return False
    if scenario.farm_closures and (farm.id, day) in closed_days(scenario.farm_closures):
        return False
    t = scenario.config.transport
    return day not in t.heat_alert_days or farm.shift_start < parse_hhmm(t.heat_alert_shift_end)


def boarding_stays(
    scenario: Scenario, assignments: list[Assignment]
) -> list[tuple[str, str, date, date]]:
    """(worker, origin, first day, day after the last) of every span of days a worker boards at
    one place, by the season plan's rule: their foresteria on the nights housed there, and for a
    worker with a departure point (pickup_id), that point on the days of the stay without a bed:
    the whole stay when not housed, the nights before opening, between foresterie or after
    closing of a partial stay. Whether they ride on a day is `daily_riders`' (a farm, its day);
    a day run reads the same spans (ops/day.py)."""
    workers = {w.id: w for w in scenario.workers}
    stays = [(a.worker_id, a.foresteria_id, a.arrival, a.departure) for a in assignments]
    housed = {a.worker_id for a in assignments}
    stays += [
        (w.id, w.pickup_id, w.arrival, w.departure)
        for w in scenario.workers
        if w.pickup_id and w.id not in housed
    ]
    stays += [
        (u.worker_id, pickup, u.start, u.end)
        for u in uncovered_spans(scenario, assignments)
        if (pickup := workers[u.worker_id].pickup_id)
    ]
    return stays


def daily_riders(
    scenario: Scenario, assignments: list[Assignment]
) -> dict[tuple[date, str, str], list[str]]:
    """(day, origin, farm) -> workers riding out that morning (and back that evening): on the
    days of their `boarding_stays`, from its origin, to their farm on its workdays (a dependant
    never rides, nobody to or from a site to avoid)."""
    workers = {w.id: w for w in scenario.workers}
    farms = {f.id: f for f in scenario.farms}
    out: dict[tuple[date, str, str], list[str]] = defaultdict(list)
    stays = boarding_stays(scenario, assignments)
    # Each farm's working days over the stays' span, in order, asked once a farm and day
    # (`works_on`), not once a rider and day: a stay's are the slice [arrival, departure).
    workdays: dict[str, list[date]] = {}
    if stays:
        first, last = min(s[2] for s in stays), max(s[3] for s in stays)
        season = list(date_range(first, last))
        workdays = {f.id: [d for d in season if works_on(f, d, scenario)] for f in farms.values()}
    for wid, origin, arrival, departure in stays:
        farm_id = workers[wid].work_farm  # dependants never ride; avoided farms never
        if not farm_id or origin in workers[wid].avoid:
            continue  # a departure point to avoid (a referral's settlement): never boards there
        days = workdays[farm_id]
        for d in days[bisect_left(days, arrival) : bisect_left(days, departure)]:
            out[d, origin, farm_id].append(wid)
    return out


def pickup_bases(
    scenario: Scenario, matrix: TravelMatrix, day: date | None = None
) -> dict[str, str]:
    """Origin -> the base whose vehicles serve it on `day` (README "Departure points"). A
    foresteria (or depot) with a vehicle of its own available that day is its own base; any
    other origin (a departure point, a foresteria without vehicles, whose coaches are a
    contractor's at a depot, and a foresteria whose own vehicles are all unavailable that day:
    before their contract starts, a breakdown in a day run) is served by the nearest (out and
    back, then id) base with a vehicle available that day (review 14, finding 3: not a base
    whose vans have not started while another's stand idle; session 16: nor a foresteria whose
    bus is in the garage). On a day no vehicle is available anywhere, and with `day` None, each
    foresteria or depot with vehicles in the fleet is its own base and any other origin is the
    nearest's with vehicles whatever their dates (that day its riders are `no_vehicle`). With no
    vehicles at all every origin is its own base, and its riders are `no_vehicle`."""
    fleet = {v.foresteria_id for v in scenario.fleet}
    today = {
        v.foresteria_id
        for v in scenario.fleet
        if day is None or v.available_from <= day <= v.available_to
    }
    own = today or fleet  # the origins that are their own base that day
    bases = sorted(own)
    out = {f.id: f.id for f in scenario.foresterie}
    if not bases:
        return out
    for o in [*(f.id for f in scenario.foresterie), *(p.id for p in scenario.pickups)]:
        if o in own:
            out[o] = o
        else:
            out[o] = min(bases, key=lambda b: (matrix.secs(b, o) + matrix.secs(o, b), b))
    return out


def day_bases(scenario: Scenario, matrix: TravelMatrix) -> Callable[[date], dict[str, str]]:
    """`pickup_bases` of each day, computed once per set of bases with a vehicle that day (a
    season has a handful: the fleet's dates)."""
    by_set: dict[frozenset[str], dict[str, str]] = {}
    by_day: dict[date, dict[str, str]] = {}

    def on(d: date) -> dict[str, str]:
        if d not in by_day:
            key = frozenset(
                v.foresteria_id for v in scenario.fleet if v.available_from <= d <= v.available_to
            )
            if key not in by_set:
                by_set[key] = pickup_bases(scenario, matrix, d)
            by_day[d] = by_set[key]
        return by_day[d]

    return on


def longest_leg(matrix: TravelMatrix, origin: str, farm: str) -> int:
    """Minutes of the longer of the two legs between a boarding place and a farm: above the ride
    cap, no vehicle can carry its riders (`ride_cap`)."""
    return max(leg_min(matrix.secs(origin, farm)), leg_min(matrix.secs(farm, origin)))


def ride_cap_reason(farm: str, far: int, place: str, cap: int) -> str:
    """The words of `ride_cap` (plan/unserved.csv), for the season plan and a day run alike."""
    return f"farm {farm} is {far} min from {place}, above the {cap} min ride cap"


def no_vehicle_reason(
    scenario: Scenario, names: dict[str, str], origin: str, base: str, d: date
) -> str:
    """Why riders are `no_vehicle`: no vehicle of the base the rule chose (`pickup_bases`) is
    available that day. Every origin is served from a base with a vehicle that day wherever
    there is one (a foresteria whose own vehicles are all unavailable, from the nearest such
    base), so this is said only on a day no vehicle is available anywhere, or with no vehicles
    at all. The reason names the base and the day, and says that no other base has one."""
    said = f"no vehicle based at {names[base]}"
    if origin != base:
        said += f", the base serving {names[origin]},"
    said += f" is available on {d}"
    if not any(v.available_from <= d <= v.available_to for v in scenario.fleet):
        said += ", nor at any other base"
    return said


# ------------------------------------------------------------------ one VRP


@dataclass(frozen=True, kw_only=True)
class _Pattern:
    """What a (foresteria, direction) VRP depends on; equal patterns share one solve."""

    foresteria_id: str
    direction: Direction
    demand: tuple[tuple[str, int, int, int], ...]  # (farm, riders, early, late)
    seats: tuple[tuple[int, int, int], ...]  # (seats, fixed cents, cents per km) per type
    counts: tuple[int, ...] | None = None  # vehicles per type; None = as many trips as needed
    # Prize multiplier per demand entry (fair shares, `_debt_weight`); None = all 1.
    weights: tuple[int, ...] | None = None
    # The earliest a vehicle may leave the origin: on a day the clocks change, the end of the
    # changed hour plus the empty leg from the base (`_not_before`); 0 on every other day.
    not_before: int = 0


def _chunks(riders: int, max_seats: int) -> list[int]:
    """Split a farm's riders into loads no vehicle is too small for: full loads, then the rest."""
    out = [max_seats] * (riders // max_seats)
    if riders % max_seats:
        out.append(riders % max_seats)
    return out


def _instance(
    p: _Pattern, matrix: TravelMatrix, cap_min: int, board: int
) -> tuple[VRPInstance, list[str]]:
    max_seats = max(s for s, _, _ in p.seats)
    evening = p.direction != TO_FARM
    nodes, demand, early, late = [p.foresteria_id], [0], [p.not_before], [24 * 60 * 2]
    mult = [FAIR_UNIT]
    weights = p.weights or tuple(FAIR_UNIT for _ in p.demand)
    for (farm, riders, e, lt), wt in zip(p.demand, weights, strict=True):
        loads = _chunks(riders, max_seats)
        k = len(loads)
        nodes += [farm] * k
        demand += loads
        mult += [wt] * k
        early += [e] * k
        late += [lt - board if evening else lt] * k
    # dist[i][j] = metres, dur[i][j] = leg_min(seconds) between the nodes' places, 0 within one
    # place (several loads of a farm): whole-matrix numpy, the same integers as pair by pair.
    at = np.array([matrix.index(x) for x in nodes])
    same = at[:, None] == at[None, :]
    sub = np.ix_(at, at)
    dist_np = np.where(same, 0, matrix.metres[sub])
    dur_np = np.where(same, 0, -(-matrix.seconds[sub] // 60))
    # The ride cap is a route-duration cap once the empty leg is free: morning routes end at the
    # last farm (return leg free), evening routes start at the first farm (outbound leg free).
    if evening:
        dur_np[0, 1:] = 0
    else:
        dur_np[1:, 0] = 0
    dist, dur = dist_np.tolist(), dur_np.tolist()
    max_dur = cap_min if evening else cap_min + board
    counts = p.counts or tuple(len(nodes) - 1 for _ in p.seats)
    vehicles = [
        VehicleSpec(
            capacity=s,
            num_available=c,
            fixed_cost=TRIP_WEIGHT + fixed * 10,
            unit_distance_cost=max(1, round(per_km / 10)),
            max_duration=max_dur,
        )
        for (s, fixed, per_km), c in zip(p.seats, counts, strict=True)
    ]
    one = _rider_prize(vehicles, dist)
    inst = VRPInstance(
        dist=dist,
        dur=dur,
        demand=demand,
        service=[0] + [board] * (len(nodes) - 1),
        tw_early=early,
        tw_late=late,
        vehicles=vehicles,
        pickup=evening,
        prize=[0] + [one * d * m // FAIR_UNIT for d, m in zip(demand[1:], mult[1:], strict=True)],
        arrays=(dist_np, dur_np),
    )
    return inst, nodes


def _rider_prize(vehicles: list[VehicleSpec], dist: list[list[int]]) -> int:
    """What leaving one rider unserved costs the route search: more than the dearest route that
    carries one load alone (fixed cost plus the way out and back), so a load that could ride on a
    route of its own is never dropped to save cost, whatever the scale of the costs. At least
    DROP_PRIZE, the usual (much larger) value. (A vehicle's dearest such route is its longest
    way out and back: costs per metre are never negative.)"""
    farthest = max(dist[0][i] + dist[i][0] for i in range(1, len(dist)))
    dearest = max(v.fixed_cost + v.unit_distance_cost * farthest for v in vehicles)
    return max(DROP_PRIZE, dearest + 1)


def _warm(
    prev: tuple[_Pattern, VRPSolution] | None, nodes: list[str], p: _Pattern
) -> VRPSolution | None:
    """Translate yesterday's routes (as farm sequences) onto today's nodes."""
    if prev is None:
        return None
    old_p, old_sol = prev
    old_nodes = _node_farms(old_p)
    free: dict[str, deque[int]] = defaultdict(deque)
    for i, f in enumerate(nodes[1:], start=1):
        free[f].append(i)
    routes = []
    seat_types = [s for s, _, _ in p.seats]
    for r in old_sol.routes:
        old_seats = old_p.seats[r.vehicle_type][0]
        if old_seats not in seat_types:
            continue
        visits = [free[old_nodes[v]].popleft() for v in r.visits if free.get(old_nodes[v])]
        if visits:
            routes.append(VRPRoute(seat_types.index(old_seats), tuple(visits)))
    return VRPSolution(routes=tuple(routes), cost=0, feasible=True) if routes else None


def _clipped(sol: VRPSolution, p: _Pattern, demand: list[int]) -> VRPSolution | None:
    """A solution of `p`'s nodes without vehicle counts cut to `p.counts`: of each vehicle type,
    the routes carrying the most seats (`demand`: the seats of each node, its instance's), ties
    the first, the others' loads left unserved."""
    kept: list[VRPRoute] = []
    for k, n in enumerate(p.counts or ()):
        mine = [r for r in sol.routes if r.vehicle_type == k]
        mine.sort(key=lambda r: -sum(demand[v] for v in r.visits))
        kept += mine[:n]
    return VRPSolution(routes=tuple(kept), cost=0, feasible=True) if kept else None


def _alike(old: _Pattern, p: _Pattern, nodes: list[str]) -> bool:
    """`p`'s loads are `old`'s (the same farms in the same order, as many loads, the same seat
    types and counts): only riders per load or time windows differ."""
    return old.seats == p.seats and old.counts == p.counts and _node_farms(old) == nodes


def _node_farms(p: _Pattern) -> list[str]:
    max_seats = max(s for s, _, _ in p.seats)
    return [p.foresteria_id] + [f for f, r, _, _ in p.demand for _ in _chunks(r, max_seats)]


@dataclass(frozen=True, kw_only=True)
class _SequenceJob:
    """One job: a (foresteria, direction) sequence of distinct patterns in date order, with
    everything a worker needs to solve it alone besides the season's constants (`_Season`)."""

    patterns: list[_Pattern]
    engine: str
    ride_cap_min: int
    board_min: int
    seed: int
    iterations: int
    patience: int
    # At most this many loads x iterations without improvement (`PATIENCE_WORK`, this phase's
    # share; None: no such limit): a problem of more than patience_work / patience loads has less.
    patience_work: int | None = None
    time_limit_s: float  # safety net only; the iteration budgets decide the result
    # Per pattern, a known solution of the same nodes to start from instead of the day before's
    # (a short day's routes for the real fleet start from its routes as planned, `_clipped`).
    starts: dict[_Pattern, VRPSolution] | None = None


# How many nearest loads each load's moves try in a route search (PyVRP's default is 50, about
# every load of a foresteria-day): with 12 the searches take half the CPU; puglia-2027 serves
# 834 more worker-days for 1.1 % more vehicle-km than with the default, puglia-2026 303 fewer
# for 0.4 % fewer (50, 20, 15, 12 and 10 measured: benchmarks/RESULTS.md, session 8). The VRPTW
# benches keep PyVRP's default.
NEIGHBOURS: Final = 12

# The patience's share for a day whose loads are the day before's in its sequence (the same
# farms, the same number of loads, the same seat types: only riders per load or windows differ),
# started from that day's routes. 1.0: the full patience (measured: benchmarks/RESULTS.md,
# session 16, helper K).
WARM_PATIENCE: Final = 1.0

# The patience counted in work as well as in iterations, where set: a search would stop after
# `patience` iterations without improvement or after PATIENCE_WORK loads x iterations without
# improvement, whichever comes first, so a problem of more than PATIENCE_WORK / patience loads
# would have a patience of PATIENCE_WORK // loads iterations. None: not set, every search has its
# scenario's patience. Measured (benchmarks/RESULTS.md, session 19, helper P2) on the generated
# 20,000-worker season's every 8th foresteria: 2,800 (no change at 1,700 workers nor in the 2027
# seasons) took 15 % less CPU and left 413 more worker-days unserved (+1.5 %), 2,000 29 % less
# and 702 more (+2.5 %), 1,400 39 % less and 1,198 more (+4.3 %); 2,800 also moves the 2026
# seasons (patience 100): 14 and 74 more worker-days unserved. A loss on every cut, so none is
# set (`pipeline_scale.py --shuttles N --patience-work W` measures one).
PATIENCE_WORK: Final[int | None] = None


def _solve_sequence(job: _SequenceJob, season: _Season) -> list[tuple[_Pattern, VRPSolution]]:
    """Solve one (foresteria, direction) sequence of patterns in date order, warm-starting each."""
    engine = get_engine(job.engine)
    out: list[tuple[_Pattern, VRPSolution]] = []
    prev: tuple[_Pattern, VRPSolution] | None = None
    for p in job.patterns:
        inst, nodes = _instance(p, season.matrix, job.ride_cap_min, job.board_min)
        start = (job.starts or {}).get(p)
        warm = _clipped(start, p, inst.demand) if start is not None else _warm(prev, nodes, p)
        patience = job.patience
        if start is None and prev is not None and _alike(prev[0], p, nodes):
            patience = max(1, round(job.patience * WARM_PATIENCE))
        if job.patience_work is not None:
            patience = min(patience, max(1, job.patience_work // (inst.n - 1)))
        sol = engine.solve(
            inst, job.seed, job.iterations, job.time_limit_s, warm, patience, NEIGHBOURS
        )
        out.append((p, sol))
        prev = (p, sol)
    return out


# ------------------------------------------------------------------ schedule (minutes)


def _schedule(
    direction: Direction,
    depot: str,
    farms: list[str],
    windows: list[tuple[int, int]],
    matrix: TravelMatrix,
    board: int,
    cap_min: int,
    wait_cap: int | None = None,
    not_before: int = 0,
) -> tuple[int, list[int], int] | None:
    """(depot departure, arrival at each stop, depot return), or None if no start works.
    The depot departure is `not_before` or later (a day the clocks change: `_not_before`).

    Waiting on board: at a stop the vehicle idles (riders aboard) from when it could pull in
    (previous departure + leg) until the service starts (window open); with ``wait_cap`` set,
    no rider's total idle aboard may exceed it.

    Morning: leave as late as possible (shortest rides, least waiting at the field).
    Evening: board as early as the ride cap allows (least waiting after the shift).
    """
    legs = [
        leg_min(matrix.secs(a, b)) if a != b else 0
        for a, b in zip([depot, *farms], [*farms, depot], strict=True)
    ]
    return _schedule_legs(direction, legs, windows, board, cap_min, wait_cap, not_before)


def _schedule_legs(
    direction: Direction,
    legs: list[int],
    windows: list[tuple[int, int]],
    board: int,
    cap_min: int,
    wait_cap: int | None,
    not_before: int,
) -> tuple[int, list[int], int] | None:
    """`_schedule` over its legs in minutes: depot -> first stop, stop to stop, last -> depot."""
    n = len(windows)

    def run(first_service: int) -> tuple[list[int], list[int], int]:
        arrive, service = [], []
        t = first_service
        for k in range(n):
            a = t if k == 0 else t + legs[k]
            s = max(a, windows[k][0])
            arrive.append(a)
            service.append(s)
            t = s + board
        return arrive, service, t + legs[-1]

    def waits_ok(dep: int, service: list[int]) -> bool:
        if wait_cap is None:
            return True
        idle = [
            service[k] - ((dep if k == 0 else service[k - 1] + board) + legs[k]) for k in range(n)
        ]
        # Morning riders are aboard from the start to their stop; evening riders from their
        # stop on: the worst is everything before the last stop, or after the first.
        worst = sum(idle) if direction == TO_FARM else sum(idle[1:])
        return worst <= wait_cap

    if direction == TO_FARM:
        late = [w[1] for w in windows]
        for k in range(n - 2, -1, -1):
            late[k] = min(late[k], late[k + 1] - board - legs[k + 1])
        first = late[0]
        arrive, service, ret = run(first)
        if any(s > w[1] for s, w in zip(service, windows, strict=True)) or first < windows[0][0]:
            return None
        dep = first - legs[0]
        if dep < not_before or service[-1] - dep > cap_min or not waits_ok(dep, service):
            return None  # (leaving later is no help: this is the latest departure that works)
        # Riders are dropped when the stop's window opens: a vehicle early on the road idles
        # before it pulls in, so the stop time is the service start.
        return dep, service, ret
    lowest = max(windows[0][0], not_before + legs[0]) if not_before else windows[0][0]
    for first in range(lowest, windows[0][1] - board + 1):
        arrive, service, ret = run(first)
        if any(s + board > w[1] for s, w in zip(service, windows, strict=True)):
            break  # a later start serves every stop no earlier: it misses a window too
        if ret - (service[0] + board) <= cap_min and waits_ok(first - legs[0], service):
            return first - legs[0], arrive, ret
    return None


# ------------------------------------------------------------------ season


@dataclass(frozen=True, kw_only=True)
class _Ctx:
    scenario: Scenario
    matrix: TravelMatrix
    farms: dict[str, Farm]
    names: dict[str, str]
    cap: int
    board: int
    bases: Callable[[date], dict[str, str]]  # origin -> its base, per day (`day_bases`)
    # What a season asks again and again, kept (exact: each a function of the season's constants
    # and its key): leg minutes and metres between two places, a farm's window per direction
    # and day, an origin's earliest departure per day, a spot's own round trip without riders
    # per window (`_round_trip`), and a short day's trips from its route searches until they
    # are asked again (`_day_trips`). One dict per season and process (`_Season.memo`), shared
    # by the season's jobs in that process.
    memo: dict[str, dict] = field(default_factory=dict, compare=False, repr=False)  # type: ignore[type-arg]

    def kept(self, name: str) -> dict:  # type: ignore[type-arg]
        """The memo `name` of this season (made empty the first time)."""
        got = self.memo.get(name)
        if got is None:
            got = self.memo[name] = {}
        return got


def _leg(ctx: _Ctx, a: str, b: str) -> int:
    """Minutes from place a to place b (`leg_min` of the matrix; 0 within one place)."""
    legs = ctx.kept("legs")
    got = legs.get((a, b))
    if got is None:
        got = legs[a, b] = leg_min(ctx.matrix.secs(a, b)) if a != b else 0
    return got


def _metres(ctx: _Ctx, a: str, b: str) -> int:
    """Metres from place a to place b (the matrix's; 0 within one place)."""
    far = ctx.kept("metres")
    got = far.get((a, b))
    if got is None:
        got = far[a, b] = ctx.matrix.dist(a, b) if a != b else 0
    return got


def _window(ctx: _Ctx, farm: str, direction: Direction, d: date) -> tuple[int, int]:
    """`shift_window` of a farm, direction and day, asked once."""
    wins = ctx.kept("windows")
    got = wins.get((farm, direction, d))
    if got is None:
        got = wins[farm, direction, d] = shift_window(ctx.farms[farm], direction, d, ctx.scenario)
    return got


def _not_before(ctx: _Ctx, d: date, origin: str) -> int:
    """The earliest a trip may leave `origin` on day `d`: on a day the local clock changes, no
    vehicle leaves its base before the changed hour is over (README "Shuttle model": every
    time of such a day's plan exists once, every duration is real), so a trip from a departure
    point leaves it no earlier than that plus the empty leg from the base. 0 on other days."""
    known = ctx.kept("not_before")
    got = known.get((d, origin))
    if got is None:
        change = clock_change(d, ctx.scenario.config.scenario.timezone)
        if change is None:
            got = 0
        else:
            base = ctx.bases(d).get(origin, origin)
            got = change.end + (0 if base == origin else leg_min(ctx.matrix.secs(base, origin)))
        known[d, origin] = got
    return got


def _seat_types(fleet: list[Vehicle]) -> tuple[tuple[int, int, int], ...]:
    """One VRP vehicle type per seat count, priced as its cheapest vehicle."""
    by_seats: dict[int, tuple[int, int, int]] = {}
    for v in fleet:
        t = (v.seats, round(v.fixed_cost_eur_per_day * 100), round(v.cost_eur_per_km * 100))
        if v.seats not in by_seats or t[1:] < by_seats[v.seats][1:]:
            by_seats[v.seats] = t
    return tuple(by_seats[k] for k in sorted(by_seats))


def _route_trips(
    ctx: _Ctx,
    d: date,
    fid: str,
    direction: Direction,
    p: _Pattern,
    sol: VRPSolution,
    members: dict[tuple[date, str, str, str], list[str]],
) -> tuple[list[Trip], set[tuple[Direction, Spot]]]:
    """Timed trips with riders from a VRP solution; infeasible routes are split, never trusted.
    Also the (direction, farm) pairs whose riders lost seats to the route search."""
    nodes = _node_farms(p)
    max_seats = max(s for s, _, _ in p.seats)
    pools = {farm: members[d, fid, direction, farm] for farm, _, _, _ in p.demand}
    loads = {farm: iter(_chunks(r, max_seats)) for farm, r, _, _ in p.demand}
    given: dict[str, int] = defaultdict(int)  # each farm's riders given a load so far
    chunk_ids: dict[int, tuple[str, ...]] = {}
    for i, farm in enumerate(nodes[1:], start=1):
        at, size = given[farm], next(loads[farm])
        chunk_ids[i] = tuple(pools[farm][at : at + size])
        given[farm] = at + size
    served = sol.served()
    lost = {(direction, (fid, nodes[i])) for i in range(1, len(nodes)) if i not in served}
    routes: list[tuple[int, ...]] = []
    for r in sol.routes:
        seats = p.seats[r.vehicle_type][0]
        if sum(len(chunk_ids[v]) for v in r.visits) <= seats:
            routes.append(r.visits)
        else:  # the engine's best broke the seats: run each load as its own trip instead
            routes += [(v,) for v in r.visits]
    trips: list[Trip] = []

    def timed(vs: tuple[int, ...]) -> Trip | None:
        return _timed_trip(
            ctx, d, fid, direction, [nodes[v] for v in vs], [chunk_ids[v] for v in vs]
        )

    for visits in routes:
        made = timed(visits)
        # A route that cannot be timed is run as one trip per load instead.
        pieces = (
            [(visits, made)]
            if made is not None or len(visits) == 1
            else [((v,), timed((v,))) for v in visits]
        )
        for vs, part in pieces:
            if part is not None:
                trips.append(part)
                continue
            lost |= {(direction, (fid, nodes[x])) for x in vs}
    prefix = f"{d.isoformat()}-{fid}-{'M' if direction == TO_FARM else 'E'}"
    trips.sort(key=lambda t: (t.depart, t.stops[0].farm_id, t.riders))
    trips = [_with_id(t, f"{prefix}{k:02d}") for k, t in enumerate(trips, start=1)]
    return trips, lost


Rec = TypeVar("Rec", "Trip", "Stop")


def _evolve(record: Rec, **changes: object) -> Rec:
    """`dataclasses.replace` of a Trip or a Stop without running `__init__` again (they are
    frozen dataclasses with no `__post_init__` and no slots: every field is in the instance's
    `__dict__`): its fields copied, `changes` put over them. The same record, at a fifth of
    replace's cost, in the loops that rename, re-time and fill trips and stops (puglia-2027:
    57,000 copies a season)."""
    assert changes.keys() <= record.__dataclass_fields__.keys(), changes
    new = object.__new__(type(record))
    new.__dict__.update(record.__dict__, **changes)
    return new


def _with_id(t: Trip, trip_id: str, vehicle_id: str | None = None, shift: int = 0) -> Trip:
    if not shift:  # the same stops (frozen): no copies of them
        return _evolve(t, trip_id=trip_id, vehicle_id=vehicle_id)
    stops = tuple(_evolve(s, arrive=s.arrive + shift, depart=s.depart + shift) for s in t.stops)
    return _evolve(
        t,
        trip_id=trip_id,
        vehicle_id=vehicle_id,
        depart=t.depart + shift,
        ret=t.ret + shift,
        stops=stops,
    )


def _timed_trip(
    ctx: _Ctx,
    d: date,
    fid: str,
    direction: Direction,
    farm_seq: list[str],
    id_seq: list[tuple[str, ...]],
) -> Trip | None:
    stops_f: list[str] = []
    stop_ids: list[list[str]] = []
    for f, ids in zip(farm_seq, id_seq, strict=True):  # consecutive loads for one farm: one stop
        if stops_f and stops_f[-1] == f:
            stop_ids[-1] += ids
        else:
            stops_f.append(f)
            stop_ids.append(list(ids))
    windows = [_window(ctx, f, direction, d) for f in stops_f]
    legs = [_leg(ctx, a, b) for a, b in zip([fid, *stops_f], [*stops_f, fid], strict=True)]
    sched = _schedule_legs(
        direction,
        legs,
        windows,
        ctx.board,
        ctx.cap,
        ctx.scenario.config.transport.max_wait_on_board_min,
        not_before := _not_before(ctx, d, fid),
    )
    if sched is None:
        return None
    dep, arrive, ret = sched
    total = sum(len(ids) for ids in stop_ids)
    load = total if direction == TO_FARM else 0
    stops = []
    prev_time = dep
    for seq, (f, who, a, w, leg) in enumerate(
        zip(stops_f, stop_ids, arrive, windows, legs, strict=False), 1
    ):
        depart = max(a, w[0]) + ctx.board
        idle = depart - ctx.board - (prev_time + leg)
        prev_time = depart
        if direction == TO_FARM:
            load -= len(who)
            stops.append(
                Stop(
                    seq=seq,
                    farm_id=f,
                    arrive=a,
                    depart=depart,
                    board=0,
                    alight=len(who),
                    load_after=load,
                    worker_ids=tuple(sorted(who)),
                    idle=idle,
                )
            )
        else:
            load += len(who)
            stops.append(
                Stop(
                    seq=seq,
                    farm_id=f,
                    arrive=a,
                    depart=depart,
                    board=len(who),
                    alight=0,
                    load_after=load,
                    worker_ids=tuple(sorted(who)),
                    idle=idle,
                )
            )
    path = [fid, *stops_f, fid]
    metres = sum(_metres(ctx, a_, b_) for a_, b_ in zip(path, path[1:], strict=False))
    if direction == TO_FARM:  # may leave earlier while every drop stays inside its window
        early = min(s.arrive - w[0] for s, w in zip(stops, windows, strict=True))
        slack = (-min(early, dep - not_before) if not_before else -early, 0)
    else:  # may collect later while every departure stays inside its window
        slack = (0, min(w[1] - s.depart for s, w in zip(stops, windows, strict=True)))
    return Trip(
        trip_id="",
        day=d,
        foresteria_id=fid,
        direction=direction,
        vehicle_id=None,
        depart=dep,
        ret=ret,
        metres=metres,
        riders=total,
        stops=tuple(stops),
        slack=slack,
    )


@dataclass(frozen=True, kw_only=True)
class _ChainedDay:
    """One foresteria-day after chaining."""

    done: list[Trip]  # trips with a vehicle (and their chosen slide in time)
    left: list[Trip]  # trips no vehicle of the fleet can run
    needed: int  # vehicles the same chaining needs with every vehicle kind unlimited
    needed_proven: bool  # that count proven the least (else a plan with that many exists)
    optimal: bool  # the real fleet's chaining proven optimal
    drivers: bool = False  # drivers' hours bound that chaining (chaining.Chaining.drivers)


def _chain_day(
    ctx: _Ctx,
    trips: list[Trip],
    fleet: list[Vehicle],
    cache: dict,
    needed: bool = False,
    weights: dict[Spot, int] | None = None,
) -> _ChainedDay:
    """Chain a day's trips onto the fleet; equal days (same trips, same fleet) share one answer.
    The vehicles needed (the same chaining with every vehicle kind unlimited) is computed only
    when asked (`needed`): the round trip's first chaining reports it, later rounds do not."""
    cfg = ctx.scenario.config
    slots = [
        TripSlot(
            key=t.trip_id,
            depart=t.depart,
            ret=t.ret,
            load=t.riders,
            metres=t.metres,
            shift_lo=t.slack[0],
            shift_hi=t.slack[1],
            value=_trip_value(t, weights) if weights else 0,
        )
        for t in trips
    ]
    sig = (
        tuple((s.depart, s.ret, s.load, s.metres, s.shift_lo, s.shift_hi, s.value) for s in slots),
        tuple(fleet),
    )
    args = (cfg.transport.turnaround_min, cfg.scenario.seed, cfg.solver.chaining_deterministic_time)
    if ("real", sig) not in cache:
        real = chain_trips(slots, fleet, *args)
        cache["real", sig] = (
            [(real.vehicle_of[s.key], real.shift[s.key]) for s in slots],
            real.vehicles_used,
            real.optimal,
            real.drivers,
        )
    choice, n_used, optimal, drivers = cache["real", sig]
    vehicle_list = [v for v, _ in choice]
    n_needed, needed_proven = n_used, optimal
    if needed and any(v is None for v in vehicle_list):
        if ("needed", sig) not in cache:
            cache["needed", sig] = _vehicles_needed(slots, fleet, choice, args)
        n_needed, needed_proven = cache["needed", sig]
    done = [_with_id(t, t.trip_id, v, dt) for t, (v, dt) in zip(trips, choice, strict=True) if v]
    left = [t for t, v in zip(trips, vehicle_list, strict=True) if not v]
    return _ChainedDay(
        done=done,
        left=left,
        needed=n_needed,
        needed_proven=needed_proven,
        optimal=optimal,
        drivers=drivers,
    )


def _trip_value(t: Trip, weights: dict[Spot, int]) -> int:
    """Fair shares: a trip's riders, each weighted by their spot's debt (`_debt_weight`)."""
    return sum(len(s.worker_ids) * weights.get((t.origin, s.farm_id), FAIR_UNIT) for s in t.stops)


# Above this many trips neither vehicles-needed model proves its count within the chaining budget
# (the fast one 7 of the 46 such base-day chainings of puglia-2027, the full one none, measured):
# a cheaper heuristic count stands there instead (see `_vehicles_needed`).
NEEDED_FAST_MAX_TRIPS: Final = 45


def _vehicles_needed(
    slots: list[TripSlot],
    fleet: list[Vehicle],
    choice: list[tuple[str | None, int]],
    args: tuple[int, int, float],
) -> tuple[int, bool]:
    """Vehicles needed: the same exact chaining with every vehicle kind in unlimited supply, as
    far as its vehicle count (chaining.vehicles_needed), hinted with the real fleet's chaining
    (each trip it left on a vehicle of its own). Where that model cannot prove the count, the
    full chaining with one copy of each kind per trip decides, as it always did. On a base-day
    of NEEDED_FAST_MAX_TRIPS trips or more, a count without a search (see below)."""
    kinds = {
        (v.seats, v.fixed_cost_eur_per_day, v.cost_eur_per_km, v.max_duty_min, v.drivers_day): v
        for v in reversed(fleet)
    }  # one vehicle of each kind
    if len(slots) >= NEEDED_FAST_MAX_TRIPS:
        # Neither model proved anything within its budget on such a day (the full one 46 of 46
        # in puglia-2027, 1.3 CPU s each). A count that is just as heuristic: the fewer of two
        # plans that exist, the real fleet's chaining plus the trips it left put on vehicles of
        # their own first-fit, or every trip first-fit.
        left = [s for s, (vid, _) in zip(slots, choice, strict=True) if vid is None]
        used = len({vid for vid, _ in choice if vid})
        roomy = sorted(kinds.values(), key=lambda v: (-v.seats, -v.max_duty_min))
        return min(
            used + _first_fit_vehicles(left, roomy, args[0]),
            _first_fit_vehicles(slots, roomy, args[0]),
        ), False
    kind_of = {
        v.id: list(kinds).index(
            (v.seats, v.fixed_cost_eur_per_day, v.cost_eur_per_km, v.max_duty_min, v.drivers_day)
        )
        for v in fleet
    }
    cheapest = sorted(
        range(len(kinds)), key=lambda k: list(kinds.values())[k].fixed_cost_eur_per_day
    )
    hint: dict[str, tuple[int, str, int]] = {}
    for s, (vid, shift) in zip(slots, choice, strict=True):
        if vid is not None:
            hint[s.key] = (kind_of[vid], vid, shift)
            continue
        for k in cheapest:
            v = list(kinds.values())[k]
            if v.seats >= s.load and s.ret - s.depart <= v.max_duty_min:
                hint[s.key] = (k, "#" + s.key, 0)
                break
    fast = vehicles_needed(slots, list(kinds.values()), *args, hint=hint)
    if fast.optimal:
        return fast.vehicles, True
    spare = [replace(v, id=f"{v.id}#{k}") for v in kinds.values() for k in range(len(slots))]
    more = chain_trips(slots, spare, *args)
    return more.vehicles_used, more.optimal


def _first_fit_vehicles(trips: list[TripSlot], kinds: list[Vehicle], turnaround_min: int) -> int:
    """Vehicles a plan with unlimited copies of each kind uses when trips, by departure (at their
    natural times), each go to the first vehicle opened so far that can run it (seats, duty and
    driver's day: `chaining.day_ok`, no overlap with turnaround), else to a new vehicle of the first kind (`kinds` roomiest
    first) that can. A trip no kind can run is left out, as the chainings leave it. With one
    kind, no duty limit binding and no slide, this is the least (interval colouring)."""
    opened: list[tuple[Vehicle, list[tuple[int, int]], list[int]]] = []  # kind, spans, duty
    for t in sorted(trips, key=lambda t: (t.depart, t.key)):
        span = (t.depart, t.ret + turnaround_min)
        fits = [v for v in kinds if v.seats >= t.load and day_ok([(t.depart, t.ret)], v)]
        if not fits:
            continue
        for v, spans, duty in opened:
            if (
                v.seats >= t.load
                and duty[0] + t.ret - t.depart <= v.max_duty_min
                and not any(span[0] < b and a < span[1] for a, b in spans)
                and day_ok([(a, b - turnaround_min) for a, b in spans] + [(t.depart, t.ret)], v)
            ):
                spans.append(span)
                duty[0] += t.ret - t.depart
                break
        else:
            opened.append((fits[0], [span], [t.ret - t.depart]))
    return len(opened)


def _context(
    scenario: Scenario,
    matrix: TravelMatrix,
    memo: dict[str, dict] | None = None,  # type: ignore[type-arg]
) -> _Ctx:
    """The season's context; `memo`: the season's memos (`_Ctx.memo`), else new ones."""
    tr = scenario.config.transport
    return _Ctx(
        scenario=scenario,
        matrix=matrix,
        farms={f.id: f for f in scenario.farms},
        names={f.id: f.name for f in scenario.foresterie}
        | {p.id: p.name for p in scenario.pickups},
        cap=tr.max_ride_min,
        board=tr.board_min,
        bases=day_bases(scenario, matrix),
        memo={} if memo is None else memo,
    )


def trip_timer(
    scenario: Scenario, matrix: TravelMatrix
) -> Callable[[Trip, list[str], list[tuple[str, ...]]], Trip | None]:
    """Re-time a planned trip over other stops (farms in order, riders per stop) exactly as
    plan_shuttles times its trips (windows, ride cap, wait cap; a departure point's empty legs),
    keeping its id, vehicle, day, origin and direction; None where no timing works. For a plan
    assembled another way (a day run inserting a stop into a kept trip)."""
    ctx = _context(scenario, matrix)

    def timed(t: Trip, farms: list[str], ids: list[tuple[str, ...]]) -> Trip | None:
        made = _timed_trip(ctx, t.day, t.origin, t.direction, farms, ids)
        if made is None:
            return None
        made = _from_base(ctx, made, t.foresteria_id)
        return replace(made, trip_id=t.trip_id, vehicle_id=t.vehicle_id)

    return timed


def lower_bounds(
    scenario: Scenario, matrix: TravelMatrix, assignments: list[Assignment]
) -> dict[tuple[date, str], tuple[int, int]]:
    """(day, base) -> (proven lower bound on vehicles, vehicles available) for the riders within
    the ride cap: the figures plan_shuttles writes into fleet_days.csv and unserved.csv, for a
    plan assembled another way (a day run's kept trips) to carry the same proven figures."""
    ctx = _context(scenario, matrix)
    reach: dict[tuple[date, str], dict[Spot, int]] = defaultdict(dict)
    for (d, origin, farm), ids in sorted(daily_riders(scenario, assignments).items()):
        far = max(leg_min(matrix.secs(origin, farm)), leg_min(matrix.secs(farm, origin)))
        if far <= ctx.cap:
            reach[d, ctx.bases(d).get(origin, origin)][origin, farm] = len(ids)
    out = {}
    for (d, base), spots in sorted(reach.items()):
        fleet = _available(scenario.fleet, base, d)
        if fleet:
            lb = _day_lower_bound(ctx, d, base, sorted(spots), sum(spots.values()), fleet)
            out[d, base] = (lb, len(fleet))
    return out


def plan_shuttles(
    scenario: Scenario,
    matrix: TravelMatrix,
    assignments: list[Assignment],
    processes: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
    reuse: bool = True,
    left_before: dict[str, int] | None = None,
) -> ShuttlePlan:
    """Every day's round trips for every foresteria; each worker-day served both ways or listed
    (both legs) with one reason. See `_round_trip_day` for why no one rides one way only.
    `reuse` (exact, see shuttles/daycache.py): equal base-days and equal chainings are solved
    once, and a short day's option that can no longer win is not finished (`_round_trip_day`'s
    `beat`); without it every one is solved in full (the same plan, byte for byte, more slowly).
    `left_before` (a re-plan's, an intake's): the days each worker was left behind before the
    first day planned here (run/pipeline.py `left_behind_before`), where the rotation starts."""
    t0 = time.monotonic()
    cfg = scenario.config.solver
    ctx = _context(scenario, matrix)
    riders = daily_riders(scenario, assignments)
    unserved: list[Unserved] = []
    patterns: dict[tuple[date, str, str], _Pattern] = {}
    members: dict[tuple[date, str, str, str], list[str]] = {}
    by_day: dict[tuple[date, str], list[tuple[Spot, list[str]]]] = defaultdict(list)
    for (d, origin, farm), ids in sorted(riders.items()):
        by_day[d, ctx.bases(d).get(origin, origin)].append(((origin, farm), ids))
    demand: dict[tuple[date, str], dict[Spot, list[str]]] = {}  # riders within the ride cap
    far_of: dict[Spot, int] = {}
    for (d, base), todays in sorted(by_day.items()):
        fleet = _available(scenario.fleet, base, d)
        if not fleet:
            unserved += [
                _unserved(
                    d,
                    spot,
                    base,
                    ids,
                    "no_vehicle",
                    no_vehicle_reason(scenario, ctx.names, spot[0], base, d),
                )
                for spot, ids in todays
            ]
            continue
        reach: dict[Spot, list[str]] = {}
        for (origin, farm_id), ids in todays:
            if (origin, farm_id) not in far_of:  # the longer leg, asked once a spot
                far_of[origin, farm_id] = longest_leg(matrix, origin, farm_id)
            far = far_of[origin, farm_id]
            if far > ctx.cap:
                unserved.append(
                    _unserved(
                        d,
                        (origin, farm_id),
                        base,
                        ids,
                        "ride_cap",
                        ride_cap_reason(farm_id, far, ctx.names[origin], ctx.cap),
                        available=len(fleet),
                    )
                )
                continue
            reach[origin, farm_id] = sorted(ids)
        if not reach:
            continue
        demand[d, base] = reach
        seats = _seat_types(fleet)
        for origin in sorted({o for o, _ in reach}):
            for direction in DIRECTIONS:
                dem = []
                for (o, farm_id), ids in reach.items():
                    if o != origin:
                        continue
                    e, lt = shift_window(ctx.farms[farm_id], direction, d, scenario)
                    dem.append((farm_id, len(ids), e, lt))
                    members[d, origin, direction, farm_id] = ids
                patterns[d, origin, direction] = _Pattern(
                    foresteria_id=origin,
                    direction=direction,
                    demand=tuple(dem),
                    seats=seats,
                    not_before=_not_before(ctx, d, origin),
                )
    season = _Season(
        scenario=scenario, matrix=matrix, members=members, demand=demand, memo=ctx.memo
    )
    with _Workers(season, processes) as runner:  # one pool for every phase
        solved = _solve_patterns(runner, patterns.values(), progress)
        keys = sorted(demand)
        plain: dict[tuple[date, str], dict[tuple[str, Direction], _Pattern]] = {
            (d, base): {
                (o, dr): patterns[d, o, dr]
                for o in sorted({o for o, _ in demand[d, base]})
                for dr in DIRECTIONS
            }
            for d, base in keys
        }
        fleets = {(d, b): tuple(_available(scenario.fleet, b, d)) for d, b in keys}

        def signature(
            k: tuple[date, str], opts: list[dict[tuple[str, Direction], _Pattern]]
        ) -> tuple:
            """Everything a base-day's service depends on besides the run's constants."""
            return (
                k[1],
                fleets[k],
                tuple(tuple((o, p, solved[p]) for o, p in sorted(x.items())) for x in opts),
            )

        def distinct(
            opts: dict[tuple[date, str], list],
        ) -> dict[tuple[date, str], tuple[date, str]]:
            if not reuse:
                return {k: k for k in opts}
            return first_of_each(opts, lambda k: signature(k, opts[k]))

        # Which days the real fleet cannot run as routed: chained in parallel (by base-day chunks).
        first = distinct({k: [plain[k]] for k in keys})
        probe = _run_days(
            runner,
            {k: [plain[k]] for k in sorted(set(first.values()))},
            solved,
            {} if reuse else None,
            True,
        )
        limited: dict[tuple[date, str], dict[tuple[str, Direction], _Pattern]] = {}
        for d, base in keys:
            if probe.short[
                first[d, base]
            ]:  # trips left without a vehicle: also try routes for the real fleet
                fleet = _available(scenario.fleet, base, d)
                limited[d, base] = {
                    k: replace(
                        p,
                        counts=tuple(
                            sum(1 for v in fleet if v.seats == st) for st, _, _ in p.seats
                        ),
                    )
                    for k, p in plain[d, base].items()
                }
        workers = {w.id: w for w in scenario.workers}
        # days each worker was left behind so far, those before a re-plan's date included
        left_behind: dict[str, int] = defaultdict(int, left_before or {})
        streak: dict[str, int] = defaultdict(int)  # days in a row each worker is left behind now
        seed = scenario.config.scenario.seed
        rule = scenario.config.transport
        weight = rule.fair_share != "off"
        trips: list[Trip] = []
        fleet_days: list[FleetDay] = []
        draws: dict[str, str] = {}  # each rider's tie-break, computed once, not once a day
        kept_away: dict[str, int] = {}  # `_keep_away`'s steps fired: swap, reorder, drop

        def draw(worker_id: str) -> str:
            if worker_id not in draws:
                draws[worker_id] = tie_break(scenario.draw_key, seed, worker_id)
            return draws[worker_id]

        def name_day(
            d: date, fid: str, options_served: list[_DayService], made: _DayService | None
        ) -> None:
            """Choose the day's option and name its riders (`_ride_order`), in date order; the
            choice is `made` already where no debt can change it (`_chosen`)."""
            fleet = _available(scenario.fleet, fid, d)
            reach = demand[d, fid]
            best = (
                made
                if made is not None
                else _fill_idle(
                    ctx,
                    d,
                    fid,
                    _fair_choice(
                        options_served, _spot_weights(reach, streak, rule), rule.fair_slack_pct
                    ),
                    reach,
                    fleet,
                )
            )
            chosen: dict[Spot, list[str]] = {}
            orders: dict[Spot, list[str]] = {}
            for spot, ids in reach.items():
                orders[spot] = order = sorted(
                    ids, key=lambda w: _ride_order(w, workers[w].priority, left_behind, draw(w))
                )
                chosen[spot] = order[: best.seats.get(spot, 0)]
            named = _fill_riders(best.trips, chosen)
            avoid = {w: a for ids in reach.values() for w in ids if (a := workers[w].avoid)}
            if avoid:  # nobody aboard past a site she avoids (README "Referral records")
                best, named = keep_away(ctx, d, fid, best, named, chosen, orders, avoid, fleet)
            for spot, order in orders.items():
                rode = set(chosen[spot])
                for w in order:
                    if w in rode:
                        streak[w] = 0
                    else:
                        left_behind[w] += 1
                        streak[w] += 1
            trips.extend(named)
            lb = _day_lower_bound(ctx, d, fid, sorted(reach), sum(map(len, reach.values())), fleet)
            day_unserved = [
                _shortage(ctx, d, fid, spot, sorted(set(ids) - set(chosen[spot])), best, lb, fleet)
                for spot, ids in reach.items()
                if len(chosen[spot]) < len(ids)
            ]
            unserved.extend(day_unserved)
            fleet_days.append(
                FleetDay(
                    day=d,
                    foresteria_id=fid,
                    needed=options_served[0].needed,  # the trips planned with every kind unlimited
                    needed_proven=options_served[0].needed_proven,
                    lower_bound=lb,
                    available=len(fleet),
                    short_riders=sum(u.riders for u in day_unserved),
                    optimal=best.optimal,
                )
            )

        def keep_away(
            ctx: _Ctx,
            d: date,
            fid: str,
            best: _DayService,
            named: list[Trip],
            chosen: dict[Spot, list[str]],
            orders: dict[Spot, list[str]],
            avoid: dict[str, frozenset[str]],
            fleet: list[Vehicle],
        ) -> tuple[_DayService, list[Trip]]:
            """`_keep_away` on the day's named trips; `chosen` follows who rode, the day's
            seats and chaining proof what it changed, `kept_away` how often each step fired."""
            waiting = {spot: order[len(chosen[spot]) :] for spot, order in orders.items()}
            got = _keep_away(ctx, d, fid, named, avoid, waiting, fleet)
            for key, n in (("swap", got.swaps), ("reorder", got.reorders), ("drop", got.drops)):
                kept_away[key] = kept_away.get(key, 0) + n
            if not (got.swaps or got.reorders or got.drops):
                return best, named
            for spot, gone in got.dropped.items():
                chosen[spot] = [w for w in chosen[spot] if w not in gone]
            for spot, took in got.seated.items():
                chosen[spot] = chosen[spot] + took
            seats = {spot: len(ids) for spot, ids in chosen.items() if ids}
            return (
                replace(best, seats=seats, optimal=best.optimal and not got.retimed),
                got.trips,
            )

        def second_opinion(
            pats: dict[tuple[date, str], dict[tuple[str, Direction], _Pattern]], say: bool
        ) -> None:
            """The fallback for short days is a second opinion: started from the day's routes as
            planned cut to the fleet, a quarter of the search budget is enough."""
            found = _solve_patterns(
                runner,
                [q for ps in pats.values() for q in ps.values()],
                progress if say else None,
                budget=SECOND_OPINION_BUDGET,
                starts={
                    q: solved[plain_q]
                    for ps in pats.values()
                    for q in ps.values()
                    if (plain_q := replace(q, counts=None, weights=None)) in solved
                },
            )
            solved.update(found)

        if not weight:
            second_opinion(limited, True)
        # With fair shares on, the short days' fallback depends on the debts so far: those days are
        # searched and chained date by date below; the other days keep their one option.
        deferred = set(limited) if weight else set()
        options = {
            k: [plain[k]] + ([limited[k]] if k in limited else [])
            for k in keys
            if k not in deferred
        }
        first = distinct(options)
        # The days the probe found the fleet can run as routed are planned already (their one
        # option, `_days_job`): the same representatives, as their signatures are the probe's.
        planned = _run_days(
            runner,
            {k: options[k] for k in sorted(set(first.values())) if k not in probe.services},
            solved,
            probe.cache if reuse else None,
            False,
        )
        served = {**probe.services, **planned.services}
        made = {**probe.best, **planned.best}
        chosen_of = {
            k: replace(x, trips=redate_all(x.trips, first[k][0], k[0]))
            for k in options
            if (x := made.get(first[k])) is not None
        }
        # A day whose plan is made already reads only its options' vehicles needed: its
        # options' trips are re-dated only where the day's choice is still to make.
        services = {
            k: served[first[k]]
            if k in chosen_of
            else [
                replace(x, trips=redate_all(x.trips, first[k][0], k[0])) for x in served[first[k]]
            ]
            for k in options
        }
        cache = planned.cache if reuse else None
        day_services = len(set(first.values()))
        for n, day in enumerate(sorted({d for d, _ in keys}), start=1):
            on_day = [k for k in keys if k[0] == day]
            fair = {
                k: {
                    key: replace(
                        p,
                        weights=tuple(
                            _debt_weight(members[day, key[0], key[1], f], streak, rule)
                            for f, _, _, _ in p.demand
                        ),
                    )
                    for key, p in limited[k].items()
                }
                for k in on_day
                if k in deferred
            }
            if fair:
                second_opinion(fair, False)
                ran = _run_days(
                    runner,
                    {k: [plain[k], fair[k]] for k in fair},
                    solved,
                    cache,
                    False,
                    {k: _spot_weights(demand[k], streak, rule) for k in fair},
                )
                services.update(ran.services)
                if reuse:
                    cache = ran.cache
                day_services += len(fair)
            for k in on_day:
                name_day(k[0], k[1], services[k], chosen_of.get(k))
            if progress:
                progress("vehicles", n, len({d for d, _ in keys}))
        trips.sort(key=lambda t: t.trip_id)
        unserved.sort(key=lambda u: (u.day, u.base_id, u.foresteria_id, u.farm_id))
        return ShuttlePlan(
            trips=trips,
            unserved=name_idle(unserved, trips, scenario.fleet, matrix),
            fleet_days=counted(fleet_days, unserved),
            engine=cfg.shuttle_engine,
            day_problems=len(patterns),
            route_searches=len(solved),
            wall_s=time.monotonic() - t0,
            day_services=day_services,
            options_pruned=sum(x.pruned for v in served.values() for x in v),
            kept_away=kept_away,
        )


# The second opinion's share of the route-search budget (iterations and patience). It starts
# from the same day's routes as planned cut to the fleet (`_clipped`), not from the day
# before's: on puglia-2027 that start at 0.5 served 112 more worker-days than the old start at
# 0.5; 0.25 (the knee) 84 more for 1.5 CPU s less; 0.1 served 37 fewer (benchmarks/RESULTS.md,
# session 8).
SECOND_OPINION_BUDGET: Final = 0.25


def counted(fleet_days: list[FleetDay], unserved: list[Unserved]) -> list[FleetDay]:
    """Each base-day's worker-days unserved as the sum of its unserved rows, whatever their
    reason (README, plan/fleet_days.csv; the verifier checks it): riders whose farm is beyond the
    ride cap count at their base too, not only those the fleet could not carry."""
    short: dict[tuple[date, str], int] = defaultdict(int)
    for u in unserved:
        short[u.day, u.base_id or u.foresteria_id] += u.riders
    return [replace(f, short_riders=short.get((f.day, f.foresteria_id), 0)) for f in fleet_days]


FAIR_UNIT: Final = 100  # a rider's weight when owed nothing (weights are in hundredths)
FAIR_STREAK_CAP: Final = 10  # days in a row beyond which a debt weighs no more
FAIR_CAP_FACTOR: Final = 20  # "cap": a rider at the cap counts as many riders as this


def _fair_choice(options: list[_DayService], spot_w: dict[Spot, int], slack: int) -> _DayService:
    """The day's option: among those within `slack` % of the most seats, the most seats
    weighted by each spot's debt (`_spot_weights`); first among equals. With the rule off every
    weight is the same: the most seats."""
    most = max(sum(x.seats.values()) for x in options)
    near = [x for x in options if 100 * sum(x.seats.values()) >= (100 - slack) * most]
    return max(near, key=lambda x: sum(n * spot_w[s] for s, n in x.seats.items()))


def _spot_weights(
    reach: dict[Spot, list[str]], streak: dict[str, int], rule: TransportTable
) -> dict[Spot, int]:
    """What one rider of each spot counts in the day's chaining and choice. "order": first the
    most riders, then the most days-in-a-row owed (a rider counts M + their spot's run, M above
    every possible sum of runs, so no rider is given up for a debt); otherwise `_debt_weight`."""
    if rule.fair_share != "order":
        return {spot: _debt_weight(ids, streak, rule) for spot, ids in reach.items()}
    big = FAIR_STREAK_CAP * sum(map(len, reach.values())) + 1
    return {
        spot: big + min(FAIR_STREAK_CAP, max((streak[w] for w in ids), default=0))
        for spot, ids in reach.items()
    }


def _debt_weight(ids: Iterable[str], streak: dict[str, int], rule: TransportTable) -> int:
    """Fair shares (README "Who rides when seats are short"): what one rider of a load counts,
    in FAIR_UNITs, from the longest run of days in a row any of its riders has been left behind
    so far (`streak`). "debt": 1 + fair_debt_pct % per day (at most FAIR_STREAK_CAP days);
    "cap": FAIR_CAP_FACTOR once the run reaches fair_cap_days; "off": 1."""
    run = max((streak[w] for w in ids), default=0)
    if rule.fair_share == "order":  # the route search's prizes: a nudge of 1 % per day
        return FAIR_UNIT + min(FAIR_STREAK_CAP, run)
    if rule.fair_share == "debt":
        return FAIR_UNIT + rule.fair_debt_pct * min(FAIR_STREAK_CAP, run)
    if rule.fair_share == "cap" and run >= rule.fair_cap_days:
        return FAIR_UNIT * FAIR_CAP_FACTOR
    return FAIR_UNIT


def _ride_order(
    worker_id: str, priority: int, left_behind: dict[str, int], digest: str
) -> tuple[int, int, str]:
    """Who takes the seats when they are short (README "Who rides when seats are short"):
    referred people (priority 3) first; then whoever was left behind on more days this season;
    then the tie-break keyed by the scenario's draw key (core/restricted.py `tie_break`), so ties
    fall the same way on every re-run but cannot be replayed from the published seed and ids to
    tell the referred riders apart. An auditor with the restricted part re-runs the rule.
    `digest`: the worker's `tie_break(draw_key, seed, worker_id)`."""
    return (0 if priority == PRIORITY_REFERRED else 1, -left_behind[worker_id], digest)


def _unserved(
    d: date,
    spot: Spot,
    base: str,
    ids: Iterable[str],
    code: UnservedCode,
    reason: str,
    lower_bound: int = 0,
    available: int = 0,
) -> Unserved:
    who = tuple(sorted(ids))
    return Unserved(
        day=d,
        foresteria_id=spot[0],
        base_id=base,
        farm_id=spot[1],
        riders=len(who),
        code=code,
        reason=reason,
        proven=code in PROVEN_CODES,
        lower_bound=lower_bound,
        available=available,
        worker_ids=who,
    )


@dataclass(frozen=True, kw_only=True)
class _DayService:
    """A foresteria-day's chained trips once both directions carry the same riders per farm."""

    trips: list[Trip]  # with vehicles and final ids; stop riders are placeholders (seat counts)
    seats: dict[Spot, int]  # round trips per (origin, farm)
    lost: dict[
        tuple[Direction, Spot], set[str]
    ]  # seats lost per leg and spot: route | vehicles | drivers
    needed: int
    needed_proven: bool
    optimal: bool
    pruned: bool = False  # stopped once it could no longer win the day (`beat`): no trips


def _round_trip_day(
    ctx: _Ctx,
    d: date,
    fid: str,
    trips: list[Trip],
    route_lost: set[tuple[Direction, Spot]],
    fleet: list[Vehicle],
    cache: dict,
    route_cause: str = "route",
    report_needed: bool = True,
    weights: dict[Spot, int] | None = None,
    beat: int | None = None,
) -> _DayService:
    """Make the round trip the unit of service, exactly and by construction.

    Both directions are routed at once (independent VRPs, one per direction, solved in
    parallel) and chained onto the fleet. Then, per farm, only as many riders as BOTH directions
    have seats for may ride: the surplus seats of the longer leg are taken off (from its
    smallest trips first), trips that lost a stop are re-timed, trips that lost every rider are
    dropped, and the day is chained again. Chaining or re-timing can only lose seats, so the
    loop repeats until a fixed point, where every farm's morning seats equal its evening seats
    and every trip has a vehicle. It ends: each round removes at least one seat.

    Why not plan the returns first and let the morning carry only those: the two directions share
    vehicles and duty time, so neither is "first"; intersecting and re-chaining keeps both
    searches parallel and never needs a second route search. Riders are named only afterwards
    (see `_ride_order`), so the same people ride out and back.

    `beat`: the seats of another option of the day that wins unless this one serves at least as
    many. The seats after the first chaining bound every later round's (rounds only lose seats),
    so once that bound is below `beat` the loop stops there: the service returned is marked
    `pruned`, with that bound as its seats and no trips (the day's choice never takes it).
    """
    lost: dict[tuple[Direction, Spot], set[str]] = defaultdict(set)
    for key in route_lost:
        lost[key].add(route_cause)
    current = list(trips)
    first: _ChainedDay | None = None
    while True:
        chained = _chain_day(
            ctx, current, fleet, cache, needed=report_needed and first is None, weights=weights
        )
        first = first or chained
        for t in chained.left:
            for s in t.stops:
                lost[t.direction, (t.origin, s.farm_id)] |= (
                    {"vehicles", "drivers"} if chained.drivers else {"vehicles"}
                )
        gone = {t.trip_id for t in chained.left}
        kept = [t for t in current if t.trip_id not in gone]
        seats = _seats_by_farm(kept)
        k = {
            f: min(seats[TO_FARM].get(f, 0), seats[TO_FORESTERIA].get(f, 0))
            for dr in DIRECTIONS
            for f in seats[dr]
        }
        matched = all(seats[dr].get(f, 0) == k[f] for dr in DIRECTIONS for f in k)
        if beat is not None and sum(k.values()) < beat and not (matched and not gone):
            return _DayService(
                trips=[],
                seats={f: n for f, n in k.items() if n},
                lost=dict(lost),
                needed=first.needed,
                needed_proven=first.needed_proven,
                optimal=False,
                pruned=True,
            )
        if matched and not gone:
            done = _renumber(chained.done)
            return _DayService(
                trips=done,
                seats={f: n for f, n in k.items() if n},
                lost=dict(lost),
                needed=first.needed,
                needed_proven=first.needed_proven,
                optimal=chained.optimal,
            )
        current, untimed = _trim(ctx, d, fid, kept, k)
        for key in untimed:
            lost[key].add("route")


def _fill_idle(
    ctx: _Ctx,
    d: date,
    fid: str,
    service: _DayService,
    reach: dict[Spot, list[str]],
    fleet: list[Vehicle],
) -> _DayService:
    """Room the chosen plan leaves on the fleet carries more round trips. Routes are searched
    per direction and intersected farm by farm (`_round_trip_day`), so on a tight day a vehicle
    can end with no trip at all while riders of its base stay behind (on heat-alert days, whole
    buses). Here a greedy adds, for spots with riders still behind, a morning trip and an evening
    trip of their own (`_fill_greedy`), where a kind of vehicle has room for both.

    Which of several equal vehicles runs which trip is a label the chaining chose; the fill asks
    whether the pair fits the kind (its trips and the two split anew onto its vehicles), so what
    it seats does not depend on that label. A greedy is not monotone, though: on some days the
    fill by kind seats fewer riders of one spot (and more of another) than the fill that asked
    vehicle by vehicle as labelled, as it was done before (`split=False`). There, and only there,
    that fill is kept and the fill by kind continues from it, so no spot ever gets fewer seats
    than before, at the price of depending on the labels on those days."""
    timed: dict[Spot, tuple[Trip, Trip] | None] = {}  # each spot's own pair, timed once
    by_kind = _fill_greedy(ctx, d, fid, service, reach, fleet, timed, split=True)
    if by_kind is service:
        return service  # no pair fits a kind, so none fits a vehicle
    if all(by_kind.seats.get(s, 0) >= len(ids) for s, ids in reach.items()):
        return by_kind  # everyone rides: nothing to compare
    labelled = _fill_greedy(ctx, d, fid, service, reach, fleet, timed, split=False)
    if all(by_kind.seats.get(s, 0) >= n for s, n in labelled.seats.items()):
        return by_kind
    return _fill_greedy(ctx, d, fid, labelled, reach, fleet, timed, split=True)


def _fill_greedy(
    ctx: _Ctx,
    d: date,
    fid: str,
    service: _DayService,
    reach: dict[Spot, list[str]],
    fleet: list[Vehicle],
    timed: dict[Spot, tuple[Trip, Trip] | None],
    split: bool,
) -> _DayService:
    """Greedily and exactly as checked: among the spots with riders still behind and the kinds
    of vehicle (equal seats, costs and duty: the chaining's `_kinds`) with room for a morning
    and an evening trip of the spot's own (`_fit_kind`), the pair that carries the most of them
    (then the fewest seats, the kind's first vehicle id, or with `split` off the vehicle's id,
    then the spot) is added, both trips timed by the same rules as every trip (`_timed_trip`:
    windows, ride cap, boarding); until no pair fits. With `split` off a pair must fit one
    vehicle as the trips stand (the fill before session 13, choice for choice). A kind's trips
    may move between its vehicles; only seats are added: nobody who rode loses a seat. Trips
    are then renumbered in departure order."""
    turn = ctx.scenario.config.transport.turnaround_min
    kinds = [[fleet[i] for i in group] for group in _kinds(fleet)]
    members = [{v.id for v in vs} for vs in kinds]
    first = [min(ids) for ids in members]
    runs = {t.trip_id: t for t in service.trips}
    on = {t.trip_id: t.vehicle_id for t in service.trips}  # trip -> vehicle, as it stands
    seats = dict(service.seats)
    want = {spot: len(ids) - seats.get(spot, 0) for spot, ids in reach.items()}
    # (kind, spot) -> where the pair runs, or None; dropped when the kind changes, but for a
    # proven None (_NO_ROOM): a kind that cannot run its trips and the pair cannot with more trips.
    fits: dict[tuple[int, Spot], dict[str, str] | None] = {}
    now: dict[int, _KindRuns] = {}  # each kind's trips as they stand, while it does not change
    added: list[Trip] = []
    while True:
        pick: tuple[tuple[int, int, str, Spot], int, int] | None = None
        for spot in sorted(s for s, n in want.items() if n > 0):
            if spot not in timed:  # its riders are put on below: timed without them
                timed[spot] = _slid_apart(_round_trip(ctx, d, fid, spot, ()), turn)
            pair = timed[spot]
            if pair is None:
                continue
            for k, vs in enumerate(kinds):
                n = min(want[spot], vs[0].seats)
                rank = (-n, vs[0].seats, first[k], spot)
                if pick is not None and rank >= pick[0]:
                    continue  # cannot win (with `split` off the vehicle's id is no smaller)
                if (k, spot) not in fits:
                    if k not in now:
                        now[k] = _KindRuns.of(
                            [(v, runs[t]) for t, v in sorted(on.items()) if v in members[k]], turn
                        )
                    fits[k, spot] = _fit_kind(now[k], vs, pair, turn, split)
                where = fits[k, spot]
                if where:
                    real = rank if split else (*rank[:2], where[_OUT], spot)
                    if pick is None or real < pick[0]:
                        pick = (real, k, n)
        if pick is None:
            break
        (_, _, _, spot), k, n = pick
        where, pair = fits[k, spot], timed[spot]
        assert where and pair is not None  # only fitting, timed pairs are picked
        for t, slot in zip(pair, (_OUT, _BACK), strict=True):
            ids = tuple(reach[spot][:n])
            if t.direction == TO_FARM:
                stops = tuple(_evolve(x, worker_ids=ids, alight=n) for x in t.stops)
            else:
                stops = tuple(_evolve(x, worker_ids=ids, board=n, load_after=n) for x in t.stops)
            made = _evolve(
                t, trip_id=f"{d.isoformat()}-{fid}-fill{len(added):03d}", riders=n, stops=stops
            )
            added.append(made)
            runs[made.trip_id] = made
            on[made.trip_id] = where[slot]
        on |= {t: v for t, v in where.items() if t in on}
        fits = {key: v for key, v in fits.items() if key[0] != k or v is _NO_ROOM}
        now.pop(k, None)
        seats[spot] = seats.get(spot, 0) + n
        want[spot] -= n
    if not added:
        return service
    trips = [
        t if t.vehicle_id == on[tid] else _evolve(t, vehicle_id=on[tid]) for tid, t in runs.items()
    ]
    return replace(service, trips=_renumber(trips), seats=seats)


def _slid_apart(pair: tuple[Trip, Trip] | None, turn: int) -> tuple[Trip, Trip] | None:
    """A spot's own pair made runnable by one vehicle, or None: as timed, the morning trip
    arrives at the shift's start and the evening one leaves at its end, so on a short shift (a
    heat-alert day's 30 minutes) the vehicle cannot be back at its base and out again in
    between. The windows allow more: the morning trip may leave earlier (its slack: riders
    dropped up to the arrival window's start), the evening one later (up to the wait after the
    shift). Slid apart by the least that leaves a turnaround between them, the morning trip
    first, as the verifier's idle-vehicle rule reads a vehicle's day (`_day_holds`; review 17,
    finding 11: a part-time van stood idle on a heat day, the season was refused)."""
    if pair is None:
        return None
    out, back = pair
    need = out.ret + turn - back.depart
    if need <= 0:
        return pair
    early, late = -out.slack[0], back.slack[1]  # minutes each may move, away from the other
    if early + late < need:
        return None
    a = min(early, need)
    b = need - a
    moved_out = _with_id(out, out.trip_id, out.vehicle_id, -a) if a else out
    moved_back = _with_id(back, back.trip_id, back.vehicle_id, b) if b else back
    return (
        _evolve(moved_out, slack=(out.slack[0] + a, a)),
        _evolve(moved_back, slack=(-b, back.slack[1] - b)),
    )


_OUT, _BACK = "+out", "+back"  # a new pair's trips in `_fit_kind`'s answer
_NO_ROOM: Final[dict[str, str]] = {}  # `_fit_kind`: proven not to fit (falsy, unlike an answer)


@dataclass(frozen=True, kw_only=True)
class _KindRuns:
    """A kind's trips as they stand, as `_fit_kind` reads them: per vehicle its busy spans
    (turnaround included) and time on trips; the trips' ids and spans for `split_kind`."""

    busy: dict[str, list[tuple[int, int]]]
    duty: dict[str, int]
    keys: list[str]
    spans: list[Span]

    @staticmethod
    def of(mine: list[tuple[str, Trip]], turn: int) -> _KindRuns:
        busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
        duty: dict[str, int] = defaultdict(int)
        for vid, t in mine:
            busy[vid].append((t.depart, t.ret + turn))
            duty[vid] += t.ret - t.depart
        return _KindRuns(
            busy=busy,
            duty=duty,
            keys=[t.trip_id for _, t in mine],
            spans=[_span(t, turn) for _, t in mine],
        )


def _span(t: Trip, turn: int) -> Span:
    """What `fill.split_kind` reads of a trip: its start, when its vehicle is free again, its duty."""
    return Span(start=t.depart, free=t.ret + turn, duty=t.ret - t.depart)


def _fit_kind(
    mine: _KindRuns,
    vehicles: list[Vehicle],
    pair: tuple[Trip, Trip],
    turn: int,
    split: bool,
) -> dict[str, str] | None:
    """Where a kind's trips (`mine`, on the vehicles they run on now) and a new morning +
    evening pair run on its `vehicles`: trip id (the pair's as _OUT, _BACK) -> vehicle id, or
    _NO_ROOM if they cannot all run. First the pair on one vehicle as the trips stand (the one
    with the smallest id that has room: nothing moves); else, if `split`, an exact split of them
    all (fill.split_kind: decided by the trips alone, not by which vehicle ran which); None
    (not proven either way) where that search is undecided, or where the split it found breaks
    a driver's day (`chaining.day_ok`, which split_kind does not read: there the fill is
    conservative, never wrong). Where no chaining can break a driver's day, as on the shipped
    seasons, those checks always pass and change nothing."""
    limit = vehicles[0].max_duty_min
    span = sum(t.ret - t.depart for t in pair)
    own = [(t.depart, t.ret) for t in pair]
    if span > limit or not day_ok(own, vehicles[0]):
        return _NO_ROOM
    for v in sorted(vehicles, key=lambda v: v.id):
        if (
            mine.duty.get(v.id, 0) + span <= limit
            and all(
                t.ret + turn <= a or b <= t.depart for t in pair for a, b in mine.busy.get(v.id, ())
            )
            and day_ok([(a, b - turn) for a, b in mine.busy.get(v.id, ())] + own, v)
        ):
            return {_OUT: v.id, _BACK: v.id}
    if not split:
        return _NO_ROOM  # no vehicle as labelled has room, nor will it once it runs more
    keys = [*mine.keys, _OUT, _BACK]
    spans = [*mine.spans, *(_span(t, turn) for t in pair)]
    found = split_kind(spans, len(vehicles), limit)
    if found.status != "yes":
        return _NO_ROOM if found.status == "no" else None
    days: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for sp, vi in zip(spans, found.vehicle, strict=True):
        days[vi].append((sp.start, sp.free - turn))
    if not all(day_ok(day, vehicles[vi]) for vi, day in days.items()):
        return None  # the split breaks a driver's day: undecided (split_kind reads duty only)
    return {key: vehicles[vi].id for key, vi in zip(keys, found.vehicle, strict=True)}


def _seats_by_farm(trips: list[Trip]) -> dict[Direction, dict[Spot, int]]:
    seats: dict[Direction, dict[Spot, int]] = {dr: defaultdict(int) for dr in DIRECTIONS}
    for t in trips:
        for s in t.stops:
            seats[t.direction][t.origin, s.farm_id] += len(s.worker_ids)
    return seats


def _trim(
    ctx: _Ctx, d: date, fid: str, trips: list[Trip], k: dict[Spot, int]
) -> tuple[list[Trip], set[tuple[Direction, Spot]]]:
    """Take surplus seats off each leg (smallest trips first) so no farm has more seats one way
    than the other; re-time what changed. Returns the trips and the legs a re-timing lost."""
    size = {(t.trip_id, s.seq): len(s.worker_ids) for t in trips for s in t.stops}
    seats = _seats_by_farm(trips)
    legs: dict[tuple[Direction, Spot], list[tuple[int, str, int]]] = defaultdict(list)
    for t in trips:  # each leg's stops, gathered once (not once a farm: farms x stops)
        for s in t.stops:
            legs[t.direction, (t.origin, s.farm_id)].append((t.riders, t.trip_id, s.seq))
    for dr in DIRECTIONS:
        for farm, have in sorted(seats[dr].items()):
            excess = have - k.get(farm, 0)
            for _, tid, seq in sorted(legs[dr, farm]):
                take = min(excess, size[tid, seq])
                size[tid, seq] -= take
                excess -= take
    out: list[Trip] = []
    untimed: set[tuple[Direction, Spot]] = set()
    for t in trips:
        sizes = [size[t.trip_id, s.seq] for s in t.stops]
        if sizes == [len(s.worker_ids) for s in t.stops]:
            out.append(t)
            continue
        keep = [(s.farm_id, s.worker_ids[:n]) for s, n in zip(t.stops, sizes, strict=True) if n]
        if not keep:
            continue
        made = _timed_trip(
            ctx, d, t.origin, t.direction, [f for f, _ in keep], [ids for _, ids in keep]
        )
        if made is None:
            untimed |= {(t.direction, (t.origin, f)) for f, _ in keep}
            continue
        out.append(_with_id(_from_base(ctx, made, fid), t.trip_id + "'"))
    return out, untimed


def _renumber(trips: list[Trip]) -> list[Trip]:
    """Final trip ids: day-foresteria-M|E and a two-digit number in departure order."""
    out: list[Trip] = []
    for dr in DIRECTIONS:
        mine = sorted(
            (t for t in trips if t.direction == dr),
            key=lambda t: (t.depart, t.stops[0].farm_id, t.riders, t.trip_id),
        )
        for k, t in enumerate(mine, start=1):
            prefix = f"{t.day.isoformat()}-{t.foresteria_id}-{'M' if dr == TO_FARM else 'E'}"
            out.append(_evolve(t, trip_id=f"{prefix}{k:02d}"))
    return out


def _fill_riders(trips: list[Trip], chosen: dict[Spot, list[str]]) -> list[Trip]:
    """Name the riders: each direction seats the same chosen people of each farm, in trip order."""
    out: list[Trip] = []
    for dr in DIRECTIONS:
        seated: dict[Spot, int] = defaultdict(int)  # each spot's chosen seated so far
        for t in sorted((t for t in trips if t.direction == dr), key=lambda t: t.trip_id):
            stops = []
            for s in t.stops:
                n = len(s.worker_ids)
                key = (t.origin, s.farm_id)
                who, seated[key] = chosen[key][seated[key] : seated[key] + n], seated[key] + n
                stops.append(_evolve(s, worker_ids=tuple(sorted(who))))
            out.append(_evolve(t, stops=tuple(stops)))
    return out


# ------------------------------------------------------------------ sites to avoid, aboard


def passed_aboard(direction: Direction, stops: tuple[Stop, ...], j: int) -> set[str]:
    """The farms the vehicle stops at while a rider of stop `j` is aboard, besides her own: in
    the morning she is aboard from where she boards to her farm (the stops before hers), in
    the evening from her farm to the trip's end (the stops after hers). A trip stops only at
    farms, and she boards and alights at the origin, which is never a site she avoids
    (`daily_riders`); so these are the places a referral record may keep her from that she
    could be carried through (README "Referral records")."""
    rest = stops[:j] if direction == TO_FARM else stops[j + 1 :]
    return {s.farm_id for s in rest}


def _exposed(t: Trip, avoid: dict[str, frozenset[str]]) -> list[tuple[int, str]]:
    """(stop index, rider) of every rider of `t` aboard while it stops at a site she avoids."""
    out = []
    for j, s in enumerate(t.stops):
        mine = [w for w in s.worker_ids if w in avoid]
        if mine:
            past = passed_aboard(t.direction, t.stops, j)
            out += [(j, w) for w in mine if avoid[w] & past]
    return out


@dataclass(kw_only=True)
class KeptAway:
    """`_keep_away`'s answer: the base-day's trips with nobody aboard past a site she avoids,
    the riders it took off (both legs: left behind that day) and those it seated in their
    place, per spot; and how often each step fired ((trip, rider) repairs)."""

    trips: list[Trip]
    dropped: dict[Spot, list[str]] = field(default_factory=dict)
    seated: dict[Spot, list[str]] = field(default_factory=dict)
    swaps: int = 0
    reorders: int = 0
    drops: int = 0
    retimed: bool = False  # a trip's route or times changed (a reorder, a stop left empty)


# Stops of a trip whose orders a repair tries (at most 5! = 120 timings), more are left as routed.
REORDER_MAX_STOPS: Final = 5


def _keep_away(
    ctx: _Ctx,
    d: date,
    fid: str,
    trips: list[Trip],
    avoid: dict[str, frozenset[str]],
    waiting: dict[Spot, list[str]],
    fleet: list[Vehicle],
) -> KeptAway:
    """A base-day's named trips repaired so that no rider is aboard while the vehicle stops at a
    site she must avoid (README "Referral records"), for each such (trip, rider) in a fixed order
    (direction, trip, stop, rider), the first of these that holds:

    1. swap her with a rider of the same origin, farm and direction on another trip where she is
       not carried past it, the other not then carried past one of his (a relabelling: no stop,
       time, vehicle or kilometre changes);
    2. run her trip's stops in another order (the first in farm order) where nobody aboard is
       carried past a site to avoid, timed by the rules every trip is (`_timed_trip`: windows,
       ride cap, wait aboard) and kept on its vehicle's day (turnaround, `day_ok`);
    3. leave her behind that day, both legs (never driven out without a ride back): the first
       rider of her spot still waiting (`waiting`, in the ride order) who is not carried past a
       site of his in either of her seats takes them; without one her seats go, a stop left empty
       is taken off and the trip re-timed (or dropped when it has no stop left).

    Swap first: it moves nobody's time; a reorder changes the times and kilometres of everyone
    aboard. Each step ends one such (trip, rider) and makes none, so the repairs end. A day where
    no rider would pass a site she avoids (every day of a season without referral records) keeps
    its trips as given, object for object."""
    out = KeptAway(trips=list(trips))
    if not avoid:
        return out
    turn = ctx.scenario.config.transport.turnaround_min
    vehicles = {v.id: v for v in fleet}
    waiting = {k: list(v) for k, v in waiting.items()}

    def first_breach() -> tuple[int, int, str] | None:
        for i in sorted(
            range(len(out.trips)),
            key=lambda i: (out.trips[i].direction != TO_FARM, out.trips[i].trip_id),
        ):
            got = _exposed(out.trips[i], avoid)
            if got:
                return (i, *got[0])
        return None

    def fits(i: int, new: Trip) -> bool:
        """`new` in place of trip i on its vehicle's day: no overlap (turnaround), driver's day."""
        old = out.trips[i]
        v = vehicles.get(old.vehicle_id or "")
        if v is None:
            return False
        others = [
            t
            for k, t in enumerate(out.trips)
            if k != i and t.stops and t.vehicle_id == old.vehicle_id
        ]
        if any(not (new.ret + turn <= t.depart or t.ret + turn <= new.depart) for t in others):
            return False
        return new.ret - new.depart <= v.max_duty_min and day_ok(
            [(t.depart, t.ret) for t in others] + [(new.depart, new.ret)], v
        )

    def timed(i: int, farms: list[str], ids: list[tuple[str, ...]]) -> Trip | None:
        """Trip i run through `farms` with `ids`, timed, on its vehicle, or None."""
        old = out.trips[i]
        made = _timed_trip(ctx, d, old.origin, old.direction, farms, ids)
        if made is None:
            return None
        made = _evolve(_from_base(ctx, made, fid), trip_id=old.trip_id, vehicle_id=old.vehicle_id)
        lo, hi = made.slack
        # nearest its old departure within what its windows allow, then the other slides
        for dt in sorted(range(lo, hi + 1), key=lambda x: (abs(made.depart + x - old.depart), x)):
            moved = _with_id(made, old.trip_id, old.vehicle_id, dt) if dt else made
            if fits(i, moved):
                return moved
        return None

    def swap(i: int, j: int, w: str) -> bool:
        t = out.trips[i]
        farm, mine = t.stops[j].farm_id, passed_aboard(t.direction, t.stops, j)
        for k, u in sorted(enumerate(out.trips), key=lambda x: x[1].trip_id):
            if k == i or u.direction != t.direction or u.origin != t.origin:
                continue
            for m, s in enumerate(u.stops):
                if s.farm_id != farm or avoid[w] & passed_aboard(u.direction, u.stops, m):
                    continue
                for x in s.worker_ids:
                    if not avoid.get(x, frozenset()) & mine:
                        out.trips[i] = _renamed(t, j, w, x)
                        out.trips[k] = _renamed(out.trips[k], m, x, w)
                        return True
        return False

    def reorder(i: int) -> bool:
        t = out.trips[i]
        if len(t.stops) > REORDER_MAX_STOPS:
            return False
        for order in sorted(
            permutations(range(len(t.stops))), key=lambda o: [t.stops[k].farm_id for k in o]
        ):
            if list(order) == list(range(len(t.stops))):
                continue
            stops = tuple(t.stops[k] for k in order)
            if any(
                avoid.get(w, frozenset()) & passed_aboard(t.direction, stops, j)
                for j, s in enumerate(stops)
                for w in s.worker_ids
            ):
                continue
            made = timed(i, [s.farm_id for s in stops], [s.worker_ids for s in stops])
            if made is not None:
                out.trips[i] = made
                return True
        return False

    def take_off(w: str, spare: bool = True) -> None:
        """Her seats in both directions: to the first who waits and fits both (`spare`), else
        gone. A trip left without stops is emptied (dropped once the repairs are done)."""
        seats = [
            (i, j)
            for i, t in enumerate(out.trips)
            for j, s in enumerate(t.stops)
            if w in s.worker_ids
        ]
        if not seats:
            return
        spot = (out.trips[seats[0][0]].origin, out.trips[seats[0][0]].stops[seats[0][1]].farm_id)
        out.dropped.setdefault(spot, []).append(w)
        for y in waiting.get(spot, []) if spare and len(seats) == 2 else ():
            if not any(
                avoid.get(y, frozenset())
                & passed_aboard(out.trips[i].direction, out.trips[i].stops, j)
                for i, j in seats
            ):
                waiting[spot].remove(y)
                out.seated.setdefault(spot, []).append(y)
                for i, j in seats:
                    out.trips[i] = _renamed(out.trips[i], j, w, y)
                return
        for i, j in sorted(seats, reverse=True):
            t = out.trips[i]
            s = t.stops[j]
            if len(s.worker_ids) > 1:
                out.trips[i] = _less(t, j, w)
                continue
            keep = [x for k, x in enumerate(t.stops) if k != j]
            out.retimed = True
            if not keep:
                out.trips[i] = _evolve(t, stops=())  # dropped below
                continue
            made = timed(i, [x.farm_id for x in keep], [x.worker_ids for x in keep])
            if made is not None:
                out.trips[i] = made
                continue
            # no timing without the stop fits the vehicle: its other riders are left too
            out.trips[i] = _evolve(t, stops=())
            for x in keep:
                for y in x.worker_ids:
                    take_off(y, spare=False)

    while (found := first_breach()) is not None:
        i, j, w = found
        if swap(i, j, w):
            out.swaps += 1
        elif reorder(i):
            out.reorders += 1
            out.retimed = True
        else:
            take_off(w)
            out.drops += 1
    out.trips = [t for t in out.trips if t.stops]
    return out


def keep_clear(
    scenario: Scenario,
    matrix: TravelMatrix,
    trips: list[Trip],
    waiting: dict[tuple[date, Spot], list[str]],
) -> dict[tuple[date, str], KeptAway]:
    """`_keep_away` for a plan assembled another way (a day run: the season plan's trips kept,
    riders seated into them, interchangeable riders re-seated: run/stability.py), base-day by
    base-day: (day, base) -> its repairs, for each base-day with a rider aboard past a site she
    avoids. `waiting`: (day, spot) -> the riders left behind there, in the order that seats
    them. The avoided sites are the scenario's workers' (`Worker.avoid`): nothing without them."""
    avoid = {w.id: w.avoid for w in scenario.workers if w.avoid}
    if not avoid:
        return {}
    by_day: dict[tuple[date, str], list[Trip]] = defaultdict(list)
    for t in trips:
        by_day[t.day, t.foresteria_id].append(t)
    ctx: _Ctx | None = None
    out: dict[tuple[date, str], KeptAway] = {}
    for (d, fid), mine in sorted(by_day.items()):
        if not any(_exposed(t, avoid) for t in mine):
            continue
        ctx = ctx or _context(scenario, matrix)
        fleet = [v for v in scenario.fleet if v.available_from <= d <= v.available_to]
        spots = {spot: ids for (day, spot), ids in waiting.items() if day == d}
        out[d, fid] = _keep_away(ctx, d, fid, mine, avoid, spots, fleet)
    return out


def _renamed(t: Trip, j: int, old: str, new: str) -> Trip:
    """Trip `t` with rider `old` of stop j replaced by `new` (same seat: no count changes)."""
    s = t.stops[j]
    who = tuple(sorted(new if x == old else x for x in s.worker_ids))
    stops = tuple(_evolve(x, worker_ids=who) if k == j else x for k, x in enumerate(t.stops))
    return _evolve(t, stops=stops)


def _less(t: Trip, j: int, w: str) -> Trip:
    """Trip `t` without rider `w` of stop j (which keeps others): the counts follow."""
    stops = []
    load = 0 if t.direction == TO_FORESTERIA else t.riders - 1
    for k, s in enumerate(t.stops):
        who = tuple(x for x in s.worker_ids if not (k == j and x == w))
        if t.direction == TO_FARM:
            load -= len(who)
            stops.append(_evolve(s, worker_ids=who, alight=len(who), load_after=load))
        else:
            load += len(who)
            stops.append(_evolve(s, worker_ids=who, board=len(who), load_after=load))
    return _evolve(t, stops=tuple(stops), riders=t.riders - 1)


def _day_lower_bound(
    ctx: _Ctx, d: date, fid: str, spots: list[Spot], riders: int, fleet: list[Vehicle]
) -> int:
    """The proven lower bound (shuttles/bounds.py) on vehicles for this base-day; a trip from a
    departure point drives base -> point -> farms -> point -> base."""
    tr = ctx.scenario.config.transport

    def leg(a: str, b: str) -> int:
        return leg_min(ctx.matrix.secs(a, b)) if a != b else 0

    out_legs = [leg(fid, o) + leg(o, f) for o, f in spots]
    back_legs = [leg(f, o) + leg(o, fid) for o, f in spots]
    farms = sorted({f for _, f in spots})
    gap = ctx.board + min(back_legs) + tr.turnaround_min + min(out_legs)
    shortest = min(a + ctx.board + b for a, b in zip(out_legs, back_legs, strict=True))
    spans = []
    for dr in DIRECTIONS:
        wins = [shift_window(ctx.farms[f], dr, d, ctx.scenario) for f in farms]
        last = [w[1] if dr == TO_FARM else w[1] - ctx.board for w in wins]
        spans.append(
            DirectionSpan(
                first=min(w[0] for w in wins), last=max(last), gap=gap, shortest_trip=shortest
            )
        )
    return vehicles_lower_bound(
        riders=riders,
        vehicles=[(v.seats, v.max_duty_min) for v in fleet],
        morning=spans[0],
        evening=spans[1],
    )


def _shortage(
    ctx: _Ctx,
    d: date,
    fid: str,
    spot: Spot,
    ids: list[str],
    service: _DayService,
    lb: int,
    fleet: list[Vehicle],
) -> Unserved:
    """One reason for a farm's worker-days left behind: proven fleet short only when the lower
    bound exceeds the vehicles available; otherwise what bound the plan, marked heuristic."""
    name, avail = ctx.names[fid], len(fleet)
    if lb > avail:
        code: UnservedCode = "fleet_short"
        reason = (
            f"fleet short at {name}: at least {_vehicles(lb)} needed for the day's round "
            f"trips, {avail} available (proven lower bound)"
        )
    elif why := _drivers_day(ctx, d, fid, spot, fleet):
        code, reason = "drivers_day", why
    elif clock := _clock_blocked(ctx, d, spot):
        code, reason = "windows", clock
    else:
        have = service.seats.get(spot, 0)
        causes: set[str] = set()
        legs = []
        words: tuple[tuple[Direction, str], ...] = ((TO_FARM, "morning"), (TO_FORESTERIA, "return"))
        for dr, word in words:
            mine = service.lost.get((dr, spot), set())
            if mine:
                causes |= mine
                legs.append(word)
        legs = legs or ["morning", "return"]
        which = " and ".join(legs)
        if "vehicles" in causes:
            code = "vehicles_busy"
            reason = (
                (
                    f"vehicles busy at {name}: {_vehicles(avail)} could not be given every {which} "
                    f"trip within duty limits, turnaround, windows and ride cap; {have} round trips "
                    f"planned for this farm (heuristic: the lower bound, {_vehicles(lb)}, does not "
                    "prove a shortage)"
                )
                + _short_duty(ctx, d, fid, spot, service, fleet)
                + _drivers_hours(causes, fleet)
            )
        else:
            code = "windows"
            reason = (
                f"windows and ride cap: the route search found no {which} seat for these "
                f"riders within the shift windows and the {ctx.cap} min ride cap (heuristic)"
            )
    return _unserved(d, spot, fid, ids, code, reason, lower_bound=lb, available=avail)


def _drivers_hours(causes: set[str], fleet: list[Vehicle]) -> str:
    """Where drivers' hours bound the chaining that left these riders' trips (the chaining
    without them broke a driver's day: `chaining.Chaining.drivers`), the sentence that names
    them in a "vehicles busy" reason; "" elsewhere."""
    if "drivers" not in causes or not fleet:
        return ""
    span = min(v.max_span_min for v in fleet)
    stretch = min(v.max_stretch_min for v in fleet)
    return (
        f"; drivers' hours bind: each vehicle's day at most {span} min from the first departure "
        f"to the last return and {stretch} min on trips without a {BREAK_MIN}-minute pause"
    )


def _drivers_day(ctx: _Ctx, d: date, fid: str, spot: Spot, fleet: list[Vehicle]) -> str:
    """Why no vehicle of the base can carry a spot's riders at all, when a driver's day is the
    cause (review 16): no vehicle's day holds both legs of a round trip (`day_fits`), and at
    most one vehicle can run even one leg (two could share them, one each). Proven: the legs
    are the quickest paths over the matrix (a trip through other stops is no quicker), the
    windows the widest the rules allow. "" otherwise, or where the base has no vehicle."""
    if not fleet:
        return ""
    origin, farm = spot
    tr = ctx.scenario.config.transport
    farm_f = ctx.farms[farm]
    start = farm_f.shift_start
    end = shift_window(farm_f, TO_FORESTERIA, d, ctx.scenario)[0]

    def blocked(leg: Callable[[str, str], int]) -> tuple[int, int] | None:
        out = leg(fid, origin) + leg(origin, farm)
        back = leg(farm, origin) + leg(origin, fid)
        fits = [day_fits(tr, start, end, v, out, back) for v in fleet]
        if any(both for _, both in fits) or sum(one for one, _ in fits) > 1:
            return None
        return out, back

    # The quickest paths are no longer than the direct legs, and shorter legs only fit more:
    # where the direct legs fit, so do they (the search runs only where the direct ones fail).
    if blocked(lambda a, b: _direct(ctx.matrix, a, b)) is None:
        return ""
    quick = _quickest(ctx.matrix, [fid, origin, farm])
    got = blocked(lambda a, b: quick[a, b])
    if got is None:
        return ""
    out, back = got
    return (
        f"drivers' day: no vehicle based at {ctx.names[fid]} can bring these riders to "
        f"{farm_f.name} by {fmt_hhmm(start)} and back after {fmt_hhmm(end)}: a round trip "
        f"spans at least {end + ctx.board + back - (start - out)} min from the first departure "
        f"to the last return, each trip {out + ctx.board + back} min; "
        f"{_vehicles(len(fleet))} available, a driver's day of at most "
        f"{max(v.max_span_min for v in fleet)} min, "
        f"{max(v.max_stretch_min for v in fleet)} min on trips without a {BREAK_MIN}-minute "
        f"pause, {max(v.max_duty_min for v in fleet)} min of duty (proven)"
    )


def _direct(matrix: TravelMatrix, a: str, b: str) -> int:
    return leg_min(matrix.secs(a, b)) if a != b else 0


def day_fits(
    tr: TransportTable, start: int, end: int, v: Vehicle, out: int, back: int
) -> tuple[bool, bool]:
    """Whether vehicle `v`'s driver's day holds one leg of a farm's round trip (a trip of `out`
    minutes from the base to the farm, boarding, `back` minutes to the base), and both legs,
    for a shift from `start` to `end` (the heat-alert end where the day has one): the morning
    arrival a in [start - early, start], the evening departure x in [end + board, end + wait]
    (riders board in the window), so the span is at least x - a + out + back and the pause
    between the two trips at most x - a - out - back - 2 board, which must hold a turnaround,
    and a 45-minute pause unless both trips fit one stretch. The README's rules ("fleet.csv"),
    read as the verifier reads them."""
    board = tr.board_min
    trip = out + board + back
    one = trip <= min(v.max_span_min, v.max_stretch_min, v.max_duty_min)
    if not one or 2 * trip > v.max_duty_min:
        return one, False
    pause = tr.turnaround_min if 2 * trip <= v.max_stretch_min else BREAK_MIN
    low = max(end + board - start, 2 * board + out + back + pause)
    high = min(
        end + tr.wait_after_shift_max_min - start + tr.arrive_early_max_min,
        v.max_span_min - out - back,
    )
    return one, low <= high


def drivers_day_warnings(scenario: Scenario, matrix: TravelMatrix) -> list[Problem]:
    """`validate`'s warning (review 16): per farm, the bases whose vehicles could serve it (an
    origin within the ride cap of it both ways, and that origin's base, `pickup_bases`) where
    a round trip on an ordinary workday spans longer than the longest driver's day of the
    base's vehicles: one vehicle cannot carry its riders both ways there."""
    tr = scenario.config.transport
    bases = pickup_bases(scenario, matrix)
    fleet: dict[str, list[Vehicle]] = defaultdict(list)
    for v in scenario.fleet:
        fleet[v.foresteria_id].append(v)
    origins = [f.id for f in scenario.foresterie] + [p.id for p in scenario.pickups]
    label = scenario.files["farms"].name if "farms" in scenario.files else "farms"
    out = []
    for farm in scenario.farms:
        worst: dict[str, tuple[int, int]] = {}  # base -> (least span, longest driver's day)
        for o in origins:
            base = bases.get(o, o)
            there = fleet.get(base)
            go, back = _direct(matrix, o, farm.id), _direct(matrix, farm.id, o)
            if not there or max(go, back) > tr.max_ride_min:
                continue
            go += _direct(matrix, base, o)
            back += _direct(matrix, o, base)
            span = farm.shift_end + tr.board_min + back - (farm.shift_start - go)
            longest = max(v.max_span_min for v in there)
            if span > longest and span < worst.get(base, (span + 1, 0))[0]:
                worst[base] = (span, longest)
        out += [
            Problem(
                label,
                None,
                farm.id,
                Msg(
                    "shift {start}-{end}: a round trip from {base} spans at least {span} min from "
                    "the first departure to the last return, longer than the longest driver's "
                    "day of its vehicles ({longest} min, fleet.csv max_span_min): one vehicle "
                    "cannot bring its riders back; they ride only where two vehicles share the "
                    "legs, else are listed unserved (drivers_day)",
                    start=fmt_hhmm(farm.shift_start),
                    end=fmt_hhmm(farm.shift_end),
                    base=base,
                    span=span,
                    longest=longest,
                ),
            )
            for base, (span, longest) in sorted(worst.items())
        ]
    return out


def clock_change_warnings(scenario: Scenario, matrix: TravelMatrix) -> list[Problem]:
    """`validate`'s warning (review 16, "Smaller things"): on a workday on which the local clock
    changes, no vehicle leaves its base before the changed hour is over (`_not_before`), so the
    riders of an origin served from another base (a foresteria without vehicles of its own, a
    departure point: `pickup_bases` that day) come only after the empty leg from it. The
    scenario's own warning (scenario/load.py `_clock_change_shifts`) counts from the origin
    ("riders more than N min away"); here, per farm, day and such origin within the ride cap of
    the farm, the riders that count leaves out: the ride fits the minutes left, the empty leg
    before it does not."""
    tr = scenario.config.transport
    s0, s1 = scenario.config.scenario.season_start, scenario.config.scenario.season_end
    label = scenario.files["farms"].name if "farms" in scenario.files else "farms"
    origins = [f.id for f in scenario.foresterie] + [p.id for p in scenario.pickups]
    out = []
    for d in date_range(s0, s1 + timedelta(days=1)):
        change = clock_change(d, scenario.config.scenario.timezone)
        if change is None:
            continue
        bases = pickup_bases(scenario, matrix, d)
        for farm in scenario.farms:
            left = farm.shift_start - change.end  # from the changed hour to the shift start
            if d.weekday() not in farm.workdays or left <= 0:
                continue  # (a shift the change leaves no minute: the scenario's warning says it)
            for o in origins:
                base = bases.get(o, o)
                ride = _direct(matrix, o, farm.id)
                if base == o or ride > min(left, tr.max_ride_min):
                    continue
                empty = _direct(matrix, base, o)
                if ride + empty <= left:
                    continue
                msg = Msg(
                    "shift {time} on {day}: no vehicle leaves its base before {end} (the clock "
                    "changes that night), and the riders of {origin} are served from {base}, "
                    "{empty} min away: with their {ride} min to the farm that is {total} min, "
                    "more than the {left} min left, so they have no ride that day",
                    time=fmt_hhmm(farm.shift_start),
                    day=d.isoformat(),
                    end=fmt_hhmm(change.end),
                    origin=o,
                    base=base,
                    empty=empty,
                    ride=ride,
                    total=empty + ride,
                    left=left,
                )
                out.append(Problem(label, None, farm.id, msg))
    return out


def _quickest(matrix: TravelMatrix, sources: list[str]) -> dict[tuple[str, str], int]:
    """Quickest minutes between each pair of `sources` over any places of the matrix (legs in
    whole minutes, as trips are timed): an explicit matrix need not keep the triangle
    inequality. Dijkstra on the dense matrix, from each source."""
    mins = -(-matrix.seconds // 60)  # ceil, as leg_min
    n = len(matrix.ids)
    got: dict[tuple[str, str], int] = {}
    for a in sources:
        dist = np.full(n, np.iinfo(np.int64).max // 4, dtype=np.int64)
        done = np.zeros(n, dtype=bool)
        dist[matrix.index(a)] = 0
        for _ in range(n):
            i = int(np.argmin(np.where(done, np.iinfo(np.int64).max, dist)))
            done[i] = True
            np.minimum(dist, dist[i] + mins[i], out=dist)
        for b in sources:
            got[a, b] = int(dist[matrix.index(b)])
    return got


def _clock_blocked(ctx: _Ctx, d: date, spot: Spot) -> str:
    """Why a spot's riders have no ride on a day the clocks change, when that is the cause: a
    trip to that farm alone times within the rules on an ordinary day, and not once no vehicle
    may leave before the changed hour ends (`_not_before`). "" otherwise."""
    change = clock_change(d, ctx.scenario.config.scenario.timezone)
    if change is None:
        return ""
    origin, farm = spot
    wait_cap = ctx.scenario.config.transport.max_wait_on_board_min
    legs = []
    words: tuple[tuple[Direction, str], ...] = ((TO_FARM, "morning"), (TO_FORESTERIA, "return"))
    for dr, word in words:
        window = [shift_window(ctx.farms[farm], dr, d, ctx.scenario)]
        timed = partial(_schedule, dr, origin, [farm], window, ctx.matrix, ctx.board, ctx.cap)
        blocked = timed(wait_cap, _not_before(ctx, d, origin)) is None
        if blocked and timed(wait_cap) is not None:
            legs.append(word)
    if not legs:
        return ""
    start, end = fmt_hhmm(change.start), fmt_hhmm(change.end)
    how = (
        f"the clocks go forward from {start} to {end}"
        if change.forward
        else f"the clocks go back from {end} to {start}"
    )
    return (
        f"clock change on {d.isoformat()}: {how}, and no shuttle leaves before {end} that day; "
        f"a {' and '.join(legs)} ride from {ctx.names[origin]} to farm {farm} leaving then "
        f"misses the shift windows or the {ctx.cap} min ride cap"
    )


def _round_trip(
    ctx: _Ctx, d: date, fid: str, spot: Spot, ids: tuple[str, ...]
) -> tuple[Trip, Trip] | None:
    """A spot's own round trip, run by a vehicle of base `fid`: the morning and the evening trip
    with that one stop, timed as every trip is (`_timed_trip`, the empty legs from and to the
    base counted: `_from_base`); None if either leg has no timing within the rules.

    Without riders (`ids` empty: the fill and the reasons ask so), a pair is timed once for
    all the days with the same windows and earliest departure (the date enters nowhere else)
    and re-dated."""
    key = None
    if not ids:
        origin, farm = spot
        wins = tuple(_window(ctx, farm, dr, d) for dr in DIRECTIONS)
        key = (fid, spot, wins, _not_before(ctx, d, origin))
        known = ctx.kept("round_trips")
        if key in known:
            pair = known[key]
            if pair is None or pair[0].day == d:
                return pair
            return _evolve(pair[0], day=d), _evolve(pair[1], day=d)
    out, back = (_timed_trip(ctx, d, spot[0], dr, [spot[1]], [ids]) for dr in DIRECTIONS)
    made = None
    if out is not None and back is not None:
        made = _from_base(ctx, out, fid), _from_base(ctx, back, fid)
    if key is not None:
        ctx.kept("round_trips")[key] = made
    return made


def _short_duty(
    ctx: _Ctx, d: date, fid: str, spot: Spot, service: _DayService, fleet: list[Vehicle]
) -> str:
    """What a coordinator asks when a vehicle stayed in the yard while riders were left: it may
    not drive long enough for one round trip to this farm (both legs timed as every trip is)."""
    used = {t.vehicle_id for t in service.trips}
    idle = [v for v in fleet if v.id not in used]
    if not idle:
        return ""
    pair = _round_trip(ctx, d, fid, spot, ())
    if pair is None:
        return ""
    span = sum(t.ret - t.depart for t in pair)
    short = [v for v in idle if v.max_duty_min < span]
    if len(short) < len(idle):
        return ""
    names = ", ".join(f"{v.id} ({v.max_duty_min} min)" for v in short)
    return f"; idle all day, too short on duty for the {span} min round trip: {names}"


def _vehicles(n: int) -> str:
    return f"{n} vehicle" if n == 1 else f"{n} vehicles"


def _day_trips(
    ctx: _Ctx,
    d: date,
    base: str,
    pats: dict[tuple[str, Direction], _Pattern],
    solved: dict[_Pattern, VRPSolution],
    members: dict,
) -> tuple[list[Trip], set[tuple[Direction, Spot]]]:
    """A base-day's trips from every origin (its own and the departure points it serves). A day
    the probe found short is asked again for its first option's (`_keep_day_trips`): handed
    from the memo then, once."""
    got = ctx.kept("day_trips").pop(_day_key(d, base, pats, solved), None)
    if got is not None:
        return list(got[0]), set(got[1])
    trips: list[Trip] = []
    lost: set[tuple[Direction, Spot]] = set()
    for (origin, direction), p in pats.items():
        t, gone = _route_trips(ctx, d, origin, direction, p, solved[p], members)
        trips += [_from_base(ctx, x, base) for x in t]
        lost |= gone
    return trips, lost


def _keep_day_trips(
    ctx: _Ctx,
    d: date,
    base: str,
    pats: dict[tuple[str, Direction], _Pattern],
    solved: dict[_Pattern, VRPSolution],
    made: tuple[list[Trip], set[tuple[Direction, Spot]]],
) -> None:
    """Keep a short day's trips from `_day_trips` for its next ask (in this process: the
    planned days or fair shares' day; a pool worker keeps what its own jobs will not ask for
    only until the pool ends). Only short days are kept: the memo holds no other day."""
    ctx.kept("day_trips")[_day_key(d, base, pats, solved)] = (tuple(made[0]), frozenset(made[1]))


def _day_key(
    d: date,
    base: str,
    pats: dict[tuple[str, Direction], _Pattern],
    solved: dict[_Pattern, VRPSolution],
) -> tuple:  # type: ignore[type-arg]
    """What a base-day's trips from its route searches depend on besides the season."""
    return (d, base, tuple((k, p, solved[p]) for k, p in pats.items()))


def _from_base(ctx: _Ctx, t: Trip, base: str) -> Trip:
    """A trip timed from its departure point, run by a vehicle of `base`: the empty legs base ->
    point before and point -> base after count in its span (duty), km and cost."""
    if t.foresteria_id == base:
        return t
    o = t.foresteria_id
    lead, tail = _leg(ctx, base, o), _leg(ctx, o, base)
    return _evolve(
        t,
        foresteria_id=base,
        origin_id=o,
        lead=lead,
        tail=tail,
        depart=t.depart - lead,
        ret=t.ret + tail,
        metres=t.metres + _metres(ctx, base, o) + _metres(ctx, o, base),
    )


@dataclass(frozen=True, kw_only=True)
class _DaysJob:
    """One job: a chunk of base-days to route into trips and chain, with the route searches they
    use and the chaining answers known so far (an exact cache); the scenario, the matrix and the
    riders are the season's constants (`_Season`)."""

    options: dict[tuple[date, str], list[dict[tuple[str, Direction], _Pattern]]]
    solved: dict[_Pattern, VRPSolution]
    cache: dict | None  # None: remember nothing (every chaining solved again)
    # Fair shares: per base-day, each spot's debt weight for the chaining (`_trip_value`).
    weights: dict[tuple[date, str], dict[Spot, int]] | None = None
    # Only chain the first option's trips: does any trip lack a vehicle? A day where none does
    # has no other option, and is planned in full at once.
    probe: bool
    prune: bool = True  # stop an option's round trips once it cannot win the day (exact)


class _NoMemo(dict):  # type: ignore[type-arg]
    """A chaining cache that forgets: every lookup misses (reuse switched off)."""

    def __contains__(self, key: object) -> bool:
        return False


@dataclass(frozen=True, kw_only=True)
class _DaysResult:
    short: dict[tuple[date, str], bool]  # probe: some trip of the first option has no vehicle
    services: dict[tuple[date, str], list[_DayService]]  # one per option (probe: days not short)
    cache: dict  # chaining answers, by exact signature (see _chain_day); a job's: its new ones
    # The day's plan where no debt can change it (`_chosen`): its option, idle room filled.
    best: dict[tuple[date, str], _DayService] = field(default_factory=dict)


def _days_job(job: _DaysJob, season: _Season) -> _DaysResult:
    ctx = _context(season.scenario, season.matrix, season.memo)
    known = _chained_here(season)  # a pool worker's answers of its earlier jobs: exact too
    cache = {**known, **job.cache} if job.cache is not None else _NoMemo()
    out = _DaysResult(short={}, services={}, cache=cache)
    for (d, base), opts in job.options.items():
        fleet = _available(season.scenario.fleet, base, d)
        if job.probe:
            day_trips, lost = _day_trips(ctx, d, base, opts[0], job.solved, season.members)
            out.short[d, base] = bool(_chain_day(ctx, day_trips, fleet, cache).left)
            if out.short[d, base]:  # its first option's trips are asked for again
                _keep_day_trips(ctx, d, base, opts[0], job.solved, (day_trips, lost))
            else:
                # A day the fleet runs as routed keeps that one option: planned in full here
                # (the same call the planned run would make), not after the second opinion.
                out.services[d, base] = [
                    _round_trip_day(ctx, d, base, day_trips, lost, fleet, cache, "route", True)
                ]
                _chosen(ctx, d, base, out, season.demand[d, base], fleet)
            continue
        services: list[_DayService] = []
        # Without fair shares the day takes the option with the most seats, the first among
        # equals: the real-fleet option (second) is planned first, so the first option's loop
        # can stop as soon as it cannot reach as many seats (`beat`; exact: the same choice).
        fair = season.scenario.config.transport.fair_share
        prune = job.prune and len(opts) == 2 and fair == "off"
        order = [1, 0] if prune else list(range(len(opts)))
        done: dict[int, _DayService] = {}
        for k in order:
            pats = opts[k]
            day_trips, lost = _day_trips(ctx, d, base, pats, job.solved, season.members)
            # Seats the route search for the real fleet (one route per vehicle and direction)
            # left out are lost to the fleet's size, not to the windows.
            cause = "route" if k == 0 else "vehicles"
            # Only the first option's vehicles needed is reported (fleet_days.csv): the others'
            # would be the largest CP-SAT models of the day, for nothing.
            # Fair shares: the first option is chained both as is and weighted by the debts
            # (the second kept last), the real-fleet option weighted (`_fair_choice` picks).
            weights = (job.weights or {}).get((d, base))
            done[k] = _round_trip_day(
                ctx,
                d,
                base,
                day_trips,
                lost,
                fleet,
                cache,
                cause,
                k == 0,
                weights if k else None,
                sum(done[1].seats.values()) if prune and k == 0 else None,
            )
            if k == 0 and weights:
                weighted = _round_trip_day(
                    ctx, d, base, day_trips, lost, fleet, cache, cause, False, weights
                )
        services = [done[k] for k in range(len(opts))]
        if job.weights and (d, base) in job.weights:
            services.append(weighted)
        out.services[d, base] = services
        _chosen(ctx, d, base, out, season.demand[d, base], fleet)
    if job.cache is not None:  # only the answers the job added travel back
        made = {k: v for k, v in cache.items() if k not in job.cache and k not in known}
        known.update(made)
        return replace(out, cache=made)
    return out


def _chosen(
    ctx: _Ctx,
    d: date,
    base: str,
    out: _DaysResult,
    reach: dict[Spot, list[str]],
    fleet: list[Vehicle],
) -> None:
    """The day's plan, in the job, where no debt can change it: fair shares off (the most seats,
    the first among equals) or one option. It is what `name_day` would make in date order: the
    choice (`_fair_choice`, every spot weighing the same) and the idle room filled
    (`_fill_idle`, which reads the riders only as counts); so equal days share it too."""
    services = out.services[d, base]
    rule = ctx.scenario.config.transport
    if rule.fair_share == "off" or len(services) == 1:
        spot_w = _spot_weights(reach, defaultdict(int), rule)
        choice = _fair_choice(services, spot_w, rule.fair_slack_pct)
        out.best[d, base] = _fill_idle(ctx, d, base, choice, reach, fleet)


def _run_days(
    workers: _Workers,
    options: dict[tuple[date, str], list[dict[tuple[str, Direction], _Pattern]]],
    solved: dict[_Pattern, VRPSolution],
    cache: dict | None,
    probe: bool,
    weights: dict[tuple[date, str], dict[Spot, int]] | None = None,
) -> _DaysResult:
    """Base-days are independent until riders are named (in date order, in the caller): route
    them into trips and chain them in parallel, in chunks of consecutive days of one base (equal
    days share chaining answers through the exact cache). The answers do not depend on the
    chunks or the process count: the cache holds only what the same inputs would give."""
    keys = sorted(options, key=lambda k: (k[1], k[0]))
    n_chunks = 1 if workers.processes <= 1 else min(len(keys), 4 * workers.processes)
    chunks = _balanced_chunks(keys, options, solved, n_chunks)
    jobs = []
    for chunk in chunks:
        opts = {k: options[k] for k in chunk}
        used = {p for os_ in opts.values() for pats in os_ for p in pats.values()}
        jobs.append(
            _DaysJob(
                options=opts,
                solved={p: solved[p] for p in used},
                cache=cache,
                probe=probe,
                prune=cache is not None,
                weights={k: weights[k] for k in chunk if k in weights} if weights else None,
            )
        )
    out = _DaysResult(short={}, services={}, cache=dict(cache or {}))
    for res in workers.map(_days_job, jobs):
        out.short.update(res.short)
        out.services.update(res.services)
        out.cache.update(res.cache)
        out.best.update(res.best)
    return out


def _balanced_chunks(
    keys: list[tuple[date, str]],
    options: dict[tuple[date, str], list[dict[tuple[str, Direction], _Pattern]]],
    solved: dict[_Pattern, VRPSolution],
    n_chunks: int,
) -> list[list[tuple[date, str]]]:
    """Base-days in `n_chunks` chunks of about equal work, the heaviest chunk first: a base-day's
    work grows with the square of its trips (each chaining decides trips x vehicles, and the
    largest days are the short ones, chained more than once), so consecutive days of a busy base
    would make one chunk the whole critical path. Longest first, each to the lightest chunk
    (deterministic: ties by key); the answers never depend on the chunks (see `_run_days`)."""
    if n_chunks <= 1:
        return [keys] if keys else []
    work = {
        k: sum(len(solved[p].routes) for pats in options[k] for p in pats.values()) ** 2 + 1
        for k in keys
    }
    load = [0] * n_chunks
    chunks: list[list[tuple[date, str]]] = [[] for _ in range(n_chunks)]
    for k in sorted(keys, key=lambda k: (-work[k], k[1], k[0])):
        i = load.index(min(load))
        chunks[i].append(k)
        load[i] += work[k]
    order = sorted(range(n_chunks), key=lambda i: (-load[i], i))
    return [sorted(chunks[i], key=lambda k: (k[1], k[0])) for i in order if chunks[i]]


def _solve_patterns(
    workers: _Workers,
    patterns: Iterable[_Pattern],
    progress: Callable[[str, int, int], None] | None,
    budget: float = 1.0,
    starts: dict[_Pattern, VRPSolution] | None = None,
) -> dict[_Pattern, VRPSolution]:
    """Unique patterns, per (foresteria, direction) in date order, each warm-started from the
    one before; sequences run in parallel, so the result does not depend on the process count."""
    scenario = workers.season.scenario
    cfg, tr = scenario.config.solver, scenario.config.transport
    sequences: dict[tuple[str, str], list[_Pattern]] = defaultdict(list)
    seen: set[_Pattern] = set()
    for p in patterns:
        if p not in seen:
            seen.add(p)
            sequences[p.foresteria_id, p.direction].append(p)
    jobs = [
        _SequenceJob(
            patterns=seq,
            engine=cfg.shuttle_engine,
            ride_cap_min=tr.max_ride_min,
            board_min=tr.board_min,
            seed=scenario.config.scenario.seed,
            iterations=max(1, round(cfg.shuttle_iterations * budget)),
            patience=max(1, round(cfg.shuttle_patience * budget)),
            patience_work=None if PATIENCE_WORK is None else max(1, round(PATIENCE_WORK * budget)),
            time_limit_s=cfg.wall_clock_limit_s,
            starts={p: starts[p] for p in seq if p in starts} if starts else None,
        )
        for _, seq in sorted(sequences.items())
    ]
    solved: dict[_Pattern, VRPSolution] = {}
    total, done = len(seen), 0
    for res in workers.map(_solve_sequence, jobs):
        solved.update(res)
        done += len(res)
        if progress:
            progress("routes", done, total)
    return solved


@dataclass(frozen=True, kw_only=True)
class _Season:
    """What every job of a season reads and none changes: sent to each worker process once."""

    scenario: Scenario
    matrix: TravelMatrix
    members: dict[tuple[date, str, str, str], list[str]]  # (day, origin, direction, farm) -> ids
    demand: dict[tuple[date, str], dict[Spot, list[str]]]  # (day, base) -> riders within the cap
    # The memos of the season's contexts (`_Ctx.memo`): each process's own, kept from job to
    # job and phase to phase (a pool worker's copy is its own).
    memo: dict[str, dict] = field(default_factory=dict, compare=False, repr=False)  # type: ignore[type-arg]


J = TypeVar("J")
R = TypeVar("R")
_WORKER_SEASON: list[_Season] = []  # in a worker process: its season (`_Workers`)
# In a worker process: the chaining answers its days jobs made for its season (`_chained_here`).
_WORKER_CHAINED: dict = {}


class _Workers:
    """Where a season's jobs run: here, in order (one process), or on ONE pool of worker
    processes started for the whole season (route searches, the probe, the second opinion, the
    planned days, and every day of fair shares) instead of a pool per phase. Each worker gets the
    season (`_Season`: the scenario, the matrix, the riders) once, when it starts, not with every
    job; it keeps its per-process memos (chaining.py's `_memo`) from phase to phase. Results come
    back in the jobs' order, so they never depend on which worker ran what."""

    def __init__(self, season: _Season, processes: int) -> None:
        self.season, self.processes = season, processes
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def map(self, fn: Callable[[J, _Season], R], jobs: list[J]) -> Iterator[R]:
        if self.processes <= 1 or len(jobs) <= 1:
            return (fn(job, self.season) for job in jobs)
        if self.pool is None:  # started on the first parallel phase, then kept
            self.pool = worker_pool(self.processes, _keep_season, (self.season,))
        return self.pool.map(partial(_with_season, fn), jobs)


def _keep_season(season: _Season) -> None:
    _WORKER_SEASON[:] = [season]
    _WORKER_CHAINED.clear()


def _chained_here(season: _Season) -> dict:  # type: ignore[type-arg]
    """The chaining answers this pool worker's days jobs made for `season` so far: a worker
    takes several chunks of a phase (and of every phase), and an answer an earlier chunk made
    for equal inputs is a hit in a later one, as it is inside one chunk (on puglia-2027, 18 of
    the 908 chainings the two workers solved had been solved by the same worker before; one
    process solves 863). A fresh dict outside a pool's worker (one process: one chunk a phase,
    and the parent's cache goes from phase to phase already)."""
    return _WORKER_CHAINED if _WORKER_SEASON and _WORKER_SEASON[0] is season else {}


def _with_season(fn: Callable[[J, _Season], R], job: J) -> R:
    return fn(job, _WORKER_SEASON[0])


def _available(fleet: tuple[Vehicle, ...], fid: str, d: date) -> list[Vehicle]:
    return [v for v in fleet if v.foresteria_id == fid and v.available_from <= d <= v.available_to]
