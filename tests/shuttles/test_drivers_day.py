"""Drivers' hours in the chaining (review 14, finding 2): a vehicle's day is one driver's day,
first departure to last return within `max_span_min` and no run of trips longer than
`max_stretch_min` without a 45-minute pause. The CP-SAT models against an enumeration of every
chaining of small days; the folded model against the per-vehicle one; the vehicles needed; the
cheap bound that leaves the models as they were where the rules cannot bind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.report.driving import driver_day, limits_of
from foresterie.scenario.model import BREAK_MIN, Vehicle
from foresterie.shuttles.chaining import (
    Chaining,
    TripSlot,
    _by_kinds,
    _chain_trips,
    _kinds,
    _may_break,
    _needed_by_copies,
    _per_vehicle,
    _vehicles_needed,
    day_ok,
)
from foresterie.shuttles.routes import _context, _DayService, _fill_idle
from tests.helpers import farm, foresteria, matrix, scenario, vehicle, worker

TURN = 5
DAY = date(2026, 7, 6)
BUDGET = 20.0
CASES = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def slot(key: str, depart: int, ret: int, load: int = 5, lo: int = 0, hi: int = 0) -> TripSlot:
    return TripSlot(
        key=key, depart=depart, ret=ret, load=load, metres=10_000, shift_lo=lo, shift_hi=hi
    )


def driver(
    vid: str, span: int = 780, stretch: int = 270, duty: int = 1440, seats: int = 8
) -> Vehicle:
    return replace(
        vehicle(vid, "F", seats=seats, duty=duty), max_span_min=span, max_stretch_min=stretch
    )


def _hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def plain_day(spans: list[tuple[int, int]], v: Vehicle) -> bool:
    """The rule read here from its words: duty, spread, and every maximal run of trips with
    gaps under 45 minutes at most the stretch."""
    spans = sorted(spans)
    if sum(b - a for a, b in spans) > v.max_duty_min:
        return False
    if spans and spans[-1][1] - spans[0][0] > v.max_span_min:
        return False
    runs = [[spans[0]]] if spans else []
    for prev, here in zip(spans, spans[1:], strict=False):
        if here[0] - prev[1] < BREAK_MIN:
            runs[-1].append(here)
        else:
            runs.append([here])
    return all(sum(b - a for a, b in run) <= v.max_stretch_min for run in runs)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    raw=st.lists(st.tuples(st.integers(0, 900), st.integers(1, 200)), min_size=1, max_size=8),
    span=st.integers(60, 900),
    stretch=st.integers(30, 400),
    duty=st.integers(60, 900),
)
def test_the_day_is_read_as_the_driver_sheet_and_the_rule_read_plainly(
    raw: list[tuple[int, int]], span: int, stretch: int, duty: int
) -> None:
    # Non-overlapping trips (as a vehicle runs them): the chaining's test, the rule's words and
    # the driver sheet's warning agree.
    spans, t = [], 0
    for gap, length in raw:
        spans.append((t + gap, t + gap + length))
        t += gap + length
    v = driver("V", span=span, stretch=stretch, duty=duty)
    sheet = driver_day([(_hhmm(a), _hhmm(b)) for a, b in spans], limits_of(v))
    assert day_ok(spans, v) == plain_day(spans, v) == (not sheet.over)


def test_a_pause_of_45_minutes_ends_a_stretch_and_44_do_not() -> None:
    v = driver("V", stretch=150)
    assert day_ok([(300, 380), (425, 500)], v)  # 80 + 75 with a pause of 45 between
    assert not day_ok([(300, 380), (424, 500)], v)  # 44: one run of 156


def _fits(trips: tuple[TripSlot, ...], v: Vehicle) -> bool:
    """Some slides (each trip within its slack) run these trips on one vehicle: no overlap with
    turnaround, the driver's day kept."""
    if any(t.load > v.seats for t in trips):
        return False
    for shifts in product(*(range(t.shift_lo, t.shift_hi + 1) for t in trips)):
        spans = sorted((t.depart + s, t.ret + s) for t, s in zip(trips, shifts, strict=True))
        apart = all(b + TURN <= c for (_, b), (c, _) in zip(spans, spans[1:], strict=False))
        if apart and plain_day(spans, v):
            return True
    return False


def least_left(trips: list[TripSlot], fleet: list[Vehicle]) -> int:
    """The fewest riders left over every chaining, by enumeration."""
    fits = cache(_fits)
    best = sum(t.load for t in trips)
    for choice in product(range(len(fleet) + 1), repeat=len(trips)):
        left = sum(t.load for t, c in zip(trips, choice, strict=True) if c == len(fleet))
        if left >= best:
            continue
        if all(
            fits(tuple(t for t, c in zip(trips, choice, strict=True) if c == k), v)
            for k, v in enumerate(fleet)
        ):
            best = left
    return best


def kept(trips: list[TripSlot], fleet: list[Vehicle], r: Chaining) -> bool:
    """The answer is a chaining that keeps every vehicle's day (slides, seats, turnaround)."""
    by_id = {v.id: v for v in fleet}
    runs: dict[str, list[tuple[int, int]]] = {}
    for t in trips:
        assert t.shift_lo <= r.shift[t.key] <= t.shift_hi
        if (vid := r.vehicle_of[t.key]) is not None:
            assert by_id[vid].seats >= t.load
            runs.setdefault(vid, []).append((t.depart + r.shift[t.key], t.ret + r.shift[t.key]))
    for vid, spans in runs.items():
        spans.sort()
        assert all(b + TURN <= c for (_, b), (c, _) in zip(spans, spans[1:], strict=False))
        if not plain_day(spans, by_id[vid]):
            return False
    return True


@st.composite
def long_days(draw: st.DrawFn) -> tuple[list[TripSlot], list[Vehicle]]:
    """Up to five trips over a long day, some with a few minutes of slack, and two or three
    vehicles whose spans and stretches bind."""
    trips = []
    for k in range(draw(st.integers(2, 5))):
        d = draw(st.integers(0, 60)) * 10
        length = draw(st.integers(6, 18)) * 5
        lo, hi = draw(st.sampled_from([(0, 0), (0, 0), (-3, 0), (0, 4), (-2, 2)]))
        trips.append(slot(f"T{k}", d, d + length, draw(st.sampled_from([3, 5, 8])), lo, hi))
    span = draw(st.sampled_from([180, 300, 420]))
    stretch = draw(st.sampled_from([90, 150, 200]))
    fleet = [driver(f"V{j}", span=span, stretch=stretch) for j in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        fleet.append(driver("W", span=draw(st.sampled_from([240, 600])), stretch=120, seats=5))
    return trips, fleet


@CASES
@given(day=long_days())
def test_the_per_vehicle_model_leaves_exactly_the_riders_every_chaining_must(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    # Exact, not a sufficient form: the least riders left under the rules, as enumerated, and
    # every vehicle's day within them; the whole chaining (shortcut, folded, per vehicle) too.
    trips, fleet = day
    r = _per_vehicle(trips, fleet, TURN, 1, BUDGET)
    assert r.optimal and kept(trips, fleet, r)
    left = sum(t.load for t in trips if r.vehicle_of[t.key] is None)
    assert left == least_left(trips, fleet)
    whole = _chain_trips(trips, fleet, TURN, 1, BUDGET)
    assert whole.optimal and kept(trips, fleet, whole)
    assert sum(t.load for t in trips if whole.vehicle_of[t.key] is None) == left


@CASES
@given(day=long_days())
def test_where_the_bound_says_no_chaining_breaks_a_day_none_does(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    # `_may_break` False: the least riders left is the same with the rules as without them,
    # and so every chaining the models may choose keeps them (the models are left as they were).
    trips, fleet = day
    if _may_break(trips, fleet, TURN):
        return
    for v in fleet:
        free = replace(v, max_span_min=1440, max_stretch_min=1440)
        for some in product([False, True], repeat=len(trips)):
            mine = tuple(t for t, on in zip(trips, some, strict=True) if on)
            assert _fits(mine, free) == _fits(mine, v)


@CASES
@given(day=long_days())
def test_the_folded_model_and_the_per_vehicle_model_agree_under_the_rules(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    trips, fleet = day
    per_vehicle = _per_vehicle(trips, fleet, TURN, 1, BUDGET)
    folded = _by_kinds(trips, fleet, TURN, 1, BUDGET)
    by_id = {v.id: v for v in fleet}

    def levels(r: Chaining) -> tuple[int, int, int]:
        on = [(t, by_id[v]) for t in trips if (v := r.vehicle_of[t.key])]
        left = sum(t.load for t in trips if not r.vehicle_of[t.key])
        fixed = sum(round(by_id[v].fixed_cost_eur_per_day * 100) for v in {v.id for _, v in on})
        km = sum(round(t.metres * v.cost_eur_per_km / 10) for t, v in on)
        return left, fixed, km

    if folded is None:  # no split keeps every day: the path or the per-vehicle model decides
        whole = _chain_trips(trips, fleet, TURN, 1, BUDGET)
        assert whole.optimal and kept(trips, fleet, whole)
        assert levels(whole) == levels(per_vehicle)
        return
    assert folded.optimal and kept(trips, fleet, folded)
    assert levels(folded) == levels(per_vehicle)


@CASES
@given(day=long_days())
def test_the_vehicles_needed_models_agree_under_the_rules(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    trips, fleet = day
    kinds = [fleet[g[0]] for g in _kinds(fleet)]
    folded = _vehicles_needed(trips, kinds, TURN, 1, BUDGET, None)
    copies = _needed_by_copies(trips, kinds, TURN, 1, BUDGET, None)
    assert (folded.fixed_cents, folded.vehicles) == (copies.fixed_cents, copies.vehicles)


def test_the_vehicles_needed_count_a_second_driver_where_a_day_spans_too_long() -> None:
    # A morning at 05:00 and an evening back at 19:40: one vehicle runs both as far as overlap
    # and duty go, not one driver (14 h 40 from first departure to last return).
    trips = [slot("M", 300, 370), slot("E", 1110, 1180)]
    one = driver("B", span=780)
    assert _vehicles_needed(trips, [one], TURN, 1, BUDGET, None).vehicles == 2
    assert _needed_by_copies(trips, [one], TURN, 1, BUDGET, None).vehicles == 2
    shifts = replace(one, max_span_min=1440)  # two drivers in shifts: the scenario raises it
    assert _vehicles_needed(trips, [shifts], TURN, 1, BUDGET, None).vehicles == 1
    r = _chain_trips(trips, [one, replace(one, id="B2")], TURN, 1, BUDGET)
    assert r.optimal and r.vehicles_used == 2


def test_six_trips_back_to_back_take_a_break_or_a_second_vehicle() -> None:
    # Review 14's morning: six trips of 73 min, 5 minutes apart. One driver stops after three
    # (219 min); the fourth goes to the second bus, or waits 45 minutes if its slack allows.
    trips = [slot(f"T{k}", 165 + 78 * k, 165 + 78 * k + 73, load=20) for k in range(6)]
    bus = driver("B1", seats=28)
    one = _chain_trips(trips, [bus], TURN, 1, BUDGET)
    assert one.optimal and kept(trips, [bus], one)
    assert sum(1 for t in trips if one.vehicle_of[t.key]) == 5  # two runs of 3 and 2 with a pause
    two = _chain_trips(trips, [bus, replace(bus, id="B2")], TURN, 1, BUDGET)
    assert (
        two.optimal
        and kept(trips, [bus, replace(bus, id="B2")], two)
        and all(two.vehicle_of.values())
    )


def test_the_idle_vehicle_fill_adds_no_pair_beyond_a_drivers_span() -> None:
    # A farm from 03:30 to 14:00, 25 min away, and an idle bus: its own round trip leaves before
    # 03:30 and is back after 14:00, more than 10 h apart. A driver's day of 13 h holds it; one
    # of 10 h does not, and the fill leaves the riders behind rather than break it.
    ws = [worker(f"W{i}", "2026-07-06", "2026-07-07", farm_id="F1") for i in range(20)]
    f1 = farm("F1", "03:30", "14:00")
    reach = {("A", "F1"): [w.id for w in ws]}
    empty = _DayService(trips=[], seats={}, lost={}, needed=0, needed_proven=True, optimal=True)
    seated = {}
    for span in (780, 600):
        fleet = [replace(driver("B1", span=span, duty=540, seats=28), foresteria_id="A")]
        sc = scenario([foresteria("A", men=99)], [f1], ws, fleet)
        ctx = _context(sc, matrix({("A", "F1"): 25}, ["A", "F1"]))
        filled = _fill_idle(ctx, DAY, "A", empty, reach, fleet)
        seated[span] = filled.seats.get(("A", "F1"), 0)
        spans = [(t.depart, t.ret) for t in filled.trips]
        assert day_ok(spans, fleet[0])
    assert seated == {780: 20, 600: 0}
