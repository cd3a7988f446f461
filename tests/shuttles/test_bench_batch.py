"""Review 17 #13: in a `bench vrptw` batch, a missing instance (or, with --check, a missing
solution) is one line; the other instances run, and the exit code is 2 at the end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import DATA

TINY = DATA / "vrptw" / "tiny.vrp"


def _bench(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["bench", "vrptw", *args, "--iterations", "100"])
    return r.exit_code, r.stdout, r.stderr


def test_a_missing_instance_is_said_and_the_others_run(tmp_path: Path) -> None:
    other = tmp_path / "other.vrp"
    shutil.copyfile(TINY, other)
    gone = tmp_path / "gone.vrp"
    code, out, err = _bench(str(TINY), str(gone), str(other), "--sol-out", str(tmp_path / "s"))
    assert code == 2
    assert err == f"error: {gone}: file: no such instance file\n"
    solved = [x.split()[0] for x in out.splitlines() if "feasible True" in x]
    assert solved == ["tiny", "other"]
    assert out.splitlines()[-1].endswith("; 1 not run (bad input, said above)")
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["other.sol", "tiny.sol"]
    code, out, err = _bench(str(gone), str(TINY), "--json")  # one JSON object per answer
    assert code == 2 and err == f"error: {gone}: file: no such instance file\n"
    assert [json.loads(x)["instance"] for x in out.splitlines()] == ["tiny"]


def test_only_missing_instances_is_exit_2_with_nothing_run(tmp_path: Path) -> None:
    code, out, err = _bench(str(tmp_path / "a.vrp"), str(tmp_path / "b.vrp"))
    assert code == 2 and out == "" and len(err.splitlines()) == 2


def test_check_a_missing_solution_is_said_and_the_others_checked(tmp_path: Path) -> None:
    other = tmp_path / "other.vrp"
    shutil.copyfile(TINY, other)
    sols = tmp_path / "sols"
    code, _, _ = _bench(str(TINY), "--sol-out", str(sols))
    assert code == 0 and (sols / "tiny.sol").is_file()
    code, out, err = _bench(str(TINY), str(other), "--check", str(sols))
    assert code == 2
    assert err == f"error: {sols / 'other.sol'}: file: no such solution file\n"
    assert [x.split()[0] for x in out.splitlines() if "feasible True" in x] == ["tiny"]
