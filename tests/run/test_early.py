"""Load and housing in a child process beside the CLI's imports (run/early.py, core/procs.Forked):
the same answer, the same lines in the same order, the same failures, and a byte-identical run."""

from __future__ import annotations

import filecmp
import os
import shutil
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.procs import Forked, WorkerDied
from foresterie.run.early import Request, load_and_house
from foresterie.run.pipeline import solve
from tests.helpers import TINY


def _doubled(n: int, say: object) -> int:
    assert callable(say)
    say(f"doubling {n}")
    say("done")
    return 2 * n


def test_forked_answers_and_its_lines_are_said_here_in_order() -> None:
    lines: list[str] = []
    child = Forked("doubling", _doubled, 21, say=lines.append)
    assert lines == []  # nothing said here before the answer is read
    assert child.result() == 42
    assert lines == ["doubling 21", "done"]
    assert child.result() == 42 and lines == ["doubling 21", "done"]  # kept, not read again


def _refused(say: object) -> None:
    assert callable(say)
    say("warning: a warning before the error")
    raise ScenarioError([Problem("workers.csv", 3, "arrival", "not a date: 'soon'")])


def test_forked_failure_is_raised_whole_after_its_lines() -> None:
    lines: list[str] = []
    child = Forked("refusing", _refused, say=lines.append)
    with pytest.raises(ScenarioError) as caught:
        child.result()
    assert [(p.file, p.row, p.field) for p in caught.value.problems] == [
        ("workers.csv", 3, "arrival")
    ]
    assert lines == ["warning: a warning before the error"]


def _dies() -> None:
    os._exit(3)


def test_a_child_that_dies_is_named() -> None:
    with pytest.raises(WorkerDied, match="dying: the child process ended abruptly"):
        Forked("dying", _dies).result()


def _waits_forever(fd: int) -> bytes:
    return os.read(fd, 1)  # nothing is ever written: blocks until killed


def test_close_ends_a_child_still_working() -> None:
    r, w = os.pipe()
    try:
        child = Forked("waiting", _waits_forever, r)
        child.close()
        assert child._process.exitcode == -signal.SIGKILL
    finally:
        os.close(r)
        os.close(w)


def _plan_files(run: Path) -> list[str]:
    return sorted(p.name for p in (run / "plan").iterdir())


def test_cli_solve_with_the_child_is_byte_identical_to_one_process(tmp_path: Path) -> None:
    """The CLI's solve (load and housing in its child) against pipeline.solve in one process:
    plan/ byte for byte, and the same lines said in the same order."""
    beside, alone = tmp_path / "beside", tmp_path / "alone"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(beside)])
    assert r.exit_code == 0, r.output
    said: list[str] = []
    solve(TINY, alone, say=said.append)
    names = _plan_files(alone)
    assert names and _plan_files(beside) == names
    same, mismatch, errors = filecmp.cmpfiles(alone / "plan", beside / "plan", names, False)
    assert (sorted(same), mismatch, errors) == (names, [], [])
    # the child's lines (warnings, travel, housing), then the shuttles', then the report's
    assert r.output.splitlines()[: len(said)] == said
    assert [x.split(":")[0] for x in said if x.startswith(("travel", "housing", "shuttles"))] == [
        "travel",
        "housing",
        "shuttles",
    ]


def test_solve_refuses_a_first_part_started_for_another_scenario(tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(TINY, other)
    child = Forked("loading and housing", load_and_house, Request(scenario_dir=other), say=print)
    try:
        with pytest.raises(ValueError, match="started for another solve"):
            solve(TINY, tmp_path / "run", beside=child)
    finally:
        child.close()
    assert not (tmp_path / "run").exists()


def test_cli_bad_input_from_the_child_is_one_line_exit_2_and_no_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(TINY, bad)
    workers = bad / "workers.csv"
    lines = workers.read_text(encoding="utf-8").splitlines(True)
    header = lines[0].rstrip("\n").split(",")
    row = lines[1].rstrip("\n").split(",")
    row[header.index("arrival")] = "soon"
    lines[1] = ",".join(row) + "\n"
    workers.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(bad), "--out", str(out)])
    assert r.exit_code == 2, r.output
    errors = [x for x in r.stderr.splitlines() if x.startswith("error: ")]
    assert len(errors) == 1 and "workers.csv" in errors[0] and "arrival" in errors[0]
    assert not out.exists()
