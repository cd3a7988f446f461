"""The usual GeoJSON layer read with `json` and shapely, without GDAL, geopandas or pandas.

A day run (`foresterie day`) reads the season's layers three times and has no other use for
pandas: importing geopandas, pyogrio and pandas costs more than the rest of the read. The usual
file (a FeatureCollection of Points and simple closed Polygons, plain properties, no CRS member)
is read here into exactly the values the full reader (geodata.py, GDAL through pyogrio) gives;
anything else, however harmless, returns None and goes to the full reader and its messages. GDAL
types a property column by its values: a column of clock times `HH:MM[:SS]` becomes
`datetime.time`, a column of dates comes back as ISO strings, integers with a null become floats,
strings that look like dates are parsed (`2027/05/01`, ` 06:00`, `06:00Z`) or refused; so a
column is taken here only where its type is one of the plain cases below.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, time
from pathlib import Path
from typing import Any

# A property value that GDAL could read as a date or time: starts with a number and - / or :.
_DATEISH = re.compile(r"\s*[+-]?[0-9]+\s*[-/:]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_INT64 = 2**63
_TOP_KEYS = {"type", "name", "features"}
_FEATURE_KEYS = {"type", "properties", "geometry"}


class _Unusual(Exception):
    """Not the usual file: the full reader reads it."""


class RepeatedKey(Exception):
    """A key written twice in one JSON object: GDAL (and json) keep the last one on the quiet,
    so the file is refused, as a CSV column written twice is. args: (feature row or None, key)."""


_REPEATED = "\x00repeated"  # marks an object with a repeated key (no JSON key holds NUL)


def read_plain_geojson(
    path: Path, allow_polygons: bool
) -> list[tuple[int, dict[str, Any], Any]] | None:
    """(row, properties, shapely geometry) of every feature of the usual GeoJSON file, as the
    full reader would give them; None for anything else (then the full reader decides).
    Raises RepeatedKey for a key written twice in one object, anywhere in a UTF-8 JSON file."""
    repeated: list[str] = []

    def mark(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for k, _ in pairs:
                if k in seen:
                    out[_REPEATED] = k
                    repeated.append(k)
                    break
                seen.add(k)
        return out

    try:
        raw = path.read_bytes()
        data = json.loads(
            raw.decode("utf-8-sig"),
            object_pairs_hook=mark,
            parse_constant=_refuse,  # NaN, Infinity: the full reader says where
        )
    except (_Unusual, ValueError, OSError, RecursionError):
        return None
    if repeated:
        _refuse_repeated_keys(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        return None  # a byte-order mark: the full reader reads it
    try:
        return _features(data, allow_polygons)
    except (_Unusual, ValueError, RecursionError):
        return None


def _refuse_repeated_keys(data: Any) -> None:
    """RepeatedKey for the first object with a key written twice: in a feature (its 1-based
    row), or elsewhere in the file (row None)."""
    feats = data.get("features") if isinstance(data, dict) else None
    if isinstance(feats, list):
        for i, f in enumerate(feats, start=1):
            key = _first_repeated(f)
            if key is not None:
                raise RepeatedKey(i, key)
    key = _first_repeated(data)
    if key is not None:
        raise RepeatedKey(None, key)


def _first_repeated(value: Any) -> str | None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if _REPEATED in v:
                return str(v[_REPEATED])
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            stack.extend(reversed(v))
    return None


def _refuse(_: str) -> Any:
    raise _Unusual


def _features(data: Any, allow_polygons: bool) -> list[tuple[int, dict[str, Any], Any]]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _Unusual
    feats = data.get("features")
    if set(data) - _TOP_KEYS or not isinstance(feats, list) or not feats:
        raise _Unusual
    for f in feats:
        if not isinstance(f, dict) or set(f) != _FEATURE_KEYS or f["type"] != "Feature":
            raise _Unusual
        if not isinstance(f["properties"], dict):
            raise _Unusual
    keys = list(feats[0]["properties"])
    if any(list(f["properties"]) != keys for f in feats):  # GDAL fills a missing key with null
        raise _Unusual
    lowered = {k.lower() for k in keys}
    if len(lowered) != len(keys) or not all(keys) or lowered & {"geometry", "fid"}:
        raise _Unusual
    columns = {k: _column([f["properties"][k] for f in feats]) for k in keys}
    return [
        (i, {k: columns[k][i - 1] for k in keys}, _geometry(f["geometry"], allow_polygons))
        for i, f in enumerate(feats, start=1)
    ]


def _column(values: list[Any]) -> list[Any]:
    """One property's values as GDAL types them, where that is plain."""
    kinds = {type(v) for v in values}
    if kinds == {int}:
        if any(not -_INT64 <= v < _INT64 for v in values):
            raise _Unusual
        return values
    if kinds in ({float}, {bool}):
        if float in kinds and not all(math.isfinite(v) for v in values):
            raise _Unusual
        return values
    if not kinds <= {str, type(None)} or kinds == {type(None)}:
        raise _Unusual  # mixed numbers, lists, objects, nulls among numbers: typed by GDAL
    texts = [v for v in values if v is not None]
    if any("\x00" in v for v in texts):
        raise _Unusual
    clocks = [_clock(v) for v in texts]
    if any(clocks):
        if not all(clocks) or len(texts) != len(values):
            raise _Unusual
        return clocks
    if any(_DATEISH.match(v) and not _iso_date(v) for v in texts):
        raise _Unusual
    return values  # an ISO date comes back from GDAL as the same ISO string


def _clock(text: str) -> time | None:
    m = _CLOCK.fullmatch(text)
    if m is None:
        return None
    h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
    if h > 23 or mi > 59 or s > 59:
        raise _Unusual
    return time(h, mi, s)


def _iso_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        return date.fromisoformat(text).year >= 1
    except ValueError:
        raise _Unusual from None


def _geometry(geom: Any, allow_polygons: bool) -> Any:
    import shapely

    if not isinstance(geom, dict) or set(geom) != {"type", "coordinates"}:
        raise _Unusual
    coords = geom["coordinates"]
    if geom["type"] == "Point":
        lon, lat = _position(coords)
        return shapely.Point(lon, lat)
    if geom["type"] != "Polygon" or not allow_polygons or not isinstance(coords, list):
        raise _Unusual  # the full reader names the geometry it does not take
    rings = [_ring(r) for r in coords]
    if not rings:
        raise _Unusual
    return shapely.Polygon(rings[0], rings[1:])


def _position(p: Any) -> tuple[float, float]:
    if not isinstance(p, list) or len(p) != 2:
        raise _Unusual
    if any(type(v) not in (int, float) or not math.isfinite(v) for v in p):
        raise _Unusual
    return float(p[0]), float(p[1])


def _ring(ring: Any) -> list[tuple[float, float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise _Unusual
    points = [_position(p) for p in ring]
    if points[0] != points[-1]:
        raise _Unusual
    return points
