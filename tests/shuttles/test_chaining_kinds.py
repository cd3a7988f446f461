"""The folded chaining (identical vehicles as one kind with a count) against the model with one
no-overlap per vehicle, which it replaces wherever its answer splits into vehicles."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.scenario.model import Vehicle
from foresterie.shuttles import chaining
from foresterie.shuttles.chaining import (
    Chaining,
    TripSlot,
    _by_kinds,
    _chain_trips,
    _kinds,
    _needed_by_copies,
    _per_vehicle,
    _split,
    _vehicles_needed,
)
from tests.helpers import vehicle

TURNAROUND = 5
BUDGET = 20.0  # deterministic seconds: every case below is proven well within it


def slot(key: str, depart: int, ret: int, load: int, lo: int = 0, hi: int = 0) -> TripSlot:
    return TripSlot(
        key=key, depart=depart, ret=ret, load=load, metres=10_000, shift_lo=lo, shift_hi=hi
    )


def levels(trips: list[TripSlot], fleet: list[Vehicle], r: Chaining) -> tuple[int, int, int]:
    """(riders left, fixed cents, km cents), computed here."""
    by_id = {v.id: v for v in fleet}
    on = [(t, by_id[v]) for t in trips if (v := r.vehicle_of[t.key])]
    left = sum(t.value or t.load for t in trips if not r.vehicle_of[t.key])
    fixed = sum(round(by_id[v].fixed_cost_eur_per_day * 100) for v in {v.id for _, v in on})
    km = sum(round(t.metres * v.cost_eur_per_km / 10) for t, v in on)
    return left, fixed, km


def slid(r: Chaining) -> int:
    return sum(map(abs, r.shift.values()))


def check(trips: list[TripSlot], fleet: list[Vehicle], r: Chaining) -> None:
    """The answer is a chaining: seats, slides, duty and turnaround, checked from scratch."""
    by_id = {v.id: v for v in fleet}
    runs: dict[str, list[tuple[int, int]]] = {}
    for t in trips:
        assert t.shift_lo <= r.shift[t.key] <= t.shift_hi
        if (vid := r.vehicle_of[t.key]) is not None:
            assert by_id[vid].seats >= t.load
            runs.setdefault(vid, []).append((t.depart + r.shift[t.key], t.ret + r.shift[t.key]))
    for vid, spans in runs.items():
        spans.sort()
        assert sum(b - a for a, b in spans) <= by_id[vid].max_duty_min
        assert all(b + TURNAROUND <= c for (_, b), (c, _) in zip(spans, spans[1:], strict=False))
    assert r.vehicles_used == len(runs)


@st.composite
def days(draw: st.DrawFn) -> tuple[list[TripSlot], list[Vehicle]]:
    """A few trips (slides, two sizes) and a fleet of identical buses and vans, duty limits from
    ample to binding."""
    trips = []
    for k in range(draw(st.integers(2, 9))):
        d = draw(st.integers(60, 180)) * 5
        span = draw(st.integers(30, 200))
        lo, hi = draw(st.sampled_from([0, -10, -25])), draw(st.sampled_from([0, 10, 25]))
        trips.append(slot(f"T{k}", d, d + span, draw(st.sampled_from([3, 6, 8, 12, 20])), lo, hi))
    fleet = []
    for size, fixed, per_km in ((28, 115.0, 0.7), (8, 90.0, 0.35)):
        duty = draw(st.sampled_from([540, 300, 200]))
        fleet += [
            vehicle(f"S{size}-{j}", "F", seats=size, fixed=fixed, per_km=per_km, duty=duty)
            for j in range(draw(st.integers(0, 3)))
        ]
    if not fleet or draw(st.booleans()):
        fleet.append(vehicle("LONE", "F", seats=20, fixed=100.0, per_km=0.5, duty=400))
    return trips, fleet


CASES = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@CASES
@given(day=days())
def test_the_folded_chaining_reaches_the_per_vehicle_models_levels(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    # Wherever the folded answer splits into vehicles it is a chaining, proven, with the same
    # riders left, fixed cost and km as the per-vehicle model proven, and slides no more (that
    # model may solve the slides as a tie-break within its vehicles). Where it does not split,
    # the chaining reaches the per-vehicle model's levels (it is that model's answer, or where
    # drivers' hours do not bind, the answer made without them: an equal optimum).
    trips, fleet = day
    per_vehicle = _per_vehicle(trips, fleet, TURNAROUND, 1, BUDGET)
    folded = _by_kinds(trips, fleet, TURNAROUND, 1, BUDGET)
    assert per_vehicle.optimal
    if folded is None:
        whole = _chain_trips(trips, fleet, TURNAROUND, 1, BUDGET)
        check(trips, fleet, whole)
        assert whole.optimal and levels(trips, fleet, whole) == levels(trips, fleet, per_vehicle)
        return
    check(trips, fleet, folded)
    assert folded.optimal
    assert levels(trips, fleet, folded) == levels(trips, fleet, per_vehicle)
    assert slid(folded) <= slid(per_vehicle)


@CASES
@given(day=days())
def test_the_folded_vehicles_needed_is_the_model_with_copies(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    # Unlimited copies of each kind: the same least fixed cost, the same count, proven alike.
    trips, fleet = day
    kinds = [fleet[g[0]] for g in _kinds(fleet)]
    folded = _vehicles_needed(trips, kinds, TURNAROUND, 1, BUDGET, None)
    copies = _needed_by_copies(trips, kinds, TURNAROUND, 1, BUDGET, None)
    assert (folded.fixed_cents, folded.vehicles, folded.optimal) == (
        copies.fixed_cents,
        copies.vehicles,
        copies.optimal,
    )


def test_identical_vehicles_are_one_kind_in_the_fleets_order() -> None:
    fleet = [vehicle("B1", "F", seats=28), vehicle("V1", "F", seats=8)]
    fleet += [vehicle("B2", "F", seats=28), vehicle("B3", "F", seats=28, duty=300)]
    assert _kinds(fleet) == [[0, 2], [1], [3]]


def test_the_split_gives_trips_to_the_least_busy_van_when_first_fit_runs_out_of_duty() -> None:
    # Two vans of 130 min. First fit loads V1 with A, C and D (130 min), so at 455 E goes to V2
    # and F, under way at the same time, finds V1 out of duty and V2 busy. Giving each trip to
    # the free van with the least time so far balances them: C to V2, D to V1, E to V2, F to V1.
    trips = [slot("A", 300, 360, 5), slot("B", 300, 340, 5), slot("C", 370, 410, 5)]
    trips += [slot("D", 420, 450, 5), slot("E", 455, 495, 5), slot("F", 455, 480, 5)]
    vans = [vehicle("V1", "F", seats=8, duty=130), vehicle("V2", "F", seats=8, duty=130)]
    on = dict.fromkeys(range(len(trips)), 0)
    split = _split(trips, vans, [[0, 1]], on, [0] * len(trips), TURNAROUND, [2])
    assert split == {0: 0, 1: 1, 2: 1, 3: 0, 4: 1, 5: 0}
    folded = _by_kinds(trips, vans, TURNAROUND, 1, BUDGET)
    assert folded is not None and folded.optimal and folded.vehicles_used == 2
    check(trips, vans, folded)
    assert levels(trips, vans, folded) == (0, 2 * 16000, 6 * 400)  # 10 km at EUR 0.40


def test_where_no_split_keeps_every_duty_the_per_vehicle_model_decides(monkeypatch) -> None:
    # Two vans of 130 min and 260 min of trips: the folded model's total (2 x 130) allows all,
    # but no two sets of them fit 130 min each without overlap. The per-vehicle model leaves
    # B (one rider, the least), and that is the answer.
    trips = [slot("A", 300, 360, 5), slot("B", 305, 325, 1), slot("C", 330, 390, 5)]
    trips += [slot("D", 395, 455, 5), slot("E", 460, 520, 5)]
    vans = [vehicle("V1", "F", seats=8, duty=130), vehicle("V2", "F", seats=8, duty=130)]
    assert _by_kinds(trips, vans, TURNAROUND, 1, BUDGET) is None
    asked = []
    per_vehicle = chaining._per_vehicle
    monkeypatch.setattr(chaining, "_per_vehicle", lambda *a: asked.append(a) or per_vehicle(*a))
    r = _chain_trips(trips, vans, TURNAROUND, 1, BUDGET)
    assert len(asked) == 1 and r.optimal
    check(trips, vans, r)
    assert r.vehicle_of["B"] is None and levels(trips, vans, r)[0] == 1


def test_the_folded_clique_rows_never_cut_off_the_best_chaining(monkeypatch) -> None:
    # The rows on trips whose cores share a minute only bound: without them, the same levels.
    trips = [slot("A", 300, 400, 20, -10, 10), slot("B", 320, 420, 6, 0, 25)]
    trips += [slot("C", 350, 380, 8), slot("D", 390, 450, 12, -25, 0), slot("E", 330, 500, 3)]
    fleet = [vehicle(f"B{j}", "F", seats=28, fixed=115.0, per_km=0.7) for j in range(2)]
    fleet += [vehicle(f"V{j}", "F", seats=8, fixed=90.0, per_km=0.35) for j in range(2)]
    assert max(map(len, chaining._core_cliques(trips, TURNAROUND))) == 4  # A, B, C, E at 350
    cut = _by_kinds(trips, fleet, TURNAROUND, 1, BUDGET)
    monkeypatch.setattr(chaining, "_core_cliques", lambda *a: [])
    plain = _by_kinds(trips, fleet, TURNAROUND, 1, BUDGET)
    assert cut is not None and plain is not None and cut.optimal and plain.optimal
    assert levels(trips, fleet, cut) == levels(trips, fleet, plain)
