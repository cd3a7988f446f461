"""Synthetic OpenStreetMap road networks (pyosmium) for tests, benchmarks and offline demos.

A jittered grid of roads: every `arterial_every`-th line is a primary road, the rest are
tertiary; optional one-way streets make travel asymmetric. Coordinates are WGS84, so the same
files work with the real OSRM car profile.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True)
class GridSpec:
    west: float
    south: float
    east: float
    north: float
    step: float = 0.01  # degrees between grid lines
    arterial_every: int = 5
    jitter: float = 0.15  # fraction of a step each inner node may move
    oneway_rows: tuple[int, ...] = ()  # rows drawn one-way, west to east
    seed: int = 1


@dataclass(frozen=True)
class GridNetwork:
    path: Path
    nodes: int
    ways: int
    lons: tuple[float, ...]  # the unjittered grid lines
    lats: tuple[float, ...]


def write_grid(spec: GridSpec, path: Path) -> GridNetwork:
    """Write the network as .osm or .osm.pbf (by suffix); node ids are 1 + row * cols + col."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = random.Random(spec.seed)
    cols = round((spec.east - spec.west) / spec.step) + 1
    rows = round((spec.north - spec.south) / spec.step) + 1
    lons = tuple(round(spec.west + c * spec.step, 7) for c in range(cols))
    lats = tuple(round(spec.south + r * spec.step, 7) for r in range(rows))
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    ways = 0
    try:
        for r in range(rows):
            for c in range(cols):
                inner = (
                    0 < r < rows - 1
                    and 0 < c < cols - 1
                    and r % spec.arterial_every
                    and c % spec.arterial_every
                )
                j = spec.jitter * spec.step if inner else 0.0
                lon = lons[c] + rng.uniform(-j, j)
                lat = lats[r] + rng.uniform(-j, j)
                writer.add_node(
                    Node(id=1 + r * cols + c, location=(round(lon, 7), round(lat, 7)), version=1)
                )
        for r in range(rows):
            tags = {
                "highway": "primary" if r % spec.arterial_every == 0 else "tertiary",
                "name": f"Strada {r}",
            }
            if r in spec.oneway_rows:
                tags["oneway"] = "yes"
            ways += 1
            writer.add_way(
                Way(id=ways, nodes=[1 + r * cols + c for c in range(cols)], tags=tags, version=1)
            )
        for c in range(cols):
            tags = {
                "highway": "primary" if c % spec.arterial_every == 0 else "tertiary",
                "name": f"Via {c}",
            }
            ways += 1
            writer.add_way(
                Way(id=ways, nodes=[1 + r * cols + c for r in range(rows)], tags=tags, version=1)
            )
    finally:
        writer.close()
    return GridNetwork(path, rows * cols, ways, lons, lats)


def write_rural(spec: GridSpec, path: Path, block: int = 16, extra: float = 0.08) -> GridNetwork:
    """A rural network: arterial roads every `block` grid steps (primary every second one,
    secondary otherwise) and, inside each block, local roads forming a random spanning tree of
    the block's grid plus a few loops (`extra` of the remaining edges), like farm roads off a
    provincial road. Unlike a full grid it has the small separators of real road networks.
    Written to `path`; arterial lines are the grid lines whose index is a multiple of `block`."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = random.Random(spec.seed)
    cols = round((spec.east - spec.west) / spec.step) + 1
    rows = round((spec.north - spec.south) / spec.step) + 1
    lons = tuple(round(spec.west + c * spec.step, 7) for c in range(cols))
    lats = tuple(round(spec.south + r * spec.step, 7) for r in range(rows))
    edges = _rural_edges(rows, cols, block, extra, rng)
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    try:
        for r in range(rows):
            for c in range(cols):
                j = 0.0 if r % block == 0 or c % block == 0 else spec.jitter * spec.step
                writer.add_node(
                    Node(
                        id=1 + r * cols + c,
                        version=1,
                        location=(
                            round(lons[c] + rng.uniform(-j, j), 7),
                            round(lats[r] + rng.uniform(-j, j), 7),
                        ),
                    )
                )
        for k, (a, b, highway) in enumerate(edges, start=1):
            writer.add_way(Way(id=k, nodes=[a + 1, b + 1], tags={"highway": highway}, version=1))
    finally:
        writer.close()
    return GridNetwork(path, rows * cols, len(edges), lons, lats)


def _rural_edges(
    rows: int, cols: int, block: int, extra: float, rng: random.Random
) -> list[tuple[int, int, str]]:
    """Edges (node a, node b, highway) over grid positions r * cols + c."""
    edges: list[tuple[int, int, str]] = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if r % block == 0 and c + 1 < cols:
                edges.append((i, i + 1, "primary" if (r // block) % 2 == 0 else "secondary"))
            if c % block == 0 and r + 1 < rows:
                edges.append((i, i + cols, "primary" if (c // block) % 2 == 0 else "secondary"))
    parent = list(range(rows * cols))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in edges:  # arterials are already connected
        parent[find(a)] = find(b)
    local: list[tuple[int, int]] = []
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols and r % block:
                local.append((i, i + 1))
            if r + 1 < rows and c % block:
                local.append((i, i + cols))
    rng.shuffle(local)
    spare = []
    for a, b in local:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            edges.append((a, b, "unclassified" if rng.random() < 0.3 else "residential"))
        else:
            spare.append((a, b))
    for a, b in spare[: int(extra * len(spare))]:
        edges.append((a, b, "residential"))
    return edges
