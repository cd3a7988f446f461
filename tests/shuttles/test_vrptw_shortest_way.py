"""An instance is refused as unservable only when even the quickest way over its arcs is too
late (review 15, finding 8): truncated DIMACS arcs and explicit matrices need not keep the
triangle inequality, so the direct arc is not always the quickest way to a customer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.shuttles.solomon import load

HEAD = "NAME : {name}\nTYPE : CVRPTW\nDIMENSION : 3\nVEHICLES : 1\nCAPACITY : 10\n"
COORDS = "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 4 4\n3 8 8\n"
MATRIX = (
    "EDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n"
    "0 1 100\n100 0 1\n1 100 0\n"
)
TAIL = "DEMAND_SECTION\n1 0\n2 1\n3 1\nTIME_WINDOW_SECTION\n1 0 {l0}\n2 0 {l0}\n3 0 {due3}\nDEPOT_SECTION\n1\n-1\nEOF\n"


def _file(tmp_path: Path, name: str, arcs: str, l0: str, due3: str) -> Path:
    p = tmp_path / f"{name}.vrp"
    p.write_text(HEAD.format(name=name) + arcs + TAIL.format(l0=l0, due3=due3), encoding="utf-8")
    return p


def _bench(*args: str | Path) -> tuple[int, str]:
    r = CliRunner().invoke(app, ["bench", "vrptw", *map(str, args), "--iterations", "100"])
    return r.exit_code, r.output


@pytest.mark.parametrize(
    ("name", "arcs", "l0", "due3", "distance"),
    [
        # floor(10 * 11.31) / 10 = 11.3 direct, 5.6 + 5.6 = 11.2 by node 2
        ("trunc", COORDS, "100", "11.2", "22.5"),
        # 1 -> 2 -> 3 -> 1 costs 3; every reverse arc 100, after the depot closes at 50
        ("explicit", MATRIX, "50", "50", "3.0"),
    ],
)
def test_a_customer_reached_by_a_quicker_way_than_the_direct_arc_is_served(
    tmp_path: Path, name: str, arcs: str, l0: str, due3: str, distance: str
) -> None:
    path = _file(tmp_path, name, arcs, l0, due3)
    load(path)  # not refused
    code, out = _bench(path)
    assert code == 0, out
    line = next(x for x in out.splitlines() if x.startswith(name))
    assert f"dist {distance:>9}" in line and "feasible True" in line
    sol = tmp_path / f"{name}.sol"  # and another solver's answer is checked, not refused
    sol.write_text(f"Route #1: 1 2\nCost {distance}\n", encoding="utf-8")
    code, out = _bench(path, "--check", sol)
    assert code == 0 and "feasible True" in out, out


def test_a_customer_too_late_even_by_the_quickest_way_is_refused_with_that_way(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, "late", COORDS, "100", "11.1")
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert str(err.value).endswith(
        "late.vrp:18: time window: customer 2 (node 3): unreachable: leaving the depot at 0 "
        "and driving 11.2 arrives at 11.2, after it closes at 11.1"
    )
    path = _file(tmp_path, "noway", MATRIX, "50", "50")
    path.write_text(path.read_text(encoding="utf-8").replace("1 100 0", "100 100 0"))
    with pytest.raises(ScenarioError) as err:
        load(path)  # node 3 -> depot is 100 by every way now
    assert "customer 2 (node 3): no way back: served from 2 for 0, the depot is 100 away" in str(
        err.value
    )
