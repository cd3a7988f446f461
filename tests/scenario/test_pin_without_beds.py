"""A person pinned to a foresteria with no beds of their section (or, needing one, no accessible
bed) is said by `validate` on their workers.csv row, not found later as an infeasible plan that
names nobody (review 18, M2)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY


def _pin(tmp_path: Path, worker: str, site: str) -> Path:
    sc = tmp_path / "sc"
    shutil.copytree(TINY, sc)
    path = sc / "workers.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    out = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == worker:
            cells[8] = site
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return sc


def test_a_woman_pinned_where_there_are_no_womens_beds_is_said_on_her_row(
    tmp_path: Path,
) -> None:
    sc = _pin(tmp_path, "W03", "FB")  # FB: men's and family beds only
    r = CliRunner().invoke(app, ["validate", str(sc)])
    assert r.exit_code == 2, r.output
    assert r.output.strip().splitlines() == [
        "error: workers.csv:4: pinned_foresteria: pinned to 'FB', which has no beds of section "
        "women"
    ]


def test_a_pin_the_beds_can_meet_passes(tmp_path: Path) -> None:
    sc = _pin(tmp_path, "W03", "FA")  # FA has a women's bed, and an accessible one
    r = CliRunner().invoke(app, ["validate", str(sc)])
    assert r.exit_code == 0, r.output


def test_solve_says_it_at_the_row_too_and_writes_nothing(tmp_path: Path) -> None:
    sc = _pin(tmp_path, "W03", "FB")
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert (
        "workers.csv:4: pinned_foresteria: pinned to 'FB', which has no beds of section women"
        in (r.output)
    )
    assert not out.exists()
