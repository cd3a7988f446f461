"""Points must lie in Puglia: its outline (scenario/region.py), not a box around it, within a
tolerance for the coast; the generator keeps its farms within it; the outline ships once, the
report's map reads its land from the scenario stage."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import shapely

from foresterie.core.errors import ScenarioError
from foresterie.scenario.generator import generate
from foresterie.scenario.geodata import (
    OUTSIDE_TOLERANCE_KM,
    check_lonlat,
    in_puglia,
    km_outside_puglia,
)
from foresterie.scenario.load import load_scenario
from foresterie.scenario.region import ASSET, ATTRIBUTION, puglia_land, shipped_region
from tests.helpers import ROOT, SHARED

ISTAT = SHARED / "geodata" / "istat"
SHIPPED = sorted(p for p in (ROOT / "scenarios").iterdir() if (p / "scenario.toml").is_file())


def test_the_outline_is_the_region_not_its_box() -> None:
    land = puglia_land()
    assert land.geom_type == "MultiPolygon" and land.is_valid
    x0, y0, x1, y1 = land.bounds
    # ISTAT's region spans lon 14.93..18.52, lat 39.79..42.23 (simplified by ~130 m)
    assert abs(x0 - 14.93) < 0.01 and abs(x1 - 18.52) < 0.01
    assert abs(y0 - 39.79) < 0.01 and abs(y1 - 42.23) < 0.01
    # every point below lies in the old bounding box (14.8, 39.7, 18.6, 42.3)
    assert km_outside_puglia(15.55, 41.46) == 0  # Foggia
    assert km_outside_puglia(18.17, 40.35) == 0  # Lecce
    assert 7 < km_outside_puglia(16.60, 40.67) < 9  # Matera, Basilicata
    assert 35 < km_outside_puglia(15.80, 40.64) < 41  # Potenza
    assert 70 < km_outside_puglia(17.60, 41.60) < 76  # the Adriatic, 50 km off Monopoli
    assert not in_puglia(16.60, 40.67) and not in_puglia(17.60, 41.60)


def test_a_point_off_the_coast_within_the_tolerance_is_taken() -> None:
    """Off Bari's shore: a coastal farm or a geocoding rounding."""
    km = km_outside_puglia(16.86, 41.16)
    assert 1 < km < OUTSIDE_TOLERANCE_KM
    assert check_lonlat(16.86, 41.16, "farms.geojson", 4) == []


def test_a_point_outside_says_how_far() -> None:
    [p] = check_lonlat(16.60, 40.67, "farms.geojson", 4)
    assert (p.file, p.row, p.field) == ("farms.geojson", 4, "geometry")
    assert "lies outside Puglia, 7.8 km beyond its border" in p.message


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_lie_within_the_tolerance(folder: Path) -> None:
    sc = load_scenario(folder)  # raises on any point outside
    worst = max(km_outside_puglia(x.lon, x.lat) for x in [*sc.foresterie, *sc.farms, *sc.pickups])
    assert worst < OUTSIDE_TOLERANCE_KM  # measured: 4.95 km (F012 of puglia-2026, at sea)


def test_generated_farms_stay_within_the_tolerance() -> None:
    """Farms are drawn within ~5 km of a comune's centre; off Manfredonia and Porto Cesareo a
    draw reaches 6.6 km into the sea, and is brought onto the coast."""
    worst = 0.0
    for seed in range(40):
        files = generate("g", 50, 150, 4, seed=seed).files
        for f in json.loads(files["farms.geojson"])["features"]:
            pt = shapely.centroid(shapely.geometry.shape(f["geometry"]))
            worst = max(worst, km_outside_puglia(pt.x, pt.y))
    assert 0 < worst <= OUTSIDE_TOLERANCE_KM + 0.5  # a polygon's centre, not its drawn point


def test_a_scenario_with_a_farm_in_basilicata_is_refused(tiny: Path) -> None:
    data = json.loads((tiny / "farms.geojson").read_text(encoding="utf-8"))
    data["features"][0]["geometry"] = {"type": "Point", "coordinates": [16.60, 40.67]}
    (tiny / "farms.geojson").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"farms\.geojson:1: geometry: .* 7\.8 km beyond"):
        load_scenario(tiny)


def test_the_outline_ships_once_with_its_attribution() -> None:
    raw = (resources.files("foresterie.scenario") / "assets" / ASSET).read_bytes()
    assert len(raw) < 30_000
    data = shipped_region()
    assert data["attribution"] == ATTRIBUTION and "ISTAT, CC BY 4.0" in ATTRIBUTION
    # the report's base map draws this land (report/basemap.py reads it from here)
    from foresterie.report.basemap import shipped_basemap

    assert shipped_basemap()["land"] == data["land"]
    report_asset = resources.files("foresterie.report") / "assets" / "basemap_puglia.json"
    assert "land" not in json.loads(report_asset.read_text(encoding="utf-8"))


@pytest.mark.skipif(not ISTAT.is_dir(), reason="../shared/geodata/istat is not here")
def test_the_outline_rebuilds_to_the_same_bytes() -> None:
    from foresterie.report.basemap import region_json

    shipped = (resources.files("foresterie.scenario") / "assets" / ASSET).read_text("utf-8")
    assert region_json(ISTAT) == shipped
