"""The chaining's path model (`_by_paths`, session 18): where no split of the folded answer keeps
every driver's day, each kind's trips are linked into paths per part of the day and, where the
span can break, the morning's first trips and the evening's last ones take numbered vehicles.
Checked against an enumeration of every chaining of small days and against the per-vehicle
model, which it replaces where a kind's day allows it."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.scenario.model import Vehicle
from foresterie.shuttles.chaining import (
    Chaining,
    TripSlot,
    _by_paths,
    _chain_trips,
    _per_vehicle,
)
from tests.shuttles.test_drivers_day import TURN, driver, kept, least_left, slot

BUDGET = 20.0
CASES = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def levels(trips: list[TripSlot], fleet: list[Vehicle], r: Chaining) -> tuple[int, int, int]:
    """Riders left, fixed cents, km cents: computed here, not by the model."""
    by_id = {v.id: v for v in fleet}
    on = [(t, by_id[v]) for t in trips if (v := r.vehicle_of[t.key])]
    left = sum(t.load for t in trips if not r.vehicle_of[t.key])
    fixed = sum(round(by_id[v].fixed_cost_eur_per_day * 100) for v in {v.id for _, v in on})
    km = sum(round(t.metres * v.cost_eur_per_km / 10) for t, v in on)
    return left, fixed, km


@st.composite
def two_part_days(draw: st.DrawFn) -> tuple[list[TripSlot], list[Vehicle]]:
    """Up to five trips, some in the morning (04:00-08:00) and some in the afternoon
    (15:00-20:00), a few with slack; one or two vehicles of one kind whose span may bind, and
    maybe a smaller one; stretches and duties long enough never to bind."""
    trips = []
    for k in range(draw(st.integers(2, 5))):
        d = (240 if draw(st.booleans()) else 900) + draw(st.integers(0, 24)) * 10
        length = draw(st.integers(6, 18)) * 5
        lo, hi = draw(st.sampled_from([(0, 0), (0, 0), (-3, 0), (0, 4)]))
        trips.append(slot(f"T{k}", d, d + length, draw(st.sampled_from([3, 5, 8])), lo, hi))
    span = draw(st.sampled_from([600, 700, 780, 1440]))
    fleet = [
        driver(f"V{j}", span=span, stretch=1000, duty=1440) for j in range(draw(st.integers(1, 2)))
    ]
    if draw(st.booleans()):
        fleet.append(driver("W", span=draw(st.sampled_from([600, 900])), stretch=1000, seats=5))
    return trips, fleet


@CASES
@given(day=two_part_days())
def test_the_path_model_leaves_exactly_the_riders_every_chaining_must(
    day: tuple[list[TripSlot], list[Vehicle]],
) -> None:
    # Exact, as the enumeration of every chaining under the rules, and on every level as the
    # per-vehicle model; each vehicle's day kept.
    trips, fleet = day
    r = _by_paths(trips, fleet, TURN, 1, BUDGET)
    assert r is not None  # stretches and duties cannot bind, spans only across the two parts
    assert r.optimal and kept(trips, fleet, r)
    assert levels(trips, fleet, r)[0] == least_left(trips, fleet)
    assert levels(trips, fleet, r) == levels(
        trips, fleet, _per_vehicle(trips, fleet, TURN, 1, BUDGET)
    )
    assert r.vehicles_used == len({v for v in r.vehicle_of.values() if v})


def test_the_span_pairs_the_early_morning_with_the_early_evening() -> None:
    # Two equal buses, a span of 13 h: the 04:00 morning and the 05:00 one overlap, as do the
    # evenings back at 16:50 and 17:55. The 04:00 one can only share a day with the evening
    # back at 16:50 (12 h 50), the 05:00 one with either: the span decides the pairing.
    trips = [
        slot("M-early", 240, 330),
        slot("M-late", 300, 390),
        slot("E-early", 900, 1010),
        slot("E-late", 970, 1075),
    ]
    fleet = [driver("B1", span=780, stretch=1000), driver("B2", span=780, stretch=1000)]
    r = _by_paths(trips, fleet, TURN, 1, BUDGET)
    assert r is not None and r.optimal and kept(trips, fleet, r)
    assert all(r.vehicle_of.values()) and r.vehicles_used == 2
    assert r.vehicle_of["M-early"] == r.vehicle_of["E-early"] != r.vehicle_of["M-late"]
    assert r.vehicle_of["M-late"] == r.vehicle_of["E-late"]
    # The same day with one bus: one morning and one evening, 5 riders each, left.
    one = _by_paths(trips, fleet[:1], TURN, 1, BUDGET)
    assert one is not None and one.optimal and kept(trips, fleet[:1], one)
    assert levels(trips, fleet[:1], one)[0] == 10


def test_where_a_stretch_can_break_the_per_vehicle_model_decides() -> None:
    # Six trips of 73 minutes 5 apart (review 14's morning): a stretch of 270 binds within the
    # part, which the paths do not carry: no answer from them, and the chaining is still exact.
    trips = [slot(f"T{k}", 165 + 78 * k, 165 + 78 * k + 73, load=20) for k in range(6)]
    bus = driver("B1", seats=28)
    assert _by_paths(trips, [bus], TURN, 1, BUDGET) is None
    r = _chain_trips(trips, [bus], TURN, 1, BUDGET)
    assert r.optimal and kept(trips, [bus], r)
    assert sum(1 for t in trips if r.vehicle_of[t.key]) == 5


def test_a_budget_that_ends_before_any_solution_keeps_a_chaining() -> None:
    # The first fit is the answer then (not proven): its days kept, its vehicles read back.
    trips = [
        slot("M1", 240, 330, lo=-3),
        slot("M2", 250, 340),
        slot("M3", 335, 400),
        slot("E1", 900, 1010, hi=4),
        slot("E2", 1000, 1110),
        slot("E3", 1020, 1130),
    ]
    fleet = [driver(f"B{j}", span=780, stretch=1000) for j in range(2)]
    r = _by_paths(trips, fleet, TURN, 1, 1e-9)
    assert r is not None and kept(trips, fleet, r)
    full = _by_paths(trips, fleet, TURN, 1, BUDGET)
    assert full is not None and full.optimal
    assert levels(trips, fleet, full) <= levels(trips, fleet, r)
    assert full == _by_paths(trips, fleet, TURN, 1, BUDGET)  # deterministic
    assert replace(full, optimal=True) == full
