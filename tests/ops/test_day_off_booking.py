"""A booking for a farm's day off (review 16, "Smaller things"): a farm asking for a crew on a
day it does not usually work. The booking is the better information: the day run plans the ride,
the farm working that day in the day's scenario (and only there), and the command says so. A
booking for a shift the heat ordinance leaves no hours is not planned, and said too.

The tiny season: W01, W02 work at F1 (Mon-Sat, 05:30-13:30), housed at FA 6-12 July; W03 at F2
(every day). Sunday 2026-07-12: F1 rests, F2 works."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.core.restricted import read_restricted
from foresterie.core.timeutil import parse_hhmm
from foresterie.ops.day import booked_lines, day_demand, load_season_run, with_heat_alert
from foresterie.ops.ledger import Event
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.routes import works_on
from tests.helpers import cli_ok, cli_run, season_with_ledger

SUNDAY = date(2026, 7, 12)
LISTED = date(2026, 7, 8)  # the tiny season's heat-alert day (a Wednesday)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_crew_booked_on_the_farms_day_off_is_planned(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = season_with_ledger(tiny_season_run, tmp_path)
    bookings = tmp_path / "bookings.csv"
    bookings.write_text("date,worker_id,action,leg,farm_id,origin\n2026-07-12,W01,book,round,F1,\n")
    cli_ok("ledger", "import", str(run), str(bookings))
    out = tmp_path / "day"
    said = cli_ok("day", str(run), "--date", SUNDAY.isoformat(), "--out", str(out))
    assert (
        "booked for F1 on 2026-07-12: 1 rider (W01); F1 does not work on Sun: planned as "
        "booked, the farm working that day"
    ) in said
    riders = {r["worker_id"] for r in _rows(out / "plan" / "riders.csv")}
    assert riders == {"W01", "W03"}  # W01 there and back (W02, not booked, rests)
    assert sum(1 for r in _rows(out / "plan" / "riders.csv") if r["worker_id"] == "W01") == 2
    assert _rows(out / "plan" / "unserved.csv") == []
    stops = {s["farm_id"] for s in _rows(out / "plan" / "stops.csv")}
    assert stops == {"F1", "F2"}
    record = json.loads((out / "day.json").read_text(encoding="utf-8"))
    assert record["demand"]["booked_on_a_day_off"] == 1
    assert record["farms_working_a_day_off"] == ["F1"]
    # the day's own inputs say F1 works that day (the verifier and a replay read them); the
    # other farms are as the season has them
    day_sc = load_scenario(out / "inputs", restricted=read_restricted(out))
    season = load_season_run(run).scenario
    farms = {f.id: f for f in day_sc.farms}
    assert works_on(farms["F1"], SUNDAY, day_sc)
    assert {f.id: f for f in season.farms}["F1"].workdays | {SUNDAY.weekday()} == farms[
        "F1"
    ].workdays
    assert [f for f in day_sc.farms if f.id != "F1"] == [f for f in season.farms if f.id != "F1"]
    assert cli_run("verify", str(out))[0] == 0
    code, said = cli_run("replay", str(out), "--out", str(tmp_path / "replay"))
    assert code == 0, said


def test_a_day_without_such_bookings_keeps_the_seasons_farms(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = season_with_ledger(tiny_season_run, tmp_path)
    out = tmp_path / "day"
    said = cli_ok("day", str(run), "--date", SUNDAY.isoformat(), "--out", str(out))
    assert "booked for" not in said
    # one rider, one vehicle: said in the singular (review 16: "1 vehicles (season plan 2)")
    assert (
        ": 1 rider expected, 1 with a ride there and back, 0 rider-trips unserved, 1 vehicle (season plan 1);"
        in said
    )
    assert (out / "inputs" / "farms.geojson").read_bytes() == (
        run / "inputs" / "farms.geojson"
    ).read_bytes()
    assert {r["worker_id"] for r in _rows(out / "plan" / "riders.csv")} == {"W03"}
    assert json.loads((out / "day.json").read_text())["farms_working_a_day_off"] == []


def test_a_booking_into_the_heat_ban_is_not_planned_and_said(tiny_season_run: Path) -> None:
    """F1 moved to a 13:00 start: on the heat-alert day the ordinance leaves it no hours, so a
    booking for it is not a ride to plan (nobody works that shift), and is said as such."""
    season = load_season_run(tiny_season_run)
    late = tuple(
        replace(f, shift_start=parse_hhmm("13:00"), shift_end=parse_hhmm("19:00"))
        if f.id == "F1"
        else f
        for f in season.scenario.farms
    )
    season = with_heat_alert(
        replace(season, scenario=replace(season.scenario, farms=late)), LISTED, True
    )
    events = [Event(kind="booking", day=LISTED, worker_id="W01", farm_id="F1")]
    demand = day_demand(season, events, LISTED)
    assert "W01" not in {w.id for w in demand.riders}
    assert demand.counts["booked_into_heat_ban"] == 1 and demand.day_off == []
    assert booked_lines(demand, season.scenario) == [
        "booked for F1 on 2026-07-08: 1 rider (W01); F1 has no hours under the heat alert (its "
        "shift starts at or after 12:30): not planned, no ride owed"
    ]
