"""A farm drawn in several parts (review 13, finding 6): a firm's scattered parcels or a
digitising slip 100 km away. The entrance is in the largest part, never in a stray one that
shapely happens to pick, and a part far from it is said in a warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.scenario.load import load_scenario


def _square(lon: float, lat: float, half: float) -> list[list[list[float]]]:
    return [
        [
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ]
    ]


def _draw_f2(tiny: Path, parts: list[list[list[list[float]]]]) -> None:
    path = tiny / "farms.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    f2 = next(f for f in data["features"] if f["properties"]["id"] == "F2")
    f2["geometry"] = {"type": "MultiPolygon", "coordinates": parts}
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("stray_first", [True, False])
def test_the_entrance_is_in_the_largest_part_and_a_far_part_is_said(
    tiny: Path, stray_first: bool
) -> None:
    home = _square(15.30, 41.69, 0.004)  # the farm's fields, near Torremaggiore
    stray = _square(16.50, 41.00, 0.001)  # a small slip near Bari, ~120 km away
    _draw_f2(tiny, [stray, home] if stray_first else [home, stray])
    sc = load_scenario(tiny)
    f2 = next(f for f in sc.farms if f.id == "F2")
    assert abs(f2.lon - 15.30) < 0.004 and abs(f2.lat - 41.69) < 0.004
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 0, r.output
    said = [x for x in r.output.splitlines() if x.startswith("warning: farms.geojson")]
    assert len(said) == 1 and "'F2' is drawn in 2 parts, one 1" in said[0], r.output
    km = float(said[0].split(" parts, one ")[1].split(" km")[0])
    assert 100 < km < 140


def test_parcels_side_by_side_are_one_farm_without_a_word(tiny: Path) -> None:
    _draw_f2(tiny, [_square(15.30, 41.69, 0.004), _square(15.31, 41.69, 0.002)])  # ~1 km apart
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 0 and "farms.geojson" not in r.output, r.output
