"""A move request the intake cannot meet is said and counted, and the person stays where they
are (review 17, finding 9): a request for a foresteria their referral record says to avoid had
made the intake's own scenario fail validation (`OwnScenarioBug`, exit 3, the referral file and
the site on the console), that intake and every later one. The same for the other requests a
pin cannot hold: a foresteria closed on the nights left, one without beds of their section or
an accessible bed, a group asking for two foresterie. (Tiny season: W01, W02 at FA (men), W03
at FA (women, accessible), the family W04, W05 at FB; FB has no women's and no accessible bed.)"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from foresterie.ops.day import SeasonRun, load_season_run
from foresterie.ops.intake import intake_workers
from foresterie.ops.ledger import Event
from tests.helpers import cli_ok, cli_run, with_referrals

D = date(2026, 7, 9)
ASKED = date(2026, 7, 8)


def _beds(run: Path) -> dict[str, str]:
    with open(run / "plan" / "assignments.csv", newline="", encoding="utf-8") as fh:
        return {r["worker_id"]: r["foresteria_id"] for r in csv.DictReader(fh)}


def test_a_move_to_a_site_to_avoid_is_a_request_not_met(tmp_path: Path) -> None:
    folder = with_referrals(tmp_path, "W01,2026-07-01,Questura,high,FB\n")
    run = tmp_path / "season"
    cli_ok("solve", str(folder), "--out", str(run))
    assert _beds(run)["W01"] == "FA"
    led = tmp_path / "ledger.sqlite"
    ci = tmp_path / "checkins.csv"
    ci.write_text(
        "date,worker_id,event,foresteria_id\n2026-07-06,W01,arrival,\n2026-07-08,W01,move,FB\n"
    )
    cli_ok("ledger", "import", str(run), str(ci), "--ledger", str(led))
    for day in (D, date(2026, 7, 10)):  # that intake, and a later one
        out = tmp_path / f"intake-{day}"
        code, said = cli_run(
            "intake", str(run), "--date", day.isoformat(), "--ledger", str(led), "--out", str(out)
        )
        assert code == 0, said
        line = (
            "note: W01: the move to FB asked on 2026-07-08 cannot be made (placement): "
            "stays at FA; ask the case worker"
        )
        assert line in said.splitlines()
        assert "to avoid" not in said and "referral" not in said  # nothing restricted said
        assert ": kept 3 housed where they are (moved: 0)" in said  # W01, W04, W05
        record = json.loads((out / "intake.json").read_text())
        assert record["move_requests"] == 1
        assert record["move_requests_cannot_be_made"] == 1
        assert (record["moved_on_request"], record["move_requests_not_met"]) == (0, 1)
        assert record["workers"]["move_cannot_be_made"] == 1
        assert _beds(out)["W01"] == "FA"
        assert cli_run("verify", str(out))[0] == 0


def _asks(*moves: tuple[str, str]) -> list[Event]:
    here = [Event(kind="arrival", day=date(2026, 7, 6), worker_id=w) for w in ("W01", "W03")]
    return here + [Event(kind="move_request", day=ASKED, worker_id=w, origin=f) for w, f in moves]


def _with(season: SeasonRun, fid: str, **changes: object) -> SeasonRun:
    fs = tuple(replace(f, **changes) if f.id == fid else f for f in season.scenario.foresterie)
    return replace(season, scenario=replace(season.scenario, foresterie=fs))


def test_a_move_to_a_foresteria_without_their_beds_is_said(tiny_season_run: Path) -> None:
    season = load_season_run(tiny_season_run)
    intake = intake_workers(season, _asks(("W03", "FB")), D, 3)
    assert intake.movers == {} and intake.counts["move_cannot_be_made"] == 1
    assert intake.refused == [
        "W03: the move to FB asked on 2026-07-08 cannot be made (Borgo Mezzanone has no "
        "women's beds): stays at FA; record another `move` naming another foresteria"
    ]
    w03 = next(w for w in intake.workers if w.id == "W03")
    assert (w03.arrival, w03.pinned_foresteria) == (date(2026, 7, 6), None)  # as the season
    with_women = _with(season, "FB", beds_women=2)  # and still no accessible bed
    (line,) = intake_workers(with_women, _asks(("W03", "FB")), D, 3).refused
    assert "(Borgo Mezzanone has no accessible bed)" in line
    able = _with(with_women, "FB", beds_accessible=1)
    assert intake_workers(able, _asks(("W03", "FB")), D, 3).movers == {"W03": "FB"}


def test_a_move_to_a_closed_foresteria_is_said(tiny_season_run: Path) -> None:
    season = _with(load_season_run(tiny_season_run), "FB", open_to=date(2026, 7, 10))
    intake = intake_workers(season, _asks(("W01", "FB")), D, 3)  # W01 stays to the 13th
    assert intake.movers == {}
    assert intake.refused == [
        "W01: the move to FB asked on 2026-07-08 cannot be made (Borgo Mezzanone is open "
        "2026-07-01..2026-07-10 only): stays at FA; record another `move` naming another "
        "foresteria"
    ]
    fine = intake_workers(load_season_run(tiny_season_run), _asks(("W01", "FB")), D, 3)
    assert fine.movers == {"W01": "FB"} and fine.refused == []


def test_a_group_asking_for_two_foresterie_stays(tiny_season_run: Path) -> None:
    season = _with(load_season_run(tiny_season_run), "FA", beds_family=2)
    intake = intake_workers(season, _asks(("W04", "FA"), ("W05", "FB")), D, 3)
    assert intake.movers == {} and intake.counts["move_cannot_be_made"] == 2
    assert "move_requested" not in intake.counts
    assert [line.split(":")[0] for line in intake.refused] == ["W04", "W05"]
    assert all("(the rest of group G1 is held elsewhere)" in line for line in intake.refused)
    pins = {w.id: w.pinned_foresteria for w in intake.workers if w.group_id == "G1"}
    assert pins == {"W04": None, "W05": None}
    together = intake_workers(season, _asks(("W04", "FA"), ("W05", "FA")), D, 3)
    assert together.movers == {"W04": "FA", "W05": "FA"} and together.refused == []


def test_a_group_goes_nowhere_one_of_them_must_avoid(tiny_season_run: Path) -> None:
    """The intake pins the whole group where one asked: W04's request for FA is W05's too, and
    W05's referral record says to avoid FA (the pin would fail the intake's own scenario)."""
    season = _with(load_season_run(tiny_season_run), "FA", beds_family=2)
    people = tuple(
        replace(w, avoid=frozenset({"FA"})) if w.id == "W05" else w for w in season.scenario.workers
    )
    kept_away = replace(season, scenario=replace(season.scenario, workers=people))
    (line,) = intake_workers(kept_away, _asks(("W04", "FA")), D, 3).refused
    assert line == (
        "W04: the move to FA asked on 2026-07-08 cannot be made (placement): stays at FB; "
        "ask the case worker"
    )
    assert intake_workers(season, _asks(("W04", "FA")), D, 3).movers == {"W04": "FA"}


def _partial(season: SeasonRun) -> SeasonRun:
    cfg = season.scenario.config
    housing = cfg.housing.model_copy(update={"partial_stays": True})
    return replace(
        season,
        scenario=replace(season.scenario, config=cfg.model_copy(update={"housing": housing})),
    )


def test_a_move_to_a_foresteria_opening_later_waits_for_it(tiny_season_run: Path) -> None:
    """Review 17, finding 14: W01 (at FA) asks for FB, which opens on the 11th; pinned there
    from the 9th he had no bed on the 9th and 10th while his FA bed was free. The request is not
    met yet, said with the date it can be, and he stays at FA; an intake on or after the
    opening makes it (the request holds)."""
    for season in (load_season_run(tiny_season_run), _partial(load_season_run(tiny_season_run))):
        later = _with(season, "FB", open_from=date(2026, 7, 11))
        intake = intake_workers(later, _asks(("W01", "FB")), D, 3)
        assert intake.movers == {} and intake.counts["move_cannot_be_made"] == 1
        assert intake.refused == [
            "W01: the move to FB asked on 2026-07-08 cannot be made yet (Borgo Mezzanone opens "
            "on 2026-07-11): stays at FA; an intake on or after 2026-07-11 makes it"
        ]
        w01 = next(w for w in intake.workers if w.id == "W01")
        assert (w01.arrival, w01.pinned_foresteria) == (date(2026, 7, 6), None)  # as the season
    opened = _with(_partial(load_season_run(tiny_season_run)), "FB", open_from=date(2026, 7, 11))
    then = intake_workers(opened, _asks(("W01", "FB")), date(2026, 7, 11), 3)
    assert then.movers == {"W01": "FB"} and then.refused == []


def test_a_move_naming_no_foresteria_keeps_the_bed(tmp_path: Path) -> None:
    """Review 17, finding 15: W01 asks to move "anywhere the rules allow" (a `move` row without a
    foresteria); the intake had left him out of the previous plan: his nights before the date
    were gone and, from it, he competed with the waitlist for a bed ("moved: 0"). Not met, said,
    counted: he keeps his bed and every night the season planned him. W02's request, for FB
    (`move_without_ride`: asked knowing FB's van may not take him), is met and said."""
    run = tmp_path / "season"
    cli_ok("solve", str(Path(__file__).parents[1] / "data" / "tiny"), "--out", str(run))
    led = tmp_path / "ledger.sqlite"
    ci = tmp_path / "checkins.csv"
    ci.write_text(
        "date,worker_id,event,foresteria_id\n2026-07-06,W01,arrival,\n2026-07-08,W01,move,\n"
        "2026-07-06,W02,arrival,\n2026-07-08,W02,move_without_ride,FB\n"
    )
    cli_ok("ledger", "import", str(run), str(ci), "--ledger", str(led))
    out = tmp_path / "intake"
    code, said = cli_run(
        "intake", str(run), "--date", D.isoformat(), "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, said
    line = (
        "note: W01: the move asked on 2026-07-08 names no foresteria: not met: stays at FA; "
        "record another `move` naming the foresteria asked for"
    )
    assert line in said.splitlines()
    record = json.loads((out / "intake.json").read_text())
    assert (  # W02 moved, asked knowing FB's van cannot take him every day
        "note: W02: housed at FB from 2026-07-09, as asked knowing there may be no ride to work: "
        "a ride to work on 1 of 3 workdays there, 3 of 3 where they are"
    ) in said.splitlines()
    assert (record["move_requests"], record["move_requests_cannot_be_made"]) == (2, 1)
    assert (record["moved_on_request"], record["move_requests_not_met"]) == (1, 1)

    def rows(r: Path) -> list[list[str]]:
        with open(r / "plan" / "assignments.csv", newline="", encoding="utf-8") as fh:
            return [x for x in csv.reader(fh) if x[0] == "W01"]

    assert rows(out) == rows(run) and rows(run)[0][3] == "2026-07-06"  # from his arrival, at FA
    assert cli_run("verify", str(out))[0] == 0
