"""The usual GeoJSON file read without GDAL gives what the full (geopandas) reader gives."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from foresterie.scenario.geodata import _read_with_gdal, json_shape_problems, read_features
from foresterie.scenario.geojsonfile import read_plain_geojson
from tests.helpers import ROOT

SHIPPED = sorted(
    [
        *ROOT.glob("scenarios/*/*.geojson"),
        *ROOT.glob("geodata/*.geojson"),
        *ROOT.glob("tests/data/*/*.geojson"),
    ]
)
BAD = sorted(ROOT.glob("tests/bad_inputs/*/*.geojson"))


def both(path: Path, polygons: bool) -> tuple[Any, Any]:
    """(read_features, the GDAL reader alone) on one file."""
    return (
        read_features(path, path.name, polygons),
        _read_with_gdal(path, path.name, polygons, None),
    )


def layer(tmp_path: Path, column: str, values: list[Any], geometry: Any = None) -> Path:
    point = {"type": "Point", "coordinates": [16.0, 41.0]}
    features = [
        {
            "type": "Feature",
            "properties": {"id": f"X{i}", column: v},
            "geometry": geometry if geometry is not None else point,
        }
        for i, v in enumerate(values)
    ]
    path = tmp_path / f"{column}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_layers_are_read_without_gdal_into_the_same_records(path: Path) -> None:
    polygons = path.name.startswith("farms")
    assert read_plain_geojson(path, polygons) is not None  # the fast path is taken
    fast, full = both(path, polygons)
    assert fast == full
    assert fast[0] and not fast[1]  # features, no problem


# A key written twice: GDAL keeps the last one; read_features refuses the file (below).
REPEATED = ROOT / "tests/bad_inputs/geojson_repeated_key/foresterie.geojson"


def test_the_bad_input_catalogue_gets_the_same_messages() -> None:
    assert len(BAD) >= 10
    for path in BAD:
        if path == REPEATED:
            continue
        if json_shape_problems(path, path.name, ()):  # said before GDAL, on their row (below)
            continue
        for polygons in (False, True):
            fast, full = both(path, polygons)
            assert fast == full, path
    # the catalogue's geometry defects are named, on their row
    _, probs, _ = read_features(
        ROOT / "tests/bad_inputs/point_outside_puglia/farms.geojson", "farms.geojson", True
    )
    assert [(p.row, p.field) for p in probs] == [(1, "geometry")]


PLAIN: dict[str, list[Any]] = {
    "ints": [1, -2],
    "floats": [1.5, 2.0],
    "bools": [True, False],
    "iso_dates": ["2027-05-01", "2027-06-30"],
    "dates_and_words": ["2027-05-01", "hello"],
    "clock_times": ["06:00", "13:30:15"],
    "strings_with_null": ["a", None],
    "numbers_as_strings": ["12", "3.5"],
    "workdays": ["Mon-Sat", "Mon-Fri"],
}


@pytest.mark.parametrize("column", sorted(PLAIN))
def test_plain_property_columns_come_back_typed_as_gdal_types_them(
    tmp_path: Path, column: str
) -> None:
    path = layer(tmp_path, column, PLAIN[column])
    assert read_plain_geojson(path, True) is not None
    fast, full = both(path, True)
    assert fast == full
    if column == "clock_times":  # GDAL makes a column of clock times datetime.time
        assert [f.props[column] for f in fast[0]] == [time(6, 0), time(13, 30, 15)]


UNUSUAL: dict[str, list[Any]] = {
    "int_with_null": [1, None],  # GDAL: 1.0 and None
    "int_and_float": [1, 2.5],  # GDAL: 1.0 and 2.5
    "slash_dates": ["2027/05/01", "2027/05/02"],  # GDAL: '2027-05-01'
    "datetimes": ["2027-05-01T10:00:00", "2027-05-01T11:00:00"],  # GDAL: the date
    "padded_time": [" 06:00", "07:00"],  # GDAL: a time
    "time_and_date": ["06:00", "2027-05-01"],  # GDAL: both strings
    "bad_clock": ["25:00", "06:00"],  # GDAL: strings
    "second_60": ["06:00:60", "07:00"],  # GDAL: refuses the file
    "impossible_date": ["2027-02-30", "2027-02-01"],  # GDAL: refuses the file
    "bool_and_int": [True, 2],
    "nested": [[1, 2], {"a": 1}],
}


@pytest.mark.parametrize("column", sorted(UNUSUAL))
def test_anything_unusual_is_left_to_the_full_reader(tmp_path: Path, column: str) -> None:
    path = layer(tmp_path, column, UNUSUAL[column])
    assert read_plain_geojson(path, True) is None
    fast, full = both(path, True)
    assert fast == full


def test_unusual_geometry_and_structure_go_to_the_full_reader(tmp_path: Path) -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[16.0, 41.0], [16.1, 41.0], [16.1, 41.1]]]}
    point_3d = {"type": "Point", "coordinates": [16.0, 41.0, 5.0]}
    multi = {"type": "MultiPoint", "coordinates": [[16.0, 41.0]]}
    for geometry in (open_ring, point_3d, multi):
        path = layer(tmp_path, "name", ["a", "b"], geometry)
        assert read_plain_geojson(path, True) is None
        fast, full = both(path, True)
        if geometry is open_ring:  # GDAL refuses the whole file without a row; said per row
            assert [(p.row, p.field) for p in fast[1]] == [(1, "geometry"), (2, "geometry")]
            assert [(p.row, p.field) for p in full[1]] == [(None, "file")]
            continue
        assert fast == full
    path = layer(tmp_path, "name", ["a", "b"])
    data = json.loads(path.read_text())
    variants = {
        "crs": {**data, "crs": {"type": "name", "properties": {"name": "EPSG:32633"}}},
        "feature id": {**data, "features": [{**f, "id": 7} for f in data["features"]]},
        "missing key": {
            **data,
            "features": [data["features"][0], {**data["features"][1], "properties": {"id": "X1"}}],
        },
    }
    for name, variant in variants.items():
        path.write_text(json.dumps(variant))
        assert read_plain_geojson(path, True) is None, name
        fast, full = both(path, True)
        assert fast == full, name
    path.write_text(json.dumps(data).replace("16.0", "NaN", 1))
    assert read_plain_geojson(path, True) is None
    assert both(path, True)[0] == both(path, True)[1]


def test_a_key_written_twice_is_refused_where_gdal_keeps_the_last(tmp_path: Path) -> None:
    feats, probs, _ = read_features(REPEATED, "foresterie.geojson", False)
    assert feats == [] and [str(p) for p in probs] == [
        "foresterie.geojson:1: beds_men: key appears twice in this feature"
    ]
    gdal, gdal_probs, _ = _read_with_gdal(REPEATED, "foresterie.geojson", False, None)
    assert gdal_probs == [] and gdal[0].props["beds_men"] == 3  # the second, on the quiet
    # in a feature's geometry: that feature's row; outside the features: the file
    text = layer(tmp_path, "name", ["a", "b"]).read_text()
    second = text.rindex('"type": "Point"')
    path = tmp_path / "twice.geojson"
    path.write_text(text[:second] + '"type": "Point", ' + text[second:])
    [p] = read_features(path, "farms.geojson", True)[1]
    assert (p.row, p.field, p.message) == (2, "type", "key appears twice in this feature")
    path.write_text(
        text.replace('"type": "FeatureCollection"', '"type": "x", "type": "FeatureCollection"')
    )
    [p] = read_features(path, "farms.geojson", True)[1]
    assert (p.row, p.field) == (None, "type")
    assert p.message == "key appears twice in one object of the file"


def test_what_gdal_would_coerce_or_refuse_without_a_row_is_said_on_its_row(tmp_path: Path) -> None:
    """Session 20, S: GDAL types a column by its other values (a true among whole numbers was
    read as 1 bed, a list as its text) and refuses a whole layer for one ring it cannot build,
    without a row: the JSON pass says each at its row and field, before GDAL reads."""
    path = layer(tmp_path, "beds_men", [3, True, [2], {"n": 1}, 4])
    _, probs, _ = read_features(path, path.name, False, fields=("id", "beds_men"))
    assert [str(p) for p in probs] == [
        "beds_men.geojson:2: beds_men: true is a JSON true/false, not a number or a text",
        "beds_men.geojson:3: beds_men: [2] is a JSON list, not a number or a text",
        'beds_men.geojson:4: beds_men: {"n": 1} is a JSON object, not a number or a text',
    ]
    # a column the scenario does not read is not its business (extra columns are ignored)
    assert read_features(path, path.name, False, fields=("id",))[1] == []
    ring = [[16.0, 41.0], [16.01, 41.0], [16.01, 41.01], [16.0, 41.01]]
    for coords, words in [
        ([ring], "a polygon ring not closed"),
        ([ring[:2] + ring[:1]], "a polygon ring of 3 positions"),
    ]:
        path = layer(tmp_path, "crop", ["a", "b"], {"type": "Polygon", "coordinates": coords})
        _, probs, _ = read_features(path, path.name, True, fields=("crop",))
        assert [(p.row, p.field) for p in probs] == [(1, "geometry"), (2, "geometry")]
        assert str(probs[0].message).startswith(words)
