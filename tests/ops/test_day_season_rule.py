"""A day run expects the riders the season plan's own rule expects (review 14, findings 10, 4):
dependants (`rides = false`) never ride, and people are present where the plan gave them a bed
*that night* (or at their departure point on a day of the stay without one), never at a bed
before it opens or after it closes; a rider the driver saw aboard has arrived (finding 5)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

from foresterie.core.timeutil import date_range
from foresterie.ops.day import day_demand, load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event
from tests.helpers import PARTIAL, TINY, cli_run

D = date(2026, 7, 7)  # a Tuesday: F1 and F2 both work


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _with_dependant(tmp_path: Path) -> Path:
    """tiny, with W05 (the family W04, W05 at FB, farm F2 in workers.csv) a dependant."""
    folder = tmp_path / "dep"
    shutil.copytree(TINY, folder)
    path = folder / "workers.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    out = [lines[0] + ",rides"]
    out += [line + (",false" if line.startswith("W05,") else ",") for line in lines[1:]]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return folder


def test_a_dependant_never_rides_on_a_day_run(tmp_path: Path) -> None:
    """W05 (rides = false, farm F2 written all the same) is not expected, not taken on a
    booking, counted as a dependant; the day run's inputs and plan never seat W05, as the season
    plan never does (its riders.csv is the reference)."""
    run = tmp_path / "season"
    code, text = cli_run("solve", str(_with_dependant(tmp_path)), "--out", str(run))
    assert code == 0, text
    season = load_season_run(run)
    assert "W05" not in {r["worker_id"] for r in _csv(run / "plan" / "riders.csv")}
    demand = day_demand(season, [], D)
    riders = {w.id for w in demand.riders}
    assert "W04" in riders and "W05" not in riders
    assert demand.counts["dependants"] == 1
    booked = day_demand(season, [Event(kind="booking", day=D, worker_id="W05")], D)
    assert "W05" not in {w.id for w in booked.riders}
    assert booked.counts["dependant_booked"] == 1
    assert cli_run("ledger", "init", str(run))[0] == 0
    out = tmp_path / "day"
    code, text = cli_run("day", str(run), "--date", D.isoformat(), "--out", str(out))
    assert code == 0, text
    assert "W05" not in {r["worker_id"] for r in _csv(out / "inputs" / "workers.csv")}
    assert "W05" not in {r["worker_id"] for r in _csv(out / "plan" / "riders.csv")}
    assert json.loads((out / "day.json").read_text())["demand"]["dependants"] == 1
    # an intake keeps the dependant a dependant (its re-plan's shuttles never seat W05 either)
    code, text = cli_run("intake", str(run), "--date", D.isoformat())
    assert code == 0, text
    intake = run.parent / "season.intake" / D.isoformat()
    rides = {r["worker_id"]: r["rides"] for r in _csv(intake / "inputs" / "workers.csv")}
    assert rides["W05"] == "false"
    assert "W05" not in {r["worker_id"] for r in _csv(intake / "plan" / "riders.csv")}


def test_day_runs_follow_the_planned_nights_of_partial_stays(tmp_path: Path) -> None:
    """partial: FA opens on 07-08, FB closes after 07-15, so the plan houses people for part of
    their stay. Every day run pins its riders only to the bed the season plan gave them that
    night; each day that someone housed on other nights has no bed is a day run that works (it
    failed as "infeasible: pinned people ... before it opens / after its last open night")."""
    run = tmp_path / "season"
    code, text = cli_run("solve", str(PARTIAL), "--out", str(run))
    assert code == 0, text
    season = load_season_run(run)
    beds = {
        (a["worker_id"], d): a["foresteria_id"]
        for a in _csv(run / "plan" / "assignments.csv")
        for d in date_range(date.fromisoformat(a["from"]), date.fromisoformat(a["to"]))
    }
    sc = season.scenario
    gaps = []  # (day, worker): inside the stay of someone housed, no bed that night
    for d in date_range(sc.config.scenario.season_start, sc.config.scenario.season_end):
        demand = day_demand(season, [], d)
        for w in demand.riders:
            if w.pinned_foresteria:
                assert beds.get((w.id, d)) == w.pinned_foresteria, (w.id, d)
        gaps += [
            (d, w.id)
            for w in sc.workers
            if w.id in season.assigned and w.arrival <= d < w.departure and (w.id, d) not in beds
        ]
    assert cli_run("ledger", "init", str(run))[0] == 0
    days = sorted({d for d, _ in gaps})
    assert days  # the fixture has stays starting before FA opens or ending after FB closes
    planned = 0
    for d in [days[0], days[-1]]:  # before an opening, after a closing
        demand = day_demand(season, [], d)
        assert demand.counts["no_bed_that_night"] >= 1
        if not demand.riders:
            continue
        out = tmp_path / f"day-{d}"
        code, text = cli_run("day", str(run), "--date", d.isoformat(), "--out", str(out))
        assert code == 0, (d, text)
        assert cli_run("verify", str(out))[0] == 0
        planned += 1
    assert planned


def test_a_rider_seen_aboard_counts_as_arrived(tiny_season_run: Path) -> None:
    """FA's office records arrivals (W01's check-in of 07-06) but not yet W03's; the driver's
    list has W03 aboard on 07-06 (review 14, finding 5). W03 is expected on 07-08 and keeps the
    bed at the intake of 07-09, W02 (neither checked in nor aboard) is not expected and loses
    it; the per-site line says so. A boarding before the planned arrival proves nothing."""
    season = load_season_run(tiny_season_run)
    events = [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id="W01"),
        Event(kind="boarding", day=date(2026, 7, 6), worker_id="W03", vehicle_id="VA1"),
    ]
    d = date(2026, 7, 8)
    demand = day_demand(season, events, d)
    riders = {w.id for w in demand.riders}
    assert {"W01", "W03"} <= riders and "W02" not in riders
    (fa,) = [c for c in demand.checkins if c.site == "FA"]
    assert (fa.not_checked_in, fa.boarded_not_checked_in) == (1, 1)
    assert "1 more not checked in but boarded: expected" in fa.line(d)
    intake = intake_workers(season, events, date(2026, 7, 9), release_days=1)
    kept = {w.id for w in intake.workers}
    assert "W03" in kept and "W03" not in intake.no_shows
    assert "W02" in intake.no_shows  # waitlisted until a check-in (review 19 R, HIGH-8)
    assert intake.released["FA"] == 1 and intake.counts["released_no_show"] == 1
    early = [
        events[0],
        Event(kind="boarding", day=date(2026, 7, 5), worker_id="W03", vehicle_id="VA1"),
    ]
    assert "W03" not in {w.id for w in day_demand(season, early, d).riders}


def test_a_family_seen_aboard_keeps_its_dependants_beds(tmp_path: Path) -> None:
    """W05 is a dependant of the family G1 (W04, W05 at FB): a dependant never boards, so W04's
    boarding row of 07-06 stands for W05's arrival too. FB's office has recorded one arrival
    (W04's own, so FB counts check-ins); the intake of 07-09 keeps W05's bed (it was released:
    the parent kept the bed, the child lost it)."""
    run = tmp_path / "season"
    code, text = cli_run("solve", str(_with_dependant(tmp_path)), "--out", str(run))
    assert code == 0, text
    season = load_season_run(run)
    events = [
        Event(kind="arrival", day=date(2026, 7, 6), worker_id="W04"),
        Event(kind="boarding", day=date(2026, 7, 6), worker_id="W04", vehicle_id="VB1"),
    ]
    intake = intake_workers(season, events, date(2026, 7, 9), release_days=1)
    assert {"W04", "W05"} <= {w.id for w in intake.workers}
    assert intake.released["FB"] == 0
    # no one seen aboard: W04's check-in holds the group (review 19 R, HIGH-6: the child was
    # released alone), said in a line
    alone = intake_workers(season, events[:1], date(2026, 7, 9), release_days=1)
    assert "W05" in {w.id for w in alone.workers} and "W05" not in alone.no_shows
    assert alone.released["FB"] == 0 and alone.with_group[0].startswith("G1: W05 not checked in")


def test_bookings_from_another_foresteria_take_no_bed_there(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """W01, W02, W03 sleep at FA; they (and W06, waitlisted) book a ride from FB, whose beds
    hold the family W04, W05: they board at FB without a bed there, pinned nowhere, and the day
    run works (it failed: "infeasible: pinned people exceed men's beds at FB", review 14 #12)."""
    season = load_season_run(tiny_season_run)
    events = [Event(kind="booking", day=D, worker_id=w, origin="FB") for w in ("W01", "W02", "W03")]
    events.append(Event(kind="booking", day=D, worker_id="W06", origin="FB", farm_id="F1"))
    demand = day_demand(season, events, D)
    boards = {w.id: (w.pinned_foresteria, w.pickup_id) for w in demand.riders}
    assert {boards[w] for w in ("W01", "W02", "W03", "W06")} == {(None, "FB")}
    assert boards["W04"] == ("FB", None)
    assert demand.counts["booked_from_another_foresteria"] == 3
    run = tiny_season_run
    led = tmp_path / "another.sqlite"
    assert cli_run("ledger", "init", str(run), "--ledger", str(led))[0] == 0
    book = tmp_path / "another.csv"
    book.write_text(
        "date,worker_id,action,origin,farm_id\n"
        + "".join(f"{D},{w},book,FB,\n" for w in ("W01", "W02", "W03"))
        + f"{D},W06,book,FB,F1\n"
    )
    assert cli_run("ledger", "import", str(run), str(book), "--ledger", str(led))[0] == 0
    out = tmp_path / "another-day"
    code, text = cli_run(
        "day", str(run), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, text
    assert cli_run("verify", str(out))[0] == 0
    assert ", 4 from another foresteria" in text
    pins = {r["worker_id"]: r["pinned_foresteria"] for r in _csv(out / "inputs" / "workers.csv")}
    assert pins["W01"] == "" and pins["W04"] == "FB"
    # the day run's waitlist says where they ride from: a foresteria, not a departure point
    reasons = {r["worker_id"]: r["reason"] for r in _csv(out / "plan" / "waitlist.csv")}
    assert reasons["W01"] == (
        "rides from foresteria FB, without a bed there that night (a day run places nobody)"
    )
