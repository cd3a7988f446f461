"""`foresterie day`: the day's demand from the ledger over the season plan, published as a verified,
replayable day run with boarding lists; imports are all or nothing; the ledger records the day.

The tiny season houses W01, W02 (men, farm F1, Mon-Sat), W03 (women, F2, every day) at FA and the
family W04, W05 (F2) at FB, all from 2026-07-06; W06 and W07 are waitlisted."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.files import file_sha256
from foresterie.ops.day import (
    SKIP_AFTER_NO_SHOWS,
    NoBed,
    booked_lines,
    day_demand,
    load_season_run,
    recorded,
    stability,
)
from foresterie.ops.ledger import Event, Ledger, ledger_path
from foresterie.run.stability import RefLeg as Leg
from foresterie.verify import verify_run
from tests.helpers import add_pickup, previous_day_run, rehash, with_referrals

D = date(2026, 7, 7)  # a Tuesday


@pytest.fixture
def season(tiny_season_run: Path) -> Path:
    return tiny_season_run


def _riders(season: Path, events: list[Event], d: date = D) -> dict[str, tuple[str, str]]:
    demand = day_demand(load_season_run(season), events, d)
    return {w.id: (w.farm_id or "", w.pinned_foresteria or "") for w in demand.riders}


def test_no_ledger_rows_means_the_season_plan(season: Path) -> None:
    assert _riders(season, []) == {
        "W01": ("F1", "FA"),
        "W02": ("F1", "FA"),
        "W03": ("F2", "FA"),
        "W04": ("F2", "FB"),
        "W05": ("F2", "FB"),
    }
    # Sunday: only F2 works, and the family left on the 11th
    assert set(_riders(season, [], date(2026, 7, 12))) == {"W03"}


def test_bookings_cancellations_and_check_ins(season: Path) -> None:
    events = [
        Event(kind="booking", day=D, worker_id="W01", farm_id="F2"),  # changed farm for a day
        Event(kind="cancellation", day=D, worker_id="W02"),
        Event(kind="booking", day=D, worker_id="W02"),  # corrected: the last row wins
        Event(kind="departure", day=D, worker_id="W03"),  # left this morning
        Event(kind="absent", day=date(2026, 7, 6), worker_id="W04"),  # ill
        Event(kind="booking", day=D, worker_id="W06"),  # waitlisted: no bed to ride from
    ]
    assert _riders(season, events) == {
        "W01": ("F2", "FA"),
        "W02": ("F1", "FA"),
        "W05": ("F2", "FB"),
    }
    demand = day_demand(load_season_run(season), events, D)
    assert demand.counts["booked"] == 2 and demand.counts["booked_without_bed"] == 1
    assert demand.counts["not_present"] == 2  # W03 left, W04 away
    # W06's booking is said, not only counted (review 18 R: it was dropped without a line)
    assert demand.no_bed == [NoBed("W06", "F3", "", "waitlisted")]
    (line,) = [x for x in booked_lines(demand, load_season_run(season).scenario) if "W06" in x]
    assert line == (
        "W06: booked for F3 on 2026-07-07: no bed that night (waitlisted in the season plan) and "
        "no place to board named: not planned; record the booking again with its origin (the "
        "departure point or foresteria they board at)"
    )


def test_recorded_arrivals_replace_the_planned_ones(season: Path) -> None:
    """Once a foresteria's arrivals are recorded, someone planned there from then on rides only
    after a check-in; FB, whose office recorded nothing, keeps the plan's expectation
    (tests/ops/test_offices.py)."""
    events = [Event(kind="arrival", day=date(2026, 7, 6), worker_id=w) for w in ("W01", "W03")]
    assert set(_riders(season, events)) == {"W01", "W03", "W04", "W05"}
    late = [*events, Event(kind="arrival", day=D, worker_id="W02")]
    assert set(_riders(season, late)) == {"W01", "W02", "W03", "W04", "W05"}


def test_a_late_arrival_does_not_stay_past_the_planned_departure(season: Path) -> None:
    """The family W04, W05 is planned 6-11 July at FB; W04 checks in three days late, on the
    9th (kept with the group before it): W04 rides on the 9th and 10th, not on the 11th, when the bed is someone else's (a day
    run pinned riders past their stay and found more people than beds)."""
    events = [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id="W05"),
        Event(kind="arrival", day=date(2026, 7, 9), worker_id="W04"),
    ]
    assert {"W04", "W05"} <= set(_riders(season, events, date(2026, 7, 10)))
    # on the 7th W04's own check-in is not written yet: he is expected with his group, which
    # is present as a whole (the intake's rule: review 20 R, MEDIUM-2), and said
    assert "W04" in _riders(season, events, D)
    assert day_demand(load_season_run(season), events, D).with_group == [("G1", ["W04"])]
    assert not {"W04", "W05"} & set(_riders(season, events, date(2026, 7, 11)))


def test_repeated_no_shows_release_the_seat_and_list_the_rider(season: Path) -> None:
    no_shows = [Event(kind="no_show", day=date(2026, 7, 6), worker_id="W01")]
    shows = [Event(kind="boarding", day=date(2026, 7, 6), worker_id="W01")]
    assert "W01" in _riders(season, shows)
    assert "W01" in _riders(season, no_shows)  # one no-show: the seat is still held
    streak = [
        Event(kind="no_show", day=date(2026, 7, 8 + k), worker_id="W01")
        for k in range(SKIP_AFTER_NO_SHOWS + 1)
    ]
    later = date(2026, 7, 8 + SKIP_AFTER_NO_SHOWS + 1)
    assert "W01" not in _riders(season, streak, later)
    demand = day_demand(load_season_run(season), streak, later)
    assert demand.follow_up == [("W01", SKIP_AFTER_NO_SHOWS + 1)]
    booked = [*streak, Event(kind="booking", day=later, worker_id="W01")]
    assert "W01" in _riders(season, booked, later)  # booking again: planned again


def test_stability_share() -> None:
    before = {
        ("W01", "to_farm"): Leg(vehicle_id="V1", depart_min=360),
        ("W02", "to_farm"): Leg(vehicle_id="V1", depart_min=360),
        ("W03", "to_farm"): Leg(vehicle_id="V2", depart_min=360),
        ("W04", "to_farm"): Leg(vehicle_id="V2", depart_min=360),
    }
    after = {
        ("W01", "to_farm"): Leg(vehicle_id="V1", depart_min=370),  # +10: kept
        ("W02", "to_farm"): Leg(vehicle_id="V1", depart_min=349),  # -11: changed
        ("W03", "to_farm"): Leg(vehicle_id="V1", depart_min=360),  # other vehicle: changed
        ("W05", "to_farm"): Leg(vehicle_id="V2", depart_min=360),  # new: not counted
    }
    assert stability(before, after) == {
        "rider_legs_in_both": 3,
        "kept": 1,
        "changed": 2,
        "share_kept": round(1 / 3, 4),
    }


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def _rows(path: Path) -> int:
    return int(sqlite3.connect(path).execute("SELECT COUNT(*) FROM ledger_events").fetchone()[0])


@pytest.mark.parametrize(
    ("trips_csv", "expect"),
    [
        ("trip_id,dia,depart\n", "trips.csv:1: day: column missing from the header"),
        (
            "trip_id,day,direction,vehicle_id,depart\nT1,2026-07-06,to_farm,V1,6h30\n",
            "trips.csv: depart: not a time HH:MM: '6h30'",
        ),
        (
            "trip_id,day,direction,vehicle_id,depart\nT1,2026-07-06,to_farm\n",
            "trips.csv:2: day: 3 fields, the header has 5",
        ),
    ],
)
def test_a_damaged_previous_day_run_beside_it_is_one_line_and_exit_2(
    season: Path, tmp_path: Path, trips_csv: str, expect: str
) -> None:
    """The day before's run folder is read for the stability figures; damaged (a column gone,
    a time that is no time, a row cut short), it is named in one line, exit 2, and nothing of
    the day is published or recorded."""
    days = tmp_path / "days"
    previous_day_run(days, load_season_run(season).manifest_sha256, trips_csv)
    led = tmp_path / "ledger.sqlite"
    assert _cli("ledger", "init", str(season), "--ledger", str(led))[0] == 0
    code, out = _cli(
        "day",
        str(season),
        "--date",
        D.isoformat(),
        "--ledger",
        str(led),
        "--out",
        str(days / D.isoformat()),
    )
    assert code == 2, out
    assert expect in out and "Traceback" not in out
    assert sorted(p.name for p in days.iterdir()) == ["2026-07-06"]


def test_day_run_end_to_end(season: Path, tmp_path: Path) -> None:
    led = tmp_path / "ledger.sqlite"
    checkins = tmp_path / "checkins.csv"
    checkins.write_text("date,worker_id,event\n2026-07-06,W02,departure\n")
    incidents = tmp_path / "incidents.csv"
    incidents.write_text("date,vehicle_id,incident,note\n2026-07-07,VB1,breakdown,tyre\n")
    code, out = _cli("ledger", "import", str(season), str(checkins), "--ledger", str(led))
    assert code == 0, out
    code, out = _cli("ledger", "import", str(season), str(incidents), "--ledger", str(led))
    assert code == 0, out
    day_dir = tmp_path / "days" / D.isoformat()
    code, out = _cli(
        "day", str(season), "--date", D.isoformat(), "--ledger", str(led), "--out", str(day_dir)
    )
    assert code == 0, out
    record = json.loads((day_dir / "day.json").read_text())
    assert record["riders"] == 4  # W01, W03 at FA; W04, W05 at FB
    assert record["vehicles_out_of_service"] == ["VB1"]
    with open(day_dir / "plan" / "unserved.csv", newline="") as fh:
        unserved = list(csv.DictReader(fh))
    # FB's only vehicle is out: its riders are served that day from FA, the nearest base with a
    # vehicle (README "Departure points"), whose van runs its season trips (vehicles busy)
    assert {(u["foresteria_id"], u["base_id"], u["worker_days"], u["code"]) for u in unserved} == {
        ("FB", "FA", "2", "vehicles_busy")
    }
    assert "based at Fortore" in unserved[0]["reason"]
    with open(day_dir / "inputs" / "workers.csv", newline="") as fh:
        inputs = list(csv.DictReader(fh))
    assert "priority" not in inputs[0]  # priorities live in restricted/ (README)
    with open(day_dir / "restricted" / "priority.csv", newline="") as fh:
        # the referral flag never travels to a day
        assert {w["priority"] for w in csv.DictReader(fh)} == {"0"}
    assert _cli("verify", str(day_dir))[0] == 0
    # a day's key figures count that night's beds, not the whole season's (verified above)
    kpi = json.loads((day_dir / "manifest.json").read_text())["kpis"]["housing"]
    sites = json.loads((day_dir / "inputs" / "foresterie.geojson").read_text())["features"]
    beds = sum(
        sum(int(p[f"beds_{s}"]) for s in ("men", "women", "family"))
        for p in (f["properties"] for f in sites)
        if str(p["open_from"]) <= D.isoformat() <= str(p["open_to"])
    )
    assert kpi["bed_nights_capacity"] == beds > 0
    assert kpi["bed_nights_used"] <= beds
    code, out = _cli("replay", str(day_dir), "--out", str(tmp_path / "replay"))
    assert code == 0, out
    # the ledger records the day plan: its manifest hash, chained after the imports
    with Ledger.open(led) as ledger:
        last = ledger.rows()[-1]
        assert ledger.verify() == []
    assert (last.event.kind, last.event.day) == ("day_plan", D)
    assert last.event.note == file_sha256(day_dir / "manifest.json")
    assert record["ledger"]["rows"] == last.seq - 1
    # boarding lists: the ids of that vehicle's riders, a QR code each, importable as a CSV
    sheet = (day_dir / "report" / "boarding" / D.isoformat() / "VA1.html").read_text()
    assert sheet.count("<svg") == 4 and "W01" in sheet and "W03" in sheet
    filled = day_dir / "report" / "boarding" / D.isoformat() / "VA1.csv"
    text = filled.read_text().replace(",W01,,", ",W01,yes,06:05").replace(",W03,,", ",W03,no,")
    filled.write_text(text)
    code, out = _cli("ledger", "import", str(season), str(filled), "--ledger", str(led))
    assert code == 0, out
    with Ledger.open(led) as ledger:
        kinds = [(r.event.kind, r.event.worker_id) for r in ledger.rows()[-4:]]
    assert ("boarding", "W01") in kinds and ("no_show", "W03") in kinds


def test_a_bad_row_writes_nothing(season: Path, tmp_path: Path) -> None:
    led = tmp_path / "l.sqlite"
    good = tmp_path / "good.csv"
    good.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n")
    assert _cli("ledger", "import", str(season), str(good), "--ledger", str(led))[0] == 0
    bad = tmp_path / "bookings.csv"
    bad.write_text("date,worker_id,action\n2026-07-07,W01,book\n2026-07-07,W77,book\n")
    before = led.read_bytes()
    code, out = _cli("ledger", "import", str(season), str(good), str(bad), "--ledger", str(led))
    assert code == 2
    assert (
        out.strip() == "error: bookings.csv:3: worker_id: 'W77' is not a worker of the season run"
    )
    assert _rows(led) == 2 and led.read_bytes() == before  # the arrival, its file's record


def test_ledger_verify_command(season: Path, tmp_path: Path) -> None:
    good = tmp_path / "c.csv"
    good.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W02,arrival\n")
    assert _cli("ledger", "import", str(season), str(good), "--ledger", str(tmp_path / "x"))[0] == 0
    code, out = _cli("ledger", "verify", str(season), "--ledger", str(tmp_path / "x"))
    assert code == 0 and "3 rows, chain intact" in out  # the 2 check-ins, the file's record
    conn = sqlite3.connect(tmp_path / "x", isolation_level=None)
    conn.execute("DROP TRIGGER ledger_no_update")
    conn.execute("UPDATE ledger_events SET day = '2026-07-05' WHERE seq = 1")
    conn.close()
    code, out = _cli("ledger", "verify", str(season), "--ledger", str(tmp_path / "x"))
    assert code == 1 and "violation: row 1: content does not match its hash (edited)" in out


def test_default_ledger_sits_beside_the_run(season: Path) -> None:
    assert ledger_path(season) == season.parent / "tiny.ledger.sqlite"


def test_day_run_keeps_the_season_trips_of_the_riders_left(season: Path, tmp_path: Path) -> None:
    """W02 cancels: the others keep their season trips (vehicle and times), W02's seat is freed."""
    led = tmp_path / "l.sqlite"
    b = tmp_path / "bookings.csv"
    b.write_text("date,worker_id,action\n2026-07-07,W02,cancel\n")
    assert _cli("ledger", "import", str(season), str(b), "--ledger", str(led))[0] == 0
    out = tmp_path / "day"
    code, text = _cli(
        "day", str(season), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["shuttles"]["stability"]["mode"] == "kept"
    record = json.loads((out / "day.json").read_text())
    assert record["stability_vs_season"]["share_kept"] == 1.0
    assert record["stability_vs_season"]["rider_legs_in_both"] == 8  # W01, W03, W04, W05 x 2
    with open(season / "plan" / "trips.csv", newline="") as fh:
        season_trips = {
            r["trip_id"]: (r["vehicle_id"], r["depart"])
            for r in csv.DictReader(fh)
            if r["day"] == D.isoformat()
        }
    with open(out / "plan" / "trips.csv", newline="") as fh:
        day_trips = {r["trip_id"]: (r["vehicle_id"], r["depart"]) for r in csv.DictReader(fh)}
    assert day_trips.items() <= season_trips.items()
    with open(out / "plan" / "riders.csv", newline="") as fh:
        assert "W02" not in {r["worker_id"] for r in csv.DictReader(fh)}


def test_recorded_boardings_of_a_day() -> None:
    d = date(2026, 7, 6)
    events = [
        Event(kind="no_show", day=d, worker_id="W01"),  # missed the morning, came back: boarded
        Event(kind="boarding", day=d, worker_id="W01"),
        Event(kind="no_show", day=d, worker_id="W02"),
        Event(kind="no_show", day=d, worker_id="W02"),
        Event(kind="boarding", day=D, worker_id="W03"),  # another day
    ]
    assert recorded(events, d) == {
        "riders_boarded": 1,
        "no_shows": 1,
        "no_show_rate": 0.5,
        "out_not_back": 0,  # rows without a leg say nothing of it
    }
    assert recorded([], d)["no_show_rate"] is None


def test_a_site_to_avoid_is_never_a_day_run_destination(tmp_path: Path) -> None:
    """The season run's referral records (restricted part) hold for day runs: W02 must be kept
    away from F1, his own farm, so he is not expected there, and a booking there is not taken."""
    season = tmp_path / "ref-run"
    scenario = with_referrals(tmp_path, "W02,2026-07-01,Sportello Antitratta,high,F1\n")
    assert _cli("solve", str(scenario), "--out", str(season))[0] == 0
    assert set(_riders(season, [])) == {"W01", "W03", "W04", "W05"}
    booked = [Event(kind="booking", day=D, worker_id="W02", farm_id="F1")]
    assert "W02" not in _riders(season, booked)
    booked = [Event(kind="booking", day=D, worker_id="W02", farm_id="F2")]
    assert _riders(season, booked)["W02"][0] == "F2"  # another farm: driven there


def test_bookings_from_a_departure_point(tiny: Path, tmp_path: Path) -> None:
    """W01 (housed at FA) and W06 (waitlisted, no departure point of their own) book a ride from
    the departure point PX: both board there, nobody is given a bed for it, the day is verified."""
    add_pickup(tiny, rider="W07")
    run = tmp_path / "season"
    code, text = _cli("solve", str(tiny), "--out", str(run))
    assert code == 0, text
    events = [
        Event(kind="booking", day=D, worker_id="W01", origin="PX"),
        Event(kind="booking", day=D, worker_id="W06", origin="PX", farm_id="F1"),
    ]
    demand = day_demand(load_season_run(run), events, D)
    boards = {w.id: (w.pinned_foresteria, w.pickup_id) for w in demand.riders}
    assert boards["W01"] == (None, "PX") and boards["W06"] == (None, "PX")
    assert boards["W02"] == ("FA", None)
    assert demand.counts["booked_from_departure_point"] == 2
    b = tmp_path / "bookings.csv"
    b.write_text("date,worker_id,action,origin,farm_id\n2026-07-07,W01,book,PX,\n")
    led = tmp_path / "l.sqlite"
    assert _cli("ledger", "import", str(run), str(b), "--ledger", str(led))[0] == 0
    out = tmp_path / "day"
    code, text = _cli(
        "day", str(run), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, text
    with open(out / "plan" / "trips.csv", newline="") as fh:
        origin = {r["trip_id"]: r["origin_id"] for r in csv.DictReader(fh)}
    with open(out / "plan" / "riders.csv", newline="") as fh:
        rides = {(r["worker_id"], origin[r["trip_id"]]) for r in csv.DictReader(fh)}
    with open(out / "plan" / "unserved.csv", newline="") as fh:
        left = {
            (w, r["foresteria_id"]) for r in csv.DictReader(fh) for w in r["worker_ids"].split()
        }
    # W01 boards at PX (the tiny fleet's one vehicle at FB may have no time for it: then W01 is
    # listed unserved at PX), never at FA where the bed is; the others keep their trips
    assert ("W01", "PX") in rides | left and ("W01", "FA") not in rides
    assert ("W02", "FA") in rides
    with open(out / "plan" / "waitlist.csv", newline="") as fh:
        assert {r["worker_id"]: r["code"] for r in csv.DictReader(fh)} == {"W01": "past"}
    assert _cli("verify", str(out))[0] == 0
    # the coordinator reads where the day's riders ride from, not "1 waitlisted" (review 10,
    # finding 12: W01 has a bed and rides from PX today; a day run places nobody)
    riders = json.loads((out / "day.json").read_text())["riders"]
    assert f"riders: {riders - 1} from their foresteria, 1 from a departure point" in text
    assert "waitlisted" not in text


def test_verify_keeps_the_season_seat_holders_first(season: Path, tmp_path: Path) -> None:
    """W03 books F1 for the day (F2 in the season plan): at FA-F1, W01 and W02 hold seats of the
    season plan's trips, W03 does not. A forged day plan that leaves W01 behind while W03 rides
    breaks the day run's rule (seat holders first); verify says so."""
    led = tmp_path / "l.sqlite"
    b = tmp_path / "bookings.csv"
    b.write_text("date,worker_id,action,farm_id\n2026-07-07,W03,book,F1\n")
    assert _cli("ledger", "import", str(season), str(b), "--ledger", str(led))[0] == 0
    out = tmp_path / "day"
    code, text = _cli(
        "day", str(season), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, text
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    riders = (forged / "plan" / "riders.csv").read_text().splitlines(keepends=True)
    assert any(r.endswith(",W03\n") for r in riders)
    (forged / "plan" / "riders.csv").write_text("".join(r for r in riders if ",W01\n" not in r))
    with open(forged / "plan" / "unserved.csv", "a", newline="") as fh:
        fh.write('2026-07-07,FA,FA,F1,1,vehicles_busy,no,1,1,"forged",W01\n')
    rehash(forged, ["plan/riders.csv", "plan/unserved.csv"])
    found = verify_run(forged)
    assert any(v.startswith("ride order broken: 2026-07-07 FA F1") for v in found), found
    assert verify_run(out) == []


def test_a_day_nobody_rides_is_one_line_and_writes_nothing(season: Path, tmp_path: Path) -> None:
    """Session 8: on a day with no riders (before anyone arrived; a Sunday every farm rests) the
    day scenario's empty workers.csv was refused as if the planner had written it: "error:
    workers.csv: file: header only, no data rows"."""
    out, led = tmp_path / "day", tmp_path / "l.sqlite"
    assert _cli("ledger", "init", str(season), "--ledger", str(led))[0] == 0
    before = led.read_bytes()
    code, said = _cli(
        "day", str(season), "--date", "2026-07-02", "--ledger", str(led), "--out", str(out)
    )
    assert code == 2
    assert said.strip() == (
        "error: --date: 2026-07-02: nobody rides (no one housed or booked has a "
        "workday): no day to plan"
    )
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["l.sqlite"]
    assert led.read_bytes() == before


@pytest.mark.parametrize("command", ["day", "intake"])
def test_day_and_intake_never_write_over_the_season_run(
    season: Path, tmp_path: Path, command: str
) -> None:
    """Session 8: `day RUN --out RUN --force` (or intake's) would replace the season run itself
    by one day's plan (or a re-plan)."""
    run, led = tmp_path / "season", tmp_path / "l.sqlite"
    shutil.copytree(season, run)
    assert _cli("ledger", "init", str(run), "--ledger", str(led))[0] == 0
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    code, said = _cli(
        command,
        str(run),
        "--date",
        "2026-07-07",
        "--ledger",
        str(led),
        "--out",
        str(run),
        "--force",
    )
    assert code == 2
    assert said.strip() == (
        f"error: {run}: --out: is or holds the season run, which --force would delete; "
        "write to another folder"
    )
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_a_ledger_inside_the_run_folder_is_refused(season: Path, tmp_path: Path) -> None:
    """Session 8: `ledger init RUN --ledger RUN/plan/x.sqlite` made a ledger inside the run, a
    file nothing in the manifest vouches for: the run failed verification from then on."""
    run = tmp_path / "season"
    shutil.copytree(season, run)
    inside = run / "plan" / "ledger.sqlite"
    code, said = _cli("ledger", "init", str(run), "--ledger", str(inside))
    assert code == 2
    assert (
        said.strip()
        == f"error: {inside}: ledger: lies inside the run folder; put it beside the run"
    )
    assert not inside.exists() and verify_run(run) == []
