from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod

from foresterie.config import TravelTable
from foresterie.errors import ScenarioError
from foresterie.travel import Location, build_matrix, haversine_matrix, read_matrix_file


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
    from foresterie.scenario import load_scenario

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
