"""A move request to a foresteria beyond `[housing] max_commute_min` of the mover's farm cannot be
made (review 18, M3): the intake pinned the mover there, the pin bypassed the commute cap, and
every workday after was unserved `ride_cap` (the mover kept a bed and lost every ride to work,
and nobody was told). Now it is said and counted like the other requests not met, and the
person stays where they are. For a group, every working member's farm counts; a dependant's
does not. (Tiny season, housed: W01 at FA, farm F1; the family W04, W05 at FB, farm F2. Over
the recorded matrix FB is 2,608 s from F1, FA is 22,825 s from F3.)"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.ops.day import SeasonRun, load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event
from tests.helpers import TINY, cli_ok, cli_run, set_toml

D = date(2026, 7, 9)
ASKED = date(2026, 7, 8)


def _asks(*moves: tuple[str, str]) -> list[Event]:
    here = [Event(kind="arrival", day=date(2026, 7, 6), worker_id=w) for w in ("W01", "W03")]
    return here + [Event(kind="move_request", day=ASKED, worker_id=w, origin=f) for w, f in moves]


def _cap(season: SeasonRun, minutes: int) -> SeasonRun:
    cfg = season.scenario.config
    housing = cfg.housing.model_copy(update={"max_commute_min": minutes})
    return replace(
        season,
        scenario=replace(season.scenario, config=cfg.model_copy(update={"housing": housing})),
    )


def _people(season: SeasonRun, wid: str, **changes: object) -> SeasonRun:
    ws = tuple(replace(w, **changes) if w.id == wid else w for w in season.scenario.workers)
    return replace(season, scenario=replace(season.scenario, workers=ws))


def _with(season: SeasonRun, fid: str, **changes: object) -> SeasonRun:
    fs = tuple(replace(f, **changes) if f.id == fid else f for f in season.scenario.foresterie)
    return replace(season, scenario=replace(season.scenario, foresterie=fs))


def test_a_move_beyond_the_commute_cap_is_not_met(tiny_season_run: Path) -> None:
    season = load_season_run(tiny_season_run)
    assert season.assigned["W01"] == "FA"
    far = intake_workers(_cap(season, 43), _asks(("W01", "FB")), D, 3)  # FB-F1: 43.5 min
    assert far.movers == {} and far.counts["move_cannot_be_made"] == 1
    assert "move_requested" not in far.counts
    assert far.refused == [
        "W01: the move to FB asked on 2026-07-08 cannot be made (Borgo Mezzanone is 44 min from "
        "farm F1, above the 43 min commute limit): stays at FA; record another `move`, nearer "
        "the farm"
    ]
    w01 = next(w for w in far.workers if w.id == "W01")
    assert (w01.arrival, w01.pinned_foresteria) == (date(2026, 7, 6), None)  # as the season
    near = intake_workers(_cap(season, 44), _asks(("W01", "FB")), D, 3)  # 2,608 s <= 44 min
    assert near.movers == {"W01": "FB"} and near.refused == []


def test_every_working_member_of_a_group_counts(tiny_season_run: Path) -> None:
    season = _with(load_season_run(tiny_season_run), "FA", beds_family=2)
    assert intake_workers(season, _asks(("W04", "FA")), D, 3).movers == {"W04": "FA"}
    at_f3 = _people(season, "W05", farm_id="F3")  # W05, not the one asking, works at F3
    got = intake_workers(at_f3, _asks(("W04", "FA")), D, 3)
    assert got.movers == {} and got.refused == [
        "W04: the move to FA asked on 2026-07-08 cannot be made (Fortore is 381 min from "
        "farm F3, above the 60 min commute limit): stays at FB; record another `move`, nearer "
        "the farm"
    ]
    pins = {w.id: w.pinned_foresteria for w in got.workers if w.group_id == "G1"}
    assert pins == {"W04": None, "W05": None}
    # a dependant rides to no farm: whatever farm_id says, no commute of theirs counts
    dependant = _people(at_f3, "W05", rides=False)
    assert intake_workers(dependant, _asks(("W04", "FA")), D, 3).movers == {"W04": "FA"}


def test_the_intake_says_it_counts_it_and_keeps_the_bed(tmp_path: Path) -> None:
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    set_toml(folder, "max_commute_min = 60", "max_commute_min = 40")
    run = tmp_path / "season"
    cli_ok("solve", str(folder), "--out", str(run))
    with open(run / "plan" / "assignments.csv", newline="", encoding="utf-8") as fh:
        assert {r["worker_id"]: r["foresteria_id"] for r in csv.DictReader(fh)}["W01"] == "FA"
    led = tmp_path / "ledger.sqlite"
    rows = tmp_path / "moves.csv"
    rows.write_text(
        "date,worker_id,event,foresteria_id\n2026-07-06,W01,arrival,\n2026-07-08,W01,move,FB\n"
    )
    cli_ok("ledger", "import", str(run), str(rows), "--ledger", str(led))
    out = tmp_path / "intake"
    code, said = cli_run(
        "intake", str(run), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, said
    assert (
        "note: W01: the move to FB asked on 2026-07-08 cannot be made (Borgo Mezzanone is 44 "
        "min from farm F1, above the 40 min commute limit): stays at FA; record another `move`, "
        "nearer the farm"
    ) in said.splitlines()
    assert "W01: housed at FB" not in said
    record = json.loads((out / "intake.json").read_text())
    assert (record["move_requests"], record["move_requests_cannot_be_made"]) == (1, 1)
    assert (record["moved_on_request"], record["move_requests_not_met"]) == (0, 1)
    with open(out / "plan" / "assignments.csv", newline="", encoding="utf-8") as fh:
        assert {r["worker_id"]: r["foresteria_id"] for r in csv.DictReader(fh)}["W01"] == "FA"
    with open(out / "plan" / "unserved.csv", newline="", encoding="utf-8") as fh:
        assert not [r for r in csv.DictReader(fh) if "W01" in r["worker_ids"].split()]
    assert cli_run("verify", str(out))[0] == 0
