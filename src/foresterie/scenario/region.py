"""Puglia's outline, for the check that every point of a scenario lies in the region.

The outline is the land of the offline base map (report/basemap.py builds both from ISTAT's
administrative limits, CC BY 4.0, as republished by openpolis): the union of the 257 comuni,
simplified as a coverage (about 130 m), islets under about 10 ha left out (the Tremiti stay). It
ships here, in the scenario stage, as assets/puglia_region.json (rings as integer deltas of 1e-4
degrees, latitude first); the report reads it from here for the map's land.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

ASSET = "puglia_region.json"
ATTRIBUTION = (
    "Confini amministrativi: ISTAT, CC BY 4.0 — elaborazione openpolis "
    "(github.com/openpolis/geojson-italy)"
)


def shipped_region() -> dict[str, Any]:
    """The outline file as shipped: attribution, scale and the land's rings (encoded)."""
    text = (resources.files("foresterie.scenario") / "assets" / ASSET).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def decode_ring(deltas: list[int], scale: int) -> list[tuple[float, float]]:
    """[dlat, dlon, ...] integer deltas back to (lon, lat) pairs."""
    out: list[tuple[float, float]] = []
    lat = lon = 0
    for i in range(0, len(deltas), 2):
        lat += deltas[i]
        lon += deltas[i + 1]
        out.append((lon / scale, lat / scale))
    return out


@functools.cache
def puglia_land() -> Any:
    """The region's land as one shapely (Multi)Polygon in WGS84 lon/lat, prepared for tests of
    many points."""
    import shapely

    data = shipped_region()
    scale = data["scale"]
    land = shapely.MultiPolygon(
        [
            shapely.Polygon(decode_ring(p[0], scale), [decode_ring(h, scale) for h in p[1:]])
            for p in data["land"]
        ]
    )
    shapely.prepare(land)
    return land
