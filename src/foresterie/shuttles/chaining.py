"""Trip chaining: give each day's trips to real vehicles so the fewest vehicles run them all.

An exact assignment (CP-SAT): every trip goes to one vehicle with enough seats, a vehicle's trips
never overlap (turnaround included), its time on trips stays within its duty limit; a trip may
slide within the slack its time windows leave. Minimise riders left without a vehicle, then
fixed costs of the vehicles used, then km costs, then minutes slid.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from foresterie.scenario.model import Vehicle

# CP-SAT objectives are int64, and its presolve may scale them up (it refused a weighted sum of
# ~1.2e18 as "possible integer overflow"): one objective holds levels while their bound stays
# below 2^50; beyond that, levels are solved in turn.
INT_LIMIT = 2**50


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


@dataclass(frozen=True, kw_only=True)
class Chaining:
    vehicle_of: dict[str, str | None]
    shift: dict[str, int]
    vehicles_used: int
    optimal: bool


def chain_trips(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    seed: int,
    deterministic_time: float,
) -> Chaining:
    if not trips:
        return Chaining(vehicle_of={}, shift={}, vehicles_used=0, optimal=True)
    m = cp_model.CpModel()
    offset = [m.new_int_var(t.shift_lo, t.shift_hi, f"shift{ti}") for ti, t in enumerate(trips)]
    moved = []
    for ti, t in enumerate(trips):
        a_off = m.new_int_var(0, max(-t.shift_lo, t.shift_hi), f"abs{ti}")
        m.add_abs_equality(a_off, offset[ti])
        moved.append(a_off)
    a: dict[tuple[int, int], cp_model.IntVar] = {}
    unassigned = []
    for ti, t in enumerate(trips):
        opts = []
        for vi, v in enumerate(vehicles):
            if v.seats >= t.load and t.ret - t.depart <= v.max_duty_min:
                a[ti, vi] = m.new_bool_var(f"a{ti}_{vi}")
                opts.append(a[ti, vi])
        u = m.new_bool_var(f"u{ti}")
        unassigned.append(u)
        m.add_exactly_one([*opts, u])
    used: list[cp_model.IntVar] = []
    used_by: dict[int, cp_model.IntVar] = {}
    fixed_terms: list[tuple[int, cp_model.IntVar]] = []
    km_terms: list[tuple[int, cp_model.IntVar]] = []
    for vi, v in enumerate(vehicles):
        mine = [(ti, a[ti, vi]) for ti in range(len(trips)) if (ti, vi) in a]
        if not mine:
            continue
        y = m.new_bool_var(f"used{vi}")
        used.append(y)
        used_by[vi] = y
        for _, lit in mine:
            m.add_implication(lit, y)
        intervals = [
            m.new_optional_fixed_size_interval_var(
                trips[ti].depart + offset[ti],
                trips[ti].ret - trips[ti].depart + turnaround_min,
                lit,
                f"i{ti}_{vi}",
            )
            for ti, lit in mine
        ]
        m.add_no_overlap(intervals)
        m.add(sum((trips[ti].ret - trips[ti].depart) * lit for ti, lit in mine) <= v.max_duty_min)
        fixed_terms.append((round(v.fixed_cost_eur_per_day * 100), y))
        km_terms += [(_km_cost(trips[ti], v), lit) for ti, lit in mine]
    levels = [
        [(t.load, u) for t, u in zip(trips, unassigned, strict=True)],  # riders left behind
        fixed_terms,  # cents of fixed cost of the vehicles used
        km_terms,  # cents of km cost
        [(1, a_off) for a_off in moved],  # minutes slid: keep trips at their natural times
    ]
    first_fit = _first_fit(trips, vehicles, turnaround_min, a)
    fallback = {
        **{lit.index: int((ti, vi) in first_fit) for (ti, vi), lit in a.items()},
        **{
            u.index: int(all((ti, vi) not in first_fit for vi in range(len(vehicles))))
            for ti, u in enumerate(unassigned)
        },
        **{y.index: int(any(v == vi for _, v in first_fit)) for vi, y in used_by.items()},
        **{x.index: 0 for x in (*offset, *moved)},
    }
    value, optimal = _lexicographic(m, levels, seed, deterministic_time, fallback)
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


def _first_fit(
    trips: list[TripSlot],
    vehicles: list[Vehicle],
    turnaround_min: int,
    allowed: dict[tuple[int, int], cp_model.IntVar],
) -> set[tuple[int, int]]:
    """A feasible chaining without search: trips by departure, each to the first vehicle it is
    allowed on whose duty and earlier trips (turnaround included, no sliding) leave room. What
    the exact model falls back to if its budget ends before it finds any solution."""
    busy: dict[int, list[tuple[int, int]]] = {}
    duty: dict[int, int] = {}
    out: set[tuple[int, int]] = set()
    for ti in sorted(range(len(trips)), key=lambda k: (trips[k].depart, trips[k].key)):
        t = trips[ti]
        span = (t.depart, t.ret + turnaround_min)
        for vi, v in enumerate(vehicles):
            if (ti, vi) not in allowed or duty.get(vi, 0) + t.ret - t.depart > v.max_duty_min:
                continue
            if any(span[0] < b and a < span[1] for a, b in busy.get(vi, [])):
                continue
            busy.setdefault(vi, []).append(span)
            duty[vi] = duty.get(vi, 0) + t.ret - t.depart
            out.add((ti, vi))
            break
    return out


def _km_cost(t: TripSlot, v: Vehicle) -> int:
    return round(t.metres * v.cost_eur_per_km / 10)


def _lexicographic(
    m: cp_model.CpModel,
    levels: list[list[tuple[int, cp_model.IntVar]]],
    seed: int,
    deterministic_time: float,
    fallback: dict[int, int],
) -> tuple[dict[int, int], bool]:
    """Minimise level 0, then level 1, ... exactly; returns the value of every variable (by
    index) and whether every step was proven optimal. `fallback` is a feasible solution (every
    variable of the levels and of the caller's reading): a step whose budget ends before it
    finds a solution keeps the last solution known (not optimal), so a short budget can cost
    quality, never the plan. A level's weight is one more than the largest value all later levels
    together can take (|coefficient| x the variable's largest |value|, summed: a proven bound), so one unit of an earlier level
    outweighs everything after it whatever the costs' scale (a bus priced in cents cannot leave
    riders behind). Levels share one weighted objective while it fits in int64; beyond that they
    are solved in turn, each fixing the value the one before reached."""

    def top(x: cp_model.IntVar) -> int:  # the largest |value| the variable's domain allows
        return max(abs(d) for d in m.proto.variables[x.index].domain)

    bounds = [sum(abs(c) * top(x) for c, x in level) for level in levels]
    solver = _solver(seed, deterministic_time)
    optimal, start, value = True, 0, dict(fallback)
    while start < len(levels):
        end = next(
            e
            for e in range(len(levels), start, -1)
            if e == start + 1 or _weighted_bound(bounds[start:e]) < INT_LIMIT
        )
        weights = _weights(bounds[start:end])
        m.minimize(
            sum(
                w * c * x
                for w, level in zip(weights, levels[start:end], strict=True)
                for c, x in level
            )
        )
        status = solver.solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            sol = solver.response_proto.solution
            value = {i: sol[i] for i in value}
        elif status != cp_model.UNKNOWN:  # pragma: no cover - the fallback is a solution
            why = m.validate() if status == cp_model.MODEL_INVALID else ""
            raise RuntimeError(f"chaining: solver status {solver.status_name(status)} {why}")
        optimal = optimal and status == cp_model.OPTIMAL
        if end < len(levels):  # keep what these levels reached while the next ones are solved
            for level in levels[start:end]:
                m.add(sum(c * x for c, x in level) <= sum(c * value[x.index] for c, x in level))
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


def _solver(seed: int, deterministic_time: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.catch_sigint_signal = False  # Ctrl-C belongs to the CLI
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    return solver
