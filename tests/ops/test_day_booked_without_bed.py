"""A booking for someone with no bed that night and no place to board is said, one line per
booking, with why the season plan has no bed (which rule ended it, from when) and what to record
(review 18 R, LOW-4: a farm's own booking for a crew member whose bed the release rule ended was
dropped without a line, only counted in day.json).

The season: W01 and W02 work at F1 (Mon-Sat), whose calendar closes 13 July to the end of their
stays (the work over: no pause); with `max_days_without_work = 3` their beds are released from
the morning of the 16th (13, 14 and 15 without work). W03 works at F2 and is housed all along."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.day import NoBed, booked_lines, day_demand, load_season_run
from foresterie.ops.ledger import Event
from tests.helpers import cli_ok, release_season

D = date(2026, 7, 17)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("booked_without_bed")
    folder = release_season(
        base / "scenario",
        [
            "W01,2026-07-06,2026-07-25,men,,F1,0,false,",
            "W02,2026-07-06,2026-07-25,men,,F1,0,false,",
            "W03,2026-07-06,2026-07-25,women,,F2,0,false,",
        ],
        "F1,2026-07-13,2026-07-25",  # to the end of their stays: the work is over, no pause
        min_overlap=1,
        family_beds=0,
    )
    run = base / "season"
    cli_ok("solve", str(folder), "--out", str(run))
    return run


def test_a_booking_after_the_release_rule_ended_the_bed_is_said(released: Path) -> None:
    season = load_season_run(released)
    events = [
        Event(kind="booking", day=D, worker_id="W01", farm_id="F1", booked_by="farm"),
        Event(kind="booking", day=D, worker_id="W02", farm_id="F1", booked_by="worker"),
    ]
    demand = day_demand(season, events, D)
    assert demand.counts["booked_without_bed"] == 2
    assert {r.id for r in demand.riders} == {"W03"}
    since = date(2026, 7, 16)
    assert demand.no_bed == [
        NoBed("W01", "F1", "farm", "released", since, "released_no_work"),
        NoBed("W02", "F1", "worker", "released", since, "released_no_work"),
    ]
    lines = [x for x in booked_lines(demand, season.scenario) if x.startswith("W0")]
    assert lines == [
        f"{w}: booked for F1 on 2026-07-17{by}: no bed that night (the bed released "
        "from 2026-07-16, after 3 days without work at the farm in a row ([housing] "
        "max_days_without_work)) and no place to board named: not planned; record the booking "
        "again with its origin (the departure point or foresteria they board at)"
        for w, by in (("W01", " by the farm itself"), ("W02", ""))
    ]


def test_a_booking_outside_the_stay_says_the_stay(released: Path) -> None:
    season = load_season_run(released)
    d = date(2026, 7, 27)
    events = [Event(kind="booking", day=d, worker_id="W03", farm_id="F2")]
    demand = day_demand(season, events, d)
    assert demand.no_bed == [NoBed("W03", "F2", "", "stay")]
    (line,) = booked_lines(demand, season.scenario)
    assert line.startswith(
        "W03: booked for F2 on 2026-07-27: no bed that night (outside their stay, "
        "2026-07-06..2026-07-25) and no place to board named"
    )
