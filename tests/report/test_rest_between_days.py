"""A driver's rest between two days (review 16 finding 8): each day is chained alone, so a
vehicle back at 21:13 may leave again at 03:53 the next morning. The rest is counted as the
clock runs (core/timeutil.rests_between_days); the later day's sheet, the report's index, the
driver's pack (export) and solve's warning say where it is under 11 h."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.core.i18n import lang
from foresterie.core.timeutil import DAILY_REST_MIN, rests_between_days
from foresterie.report.export import driver_packs
from foresterie.report.rundata import TripRow, load_run
from foresterie.report.sheets import (
    SheetSeason,
    sheet_html,
    short_rests_html,
    vehicle_days,
)
from foresterie.run.pipeline import short_rest_warning
from foresterie.shuttles.routes import Trip

ROME = "Europe/Rome"


def test_rest_is_the_night_between_last_return_and_first_departure() -> None:
    days = {
        ("VA1", date(2027, 7, 8)): (14 * 60, 21 * 60 + 13),
        ("VA1", date(2027, 7, 9)): (3 * 60 + 53, 16 * 60),
        ("VA1", date(2027, 7, 11)): (6 * 60, 8 * 60),  # the 10th off: no rest figure
        ("VA2", date(2027, 7, 9)): (5 * 60, 23 * 60),  # another vehicle: not VA1's night
        ("VA2", date(2027, 7, 10)): (0, 60),
        ("VA2", date(2027, 7, 11)): (3 * 60, 4 * 60),  # a return after midnight: 24:30
        ("VA2", date(2027, 7, 12)): (11 * 60, 24 * 60 + 30),
        ("VA2", date(2027, 7, 13)): (11 * 60 + 31, 12 * 60),
    }
    assert rests_between_days(days, ROME) == {
        ("VA1", date(2027, 7, 9)): 6 * 60 + 40,
        ("VA2", date(2027, 7, 10)): 60,  # back at 23:00, out at 00:00
        ("VA2", date(2027, 7, 11)): 26 * 60,
        ("VA2", date(2027, 7, 12)): 31 * 60,
        ("VA2", date(2027, 7, 13)): 11 * 60 + 1,
    }


def test_a_clock_change_in_the_night_counts() -> None:
    """2027-03-28 (spring) the night is an hour shorter, 2027-10-31 (autumn) an hour longer."""
    for before, after, minutes in (
        (date(2027, 3, 27), date(2027, 3, 28), 9 * 60 - 60),
        (date(2027, 10, 30), date(2027, 10, 31), 9 * 60 + 60),
        (date(2027, 7, 3), date(2027, 7, 4), 9 * 60),
    ):
        days = {("V", before): (6 * 60, 21 * 60), ("V", after): (6 * 60, 7 * 60)}
        assert rests_between_days(days, ROME) == {("V", after): minutes}


def _trip(day: str, tid: str, depart: str, back: str) -> TripRow:
    return TripRow(
        day=day,
        foresteria_id="FR-A",
        direction="to_farm",
        trip_id=tid,
        vehicle_id="VA1",
        depart=depart,
        ret=back,
        km=10.0,
        riders=8,
        stops=(),
    )


def test_the_later_days_sheet_and_the_index_say_a_short_rest(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """A real run's trips replaced by one vehicle's two days, back at 21:13 and out at 03:53:
    the second day's sheet says 6 h 40 min and asks for another driver, the first day's does
    not; the index counts one vehicle-day; a full 11 h says nothing."""
    run = load_run(tiny_season_run)
    base = run.trips[0].foresteria_id
    short = [
        replace(_trip("2027-07-08", "A", "14:00", "21:13"), foresteria_id=base),
        replace(_trip("2027-07-09", "B", "03:53", "16:00"), foresteria_id=base),
    ]
    words = {"it": "Riposo", "en": "Rest since", "fr": "Repos"}
    for code, word in words.items():
        lg = lang(code)
        plan = replace(run, trips=short)
        season = SheetSeason.of(plan, lg)
        assert season.rests == {("VA1", "2027-07-09"): 400}
        first, second = vehicle_days(plan)
        later = sheet_html(plan, second, lg, season.rests.get(("VA1", second.day)))
        earlier = sheet_html(plan, first, lg, season.rests.get(("VA1", first.day)))
        assert "id='driver-rest' data-rest-min='400'" in later and word in later
        assert "6 h 40 min" in later and "561/2006" in later
        assert "driver-rest" not in earlier
        index = short_rests_html(plan, lg)
        assert "data-n='1'" in index and "6 h 40 min" in index and "VA1" in index
    driver_packs(replace(run, trips=short), tmp_path, lang("en"))  # the driver's own pack
    assert "data-rest-min='400'" in (tmp_path / "2027-07-09/VA1/VA1.html").read_text("utf-8")
    assert "driver-rest" not in (tmp_path / "2027-07-08/VA1/VA1.html").read_text("utf-8")
    rested = [short[0], replace(short[1], depart="08:13")]  # 11 h exactly
    plan = replace(run, trips=rested)
    assert SheetSeason.of(plan, lang("en")).rests == {("VA1", "2027-07-09"): DAILY_REST_MIN}
    assert short_rests_html(plan, lang("en")) == ""


def test_solve_says_one_warning_line() -> None:
    def trip(day: date, depart: int, back: int, vehicle: str = "VA1") -> Trip:
        return Trip(
            trip_id=f"{vehicle}-{day}-{depart}",
            day=day,
            foresteria_id="FR-A",
            direction="to_farm",
            vehicle_id=vehicle,
            depart=depart,
            ret=back,
            metres=1000,
            riders=8,
            stops=(),
        )

    said: list[str] = []
    trips = [
        trip(date(2027, 7, 8), 14 * 60, 21 * 60 + 13),
        trip(date(2027, 7, 9), 3 * 60 + 53, 6 * 60),
        trip(date(2027, 7, 9), 15 * 60, 20 * 60),
        trip(date(2027, 7, 10), 3 * 60 + 30, 5 * 60),  # 7 h 30 after 20:00
        trip(date(2027, 7, 10), 6 * 60, 7 * 60, "VA2"),  # VA2's first day: no rest figure
    ]
    short_rest_warning(trips, ROME, said.append)
    assert said == [
        "warning: 2 vehicle-days start less than 11 h after the vehicle's last return the day "
        "before (the least: 6 h 40, VA1 on 2027-07-09): another driver or a later start (driver "
        "sheets; each day is planned alone)"
    ]
    said.clear()
    short_rest_warning(trips[:1] + trips[4:], ROME, said.append)
    assert said == []
