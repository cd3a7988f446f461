"""The rest rule's exchange (review 18 R, HIGH-3): VA1 drove until 21:41 on Sunday and the
season plan gives it Monday's 04:55 run, VA2 (alike: seats, driver's day) Monday's 13:51 run and
nothing on Sunday. No vehicle of the base is idle, so the two exchange their days: VA2 takes
the dawn run (rested since Saturday), VA1 the afternoon one (16 h 10 of rest)."""

from __future__ import annotations

from datetime import date

from foresterie.ops.day import PreviousDay, rested_vehicles
from foresterie.scenario.model import Vehicle

D = date(2026, 7, 20)


def _van(vid: str, seats: int = 8, base: str = "FA") -> Vehicle:
    return Vehicle(
        id=vid,
        foresteria_id=base,
        seats=seats,
        fixed_cost_eur_per_day=160,
        cost_eur_per_km=0.38,
        max_duty_min=540,
        available_from=date(2026, 7, 1),
        available_to=date(2026, 7, 31),
    )


def _trip(vid: str, depart: str, ret: str) -> dict[str, str]:
    return {"vehicle_id": vid, "depart": depart, "return": ret}


SUNDAY = PreviousDay(day=date(2026, 7, 19), source="day run", spans={"VA1": (831, 1301)})
MONDAY = [
    _trip("VA1", "04:55", "06:07"),
    _trip("VA1", "12:55", "14:07"),
    _trip("VA2", "13:51", "21:41"),
]


def test_two_alike_vans_exchange_their_days_for_the_drivers_rest() -> None:
    swaps = rested_vehicles(MONDAY, SUNDAY, [_van("VA1"), _van("VA2")], D, "Europe/Rome")
    assert swaps == {"VA1": "VA2", "VA2": "VA1"}


def test_no_exchange_with_a_smaller_van_or_another_base_and_an_idle_one_first() -> None:
    assert (
        rested_vehicles(MONDAY, SUNDAY, [_van("VA1"), _van("VA2", seats=5)], D, "Europe/Rome") == {}
    )
    assert (
        rested_vehicles(MONDAY, SUNDAY, [_van("VA1"), _van("VA2", base="FB")], D, "Europe/Rome")
        == {}
    )
    idle = rested_vehicles(
        MONDAY, SUNDAY, [_van("VA1"), _van("VA2"), _van("VA3")], D, "Europe/Rome"
    )
    assert idle == {"VA1": "VA3"}  # an idle rested van takes the trips; nobody exchanges
