"""The independent checker: the hand-checked tiny instance, one violation per cause, `.sol` in
and out, and a cross-check against PyVRP's own evaluation of the same routes."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.shuttles.vrptw_check import (
    CAUSES,
    arc,
    check_routes,
    check_sol,
    read_sol,
    sol_text,
)
from foresterie.shuttles.vrptwfile import read_raw
from tests.helpers import DATA, SHARED

TINY = DATA / "vrptw" / "tiny.vrp"


def test_arcs_are_dimacs_truncations() -> None:
    raw = read_raw(TINY)
    assert arc(raw, 0, 1) == 5  # (3, 4): exactly 5
    assert arc(raw, 0, 4) == Fraction(14, 10)  # sqrt(2) = 1.414... -> 1.4
    assert arc(raw, 3, 4) == Fraction(41, 10)  # sqrt(17) = 4.123... -> 4.1


def test_hand_checked_solution() -> None:
    # 0-1-2-0: 5 + 5 + 10; 0-3-4-0: 5 + 4.1 + 1.4; loads 7 and 7 of 10; customer 2 waits to 10
    rep = check_sol(read_raw(TINY), read_sol(TINY.with_suffix(".sol")))
    assert rep.feasible and rep.routes == 2
    assert rep.distance_exact == Fraction(305, 10) and rep.distance == 30.5


@pytest.mark.parametrize(
    ("routes", "cause", "where"),
    [
        ([[1, 2, 3], [4]], "capacity", "route 1: load 12 exceeds the capacity 10"),
        ([[1, 2, 4], [3, 4]], "served twice", "route 2: customer 4: already served by route 1"),
        ([[1, 2], [3]], "not served", "customer 4: on no route"),
        ([[1, 2], [3, 4, 9]], "unknown customer", "route 2: customer 9"),
        ([[1], [2], [3, 4]], "fleet", "3 routes, the instance has 2 vehicles"),
    ],
)
def test_each_cause(routes: list[list[int]], cause: str, where: str) -> None:
    rep = check_routes(read_raw(TINY), routes)
    assert not rep.feasible
    assert [v.cause for v in rep.violation_list] == [cause]
    assert where in rep.violations[0]


def test_late(tmp_path: Path) -> None:
    text = TINY.read_text().replace("4 0 40\n", "4 0 15\n")  # 0-2-3 starts 3 at 10 + 1 + 6.7
    (tmp_path / "t.vrp").write_text(text)
    rep = check_routes(read_raw(tmp_path / "t.vrp"), [[2, 3], [1, 4]])
    assert [v.cause for v in rep.violation_list] == ["late"]
    assert (
        "route 1: customer 3: service starts at 17.7, its window closes at 15" in rep.violations[0]
    )


def test_depot_closed(tmp_path: Path) -> None:
    text = TINY.read_text().replace("1 0 100\n", "1 0 21\n")  # 0-1-2-0 is back at 22
    (tmp_path / "t.vrp").write_text(text)
    rep = check_routes(read_raw(tmp_path / "t.vrp"), [[1, 2], [3, 4]])
    assert [v.cause for v in rep.violation_list] == ["depot closed"]
    assert "back at the depot at 22, it closes at 21" in rep.violations[0]


def test_stated_cost_must_match(tmp_path: Path) -> None:
    (tmp_path / "t.sol").write_text("Route #1: 1 2\nRoute #2: 3 4\nCost 30.0\n")
    rep = check_sol(read_raw(TINY), read_sol(tmp_path / "t.sol"))
    assert [v.cause for v in rep.violation_list] == ["cost"]
    assert "states 30 (line 3), the routes measure 30.5" in rep.violations[0]
    assert set(CAUSES) >= {v.cause for v in rep.violation_list}


def test_sol_round_trip(tmp_path: Path) -> None:
    text = sol_text([(4, 1, 2), (3,)], 30.0)
    assert text == "Route #1: 4 1 2\nRoute #2: 3\nCost 30.0\n"
    (tmp_path / "a.sol").write_text(text)
    sol = read_sol(tmp_path / "a.sol")
    assert sol.routes == ((4, 1, 2), (3,)) and sol.cost == 30 and sol.cost_line == 3


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("Route #1: 1 two\n", 1, "Route"),
        ("Route #1: 1 2\nCost abc\n", 2, "Cost"),
        ("Route 1 2 3\n", 1, "Route"),
        ("Cost 3\n", None, "Route"),
    ],
)
def test_bad_sol_files(tmp_path: Path, text: str, line: int | None, field: str) -> None:
    (tmp_path / "b.sol").write_text(text)
    with pytest.raises(ScenarioError) as err:
        read_sol(tmp_path / "b.sol")
    assert (err.value.problems[0].row, err.value.problems[0].field) == (line, field)


def test_agrees_with_pyvrp_on_random_routes() -> None:
    """Random route sets on a Solomon instance: our verdict and distance against PyVRP's own
    evaluation (DIMACS rounding), which shares no code with the checker."""
    path = SHARED / "benchmarks" / "solomon" / "R101.vrp"
    if not path.is_file():
        pytest.skip(f"{path} not found (the benchmark instances live in ../shared)")
    import pyvrp

    raw, data = read_raw(path), pyvrp.read(str(path), round_func="dimacs")
    from pyvrp.stop import MaxIterations

    good = pyvrp.solve(data, MaxIterations(300), seed=1, collect_stats=False).best
    base = [[a.idx + 1 for a in r if a.is_client()] for r in good.routes()]
    rng = random.Random(7)
    verdicts = set()
    for _ in range(60):  # the solver's routes with two customers swapped: some still feasible
        routes = [list(r) for r in base]
        r1, r2 = rng.randrange(len(routes)), rng.randrange(len(routes))
        i, j = rng.randrange(len(routes[r1])), rng.randrange(len(routes[r2]))
        routes[r1][i], routes[r2][j] = routes[r2][j], routes[r1][i]
        ours = check_routes(raw, routes)
        theirs = pyvrp.Solution(data, [[c - 1 for c in r] for r in routes])
        assert ours.distance_exact * 10 == theirs.distance()
        assert ours.feasible == theirs.is_feasible()
        verdicts.add(ours.feasible)
    assert verdicts == {True, False}  # both verdicts met, or the cross-check proved little
