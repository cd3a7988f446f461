"""Which base serves an origin (README "Departure points"): a foresteria without vehicles of its
own is served, as a departure point is, from the nearest base that has vehicles (review 12,
finding 13: a region whose coaches are a contractor's, at a depot)."""

from __future__ import annotations

from foresterie.shuttles.routes import pickup_bases, plan_shuttles
from tests.helpers import (
    farm,
    foresteria,
    matrix,
    pickup,
    scenario,
    vehicle,
    whole_stays,
    worker,
)


def test_a_foresteria_without_vehicles_is_served_from_the_nearest_base() -> None:
    """A has a van; B has none, and the depot D (5 min from B) has one: B is D's, the point P
    (nearest A) is A's, A and D are their own. With no vehicle at all every origin is its own."""
    sc = scenario(
        [foresteria("A", men=9), foresteria("B", men=9)],
        [farm("F1")],
        [],
        [vehicle("V1", "A"), vehicle("VD", "D")],
        pickups=[pickup("P"), pickup("D", kind="depot")],
    )
    m = matrix(
        {("A", "B"): 30, ("B", "D"): 5, ("A", "D"): 32, ("P", "A"): 4, ("P", "D"): 20},
        ["A", "B", "D", "F1", "P"],
    )
    assert pickup_bases(sc, m) == {"A": "A", "B": "D", "D": "D", "P": "A"}
    bare = scenario([foresteria("A"), foresteria("B")], [farm("F1")], [], [])
    assert pickup_bases(bare, m) == {"A": "A", "B": "B"}


def test_the_riders_of_a_foresteria_without_vehicles_ride_from_it_with_the_base_empty_legs() -> (
    None
):
    """Four guests of B ride to F1 (15 min from B) in the van of A, 10 min away: each trip
    leaves A empty, boards at B (origin B), and is back at A 10 min after the last rider
    alights; the ride is measured from B, the empty legs count in the span and the km."""
    ws = [worker(f"W{i}", "2026-07-06", "2026-07-07", pinned="B") for i in range(4)]
    sc = scenario(
        [foresteria("A", men=9), foresteria("B", men=9)],
        [farm("F1", "06:00", "14:00")],
        ws,
        [vehicle("V1", "A", seats=8)],
    )
    m = matrix({("A", "B"): 10, ("B", "F1"): 15, ("A", "F1"): 20}, ["A", "B", "F1"])
    sp = plan_shuttles(sc, m, whole_stays(ws, "B"))
    assert not sp.unserved
    assert len(sp.trips) == 2
    for t in sp.trips:
        assert (t.foresteria_id, t.origin, t.vehicle_id, t.lead, t.tail) == ("A", "B", "V1", 10, 10)
        assert t.places == ["A", "B", "F1", "B", "A"]
        assert t.metres == (10 + 15 + 15 + 10) * 900
        assert t.riders == 4
    out = next(t for t in sp.trips if t.direction == "to_farm")
    assert out.stops[0].arrive - (out.depart + out.lead) == 15  # the ride: from B
    assert [(f.foresteria_id, f.available) for f in sp.fleet_days] == [("A", 1)]


def test_with_no_vehicles_every_rider_is_no_vehicle_proven() -> None:
    ws = [worker(f"W{i}", "2026-07-06", "2026-07-08", pinned="A") for i in range(3)]
    sc = scenario([foresteria("A", men=9)], [farm("F1")], ws, [])
    m = matrix({("A", "F1"): 10}, ["A", "F1"])
    sp = plan_shuttles(sc, m, whole_stays(ws, "A"))
    assert not sp.trips and not sp.fleet_days
    assert {(u.code, u.proven, u.base_id) for u in sp.unserved} == {("no_vehicle", True, "A")}
    assert sum(u.riders for u in sp.unserved) == 3 * 2  # 3 people, 2 workdays each
