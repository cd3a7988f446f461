"""Day-run stability: interchangeable vehicles are renamed so riders keep the vehicle they were
told; a vehicle of another kind is never swapped in; without a reference nothing changes."""

from __future__ import annotations

from datetime import date

from foresterie.run.stability import RefLeg, keep_vehicles
from foresterie.scenario.model import Scenario
from foresterie.shuttles.routes import ShuttlePlan, Stop, Trip
from tests.helpers import farm, foresteria, scenario, vehicle

D = date(2026, 7, 7)


def _trip(tid: str, vid: str, riders: tuple[str, ...], depart: int = 360) -> Trip:
    stop = Stop(
        seq=1,
        farm_id="F1",
        arrive=depart + 20,
        depart=depart + 22,
        board=0,
        alight=len(riders),
        load_after=0,
        worker_ids=riders,
    )
    return Trip(
        trip_id=tid,
        day=D,
        foresteria_id="FA",
        direction="to_farm",
        vehicle_id=vid,
        depart=depart,
        ret=depart + 45,
        metres=30000,
        riders=len(riders),
        stops=(stop,),
    )


def _plan(trips: list[Trip]) -> ShuttlePlan:
    return ShuttlePlan(
        trips=trips,
        unserved=[],
        fleet_days=[],
        engine="pyvrp",
        day_problems=1,
        route_searches=1,
        wall_s=0.0,
    )


def _scenario() -> Scenario:
    fleet = [vehicle("V1", "FA"), vehicle("V2", "FA"), vehicle("BUS", "FA", seats=28)]
    return scenario([foresteria("FA")], [farm("F1")], [], fleet)


def test_identical_vehicles_are_renamed_to_keep_riders() -> None:
    plan = _plan([_trip("T1", "V1", ("W1", "W2")), _trip("T2", "V2", ("W3",))])
    ref = {
        ("W1", "to_farm"): RefLeg(vehicle_id="V2", depart_min=355),
        ("W2", "to_farm"): RefLeg(vehicle_id="V2", depart_min=365),
        ("W3", "to_farm"): RefLeg(vehicle_id="V1", depart_min=360),
    }
    new, renamed = keep_vehicles(_scenario(), plan, ref)
    assert renamed == 2
    assert [(t.trip_id, t.vehicle_id) for t in new.trips] == [("T1", "V2"), ("T2", "V1")]
    assert [t.metres for t in new.trips] == [t.metres for t in plan.trips]


def test_another_kind_of_vehicle_is_never_swapped_in() -> None:
    plan = _plan([_trip("T1", "V1", ("W1",))])
    ref = {("W1", "to_farm"): RefLeg(vehicle_id="BUS", depart_min=360)}
    assert keep_vehicles(_scenario(), plan, ref) == (plan, 0)


def test_time_kept_outranks_vehicle_kept() -> None:
    """T1's riders were told V2 at 06:00 (T1 leaves 06:00); T2's rider was told V2 at 07:00 but
    T2 leaves 06:30, beyond 10 minutes: T1 gets V2."""
    plan = _plan([_trip("T1", "V1", ("W1",)), _trip("T2", "V2", ("W2", "W3"), depart=390)])
    ref = {
        ("W1", "to_farm"): RefLeg(vehicle_id="V2", depart_min=360),
        ("W2", "to_farm"): RefLeg(vehicle_id="V2", depart_min=420),
        ("W3", "to_farm"): RefLeg(vehicle_id="V2", depart_min=420),
    }
    new, _ = keep_vehicles(_scenario(), plan, ref)
    assert [t.vehicle_id for t in new.trips] == ["V2", "V1"]


def test_no_reference_keeps_names() -> None:
    plan = _plan([_trip("T1", "V2", ("W1",))])
    assert keep_vehicles(_scenario(), plan, {}) == (plan, 0)
