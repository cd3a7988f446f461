"""A move made at an intake costs nobody else nights (review 18 R, HIGH-5): one man's move
request had pushed a man not yet arrived out of most of his stay, unsaid. The intake weighs each
person's housed nights with the move against the re-plan without it; a move that would take
nights from anyone is not met, and one line says how many nights from how many people (counts
only: they are other people).

The tiny season with two more men of F1: W09 (07-06..07-13, pinned to FB in the season: FA's
3 men's beds are W01, W02 and, from 07-10, W08) asks on 07-08 to move to FA. (Unpinned until
session 23, W09 was one of three equals, with W01 and W02, for FB's bed: which one the season
put there was the LP solver's tie-break, and HiGHS breaks it otherwise than GLOP did.) W08 arrives on
07-10; staying to 07-25 only FA can take his whole stay (FB closes after 07-20), so W09 at FA
would leave him without a bed (15 nights); staying to 07-19, FB takes him whole and the move
costs nobody."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.day import load_season_run
from foresterie.ops.intake import Intake, moves_costing_nobody
from tests.helpers import TINY, cli_ok, cli_run

D = "2026-07-08"


def _season(tmp_path: Path, w08_leaves: str) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    with open(folder / "workers.csv", "a", encoding="utf-8") as fh:
        fh.write(f"W08,2026-07-10,{w08_leaves},men,,F1,0,false,,X\n")
        fh.write("W09,2026-07-06,2026-07-13,men,,F1,0,false,FB,Y\n")
    run = tmp_path / "season"
    cli_ok("solve", str(folder), "--out", str(run))
    assert _beds(run)["W09"] == [("FB", "2026-07-06", "2026-07-13")]
    assert _beds(run)["W08"] == [("FA", "2026-07-10", w08_leaves)]
    cli_ok("ledger", "init", str(run))
    moves = tmp_path / "moves.csv"
    moves.write_text(f"date,worker_id,event,foresteria_id\n{D},W09,move,FA\n", encoding="utf-8")
    cli_ok("ledger", "import", str(run), str(moves))
    return run


def _beds(run: Path) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    with open(run / "plan" / "assignments.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["worker_id"], []).append((r["foresteria_id"], r["from"], r["to"]))
    return {w: sorted(rows, key=lambda x: x[1]) for w, rows in out.items()}


def test_a_move_that_would_take_a_mans_nights_is_not_made_and_said(tmp_path: Path) -> None:
    run = _season(tmp_path, "2026-07-25")
    out = tmp_path / "intake"
    code, said = cli_run("intake", str(run), "--date", D, "--out", str(out))
    assert code == 0, said
    (line,) = [x for x in said.splitlines() if x.startswith("note: W09")]
    assert line == (
        "note: W09: the move to FA asked on 2026-07-08 cannot be made (it would take 15 nights "
        "from 1 other person, planned without it): stays at FB; ask again when a bed is free there"
    )
    assert "W08" not in said  # the others are counted, never named
    beds = _beds(out)
    assert beds["W08"] == [("FA", "2026-07-10", "2026-07-25")]  # his whole stay, as planned
    assert beds["W09"] == [("FB", "2026-07-06", "2026-07-13")]
    record = json.loads((out / "intake.json").read_text(encoding="utf-8"))
    assert record["move_requests"] == 1 and record["moved_on_request"] == 0
    assert record["move_requests_cannot_be_made"] == 1
    assert record["move_requests_taking_nights"] == 1
    assert record["workers"]["move_would_take_nights"] == 1
    assert not (out / "inputs" / "moves.csv").exists()  # no move made
    assert cli_run("verify", str(out))[0] == 0


def test_a_move_that_costs_nobody_nights_is_made(tmp_path: Path) -> None:
    run = _season(tmp_path, "2026-07-19")
    out = tmp_path / "intake"
    code, said = cli_run("intake", str(run), "--date", D, "--out", str(out))
    assert code == 0, said
    assert "note: W09: housed at FA from 2026-07-08, as asked" in said.splitlines()
    assert "cannot be made" not in said
    beds = _beds(out)
    assert beds["W09"] == [("FB", "2026-07-06", D), ("FA", D, "2026-07-13")]
    assert beds["W08"] == [("FB", "2026-07-10", "2026-07-19")]  # elsewhere, every night kept
    record = json.loads((out / "intake.json").read_text(encoding="utf-8"))
    assert (record["moved_on_request"], record["move_requests_taking_nights"]) == (1, 0)
    assert cli_run("verify", str(out))[0] == 0


@pytest.fixture
def two_asking(tiny_season_run: Path) -> tuple[object, Intake]:
    season = load_season_run(tiny_season_run)  # W01, W02 at FA, the family W04, W05 at FB
    intake = Intake(
        workers=list(season.scenario.workers),
        counts=Counter(move_requested=2, housed_kept=3),
        movers={"W01": "FB", "W02": "FB"},
        asked_on={"W01": date(2026, 7, 8), "W02": date(2026, 7, 8)},
    )
    return season, intake


def test_requests_are_weighed_together_then_one_at_a_time(two_asking: tuple) -> None:
    season, intake = two_asking
    asked: list[set[str]] = []

    def nights(trial: Intake) -> dict[str, int]:
        """W02's move alone takes 3 nights from W03 and 2 from W06; W01's takes none."""
        asked.append(set(trial.movers))
        lost = 3 if "W02" in trial.movers else 0
        return {"W01": 5, "W02": 5, "W03": 5 - lost, "W06": 4 - (2 if lost else 0)}

    out, said = moves_costing_nobody(intake, season, date(2026, 7, 9), nights)
    # the last trial (W01 met, then W02) is both requests, weighed first: not solved again
    assert asked == [set(), {"W01", "W02"}, {"W01"}]
    assert out.movers == {"W01": "FB"}
    assert said == [
        "W02: the move to FB asked on 2026-07-08 cannot be made (it would take 5 nights from 2 "
        "other people, planned without it): stays at FA; ask again when a bed is free there"
    ]
    assert out.refused == said
    assert out.counts["move_requested"] == 1 and out.counts["move_cannot_be_made"] == 1
    assert out.counts["move_would_take_nights"] == 1 and out.asked_on == {"W01": date(2026, 7, 8)}


def test_requests_that_cost_nobody_are_weighed_once(two_asking: tuple) -> None:
    season, intake = two_asking
    asked: list[set[str]] = []

    def nights(trial: Intake) -> dict[str, int]:
        asked.append(set(trial.movers))
        return {"W03": 5, "W06": 4}

    out, said = moves_costing_nobody(intake, season, date(2026, 7, 9), nights)
    assert asked == [set(), {"W01", "W02"}] and said == []
    assert out is intake


def test_one_request_that_costs_someone_is_weighed_once(two_asking: tuple) -> None:
    season, intake = two_asking
    intake = replace(intake, movers={"W02": "FB"}, asked_on={"W02": date(2026, 7, 8)})
    asked: list[set[str]] = []

    def nights(trial: Intake) -> dict[str, int]:
        asked.append(set(trial.movers))
        return {"W03": 5 - (1 if trial.movers else 0)}

    out, said = moves_costing_nobody(intake, season, date(2026, 7, 9), nights)
    assert asked == [set(), {"W02"}] and out.movers == {}
    assert said == [
        "W02: the move to FB asked on 2026-07-08 cannot be made (it would take 1 night from 1 "
        "other person, planned without it): stays at FA; ask again when a bed is free there"
    ]


def test_a_refused_move_is_said_in_the_command_lines_language(
    two_asking: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The intake's notes follow the command line's language (session 19's leftover: English
    only, where the coordinators read Italian)."""
    season, intake = two_asking
    monkeypatch.setenv("FORESTERIE_LANG", "it")

    def nights(trial: Intake) -> dict[str, int]:
        return {"W03": 1500 - (1234 if "W02" in trial.movers else 0)}

    _, said = moves_costing_nobody(intake, season, date(2026, 7, 9), nights)
    assert said == [
        "W02: lo spostamento a FB richiesto il 2026-07-08 non si può fare (toglierebbe 1.234 notti "
        "a 1 altra persona, pianificate senza di esso): resta a FA; chiedere di nuovo quando là "
        "si libera un posto letto"
    ]


def test_a_request_not_met_is_read_again_by_an_intake_made_from_that_intake(
    tmp_path: Path,
) -> None:
    """The request holds until another `move` row replaces it (README "Daily operations"): an
    intake made from the intake that did not meet it reads it again (session 19's leftover: only
    requests dated after that intake's date were read, and the person had to record it again).
    W08 cancels (a departure before his arrival): on 07-09 the move costs nobody, and is made."""
    run = _season(tmp_path, "2026-07-25")
    first = tmp_path / "intake"
    said = cli_ok("intake", str(run), "--date", D, "--out", str(first))
    assert "note: W09: the move to FA asked on 2026-07-08 cannot be made" in said, said
    gone = tmp_path / "gone.csv"
    gone.write_text("date,worker_id,event\n2026-07-09,W08,departure\n", encoding="utf-8")
    cli_ok("ledger", "import", str(run), str(gone))
    nxt = tmp_path / "next"
    said = cli_ok("intake", str(first), "--date", "2026-07-09", "--out", str(nxt))
    assert "note: W09: housed at FA from 2026-07-09, as asked" in said.splitlines(), said
    assert _beds(nxt)["W09"] == [
        ("FB", "2026-07-06", "2026-07-09"),
        ("FA", "2026-07-09", "2026-07-13"),
    ]
    record = json.loads((nxt / "intake.json").read_text(encoding="utf-8"))
    assert (record["move_requests"], record["moved_on_request"]) == (1, 1)
    # and the one after it does not make it again: made, it is answered
    later = tmp_path / "later"
    said = cli_ok("intake", str(nxt), "--date", "2026-07-10", "--out", str(later))
    assert "W09" not in said, said
    record = json.loads((later / "intake.json").read_text(encoding="utf-8"))
    assert record["move_requests"] == 0
    assert _beds(later)["W09"] == _beds(nxt)["W09"]
    assert cli_run("verify", str(later))[0] == 0
