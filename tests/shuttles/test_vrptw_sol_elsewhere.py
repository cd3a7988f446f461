"""`.sol` files from elsewhere handed to `bench vrptw --check`: each defect named (a violation,
exit 1) or the file refused at its line (exit 2); correct ones, ours or the literature's, pass.
tiny.vrp's hand-checked routes: 1 2 / 3 4, 30.5 under DIMACS, 30.57 with unrounded arcs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.shuttles.vrptw_check import check_sol, read_sol
from foresterie.shuttles.vrptwfile import read_raw
from tests.helpers import DATA, SHARED

VRPTW = DATA / "vrptw"
TINY = VRPTW / "tiny.vrp"
GOOD = "Route #1: 1 2\nRoute #2: 3 4\nCost 30.5\n"
ROUTES = "Route #1: 1 2\nRoute #2: 3 4\n"  # no Cost line: the defect alone is named


def _check(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "t.sol").write_bytes(text.encode())
    return list(check_sol(read_raw(TINY), read_sol(tmp_path / "t.sol")).violations)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (GOOD, []),
        (GOOD.replace("\n", "\r\n"), []),
        ("\ufeff" + GOOD, []),
        ("Route #1: 1 2   \n\n  Route #2:\t3\t4\nCost 30.5\n", []),
        (GOOD.replace("Cost 30.5", "Cost 30.54"), []),  # unrounded arcs: 30.54...
        (GOOD.replace("Cost 30.5", "Cost: 30.5"), []),
        (GOOD + "Time 0.02\nVehicles 2\n# a comment\n", []),
        ("Instance name : tiny\nAuthors : someone\nSolution\n" + GOOD, []),
        ("Route 1 : 1 2\nRoute 2 : 3 4\n", []),  # SINTEF's spelling, no Cost
        (ROUTES.replace("1 2\n", "1\n"), ["not served: customer 2: on no route"]),
        (ROUTES.replace("3 4", "3 4 2"), ["served twice: route 2: customer 2"]),
        (ROUTES.replace("3 4", "3 4 7"), ["unknown customer: route 2: customer 7"]),
        (ROUTES.replace("1 2", "1 0 2"), ["depot in route: route 1: 0 is the depot"]),
        (ROUTES + "Route #3:\n", ["empty route: route 3"]),
        (ROUTES.replace("3 4", "3 4 1"), ["capacity: route 2: load 11", "served twice"]),
        ("Route #1: 1 2 3\nRoute #2: 4\nCost 30.5\n", ["capacity: route 1: load 12", "cost"]),
        (GOOD.replace("30.5", "31.5"), ["cost: the file states 31.5 (line 3), the routes"]),
        ("Instance name : C101\n" + GOOD, ["instance: the file solves 'C101' (line 1)"]),
        ("Route #1: 1\nRoute #2: 2\nRoute #3: 3 4\n", ["fleet: 3 routes, the instance has 2"]),
        ("Route #4: 1 2\nRoute #9: 3 4 4\n", ["served twice: route 9: customer 4"]),  # as numbered
    ],
)
def test_each_defect_named(tmp_path: Path, text: str, named: list[str]) -> None:
    found = _check(tmp_path, text)
    assert len(found) == len(named), found
    for words, v in zip(named, found, strict=True):
        assert words in v


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (GOOD + "these routes are the best\n", 4, "line"),
        (GOOD.replace("Cost 30.5", "Cost 30.5 km"), 3, "Cost"),
        (GOOD.replace("3 4", "3 4 (load 7)"), 2, "Route"),
        (GOOD.replace("3 4", "3 -4"), 2, "Route"),
        (GOOD.replace("Route #2", "Route #1"), 2, "Route"),
        (GOOD + "Cost 30.5\n", 4, "Cost"),
        (GOOD.replace("30.5", "nan"), 3, "Cost"),
        (GOOD.replace("30.5", "1e999999999"), 3, "Cost"),
        ("", None, "Route"),
        ("NAME : tiny\n\x00\x00", None, "file"),
    ],
)
def test_unreadable_lines_refused(tmp_path: Path, text: str, line: int | None, field: str) -> None:
    (tmp_path / "b.sol").write_bytes(text.encode())
    with pytest.raises(ScenarioError) as err:
        read_sol(tmp_path / "b.sol")
    assert (err.value.problems[0].row, err.value.problems[0].field) == (line, field)


def bench(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["bench", "vrptw", *args])
    return r.exit_code, r.stdout, r.stderr


def test_cli_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "ok.sol").write_text(GOOD)
    (tmp_path / "twice.sol").write_text(ROUTES.replace("3 4", "3 4 2"))
    (tmp_path / "junk.sol").write_text(GOOD + "hello\n")
    assert bench(str(TINY), "--check", str(tmp_path / "ok.sol"))[0] == 0
    code, out, _ = bench(str(TINY), "--check", str(tmp_path / "twice.sol"))
    assert code == 1 and "served twice: route 2: customer 2" in out
    code, out, err = bench(str(TINY), "--check", str(tmp_path / "junk.sol"))
    assert code == 2 and f"{tmp_path / 'junk.sol'}:4: line:" in err and out == ""


def test_a_solution_for_another_instance(tmp_path: Path) -> None:
    """C101's best-known routes checked against tiny: every stranger named, nothing passes."""
    routes = "".join(f"Route #{k}: {10 * k - 9} {10 * k - 5}\n" for k in range(1, 11))
    (tmp_path / "C101.sol").write_text("Instance name : C101\n" + routes + "Cost 827.3\n")
    code, out, _ = bench(str(TINY), "--check", str(tmp_path / "C101.sol"), "--json")
    assert code == 1
    found = json.loads(out)["violations"]
    assert "unknown customer: route 1: customer 5: not a customer of this instance" in found[1]
    assert "instance: the file solves 'C101' (line 1), not 'tiny'" in found[0]


def test_sol_out_of_an_odd_instance_checks(tmp_path: Path) -> None:
    """Our own answer on an EXPLICIT instance with ids from 0, written and checked back."""
    head, text = (VRPTW / "explicit.vrp").read_text().split("DEMAND_SECTION")
    # ids 1..5 -> 0..4 in each row-per-node section
    text = re.sub(r"(?m)^(\d+) ", lambda m: f"{int(m.group(1)) - 1} ", text)
    text = head + "DEMAND_SECTION" + text
    (tmp_path / "odd.vrp").write_text(text.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n0\n"))
    code, _, _ = bench(
        str(tmp_path / "odd.vrp"),
        "--iterations",
        "200",
        "--time-limit",
        "60",
        "--sol-out",
        str(tmp_path / "s"),
    )
    assert code == 0
    assert read_sol(tmp_path / "s" / "odd.sol").cost == 30
    code, out, _ = bench(str(tmp_path / "odd.vrp"), "--check", str(tmp_path / "s" / "odd.sol"))
    assert code == 0 and "feasible True" in out


def test_below_the_bks_is_noted(tmp_path: Path) -> None:
    (tmp_path / "bks.csv").write_text("instance,bks_distance,bks_routes\ntiny,31.0,2\n")
    (tmp_path / "tiny.vrp").write_text(TINY.read_text())
    (tmp_path / "ok.sol").write_text(GOOD)
    code, out, _ = bench(str(tmp_path / "tiny.vrp"), "--check", str(tmp_path / "ok.sol"))
    assert code == 0 and "note: 30.5 is below the best-known 31" in out


def test_literature_format_on_a_shared_instance(tmp_path: Path) -> None:
    """C101's best-known routes as SINTEF writes them (header, `Route 1 :`, no Cost line): the
    checker's distance is bks.csv's 827.3 (the routes from PyVRP/Instances' C101.sol)."""
    path = SHARED / "benchmarks" / "solomon" / "C101.vrp"
    if not path.is_file():
        pytest.skip(f"{path} not found (the benchmark instances live in ../shared)")
    routes = [
        "5 3 7 8 10 11 9 6 4 2 1 75",
        "13 17 18 19 15 16 14 12",
        "20 24 25 27 29 30 28 26 23 22 21",
        "32 33 31 35 37 38 39 36 34",
        "43 42 41 40 44 46 45 48 51 50 52 49 47",
        "57 55 54 53 56 58 60 59",
        "67 65 63 62 74 72 61 64 68 66 69",
        "81 78 76 71 70 73 77 79 80",
        "90 87 86 83 82 84 85 88 89 91",
        "98 96 95 94 92 93 97 100 99",
    ]
    head = "Instance name : C101\nAuthors : Rochat and Taillard\nDate : 1995\nSolution\n"
    body = "".join(f"Route {k} : {r}\n" for k, r in enumerate(routes, start=1))
    (tmp_path / "C101.sol").write_text(head + body + "Cost 828.94\n")  # unrounded arcs
    code, out, _ = bench(str(path), "--check", str(tmp_path / "C101.sol"), "--json")
    assert code == 0
    assert '"distance": 827.3' in out and '"gap_pct": 0.0' in out


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("instance,bks_distance\ntiny,nan\n", "bks.csv:2: bks_distance: a finite number > 0"),
        ("instance,bks_distance\ntiny,0\n", "bks.csv:2: bks_distance: a finite number > 0"),
        ("instance,bks_distance,bks_routes\ntiny,30,1.5\n", "bks.csv:2: bks_distance"),
    ],
)
def test_bad_bks_refused_before_anything_is_written(tmp_path: Path, table: str, words: str) -> None:
    (tmp_path / "bks.csv").write_text(table)
    (tmp_path / "tiny.vrp").write_text(TINY.read_text())
    code, out, err = bench(
        str(tmp_path / "tiny.vrp"), "--iterations", "50", "--sol-out", str(tmp_path / "s")
    )
    assert code == 2 and words in err and out == ""
    assert not (tmp_path / "s").exists()


def test_another_tools_bks_table_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "bks.csv").write_text("name;best\ntiny;30\n")
    (tmp_path / "tiny.vrp").write_text(TINY.read_text())
    (tmp_path / "ok.sol").write_text(GOOD)
    code, out, _ = bench(str(tmp_path / "tiny.vrp"), "--check", str(tmp_path / "ok.sol"), "--json")
    assert code == 0 and json.loads(out)["bks"] is None
