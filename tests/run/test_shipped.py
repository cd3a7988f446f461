"""The two shipped scenarios end to end: verified plans and a real what-if comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import ROOT


def _solve_pair(base: Path, names: tuple[str, str]) -> tuple[Path, Path]:
    out = []
    for name in names:
        target = base / name
        r = CliRunner().invoke(app, ["solve", str(ROOT / "scenarios" / name), "--out", str(target)])
        assert r.exit_code == 0, r.output
        out.append(target)
    return out[0], out[1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _solve_pair(tmp_path_factory.mktemp("shipped"), ("puglia-2026", "puglia-2026-lesina"))


def test_default_and_lesina_verify(runs: tuple[Path, Path]) -> None:
    for run in runs:
        assert verify_run(run) == []


def test_compare_shows_the_lesina_what_if(runs: tuple[Path, Path]) -> None:
    r = CliRunner().invoke(app, ["compare", *map(str, runs), "--format", "csv"])
    assert r.exit_code == 0
    rows = {line.split(",")[0]: line.split(",")[1:] for line in r.stdout.splitlines()[1:]}
    assert rows["transport.fleet_size"][2] == "2"  # two more minibuses
    # More beds never house fewer referred people: the old plan stays feasible, tier 1 is optimal.
    p3 = rows["housing.housed_by_priority.3"]
    assert int(p3[1]) >= int(p3[0])
    assert int(rows["housing.bed_nights_capacity"][2]) > 0


@pytest.fixture(scope="module")
def runs_2027(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    names = ("puglia-2027", "puglia-2027-no-bmz")
    return _solve_pair(tmp_path_factory.mktemp("shipped-2027"), names)


def test_the_2027_default_and_its_twin_answer_the_borgo_mezzanone_question(
    runs_2027: tuple[Path, Path],
) -> None:
    for run in runs_2027:
        assert verify_run(run) == []
    r = CliRunner().invoke(app, ["compare", *map(str, runs_2027), "--format", "csv"])
    assert r.exit_code == 0
    rows = {line.split(",")[0]: line.split(",")[1:] for line in r.stdout.splitlines()[1:]}
    # The same applicants; the Villaggio's 324 beds house more of them, referred people first.
    assert rows["housing.people"][0] == rows["housing.people"][1]
    assert int(rows["housing.housed"][0]) > int(rows["housing.housed"][1])
    p3 = rows["housing.housed_by_priority.3"]
    assert int(p3[0]) >= int(p3[1])
    # Capitanata is over-subscribed at the tomato peak even with the Villaggio open.
    waitlist = (runs_2027[0] / "plan" / "waitlist.csv").read_text(encoding="utf-8")
    assert ",full," in waitlist or ",outranked," in waitlist
