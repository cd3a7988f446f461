"""The offline base map: Puglia's land, province and comune boundaries and names.

Built once from ISTAT's administrative limits (CC BY 4.0, as republished by openpolis; the copy
in ../shared/geodata/istat) and shipped in the package as assets/basemap_puglia.json, the land
(the region's outline) apart in scenario/assets/puglia_region.json, where the scenario stage
checks that points lie in Puglia (scenario/region.py), so the map reads with no network: land
on a sea-blue background, province and comune boundaries, and names.
Simplified as a coverage (shapely `coverage_simplify`: neighbouring comuni keep one shared,
simplified border, with no gaps or overlaps), coordinates rounded to 4 decimals (about 10 m) and
written as integer deltas, so the file stays a few hundred KB. Rebuild both with

    python -m foresterie.report.basemap ../shared/geodata/istat

(tests check the shipped files equal a rebuild when the source is present).
"""

from __future__ import annotations

import csv
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from foresterie.scenario import region
from foresterie.scenario.region import ATTRIBUTION

ASSET = "basemap_puglia.json"
TOLERANCE_DEG = 0.0015  # about 130 m: the coast and borders read right down to zoom 12
SCALE = 10_000  # coordinates in 1e-4 degrees


def _lines(geom: BaseGeometry) -> list[list[tuple[float, float]]]:
    """The parts of a (multi)line as coordinate lists."""
    geom = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
    parts = getattr(geom, "geoms", [geom])
    return [list(p.coords) for p in parts if p.geom_type == "LineString" and len(p.coords) > 1]


def _encode(coords: list[tuple[float, float]]) -> list[int]:
    """[lon, lat, ...] as integer deltas of 1e-4 degrees, latitude first: [dlat, dlon, ...]."""
    out: list[int] = []
    plat = plon = 0
    for lon, lat in coords:
        ilat, ilon = round(lat * SCALE), round(lon * SCALE)
        if out and ilat == plat and ilon == plon:
            continue
        out += [ilat - plat, ilon - plon]
        plat, plon = ilat, ilon
    return out


def build_basemap(istat: Path) -> dict[str, Any]:
    """The base map's layers from the ISTAT files (see module docstring)."""
    feats = json.loads((istat / "limits_R_16_municipalities.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    feats.sort(key=lambda f: f["properties"]["com_istat_code"])
    geoms = shapely.make_valid(shapely.from_geojson([json.dumps(f["geometry"]) for f in feats]))
    simple = shapely.coverage_simplify(geoms, TOLERANCE_DEG)
    provinces: dict[str, list[BaseGeometry]] = {}
    for f, g in zip(feats, simple, strict=True):
        provinces.setdefault(f["properties"]["prov_name"], []).append(g)
    land = shapely.union_all(simple)
    prov_shapes = {name: shapely.union_all(gs) for name, gs in sorted(provinces.items())}
    coast = land.boundary
    prov_edges = shapely.union_all([g.boundary for g in prov_shapes.values()]).difference(
        coast.buffer(1e-6)
    )
    comune_edges = shapely.union_all([g.boundary for g in simple]).difference(
        shapely.union_all([coast, prov_edges]).buffer(1e-6)
    )
    polys = getattr(land, "geoms", [land])
    with open(istat / "puglia_municipalities.csv", encoding="utf-8", newline="") as fh:
        index = sorted(csv.DictReader(fh), key=lambda r: r["com_istat_code"])
    return {
        "attribution": ATTRIBUTION,
        "scale": SCALE,
        "land": [
            [_encode(list(p.exterior.coords))] + [_encode(list(r.coords)) for r in p.interiors]
            for p in polys
            if p.area > 1e-5  # islets below ~10 ha (the Tremiti stay)
        ],
        "provinces": [_encode(c) for c in _lines(prov_edges)],
        "comuni": [_encode(c) for c in _lines(comune_edges)],
        "province_labels": [
            [name, round(pt.y, 3), round(pt.x, 3)]
            for name, g in prov_shapes.items()
            for pt in [g.representative_point()]
        ],
        "comune_labels": [
            [
                r["name"],
                round(float(r["inner_point_lat"]), 3),
                round(float(r["inner_point_lon"]), 3),
            ]
            for r in index
        ],
    }


def _compact(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n"


def basemap_json(istat: Path) -> str:
    """The report's asset: the base map but its land (which the region file holds)."""
    return _compact({k: v for k, v in build_basemap(istat).items() if k != "land"})


def region_json(istat: Path) -> str:
    """scenario/assets/puglia_region.json: attribution, scale and the land."""
    data = build_basemap(istat)
    return _compact({k: data[k] for k in ("attribution", "scale", "land")})


def shipped_basemap() -> dict[str, Any]:
    """The base map shipped with the package, the land read from the scenario's region file."""
    text = (resources.files("foresterie.report") / "assets" / ASSET).read_text(encoding="utf-8")
    rest: dict[str, Any] = json.loads(text)
    outline = region.shipped_region()
    assert outline["scale"] == rest["scale"], "rebuild both files together"
    head = {k: rest[k] for k in ("attribution", "scale")}
    return {**head, "land": outline["land"], **{k: v for k, v in rest.items() if k not in head}}


def main(argv: list[str]) -> None:
    istat = Path(argv[0]) if argv else Path("../shared/geodata/istat")
    out = Path(__file__).parent / "assets" / ASSET
    out.write_text(basemap_json(istat), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} KB)")
    out = Path(region.__file__).parent / "assets" / region.ASSET
    out.write_text(region_json(istat), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main(sys.argv[1:])
