"""A depot whose vehicles no origin is ever given (every foresteria and departure point has a
nearer base with a vehicle): `validate` and `solve` say so, one line per depot (review 17,
finding 2: a contractor's bus stood idle all season while riders were left "vehicles busy")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.unused import unused_bases
from foresterie.travel.matrix import build_matrix
from tests.helpers import TINY, add_depot, add_pickup


def _season(tmp: Path, depot_at: tuple[float, float] | None) -> Path:
    """The tiny season with a departure point PX and a depot DP holding VD1, DP beside PX (it
    serves PX) or moved to `depot_at` (far: PX's nearest base is then a foresteria)."""
    sc = tmp / "s"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    add_depot(sc)
    if depot_at is not None:
        path = sc / "pickups.geojson"
        layer = json.loads(path.read_text(encoding="utf-8"))
        (dp,) = [f for f in layer["features"] if f["properties"]["id"] == "DP"]
        dp["geometry"]["coordinates"] = list(depot_at)
        path.write_text(json.dumps(layer), encoding="utf-8")
    return sc


def test_a_depot_nearest_to_nobody_is_said_and_one_that_serves_is_not(tmp_path: Path) -> None:
    near = load_scenario(_season(tmp_path / "near", None))
    assert unused_bases(near, build_matrix(near)) == []
    far = load_scenario(_season(tmp_path / "far", (16.80, 41.05)))  # ~130 km south
    (w,) = unused_bases(far, build_matrix(far))
    assert (w.file, w.row, w.field) == ("fleet.csv", None, "DP")
    assert w.message.startswith("VD1 based here serve nobody")
    first = min(x.arrival for x in far.workers)
    assert f"from {max(first, min(v.available_from for v in far.fleet)).isoformat()}" in w.message


def test_validate_and_solve_warn_of_the_idle_depot(tmp_path: Path) -> None:
    sc = _season(tmp_path, (16.80, 41.05))
    r = CliRunner().invoke(app, ["validate", str(sc)])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if "serve nobody" in ln]
    assert lines and lines[0].startswith("warning: fleet.csv: DP: VD1 based here serve nobody")
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    assert sum("serve nobody" in ln for ln in r.output.splitlines()) == 1
    trips = (tmp_path / "run" / "plan" / "trips.csv").read_text(encoding="utf-8")
    assert ",VD1," not in trips  # what the warning says: it never runs
    # a day run of the season does not say it again: its bases are the season's (review 19 R,
    # LOW-1: every `day` repeated it)
    led = str(tmp_path / "ledger.sqlite")
    r = CliRunner().invoke(app, ["ledger", "init", str(tmp_path / "run"), "--ledger", led])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(
        app, ["day", str(tmp_path / "run"), "--date", "2026-07-07", "--ledger", led]
    )
    assert r.exit_code == 0, r.output
    assert "serve nobody" not in r.output, r.output
    r = CliRunner().invoke(
        app, ["intake", str(tmp_path / "run"), "--date", "2026-07-08", "--ledger", led]
    )
    assert r.exit_code == 0, r.output
    assert "serve nobody" not in r.output, r.output  # nor an intake (review 19 S)
