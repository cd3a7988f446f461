"""Daily shuttles: per foresteria, day and direction a capacitated VRP with time windows, then
trips chained onto real vehicles. Times are whole minutes: a leg takes ceil(seconds / 60)."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal

from foresterie.core.procs import worker_pool
from foresterie.core.timeutil import date_range, parse_hhmm
from foresterie.scenario.model import Assignment, Farm, Scenario, Vehicle
from foresterie.shuttles.chaining import TripSlot, chain_trips
from foresterie.shuttles.engines import VehicleSpec, VRPInstance, VRPRoute, VRPSolution, get_engine
from foresterie.travel.matrix import TravelMatrix

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

    @property
    def places(self) -> list[str]:
        """Foresteria, farms in stop order, foresteria: the path the vehicle drives."""
        return [self.foresteria_id, *(s.farm_id for s in self.stops), self.foresteria_id]


@dataclass(frozen=True, kw_only=True)
class Unserved:
    day: date
    foresteria_id: str
    farm_id: str
    direction: Direction
    riders: int
    reason: str
    proven: bool
    worker_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class FleetDay:
    day: date
    foresteria_id: str
    needed: int
    available: int
    short_riders: int
    optimal: bool


@dataclass(kw_only=True)
class ShuttlePlan:
    trips: list[Trip]
    unserved: list[Unserved]
    fleet_days: list[FleetDay]
    engine: str
    day_problems: int  # (day, foresteria, direction) route problems in the season
    route_searches: int  # distinct problems searched: equal days share one search
    wall_s: float


# ------------------------------------------------------------------ demand


def shift_window(
    farm: Farm, direction: Direction, day: date, scenario: Scenario
) -> tuple[int, int]:
    """Morning: arrive in [start - early, start]. Evening: leave in [end', end' + wait]."""
    t = scenario.config.transport
    if direction == TO_FARM:
        return farm.shift_start - t.arrive_early_max_min, farm.shift_start
    end = farm.shift_end
    if day in set(t.heat_alert_days):
        end = min(end, parse_hhmm(t.heat_alert_shift_end))
    return end, end + t.wait_after_shift_max_min


def daily_riders(
    scenario: Scenario, assignments: list[Assignment]
) -> dict[tuple[date, str, str], list[str]]:
    """(day, foresteria, farm) -> workers riding out that morning (and back that evening)."""
    workers = {w.id: w for w in scenario.workers}
    farms = {f.id: f for f in scenario.farms}
    out: dict[tuple[date, str, str], list[str]] = defaultdict(list)
    for a in assignments:
        farm_id = workers[a.worker_id].farm_id
        if not farm_id:
            continue
        wd = farms[farm_id].workdays
        for d in date_range(a.arrival, a.departure):
            if d.weekday() in wd:
                out[d, a.foresteria_id, farm_id].append(a.worker_id)
    return out


# ------------------------------------------------------------------ one VRP


@dataclass(frozen=True, kw_only=True)
class _Pattern:
    """What a (foresteria, direction) VRP depends on; equal patterns share one solve."""

    foresteria_id: str
    direction: Direction
    demand: tuple[tuple[str, int, int, int], ...]  # (farm, riders, early, late)
    seats: tuple[tuple[int, int, int], ...]  # (seats, fixed cents, cents per km) per type
    counts: tuple[int, ...] | None = None  # vehicles per type; None = as many trips as needed


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
    nodes, demand, early, late = [p.foresteria_id], [0], [0], [24 * 60 * 2]
    for farm, riders, e, lt in p.demand:
        for c in _chunks(riders, max_seats):
            nodes.append(farm)
            demand.append(c)
            early.append(e)
            late.append(lt if p.direction == TO_FARM else lt - board)
    n = len(nodes)
    dist = [
        [matrix.dist(nodes[i], nodes[j]) if nodes[i] != nodes[j] else 0 for j in range(n)]
        for i in range(n)
    ]
    dur = [
        [leg_min(matrix.secs(nodes[i], nodes[j])) if nodes[i] != nodes[j] else 0 for j in range(n)]
        for i in range(n)
    ]
    # The ride cap is a route-duration cap once the empty leg is free: morning routes end at the
    # last farm (return leg free), evening routes start at the first farm (outbound leg free).
    for i in range(1, n):
        if p.direction == TO_FARM:
            dur[i][0] = 0
        else:
            dur[0][i] = 0
    max_dur = cap_min + board if p.direction == TO_FARM else cap_min
    counts = p.counts or tuple(n - 1 for _ in p.seats)
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
    inst = VRPInstance(
        dist=dist,
        dur=dur,
        demand=demand,
        service=[0] + [board] * (n - 1),
        tw_early=early,
        tw_late=late,
        vehicles=vehicles,
        pickup=p.direction == TO_FORESTERIA,
        prize=[0] + [_rider_prize(vehicles, dist) * d for d in demand[1:]],
    )
    return inst, nodes


def _rider_prize(vehicles: list[VehicleSpec], dist: list[list[int]]) -> int:
    """What leaving one rider unserved costs the route search: more than the dearest route that
    carries one load alone (fixed cost plus the way out and back), so a load that could ride on a
    route of its own is never dropped to save cost, whatever the scale of the costs. At least
    DROP_PRIZE, the usual (much larger) value."""
    dearest = max(
        v.fixed_cost + v.unit_distance_cost * (dist[0][i] + dist[i][0])
        for v in vehicles
        for i in range(1, len(dist))
    )
    return max(DROP_PRIZE, dearest + 1)


def _warm(
    prev: tuple[_Pattern, VRPSolution] | None, nodes: list[str], p: _Pattern
) -> VRPSolution | None:
    """Translate yesterday's routes (as farm sequences) onto today's nodes."""
    if prev is None:
        return None
    old_p, old_sol = prev
    old_nodes = _node_farms(old_p)
    free: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(nodes[1:], start=1):
        free[f].append(i)
    routes = []
    seat_types = [s for s, _, _ in p.seats]
    for r in old_sol.routes:
        old_seats = old_p.seats[r.vehicle_type][0]
        if old_seats not in seat_types:
            continue
        visits = [free[old_nodes[v]].pop(0) for v in r.visits if free.get(old_nodes[v])]
        if visits:
            routes.append(VRPRoute(seat_types.index(old_seats), tuple(visits)))
    return VRPSolution(routes=tuple(routes), cost=0, feasible=True) if routes else None


def _node_farms(p: _Pattern) -> list[str]:
    max_seats = max(s for s, _, _ in p.seats)
    return [p.foresteria_id] + [f for f, r, _, _ in p.demand for _ in _chunks(r, max_seats)]


@dataclass(frozen=True, kw_only=True)
class _SequenceJob:
    """One process-pool job: a (foresteria, direction) sequence of distinct patterns in date
    order, with everything a worker process needs to solve it alone."""

    patterns: list[_Pattern]
    matrix: TravelMatrix
    engine: str
    ride_cap_min: int
    board_min: int
    seed: int
    iterations: int
    patience: int
    time_limit_s: float  # safety net only; the iteration budgets decide the result


def _solve_sequence(job: _SequenceJob) -> list[tuple[_Pattern, VRPSolution]]:
    """Solve one (foresteria, direction) sequence of patterns in date order, warm-starting each."""
    engine = get_engine(job.engine)
    out: list[tuple[_Pattern, VRPSolution]] = []
    prev = None
    for p in job.patterns:
        inst, nodes = _instance(p, job.matrix, job.ride_cap_min, job.board_min)
        warm = _warm(prev, nodes, p)
        sol = engine.solve(inst, job.seed, job.iterations, job.time_limit_s, warm, job.patience)
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
) -> tuple[int, list[int], int] | None:
    """(depot departure, arrival at each stop, depot return), or None if no start works.

    Morning: leave as late as possible (shortest rides, least waiting at the field).
    Evening: board as early as the ride cap allows (least waiting after the shift).
    """
    legs = [
        leg_min(matrix.secs(a, b)) if a != b else 0
        for a, b in zip([depot, *farms], [*farms, depot], strict=True)
    ]

    def run(first_service: int) -> tuple[list[int], list[int], int]:
        arrive, service = [], []
        t = first_service
        for k in range(len(farms)):
            a = t if k == 0 else t + legs[k]
            s = max(a, windows[k][0])
            arrive.append(a)
            service.append(s)
            t = s + board
        return arrive, service, t + legs[-1]

    if direction == TO_FARM:
        late = [w[1] for w in windows]
        for k in range(len(farms) - 2, -1, -1):
            late[k] = min(late[k], late[k + 1] - board - legs[k + 1])
        first = late[0]
        arrive, service, ret = run(first)
        if any(s > w[1] for s, w in zip(service, windows, strict=True)) or first < windows[0][0]:
            return None
        dep = first - legs[0]
        if service[-1] - dep > cap_min:
            return None
        # Riders are dropped when the stop's window opens: a vehicle early on the road idles
        # before it pulls in, so the stop time is the service start.
        return dep, service, ret
    for first in range(windows[0][0], windows[0][1] - board + 1):
        arrive, service, ret = run(first)
        if any(s + board > w[1] for s, w in zip(service, windows, strict=True)):
            continue
        if ret - (service[0] + board) <= cap_min:
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
) -> tuple[list[Trip], list[Unserved]]:
    """Timed trips with riders from a VRP solution; infeasible routes are split, never trusted."""
    nodes = _node_farms(p)
    max_seats = max(s for s, _, _ in p.seats)
    pools = {farm: list(members[d, fid, direction, farm]) for farm, _, _, _ in p.demand}
    loads = {farm: _chunks(r, max_seats) for farm, r, _, _ in p.demand}
    chunk_ids: dict[int, tuple[str, ...]] = {}
    for i, farm in enumerate(nodes[1:], start=1):
        size = loads[farm].pop(0)
        chunk_ids[i] = tuple(pools[farm][:size])
        pools[farm] = pools[farm][size:]
    unserved = [
        Unserved(
            day=d,
            foresteria_id=fid,
            farm_id=nodes[i],
            direction=direction,
            riders=len(chunk_ids[i]),
            reason="heuristic: the route search found no trip for these riders within the seats, "
            "windows and ride cap",
            proven=False,
            worker_ids=chunk_ids[i],
        )
        for i in range(1, len(nodes))
        if i not in sol.served()
    ]
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
            unserved += [
                Unserved(
                    day=d,
                    foresteria_id=fid,
                    farm_id=nodes[x],
                    direction=direction,
                    riders=len(chunk_ids[x]),
                    reason="heuristic: no timing of this trip meets the windows and ride cap",
                    proven=False,
                    worker_ids=chunk_ids[x],
                )
                for x in vs
            ]
    prefix = f"{d.isoformat()}-{fid}-{'M' if direction == TO_FARM else 'E'}"
    trips.sort(key=lambda t: (t.depart, t.stops[0].farm_id, t.riders))
    trips = [_with_id(t, f"{prefix}{k:02d}") for k, t in enumerate(trips, start=1)]
    return trips, unserved


def _with_id(t: Trip, trip_id: str, vehicle_id: str | None = None, shift: int = 0) -> Trip:
    stops = tuple(replace(s, arrive=s.arrive + shift, depart=s.depart + shift) for s in t.stops)
    return Trip(
        trip_id=trip_id,
        day=t.day,
        foresteria_id=t.foresteria_id,
        direction=t.direction,
        vehicle_id=vehicle_id,
        depart=t.depart + shift,
        ret=t.ret + shift,
        metres=t.metres,
        riders=t.riders,
        stops=stops,
        slack=t.slack,
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
    windows = [shift_window(ctx.farms[f], direction, d, ctx.scenario) for f in stops_f]
    sched = _schedule(direction, fid, stops_f, windows, ctx.matrix, ctx.board, ctx.cap)
    if sched is None:
        return None
    dep, arrive, ret = sched
    total = sum(len(ids) for ids in stop_ids)
    load = total if direction == TO_FARM else 0
    stops = []
    for seq, (f, who, a, w) in enumerate(zip(stops_f, stop_ids, arrive, windows, strict=True), 1):
        depart = max(a, w[0]) + ctx.board
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
                )
            )
    path = [fid, *stops_f, fid]
    metres = sum(
        ctx.matrix.dist(a_, b_) for a_, b_ in zip(path, path[1:], strict=False) if a_ != b_
    )
    if direction == TO_FARM:  # may leave earlier while every drop stays inside its window
        slack = (-min(s.arrive - w[0] for s, w in zip(stops, windows, strict=True)), 0)
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
    optimal: bool  # both chainings proven optimal by CP-SAT
    unserved: list[Unserved]  # riders the route search left out, with their reasons


def _chain_day(
    ctx: _Ctx,
    trips: list[Trip],
    fleet: list[Vehicle],
    cache: dict,
    unserved: list[Unserved],
) -> _ChainedDay:
    """Chain a day's trips onto the fleet; equal days (same trips, same fleet) share one answer."""
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
        )
        for t in trips
    ]
    sig = (
        tuple((s.depart, s.ret, s.load, s.metres, s.shift_lo, s.shift_hi) for s in slots),
        tuple(fleet),
    )
    if sig not in cache:
        args = (
            cfg.transport.turnaround_min,
            cfg.scenario.seed,
            cfg.solver.chaining_deterministic_time,
        )
        real = chain_trips(slots, fleet, *args)
        # Vehicles needed: the same exact chaining with every vehicle type in unlimited supply.
        kinds = {
            (v.seats, v.fixed_cost_eur_per_day, v.cost_eur_per_km, v.max_duty_min): v
            for v in reversed(fleet)
        }  # one vehicle of each kind, as many copies as trips
        spare = [replace(v, id=f"{v.id}#{k}") for v in kinds.values() for k in range(len(trips))]
        needed = (
            chain_trips(slots, spare, *args)
            if any(real.vehicle_of[s.key] is None for s in slots)
            else real
        )
        cache[sig] = (
            [(real.vehicle_of[s.key], real.shift[s.key]) for s in slots],
            needed.vehicles_used,
            real.optimal and needed.optimal,
        )
    choice, n_needed, optimal = cache[sig]
    vehicle_list = [v for v, _ in choice]
    done = [_with_id(t, t.trip_id, v, dt) for t, (v, dt) in zip(trips, choice, strict=True) if v]
    left = [t for t, v in zip(trips, vehicle_list, strict=True) if not v]
    return _ChainedDay(done=done, left=left, needed=n_needed, optimal=optimal, unserved=unserved)


def plan_shuttles(
    scenario: Scenario,
    matrix: TravelMatrix,
    assignments: list[Assignment],
    processes: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> ShuttlePlan:
    """Every day's trips for every foresteria, each rider served or listed with a reason."""
    t0 = time.monotonic()
    tr, cfg = scenario.config.transport, scenario.config.solver
    ctx = _Ctx(
        scenario=scenario,
        matrix=matrix,
        farms={f.id: f for f in scenario.farms},
        names={f.id: f.name for f in scenario.foresterie},
        cap=tr.max_ride_min,
        board=tr.board_min,
    )
    riders = daily_riders(scenario, assignments)
    unserved: list[Unserved] = []
    patterns: dict[tuple[date, str, str], _Pattern] = {}
    members: dict[tuple[date, str, str, str], list[str]] = {}
    by_day: dict[tuple[date, str], list[tuple[str, list[str]]]] = defaultdict(list)
    for (d, fid, farm), ids in sorted(riders.items()):
        by_day[d, fid].append((farm, ids))
    for (d, fid), todays in sorted(by_day.items()):
        fleet = _available(scenario.fleet, fid, d)
        if not fleet:
            unserved += [
                Unserved(
                    day=d,
                    foresteria_id=fid,
                    farm_id=farm,
                    direction=direction,
                    riders=len(ids),
                    reason=f"no vehicle based at {ctx.names[fid]} is available on {d}",
                    proven=True,
                    worker_ids=tuple(sorted(ids)),
                )
                for farm, ids in todays
                for direction in DIRECTIONS
            ]
            continue
        for direction in DIRECTIONS:
            dem = []
            for farm_id, ids in todays:
                secs = (
                    matrix.secs(fid, farm_id) if direction == TO_FARM else matrix.secs(farm_id, fid)
                )
                if leg_min(secs) > ctx.cap:
                    unserved.append(
                        Unserved(
                            day=d,
                            foresteria_id=fid,
                            farm_id=farm_id,
                            direction=direction,
                            riders=len(ids),
                            reason=f"farm {farm_id} is {leg_min(secs)} min from {ctx.names[fid]}, above the "
                            f"{ctx.cap} min ride cap",
                            proven=True,
                            worker_ids=tuple(sorted(ids)),
                        )
                    )
                    continue
                e, lt = shift_window(ctx.farms[farm_id], direction, d, scenario)
                dem.append((farm_id, len(ids), e, lt))
                members[d, fid, direction, farm_id] = sorted(ids)
            if dem:
                patterns[d, fid, direction] = _Pattern(
                    foresteria_id=fid,
                    direction=direction,
                    demand=tuple(dem),
                    seats=_seat_types(fleet),
                )
    solved = _solve_patterns(scenario, matrix, patterns.values(), processes, progress)
    cache: dict = {}
    keys = sorted({(d, fid) for d, fid, _ in patterns})
    days: dict[tuple[date, str], _ChainedDay] = {}
    limited: dict[tuple[date, str], dict[Direction, _Pattern]] = {}
    for d, fid in keys:
        fleet = _available(scenario.fleet, fid, d)
        pats = {dr: patterns[d, fid, dr] for dr in DIRECTIONS if (d, fid, dr) in patterns}
        day_trips, day_unserved = _day_trips(ctx, d, fid, pats, solved, members)
        days[d, fid] = _chain_day(ctx, day_trips, fleet, cache, day_unserved)
        if days[d, fid].left:  # fleet short: also try routes planned for the real fleet
            limited[d, fid] = {
                dr: replace(
                    p, counts=tuple(sum(1 for v in fleet if v.seats == st) for st, _, _ in p.seats)
                )
                for dr, p in pats.items()
            }
    # The fallback for short days is a second opinion: half the search budget is enough.
    solved.update(
        _solve_patterns(
            scenario,
            matrix,
            [q for ps in limited.values() for q in ps.values()],
            processes,
            progress,
            budget=0.5,
        )
    )
    trips: list[Trip] = []
    fleet_days: list[FleetDay] = []
    for n, (d, fid) in enumerate(keys, start=1):
        fleet = _available(scenario.fleet, fid, d)
        day = days[d, fid]
        done, left, needed, optimal, day_unserved = (
            day.done,
            day.left,
            day.needed,
            day.optimal,
            day.unserved,
        )
        if (d, fid) in limited:
            alt_trips, alt_unserved = _day_trips(ctx, d, fid, limited[d, fid], solved, members)
            alt = _chain_day(ctx, alt_trips, fleet, cache, alt_unserved)
            if sum(t.riders for t in alt.done) > sum(t.riders for t in done):
                done, left, optimal = alt.done, alt.left, alt.optimal
                day_unserved = [
                    replace(
                        u,
                        reason=(
                            f"fleet short at {ctx.names[fid]}: {len(fleet)} vehicles cannot carry every "
                            f"rider within the windows and ride cap; {needed} would be needed "
                            "(heuristic: route search)"
                        ),
                    )
                    if not u.proven
                    else u
                    for u in alt_unserved
                ]
        short = sum(t.riders for t in left) + sum(u.riders for u in day_unserved if not u.proven)
        for t in left:
            unserved += [
                Unserved(
                    day=d,
                    foresteria_id=fid,
                    farm_id=s.farm_id,
                    direction=t.direction,
                    riders=len(s.worker_ids),
                    reason=f"fleet short at {ctx.names[fid]}: {len(fleet)} vehicles cannot run "
                    f"all {len(done) + len(left)} planned trips; {needed} would be "
                    "needed (heuristic: given these trips)",
                    proven=False,
                    worker_ids=s.worker_ids,
                )
                for s in t.stops
            ]
        unserved += day_unserved
        trips += done
        fleet_days.append(
            FleetDay(
                day=d,
                foresteria_id=fid,
                needed=needed,
                available=len(fleet),
                short_riders=short,
                optimal=optimal,
            )
        )
        if progress:
            progress("vehicles", n, len(keys))
    trips.sort(key=lambda t: t.trip_id)
    unserved.sort(key=lambda u: (u.day, u.foresteria_id, u.direction, u.farm_id, u.worker_ids))
    return ShuttlePlan(
        trips=trips,
        unserved=unserved,
        fleet_days=fleet_days,
        engine=cfg.shuttle_engine,
        day_problems=len(patterns),
        route_searches=len(solved),
        wall_s=time.monotonic() - t0,
    )


def _day_trips(
    ctx: _Ctx,
    d: date,
    fid: str,
    pats: dict[Direction, _Pattern],
    solved: dict[_Pattern, VRPSolution],
    members: dict,
) -> tuple[list[Trip], list[Unserved]]:
    trips: list[Trip] = []
    unserved: list[Unserved] = []
    for direction, p in pats.items():
        t, u = _route_trips(ctx, d, fid, direction, p, solved[p], members)
        trips += t
        unserved += u
    return trips, unserved


def _solve_patterns(
    scenario: Scenario,
    matrix: TravelMatrix,
    patterns: Iterable[_Pattern],
    processes: int,
    progress: Callable[[str, int, int], None] | None,
    budget: float = 1.0,
) -> dict[_Pattern, VRPSolution]:
    """Unique patterns, per (foresteria, direction) in date order, each warm-started from the
    one before; sequences run in parallel, so the result does not depend on the process count."""
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
            matrix=matrix,
            engine=cfg.shuttle_engine,
            ride_cap_min=tr.max_ride_min,
            board_min=tr.board_min,
            seed=scenario.config.scenario.seed,
            iterations=max(1, round(cfg.shuttle_iterations * budget)),
            patience=max(1, round(cfg.shuttle_patience * budget)),
            time_limit_s=cfg.wall_clock_limit_s,
        )
        for _, seq in sorted(sequences.items())
    ]
    solved: dict[_Pattern, VRPSolution] = {}
    total, done = len(seen), 0
    if processes > 1 and len(jobs) > 1:
        with worker_pool(processes) as pool:
            results: Iterable[list[tuple[_Pattern, VRPSolution]]] = pool.map(_solve_sequence, jobs)
            for res in results:
                solved.update(res)
                done += len(res)
                if progress:
                    progress("routes", done, total)
    else:
        for job in jobs:
            res = _solve_sequence(job)
            solved.update(res)
            done += len(res)
            if progress:
                progress("routes", done, total)
    return solved


def _available(fleet: tuple[Vehicle, ...], fid: str, d: date) -> list[Vehicle]:
    return [v for v in fleet if v.foresteria_id == fid and v.available_from <= d <= v.available_to]
