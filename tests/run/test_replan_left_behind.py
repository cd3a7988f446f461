"""A re-plan's rotation of who is left behind when seats are short starts from the days each
person was left behind before its date (session 18, task I.2): someone left behind twice before
the date is not the first left behind again after it. The days are the previous run's
plan/unserved.csv rows before the date and those it carried itself, kept in the re-plan's
inputs/previous_left_behind.csv, which the verifier's ride order and replay read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import TINY, rehash


def _left(run: Path) -> dict[str, str]:
    """day -> the ids left behind that day (plan/unserved.csv)."""
    import csv

    with open(run / "plan" / "unserved.csv", encoding="utf-8", newline="") as fh:
        return {r["day"]: r["worker_ids"] for r in csv.DictReader(fh)}


def _solve(*args: str) -> Path:
    r = CliRunner().invoke(app, ["solve", *args])
    assert r.exit_code == 0, r.output
    return Path(args[args.index("--out") + 1])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Four men at F1, one seat at FA: two ride a day, two are left behind, in turn. The season,
    a re-plan of it as of 07-09, and a re-plan of that one as of 07-10."""
    root = tmp_path_factory.mktemp("rotation")
    sc = root / "sc"
    shutil.copytree(TINY, sc)
    fleet = sc / "fleet.csv"
    fleet.write_text(fleet.read_text("utf-8").replace("VA1,FA,8,", "VA1,FA,1,"), "utf-8")
    ws = sc / "workers.csv"
    text = ws.read_text("utf-8-sig")
    for old, new in [
        ("W02,2026-07-06,2026-07-13,men,,F1,3,", "W02,2026-07-06,2026-07-13,men,,F1,0,"),
        ("W03,2026-07-06,2026-07-13,women,,F2,1,", "W03,2026-07-06,2026-07-13,women,,F1,0,"),
        ("W06,2026-07-06,2026-07-13,men,,F3,", "W06,2026-07-06,2026-07-13,men,,F1,"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    ws.write_text(text, "utf-8")
    season = _solve(str(sc), "--out", str(root / "season"))
    first = _solve(
        str(sc), "--as-of", "2026-07-09", "--previous", str(season), "--out", str(root / "r1")
    )
    second = _solve(
        str(sc), "--as-of", "2026-07-10", "--previous", str(first), "--out", str(root / "r2")
    )
    return season, first, second


def test_the_rotation_goes_on_from_the_days_before_the_date(runs: tuple[Path, Path, Path]) -> None:
    season, first, _ = runs
    assert _left(season) == {
        "2026-07-06": "W01 W03",
        "2026-07-07": "W02 W06",
        "2026-07-08": "W01 W03",
        "2026-07-09": "W02 W06",
        "2026-07-10": "W01 W03",
        "2026-07-11": "W02 W06",
    }
    # W01 and W03 were left behind twice before 07-09, W02 and W06 once: on 07-09 W02 and W06
    # stay behind, as the season had it (main re-started the count at zero and left W01 and
    # W03 behind a third time)
    assert _left(first) == {
        "2026-07-09": "W02 W06",
        "2026-07-10": "W01 W03",
        "2026-07-11": "W02 W06",
    }
    assert (first / "inputs" / "previous_left_behind.csv").read_text("utf-8") == (
        "day,worker_id\n2026-07-06,W01\n2026-07-06,W03\n2026-07-07,W02\n2026-07-07,W06\n"
        "2026-07-08,W01\n2026-07-08,W03\n"
    )
    assert verify_run(first) == []


def test_a_re_plan_of_a_re_plan_carries_the_days_before_both(
    runs: tuple[Path, Path, Path],
) -> None:
    second = runs[2]
    carried = (second / "inputs" / "previous_left_behind.csv").read_text("utf-8")
    assert carried == (
        "day,worker_id\n2026-07-06,W01\n2026-07-06,W03\n2026-07-07,W02\n2026-07-07,W06\n"
        "2026-07-08,W01\n2026-07-08,W03\n2026-07-09,W02\n2026-07-09,W06\n"
    )
    assert _left(second) == {"2026-07-10": "W01 W03", "2026-07-11": "W02 W06"}
    assert verify_run(second) == []
    r = CliRunner().invoke(app, ["replay", str(second), "--out", str(second.parent / "replay")])
    assert r.exit_code == 0, r.output
    assert "identical" in r.output


def test_the_verifier_counts_the_days_carried(
    runs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, first, _ = runs
    run = tmp_path / "r1"
    shutil.copytree(first, run)
    p = run / "inputs" / "previous_left_behind.csv"
    lines = p.read_text("utf-8").splitlines(keepends=True)
    # without W01's and W03's days they were left behind on fewer days than W02 and W06:
    # riding ahead of them on 07-09 breaks the published rule
    p.write_text("".join(x for x in lines if not x.endswith(("W01\n", "W03\n"))), "utf-8")
    rehash(run, ["inputs/previous_left_behind.csv"])
    assert any(v.startswith("ride order broken: 2026-07-09 FA F1") for v in verify_run(run))
    p.write_text("".join([*lines, "2026-07-09,W01\n"]), "utf-8")
    rehash(run, ["inputs/previous_left_behind.csv"])
    assert (
        "inputs/previous_left_behind.csv: W01 left behind on 2026-07-09, not a day before the "
        "re-plan's date 2026-07-09 (and 0 more)"
    ) in verify_run(run)
