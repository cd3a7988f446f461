"""The vehicles lower bound on hand-checkable numbers."""

from __future__ import annotations

from foresterie.shuttles.bounds import DirectionSpan, trips_per_vehicle, vehicles_lower_bound

# Morning arrivals in [05:30, 06:00], 15 min each way, 2 min board, 5 min turnaround:
# 37 min between first stops of two trips, so one trip a morning; a trip takes at least 32 min.
TIGHT = DirectionSpan(first=330, last=360, gap=37, shortest_trip=32)
# Evening boardings spread over two hours: four trips fit (0, 37, 74, 111 <= 120).
WIDE = DirectionSpan(first=840, last=960, gap=37, shortest_trip=32)


def test_trips_per_vehicle_by_time_and_by_duty() -> None:
    assert trips_per_vehicle(TIGHT, 540) == 1
    assert trips_per_vehicle(WIDE, 540) == 4
    assert trips_per_vehicle(WIDE, 100) == 3  # duty: 100 // 32


def test_the_tight_morning_binds_sixteen_riders_need_two_eight_seaters() -> None:
    assert vehicles_lower_bound(riders=16, vehicles=[(8, 540)], morning=TIGHT, evening=WIDE) == 2
    assert vehicles_lower_bound(riders=8, vehicles=[(8, 540)], morning=TIGHT, evening=WIDE) == 1


def test_the_bound_takes_the_biggest_vehicles_first_and_then_copies_of_the_best() -> None:
    fleet = [(8, 540), (28, 540)]
    assert vehicles_lower_bound(riders=30, vehicles=fleet, morning=TIGHT, evening=TIGHT) == 2
    assert vehicles_lower_bound(riders=60, vehicles=fleet, morning=TIGHT, evening=TIGHT) == 3


def test_a_duty_too_short_for_any_trip_needs_one_more_than_there_are() -> None:
    assert vehicles_lower_bound(riders=1, vehicles=[(8, 20)], morning=TIGHT, evening=WIDE) == 2
    assert vehicles_lower_bound(riders=0, vehicles=[(8, 20)], morning=TIGHT, evening=WIDE) == 0
