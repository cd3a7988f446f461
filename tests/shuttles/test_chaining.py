"""Trip chaining (an exact CP-SAT assignment) on cases small enough to solve by hand."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from foresterie.scenario.model import Vehicle
from foresterie.shuttles import chaining
from foresterie.shuttles.chaining import (
    Chaining,
    Needed,
    TripSlot,
    _built_at_bounds,
    _chain_trips,
    _crowds,
    _fixed_floor,
    _hint_feasible,
    _memo,
    _per_vehicle,
    chain_trips,
    vehicles_needed,
)
from tests.helpers import vehicle

TURNAROUND = 5


def slot(key: str, depart: int, ret: int, load: int, lo: int = 0, hi: int = 0) -> TripSlot:
    return TripSlot(
        key=key, depart=depart, ret=ret, load=load, metres=10_000, shift_lo=lo, shift_hi=hi
    )


def chain(trips: list[TripSlot], fleet: list[Vehicle]) -> Chaining:
    return chain_trips(trips, fleet, TURNAROUND, seed=1, deterministic_time=5.0)


def test_back_to_back_trips_share_a_van_and_the_big_load_takes_the_bus() -> None:
    # A ends at 07:00; with 5 min turnaround the van is free at 07:05, when B leaves. C carries
    # 20 people, more than the van's 9 seats, and overlaps both: only the bus can run it.
    trips = [slot("A", 360, 420, 8), slot("B", 425, 480, 8), slot("C", 400, 460, 20)]
    fleet = [vehicle("VAN", "F", seats=9, fixed=100), vehicle("BUS", "F", seats=28, fixed=300)]
    r = chain(trips, fleet)
    assert r.vehicle_of == {"A": "VAN", "B": "VAN", "C": "BUS"}
    assert r.vehicles_used == 2 and r.optimal
    assert r.shift == {"A": 0, "B": 0, "C": 0}


def test_a_trip_slides_within_its_slack_by_the_least_minutes_to_save_a_vehicle() -> None:
    # B would leave when A returns, 5 min too early for the turnaround; it may leave up to 10 min
    # later. One van and a 5-min slide beat a second van.
    trips = [slot("A", 360, 420, 6), slot("B", 420, 470, 6, lo=0, hi=10)]
    fleet = [vehicle("V1", "F", seats=9), vehicle("V2", "F", seats=9)]
    r = chain(trips, fleet)
    assert r.vehicles_used == 1 and r.optimal
    assert r.vehicle_of["A"] == r.vehicle_of["B"]
    assert r.shift == {"A": 0, "B": 5}


def test_without_slack_the_same_two_trips_need_two_vehicles() -> None:
    trips = [slot("A", 360, 420, 6), slot("B", 420, 470, 6)]
    r = chain(trips, [vehicle("V1", "F", seats=9), vehicle("V2", "F", seats=9)])
    assert r.vehicles_used == 2 and r.vehicle_of["A"] != r.vehicle_of["B"]


def test_duty_limit_leaves_the_smaller_load_without_a_vehicle() -> None:
    # One van with 100 min of duty cannot run two 60-min trips; riders come first, so the trip
    # with 7 people runs and the one with 3 is left.
    trips = [slot("A", 360, 420, 3), slot("B", 500, 560, 7)]
    r = chain(trips, [vehicle("V1", "F", seats=9, duty=100)])
    assert r.vehicle_of == {"A": None, "B": "V1"}
    assert r.vehicles_used == 1 and r.optimal


def test_the_cheaper_vehicle_runs_a_lone_trip() -> None:
    trips = [slot("A", 360, 420, 5)]
    fleet = [vehicle("DEAR", "F", seats=9, fixed=80), vehicle("CHEAP", "F", seats=9, fixed=50)]
    assert chain(trips, fleet).vehicle_of == {"A": "CHEAP"}


def test_no_vehicle_has_the_seats() -> None:
    r = chain([slot("A", 360, 420, 12)], [vehicle("VAN", "F", seats=9)])
    assert r.vehicle_of == {"A": None} and r.vehicles_used == 0


def test_a_budget_too_short_to_find_any_solution_still_gives_a_valid_chaining() -> None:
    # 60 trips of 90 min spread over the day on 12 vans with 300 min of duty: with no budget at
    # all CP-SAT finds nothing; the chaining falls back to first fit (not optimal, never a crash)
    # and every vehicle's trips still respect seats, duty and turnaround.
    trips = [slot(f"T{k:02d}", 300 + 13 * k, 390 + 13 * k, 1 + k % 9) for k in range(60)]
    fleet = [vehicle(f"V{k:02d}", "F", seats=9, duty=300) for k in range(12)]
    r = chain_trips(trips, fleet, TURNAROUND, seed=1, deterministic_time=0.0)
    assert not r.optimal
    served = [t for t in trips if r.vehicle_of[t.key]]
    assert served  # first fit runs at least the first trip of every van
    by_vehicle: dict[str, list[TripSlot]] = {}
    for t in served:
        by_vehicle.setdefault(str(r.vehicle_of[t.key]), []).append(t)
    for mine in by_vehicle.values():
        mine.sort(key=lambda t: t.depart)
        assert sum(t.ret - t.depart for t in mine) <= 300
        for a, b in zip(mine, mine[1:], strict=False):
            assert a.ret + TURNAROUND <= b.depart
    assert r.vehicles_used == len(by_vehicle)
    full = chain_trips(trips, fleet, TURNAROUND, seed=1, deterministic_time=5.0)
    unserved = sum(t.load for t in trips if not r.vehicle_of[t.key])
    assert sum(t.load for t in trips if not full.vehicle_of[t.key]) <= unserved


def test_levels_whose_weighted_sum_would_overflow_cp_sat_are_solved_in_turn() -> None:
    # 120 trips that may slide by up to half an hour, 20 vehicles at real costs: one weighted
    # objective over all levels reached ~1.2e18, which CP-SAT's presolve refused as a possible
    # integer overflow (MODEL_INVALID). The levels are now split below 2^50; the chaining works.
    rng = random.Random(2)
    trips = []
    for k in range(120):
        d, span = rng.randrange(200, 900), rng.randrange(40, 180)
        trips.append(
            TripSlot(
                key=f"T{k}",
                depart=d,
                ret=d + span,
                load=rng.randrange(1, 28),
                metres=rng.randrange(5000, 150000),
                shift_lo=-rng.randrange(0, 30),
                shift_hi=rng.randrange(0, 30),
            )
        )
    fleet = [
        vehicle(
            f"V{k}",
            "F",
            seats=rng.choice([8, 28]),
            fixed=rng.choice([90.0, 115.0]),
            per_km=rng.choice([0.35, 0.7]),
        )
        for k in range(20)
    ]
    r = chain_trips(trips, fleet, TURNAROUND, seed=1, deterministic_time=0.1)
    seats = {v.id: v.seats for v in fleet}
    for t in trips:
        v = r.vehicle_of[t.key]
        assert v is None or seats[v] >= t.load
        assert t.shift_lo <= r.shift[t.key] <= t.shift_hi
    assert r.vehicles_used == len({v for v in r.vehicle_of.values() if v})


def test_minutes_slid_solved_alone_are_the_least_for_the_vehicles_chosen(monkeypatch) -> None:
    # With every level solved in turn (as on large days, where the weights would overflow), the
    # last level (minutes slid) is a tie-break solved with the vehicles already chosen: A and B
    # share the van, so B slides by exactly the 5 min its turnaround needs (the first solve,
    # blind to minutes, may leave it anywhere up to 30), and the answer is proven.
    monkeypatch.setattr(chaining, "INT_LIMIT", 1)
    trips = [slot("A", 360, 420, 6), slot("B", 420, 470, 6, lo=0, hi=30)]
    r = chain_trips(
        trips, [vehicle("V1", "F", seats=9)], TURNAROUND, seed=1, deterministic_time=5.0
    )
    assert r.vehicle_of == {"A": "V1", "B": "V1"}
    assert r.shift == {"A": 0, "B": 5} and r.optimal
    # The same with a choice of vehicles: the cheaper runs both, the slide is the least again.
    fleet = [vehicle("DEAR", "F", seats=9, fixed=80), vehicle("CHEAP", "F", seats=9, fixed=50)]
    r = chain_trips(trips, fleet, TURNAROUND, seed=1, deterministic_time=5.0)
    assert r.vehicle_of == {"A": "CHEAP", "B": "CHEAP"}
    assert r.shift == {"A": 0, "B": 5} and r.optimal


def unlimited(trips: list[TripSlot], kinds: list[Vehicle]) -> Chaining:
    """The reference: the full chaining with one copy of each kind per trip."""
    spare = [replace(v, id=f"{v.id}#{k}") for v in kinds for k in range(len(trips))]
    return chain_trips(trips, spare, TURNAROUND, seed=1, deterministic_time=5.0)


def test_trips_under_way_at_one_minute_need_as_many_vehicles_of_their_size() -> None:
    # One bus (28 seats), two vans (9). A and B carry 20 (bus only) and overlap from 120 to
    # 205: one of them at most gets a vehicle. C, E, F and G (5 each) are under way with A and B
    # at 150-160: five trips, three vehicles. H slides by up to 200 minutes: wherever it goes, it
    # covers no fixed minute (its core is empty), so it is in no row.
    trips = [slot("A", 100, 200, 20), slot("B", 120, 220, 20), slot("C", 150, 250, 5)]
    trips += [slot("E", 140, 170, 5), slot("F", 110, 160, 5), slot("G", 100, 300, 5)]
    trips.append(slot("H", 100, 180, 5, lo=-100, hi=100))
    fleet = [
        vehicle("BUS", "F", seats=28),
        vehicle("V1", "F", seats=9),
        vehicle("V2", "F", seats=9),
    ]
    rows = {
        (tuple(trips[i].key for i in members), cap) for members, cap in _crowds(trips, fleet, 5)
    }
    assert (("A", "B"), 1) in rows
    assert (("A", "B", "C", "E", "F", "G"), 3) in rows
    assert all("H" not in keys for keys, _ in rows)
    r = chain(trips, fleet)
    assert r.optimal and sum(1 for k in ("A", "B") if r.vehicle_of[k]) == 1


def test_the_crowd_rows_never_cut_off_the_best_chaining(monkeypatch) -> None:
    # Random days with slides, duty limits and two sizes of vehicle, solved to proof with and
    # without the redundant rows: riders left, fixed cost and km are the same.
    crowded = 0
    for day in range(8):
        rng = random.Random(100 + day)
        trips = []
        for k in range(rng.randrange(6, 13)):
            d, span = rng.randrange(300, 700), rng.randrange(40, 200)
            lo, hi = -rng.randrange(0, 30), rng.randrange(0, 30)
            trips.append(slot(f"T{k}", d, d + span, rng.randrange(1, 29), lo, hi))
        fleet = [vehicle("BUS", "F", seats=28, fixed=115.0, per_km=0.7, duty=300)]
        fleet += [vehicle(f"V{k}", "F", seats=9, fixed=90.0, per_km=0.35, duty=240) for k in (1, 2)]
        crowded += len(_crowds(trips, fleet, TURNAROUND))
        cut = _per_vehicle(trips, fleet, TURNAROUND, 1, 10.0)  # the model the rows are in
        with monkeypatch.context() as mp:
            mp.setattr(chaining, "_crowds", lambda *a: [])
            plain = _per_vehicle(trips, fleet, TURNAROUND, 1, 10.0)
        assert cut.optimal and plain.optimal, day
        assert levels(trips, fleet, cut) == levels(trips, fleet, plain), day
    assert crowded  # the days are crowded enough for rows to exist


def levels(trips: list[TripSlot], fleet: list[Vehicle], r: Chaining) -> tuple[int, int, int]:
    by_id = {v.id: v for v in fleet}
    on = [(t, by_id[v]) for t in trips if (v := r.vehicle_of[t.key])]
    left = sum(t.load for t in trips if not r.vehicle_of[t.key])
    fixed = sum(round(by_id[v].fixed_cost_eur_per_day * 100) for v in {v.id for _, v in on})
    return left, fixed, sum(chaining._km_cost(t, v) for t, v in on)


def test_a_day_first_fit_runs_at_every_bound_is_proven_without_the_model(monkeypatch) -> None:
    # Two vans' worth of work: A and C overlap, B follows A after the turnaround. Two vans are
    # the fewest (A and C share minutes), every trip is on a van (the cheapest per km), nothing
    # slides: first fit meets every bound, so the model is never built.
    trips = [slot("A", 360, 420, 6), slot("B", 425, 480, 5), slot("C", 400, 460, 7)]
    fleet = [vehicle(f"V{k}", "F", seats=9, fixed=90.0, per_km=0.35) for k in range(3)]
    fleet.append(vehicle("BUS", "F", seats=28, fixed=115.0, per_km=0.7))
    monkeypatch.setattr(chaining, "_lexicographic", lambda *a: pytest.fail("model solved"))
    r = _chain_trips(trips, fleet, TURNAROUND, 1, 5.0)
    assert r.optimal and r.vehicles_used == 2
    assert r.vehicle_of == {"A": "V0", "B": "V0", "C": "V1"}
    assert r.shift == {"A": 0, "B": 0, "C": 0}
    assert _fixed_floor(trips, fleet, TURNAROUND) == 2 * 9000


def test_a_day_that_needs_a_slide_or_leaves_riders_goes_to_the_model() -> None:
    # B must slide 5 min to share A's van: first fit (no slides) takes a second van, above the
    # one-van floor (their cores do not meet). A trip too big for the fleet, or worth nothing
    # (it could be left to save km), leaves riders left without a bound.
    van = [vehicle("V1", "F", seats=9), vehicle("V2", "F", seats=9)]
    slid = [slot("A", 360, 420, 6), slot("B", 420, 470, 6, lo=0, hi=10)]
    assert _fixed_floor(slid, van, TURNAROUND) == round(van[0].fixed_cost_eur_per_day * 100)
    assert _built_at_bounds(slid, van, TURNAROUND) is None
    assert _built_at_bounds([slot("A", 360, 420, 12)], van, TURNAROUND) is None
    assert _built_at_bounds([slot("A", 360, 420, 0)], van, TURNAROUND) is None
    assert _built_at_bounds([slot("A", 360, 420, 3)], van, TURNAROUND) is not None


def test_a_chaining_built_at_the_bounds_has_the_models_levels_on_random_days(monkeypatch) -> None:
    # Random days (slides, duty limits, two sizes, fleets from short to ample): wherever a
    # chaining is built without the model, the model solved to proof reaches the same riders
    # left, fixed cost and km, and slides no less.
    built = 0
    for day in range(40):
        rng = random.Random(500 + day)
        trips = []
        for k in range(rng.randrange(3, 11)):
            d, span = rng.randrange(300, 900, 5), rng.randrange(30, 150)
            lo, hi = -rng.choice([0, 0, 10]), rng.choice([0, 0, 15])
            trips.append(slot(f"T{k}", d, d + span, rng.choice([3, 6, 8, 12, 20]), lo, hi))
        fleet = [vehicle(f"B{k}", "F", seats=28, fixed=115.0, per_km=0.7, duty=400) for k in "12"]
        n_vans = rng.randrange(0, 4)
        fleet += [vehicle(f"V{k}", "F", seats=8, fixed=90.0, per_km=0.35) for k in range(n_vans)]
        quick = _built_at_bounds(trips, fleet, TURNAROUND)
        if quick is None:
            continue
        built += 1
        with monkeypatch.context() as mp:
            mp.setattr(chaining, "_built_at_bounds", lambda *a: None)
            exact = _chain_trips(trips, fleet, TURNAROUND, 1, 10.0)
        assert exact.optimal and quick.optimal, day
        assert levels(trips, fleet, quick) == levels(trips, fleet, exact), day
        assert sum(map(abs, quick.shift.values())) <= sum(map(abs, exact.shift.values())), day
    assert 5 <= built < 40  # some days are built, some need the model


def test_vehicles_needed_on_a_hand_made_day() -> None:
    # Morning: A and B overlap (two vehicles); C leaves after A is back (A's vehicle). D carries
    # 20: only the bus. The cheapest unlimited chaining: two vans (A+C, B) and one bus (D).
    trips = [slot("A", 360, 420, 6), slot("B", 380, 440, 8), slot("C", 430, 480, 5)]
    trips.append(slot("D", 370, 430, 20))
    kinds = [vehicle("VAN", "F", seats=9, fixed=90), vehicle("BUS", "F", seats=28, fixed=115)]
    r = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0)
    assert r.vehicles == 3 and r.optimal and r.fixed_cents == 2 * 9000 + 11500
    assert unlimited(trips, kinds).vehicles_used == 3


def test_a_hint_from_the_real_chaining_gives_the_same_figure() -> None:
    # The real fleet (one van) ran A and C and left B; the hint puts B on a van of its own. Hinted
    # or not, the needed figure is the unlimited chaining's.
    trips = [slot("A", 360, 420, 6), slot("B", 380, 440, 8), slot("C", 430, 480, 5, hi=20)]
    kinds = [vehicle("VAN", "F", seats=9, fixed=90)]
    hint = {"A": (0, "V1", 0), "C": (0, "V1", 0), "B": (0, "#B", 0)}
    hinted = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0, hint=hint)
    plain = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0)
    assert hinted.vehicles == plain.vehicles == unlimited(trips, kinds).vehicles_used == 2
    assert hinted.optimal and plain.optimal


def test_vehicles_needed_equals_the_unlimited_chaining_on_random_days() -> None:
    # Random days at the default fleet's two kinds (28 seats EUR 115, 8 seats EUR 90), with
    # slides, duty limits and a trip no kind can run: the fast model's count is the reference's.
    for day in range(6):
        rng = random.Random(day)
        trips = []
        for k in range(rng.randrange(4, 12)):
            d, span = rng.randrange(300, 1000), rng.randrange(40, 200)
            lo, hi = -rng.randrange(0, 20), rng.randrange(0, 20)
            trips.append(slot(f"T{k}", d, d + span, rng.randrange(1, 29), lo, hi))
        trips.append(slot("BIG", 400, 460, 40))  # no kind has the seats: left, as there
        kinds = [
            vehicle("BUS", "F", seats=28, fixed=115.0, per_km=0.7, duty=300),
            vehicle("VAN", "F", seats=8, fixed=90.0, per_km=0.35, duty=300),
        ]
        fast = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0)
        ref = unlimited(trips, kinds)
        assert ref.optimal and fast.optimal
        assert fast.vehicles == ref.vehicles_used, day


def test_a_cost_that_splits_two_ways_is_made_with_the_fewest_vehicles_proven() -> None:
    # One 200-a-day vehicle runs A then B; two 100-a-day ones (70 minutes of duty: one trip
    # each) cost the same. The count is the fewest at the least cost, proven with it (before: a
    # tie left unproven, and the caller chained again on copies).
    trips = [slot("A", 360, 420, 6), slot("B", 430, 490, 6)]
    kinds = [
        vehicle("X", "F", seats=9, fixed=200, duty=300),
        vehicle("Y", "F", seats=9, fixed=100, duty=70),
    ]
    r = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0)
    assert r.vehicles == 1 and r.fixed_cents == 20000 and r.optimal
    # Three trips at once: 3 x 100 is the least cost; 2 x 150 would be equal but cannot run them.
    trips = [slot("A", 360, 420, 6), slot("B", 380, 440, 6), slot("C", 400, 460, 6)]
    kinds = [vehicle("A", "F", seats=9, fixed=150), vehicle("B", "F", seats=9, fixed=100)]
    r = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0)
    assert r.vehicles == 3 and r.fixed_cents == 30000 and r.optimal


def test_a_hint_that_is_no_chaining_neither_guides_nor_caps_the_needed_model() -> None:
    # The hint puts three overlapping trips on one van: not a chaining (overlap, and its cost of
    # one van would cap the copies at one). It is refused; the figure stays the true three.
    trips = [slot("A", 360, 420, 6), slot("B", 370, 430, 6), slot("C", 380, 440, 6)]
    kinds = [vehicle("VAN", "F", seats=9, fixed=90)]
    bad = {"A": (0, "V1", 0), "B": (0, "V1", 0), "C": (0, "V1", 0)}
    r = vehicles_needed(trips, kinds, TURNAROUND, seed=1, deterministic_time=5.0, hint=bad)
    assert r.vehicles == 3 and r.optimal
    assert _hint_feasible(trips, kinds, TURNAROUND, {(0, 0, 0), (1, 0, 0), (2, 0, 0)}, bad) is False


def test_an_equal_chaining_asked_again_is_the_answer_made_before_and_a_changed_fleet_is_not() -> (
    None
):
    # The same trips and fleet asked twice (as a day run's candidate plans do): one answer kept,
    # equal to solving again, and a caller editing its copy does not edit the kept one.
    chaining._MEMO.clear()
    trips = [slot("A", 360, 420, 8), slot("B", 425, 480, 8), slot("C", 400, 460, 20)]
    fleet = [vehicle("VAN", "F", seats=9, fixed=100), vehicle("BUS", "F", seats=28, fixed=300)]
    first = chain(trips, fleet)
    first.vehicle_of["A"] = "BUS"
    again = chain(trips, fleet)
    assert len(chaining._MEMO) == 1
    assert again == _chain_trips(trips, fleet, TURNAROUND, 1, 5.0)
    assert again.vehicle_of == {"A": "VAN", "B": "VAN", "C": "BUS"}
    # Another fleet (the bus broke down) is another question: C is left without a vehicle.
    without_bus = chain(trips, fleet[:1])
    assert without_bus.vehicle_of["C"] is None and len(chaining._MEMO) == 2
    # vehicles_needed too, the hint part of the question
    kinds = [vehicle("VAN", "F", seats=9, fixed=90)]
    plain = vehicles_needed(trips[:2], kinds, TURNAROUND, seed=1, deterministic_time=5.0)
    assert plain == vehicles_needed(trips[:2], kinds, TURNAROUND, seed=1, deterministic_time=5.0)
    assert len(chaining._MEMO) == 3 and plain.vehicles == 1


def test_the_kept_answers_are_bounded_oldest_dropped_first() -> None:
    chaining._MEMO.clear()
    for k in range(chaining.MEMO_SIZE + 3):
        _memo(("k", k), lambda k=k: Needed(vehicles=k, optimal=True, fixed_cents=0))
    assert len(chaining._MEMO) == chaining.MEMO_SIZE
    assert ("k", 0) not in chaining._MEMO and ("k", 2) not in chaining._MEMO
    assert _memo(("k", 3), lambda: Needed(vehicles=-1, optimal=False, fixed_cents=0)).vehicles == 3
