"""A move made by an intake keeps the mover's past (session 18, task I.1; review 17 #15): their
nights before the date exactly as the season run had them, the foresteria asked for from the
date, the move listed in plan/replan_changes.csv like any other change, recorded in the run's
inputs/moves.csv (verify and replay read it), and kept by the intakes after it. (Tiny season:
W01, W02, W03 at FA and the family W04, W05 at FB from 2026-07-06.)"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import PARTIAL, TINY, rehash

D = "2026-07-09"


def _beds(run: Path, wid: str) -> list[tuple[str, str, str]]:
    with open(run / "plan" / "assignments.csv", encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh)
        return [(r["foresteria_id"], r["from"], r["to"]) for r in rows if r["worker_id"] == wid]


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _intake(season: Path, led: Path, out: Path, day: str = D) -> Path:
    args = ["intake", str(season), "--date", day, "--ledger", str(led), "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The season, its ledger (everyone arrived on 07-06, W01 asks on 07-08 to move to FB) and
    the intake of 07-09."""
    root = tmp_path_factory.mktemp("moves")
    season = root / "season"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(season)])
    assert r.exit_code == 0, r.output
    led, ci = root / "ledger.sqlite", root / "checkins.csv"
    ci.write_text(
        "date,worker_id,event,foresteria_id\n"
        + "".join(f"2026-07-06,{w},arrival,\n" for w in ("W01", "W02", "W03", "W04", "W05"))
        + "2026-07-08,W01,move_without_ride,FB\n"
    )
    r = CliRunner().invoke(app, ["ledger", "import", str(season), str(ci), "--ledger", str(led)])
    assert r.exit_code == 0, r.output
    return season, led, _intake(season, led, root / "intake")


def test_a_move_keeps_the_nights_before_it_and_is_listed_as_a_change(
    moved: tuple[Path, Path, Path],
) -> None:
    season, _, run = moved
    assert _beds(season, "W01") == [("FA", "2026-07-06", "2026-07-13")]
    # before: W01 had no row before 07-09 (planned as an arrival on the date)
    assert _beds(run, "W01") == [("FA", "2026-07-06", D), ("FB", D, "2026-07-13")]
    assert _csv(run / "plan" / "replan_changes.csv") == [
        {"worker_id": "W01", "was": f"FA {D}..2026-07-13", "now": f"FB {D}..2026-07-13"}
    ]
    assert _csv(run / "inputs" / "moves.csv") == [
        {"worker_id": "W01", "foresteria_id": "FB", "from": D}
    ]
    # the move's record: W01 at their true arrival, where they arrived
    (w01,) = [w for w in _csv(run / "inputs" / "workers.csv") if w["worker_id"] == "W01"]
    assert (w01["arrival"], w01["pinned_foresteria"]) == ("2026-07-06", "FA")
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    assert manifest["replan"]["moved_vs_previous"] == 0  # nobody who did not ask
    assert manifest["replan"]["residents_changed"] == 1
    assert json.loads((run / "intake.json").read_text("utf-8"))["moved_on_request"] == 1
    assert verify_run(run) == []
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(run.parent / "replay")])
    assert r.exit_code == 0 and "identical" in r.output, r.output


def test_the_next_intake_keeps_the_move(moved: tuple[Path, Path, Path]) -> None:
    _, led, first = moved
    run = _intake(first, led, first.parent / "next", "2026-07-10")
    assert _beds(run, "W01") == [("FA", "2026-07-06", D), ("FB", D, "2026-07-13")]
    assert _csv(run / "inputs" / "moves.csv") == [
        {"worker_id": "W01", "foresteria_id": "FB", "from": D}
    ]
    assert _csv(run / "plan" / "replan_changes.csv") == []
    assert verify_run(run) == []


def test_verify_refuses_a_move_dated_after_the_re_plan(
    moved: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(moved[2], run)
    p = run / "inputs" / "moves.csv"
    p.write_text(p.read_text("utf-8").replace(D, "2026-07-10"), "utf-8")
    rehash(run, ["inputs/moves.csv"])
    assert (
        "inputs/moves.csv: W01 moved on 2026-07-10, after the re-plan's date 2026-07-09"
        in verify_run(run)
    )


def test_a_move_of_someone_without_a_bed_is_refused(
    moved: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    season = moved[0]
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    (folder / "moves.csv").write_text(f"worker_id,foresteria_id,from\nW06,FB,{D}\n", "utf-8")
    out = tmp_path / "replan"
    args = ["solve", str(folder), "--as-of", D, "--previous", str(season), "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    errors = [x for x in r.output.splitlines() if x.startswith("error")]
    assert errors == [
        f"error: {folder / 'moves.csv'}: worker_id: W06: not in a bed before {D} in the previous "
        "run: a move is for a resident"
    ], r.output
    assert not out.exists()


def test_moves_with_partial_stays_and_the_next_intake(tmp_path: Path) -> None:
    """Partial stays, max_transfers 1: W02 (FB to 07-16, then FA) and W01 (FB) ask to move to
    FA on 07-09. The intake of 07-10 keeps their nights at FB before it and houses them at FA
    from it (W02's transfer to come withdrawn: listed); the intake of 07-12 after it keeps
    both moves, whose rules hold from 07-10 on."""
    season = tmp_path / "season"
    r = CliRunner().invoke(app, ["solve", str(PARTIAL), "--out", str(season)])
    assert r.exit_code == 0, r.output
    assert _beds(season, "W02") == [
        ("FB", "2026-07-05", "2026-07-16"),
        ("FA", "2026-07-16", "2026-07-20"),
    ]
    led, ci = tmp_path / "ledger.sqlite", tmp_path / "checkins.csv"
    ci.write_text(
        "date,worker_id,event,foresteria_id\n2026-07-06,W01,arrival,\n2026-07-05,W02,arrival,\n"
        "2026-07-08,W03,arrival,\n2026-07-06,W04,arrival,\n2026-07-06,W05,arrival,\n"
        "2026-07-09,W01,move,FA\n2026-07-09,W02,move,FA\n"
    )
    r = CliRunner().invoke(app, ["ledger", "import", str(season), str(ci), "--ledger", str(led)])
    assert r.exit_code == 0, r.output
    first = _intake(season, led, tmp_path / "i1", "2026-07-10")
    want = {
        "W01": [("FB", "2026-07-06", "2026-07-10"), ("FA", "2026-07-10", "2026-07-13")],
        "W02": [("FB", "2026-07-05", "2026-07-10"), ("FA", "2026-07-10", "2026-07-20")],
    }
    assert {w: _beds(first, w) for w in want} == want
    assert _csv(first / "plan" / "replan_changes.csv") == [
        {
            "worker_id": "W01",
            "was": "FB 2026-07-10..2026-07-13",
            "now": "FA 2026-07-10..2026-07-13",
        },
        {
            "worker_id": "W02",
            "was": "FB 2026-07-10..2026-07-16;FA 2026-07-16..2026-07-20",
            "now": "FA 2026-07-10..2026-07-20",
        },
    ]
    assert verify_run(first) == []
    second = _intake(first, led, tmp_path / "i2", "2026-07-12")
    assert {w: _beds(second, w) for w in want} == want
    assert [m["from"] for m in _csv(second / "inputs" / "moves.csv")] == ["2026-07-10"] * 2
    assert verify_run(second) == []
