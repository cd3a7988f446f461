"""The base serving a departure point, a foresteria without vehicles, or a foresteria whose own
vehicles are all unavailable that day, is chosen day by day (review 14, finding 3; session 16):
among the bases with a vehicle available that day, the nearest; riders are `no_vehicle` only on
a day with no vehicle anywhere. A foresteria with a vehicle of its own that day is its own
base."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from foresterie.scenario.model import Vehicle
from foresterie.shuttles.routes import pickup_bases, plan_shuttles
from foresterie.travel.matrix import TravelMatrix
from tests.helpers import (
    D,
    farm,
    foresteria,
    matrix,
    pickup,
    scenario,
    vehicle,
    whole_stays,
    worker,
)

DIRS = ("to_farm", "to_foresteria")


def _from(v: Vehicle, first: str, last: str = "2026-07-31") -> Vehicle:
    return replace(v, available_from=D(first), available_to=D(last))


def _two_bases(
    vb_from: str = "2026-07-08", va_from: str = "2026-07-01"
) -> tuple[list[Vehicle], TravelMatrix]:
    """A (van VA1) and B (van VB1 from `vb_from`), the point P 3 min from B and 27 from A, the
    foresteria C (no vehicle) 2 min from B and 29 from A."""
    fleet = [_from(vehicle("VA1", "A"), va_from), _from(vehicle("VB1", "B"), vb_from)]
    m = matrix(
        {
            ("A", "B"): 30,
            ("P", "B"): 3,
            ("P", "A"): 27,
            ("C", "B"): 2,
            ("C", "A"): 29,
            ("F1", "A"): 20,
            ("F1", "B"): 15,
            ("F1", "C"): 15,
        },
        ["A", "B", "C", "F1", "P"],
    )
    return fleet, m


def test_the_base_of_a_day_is_the_nearest_with_a_vehicle_that_day() -> None:
    """P's nearest base B has no vehicle before 8 July: P is A's until then, B's from then, and
    so is C, a foresteria without vehicles (2 min from B), and B itself, whose own van has not
    started (session 16: served like a departure point, not left `no_vehicle`). From the 8th B
    is its own base. With no vehicle anywhere (A's from the 10th, B's from the 12th, the 9th)
    each foresteria with vehicles is its own base and the others fall back on the nearest with
    vehicles at all, as the season rule (no day) does."""
    fleet, m = _two_bases()
    fs = [foresteria("A"), foresteria("B"), foresteria("C")]
    sc = scenario(fs, [farm("F1")], [], fleet, [pickup("P")])
    assert pickup_bases(sc, m, date(2026, 7, 7)) == {"A": "A", "B": "A", "C": "A", "P": "A"}
    assert pickup_bases(sc, m, date(2026, 7, 8)) == {"A": "A", "B": "B", "C": "B", "P": "B"}
    late, _ = _two_bases(vb_from="2026-07-12", va_from="2026-07-10")
    gap = replace(sc, fleet=tuple(late))
    assert pickup_bases(gap, m, date(2026, 7, 9)) == {"A": "A", "B": "B", "C": "B", "P": "B"}
    assert pickup_bases(gap, m) == pickup_bases(gap, m, date(2026, 7, 9))
    assert pickup_bases(gap, m, date(2026, 7, 10)) == {"A": "A", "B": "A", "C": "A", "P": "A"}
    assert pickup_bases(gap, m, date(2026, 7, 12)) == {"A": "A", "B": "B", "C": "B", "P": "B"}


def test_a_point_rides_with_the_next_base_before_its_own_vans_start() -> None:
    """Two riders at P (no bed) to F1, 6-9 July: on the 6th and 7th, before B's van starts, A's
    van carries them (trips from A, origin P, the empty legs A-P counted); from the 8th B's. No
    worker-day is unserved, and fleet_days lists A on the first two days, B after."""
    fleet, m = _two_bases()
    ws = [worker(f"W{i}", "2026-07-06", "2026-07-10", farm_id="F1", pickup="P") for i in range(2)]
    sc = scenario(
        [foresteria("A"), foresteria("B")], [farm("F1", "06:00", "14:00")], ws, fleet, [pickup("P")]
    )
    sp = plan_shuttles(sc, m, [])
    assert not sp.unserved
    by_day = {(t.day.isoformat(), t.direction): t for t in sp.trips}
    assert len(sp.trips) == 8
    for day in ("2026-07-06", "2026-07-07"):
        for direction in ("to_farm", "to_foresteria"):
            t = by_day[day, direction]
            assert (t.foresteria_id, t.vehicle_id, t.origin, t.lead, t.tail) == (
                "A",
                "VA1",
                "P",
                27,
                27,
            )
            assert t.riders == 2
    for day in ("2026-07-08", "2026-07-09"):
        t = by_day[day, "to_farm"]
        assert (t.foresteria_id, t.vehicle_id, t.origin, t.lead) == ("B", "VB1", "P", 3)
    assert [(f.day.isoformat(), f.foresteria_id) for f in sp.fleet_days] == [
        ("2026-07-06", "A"),
        ("2026-07-07", "A"),
        ("2026-07-08", "B"),
        ("2026-07-09", "B"),
    ]


def test_a_foresteria_without_vehicles_rides_with_the_base_of_the_day() -> None:
    """Guests of C (no vehicle of its own, 2 min from B) ride in A's van before B's starts,
    boarding at C (origin C), then in B's. Nobody is unserved."""
    fleet, m = _two_bases()
    at_c = [worker(f"C{i}", "2026-07-06", "2026-07-10", pinned="C") for i in range(3)]
    fs = [foresteria("A", men=9), foresteria("B", men=9), foresteria("C", men=9)]
    sc = scenario(fs, [farm("F1")], at_c, fleet)
    sp = plan_shuttles(sc, m, whole_stays(at_c, "C"))
    runs = {(t.day.isoformat(), t.foresteria_id, t.vehicle_id, t.origin) for t in sp.trips}
    assert runs == {
        ("2026-07-06", "A", "VA1", "C"),
        ("2026-07-07", "A", "VA1", "C"),
        ("2026-07-08", "B", "VB1", "C"),
        ("2026-07-09", "B", "VB1", "C"),
    }
    assert not sp.unserved


def test_a_foresteria_whose_van_has_not_started_rides_with_the_next_base() -> None:
    """B's own van starts on 8 July: its guests ride in A's van on the 6th and 7th, boarding at
    B (the trips carry B as their origin, the empty legs A-B-A counted), and in B's own from
    the 8th. No worker-day is `no_vehicle` (before session 16 they were, A's van idle)."""
    fleet, m = _two_bases()
    at_b = [worker(f"B{i}", "2026-07-06", "2026-07-10", pinned="B") for i in range(2)]
    fs = [foresteria("A", men=9), foresteria("B", men=9)]
    sc = scenario(fs, [farm("F1")], at_b, fleet)
    sp = plan_shuttles(sc, m, whole_stays(at_b, "B"))
    assert not sp.unserved
    got = sorted(
        (t.day.isoformat(), t.direction, t.foresteria_id, t.vehicle_id, t.origin, t.lead, t.riders)
        for t in sp.trips
    )
    assert got == sorted(
        [(d, x, "A", "VA1", "B", 30, 2) for d in ("2026-07-06", "2026-07-07") for x in DIRS]
        + [(d, x, "B", "VB1", "B", 0, 2) for d in ("2026-07-08", "2026-07-09") for x in DIRS]
    )
    assert [(f.day.isoformat(), f.foresteria_id) for f in sp.fleet_days] == [
        ("2026-07-06", "A"),
        ("2026-07-07", "A"),
        ("2026-07-08", "B"),
        ("2026-07-09", "B"),
    ]


def test_no_vehicle_only_on_a_day_with_no_vehicle_anywhere() -> None:
    """A's van from the 7th, B's from the 8th: on the 6th nobody has a vehicle, so P's riders are
    `no_vehicle`, proven, at B (the nearest with vehicles at all), the reason naming B, P and
    the day; on the 7th A's van carries them."""
    fleet, m = _two_bases(va_from="2026-07-07")
    ws = [worker(f"W{i}", "2026-07-06", "2026-07-10", farm_id="F1", pickup="P") for i in range(2)]
    sc = scenario([foresteria("A"), foresteria("B")], [farm("F1")], ws, fleet, [pickup("P")])
    sp = plan_shuttles(sc, m, [])
    assert [
        (u.day.isoformat(), u.foresteria_id, u.base_id, u.code, u.proven, u.riders)
        for u in sp.unserved
    ] == [("2026-07-06", "P", "B", "no_vehicle", True, 2)]
    assert sp.unserved[0].reason == (
        "no vehicle based at Foresteria B, the base serving Point P, is available on 2026-07-06, "
        "nor at any other base"
    )
    assert {t.foresteria_id for t in sp.trips if t.day == D("2026-07-07")} == {"A"}
