"""`foresterie bench vrptw`: solve, check, the JSON contract, `.sol` out and `--check` in,
exit codes; the tiny instance's optimum (30.0) is hand-checked (tests/data/vrptw/tiny.vrp)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.shuttles.solomon import load, run
from tests.helpers import DATA, SHARED

VRPTW = DATA / "vrptw"
TINY = VRPTW / "tiny.vrp"
KEYS = [
    "instance",
    "file",
    "format",
    "customers",
    "vehicles",
    "engine",
    "seed",
    "time_limit_s",
    "iterations",
    "convention",
    "distance",
    "routes",
    "feasible",
    "violation_count",
    "violations",
    "bks",
    "bks_routes",
    "gap_pct",
    "seconds",
    "read_seconds",
]
TIMING = ("seconds", "read_seconds")


def bench(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["bench", "vrptw", *args])
    return r.exit_code, r.stdout, r.stderr


def records(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("name", ["tiny.vrp", "tiny.txt"])
def test_solves_the_tiny_instance_to_its_optimum(name: str) -> None:
    code, out, _ = bench(str(VRPTW / name), "--iterations", "300", "--json", "--time-limit", "60")
    assert code == 0
    (rec,) = records(out)
    assert list(rec) == KEYS
    assert rec["format"] == ("vrplib" if name.endswith(".vrp") else "solomon")
    assert (rec["distance"], rec["routes"], rec["feasible"]) == (30.0, 2, True)
    assert (rec["violation_count"], rec["convention"], rec["customers"]) == (0, "dimacs", 4)


def test_same_seed_same_answer_apart_from_timings() -> None:
    args = (str(TINY), "--iterations", "200", "--json", "--seed", "5", "--time-limit", "60")
    first, second = (records(bench(*args)[1])[0] for _ in range(2))
    for rec in (first, second):
        for key in TIMING:
            rec.pop(key)
    assert first == second


def test_sol_out_then_check(tmp_path: Path) -> None:
    code, out, _ = bench(str(TINY), "--iterations", "300", "--sol-out", str(tmp_path / "s"))
    assert code == 0 and "feasible True" in out
    sol = tmp_path / "s" / "tiny.sol"
    assert sol.read_text().endswith("Cost 30.0\n")
    code, out, _ = bench(str(TINY), "--check", str(sol), "--json")
    (rec,) = records(out)
    assert code == 0 and (rec["engine"], rec["feasible"], rec["distance"]) == ("check", True, 30.0)
    assert rec["seed"] is None and rec["time_limit_s"] is None
    # a folder of INSTANCE.sol works too
    code, out, _ = bench(str(TINY), "--check", str(tmp_path / "s"))
    assert code == 0


def test_check_finds_a_tampered_solution(tmp_path: Path) -> None:
    sol = tmp_path / "tiny.sol"
    sol.write_text("Route #1: 1 2 3\nRoute #2: 4\nCost 27.1\n")  # load 12 > 10
    code, out, _ = bench(str(TINY), "--check", str(sol))
    assert code == 1
    assert "capacity: route 1: load 12 exceeds the capacity 10" in out


def test_a_bad_instance_is_said_the_others_run_exit_2(tmp_path: Path) -> None:
    """Review 17: a bad instance of a batch is one line; the others are solved and written
    all the same, and the exit code says bad input at the end."""
    bad = VRPTW / "bad" / "window_opens_after_close.vrp"
    code, out, err = bench(str(TINY), str(bad), "--sol-out", str(tmp_path / "s"))
    assert code == 2
    assert err.strip() == (
        f"error: {bad}:24: time window: customer 2 (node 3): opens at 60 after it closes at 10"
    )
    assert "feasible True" in out and "feasible 1/1" in out and "1 not run" in out
    assert [p.name for p in (tmp_path / "s").iterdir()] == ["tiny.sol"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--engine", "lkh"], "--engine: option: 'lkh' is not pyvrp or ortools"),
        (["--time-limit", "0"], "--time-limit: option: 0: must be > 0 seconds"),
        (["--iterations", "0"], "--iterations: option: 0: must be >= 1"),
        (["--check", "nowhere.sol"], "nowhere.sol: file: no such solution file"),
    ],
)
def test_bad_options_exit_2(args: list[str], words: str) -> None:
    code, _, err = bench(str(TINY), *args)
    assert code == 2 and words in err


def test_missing_instance_exit_2() -> None:
    code, _, err = bench("no/such.vrp")
    assert code == 2 and "no/such.vrp: file: no such instance file" in err


def test_bad_sol_file_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.sol").write_text("Route #1: 1 x\n")
    code, _, err = bench(str(TINY), "--check", str(tmp_path / "x.sol"))
    assert code == 2 and f"{tmp_path / 'x.sol'}:1: Route:" in err


def test_gap_to_bks_csv(tmp_path: Path) -> None:
    (tmp_path / "tiny.vrp").write_text(TINY.read_text())
    (tmp_path / "bks.csv").write_text("instance,bks_distance,bks_routes\ntiny,30.0,2\n")
    r = run(tmp_path / "tiny.vrp", "pyvrp", 60.0, seed=1, iterations=300)
    assert (r.bks, r.bks_routes, r.gap_pct) == (30.0, 2, 0.0)


def test_a_shared_solomon_instance() -> None:
    path = SHARED / "benchmarks" / "solomon" / "C101.vrp"
    if not path.is_file():
        pytest.skip(f"{path} not found (the benchmark instances live in ../shared)")
    r = run(path, "pyvrp", 60.0, seed=1, iterations=200, loaded=load(path))
    assert r.feasible and r.customers == 100 and r.vehicles == 25 and r.bks == 827.3
    assert r.routes <= 25 and r.gap_pct is not None and r.gap_pct >= 0


def test_bks_from_a_sol_beside_the_instance(tmp_path: Path) -> None:
    for suffix in (".vrp", ".sol"):
        (tmp_path / f"tiny{suffix}").write_text(TINY.with_suffix(suffix).read_text())
    r = run(tmp_path / "tiny.vrp", "pyvrp", 60.0, seed=1, iterations=300)
    assert (r.bks, r.bks_routes) == (30.5, 2) and r.gap_pct is not None and r.gap_pct < 0


def test_decimal_coordinates_and_windows(tmp_path: Path) -> None:
    """Finer than tenths: the engine gets windows rounded the safe way, the checker the exact
    values; the answer is feasible by the checker."""
    text = (
        TINY.read_text().replace("2 3 4\n", "2 3.33 4.07\n").replace("3 10 60\n", "3 10.04 59.96\n")
    )
    (tmp_path / "d.vrp").write_text(text)
    code, out, _ = bench(str(tmp_path / "d.vrp"), "--iterations", "300", "--json")
    (rec,) = records(out)
    assert code == 0 and rec["feasible"] and rec["routes"] == 2
