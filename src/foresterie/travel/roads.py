"""Road network: build an OSRM graph from an OpenStreetMap extract and query it offline.

The graph is built with the OSRM toolchain shipped in the `osrm-bindings` wheel (extract,
partition, customize: the MLD pipeline) and queried in-process through its Python API: Table for
duration/distance matrices, Route for leg geometry, and the snapped waypoints for the distance of
each place from the nearest road. A graph folder holds the `roads.osrm.*` files and
`graph.json` (extract hash, profile, versions); the graph's hash is the hash of that record.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from foresterie.core.files import file_sha256, json_value

GRAPH_META = "graph.json"
BASENAME = "roads"
PROFILES = ("car", "bicycle", "foot")

Say = Callable[[str], None]


class RoadsError(Exception):
    """A road graph cannot be built, opened or queried (one line for the user, exit 2)."""


class NoRoute(RoadsError):
    """No road connects point `i` to point `j` (indices of the query)."""

    def __init__(self, i: int, j: int):
        self.i, self.j = i, j
        super().__init__(f"no road route from point {i} to point {j}")


@dataclass(frozen=True, kw_only=True)
class Graph:
    folder: Path
    meta: dict[str, Any]

    @property
    def base(self) -> Path:
        return self.folder / f"{BASENAME}.osrm"

    @property
    def hash(self) -> str:
        text = json.dumps(self.meta, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _osrm() -> Any:
    try:
        import osrm
    except ImportError:
        raise RoadsError(
            "the road engine is not installed: pip install 'foresterie[roads]' "
            "(osrm-bindings ships wheels for Python >= 3.12 only)"
        ) from None
    return osrm


def _profile_path(profile: str) -> Path:
    osrm = _osrm()
    if profile not in PROFILES:
        raise RoadsError(f"--profile: {profile!r} is not one of {', '.join(PROFILES)}")
    path = Path(osrm.__file__).parent / "share" / "profiles" / f"{profile}.lua"
    if not path.is_file():
        raise RoadsError(f"the osrm-bindings wheel has no {profile} profile at {path}")
    return path


def _run_tool(tool: str, args: list[str], cwd: Path) -> None:
    cmd = [sys.executable, "-m", "osrm", tool, *args]
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        lines = [ln for ln in (res.stderr + res.stdout).splitlines() if ln.strip()]
        last = next((ln for ln in reversed(lines) if "[error]" in ln), lines[-1] if lines else "")
        raise RoadsError(f"osrm-{tool} failed: {last.strip()[:300]}")


def build_graph(extract: Path, out: Path, profile: str = "car", say: Say | None = None) -> Graph:
    """extract -> partition -> customize into `out` (written beside, then renamed into place)."""
    say = say or (lambda _: None)
    if not extract.is_file():
        raise RoadsError(f"{extract}: no such OpenStreetMap extract")
    name = extract.name.lower()
    suffix = next((s for s in (".osm.pbf", ".osm.bz2", ".osm") if name.endswith(s)), None)
    if suffix is None:
        raise RoadsError(f"{extract}: not an OpenStreetMap extract (.osm.pbf, .osm or .osm.bz2)")
    profile_file = _profile_path(profile)
    if out.exists():
        raise RoadsError(f"{out}: exists; remove it or choose another --out")
    tmp = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        say(f"roads: hashing {extract.name}")
        digest = file_sha256(extract)
        local = tmp / f"{BASENAME}{suffix}"
        try:
            local.symlink_to(extract.resolve())
        except OSError:  # pragma: no cover - filesystems without symlinks
            shutil.copyfile(extract, local)
        say("roads: osrm-extract")
        _run_tool("extract", ["-p", str(profile_file), local.name], tmp)
        local.unlink()
        say("roads: osrm-partition")
        _run_tool("partition", [f"{BASENAME}.osrm"], tmp)
        say("roads: osrm-customize")
        _run_tool("customize", [f"{BASENAME}.osrm"], tmp)
        meta = {
            "schema": "foresterie-graph/1",
            "extract": {"name": extract.name, "sha256": digest, "bytes": extract.stat().st_size},
            "profile": {"name": profile, "sha256": file_sha256(profile_file)},
            "algorithm": "MLD",
            "osrm_bindings": metadata.version("osrm-bindings"),
        }
        (tmp / GRAPH_META).write_text(
            json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Graph(folder=out, meta=meta)


def open_graph(folder: Path) -> Graph:
    meta_file = folder / GRAPH_META
    if not folder.is_dir():
        raise RoadsError(f"{folder}: no such road graph folder")
    if not meta_file.is_file():
        raise RoadsError(
            f"{folder}: not a road graph (no {GRAPH_META}); run `foresterie roads build`"
        )
    try:
        meta = json_value(meta_file.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:  # not JSON, nested too deeply, unreadable
        raise RoadsError(f"{meta_file}: corrupt: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(meta, dict):
        raise RoadsError(f"{meta_file}: corrupt: not a JSON object")
    return Graph(folder=folder, meta=meta)


def check_graph(folder: Path) -> Graph:
    """The graph as `solve` will open it, without starting OSRM: its record read and its files
    there (`validate` says what `solve` would refuse, review 14)."""
    graph = open_graph(folder)
    if not graph.base.with_suffix(".osrm.mldgr").exists():
        raise RoadsError(f"{graph.folder}: graph files are missing ({BASENAME}.osrm.mldgr)")
    return graph


class Router:
    """An in-process OSRM engine on one graph (MLD, no shared memory)."""

    def __init__(self, graph: Graph):
        osrm = _osrm()
        check_graph(graph.folder)
        self.graph = graph
        self._osrm = osrm
        try:
            self.engine = osrm.OSRM(
                storage_config=str(graph.base), algorithm="MLD", use_shared_memory=False
            )
        except Exception as exc:  # the bindings raise RuntimeError on unreadable files
            raise RoadsError(f"{graph.folder}: cannot open the road graph: {exc}") from None

    def table(
        self, points: list[tuple[float, float]]
    ) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """Whole seconds, whole metres (row = from) and each point's distance to its snapped road
        position. Raises RoadsError naming a pair with no route."""
        params = self._osrm.TableParameters(
            coordinates=points, annotations=["duration", "distance"]
        )
        try:
            res = self.engine.Table(params)
        except Exception as exc:
            raise RoadsError(f"road table failed: {exc}") from None
        n = len(points)
        secs = np.zeros((n, n), dtype=np.int64)
        mets = np.zeros((n, n), dtype=np.int64)
        dur, dist = res["durations"], res["distances"]
        for i in range(n):
            drow, mrow = dur[i], dist[i]
            for j in range(n):
                d, m = drow[j], mrow[j]
                if d is None or m is None or not math.isfinite(float(d)):
                    raise NoRoute(i, j)
                secs[i, j] = round(float(d))
                mets[i, j] = round(float(m))
        snaps = [float(w["distance"]) for w in res["sources"]]
        return secs, mets, snaps

    def geometry(self, a: tuple[float, float], b: tuple[float, float]) -> list[list[float]]:
        """The road path from a to b as [[lon, lat], ...] (full overview)."""
        params = self._osrm.RouteParameters(
            coordinates=[a, b], geometries="geojson", overview="full"
        )
        try:
            res = self.engine.Route(params)
        except Exception as exc:
            raise RoadsError(f"road route failed: {exc}") from None
        coords = res["routes"][0]["geometry"]["coordinates"]
        return [[round(float(p[0]), 6), round(float(p[1]), 6)] for p in coords]
