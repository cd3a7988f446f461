from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from foresterie.core.errors import ScenarioError
from foresterie.scenario.config import TravelTable
from foresterie.travel.matrix import Location, build_matrix, haversine_matrix, read_matrix_file


def test_hand_checked_pair_san_severo_to_foggia() -> None:
    # Fortore (15.45 E, 41.60 N) to Foggia (15.55 E, 41.46 N): 17.63 km on the WGS84 ellipsoid.
    locs = [Location("A", 15.45, 41.60), Location("B", 15.55, 41.46)]
    m = haversine_matrix(locs, TravelTable(circuity=1.3, speed_kmh=55.0))
    _, _, ellipsoid_m = Geod(ellps="WGS84").inv(15.45, 41.60, 15.55, 41.46)
    assert abs(m.dist("A", "B") / 1.3 - ellipsoid_m) / ellipsoid_m < 0.005  # sphere vs ellipsoid
    assert m.dist("A", "B") == m.dist("B", "A")
    assert m.secs("A", "B") == round(m.dist("A", "B") / (55 / 3.6))
    assert m.seconds.dtype == np.int64 and m.metres.dtype == np.int64
    assert m.dist("A", "A") == 0


def test_matrix_file_asymmetric_and_missing_pairs(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("from_id,to_id,seconds,metres\nA,B,600,9000\nB,A,660,9100\n", encoding="utf-8")
    m = read_matrix_file(p, "m.csv", ["A", "B"])
    assert (m.secs("A", "B"), m.secs("B", "A")) == (600, 660)
    p.write_text("from_id,to_id,seconds,metres\nA,B,600,9000\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"m.csv: pairs: 1 ordered pairs missing, e.g. B -> A"):
        read_matrix_file(p, "m.csv", ["A", "B"])


def test_matrix_backend_flows_into_scenario(tiny: Path) -> None:
    from foresterie.scenario.load import load_scenario

    ids = ["FA", "FB", "F1", "F2", "F3"]
    lines = ["from_id,to_id,seconds,metres"]
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if a != b:
                lines.append(f"{a},{b},{600 + 10 * i + j},{5000 + i}")
    (tiny / "matrix.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = (tiny / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('fleet = "fleet.csv"', 'fleet = "fleet.csv"\nmatrix = "matrix.csv"')
    text += '\n[travel]\nbackend = "matrix"\n'
    (tiny / "scenario.toml").write_text(text, encoding="utf-8")
    m = build_matrix(load_scenario(tiny))
    assert m.secs("FA", "F1") == 602 and m.secs("F1", "FA") == 620  # asymmetric kept


def test_asymmetric_matrix_flows_into_housing_and_shuttles(tiny: Path, tmp_path: Path) -> None:
    """Farm -> foresteria takes twice as long as foresteria -> farm: the evening trips, their
    km and the verifier use the directed times; the commute (the morning ride) does not change."""
    import csv
    import json
    import math

    from typer.testing import CliRunner

    from foresterie.cli import app
    from foresterie.scenario.load import load_scenario

    base = build_matrix(load_scenario(tiny))
    homes = {"FA", "FB"}
    lines = ["from_id,to_id,seconds,metres"]
    for a in base.ids:
        for b in base.ids:
            back = a not in homes and b in homes
            s, m = base.secs(a, b), base.dist(a, b)
            lines.append(f"{a},{b},{2 * s if back else s},{m * 3 // 2 if back else m}")
    (tiny / "matrix.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = (tiny / "scenario.toml").read_text(encoding="utf-8")
    text = text.replace('fleet = "fleet.csv"', 'fleet = "fleet.csv"\nmatrix = "matrix.csv"')
    (tiny / "scenario.toml").write_text(text + '\n[travel]\nbackend = "matrix"\n', "utf-8")
    runs = {}
    for name, folder in (("asym", tiny), ("sym", None)):
        if folder is None:  # the same scenario on the symmetric haversine matrix
            folder = tmp_path / "sym"
            import shutil

            shutil.copytree(tiny, folder)
            (folder / "scenario.toml").write_text(text, encoding="utf-8")
        out = tmp_path / f"run-{name}"
        r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
        assert r.exit_code == 0, r.output  # includes the independent verification
        runs[name] = out
    kpi = {k: json.loads((v / "manifest.json").read_text())["kpis"] for k, v in runs.items()}
    assert kpi["asym"]["housing"]["commute_minutes"] == kpi["sym"]["housing"]["commute_minutes"]
    with open(runs["asym"] / "plan" / "trips.csv", encoding="utf-8") as fh:
        trips = list(csv.DictReader(fh))
    with open(runs["asym"] / "plan" / "stops.csv", encoding="utf-8") as fh:
        stops = list(csv.DictReader(fh))

    def mins(t: str) -> int:
        return int(t[:2]) * 60 + int(t[3:])

    evening = [t for t in trips if t["direction"] == "to_foresteria"]
    assert evening
    for t in evening:
        own = [s for s in stops if s["trip_id"] == t["trip_id"]]
        home, last = t["foresteria_id"], own[-1]["farm_id"]
        assert mins(t["return"]) - mins(own[-1]["depart"]) >= math.ceil(
            2 * base.secs(last, home) / 60
        )
        path = [home, *(s["farm_id"] for s in own), home]
        metres = sum(
            base.dist(a, b) * 3 // 2 if b == home else base.dist(a, b)
            for a, b in zip(path, path[1:], strict=False)
        )
        assert float(t["km"]) == pytest.approx(metres / 1000, abs=0.0005)


def test_osrm_backend_without_the_engine_is_a_clear_error(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from typer.testing import CliRunner

    from foresterie.cli import app

    (tiny / "roads").mkdir()
    (tiny / "roads" / "graph.json").write_text('{"schema": "foresterie-graph/1"}', encoding="utf-8")
    text = (tiny / "scenario.toml").read_text(encoding="utf-8")
    (tiny / "scenario.toml").write_text(
        text + '\n[travel]\nbackend = "osrm"\ngraph = "roads"\n', encoding="utf-8"
    )
    monkeypatch.setitem(sys.modules, "osrm", None)  # as on Python 3.11, where there is no wheel
    r = CliRunner().invoke(
        app,
        ["solve", str(tiny), "--out", str(tmp_path / "run")],
        env={"FORESTERIE_CACHE": str(tmp_path / "cache")},
    )
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "error: scenario.toml: travel.graph: the road engine is not installed: pip install "
        "'foresterie[roads]' (osrm-bindings ships wheels for Python >= 3.12 only)"
    )
