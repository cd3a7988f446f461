"""A farm's days without work (`farm_calendar.csv`) in the shuttles: nobody rides to a farm on a
day its calendar closes, nobody is owed a ride there (no trip, no unserved row), as on its
weekly rest days (review 17, finding 1)."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foresterie.housing.release import closed_days
from foresterie.scenario.model import FarmClosure
from foresterie.shuttles.routes import daily_riders, works_on
from foresterie.verify import verify_run
from tests.helpers import (
    TINY,
    D,
    cli_ok,
    farm,
    foresteria,
    scenario,
    whole_stays,
    with_farm_calendar,
    worker,
)

MON_FRI = frozenset(range(5))


def test_a_closed_farm_has_no_riders_that_day_and_the_others_keep_theirs() -> None:
    # F1 works Monday to Friday and is closed Wednesday 07-08 and Thursday 07-09 (rain), and on
    # Saturday 07-11, a day it rests anyway; F2 works every day and is never closed.
    f1, f2 = farm("F1", days=MON_FRI), farm("F2")
    ws = [
        worker("w1", "2026-07-06", "2026-07-14", farm_id="F1"),
        worker("w2", "2026-07-06", "2026-07-14", farm_id="F2"),
    ]
    sc = scenario([foresteria("A", men=9)], [f1, f2], ws)
    closures = (
        FarmClosure(farm_id="F1", first_day=D("2026-07-08"), last_day=D("2026-07-09")),
        FarmClosure(farm_id="F1", first_day=D("2026-07-11"), last_day=D("2026-07-11")),
    )
    closed = replace(sc, farm_closures=closures)
    assert works_on(f1, D("2026-07-08"), sc)  # without the calendar: a workday
    assert not works_on(f1, D("2026-07-08"), closed)
    assert not works_on(f1, D("2026-07-09"), closed)
    assert works_on(f1, D("2026-07-10"), closed) and works_on(f2, D("2026-07-08"), closed)
    got = daily_riders(closed, whole_stays(ws, "A"))
    f1_days = sorted(d for d, _, f in got if f == "F1")
    assert f1_days == [D("2026-07-06"), D("2026-07-07"), D("2026-07-10"), D("2026-07-13")]
    assert sorted(d for d, _, f in got if f == "F2") == [
        date(2026, 7, d) for d in range(6, 14)
    ]  # every day of w2's stay
    # the same riders as without the calendar, less F1's two closed workdays
    plain = daily_riders(sc, whole_stays(ws, "A"))
    assert set(plain) - set(got) == {
        (D("2026-07-08"), "A", "F1"),
        (D("2026-07-09"), "A", "F1"),
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def closed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny season with F1 (Mon-Sat: W01, W02 at FA) closed Thursday 07-09 and Friday
    07-10, and no rule releasing beds: W01 and W02 stay, and ride on F1's other workdays."""
    sc = tmp_path_factory.mktemp("scen") / "tiny"
    shutil.copytree(TINY, sc)
    with_farm_calendar(
        sc,
        "farm_id,first_day,last_day,note\nF1,2026-07-09,2026-07-10,rain\n",
    )
    out = tmp_path_factory.mktemp("runs") / "closed"
    cli_ok("solve", str(sc), "--out", str(out))
    return out


def test_no_trip_stops_at_a_closed_farm_and_nobody_is_owed_a_ride_there(closed_run: Path) -> None:
    plan = closed_run / "plan"
    day = {t["trip_id"]: t["day"] for t in _rows(plan / "trips.csv")}
    f1 = {day[s["trip_id"]] for s in _rows(plan / "stops.csv") if s["farm_id"] == "F1"}
    assert f1 == {"2026-07-06", "2026-07-07", "2026-07-08", "2026-07-11"}  # no 09, 10 (nor 12:
    # a Sunday), W01 and W02 leave on the 13th
    unserved = {(u["day"], u["farm_id"]) for u in _rows(plan / "unserved.csv")}
    assert not {("2026-07-09", "F1"), ("2026-07-10", "F1")} & unserved
    legs: dict[str, list[tuple[str, str]]] = {}
    trips = {t["trip_id"]: t for t in _rows(plan / "trips.csv")}
    for r in _rows(plan / "riders.csv"):
        t = trips[r["trip_id"]]
        legs.setdefault(r["worker_id"], []).append((t["day"], t["direction"]))
    for wid in ("W01", "W02"):
        days = {d for d, _ in legs[wid]}
        assert days == {"2026-07-06", "2026-07-07", "2026-07-08", "2026-07-11"}, (wid, days)
        assert len(legs[wid]) == 2 * len(days)  # both legs each day
    assert verify_run(closed_run) == []


def test_the_closed_days_follow_each_calendar_never_a_stale_one() -> None:
    """closed_days keeps each calendar's days by the tuple's identity (works_on asks it for
    every farm and day): a new calendar, even one made where an old one was freed, gets its own
    days, also past the few kept."""
    for k in range(20):
        cal = (FarmClosure(farm_id=f"F{k}", first_day=D("2026-07-06"), last_day=D("2026-07-07")),)
        assert closed_days(cal) == {(f"F{k}", D("2026-07-06")), (f"F{k}", D("2026-07-07"))}
        assert closed_days(cal) is closed_days(cal)  # built once
