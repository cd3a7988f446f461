"""Two farms of one name in one comune are told apart by their ids wherever a worker or a
driver reads the farm's name (review 20 R, LOW-1: two slips read "Az. agr. Uva Italia
Rutigliano, Rutigliano" for two farms); farms with a name of their own are named as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.report.rundata import load_run, lookups


def test_same_named_farms_carry_their_ids(tmp_path: Path) -> None:
    sc = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parents[1] / "data" / "tiny", sc)
    layer = json.loads((sc / "farms.geojson").read_text(encoding="utf-8"))
    props = {f["properties"]["id"]: f["properties"] for f in layer["features"]}
    props["F2"]["name"], props["F2"]["comune"] = props["F1"]["name"], props["F1"]["comune"]
    (sc / "farms.geojson").write_text(json.dumps(layer), encoding="utf-8")
    run = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(run)])
    assert r.exit_code == 0, r.output
    look = lookups(load_run(run))
    name = props["F1"]["name"]
    assert look.farms["F1"].name == f"{name} (F1)" and look.farms["F2"].name == f"{name} (F2)"
    assert look.farms["F3"].name == props["F3"]["name"]
    slips = "".join(p.read_text(encoding="utf-8") for p in (run / "report").rglob("*-notices.html"))
    assert f"{name} (F1)" in slips or f"{name} (F2)" in slips
    assert f"<bdi>{name}</bdi>" not in slips
