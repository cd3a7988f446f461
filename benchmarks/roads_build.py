"""Road graph build and a 500 x 500 table on a generated network of realistic size.

The network is a jittered grid over the Capitanata plain (15.0-16.2 E, 41.0-41.9 N) with a road
every 0.0025 degrees (about 250 m): ~174,000 nodes and ~350,000 road segments, the order of the
province of Foggia's drivable OpenStreetMap network. Reports the time and the peak memory of
extract / partition / customize (the largest child process), the graph's size on disk, the time
to open the engine and the median of 3 table queries over 500 random points.

Usage: python benchmarks/roads_build.py [STEP_DEGREES]
"""

from __future__ import annotations

import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from foresterie.travel.osmgen import GridSpec, write_rural
from foresterie.travel.roads import Router, build_graph


def main() -> None:
    step = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0025
    work = Path(tempfile.mkdtemp(prefix="roads-bench-"))
    spec = GridSpec(west=15.0, south=41.0, east=16.2, north=41.9, step=step, jitter=0.3, seed=1)
    t0 = time.perf_counter()
    net = write_rural(spec, work / "capitanata.osm.pbf")
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph = build_graph(net.path, work / "graph")
    build_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    disk_mb = sum(p.stat().st_size for p in graph.folder.iterdir()) / 1e6
    t0 = time.perf_counter()
    router = Router(graph)
    open_s = time.perf_counter() - t0
    rng = random.Random(7)
    points = [(rng.uniform(15.02, 16.18), rng.uniform(41.02, 41.88)) for _ in range(500)]
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        secs, _, _ = router.table(points)
        runs.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    for a, b in zip(points[:200], points[1:201], strict=True):
        router.geometry(a, b)
    route_ms = (time.perf_counter() - t0) / 200 * 1000
    print(
        f"# Road graph benchmark, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"osrm-bindings {graph.meta['osrm_bindings']}"
    )
    print(
        f"network: {net.nodes:,} nodes, {net.ways:,} ways, {net.path.stat().st_size / 1e6:.1f} MB "
        f"pbf (written in {write_s:.1f} s)"
    )
    print(
        f"build (extract + partition + customize, MLD): {build_s:.1f} s, peak child memory "
        f"{peak_mb:,.0f} MB, graph on disk {disk_mb:,.0f} MB"
    )
    print(
        f"engine open: {open_s:.2f} s; 500 x 500 table: median {statistics.median(runs):.2f} s "
        f"(runs {', '.join(f'{x:.2f}' for x in runs)}); mean {secs.mean() / 60:.1f} min per pair"
    )
    print(f"route geometry: {route_ms:.1f} ms per leg (200 legs)")


if __name__ == "__main__":
    main()
