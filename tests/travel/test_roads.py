"""Road travel (OSRM): graph build, tables, geometry, snapping, cache, calibration, errors.

The network is generated here with pyosmium (a jittered grid around San Severo with one one-way
row), so the project's tests need no file from outside it. The shared 16-node network with
OSRM's own expected tables is checked too where ../shared is present.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.travel.osmgen import GridNetwork, GridSpec, write_grid
from tests.helpers import SHARED, TINY, edit_features, set_toml

if os.environ.get("FORESTERIE_REQUIRE_ROADS") != "1":  # CI sets it where Python 3.12 is present
    pytest.importorskip(
        "osrm",
        reason="osrm-bindings is not installed (Python >= 3.12 only; "
        "pip install '.[roads]'): road tests skipped",
    )

from foresterie.scenario.load import load_scenario
from foresterie.travel import roads
from foresterie.travel.matrix import build_matrix
from foresterie.travel.roads import Router, build_graph, open_graph

GEOD = Geod(ellps="WGS84")
SPEC = GridSpec(
    west=15.35,
    south=41.40,
    east=15.75,
    north=41.70,
    step=0.01,
    arterial_every=5,
    oneway_rows=(7,),
    seed=3,
)


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> tuple[GridNetwork, Path]:
    base = tmp_path_factory.mktemp("roads")
    net = write_grid(SPEC, base / "grid.osm.pbf")
    graph = build_graph(net.path, base / "graph")
    return net, graph.folder


@pytest.fixture
def road_scenario(grid: tuple[GridNetwork, Path], tmp_path: Path) -> Path:
    """The tiny scenario inside the grid, with backend osrm and its graph in the folder."""
    folder = tmp_path / "tiny-roads"
    shutil.copytree(TINY, folder)
    shutil.copytree(grid[1], folder / "roads")
    data = json.loads((folder / "farms.geojson").read_text(encoding="utf-8"))
    data["features"][2]["geometry"]["coordinates"] = [15.55, 41.52]  # Nardò is off this grid
    (folder / "farms.geojson").write_text(json.dumps(data), encoding="utf-8")
    set_toml(folder, "[housing]", '[travel]\nbackend = "osrm"\ngraph = "roads"\n\n[housing]')
    return folder


def test_shared_network_matches_osrm_reference_tables(tmp_path: Path) -> None:
    src = SHARED / "geodata" / "osm" / "synthetic"
    if not (src / "tiny.osm.pbf").is_file():
        pytest.skip(f"{src} is absent: the shared reference network is not on this machine")
    expected = json.loads((src / "expected_tables.json").read_text(encoding="utf-8"))
    ref = expected["osrm_26.10.0_car_profile_MLD_and_CH"]
    g = build_graph(src / "tiny.osm.pbf", tmp_path / "g")
    secs, mets, _ = Router(g).table([(lon, lat) for lat, lon in expected["query_points_lat_lon"]])
    assert secs.tolist() == [[round(x) for x in row] for row in ref["durations_s"]]
    assert mets.tolist() == [[round(x) for x in row] for row in ref["distances_m"]]


def test_distance_along_a_straight_road_is_its_length(grid: tuple[GridNetwork, Path]) -> None:
    net, folder = grid
    row = net.lats[5]  # an arterial row: its nodes are not jittered
    a, b = (net.lons[2], row), (net.lons[32], row)
    secs, mets, snaps = Router(open_graph(folder)).table([a, b])
    length = GEOD.line_length([a[0], b[0]], [a[1], b[1]])
    assert mets[0, 1] == pytest.approx(length, rel=0.01)
    assert max(snaps) < 1.0
    speed_kmh = mets[0, 1] / secs[0, 1] * 3.6
    assert 30 < speed_kmh < 110  # the car profile's speed on a primary road


def test_one_way_street_makes_the_table_asymmetric(grid: tuple[GridNetwork, Path]) -> None:
    net, folder = grid
    row = net.lats[7]  # drawn one-way, west to east
    west, east = (net.lons[11], row), (net.lons[14], row)
    secs, mets, _ = Router(open_graph(folder)).table([west, east])
    assert secs[0, 1] < secs[1, 0] and mets[0, 1] < mets[1, 0]


def test_route_geometry_runs_on_the_roads(grid: tuple[GridNetwork, Path]) -> None:
    net, folder = grid
    a, b = (net.lons[0], net.lats[0]), (net.lons[20], net.lats[15])
    router = Router(open_graph(folder))
    path = router.geometry(a, b)
    assert path[0] == pytest.approx(list(a), abs=1e-5) and path[-1] == pytest.approx(
        list(b), abs=1e-5
    )
    assert len(path) > 10  # it turns at crossings, it does not cut across the fields
    lons, lats = [p[0] for p in path], [p[1] for p in path]
    length = GEOD.line_length(lons, lats)
    _, mets, _ = router.table([a, b])
    assert length == pytest.approx(mets[0, 1], rel=0.01)
    assert length > 1.2 * GEOD.line_length([a[0], b[0]], [a[1], b[1]])  # not the straight line


def test_osrm_scenario_solves_verifies_replays_and_records_road_geometry(
    road_scenario: Path, tmp_path: Path
) -> None:
    env = {"FORESTERIE_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(road_scenario), "--out", str(out)], env=env)
    assert r.exit_code == 0, r.output
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["scenario"]["travel_backend"] == "osrm"
    assert m["travel"]["graph_hash"] == open_graph(road_scenario / "roads").hash
    with open(out / "plan" / "trips.csv", encoding="utf-8") as fh:
        trips = list(csv.DictReader(fh))
    with open(out / "plan" / "stops.csv", encoding="utf-8") as fh:
        stops = list(csv.DictReader(fh))
    legs = {
        (f["properties"]["from_id"], f["properties"]["to_id"]): f["geometry"]["coordinates"]
        for f in json.loads((out / "inputs" / "legs.geojson").read_text())["features"]
    }
    for t in trips:
        path = [
            t["foresteria_id"],
            *(s["farm_id"] for s in stops if s["trip_id"] == t["trip_id"]),
            t["foresteria_id"],
        ]
        for a, b in zip(path, path[1:], strict=False):
            assert len(legs[a, b]) >= 2
    # the recorded matrix is the road table: the first leg of a morning trip takes its time
    with open(out / "inputs" / "matrix.csv", encoding="utf-8") as fh:
        secs = {(x["from_id"], x["to_id"]): int(x["seconds"]) for x in csv.DictReader(fh)}
    road = build_matrix(load_scenario(road_scenario), tmp_path / "cache")
    assert secs == {(a, b): road.secs(a, b) for a in road.ids for b in road.ids}
    map_html = (out / "report" / "map.html").read_text("utf-8")
    assert "i tratti seguono le strade (OSRM)" in map_html  # the scenario's language: Italian
    r = CliRunner().invoke(app, ["verify", str(out)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["replay", str(out), "--out", str(tmp_path / "replay")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "replay" / "inputs" / "legs.geojson").read_bytes() == (
        out / "inputs" / "legs.geojson"
    ).read_bytes()


def test_place_far_from_roads_is_reported(road_scenario: Path, tmp_path: Path) -> None:
    env = {"FORESTERIE_CACHE": str(tmp_path / "cache")}
    # F2 is a field polygon; its entrance point lies between two roads of the grid
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(road_scenario), "--out", str(out)], env=env)
    assert r.exit_code == 0, r.output
    far = json.loads((out / "manifest.json").read_text("utf-8"))["travel"]["far_from_road"]
    assert set(far) == {"F2"} and 250 < far["F2"] < 2000
    assert f"warning: F2 is {far['F2']:,.0f} m from the nearest road" in r.output


def test_place_outside_the_graph_is_bad_input(road_scenario: Path, tmp_path: Path) -> None:
    data = json.loads((road_scenario / "farms.geojson").read_text(encoding="utf-8"))
    data["features"][2]["geometry"]["coordinates"] = [18.03, 40.18]  # Nardò: off the grid
    (road_scenario / "farms.geojson").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(
        app,
        ["solve", str(road_scenario), "--out", str(out)],
        env={"FORESTERIE_CACHE": str(tmp_path / "cache")},
    )
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert line.startswith("error: farms.geojson: geometry: F3 is ") and "(limit 2,000 m)" in line
    assert not out.exists()


def test_matrix_cache_hits_and_invalidates(
    road_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = build_matrix(load_scenario(road_scenario), cache)
    assert not first.cached and len(list((cache / "matrices").glob("*.npz"))) == 1

    def no_engine(*_: object) -> None:
        raise AssertionError("the road engine was called on a cache hit")

    with monkeypatch.context() as mp:
        mp.setattr(roads.Router, "__init__", no_engine)
        again = build_matrix(load_scenario(road_scenario), cache)
    assert again.cached and (again.seconds == first.seconds).all()
    assert (again.metres == first.metres).all() and again.snap_m == pytest.approx(first.snap_m)
    # moving a farm changes the key: computed afresh, a second cache entry
    edit_features(road_scenario / "farms.geojson", 0)  # same properties: same key
    assert build_matrix(load_scenario(road_scenario), cache).cached
    data = json.loads((road_scenario / "farms.geojson").read_text(encoding="utf-8"))
    data["features"][0]["geometry"]["coordinates"] = [15.41, 41.65]
    (road_scenario / "farms.geojson").write_text(json.dumps(data), encoding="utf-8")
    moved = build_matrix(load_scenario(road_scenario), cache)
    assert not moved.cached and len(list((cache / "matrices").glob("*.npz"))) == 2
    # a damaged entry is recomputed, not trusted
    for p in (cache / "matrices").glob("*.npz"):
        p.write_bytes(b"not a matrix")
    assert not build_matrix(load_scenario(road_scenario), cache).cached


@pytest.mark.parametrize(
    "poison",
    ["truncated", "metres_divided_by_10", "negative", "teleport_speed", "wrong_shape"],
)
def test_a_damaged_or_implausible_cache_entry_is_recomputed(
    road_scenario: Path, tmp_path: Path, poison: str
) -> None:
    import numpy as np

    cache = tmp_path / "cache"
    first = build_matrix(load_scenario(road_scenario), cache)
    (entry,) = (cache / "matrices").glob("*.npz")
    with np.load(entry) as z:
        ids, secs, mets, snaps = z["ids"], z["seconds"], z["metres"], z["snap_m"]
    if poison == "truncated":
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    else:
        if poison == "metres_divided_by_10":
            mets = mets // 10  # shorter than the straight line
        elif poison == "negative":
            secs = secs.copy()
            secs[0, 1] = -5
        elif poison == "teleport_speed":
            secs = np.ones_like(secs) - np.eye(len(secs), dtype=secs.dtype)  # 1 s for any leg
        else:
            secs, mets = secs[:-1, :-1], mets[:-1, :-1]
        np.savez(entry, ids=ids, seconds=secs, metres=mets, snap_m=snaps)
    again = build_matrix(load_scenario(road_scenario), cache)
    assert not again.cached
    assert (again.seconds == first.seconds).all() and (again.metres == first.metres).all()
    assert build_matrix(load_scenario(road_scenario), cache).cached  # the entry was rewritten


def test_a_different_graph_misses_the_cache(road_scenario: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    build_matrix(load_scenario(road_scenario), cache)
    shutil.rmtree(road_scenario / "roads")
    other = write_grid(
        GridSpec(west=15.35, south=41.40, east=15.75, north=41.70, step=0.02, seed=4),
        tmp_path / "o.osm",
    )
    build_graph(other.path, road_scenario / "roads")
    m = build_matrix(load_scenario(road_scenario), cache)
    assert not m.cached and m.graph_hash == open_graph(road_scenario / "roads").hash


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            "missing",
            "error: scenario.toml: travel.graph: 'roads' is not a road graph (no graph.json); "
            "build one with `foresterie roads build EXTRACT --out DIR`",
        ),
        (
            "files",
            "error: scenario.toml: travel.graph: {graph}: graph files are missing "
            "(roads.osrm.mldgr)",
        ),
        (
            "meta",
            "error: scenario.toml: travel.graph: {graph}/graph.json: corrupt: Expecting property "
            "name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
    ],
)
def test_missing_or_corrupt_graph_is_one_line(
    road_scenario: Path, tmp_path: Path, damage: str, message: str
) -> None:
    graph = road_scenario / "roads"
    if damage == "missing":
        shutil.rmtree(graph)
    elif damage == "files":
        (graph / "roads.osrm.mldgr").unlink()
    else:
        (graph / "graph.json").write_text("{", encoding="utf-8")
    out = tmp_path / "run"
    r = CliRunner().invoke(
        app,
        ["solve", str(road_scenario), "--out", str(out)],
        env={"FORESTERIE_CACHE": str(tmp_path / "cache")},
    )
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == message.format(graph=graph.resolve())
    assert not out.exists()
    # validate says what solve refuses (review 14: it said "ok" for each of these)
    r = CliRunner().invoke(app, ["validate", str(road_scenario)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == message.format(graph=graph.resolve())


@pytest.mark.parametrize("case", ["no_file", "not_osm", "garbage", "exists", "profile"])
def test_roads_build_errors_are_one_line(tmp_path: Path, case: str) -> None:
    extract = tmp_path / "x.osm.pbf"
    out = tmp_path / "g"
    args = ["roads", "build", str(extract), "--out", str(out)]
    if case == "not_osm":
        extract = tmp_path / "x.csv"
        extract.write_text("a,b\n")
        args[2] = str(extract)
    elif case == "garbage":
        extract.write_bytes(b"\x00garbage" * 10)
    elif case in ("exists", "profile"):
        write_grid(GridSpec(west=15.40, south=41.60, east=15.42, north=41.62, step=0.01), extract)
        if case == "exists":
            out.mkdir()
        else:
            args += ["--profile", "truck"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    line = r.stderr.strip()
    assert "\n" not in line and "Traceback" not in r.output
    assert line.startswith("error: ")
    expected = {
        "no_file": "no such OpenStreetMap extract",
        "not_osm": "not an OpenStreetMap extract",
        "garbage": "osrm-extract failed",
        "exists": "exists; remove it",
        "profile": "'truck' is not one of car, bicycle, foot",
    }[case]
    assert expected in line
    assert not list(tmp_path.glob(".g.building-*"))  # nothing half-built left behind


def test_calibrate_fits_better_than_the_default(road_scenario: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    r = CliRunner().invoke(
        app, ["roads", "calibrate", str(road_scenario)], env={"FORESTERIE_CACHE": str(cache)}
    )
    assert r.exit_code == 0, r.output
    fit = next(x for x in r.stdout.splitlines() if x.startswith("best fit"))
    circuity = float(fit.split("circuity = ")[1].split(",")[0])
    speed = float(fit.split("speed_kmh = ")[1])
    assert 1.0 <= circuity < 2.0 and 20 < speed < 120
    err = next(x for x in r.stdout.splitlines() if x.startswith("median time error"))
    before = float(err.split(": ")[1].split(" %")[0])
    after = float(err.split("; ")[1].split(" %")[0])
    assert after < before
    # the fitted haversine model reproduces the road times to the printed median error
    road = build_matrix(load_scenario(road_scenario), cache)
    set_toml(
        road_scenario,
        'backend = "osrm"\ngraph = "roads"',
        f"circuity = {circuity}\nspeed_kmh = {speed}",
    )
    model = build_matrix(load_scenario(road_scenario))
    assert model.backend == "haversine"
    rel = sorted(
        abs(model.secs(a, b) - road.secs(a, b)) / road.secs(a, b)
        for a in road.ids
        for b in road.ids
        if a != b and road.dist(a, b) > 100
    )
    assert statistics.median(rel) == pytest.approx(after / 100, abs=0.01)


def test_rural_network_is_connected_and_routable(tmp_path: Path) -> None:
    from foresterie.travel.osmgen import write_rural

    net = write_rural(
        GridSpec(west=15.40, south=41.50, east=15.56, north=41.62, step=0.005, jitter=0.3, seed=2),
        tmp_path / "rural.osm.pbf",
        block=8,
    )
    assert net.ways >= net.nodes - 1  # a spanning tree at least
    g = build_graph(net.path, tmp_path / "g")
    corners = [
        (lon, lat) for lon in (net.lons[0], net.lons[-1]) for lat in (net.lats[0], net.lats[-1])
    ]
    inner = [(net.lons[3], net.lats[5]), (net.lons[27], net.lats[19])]  # local roads
    secs, _, snaps = Router(g).table(corners + inner)
    assert (secs[~np.eye(6, dtype=bool)] > 0).all()
    assert max(snaps[:4]) < 1.0 and max(snaps) < 200  # inner nodes are jittered up to 170 m


@pytest.mark.parametrize("meta", ["[" * 100_000, "[1, 2]", "{"])
def test_a_damaged_graph_meta_is_named_never_a_traceback(tmp_path: Path, meta: str) -> None:
    # Found by helper V: a graph.json nested 100,000 deep crashed `roads calibrate --graph DIR`.
    folder = tmp_path / "graph"
    folder.mkdir()
    (folder / roads.GRAPH_META).write_text(meta, encoding="utf-8")
    with pytest.raises(roads.RoadsError, match="corrupt"):
        open_graph(folder)
