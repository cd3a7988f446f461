"""Several offices, one ledger (README "Daily operations"): arrivals are recorded foresteria by
foresteria. One office importing its check-ins says nothing about another's guests: a day
run still expects them, an intake releases none of their beds, the monitor counts their nights
as planned, and each command says so, per site, in one line.

The tiny season houses W01, W02 (referred), W03 at FA and the family W04, W05 at FB, all from
Mon 6 July 2026. FA's office imports its check-ins: W01 and W03 arrived on the 6th, W02 did not
come. FB's office has imported nothing yet."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.day import day_demand, load_season_run, recording
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event, Ledger
from foresterie.ops.monitor import compute
from tests.helpers import TINY, add_pickup, cli_ok, cli_run, edit_features, write_workers

FA_CHECKINS = "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
MON = date(2026, 7, 6)


def _fa_arrivals() -> list[Event]:
    return [Event(kind="arrival", day=MON, worker_id=w) for w in ("W01", "W03")]


def test_recording_is_per_foresteria(tiny_season_run: Path) -> None:
    season = load_season_run(tiny_season_run)
    rec = recording(season, _fa_arrivals(), date(2026, 7, 9))
    assert (rec.by_site, rec.anywhere) == ({"FA": MON}, MON)
    assert rec.needs_checkin("FA", MON, date(2026, 7, 9))
    assert not rec.needs_checkin("FB", MON, date(2026, 7, 9))  # FB's office recorded nothing
    assert rec.needs_checkin(None, MON, date(2026, 7, 9))  # no office: any check-in starts it
    # rows after the day asked about are not known yet
    assert recording(season, _fa_arrivals(), date(2026, 7, 5)).by_site == {}


def test_a_silent_site_keeps_the_plans_expectation_in_a_day_run(tiny_season_run: Path) -> None:
    demand = day_demand(load_season_run(tiny_season_run), _fa_arrivals(), date(2026, 7, 7))
    assert {w.id for w in demand.riders} == {"W01", "W03", "W04", "W05"}  # not W02
    by_site = {c.site: c for c in demand.checkins}
    assert by_site["FA"].record() == {
        "recorded_from": "2026-07-06",
        "not_checked_in": 1,
        "boarded_not_checked_in": 0,
        "expected_as_planned": 0,
    }
    assert by_site["FB"].record() == {
        "recorded_from": None,
        "not_checked_in": 0,
        "boarded_not_checked_in": 0,
        "expected_as_planned": 2,
    }
    assert by_site["FB"].line(date(2026, 7, 7)) == (
        "FB: no check-ins recorded yet: its 2 planned arrivals from 2026-07-06 to 2026-07-07 "
        "are expected as planned"
    )
    # FB's office imports one check-in: from then on its guests need one too, but W05 is of
    # W04's family, present as a whole with him (review 20 R, MEDIUM-2): expected, and said
    late = [*_fa_arrivals(), Event(kind="arrival", day=MON, worker_id="W04")]
    demand = day_demand(load_season_run(tiny_season_run), late, date(2026, 7, 7))
    assert {w.id for w in demand.riders} == {"W01", "W03", "W04", "W05"}
    assert {c.site: c.not_checked_in for c in demand.checkins} == {"FA": 1}
    assert demand.with_group == [("G1", ["W05"])]


def test_an_intake_releases_no_bed_of_a_silent_site(tiny_season_run: Path) -> None:
    intake = intake_workers(load_season_run(tiny_season_run), _fa_arrivals(), date(2026, 7, 9), 3)
    kept = {w.id for w in intake.workers}
    assert {"W04", "W05"} <= kept and "W02" in intake.no_shows  # W02: FA records, 3 days late
    assert intake.counts["released_no_show"] == 1 and intake.released == {"FA": 1}
    assert [
        (c.site, c.line(date(2026, 7, 9), intake.released[c.site])) for c in intake.checkins
    ] == [
        (
            "FA",
            "FA: check-ins recorded from 2026-07-06: 1 planned arrival from 2026-07-06 to "
            "2026-07-09 not checked in: 0 beds held, 1 released",
        ),
        (
            "FB",
            "FB: no check-ins recorded yet: its 2 planned arrivals from 2026-07-06 to 2026-07-09 "
            "are expected as planned",
        ),
    ]


def test_a_departure_point_is_its_own_site_in_an_intake(tiny: Path, tmp_path: Path) -> None:
    """W07 (waitlisted, due on the 21st) boards at the departure point PX: arrivals recorded at
    FA do not make PX's riders no-shows, so on the 24th W07 is still re-planned as here. W06
    (waitlisted, no departure point) belongs to no office: FA's check-ins count for him."""
    add_pickup(tiny, rider="W07")
    run = tmp_path / "run"
    cli_ok("solve", str(tiny), "--out", str(run))
    season = load_season_run(run)
    sites = {w.id: season.site(w) for w in season.scenario.workers}
    assert (sites["W07"], sites["W06"], sites["W04"]) == ("PX", None, "FB")
    intake = intake_workers(season, _fa_arrivals(), date(2026, 7, 24), 3)
    assert "W07" in intake.to_place
    assert "W06" in intake.no_shows  # kept, waitlisted until a check-in (review 19 R, HIGH-8)
    assert intake.counts["no_show_not_housed"] == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty place for the season ledger, on each engine."""
    if request.param == "sqlite":
        return str(tmp_path / "season.ledger.sqlite")
    return str(request.getfixturevalue("pg_url"))


def _assignments(run: Path) -> dict[str, str]:
    with open(run / "plan" / "assignments.csv", encoding="utf-8", newline="") as fh:
        return {r["worker_id"]: r["foresteria_id"] for r in csv.DictReader(fh)}


def test_two_offices_one_importing(tiny_season_run: Path, target: str, tmp_path: Path) -> None:
    """Through the CLI, on SQLite and PostgreSQL: FA's office imports, FB's does not. The day
    run carries FB's family and says so; the intake releases W02's bed at FA only and keeps
    FB's; the monitor counts FB's nights as planned, and its verifier agrees."""
    season = str(tiny_season_run)
    led = ["--ledger", target]
    checkins = tmp_path / "checkins-fa.csv"
    checkins.write_text(FA_CHECKINS)
    cli_ok("ledger", "init", season, *led)
    cli_ok("ledger", "import", season, str(checkins), *led)
    day = tmp_path / "days" / "2026-07-07"
    out = cli_ok("day", season, "--date", "2026-07-07", *led, "--out", str(day))
    assert (
        "FA: check-ins recorded from 2026-07-06: 1 planned arrival from 2026-07-06 to "
        "2026-07-06 not checked in: not expected\n"
    ) in out
    assert (
        "FB: no check-ins recorded yet: its 2 planned arrivals from 2026-07-06 to 2026-07-06 "
        "are expected as planned\n"
    ) in out
    record = json.loads((day / "day.json").read_text())
    assert record["riders"] == 4
    assert record["checkins_by_site"]["FB"]["expected_as_planned"] == 2
    intake = tmp_path / "intake"
    out = cli_ok("intake", season, "--date", "2026-07-09", *led, "--out", str(intake))
    assert "FA: check-ins recorded from 2026-07-06: 1 planned arrival" in out
    assert "0 beds held, 1 released\n" in out and "released 1 bed of no-shows" in out
    assert _assignments(intake) == {"W01": "FA", "W03": "FA", "W04": "FB", "W05": "FB"}
    beds = json.loads((intake / "intake.json").read_text())["checkins_by_site"]
    assert (beds["FA"]["beds_released"], beds["FB"]["beds_released"]) == (1, 0)
    mon = tmp_path / "monitor"
    days = ["--days", str(tmp_path / "days")]
    cli_ok("monitor", season, *led, *days, "--out", str(mon))
    with Ledger.open(target) as ledger:
        figures = compute(tiny_season_run, ledger, [tmp_path / "days"]).figures
    got = {(f.week, f.indicator, f.breakdown): (f.plan, f.actual) for f in figures}
    assert got["2026-W28", "bed_nights", "site:FB"] == (10, 10)  # FB's guests, as planned
    assert got["2026-W28", "bed_nights", "site:FA"] == (21, 14)  # W02 never came
    with open(mon / "days.csv", encoding="utf-8", newline="") as fh:
        sources = {r["day"]: r["housing_source"] for r in csv.DictReader(fh)}
    assert (sources["2026-07-05"], sources["2026-07-06"]) == ("plan", "ledger+plan")
    assert cli_run("monitor", "--verify", str(mon), *led) == (0, f"ok: {mon}: every check passed\n")


def test_the_referred_breakdown_is_published_as_plan_figures(tmp_path: Path) -> None:
    """14 men at FA in week 28, 7 of them referred; one referred man, W01, never checks in.
    The total falls by one (14 / 13); the referred breakdown publishes its plan only (7, no
    actual), so nothing beside it tells which of the people not checked in is referred; the
    verifier recomputes the same cells."""
    scenario = tmp_path / "sc"
    shutil.copytree(TINY, scenario)
    edit_features(scenario / "foresterie.geojson", 0, beds_men=16)
    ids = [f"W{k:02d}" for k in range(1, 15)]
    write_workers(
        scenario,
        [
            f"{w},2026-07-06,2026-07-13,men,,F1,{3 if k < 7 else 0},false,FA"
            for k, w in enumerate(ids)
        ],
    )
    run = tmp_path / "run"
    cli_ok("solve", str(scenario), "--out", str(run))
    checkins = tmp_path / "checkins.csv"
    checkins.write_text(
        "date,worker_id,event\n" + "".join(f"2026-07-06,{w},arrival\n" for w in ids[1:])
    )
    cli_ok("ledger", "init", str(run))
    cli_ok("ledger", "import", str(run), str(checkins))
    mon = tmp_path / "monitor"
    cli_ok("monitor", str(run), "--out", str(mon))
    with open(mon / "monitor.csv", encoding="utf-8", newline="") as fh:
        rows = {(r["week"], r["indicator"], r["breakdown"]): r for r in csv.DictReader(fh)}
    total, referred = rows["2026-W28", "taken_in", ""], rows["2026-W28", "taken_in", "referred"]
    assert (total["plan"], total["actual"]) == ("14", "13")
    assert (referred["plan"], referred["actual"], referred["source"]) == ("7", "", "plan")
    assert all(r["actual"] == "" for k, r in rows.items() if k[2] == "referred")
    assert cli_run("monitor", "--verify", str(mon)) == (0, f"ok: {mon}: every check passed\n")


def test_a_day_run_expects_those_due_that_day_as_planned(tiny: Path, tmp_path: Path) -> None:
    """Review 12 (finding 8) and O: a day run for D is made the evening before, when nobody due
    on D can have checked in, yet the season plan drives them from D's morning. At a site that
    records arrivals, those due on D are expected as planned; those due before D still need
    their check-in. Here W03 (FA) is due on Wed 8 July; FA records from the 6th (W01 came)."""
    text = (tiny / "workers.csv").read_text(encoding="utf-8-sig")
    (tiny / "workers.csv").write_text(
        text.replace("W03,2026-07-06,", "W03,2026-07-08,"), encoding="utf-8"
    )
    run = tmp_path / "season"
    cli_ok("solve", str(tiny), "--out", str(run))
    season = load_season_run(run)
    assert season.assigned.get("W03") == "FA"
    events = [Event(kind="arrival", day=MON, worker_id="W01")]
    demand = day_demand(season, events, date(2026, 7, 8))
    assert "W03" in {w.id for w in demand.riders}
    recorded = {c.site: c.not_checked_in for c in demand.checkins if c.recorded_from}
    assert recorded == {"FA": 1}  # W02, due the 6th
    demand = day_demand(season, events, date(2026, 7, 9))  # the day after: a check-in is due
    assert "W03" not in {w.id for w in demand.riders}
    recorded = {c.site: c.not_checked_in for c in demand.checkins if c.recorded_from}
    assert recorded == {"FA": 2}
