"""Read point/polygon layers (GeoJSON, GeoPackage) into plain rows with WGS84 lon/lat."""

from __future__ import annotations

import functools
import json
import math
import warnings
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from foresterie.core.errors import Msg, Problem
from foresterie.core.files import unreadable_reason
from foresterie.scenario.geojsonfile import RepeatedKey, read_plain_geojson
from foresterie.scenario.region import puglia_land

# Puglia's bounding box with a small margin (ISTAT region outline: lon 14.93..18.52, lat 39.79..42.23).
PUGLIA_BBOX = (14.8, 39.7, 18.6, 42.3)
# How far outside the region's outline (scenario/region.py, simplified by about 130 m) a point may
# lie: a coastal farm, a geocoding rounding, and the shipped synthetic scenarios, whose farms are
# drawn within ~5 km of a comune's centre and reach 4.95 km into the Gulf of Manfredonia (F012 of
# puglia-2026; the generator keeps its farms within this distance). Matera, the nearest town of
# Basilicata, is 7.8 km outside.
OUTSIDE_TOLERANCE_KM = 5.0
MAX_LAYER_BYTES = 256 * 2**20  # a layer of Puglia's farm parcels is a few MB
METRIC_CRS = "EPSG:32633"  # UTM 33N: metric computations (representative points, snapping)


@dataclass(frozen=True, kw_only=True)
class Feature:
    """One feature: 1-based row (feature index), its properties, an entrance point, its geometry."""

    row: int
    props: dict[str, Any]
    lon: float
    lat: float
    wkt: str | None  # polygon geometry in WGS84 (None for points)


def in_puglia(lon: float, lat: float) -> bool:
    """Inside Puglia's outline, or within OUTSIDE_TOLERANCE_KM of it."""
    return km_outside_puglia(lon, lat) <= OUTSIDE_TOLERANCE_KM


def km_outside_puglia(lon: float, lat: float) -> float:
    """Distance in km from the point to Puglia's outline; 0 inside."""
    import shapely

    land = puglia_land()
    if shapely.contains_xy(land, lon, lat):
        return 0.0
    to_metric, _ = _metric_transformers()
    x, y = to_metric.transform(lon, lat)
    return float(_metric_land().distance(shapely.Point(x, y))) / 1000


def nearest_in_puglia(lon: float, lat: float) -> tuple[float, float]:
    """The point of Puglia's outline nearest to (lon, lat), measured in metres."""
    import shapely

    to_metric, to_wgs = _metric_transformers()
    x, y = to_metric.transform(lon, lat)
    edge = _metric_land().boundary
    near = edge.interpolate(edge.project(shapely.Point(x, y)))
    lon2, lat2 = to_wgs.transform(near.x, near.y)
    return float(lon2), float(lat2)


@functools.cache
def _metric_land() -> Any:
    import shapely

    to_metric, _ = _metric_transformers()
    land = shapely.transform(puglia_land(), functools.partial(_apply, to_metric))
    shapely.prepare(land)
    return land


def check_lonlat(lon: float, lat: float, file: str, row: int) -> list[Problem]:
    """Finite and inside Puglia (its outline, within OUTSIDE_TOLERANCE_KM); hint when the pair
    looks swapped."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return [
            Problem(
                file,
                row,
                "geometry",
                Msg("coordinates not finite ({lon}, {lat})", lon=lon, lat=lat),
            )
        ]
    km = km_outside_puglia(lon, lat)
    if km <= OUTSIDE_TOLERANCE_KM:
        return []
    where = {"lon": f"{lon:.5f}", "lat": f"{lat:.5f}", "km": _km_text(km)}
    msg = (
        Msg("point ({lon}, {lat}) lies outside Puglia (lat/lon look swapped)", **where)
        if in_puglia(lat, lon)
        else Msg(
            "point ({lon}, {lat}) lies outside Puglia, {km} km beyond its border "
            "(up to {tolerance} km is allowed for coastal points)",
            **where,
            tolerance=f"{OUTSIDE_TOLERANCE_KM:g}",
        )
    )
    return [Problem(file, row, "geometry", msg)]


def _km_text(km: float) -> str:
    return f"{km:,.1f}" if km < 100 else f"{km:,.0f}"


def _plain(value: Any) -> Any:
    """Turn pandas/numpy scalars into str/int/float/None so validation sees one vocabulary."""
    import pandas as pd  # loaded already: the full reader's frames are pandas

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def read_features(
    path: Path,
    label: str,
    allow_polygons: bool,
    layer: str | None = None,
    fields: tuple[str, ...] = (),
) -> tuple[list[Feature], list[Problem], set[str]]:
    """Read every feature; reproject a declared non-WGS84 CRS; report bad geometries per row.

    Also returns every id seen, bad rows included, so references to them are not reported twice.
    The usual GeoJSON file is read without GDAL (geojsonfile.py: the same values), the rest with
    geopandas.
    """
    why = unreadable_reason(path, MAX_LAYER_BYTES)
    if why:
        return [], [Problem(label, None, "file", why)], set()
    try:
        plain = (
            read_plain_geojson(path, allow_polygons)
            if layer is None and path.suffix.lower() in (".geojson", ".json")
            else None
        )
    except RepeatedKey as exc:
        row, key = exc.args
        msg = (
            Msg("key appears twice in this feature")
            if row is not None
            else Msg("key appears twice in one object of the file")
        )
        return [], [Problem(label, row, str(key), msg)], set()
    if plain is not None:
        ids = {str(p["id"]).strip() for _, p, _ in plain if p.get("id") is not None}
        return (*_checked(plain, label, allow_polygons), ids)
    if layer is None and path.suffix.lower() in (".geojson", ".json"):
        shape = json_shape_problems(path, label, fields)
        if shape:
            return [], shape, set()
        feats, probs, ids = _read_with_gdal(path, label, allow_polygons, layer)
        return _as_written(path, fields, feats), probs, ids
    return _read_with_gdal(path, label, allow_polygons, layer)


def _as_written(path: Path, fields: tuple[str, ...], feats: list[Feature]) -> list[Feature]:
    """The scenario's own fields as the JSON file writes them, not as GDAL typed them: GDAL
    reads a date-time with an offset in UTC (`"open_to": "2026-07-01T23:30:00-05:00"` was the
    2nd of July), a time with an offset or `AM` as the clock time, a text column of dates as
    dates; the loader reads the text with its own rules and messages (session 20, S). Other
    properties, and a file whose features GDAL did not read one for one, are left as GDAL
    gave them."""
    if not fields or not feats:
        return feats
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return feats
    raw = data.get("features") if isinstance(data, dict) else None
    if not isinstance(raw, list) or any(f.row > len(raw) for f in feats):
        return feats
    out = []
    for feat in feats:
        props = raw[feat.row - 1].get("properties") if isinstance(raw[feat.row - 1], dict) else None
        written = {
            k: v
            for k, v in (props.items() if isinstance(props, dict) else ())
            if k in fields and (v is None or isinstance(v, str | int | float))
        }
        out.append(replace(feat, props={**feat.props, **written}))
    return out


def json_shape_problems(path: Path, label: str, fields: tuple[str, ...]) -> list[Problem]:
    """What GDAL would read on the quiet, or refuse for the whole file without a row, found in
    the JSON itself (session 20, S): a property of `fields` written as true/false, a list or an
    object (GDAL types a column by its other values: `"beds_men": true` among numbers was 1
    bed), a polygon ring not closed or too short (GDAL's "Points of LinearRing do not form a
    closed linestring", no row), UTF-16 text, a bare list of features. [] when none is found
    (or the file is no JSON the json module reads): GDAL reads it and says the rest."""
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) > 1 and (raw[0] == 0) != (raw[1] == 0)):
        return [
            Problem(
                label, None, "file", Msg("UTF-16 text; GeoJSON is UTF-8: save the file as UTF-8")
            )
        ]
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return []
    if isinstance(data, list):
        return [
            Problem(
                label,
                None,
                "file",
                Msg(
                    'a JSON list, not a GeoJSON FeatureCollection: write an object with "type": '
                    '"FeatureCollection" and this list as its "features"'
                ),
            )
        ]
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        return []
    out = []
    for row, feat in enumerate(feats, start=1):
        if not isinstance(feat, dict):
            continue
        props = feat.get("properties")
        props = props if isinstance(props, dict) else {}
        for field in fields:
            value = props.get(field)
            if isinstance(value, (bool, list, dict)):
                out.append(
                    Problem(
                        label,
                        row,
                        field,
                        Msg(
                            "{value} is a JSON {kind}, not a number or a text",
                            value=json.dumps(value, ensure_ascii=False)[:40],
                            kind=_JSON_KINDS[type(value)],
                        ),
                    )
                )
        out.extend(_ring_problems(feat.get("geometry"), label, row))
    return out


_JSON_KINDS = {bool: "true/false", list: "list", dict: "object"}


def _ring_problems(geom: Any, label: str, row: int) -> list[Problem]:
    """A polygon's first ring that GDAL cannot build: under 4 positions, or not closed."""
    if not isinstance(geom, dict) or not isinstance(geom.get("coordinates"), list):
        return []
    kind, coords = geom.get("type"), geom["coordinates"]
    if kind == "Point" and coords and not _position(coords):  # [] is an empty point: GDAL says
        # GDAL drops a point of text or of one number and then says "missing or empty"
        return [
            Problem(
                label,
                row,
                "geometry",
                Msg(
                    "point coordinates {value}: two numbers are needed, longitude and latitude",
                    value=json.dumps(coords, ensure_ascii=False)[:40],
                ),
            )
        ]
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    for polygon in polygons:
        for ring in polygon if isinstance(polygon, list) else ():
            if not isinstance(ring, list):
                continue
            if len(ring) < 4:
                msg = Msg(
                    "a polygon ring of {n} positions; a ring needs at least 4, its first "
                    "repeated last",
                    n=len(ring),
                )
            elif ring[0] != ring[-1]:
                msg = Msg("a polygon ring not closed: its last position must repeat its first")
            else:
                continue
            return [Problem(label, row, "geometry", msg)]
    return []


def _position(p: Any) -> bool:
    """A GeoJSON position: two numbers (a third, the altitude, allowed)."""
    return (
        isinstance(p, list)
        and len(p) in (2, 3)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
    )


def _read_with_gdal(
    path: Path, label: str, allow_polygons: bool, layer: str | None
) -> tuple[list[Feature], list[Problem], set[str]]:
    import geopandas as gpd
    import pyogrio

    try:
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        return (
            [],
            [Problem(label, None, "file", _gdal_reason(exc, path))],
            set(),
        )
    if layer is not None and layer not in names:
        return (
            [],
            [
                Problem(
                    label,
                    None,
                    "layer",
                    Msg(
                        "no layer {layer}; it has {names}",
                        layer=repr(layer),
                        names=", ".join(names),
                    ),
                )
            ],
            set(),
        )
    if layer is None and len(names) > 1:
        key = label.rsplit(".", 1)[0]
        return (
            [],
            [
                Problem(
                    label,
                    None,
                    "layer",
                    Msg(
                        "{n} layers ({names}); name the one to read in scenario.toml: "
                        "[data] layers = {example}",
                        n=len(names),
                        names=", ".join(names[:5]),
                        example=f'{{ {key} = "{names[0]}" }}',
                    ),
                )
            ],
            set(),
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gpd.read_file(path, engine="pyogrio", layer=layer or names[0])
    except Exception as exc:
        return (
            [],
            [Problem(label, None, "file", _gdal_reason(exc, path))],
            set(),
        )
    if not isinstance(gdf, gpd.GeoDataFrame):  # a table GDAL reads (a CSV named as a layer)
        return [], [Problem(label, None, "file", Msg("no geometries: a table, not a layer"))], set()
    if len(gdf) == 0:
        return [], [Problem(label, None, "file", Msg("no features"))], set()
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:
            return (
                [],
                [Problem(label, None, "crs", f"cannot reproject {gdf.crs} to WGS84: {exc}")],
                set(),
            )
    ids = {str(v).strip() for v in gdf["id"] if v is not None} if "id" in gdf.columns else set()
    columns = [c for c in gdf.columns if c != "geometry"]
    rows = [
        (i, {c: _plain(v) for c, v in zip(columns, values, strict=True)}, geom)
        for i, (geom, *values) in enumerate(
            zip(gdf.geometry, *(gdf[c] for c in columns), strict=True), start=1
        )
    ]
    return (*_checked(rows, label, allow_polygons), ids)


def _gdal_reason(exc: Exception, path: Path) -> str:
    """GDAL's first line, for a person: without the file's absolute path (the label names it)
    and without its advice to prefix the path with a driver's name, which a scenario cannot do
    (session 20, S)."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "not recognized as being in a supported file format" in msg:
        return (
            "cannot read as GeoJSON/GeoPackage: its format is not recognised (a GeoJSON file is "
            "UTF-8 JSON holding a FeatureCollection; a GeoPackage, an SQLite file)"
        )
    return "cannot read as GeoJSON/GeoPackage: " + msg.replace(str(path), path.name)


def _checked(
    rows: list[tuple[int, dict[str, Any], Any]], label: str, allow_polygons: bool
) -> tuple[list[Feature], list[Problem]]:
    """Features from (row, properties, shapely geometry), each geometry checked; a polygon's
    entrance is a point inside it, computed in metres."""
    import shapely

    problems: list[Problem] = []
    features: list[Feature] = []

    for i, props, geom in rows:
        if geom is None or geom.is_empty:
            problems.append(Problem(label, i, "geometry", Msg("missing or empty geometry")))
            continue
        kind = geom.geom_type
        if kind == "Point":
            lon, lat = float(geom.x), float(geom.y)
            bad = check_lonlat(lon, lat, label, i)
            if bad:
                problems.extend(bad)
                continue
            features.append(Feature(row=i, props=props, lon=lon, lat=lat, wkt=None))
        elif kind in ("Polygon", "MultiPolygon") and allow_polygons:
            coords = shapely.get_coordinates(geom)
            if not all(math.isfinite(v) for v in coords.ravel()):
                problems.append(Problem(label, i, "geometry", "polygon has non-finite coordinates"))
                continue
            if not geom.is_valid:
                why = shapely.is_valid_reason(geom)
                problems.append(
                    Problem(label, i, "geometry", Msg("invalid polygon: {why}", why=why))
                )
                continue
            # The entrance defaults to a point guaranteed inside, computed in metres; of a
            # farm in several parts, inside the largest (a stray parcel, or a digitising slip
            # 100 km away, is not where the riders are set down: `scattered` warns of it).
            to_metric, to_wgs = _metric_transformers()
            rep = _largest_part(
                shapely.transform(geom, functools.partial(_apply, to_metric))
            ).representative_point()
            lon, lat = to_wgs.transform(rep.x, rep.y)
            bad = check_lonlat(lon, lat, label, i)
            if bad:
                problems.extend(bad)
                continue
            features.append(
                Feature(row=i, props=props, lon=round(lon, 6), lat=round(lat, 6), wkt=geom.wkt)
            )
        else:
            allowed = "a Point or Polygon" if allow_polygons else "a Point"
            problems.append(
                Problem(
                    label,
                    i,
                    "geometry",
                    Msg("{kind} geometry, expected {allowed}", kind=kind, allowed=allowed),
                )
            )
    return features, problems


def _largest_part(geom: Any) -> Any:
    """A polygon itself; of a multi-part one, the part of the largest area (the first of equals)."""
    parts = list(getattr(geom, "geoms", [geom]))
    return max(parts, key=lambda g: g.area) if len(parts) > 1 else geom


def scattered(wkt: str, lon: float, lat: float) -> tuple[int, float]:
    """(parts, metres): how many parts a farm's geometry has and how far the farthest lies from
    the entrance (lon, lat); (1, 0.0) for one polygon."""
    import shapely

    geom = shapely.from_wkt(wkt)
    parts = list(getattr(geom, "geoms", [geom]))
    if len(parts) < 2:
        return 1, 0.0
    to_metric, _ = _metric_transformers()
    metric = shapely.transform(geom, functools.partial(_apply, to_metric))
    x, y = to_metric.transform(lon, lat)
    gate = shapely.Point(x, y)
    return len(parts), max(float(p.distance(gate)) for p in metric.geoms)


@functools.cache
def _metric_transformers() -> tuple[Any, Any]:
    """WGS84 -> METRIC_CRS and back, made once per process (a day run reads its layers three
    times; each transformer reads the PROJ database)."""
    from pyproj import Transformer

    return (
        Transformer.from_crs(4326, METRIC_CRS, always_xy=True),
        Transformer.from_crs(METRIC_CRS, 4326, always_xy=True),
    )


def _apply(transformer: Any, xy: Any) -> Any:
    import numpy as np

    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])
