"""Trip chaining: give each day's trips to real vehicles so the fewest vehicles run them all.

An exact assignment (CP-SAT): every trip goes to one vehicle with enough seats, a vehicle's trips
never overlap (turnaround included), its time on trips stays within its duty limit; a trip may
slide within the slack its time windows leave. Minimise riders left without a vehicle, then
fixed costs of the vehicles used, then km costs, then minutes slid. Where the levels do not fit
in one objective (`_lexicographic`), minutes slid are a tie-break solved with the vehicles
already chosen: the least slide for that choice (proven or not, like every level), not the least
over every equally good choice.

Identical vehicles (same seats, costs and duty) are folded into one kind with a count
(`_Folded`): a fleet of five equal buses and three equal vans is two kinds, not eight vehicles
whose permutations every proof would go through. Its answer is split into vehicles afterwards
(`_split`), exact but for each vehicle's duty, which the folded model bounds only in total; where
the split breaks a duty, the model with one no-overlap per vehicle decides (`_per_vehicle`).

A vehicle's day is one driver's day (README "fleet.csv"): besides its duty, first departure to
last return within `max_span_min`, and no run of trips longer than `max_stretch_min` in total
without a pause of BREAK_MIN minutes or more between two of them (`day_ok`). Every chaining built
by hand (`_first_fit`, `_split`, the hinted one) keeps them as it goes; the CP-SAT models carry
them exactly (`_drivers_day`). A chaining is first made as before, without them (`_unlimited`):
where its answer keeps every driver's day it stands, as it is then the answer with them too
(their rows only remove chainings; proven optimal stays proven), so CP-SAT's search, and hence
its tied answers, stay as they were wherever the rules do not bind. Otherwise it is made again
with them, their rows added where some chaining could break them (`_may_break`, a cheap bound).
The folded model cannot tell one vehicle's day from another's: its split checks the day, and
where no split keeps it the folded model with each kind's trips linked into vehicles' days
decides where only a span can break them (`_by_paths`), else the per-vehicle model, as for
duty. `vehicles_needed` alike, with numbered copies for the per-vehicle model.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any

from ortools.sat.python import cp_model

from foresterie.scenario.model import BREAK_MIN, Vehicle

# CP-SAT objectives are int64, and its presolve may scale them up (it refused a weighted sum of
# ~1.2e18 as "possible integer overflow"): one objective holds levels while their bound stays
# below 2^50; beyond that, levels are solved in turn.
INT_LIMIT = 2**50


class _Model(cp_model.CpModel):
    """A CpModel without the camelCase aliases OR-Tools attaches to every new model (about
    60 wrapped methods, 0.5 ms a model: a tenth of a small chaining's CPU). Nothing here
    calls them."""

    def _add_pre_pep8_methods(self) -> None:
        pass


@dataclass(frozen=True, kw_only=True)
class TripSlot:
    """What chaining needs of a trip: its time span, seats taken, and length."""

    key: str
    depart: int  # minutes
    ret: int
    load: int
    metres: int
    shift_lo: int = 0  # the whole trip may move by an offset in [shift_lo, shift_hi] minutes
    shift_hi: int = 0  # and still meet every window (the slack its schedule leaves)
    value: int = 0  # what leaving the trip without a vehicle costs; 0: its load (fair shares)


@dataclass(frozen=True, kw_only=True)
class Chaining:
    vehicle_of: dict[str, str | None]
    shift: dict[str, int]
    vehicles_used: int
    optimal: bool
    # made with drivers' hours, as the chaining without them broke one (not part of the answer)
    drivers: bool = field(default=False, compare=False)


def chain_trips(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining:
    """The chaining of `trips` onto `vehicles` (module docstring). A deterministic function of
    its arguments (one CP-SAT worker, a deterministic budget), so an equal call made before in
    this process returns the answer made then (`_memo`): a day run asks for the same base-day's
    chaining in several candidate plans."""
    key = ("chain", tuple(trips), tuple(vehicles), turnaround_min, seed, deterministic_time)
    made = _memo(
        key, lambda: _chain_trips(trips, vehicles, turnaround_min, seed, deterministic_time)
    )
    assert isinstance(made, Chaining)
    return replace(made, vehicle_of=dict(made.vehicle_of), shift=dict(made.shift))


# Answers of chain_trips and vehicles_needed kept per process (each holds a few hundred trips at
# most); the oldest is dropped beyond MEMO_SIZE.
MEMO_SIZE = 256
_MEMO: dict[Hashable, Chaining | Needed] = {}


def _memo(key: Hashable, make: Callable[[], Chaining | Needed]) -> Chaining | Needed:
    if key not in _MEMO:
        if len(_MEMO) >= MEMO_SIZE:
            del _MEMO[next(iter(_MEMO))]
        _MEMO[key] = make()
    return _MEMO[key]


def _chain_trips(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining:
    if not trips:
        return Chaining(vehicle_of={}, shift={}, vehicles_used=0, optimal=True)
    free = _unlimited(vehicles)
    made = _chained(trips, free, turnaround_min, seed, deterministic_time)
    if free == vehicles or _days_kept(trips, vehicles, made):
        return made  # the chaining as before drivers' hours, which keeps them (module docstring)
    return replace(
        _chained(trips, vehicles, turnaround_min, seed, deterministic_time), drivers=True
    )


# A limit no day reaches: a vehicle's driver's day left out (`_unlimited`).
NO_LIMIT = 10**6


def _unlimited(vehicles: list[Vehicle]) -> list[Vehicle]:
    """The vehicles without their drivers' span and stretch (duty kept): the chaining as it
    was before drivers' hours were modelled."""
    return [replace(v, max_span_min=NO_LIMIT, max_stretch_min=NO_LIMIT) for v in vehicles]


def _days_kept(trips: list[TripSlot], vehicles: list[Vehicle], r: Chaining) -> bool:
    """Whether every vehicle's day in the chaining `r` keeps its driver's day (`day_ok`)."""
    by_id = {v.id: v for v in vehicles}
    runs: dict[str, list[tuple[int, int]]] = {}
    for t in trips:
        vid = r.vehicle_of.get(t.key)
        if vid is not None:
            dt = r.shift[t.key]
            runs.setdefault(vid, []).append((t.depart + dt, t.ret + dt))
    return all(day_ok(spans, by_id[vid]) for vid, spans in runs.items())


def _chained(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining:
    """The chaining: at the bounds without search, else the folded model, else its paths, else
    per vehicle."""
    built = _built_at_bounds(trips, vehicles, turnaround_min)
    if built is not None:
        return built
    folded = _by_kinds(trips, vehicles, turnaround_min, seed, deterministic_time)
    if folded is not None:
        return folded
    paths = _by_paths(trips, vehicles, turnaround_min, seed, deterministic_time)
    if paths is not None:
        return paths
    return _per_vehicle(trips, vehicles, turnaround_min, seed, deterministic_time)


def _can_run(v: Vehicle, t: TripSlot) -> bool:
    """The vehicle (or kind) has the seats for the trip, and its duty limit covers it, as do
    its driver's span and stretch."""
    return v.seats >= t.load and t.ret - t.depart <= min(
        v.max_duty_min, v.max_span_min, v.max_stretch_min
    )


def day_ok(spans: list[tuple[int, int]], v: Vehicle) -> bool:
    """Whether one vehicle's trips ((start, end) minutes, at their slides, in any order) keep
    its driver's day: minutes on trips within `max_duty_min`, first start to last end within
    `max_span_min`, and no run of trips between pauses of BREAK_MIN minutes or more longer than
    `max_stretch_min` in total (the same reading as the verifier's and the driver sheet's)."""
    if not spans:
        return True
    ordered = sorted(spans)
    if sum(b - a for a, b in ordered) > v.max_duty_min:
        return False
    if max(b for _, b in ordered) - ordered[0][0] > v.max_span_min:
        return False
    run, last = 0, None
    for a, b in ordered:
        run = b - a + (run if last is not None and a - last < BREAK_MIN else 0)
        if run > v.max_stretch_min:
            return False
        last = b
    return True


def _may_break(trips: list[TripSlot], vehicles: list[Vehicle], turnaround_min: int) -> bool:
    """Whether some chaining of `trips` onto `vehicles` could break a vehicle's span or stretch
    (a cheap upper bound over every chaining, per kind of limits): the earliest first departure
    and the longest run of trips without a pause over chains of trips one vehicle could run in
    turn, each link at whichever slides allow it (so a bound, not the exact worst). False: no
    chaining can break them, and the models need not carry them."""
    by_limits: dict[tuple[int, int, int, int], Vehicle] = {}
    for v in vehicles:
        if min(v.max_span_min, v.max_stretch_min) >= NO_LIMIT:
            continue  # no driver's day to break (`_unlimited`)
        by_limits.setdefault((v.seats, v.max_duty_min, v.max_span_min, v.max_stretch_min), v)
    for v in by_limits.values():
        mine = sorted(
            (t for t in trips if _can_run(v, t)), key=lambda t: (t.depart + t.shift_lo, t.key)
        )
        first: list[int] = []  # earliest departure of a chain ending with each trip
        run: list[int] = []  # longest run without a pause ending with each trip
        for j, tj in enumerate(mine):
            e, r = tj.depart + tj.shift_lo, 0
            for i, ti in enumerate(mine):
                if tj.depart + tj.shift_hi < ti.ret + ti.shift_lo + turnaround_min:
                    continue  # j cannot follow i on one vehicle
                if i >= j:
                    return True  # a chain against the order: no cheap bound
                e = min(e, first[i])
                if tj.depart + tj.shift_lo - (ti.ret + ti.shift_hi) < BREAK_MIN:
                    r = max(r, run[i])
            first.append(e)
            run.append(r + tj.ret - tj.depart)
            if tj.ret + tj.shift_hi - e > v.max_span_min:
                return True
            if min(run[-1], v.max_duty_min) > v.max_stretch_min:
                return True
    return False


@dataclass(kw_only=True)
class _DayVars:
    """What the driver's-day rows of one model share across its vehicles (`_drivers_day`): per
    trip its run of minutes since the last pause, per pair of trips that could run in either
    order which one comes first, and per pair whether a pause lies between them. A pair shares
    at most one vehicle, so one variable serves every vehicle's rows."""

    run: dict[int, cp_model.IntVar]
    first: dict[tuple[int, int], cp_model.IntVar]  # (i, j), i < j: i comes before j
    pause: dict[tuple[int, int], cp_model.IntVar]  # (i, j): j starts BREAK_MIN after i ends


def _drivers_day(
    m: _Model,
    trips: list[TripSlot],
    offset: list[cp_model.IntVar] | dict[int, cp_model.IntVar],
    mine: list[tuple[int, cp_model.IntVar]],
    v: Vehicle,
    turnaround_min: int,
    shared: _DayVars,
    name: str,
) -> None:
    """One vehicle's (or copy's) driver's day in the model, exactly: its trips (`mine`) span at
    most `max_span_min` from the first start to the last end (a first and a last minute bound
    by every trip it runs), and each trip's run (minutes on trips since the last pause of
    BREAK_MIN or more, the trip included) is at least the run of any trip of the same vehicle
    that ends less than BREAK_MIN before it starts plus its own minutes, and at most
    `max_stretch_min`. The trip just before one, if no pause lies between, is such a trip, so
    the least runs the rows allow are the real ones, and a trip earlier still adds no more than
    that: the rows cut no chaining that keeps the rule. Rows only where the slides let them
    bind."""
    if not mine:
        return
    start = {ti: trips[ti].depart + offset[ti] for ti, _ in mine}
    end = {ti: trips[ti].ret + offset[ti] for ti, _ in mine}
    lo = min(trips[ti].depart + trips[ti].shift_lo for ti, _ in mine)
    hi = max(trips[ti].ret + trips[ti].shift_hi for ti, _ in mine)
    if hi - lo > v.max_span_min:
        a = m.new_int_var(lo, hi, f"first_{name}")
        b = m.new_int_var(lo, hi, f"last_{name}")
        for ti, lit in mine:
            m.add(a <= start[ti]).only_enforce_if(lit)
            m.add(b >= end[ti]).only_enforce_if(lit)
        m.add(b - a <= v.max_span_min)
    lit_of = dict(mine)
    for i, j in product(lit_of, lit_of):
        p, q = trips[i], trips[j]
        if i == j or q.depart + q.shift_hi < p.ret + p.shift_lo + turnaround_min:
            continue  # j cannot follow i
        if q.depart + q.shift_lo - (p.ret + p.shift_hi) >= BREAK_MIN:
            continue  # always a pause between them
        both = p.depart + p.shift_hi >= q.ret + q.shift_lo + turnaround_min
        when: list[cp_model.LiteralT] = [lit_of[i], lit_of[j]]
        if both:  # either may come first: which one does, where they share this vehicle
            key = (min(i, j), max(i, j))
            if key not in shared.first:
                o = m.new_bool_var(f"first{key[0]}_{key[1]}")
                shared.first[key] = o
            o = shared.first[key]
            after = o if i < j else ~o
            m.add(start[j] >= end[i]).only_enforce_if([lit_of[i], lit_of[j], after])
            m.add(start[i] >= end[j]).only_enforce_if([lit_of[i], lit_of[j], ~after])
            when.append(after)
        if q.depart + q.shift_hi - (p.ret + p.shift_lo) >= BREAK_MIN:
            if (i, j) not in shared.pause:
                pause = m.new_bool_var(f"pause{i}_{j}")
                shared.pause[i, j] = pause
                m.add(start[j] - end[i] >= BREAK_MIN).only_enforce_if([pause, *when[2:]])
            when.append(~shared.pause[i, j])
        for k in (i, j):
            if k not in shared.run:
                d = trips[k].ret - trips[k].depart
                shared.run[k] = m.new_int_var(d, 24 * 60, f"run{k}")
        m.add(shared.run[j] >= shared.run[i] + q.ret - q.depart).only_enforce_if(when)
    for ti, lit in mine:
        if ti in shared.run:
            m.add(shared.run[ti] <= v.max_stretch_min).only_enforce_if(lit)


def _slides(
    m: cp_model.CpModel, trips: list[TripSlot]
) -> tuple[list[cp_model.IntVar], list[tuple[int, cp_model.IntVar]]]:
    """Each trip's offset within its slack, as variables of m, and its size (minutes slid) as a
    term (coefficient, variable): the offset itself where the slack lies on one side of the
    natural time (+1 later, -1 earlier: every trip of the shipped seasons), else a variable
    bound to its absolute value. The absolute-value rows (`add_abs_equality`) cost a third of
    a small folded model's presolve and needed no search (benchmarks/RESULTS.md, session 17)."""
    offset = [m.new_int_var(t.shift_lo, t.shift_hi, f"shift{ti}") for ti, t in enumerate(trips)]
    moved: list[tuple[int, cp_model.IntVar]] = []
    for ti, t in enumerate(trips):
        if t.shift_lo >= 0 or t.shift_hi <= 0:
            moved.append((1 if t.shift_lo >= 0 else -1, offset[ti]))
            continue
        a_off = m.new_int_var(0, max(-t.shift_lo, t.shift_hi), f"abs{ti}")
        m.add_abs_equality(a_off, offset[ti])
        moved.append((1, a_off))
    return offset, moved


def _choices(
    m: _Model, trips: list[TripSlot], units: list[Vehicle], name: str, leave: bool
) -> tuple[dict[tuple[int, int], cp_model.IntVar], list[cp_model.IntVar]]:
    """Per trip, one literal per unit (a vehicle, or a kind) that can run it (`_can_run`) and,
    with `leave`, one for leaving it without a vehicle; exactly one of them holds. The same
    variables in the same order for both models: (trip, unit) -> literal, and the "left" ones."""
    on: dict[tuple[int, int], cp_model.IntVar] = {}
    left: list[cp_model.IntVar] = []
    for ti, t in enumerate(trips):
        opts = []
        for ui, v in enumerate(units):
            if _can_run(v, t):
                on[ti, ui] = m.new_bool_var(f"{name}{ti}_{ui}")
                opts.append(on[ti, ui])
        if leave:
            left.append(m.new_bool_var(f"u{ti}"))
            opts.append(left[-1])
        m.add_exactly_one(opts)
    return on, left


def _on_the_road(
    m: _Model,
    trips: list[TripSlot],
    offset: list[cp_model.IntVar],
    mine: list[tuple[int, cp_model.IntVar]],
    turnaround_min: int,
    unit: int,
) -> list[cp_model.IntervalVar]:
    """A unit's trips (`mine`: trip, its literal) as optional intervals, at their slides, each
    with the turnaround after it."""
    return [
        m.new_optional_fixed_size_interval_var(
            trips[ti].depart + offset[ti],
            trips[ti].ret - trips[ti].depart + turnaround_min,
            lit,
            f"i{ti}_{unit}",
        )
        for ti, lit in mine
    ]


def _duty(trips: list[TripSlot], mine: list[tuple[int, cp_model.IntVar]]) -> cp_model.LinearExpr:
    """A unit's minutes on trips: the duty its limit bounds."""
    return cp_model.LinearExpr.weighted_sum(
        [lit for _, lit in mine], [trips[ti].ret - trips[ti].depart for ti, _ in mine]
    )


def _per_vehicle(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining:
    m = _Model()
    offset, moved = _slides(m, trips)
    a, unassigned = _choices(m, trips, vehicles, "a", leave=True)
    for members, cap in _crowds(trips, vehicles, turnaround_min):
        m.add(sum(unassigned[ti] for ti in members) >= len(members) - cap)
    used: list[cp_model.IntVar] = []
    used_by: dict[int, cp_model.IntVar] = {}
    fixed_terms: list[tuple[int, cp_model.IntVar]] = []
    km_terms: list[tuple[int, cp_model.IntVar]] = []
    rules = _may_break(trips, vehicles, turnaround_min)
    shared = _DayVars(run={}, first={}, pause={})
    for vi, v in enumerate(vehicles):
        mine = [(ti, a[ti, vi]) for ti in range(len(trips)) if (ti, vi) in a]
        if not mine:
            continue
        y = m.new_bool_var(f"used{vi}")
        used.append(y)
        used_by[vi] = y
        for _, lit in mine:
            m.add_implication(lit, y)
        m.add_no_overlap(_on_the_road(m, trips, offset, mine, turnaround_min, vi))
        m.add(_duty(trips, mine) <= v.max_duty_min)
        if rules:
            _drivers_day(m, trips, offset, mine, v, turnaround_min, shared, f"{vi}")
        fixed_terms.append((round(v.fixed_cost_eur_per_day * 100), y))
        km_terms += [(_km_cost(trips[ti], v), lit) for ti, lit in mine]
    levels = [
        [(t.value or t.load, u) for t, u in zip(trips, unassigned, strict=True)],  # riders left
        fixed_terms,  # cents of fixed cost of the vehicles used
        km_terms,  # cents of km cost
        moved,  # minutes slid: keep trips at their natural times
    ]
    first_fit = _first_fit(trips, vehicles, turnaround_min, lambda ti, vi: (ti, vi) in a)
    fit_trips, fit_vehicles = set(first_fit), set(first_fit.values())
    fallback = {
        **{lit.index: int(first_fit.get(ti) == vi) for (ti, vi), lit in a.items()},
        **{u.index: int(ti not in fit_trips) for ti, u in enumerate(unassigned)},
        **{y.index: int(vi in fit_vehicles) for vi, y in used_by.items()},
        **{x.index: 0 for x in (*offset, *(a for _, a in moved))},
    }
    settle = [*a.values(), *unassigned, *used]  # the assignment: the slide level's givens
    value, optimal = _lexicographic(m, levels, seed, deterministic_time, fallback, settle)
    vehicle_of: dict[str, str | None] = {}
    for ti, t in enumerate(trips):
        vehicle_of[t.key] = next(
            (
                vehicles[vi].id
                for vi in range(len(vehicles))
                if (ti, vi) in a and value[a[ti, vi].index]
            ),
            None,
        )
    n_used = len({v for v in vehicle_of.values() if v})
    shift = {t.key: value[offset[ti].index] for ti, t in enumerate(trips)}
    return Chaining(vehicle_of=vehicle_of, shift=shift, vehicles_used=n_used, optimal=optimal)


def _by_paths(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining | None:
    """The chaining where no split of the folded answer keeps every vehicle's duty and driver's
    day (`_by_kinds`), in a model exact for both that still folds identical vehicles into kinds
    (`_Folded`), where each kind's day allows it; else None (the per-vehicle model decides).

    A kind's trips fall into parts whose windows never meet (`_apart`: the morning's and the
    evening's). Where no chain of its trips can break a duty or a stretch over the day, nor a
    span within one part (`_longest_path`, a cheap bound), the only rule left is the span from
    a vehicle's first departure in one part to its last return in another. Each part's trips
    are linked into paths (a trip the kind runs has one link in and one out, from and to
    another of its trips in the part or the depot; along a link the next starts after the
    turnaround): the part's share of some vehicles' days. Where the span cannot break either,
    the k-th path of each part is the k-th vehicle's, and the parts' paths are at most the
    kind's vehicles used. Where it can and the parts are two, the morning's first trips and
    the evening's last ones take one of the kind's vehicles each (`_slots`), whose span they
    bound. Every chaining is such paths and every such paths a chaining, so the model is exact
    like the per-vehicle one (`_per_vehicle`), without the permutations of equal vehicles its
    proofs go through: on the default season's drivers'-hours days it proved every level,
    two days the per-vehicle model left unproven, at half its CPU (benchmarks/RESULTS.md,
    session 18)."""
    groups = _kinds(vehicles)
    reps = [vehicles[g[0]] for g in groups]
    mine = [[ti for ti, t in enumerate(trips) if _can_run(v, t)] for v in reps]
    parts: list[list[list[int]]] = []
    spans: list[bool] = []  # the kind's span can break across its parts
    for k, v in enumerate(reps):
        day = _longest_path(trips, mine[k], _follows(trips, mine[k], turnaround_min))
        if day[0] > v.max_duty_min or day[2] > v.max_stretch_min:
            return None
        apart = [
            [mine[k][j] for j in part]
            for part in _apart([trips[ti] for ti in mine[k]], turnaround_min)
        ]
        spans.append(day[1] > v.max_span_min)
        if spans[k]:
            halves = _halves(trips, apart, v, turnaround_min)
            if halves is None:
                return None
            apart = halves
        parts.append(apart)
    f = _Folded.build(trips, reps, [len(g) for g in groups], turnaround_min, leave=True)
    m, offset, moved, x, unassigned, n = f.m, f.offset, f.moved, f.x, f.unassigned, f.n
    start = [t.depart + offset[ti] for ti, t in enumerate(trips)]
    end = [t.ret + offset[ti] for ti, t in enumerate(trips)]
    # (kind, i, j): trip j right after trip i on one of the kind's vehicles; i or j -1: the depot
    link: dict[tuple[int, int, int], cp_model.IntVar] = {}
    # (kind, trip, r): the trip first of the morning's (last of the evening's) path of the
    # kind's r-th vehicle (`_slots`)
    head: dict[tuple[int, int, int], cp_model.IntVar] = {}
    tail: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for k, v in enumerate(reps):
        for part in parts[k]:
            after = _follows(trips, part, turnaround_min)
            for j in part:
                link[k, -1, j] = m.new_bool_var(f"s{k}_{j}")
                link[k, j, -1] = m.new_bool_var(f"e{k}_{j}")
            for i, j in sorted(after):
                link[k, i, j] = m.new_bool_var(f"l{k}_{i}_{j}")
            for j in part:
                m.add(sum(link[k, i, j] for i in (-1, *part) if (k, i, j) in link) == x[j, k])
                m.add(sum(link[k, j, i] for i in (-1, *part) if (k, j, i) in link) == x[j, k])
            for i, j in sorted(after):
                p, q = trips[i], trips[j]
                if q.depart + q.shift_lo < p.ret + p.shift_hi + turnaround_min:
                    m.add(start[j] >= end[i] + turnaround_min).only_enforce_if(link[k, i, j])
            if not spans[k]:
                m.add(sum(link[k, -1, j] for j in part) <= n[k])
        if spans[k]:
            _slots(m, trips, parts[k], k, v, len(groups[k]), n[k], link, head, tail, start, end)
    levels = _kind_levels(trips, reps, unassigned, n, x, moved)
    kind_of = {vi: k for k, g in enumerate(groups) for vi in g}
    first_fit = _first_fit(trips, vehicles, turnaround_min, lambda ti, vi: (ti, kind_of[vi]) in x)
    on_fit: set[tuple[int, int, int]] = set()  # the first fit's links, heads and tails
    for vi in sorted(set(first_fit.values())):
        k = kind_of[vi]
        r = sorted({vj for vj in first_fit.values() if kind_of[vj] == k}).index(vi)
        runs = sorted(
            (ti for ti, vj in first_fit.items() if vj == vi), key=lambda ti: trips[ti].depart
        )
        for i, j in zip([-1, *runs], [*runs, -1], strict=True):
            if (k, i, j) in link:
                on_fit.add((k, i, j))
            else:  # the evening's path after the morning's (`_slots`)
                on_fit |= {(k, i, -1), (k, -1, j)}
        if (k, runs[0], r) in head:
            on_fit.add((k, runs[0], r))
        if (k, runs[-1], r) in tail:
            on_fit.add((k, runs[-1], r))
    fallback = {
        **{lit.index: int(kind_of.get(first_fit.get(ti, -1)) == k) for (ti, k), lit in x.items()},
        **{u.index: int(ti not in first_fit) for ti, u in enumerate(unassigned)},
        **{
            nk.index: len({vi for vi in first_fit.values() if kind_of[vi] == k})
            for k, nk in enumerate(n)
        },
        **{
            lit.index: int(key in on_fit)
            for key, lit in (*link.items(), *head.items(), *tail.items())
        },
        **{v.index: 0 for v in (*offset, *(a for _, a in moved))},
    }
    settle = [*x.values(), *unassigned, *n]
    value, optimal = _lexicographic(m, levels, seed, deterministic_time, fallback, settle)
    shift = [value[offset[ti].index] for ti in range(len(trips))]
    slot = {(k, ti): r for (k, ti, r), lit in (*head.items(), *tail.items()) if value[lit.index]}
    vehicle_of: dict[str, str | None] = {t.key: None for t in trips}
    for k, group in enumerate(groups):
        nxt = {i: j for (kk, i, j), lit in link.items() if kk == k and value[lit.index]}
        heads = sorted(
            (j for (kk, i, j), lit in link.items() if kk == k and i == -1 and value[lit.index]),
            key=lambda j: (trips[j].depart + shift[j], trips[j].key),
        )
        part_of = {ti: p for p, part in enumerate(parts[k]) for ti in part}
        rank = [0] * len(parts[k])  # the k-th path of each part is the k-th vehicle's
        for j in heads:
            path = [j]
            while nxt[path[-1]] != -1:
                path.append(nxt[path[-1]])
            r = slot.get((k, path[0]), slot.get((k, path[-1]), rank[part_of[j]]))
            rank[part_of[j]] += 1
            for ti in path:
                vehicle_of[trips[ti].key] = vehicles[group[r]].id
    return Chaining(
        vehicle_of=vehicle_of,
        shift={t.key: shift[ti] for ti, t in enumerate(trips)},
        vehicles_used=len({vid for vid in vehicle_of.values() if vid}),
        optimal=optimal,
    )


def _halves(
    trips: list[TripSlot], parts: list[list[int]], v: Vehicle, turnaround_min: int
) -> list[list[int]] | None:
    """The parts (`_apart`) joined into a morning and an evening, at the first cut where no
    chain within either can break the span (`_longest_path`); None if there is none."""
    for cut in range(1, len(parts)):
        halves = [
            [ti for part in parts[:cut] for ti in part],
            [ti for part in parts[cut:] for ti in part],
        ]
        if all(
            _longest_path(trips, half, _follows(trips, half, turnaround_min))[1] <= v.max_span_min
            for half in halves
        ):
            return halves
    return None


def _slots(
    m: _Model,
    trips: list[TripSlot],
    parts: list[list[int]],
    k: int,
    v: Vehicle,
    count: int,
    n: cp_model.IntVar,
    link: dict[tuple[int, int, int], cp_model.IntVar],
    head: dict[tuple[int, int, int], cp_model.IntVar],
    tail: dict[tuple[int, int, int], cp_model.IntVar],
    start: list[cp_model.LinearExpr],
    end: list[cp_model.LinearExpr],
) -> None:
    """The kind's `count` vehicles where its paths run within two parts of the day (`_by_paths`):
    each morning path's first trip and each evening path's last trip take one vehicle r (at
    most one of each per vehicle), whose first departure `a` is at most the first's start and
    last return `b` at least the last's end, within `max_span_min`. Vehicles used are the first
    `n`, by their first departures (vehicles only in the evening last): every chaining numbers
    its vehicles so."""
    morning, evening = parts
    lo = min(trips[ti].depart + trips[ti].shift_lo for ti in morning)
    hi = max(trips[ti].ret + trips[ti].shift_hi for ti in evening)
    used = [m.new_bool_var(f"v{k}_{r}") for r in range(count)]
    a = [m.new_int_var(lo, hi, f"a{k}_{r}") for r in range(count)]
    b = [m.new_int_var(lo, hi, f"b{k}_{r}") for r in range(count)]
    for r in range(count):
        for i in morning:
            head[k, i, r] = m.new_bool_var(f"h{k}_{i}_{r}")
            m.add(a[r] <= start[i]).only_enforce_if(head[k, i, r])
        for j in evening:
            tail[k, j, r] = m.new_bool_var(f"t{k}_{j}_{r}")
            m.add(b[r] >= end[j]).only_enforce_if(tail[k, j, r])
        mine = [head[k, i, r] for i in morning] + [tail[k, j, r] for j in evening]
        m.add_at_most_one(head[k, i, r] for i in morning)
        m.add_at_most_one(tail[k, j, r] for j in evening)
        for lit in mine:
            m.add_implication(lit, used[r])
        m.add_bool_or(mine).only_enforce_if(used[r])
        m.add(b[r] - a[r] <= v.max_span_min)
        if r:
            m.add_implication(used[r], used[r - 1])
            m.add(a[r - 1] <= a[r])
    for i in morning:
        m.add(sum(head[k, i, r] for r in range(count)) == link[k, -1, i])
    for j in evening:
        m.add(sum(tail[k, j, r] for r in range(count)) == link[k, j, -1])
    m.add(sum(used) == n)


def _follows(trips: list[TripSlot], mine: list[int], turnaround_min: int) -> set[tuple[int, int]]:
    """The pairs (i, j) of `mine` where j can follow i on one vehicle at some slides."""
    return {
        (i, j)
        for i in mine
        for j in mine
        if i != j
        and trips[j].depart + trips[j].shift_hi >= trips[i].ret + trips[i].shift_lo + turnaround_min
    }


def _longest_path(
    trips: list[TripSlot], mine: list[int], after: set[tuple[int, int]]
) -> tuple[int, int, int]:
    """Upper bounds over the paths of `mine` along `after` (j may follow i): the most minutes on
    trips, the widest span (earliest departure to latest return, wherever trips slide) and the
    longest run without a sure pause of BREAK_MIN; a path may be no longer than these."""
    order = sorted(mine, key=lambda ti: (trips[ti].depart + trips[ti].shift_lo, ti))
    duty: dict[int, int] = {}
    lo: dict[int, int] = {}
    run: dict[int, int] = {}
    for j in order:
        q = trips[j]
        d, e, r = 0, q.depart + q.shift_lo, 0
        for i in order:
            if (i, j) not in after:
                continue
            if i not in duty:
                return (NO_LIMIT, NO_LIMIT, NO_LIMIT)  # a link against the order: no cheap bound
            p = trips[i]
            d, e = max(d, duty[i]), min(e, lo[i])
            if q.depart + q.shift_lo - (p.ret + p.shift_hi) < BREAK_MIN:
                r = max(r, run[i])
        duty[j], lo[j], run[j] = d + q.ret - q.depart, e, r + q.ret - q.depart
    span = max((trips[j].ret + trips[j].shift_hi - lo[j] for j in order), default=0)
    return (max(duty.values(), default=0), span, max(run.values(), default=0))


def _kinds(vehicles: list[Vehicle]) -> list[list[int]]:
    """The fleet's vehicles by kind (seats, costs, duty, driver's day: interchangeable in a
    chaining), as indices in the fleet's order, kinds in the order of their first vehicle."""
    out: dict[tuple[int, float, float, int, tuple[int, int]], list[int]] = {}
    for vi, v in enumerate(vehicles):
        kind = (
            v.seats,
            v.fixed_cost_eur_per_day,
            v.cost_eur_per_km,
            v.max_duty_min,
            v.drivers_day,
        )
        out.setdefault(kind, []).append(vi)
    return list(out.values())


def _by_kinds(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining | None:
    """The chaining with identical vehicles folded into kinds (`_Folded`), then split into
    vehicles (`_split`); None where the split breaks a vehicle's duty or day (the path model or
    the per-vehicle one decides there, `_chained`). The same levels as the per-vehicle model,
    proven in a model a fraction of its size with no permutations of equal vehicles to search
    through."""
    groups = _kinds(vehicles)
    reps = [vehicles[g[0]] for g in groups]
    # Everything the folded model reads (`_Folded.build`, the levels): equal keys, equal models.
    key = (
        tuple(trips),
        tuple(
            (
                len(g),
                v.max_duty_min,
                v.fixed_cost_eur_per_day,
                v.cost_eur_per_km,
                tuple(_can_run(v, t) for t in trips),
            )
            for v, g in zip(reps, groups, strict=True)
        ),
        turnaround_min,
        seed,
        deterministic_time,
    )
    made = _FOLDED.get(key)
    if made is None:
        made = _folded(trips, vehicles, groups, turnaround_min, seed, deterministic_time)
        _FOLDED.clear()
        if made[3]:  # proven: the same whatever the fallback (first fit on these vehicles)
            _FOLDED[key] = made
    on, shift, limit, optimal = made
    split = _split(trips, vehicles, groups, on, shift, turnaround_min, limit)
    if split is None:
        return None
    return Chaining(
        vehicle_of={
            t.key: (vehicles[split[ti]].id if ti in split else None) for ti, t in enumerate(trips)
        },
        shift={t.key: shift[ti] for ti, t in enumerate(trips)},
        vehicles_used=len(set(split.values())),
        optimal=optimal,
    )


# The last folded answer if proven: (trip -> kind, slides, vehicles used per kind, True). A
# chaining made again with drivers' hours (`_chain_trips`) asks the folded model the same
# question as the one without them wherever its limits leave every trip to the same kinds; only
# the split (`_split`, which checks each driver's day) differs.
_FOLDED: dict[Hashable, tuple[dict[int, int], list[int], list[int], bool]] = {}


def _folded(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    groups: list[list[int]],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> tuple[dict[int, int], list[int], list[int], bool]:
    """The folded model's answer (`_by_kinds`): trip -> kind, slides, vehicles used per kind,
    and whether every level is proven."""
    reps = [vehicles[g[0]] for g in groups]
    f = _Folded.build(trips, reps, [len(g) for g in groups], turnaround_min, leave=True)
    m, offset, moved, x, unassigned, n = f.m, f.offset, f.moved, f.x, f.unassigned, f.n
    levels = _kind_levels(trips, reps, unassigned, n, x, moved)
    kind_of = {vi: k for k, g in enumerate(groups) for vi in g}
    first_fit = _first_fit(trips, vehicles, turnaround_min, lambda ti, vi: (ti, kind_of[vi]) in x)
    fallback = {
        **{lit.index: int(kind_of.get(first_fit.get(ti, -1)) == k) for (ti, k), lit in x.items()},
        **{u.index: int(ti not in first_fit) for ti, u in enumerate(unassigned)},
        **{
            nk.index: len({vi for vi in first_fit.values() if kind_of[vi] == k})
            for k, nk in enumerate(n)
        },
        **{v.index: 0 for v in (*offset, *(a for _, a in moved))},
    }
    settle = [*x.values(), *unassigned, *n]
    value, optimal = _lexicographic(
        m, levels, seed, deterministic_time, fallback, settle, light=True
    )
    shift = [value[offset[ti].index] for ti in range(len(trips))]
    on = {ti: k for (ti, k), lit in x.items() if value[lit.index]}
    return on, shift, [value[nk.index] for nk in n], optimal


@dataclass(frozen=True, kw_only=True)
class _Folded:
    """A chaining with identical vehicles folded into kinds: each trip goes to a kind (or, if
    `leave`, to none), a kind's trips under way at any minute (turnaround included) are at most
    its vehicles used `n` (a cumulative per group of trips whose windows meet, `_apart`), and
    their time on trips at most n duties. Once the slides are fixed a kind's trips are
    intervals, and intervals at most n deep at every minute split into n vehicles (`_split`), so
    this is exact but for each vehicle's duty, which it only bounds in total. Redundant rows for
    the bound: the trips of a kind whose cores share a minute (`_core_cliques`) are at most its
    n (the crowd rows of `_crowds`, per kind)."""

    m: _Model
    offset: list[cp_model.IntVar]  # per trip
    moved: list[tuple[int, cp_model.IntVar]]  # |offset| as coefficient x variable (`_slides`)
    x: dict[tuple[int, int], cp_model.IntVar]  # (trip, kind): the trip runs on that kind
    unassigned: list[cp_model.IntVar]  # per trip if `leave`, else none
    n: list[cp_model.IntVar]  # vehicles used per kind, at most its count

    @staticmethod
    def build(
        trips: list[TripSlot],
        kinds: list[Vehicle],
        counts: list[int],
        turnaround_min: int,
        leave: bool,
    ) -> _Folded:
        m = _Model()
        offset, moved = _slides(m, trips)
        x, unassigned = _choices(m, trips, kinds, "x", leave=leave)
        n = [m.new_int_var(0, c, f"n{k}") for k, c in enumerate(counts)]
        for k, v in enumerate(kinds):
            mine = [(ti, x[ti, k]) for ti in range(len(trips)) if (ti, k) in x]
            intervals = _on_the_road(m, trips, offset, mine, turnaround_min, k)
            for part in _apart([trips[ti] for ti, _ in mine], turnaround_min):
                if counts[k] == 1:
                    m.add_no_overlap([intervals[j] for j in part])
                else:
                    m.add_cumulative([intervals[j] for j in part], [1] * len(part), n[k])
            m.add(_duty(trips, mine) <= v.max_duty_min * n[k])
            for members in _core_cliques([trips[ti] for ti, _ in mine], turnaround_min):
                m.add(sum(mine[j][1] for j in members) <= n[k])
        return _Folded(m=m, offset=offset, moved=moved, x=x, unassigned=unassigned, n=n)


def _apart(trips: list[TripSlot], turnaround_min: int) -> list[list[int]]:
    """The trips (indices) in groups whose windows (earliest departure to latest return plus
    the turnaround, wherever they slide) never meet another group's: one no-overlap or
    cumulative per group is the same constraint as one over all, and without presolve (`_solver`)
    nobody else splits it (the morning's and the evening's trips, mostly): ~4-6 % of the folded
    models' CPU on the recorded calls, every answer equal (benchmarks/RESULTS.md, session 17)."""
    spans = sorted(
        (t.depart + t.shift_lo, t.ret + t.shift_hi + turnaround_min, j) for j, t in enumerate(trips)
    )
    parts: list[list[int]] = []
    end = None
    for a, b, j in spans:
        if end is None or a >= end:
            parts.append([])
            end = b
        parts[-1].append(j)
        end = max(end, b)
    return [sorted(part) for part in parts]


def _split(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    groups: list[list[int]],
    on: dict[int, int],
    shift: list[int],
    turnaround_min: int,
    limit: list[int],
) -> dict[int, int] | None:
    """Each kind's trips (`on`: trip -> kind, at their slides) onto the first `limit[k]` of
    that kind's vehicles (`groups[k]`, in the fleet's order), trip -> vehicle: trips by start,
    each to the first vehicle free by then with room in its duty and its driver's day
    (`day_ok`). Without those limits this needs no more vehicles than trips are under way at
    once (interval colouring), which the folded model keeps within its count; where they get in
    the way, a second pass gives each trip to the free vehicle with the least time on trips so
    far. None if both passes run out of vehicles."""
    out: dict[int, int] = {}
    for k, group in enumerate(groups):
        mine = sorted(
            (ti for ti, kk in on.items() if kk == k),
            key=lambda ti: (trips[ti].depart + shift[ti], trips[ti].key),
        )
        mates = group[: limit[k]]
        for least in (False, True):
            free_at = dict.fromkeys(mates, -(10**9))
            spent = dict.fromkeys(mates, 0)
            spans: dict[int, list[tuple[int, int]]] = {vi: [] for vi in mates}
            got: dict[int, int] = {}
            for ti in mine:
                t = trips[ti]
                here = (t.depart + shift[ti], t.ret + shift[ti])
                free = [
                    vi
                    for vi in mates
                    if free_at[vi] <= t.depart + shift[ti]
                    and spent[vi] + t.ret - t.depart <= vehicles[vi].max_duty_min
                    and day_ok([*spans[vi], here], vehicles[vi])
                ]
                if not free:
                    break
                vi = min(free, key=lambda vi: spent[vi]) if least else free[0]
                got[ti] = vi
                free_at[vi] = t.ret + shift[ti] + turnaround_min
                spent[vi] += t.ret - t.depart
                spans[vi].append(here)
            else:
                out.update(got)
                break
        else:
            return None
    return out


def _core_cliques(trips: list[TripSlot], turnaround_min: int) -> list[list[int]]:
    """Maximal sets of trips (indices) whose cores share a minute (see `_crowds`)."""
    cores = [
        (t.depart + t.shift_hi, t.ret + turnaround_min + t.shift_lo, ti)
        for ti, t in enumerate(trips)
    ]
    seen: list[frozenset[int]] = []
    for start, _, _ in sorted(cores):
        here = frozenset(ti for a, b, ti in cores if a <= start < b)
        if here and not (seen and here <= seen[-1]):
            seen.append(here)
    return [sorted(here) for here in seen]


def _crowds(
    trips: list[TripSlot], vehicles: list[Vehicle], turnaround_min: int
) -> list[tuple[list[int], int]]:
    """Redundant rows for the riders-left bound: (trips, cap) where at most `cap` of those trips
    can have a vehicle. A trip's core is the time it covers wherever it slides within its slack
    ([depart + shift_hi, ret + turnaround + shift_lo)); a vehicle runs one trip at a time, so the
    trips whose cores share a minute and need at least s seats (more than the next smaller size)
    need as many vehicles of s seats or more. One row per maximal such set (interval cliques
    start at a core's start) that holds more trips than those vehicles; trips above the largest
    size are in none. Without slides, seat limits or duty limits these rows alone make the LP
    exact (a matrix of consecutive ones), which is what the no-overlap of each vehicle lacks;
    with them they only cut, never remove, a chaining."""
    seats = sorted({v.seats for v in vehicles})
    out: list[tuple[list[int], int]] = []
    for k, s in enumerate(seats):
        floor = seats[k - 1] if k else -1
        cap = sum(1 for v in vehicles if v.seats >= s)
        cores = [
            (t.depart + t.shift_hi, t.ret + turnaround_min + t.shift_lo, ti)
            for ti, t in enumerate(trips)
            if floor < t.load <= seats[-1]
        ]
        seen: list[frozenset[int]] = []
        for start, _, _ in sorted(cores):
            here = frozenset(ti for a, b, ti in cores if a <= start < b)
            if here and not (seen and here <= seen[-1]):
                seen.append(here)
        out += [(sorted(here), cap) for here in seen if len(here) > cap]
    return out


def _kind_levels(
    trips: Sequence[Any], reps: Sequence[Any], unassigned: Any, n: Any, x: Any, moved: Any
) -> list[Any]:
    """The folded models' levels, in order: riders left, vehicles' fixed cost per kind, km cost
    of each trip on its kind, minutes slid (`_by_kinds`, `_by_paths`)."""
    return [
        [(t.value or t.load, u) for t, u in zip(trips, unassigned, strict=True)],  # riders left
        [(round(v.fixed_cost_eur_per_day * 100), nk) for v, nk in zip(reps, n, strict=True)],
        [(_km_cost(trips[ti], reps[k]), lit) for (ti, k), lit in x.items()],  # km cost
        moved,  # minutes slid
    ]


def _first_fit(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    allowed: Callable[[int, int], bool],
    rank: Callable[[Vehicle, bool], tuple] = lambda v, used: (),
) -> dict[int, int]:
    """A feasible chaining without search, trip index -> vehicle index: trips by departure,
    each to the first vehicle it is `allowed` on, in the order `rank` gives (vehicle, already
    used; default: the fleet's order), whose duty, driver's day (`day_ok`) and earlier trips
    (turnaround included, no sliding) leave room; a trip no vehicle has room for is left out. What the exact model falls
    back to if its budget ends before it finds any solution, and the chainings tried at the
    bounds (`_built_at_bounds`)."""
    busy: dict[int, list[tuple[int, int]]] = {}
    duty: dict[int, int] = {}
    out: dict[int, int] = {}
    for ti in sorted(range(len(trips)), key=lambda k: (trips[k].depart, trips[k].key)):
        t = trips[ti]
        span = (t.depart, t.ret + turnaround_min)
        options = [vi for vi in range(len(vehicles)) if allowed(ti, vi)]
        for vi in sorted(options, key=lambda vi: rank(vehicles[vi], vi in busy)):
            if duty.get(vi, 0) + t.ret - t.depart > vehicles[vi].max_duty_min:
                continue
            if any(span[0] < b and a < span[1] for a, b in busy.get(vi, [])):
                continue
            day = [(a, b - turnaround_min) for a, b in busy.get(vi, [])]
            if not day_ok([*day, (t.depart, t.ret)], vehicles[vi]):
                continue
            busy.setdefault(vi, []).append(span)
            duty[vi] = duty.get(vi, 0) + t.ret - t.depart
            out[ti] = vi
            break
    return out


# Vehicle orders the constructive chainings try (`_built_at_bounds`): (vehicle, already used).
_ORDERS: tuple[Callable[[Vehicle, bool], tuple], ...] = (
    lambda v, used: (),  # the fleet's order
    lambda v, used: (not used, round(v.cost_eur_per_km * 100), v.fixed_cost_eur_per_day),
    lambda v, used: (round(v.cost_eur_per_km * 100), not used, v.fixed_cost_eur_per_day),
    lambda v, used: (not used, v.seats),
)
# Above this many vehicle multisets the fixed-cost bound is not enumerated (no shortcut).
_MAX_MIXES = 20_000


def _built_at_bounds(
    trips: list[TripSlot], vehicles: list[Vehicle], turnaround_min: int
) -> Chaining | None:
    """A chaining found without search that is provably what the exact model would reach on
    every level, or None. A few first-fit chainings (trips by departure at their natural times,
    each to the first vehicle in one of `_ORDERS` with seats, duty and time free) are compared
    with lower bounds: riders left 0 (every trip has a positive weight); fixed cost at least the
    cheapest set of vehicles with, for each seat size, as many vehicles of that size or more as
    trips needing it have cores sharing a minute (`_crowds`' cores: such trips overlap wherever
    they slide); km at least each trip on its cheapest allowed vehicle; minutes slid 0. The
    first lexicographically least chaining meeting all four is optimal (the model can do no
    better on any level) and is returned as proven. Ties between equally good chainings may be
    broken otherwise than CP-SAT would, and slides may be fewer than its tie-break's."""
    if any((t.value or t.load) <= 0 for t in trips):
        return None  # a trip worth nothing may be left to save km: riders left is no bound
    allowed = [{vi for vi, v in enumerate(vehicles) if _can_run(v, t)} for t in trips]
    if not all(allowed):
        return None
    floor = (0, _fixed_floor(trips, vehicles, turnaround_min), 0, 0)
    if floor[1] is None:
        return None
    km_floor = sum(
        min(_km_cost(t, vehicles[vi]) for vi in ok) for t, ok in zip(trips, allowed, strict=True)
    )
    for rank in _ORDERS:
        of = _first_fit(trips, vehicles, turnaround_min, lambda ti, vi: vi in allowed[ti], rank)
        if len(of) < len(trips):
            continue  # a trip left: riders left above 0
        used = set(of.values())
        fixed = sum(round(vehicles[vi].fixed_cost_eur_per_day * 100) for vi in used)
        km = sum(_km_cost(trips[ti], vehicles[vi]) for ti, vi in of.items())
        if fixed == floor[1] and km == km_floor:
            return Chaining(
                vehicle_of={trips[ti].key: vehicles[vi].id for ti, vi in of.items()},
                shift={t.key: 0 for t in trips},
                vehicles_used=len(used),
                optimal=True,
            )
    return None


def _fixed_floor(trips: list[TripSlot], vehicles: list[Vehicle], turnaround_min: int) -> int | None:
    """The least fixed cost (cents) of vehicles that can run every trip as far as their seats
    and the trips' cores allow (see `_built_at_bounds`); None if too many mixes to enumerate."""
    seats = sorted({v.seats for v in vehicles})
    need: dict[int, int] = {}
    for k, s in enumerate(seats):
        below = seats[k - 1] if k else -1
        cores = [
            (t.depart + t.shift_hi, t.ret + turnaround_min + t.shift_lo)
            for t in trips
            if t.load > below
        ]
        need[s] = max((sum(1 for a, b in cores if a <= x < b) for x, _ in cores), default=0)
    kinds: dict[tuple[int, int], int] = {}
    for v in vehicles:
        kind = (v.seats, round(v.fixed_cost_eur_per_day * 100))
        kinds[kind] = kinds.get(kind, 0) + 1
    mixes = 1
    for n in kinds.values():
        mixes *= n + 1
    if mixes > _MAX_MIXES:
        return None
    best: int | None = None
    for counts in product(*(range(n + 1) for n in kinds.values())):
        if all(
            sum(c for (size, _), c in zip(kinds, counts, strict=True) if size >= s) >= need[s]
            for s in seats
        ):
            cost = sum(cents * c for (_, cents), c in zip(kinds, counts, strict=True))
            best = cost if best is None else min(best, cost)
    return best


def _km_cost(t: TripSlot, v: Vehicle) -> int:
    return round(t.metres * v.cost_eur_per_km / 10)


def _lexicographic(
    m: cp_model.CpModel,
    levels: list[list[tuple[int, cp_model.IntVar]]],
    seed: int,
    deterministic_time: float,
    fallback: dict[int, int],
    settle: list[cp_model.IntVar] | None = None,
    light: bool = False,
) -> tuple[dict[int, int], bool]:
    """Minimise level 0, then level 1, ... exactly; returns the value of every variable (by
    index) and whether every step was proven optimal. `fallback` is a feasible solution (every
    variable of the levels and of the caller's reading): a step whose budget ends before it
    finds a solution keeps the last solution known (not optimal), so a short budget can cost
    quality, never the plan. A level's weight is one more than the largest value all later
    levels together can take (|coefficient| x the variable's largest |value|, summed: a proven
    bound), so one unit of an earlier level outweighs everything after it whatever the costs'
    scale (a bus priced in cents cannot leave riders behind). Levels share one weighted objective
    while it fits in int64; beyond that they are solved in turn, each fixing the value the one
    before reached. If the last level is solved alone and `settle` is given, those variables keep
    their values instead (the levels before are then fixed through them): the last level becomes
    a tie-break within the answer so far, a search far smaller than the whole model with a bound
    on every level (on the default season's chainings that search often ended on its budget
    without even a solution, 0.24 CPU s each). Its proof counts in the `bool` returned."""

    def top(x: cp_model.IntVar) -> int:  # the largest |value| the variable's domain allows
        d = x.domain  # (not m.proto.variables[i]: that copies the model's variables each time)
        return max(abs(d.min()), abs(d.max()))

    bounds = [sum(abs(c) * top(x) for c, x in level) for level in levels]
    solver = _solver(seed, deterministic_time, light)
    optimal, start, value = True, 0, dict(fallback)
    while start < len(levels):
        end = next(
            e
            for e in range(len(levels), start, -1)
            if e == start + 1 or _weighted_bound(bounds[start:e]) < INT_LIMIT
        )
        weights = _weights(bounds[start:end])
        m.minimize(
            cp_model.LinearExpr.weighted_sum(
                [x for level in levels[start:end] for _, x in level],
                [
                    w * c
                    for w, level in zip(weights, levels[start:end], strict=True)
                    for c, _ in level
                ],
            )
        )
        status = solver.solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            sol = list(solver.response_proto.solution)
            value = {i: sol[i] for i in value}
        elif status != cp_model.UNKNOWN:  # pragma: no cover - the fallback is a solution
            why = m.validate() if status == cp_model.MODEL_INVALID else ""
            raise RuntimeError(f"chaining: solver status {solver.status_name(status)} {why}")
        optimal = optimal and status == cp_model.OPTIMAL
        if settle and end == len(levels) - 1:
            # The last level alone: a tie-break with its givens kept (see the docstring).
            for x in settle:
                m.add(x == value[x.index])
        elif end < len(levels):  # keep what these levels reached while the next ones are solved
            for level in levels[start:end]:
                m.add(
                    cp_model.LinearExpr.weighted_sum([x for _, x in level], [c for c, _ in level])
                    <= sum(c * value[x.index] for c, x in level)
                )
        start = end
    return value, optimal


def _weights(bounds: list[int]) -> list[int]:
    """Weights that make the levels lexicographic: the last 1, each earlier one more than the
    bound of everything after it."""
    weights, below = [1] * len(bounds), 0
    for k in range(len(bounds) - 1, -1, -1):
        weights[k] = below + 1
        below += weights[k] * bounds[k]
    return weights


def _weighted_bound(bounds: list[int]) -> int:
    return sum(w * b for w, b in zip(_weights(bounds), bounds, strict=True))


def _solver(seed: int, deterministic_time: float, light: bool = False) -> cp_model.CpSolver:
    """One worker, a deterministic budget. `light` (the folded models, `_Folded`): no presolve.
    Those models are small and free of symmetry, and presolve took half their solve (its
    cumulative alone most of it) for no gain in the search once the slides' absolute values
    were terms (`_slides`): over `puglia-2027`'s 703 recorded folded calls
    (benchmarks/chaining_calls.py) no presolve cut their CPU by ~20 % against session 12's one
    presolve round without probing, every level and proof equal (benchmarks/RESULTS.md,
    session 17). The per-vehicle models keep the defaults: without presolve or probing they
    lost levels and proofs on the drivers'-hours days (there, and "The season towards 20 s")."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.catch_sigint_signal = False  # Ctrl-C belongs to the CLI
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    if light:
        solver.parameters.cp_model_presolve = False
    return solver


@dataclass(frozen=True, kw_only=True)
class Needed:
    """The vehicles the cheapest chaining needs when every vehicle kind is in unlimited supply."""

    vehicles: int  # vehicles of the best chaining found (the optimum's where `optimal`)
    optimal: bool  # the fixed cost proven least, and the count the fewest at that cost
    fixed_cents: int  # that chaining's fixed cost, cents a day
    # that chaining's vehicles: (kind, its trips' (start, end) at their slides), to check
    runs: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = ()


def vehicles_needed(
    trips: list[TripSlot],
    kinds: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
    hint: dict[str, tuple[int, str, int]] | None = None,
) -> Needed:
    """`chain_trips` with unlimited copies of each kind, as far as the vehicles it uses: the
    count of the cheapest chaining (riders first, then fixed cost, then the fewest vehicles at
    that cost: `_fewest_at_cost`) without solving its km and
    slide levels, in a model built to prove it fast. Exact, not a relaxation:

    - Riders: with unlimited copies every trip some kind can run has a copy of its own, so no
      such trip is left (fixed, not searched); trips no kind can run are left out, as there.
    - Copies: a count per kind (`_Folded`, the trips the kind can run at most), split into
      vehicles after (`_split`). Where that split breaks a duty, a model of numbered copies
      (`_needed_by_copies`) decides, as follows.
    - Numbered copies of kind k: at most the trips it can run; copies are used in order, and the r-th of
      the trips k can run (by departure) may take only copies 0..r (any chaining becomes one of
      these by numbering its vehicles in the order of their first trips): symmetry removed.
    - Redundant, for the bound: at any minute the trips under way (turnaround included) are at
      most the vehicles used, and those only one kind can run at most that kind's copies used
      (cumulative constraints).
    - The count: the fewest vehicles among the chainings of the least fixed cost, proven with it
      (where a fixed cost splits into vehicles several ways, 2 x 150 = 3 x 100, the count is
      part of the objective; the caller solves the full model only where nothing is proven).

    `hint`: trip key -> (kind index, vehicle label, slide) of a known chaining covering every
    trip some kind can run (the real fleet's, each trip it left on a vehicle of its own), given to
    the model of numbered copies as a solution hint once its vehicles are numbered as that model
    numbers copies (the folded model proves its count faster without it).
    Deterministic, so kept per process as chain_trips is (`_memo`)."""
    key = (
        "needed",
        tuple(trips),
        tuple(kinds),
        turnaround_min,
        seed,
        deterministic_time,
        tuple(hint.items()) if hint else None,
    )
    made = _memo(
        key, lambda: _vehicles_needed(trips, kinds, turnaround_min, seed, deterministic_time, hint)
    )
    assert isinstance(made, Needed)
    return made


def _vehicles_needed(
    trips: list[TripSlot],
    kinds: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
    hint: dict[str, tuple[int, str, int]] | None,
) -> Needed:
    """The count as before drivers' hours (`_unlimited` kinds) where its chaining keeps every
    driver's day, else the count with them (see the module docstring)."""
    free = _unlimited(kinds)
    made = _needed_fast(trips, free, turnaround_min, seed, deterministic_time, hint)
    if free == kinds or all(day_ok(list(spans), kinds[k]) for k, spans in made.runs):
        return made
    return _needed_fast(trips, kinds, turnaround_min, seed, deterministic_time, hint)


def _needed_fast(
    trips: list[TripSlot],
    kinds: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
    hint: dict[str, tuple[int, str, int]] | None,
) -> Needed:
    """The folded model (`_Folded`: a count per kind, no copies to tell apart), every trip some
    kind can run on one, the least fixed cost, then the fewest vehicles (`_fewest_at_cost`); its
    answer split into vehicles (`_split`). Where
    the split breaks a duty, the model with copies decides (`_needed_by_copies`)."""
    order = sorted(
        (ti for ti, t in enumerate(trips) if any(_can_run(v, t) for v in kinds)),
        key=lambda ti: (trips[ti].depart, trips[ti].key),
    )
    if not order:
        return Needed(vehicles=0, optimal=True, fixed_cents=0)
    mine = [trips[ti] for ti in order]
    fixed = [round(v.fixed_cost_eur_per_day * 100) for v in kinds]
    caps = [sum(1 for t in mine if _can_run(v, t)) for v in kinds]
    f = _Folded.build(mine, kinds, caps, turnaround_min, leave=False)
    f.m.minimize(cp_model.LinearExpr.weighted_sum(f.n, _fewest_at_cost(fixed, caps)))
    solver = _solver(seed, deterministic_time, light=True)
    status = solver.solve(f.m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # pragma: no cover - budget 0
        return _needed_by_copies(trips, kinds, turnaround_min, seed, deterministic_time, hint)
    shift = [solver.value(x) for x in f.offset]
    on = {ti: k for (ti, k), lit in f.x.items() if solver.value(lit)}
    spare = [kinds[k] for k, c in enumerate(caps) for _ in range(c)]
    groups, at = [], 0
    for c in caps:
        groups.append(list(range(at, at + c)))
        at += c
    limit = [solver.value(nk) for nk in f.n]
    split = _split(mine, spare, groups, on, shift, turnaround_min, limit)
    if split is None:
        return _needed_by_copies(trips, kinds, turnaround_min, seed, deterministic_time, hint)
    used = set(split.values())
    cents = sum(round(spare[vi].fixed_cost_eur_per_day * 100) for vi in used)
    kind_of = {vi: k for k, g in enumerate(groups) for vi in g}
    runs: dict[int, list[tuple[int, int]]] = {}
    for ti, vi in split.items():
        runs.setdefault(vi, []).append((mine[ti].depart + shift[ti], mine[ti].ret + shift[ti]))
    return Needed(
        vehicles=len(used),
        optimal=status == cp_model.OPTIMAL,
        fixed_cents=cents,
        runs=tuple((kind_of[vi], tuple(sorted(spans))) for vi, spans in sorted(runs.items())),
    )


def _needed_by_copies(
    trips: list[TripSlot],
    kinds: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
    hint: dict[str, tuple[int, str, int]] | None,
) -> Needed:
    fits = [[k for k, v in enumerate(kinds) if _can_run(v, t)] for t in trips]
    order = sorted(
        (ti for ti in range(len(trips)) if fits[ti]),
        key=lambda ti: (trips[ti].depart, trips[ti].key),
    )
    if not order:
        return Needed(vehicles=0, optimal=True, fixed_cents=0)
    m = _Model()
    offset = {
        ti: m.new_int_var(trips[ti].shift_lo, trips[ti].shift_hi, f"shift{ti}") for ti in order
    }
    span = {ti: trips[ti].ret - trips[ti].depart for ti in order}
    rank: dict[tuple[int, int], int] = {}  # (trip, kind) -> rank among the trips the kind runs
    for k in range(len(kinds)):
        for r, ti in enumerate(ti for ti in order if k in fits[ti]):
            rank[ti, k] = r
    fixed = [round(v.fixed_cost_eur_per_day * 100) for v in kinds]
    caps = [sum(1 for ti in order if k in fits[ti]) for k in range(len(kinds))]
    on: set[tuple[int, int, int]] = set()
    if hint and all(trips[ti].key in hint for ti in order):
        on = _copies(trips, order, rank, hint)
        if not _hint_feasible(trips, kinds, turnaround_min, on, hint):
            on = set()  # not a chaining: neither a hint nor a bound on the copies
    # Copies beyond what the hinted chaining's fixed cost pays for are never used by a cheaper one.
    top = list(caps)
    if on:
        cost = sum(fixed[k] for k, j in {(k, j) for _, k, j in on})
        top = [min(c, cost // f) if f > 0 else c for c, f in zip(caps, fixed, strict=True)]
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for ti in order:
        lits = []
        for k in fits[ti]:
            for j in range(min(rank[ti, k] + 1, top[k])):
                x[ti, k, j] = m.new_bool_var(f"x{ti}_{k}_{j}")
                lits.append(x[ti, k, j])
        m.add_exactly_one(lits)
    used: dict[tuple[int, int], cp_model.IntVar] = {}
    rules = _may_break([trips[ti] for ti in order], kinds, turnaround_min)
    shared = _DayVars(run={}, first={}, pause={})
    for k, v in enumerate(kinds):
        copies = top[k]
        for j in range(copies):
            mine = [(ti, x[ti, k, j]) for ti in order if (ti, k, j) in x]
            y = m.new_bool_var(f"used{k}_{j}")
            used[k, j] = y
            for _, lit in mine:
                m.add_implication(lit, y)
            m.add_bool_or([lit for _, lit in mine]).only_enforce_if(y)
            if j:
                m.add_implication(y, used[k, j - 1])
            m.add_no_overlap(
                [
                    m.new_optional_fixed_size_interval_var(
                        trips[ti].depart + offset[ti],
                        span[ti] + turnaround_min,
                        lit,
                        f"i{ti}_{k}_{j}",
                    )
                    for ti, lit in mine
                ]
            )
            m.add(sum(span[ti] * lit for ti, lit in mine) <= v.max_duty_min)
            if rules:
                _drivers_day(m, trips, offset, mine, v, turnaround_min, shared, f"{k}_{j}")
    whole = {
        ti: m.new_fixed_size_interval_var(
            trips[ti].depart + offset[ti], span[ti] + turnaround_min, f"w{ti}"
        )
        for ti in order
    }
    groups = [(order, list(used.values()))]  # all trips, all copies; then one kind's own
    for k in range(len(kinds)):
        only = [ti for ti in order if fits[ti] == [k]]
        if only:
            groups.append((only, [y for (kk, _), y in used.items() if kk == k]))
    counts = []
    for trips_in, ys in groups:
        n = m.new_int_var(0, len(ys), "")
        m.add(n == sum(ys))
        m.add_cumulative([whole[ti] for ti in trips_in], [1] * len(trips_in), n)
        counts.append((n, ys))
    weight = _fewest_at_cost(fixed, caps)
    m.minimize(sum(weight[k] * y for (k, _), y in used.items()))
    if on and hint:
        for key, lit in x.items():
            m.add_hint(lit, key in on)
        for (k, j), y in used.items():
            m.add_hint(y, any(kk == k and jj == j for _, kk, jj in on))
        for ti in order:
            m.add_hint(offset[ti], hint[trips[ti].key][2])
        copies_on = {(k, j) for _, k, j in on}
        for n, ys in counts:
            idx = {y.index for y in ys}
            m.add_hint(n, sum(1 for kj, y in used.items() if y.index in idx and kj in copies_on))
    solver = _solver(seed, deterministic_time)
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # pragma: no cover - budget 0
        return Needed(vehicles=len(order), optimal=False, fixed_cents=-1)
    n_used = sum(solver.value(y) for y in used.values())
    cents = sum(fixed[k] * solver.value(y) for (k, _), y in used.items())
    runs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (ti, k, j), lit in x.items():
        if solver.value(lit):
            dt = solver.value(offset[ti])
            runs.setdefault((k, j), []).append((trips[ti].depart + dt, trips[ti].ret + dt))
    return Needed(
        vehicles=n_used,
        optimal=status == cp_model.OPTIMAL,
        fixed_cents=cents,
        runs=tuple((k, tuple(sorted(spans))) for (k, _), spans in sorted(runs.items())),
    )


def _copies(
    trips: list[TripSlot],
    order: list[int],
    rank: dict[tuple[int, int], int],
    hint: dict[str, tuple[int, str, int]],
) -> set[tuple[int, int, int]]:
    """A hinted chaining as (trip, kind, copy): each kind's vehicles numbered in the order of
    their first trips' ranks, so the r-th trip sits on a copy <= r as the model requires."""
    groups: dict[tuple[int, str], list[int]] = {}
    for ti in order:
        k, label, _ = hint[trips[ti].key]
        groups.setdefault((k, label), []).append(ti)
    out: set[tuple[int, int, int]] = set()
    by_kind: dict[int, list[tuple[int, list[int]]]] = {}
    for (k, _), mine in groups.items():
        if any((ti, k) not in rank for ti in mine):
            return set()  # the hint puts a trip on a kind that cannot run it
        by_kind.setdefault(k, []).append((min(rank[ti, k] for ti in mine), mine))
    for k, vehicles in by_kind.items():
        for j, (_, mine) in enumerate(sorted(vehicles)):
            out |= {(ti, k, j) for ti in mine}
    return out


def _hint_feasible(
    trips: list[TripSlot],
    kinds: list[Vehicle],
    turnaround_min: int,
    on: set[tuple[int, int, int]],
    hint: dict[str, tuple[int, str, int]],
) -> bool:
    """Whether the hinted chaining keeps seats, slides, duty, driver's day and turnaround on
    every vehicle."""
    runs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for ti, k, j in on:
        t, dt = trips[ti], hint[trips[ti].key][2]
        if t.load > kinds[k].seats or not t.shift_lo <= dt <= t.shift_hi:
            return False
        runs.setdefault((k, j), []).append((t.depart + dt, t.ret + dt))
    for (k, _), spans in runs.items():
        spans.sort()
        if not day_ok(spans, kinds[k]):
            return False
        if any(b + turnaround_min > c for (_, b), (c, _) in zip(spans, spans[1:], strict=False)):
            return False
    return True


def _fewest_at_cost(fixed: list[int], caps: list[int]) -> list[int]:
    """Each kind's weight in the needed models' objective: its fixed cost first, then one per
    vehicle, so a fixed cost that several counts make (2 x 150 = 3 x 100) is made with the
    fewest, proven with the cost. Before, such a tie left the count unproven and the caller
    chained again on copies: 305 of the 392 shuttle CPU s of a 20,000-worker subset (session 13,
    helper P)."""
    scale = sum(caps) + 1  # more than any count: a cent of fixed cost outweighs every vehicle
    return [f * scale + 1 for f in fixed]
