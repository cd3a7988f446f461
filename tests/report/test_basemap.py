"""The offline base map shipped in the package: rebuilt equal from the ISTAT source, small,
attributed, and the geometry it draws still covers Puglia's comuni."""

from __future__ import annotations

import json
from importlib import resources

import pytest
import shapely

from foresterie.report.basemap import ASSET, ATTRIBUTION, basemap_json, shipped_basemap
from tests.helpers import SHARED

ISTAT = SHARED / "geodata" / "istat"


def _decode(a: list[int], scale: int) -> list[tuple[float, float]]:
    out, lat, lon = [], 0, 0
    for i in range(0, len(a), 2):
        lat += a[i]
        lon += a[i + 1]
        out.append((lon / scale, lat / scale))
    return out


def test_shipped_base_map_is_small_and_attributed() -> None:
    raw = (resources.files("foresterie.report") / "assets" / ASSET).read_bytes()
    assert len(raw) < 400_000  # a few hundred KB at most inside every season map
    data = shipped_basemap()
    assert data["attribution"] == ATTRIBUTION and "ISTAT, CC BY 4.0" in ATTRIBUTION
    assert len(data["comune_labels"]) == 257 and len(data["province_labels"]) == 6
    assert {p[0] for p in data["province_labels"]} >= {"Foggia", "Bari", "Lecce"}


@pytest.mark.skipif(not ISTAT.is_dir(), reason="../shared/geodata/istat is not here")
def test_base_map_rebuilds_to_the_same_bytes() -> None:
    shipped = (resources.files("foresterie.report") / "assets" / ASSET).read_text("utf-8")
    assert basemap_json(ISTAT) == shipped


@pytest.mark.skipif(not ISTAT.is_dir(), reason="../shared/geodata/istat is not here")
def test_simplified_land_stays_close_to_the_region_outline() -> None:
    """The land drawn covers the ISTAT region but for a thin band (simplification ~130 m)."""
    data = shipped_basemap()
    land = shapely.union_all(
        [
            shapely.Polygon(
                _decode(p[0], data["scale"]), [_decode(h, data["scale"]) for h in p[1:]]
            )
            for p in data["land"]
        ]
    )
    region_file = ISTAT / "limits_R_16_region.geojson"
    region = shapely.from_geojson(
        json.dumps(json.loads(region_file.read_text("utf-8"))["features"][0]["geometry"])
    )
    region = shapely.make_valid(region)
    assert land.symmetric_difference(region).area / region.area < 0.01
    inside = [shapely.Point(lon, lat) for _, lat, lon in data["comune_labels"]]
    assert sum(land.buffer(0.002).contains(p) for p in inside) == len(inside)
