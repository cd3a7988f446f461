"""A base proven short names the vehicles standing idle at other bases that day (review 13,
finding 12: a 28-seat bus idle 4 km away all season while 242 worker-days went unserved as
"fleet short, proven")."""

from __future__ import annotations

from datetime import date

import numpy as np

from foresterie.scenario.model import Vehicle
from foresterie.shuttles.idle import NAMED, name_idle
from foresterie.shuttles.routes import TO_FARM, Trip, Unserved
from foresterie.travel.matrix import TravelMatrix

D1, D2 = date(2026, 7, 1), date(2026, 7, 2)


def _vehicle(vid: str, base: str, seats: int, last: date = D2) -> Vehicle:
    return Vehicle(
        id=vid,
        foresteria_id=base,
        seats=seats,
        fixed_cost_eur_per_day=100.0,
        cost_eur_per_km=0.5,
        max_duty_min=480,
        available_from=D1,
        available_to=last,
    )


def _short(day: date, code: str = "fleet_short") -> Unserved:
    return Unserved(
        day=day,
        foresteria_id="A",
        farm_id="F",
        riders=5,
        code=code,  # type: ignore[arg-type]
        reason="fleet short at A: at least 3 vehicles needed, 1 available (proven lower bound)",
        proven=True,
        lower_bound=3,
        available=1,
        worker_ids=("W1",),
        base_id="A",
    )


def _trip(day: date, vid: str) -> Trip:
    return Trip(
        trip_id=f"{day}-{vid}",
        day=day,
        foresteria_id="B",
        direction=TO_FARM,
        vehicle_id=vid,
        depart=300,
        ret=400,
        metres=1000,
        riders=3,
        stops=(),
    )


MINUTES = {"A": 0, "B": 6, "C": 30, "D": 90}  # from A, and back alike


def _matrix() -> TravelMatrix:
    ids = tuple(MINUTES)
    secs = np.array([[abs(MINUTES[a] - MINUTES[b]) * 60 for b in ids] for a in ids], np.int64)
    return TravelMatrix(ids=ids, seconds=secs, metres=secs * 10, backend="test")


def test_idle_vehicles_nearby_are_named_nearest_first_and_only_where_idle() -> None:
    fleet = (
        _vehicle("VA1", "A", 9),
        _vehicle("VB1", "B", 28),
        _vehicle("VC1", "C", 9),
        _vehicle("VD1", "D", 50),  # 90 minutes away: not named
        _vehicle("VC2", "C", 16, last=D1),  # gone on the 2nd
    )
    trips = [_trip(D2, "VB1")]  # the bus runs on the 2nd
    rows = name_idle([_short(D1), _short(D2), _short(D1, "vehicles_busy")], trips, fleet, _matrix())
    assert rows[0].reason.endswith(
        "; idle that day at other bases: VB1 (28 seats) at B, 6 min away, "
        "VC1 (9 seats) at C, 30 min away, VC2 (16 seats) at C, 30 min away"
    )
    assert rows[1].reason.endswith(
        "; idle that day at other bases: VC1 (9 seats) at C, 30 min away"
    )
    assert rows[2] == _short(D1, "vehicles_busy")  # only a proven shortage is annotated
    assert [r.code for r in rows] == ["fleet_short", "fleet_short", "vehicles_busy"]


def test_no_idle_vehicle_leaves_the_reason_as_it_was() -> None:
    fleet = (_vehicle("VA1", "A", 9), _vehicle("VB1", "B", 28))
    rows = name_idle([_short(D1)], [_trip(D1, "VB1")], fleet, _matrix())
    assert rows == [_short(D1)]


def test_at_most_a_few_are_named_then_counted() -> None:
    fleet = tuple(_vehicle(f"VB{i}", "B", 9) for i in range(NAMED + 2))
    (row,) = name_idle([_short(D1)], [], fleet, _matrix())
    assert row.reason.count(" seats) at B") == NAMED and row.reason.endswith(" and 2 more")
