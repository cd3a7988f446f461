"""Travel-time and distance matrices between foresterie and farms, in whole seconds and metres."""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import replace_file
from foresterie.scenario.config import TravelTable
from foresterie.scenario.matrixfile import parse_matrix_file
from foresterie.scenario.model import Scenario
from foresterie.travel.roads import NoRoute, RoadsError, Router, open_graph

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


@dataclass(frozen=True)
class Location:
    id: str
    lon: float
    lat: float


@dataclass(frozen=True, kw_only=True)
class TravelMatrix:
    """Square matrices over `ids`; integers so that solvers and the verifier agree exactly."""

    ids: tuple[str, ...]
    seconds: np.ndarray  # int64 [n, n], row = from, column = to (may be asymmetric)
    metres: np.ndarray  # int64 [n, n]
    backend: str
    graph_hash: str | None = None  # the OSRM graph's record hash (backend "osrm")
    snap_m: tuple[float, ...] = ()  # per id: metres from the point to its snapped road position
    cached: bool = False
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({k: i for i, k in enumerate(self.ids)})

    def index(self, loc_id: str) -> int:
        return self._index[loc_id]

    def secs(self, a: str, b: str) -> int:
        return int(self.seconds[self._index[a], self._index[b]])

    def dist(self, a: str, b: str) -> int:
        return int(self.metres[self._index[a], self._index[b]])

    def to_csv(self) -> str:
        """from_id,to_id,seconds,metres for every ordered pair (the matrix backend's format)."""
        out = io.StringIO()
        out.write("from_id,to_id,seconds,metres\n")
        for i, a in enumerate(self.ids):
            for j, b in enumerate(self.ids):
                out.write(f"{a},{b},{int(self.seconds[i, j])},{int(self.metres[i, j])}\n")
        return out.getvalue()


def scenario_locations(scenario: Scenario) -> list[Location]:
    """Foresterie, farms, then departure points, each sorted by id: the matrix index order."""
    return (
        [Location(f.id, f.lon, f.lat) for f in scenario.foresterie]
        + [Location(f.id, f.lon, f.lat) for f in scenario.farms]
        + [Location(p.id, p.lon, p.lat) for p in scenario.pickups]
    )


def _great_circle_m(locations: list[Location]) -> np.ndarray:
    lon = np.radians(np.array([loc.lon for loc in locations], dtype=float))
    lat = np.radians(np.array([loc.lat for loc in locations], dtype=float))
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_matrix(locations: list[Location], table: TravelTable) -> TravelMatrix:
    """Great-circle metres x circuity, rounded to whole metres; time at a constant mean speed."""
    great = _great_circle_m(locations)
    metres = np.rint(great * table.circuity).astype(np.int64)
    speed_ms = table.speed_kmh / 3.6
    seconds = np.rint(metres / speed_ms).astype(np.int64)
    return TravelMatrix(
        ids=tuple(loc.id for loc in locations), seconds=seconds, metres=metres, backend="haversine"
    )


def read_matrix_file(path: Path, label: str, ids: list[str]) -> TravelMatrix:
    probs: list[Problem] = []
    arrays = parse_matrix_file(path, label, ids, probs)
    if probs or arrays is None:
        raise ScenarioError(probs)
    secs, mets = arrays
    return TravelMatrix(ids=tuple(ids), seconds=secs, metres=mets, backend="matrix")


def build_matrix(scenario: Scenario, cache: Path | None = None) -> TravelMatrix:
    """The scenario's travel backend over its foresterie and farms."""
    locations = scenario_locations(scenario)
    backend = scenario.config.travel.backend
    if backend == "haversine":
        return haversine_matrix(locations, scenario.config.travel)
    if backend == "matrix":
        path = scenario.files["matrix"]
        return read_matrix_file(path, path.name, [loc.id for loc in locations])
    m = road_matrix(locations, scenario.files["graph"], cache or cache_dir())
    limit = scenario.config.travel.snap_max_m
    too_far = far_from_road(m, limit)
    if too_far:
        kind = {f.id: "foresterie" for f in scenario.foresterie} | {
            p.id: "pickups" for p in scenario.pickups
        }
        probs = [
            Problem(
                scenario.files[kind.get(pid, "farms")].name,
                None,
                "geometry",
                f"{pid} is {metres:,.0f} m from the nearest road of the graph (limit "
                f"{limit:,.0f} m): outside the graph's area, or wrong coordinates",
            )
            for pid, metres in too_far
        ]
        raise ScenarioError(probs)
    return m


# ------------------------------------------------------------------ road backend and its cache


def cache_dir() -> Path:
    """$FORESTERIE_CACHE, else $XDG_CACHE_HOME/foresterie, else ~/.cache/foresterie."""
    if os.environ.get("FORESTERIE_CACHE"):
        return Path(os.environ["FORESTERIE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "foresterie"


def matrix_key(locations: list[Location], backend: str, graph_hash: str, params: dict) -> str:  # type: ignore[type-arg]
    """Content address of a matrix: the points (id and coordinates), backend, graph, parameters."""
    blob = json.dumps(
        {
            "v": 1,
            "backend": backend,
            "graph": graph_hash,
            "params": params,
            "points": [[x.id, round(x.lon, 7), round(x.lat, 7)] for x in locations],
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _load_cached(path: Path, locations: list[Location]) -> tuple[np.ndarray, ...] | None:
    """A cached road matrix, or None when missing, damaged (truncated, not an archive) or not
    plausible for these places: then it is recomputed and overwritten, never trusted."""
    ids = tuple(x.id for x in locations)
    try:
        # From bytes: np.load leaks its file handle when the archive is truncated.
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as z:
            if tuple(str(x) for x in z["ids"]) != ids:
                return None
            secs, mets, snaps = z["seconds"], z["metres"], z["snap_m"]
    except Exception:  # OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, ...
        return None
    return (secs, mets, snaps) if _plausible(locations, secs, mets, snaps) else None


def _plausible(
    locations: list[Location], secs: np.ndarray, mets: np.ndarray, snaps: np.ndarray
) -> bool:
    """What any road matrix between these places satisfies: whole non-negative numbers, zero on
    the diagonal, no road shorter than the straight line (minus the two snapping offsets), and
    a mean speed between walking pace and 200 km/h on legs over a kilometre."""
    n = len(locations)
    if secs.shape != (n, n) or mets.shape != (n, n) or snaps.shape != (n,):
        return False
    if secs.dtype.kind not in "iu" or mets.dtype.kind not in "iu" or snaps.dtype.kind != "f":
        return False
    if (secs < 0).any() or (mets < 0).any() or not np.isfinite(snaps).all() or (snaps < 0).any():
        return False
    if np.diagonal(secs).any() or np.diagonal(mets).any():
        return False
    straight = _great_circle_m(locations) - snaps[:, None] - snaps[None, :]
    if (mets < 0.98 * straight - 1).any():
        return False
    long = mets > 1000
    speed_ms = mets[long] / np.maximum(secs[long], 1)
    return bool(((speed_ms > 1.0) & (speed_ms < 200 / 3.6)).all())


def _store_cached(path: Path, ids: tuple[str, ...], *arrays: np.ndarray) -> None:
    buf = io.BytesIO()
    np.savez(buf, ids=np.array(ids), seconds=arrays[0], metres=arrays[1], snap_m=arrays[2])
    replace_file(path, buf.getvalue())


def road_matrix(locations: list[Location], graph_dir: Path, cache: Path) -> TravelMatrix:
    """OSRM Table over every pair, through the content-addressed cache."""
    ids = tuple(x.id for x in locations)
    try:
        graph = open_graph(graph_dir)
        key = matrix_key(locations, "osrm", graph.hash, {"annotations": "duration,distance"})
        path = cache / "matrices" / f"{key}.npz"
        hit = _load_cached(path, locations)
        if hit is not None:
            secs, mets, snaps = hit
            return TravelMatrix(
                ids=ids,
                seconds=secs,
                metres=mets,
                backend="osrm",
                graph_hash=graph.hash,
                snap_m=tuple(float(x) for x in snaps),
                cached=True,
            )
        router = Router(graph)
        secs, mets, snap_list = router.table([(x.lon, x.lat) for x in locations])
    except NoRoute as exc:
        msg = (
            f"no road route from {ids[exc.i]} to {ids[exc.j]} in the graph (outside it, or cut off)"
        )
        raise ScenarioError([Problem("scenario.toml", None, "travel.graph", msg)]) from None
    except RoadsError as exc:
        raise ScenarioError([Problem("scenario.toml", None, "travel.graph", str(exc))]) from None
    snaps = np.array(snap_list, dtype=float)
    _store_cached(path, ids, secs, mets, snaps)
    return TravelMatrix(
        ids=ids,
        seconds=secs,
        metres=mets,
        backend="osrm",
        graph_hash=graph.hash,
        snap_m=tuple(snap_list),
    )


def far_from_road(matrix: TravelMatrix, threshold_m: float) -> list[tuple[str, float]]:
    """(id, metres) of places whose snapped road position is farther than the threshold."""
    return sorted(
        ((i, d) for i, d in zip(matrix.ids, matrix.snap_m, strict=True) if d > threshold_m),
        key=lambda x: (-x[1], x[0]),
    )


def _cached_legs(
    path: Path, pairs: list[tuple[str, str]], where: dict[str, Location]
) -> dict[tuple[str, str], list[list[float]]] | None:
    """Cached leg geometries, or None when missing, damaged or implausible (not a line of finite
    lon/lat pairs in Puglia's area, or not starting and ending near its two places)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        legs = {(a, b): data[f"{a}>{b}"] for a, b in pairs}
        for (a, b), line in legs.items():
            pts = np.array(line, dtype=float)
            if pts.ndim != 2 or pts.shape[0] < 2 or pts.shape[1] != 2 or not np.isfinite(pts).all():
                return None
            for (lon, lat), end in ((pts[0], where[a]), (pts[-1], where[b])):
                if abs(lon - end.lon) > 0.05 or abs(lat - end.lat) > 0.05:  # ~5 km: off its place
                    return None
        return legs
    except Exception:  # OSError, ValueError (JSON), KeyError, TypeError
        return None


def road_legs(
    locations: list[Location], pairs: list[tuple[str, str]], graph_dir: Path, cache: Path
) -> dict[tuple[str, str], list[list[float]]]:
    """Road geometry ([[lon, lat], ...]) of each directed leg, through the cache."""
    where = {x.id: x for x in locations}
    pairs = sorted(set(pairs))
    try:
        graph = open_graph(graph_dir)
        key = matrix_key(
            [where[a] for a, _ in pairs] + [where[b] for _, b in pairs],
            "osrm-legs",
            graph.hash,
            {"overview": "full"},
        )
        path = cache / "legs" / f"{key}.json"
        cached = _cached_legs(path, pairs, where)
        if cached is not None:
            return cached
        router = Router(graph)
        legs = {
            (a, b): router.geometry((where[a].lon, where[a].lat), (where[b].lon, where[b].lat))
            for a, b in pairs
        }
    except RoadsError as exc:
        raise ScenarioError([Problem("scenario.toml", None, "travel.graph", str(exc))]) from None
    replace_file(path, json.dumps({f"{a}>{b}": v for (a, b), v in legs.items()}).encode("utf-8"))
    return legs


def legs_geojson(legs: dict[tuple[str, str], list[list[float]]]) -> str:
    """The recorded road geometry of a run (inputs/legs.geojson), sorted, compact."""
    feats = [
        {
            "type": "Feature",
            "properties": {"from_id": a, "to_id": b},
            "geometry": {"type": "LineString", "coordinates": coords},
        }
        for (a, b), coords in sorted(legs.items())
    ]
    return (
        json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")) + "\n"
    )
