"""A driver's day read off a vehicle-day's trips (report/driving.py): the review's 15-hour bus
day is over every limit of one driver; the default season's busiest days are within them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from foresterie.core.i18n import lang
from foresterie.report.driving import (
    BREAK_MIN,
    SPREAD_MAX_MIN,
    STRETCH_MAX_MIN,
    WORK_MAX_MIN,
    driver_day,
)
from foresterie.report.rundata import TripRow
from foresterie.report.sheets import VehicleDay, driver_day_lines


def _hhmm(m: int) -> str:
    return f"{m // 60 % 24:02d}:{m % 60:02d}"


def test_the_reviews_bus_day_is_over_every_limit() -> None:
    """Review 14: twelve trips from 02:45 to 22:06, turnarounds of 5-9 minutes in the morning."""
    spans, t = [], 2 * 60 + 45
    for length, pause in [(73, 5)] * 5 + [(73, 60)] + [(70, 60)] * 6:
        spans.append((_hhmm(t), _hhmm(t + length)))
        t += length + pause
    day = driver_day(spans)
    assert day.work_min == 6 * 73 + 6 * 70
    assert day.stretch_min == 6 * 73  # the morning's six trips, 5 minutes apart
    assert day.over == ("work", "stretch", "spread")


def test_a_pause_of_45_minutes_ends_a_stretch_and_a_shorter_one_does_not() -> None:
    long = driver_day([("05:00", "07:00"), ("07:45", "09:00")])
    short = driver_day([("05:00", "07:00"), ("07:44", "09:00")])
    assert (long.stretch_min, short.stretch_min) == (120, 120 + 76)
    assert long.spread_min == short.spread_min == 240 and long.over == short.over == ()


def test_a_return_after_midnight() -> None:
    assert driver_day([("22:00", "00:30")]) == driver_day([("22:00", "24:30")])
    assert driver_day([("22:00", "00:30")]).spread_min == 150


@given(st.lists(st.tuples(st.integers(0, 20 * 60), st.integers(1, 180)), min_size=1, max_size=12))
def test_figures_against_a_plain_reading(raw: list[tuple[int, int]]) -> None:
    """Work is the trips' minutes; the spread the first departure to the last return; the
    longest stretch is never more than the work and at least the longest trip; a day within
    every limit reports none."""
    spans = [(a, a + n) for a, n in raw]
    day = driver_day([(_hhmm(a), _hhmm(b)) for a, b in spans])
    assert day.work_min == sum(b - a for a, b in spans)
    assert day.spread_min == max(b for _, b in spans) - min(a for a, _ in spans)
    assert max(b - a for a, b in spans) <= day.stretch_min <= day.work_min
    if not day.over:
        assert day.work_min <= WORK_MAX_MIN and day.stretch_min <= STRETCH_MAX_MIN
        assert day.spread_min <= SPREAD_MAX_MIN
    assert BREAK_MIN == 45


def _vehicle_day(spans: list[tuple[str, str]]) -> VehicleDay:
    trips = tuple(
        TripRow(
            day="2027-07-05",
            foresteria_id="FR-A",
            direction="to_farm" if i % 2 == 0 else "to_foresteria",
            trip_id=f"T{i:02d}",
            vehicle_id="BUS1",
            depart=a,
            ret=b,
            km=10.0,
            riders=20,
            stops=(),
        )
        for i, (a, b) in enumerate(spans)
    )
    return VehicleDay(day="2027-07-05", vehicle_id="BUS1", foresteria_id="FR-A", trips=trips)


def test_the_sheet_says_the_drivers_day_and_warns_beyond_one_driver() -> None:
    """Every driver sheet says the day's minutes on trips, its longest run without a 45-minute
    break and its spread; beyond one driver's limits it says a second driver or a break is
    needed, in the sheet's language."""
    it = lang("it")
    easy = "".join(driver_day_lines(_vehicle_day([("05:00", "06:30"), ("13:00", "14:30")]), it))
    assert "id='driver'" in easy and "id='driver-over'" not in easy
    assert "3 h 00 min" in easy and "9 h 30 min" in easy  # on trips; 05:00 -> 14:30
    long = [(_hhmm(t), _hhmm(t + 70)) for t in range(165, 165 + 12 * 95, 95)]
    for code in ("it", "en", "fr", "ar"):
        lines = driver_day_lines(_vehicle_day(long), lang(code))
        assert len(lines) == 2 and "id='driver-over'" in lines[1]
        assert "561/2006" in lines[1] and 'data-over="work stretch spread"' in lines[0]
