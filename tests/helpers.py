"""In-memory scenarios for hand-checkable solver tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from foresterie.config import ScenarioConfig
from foresterie.model import Farm, Foresteria, Scenario, Section, Vehicle, Worker
from foresterie.travel import TravelMatrix

D = date.fromisoformat


def config(**tables: dict[str, Any]) -> ScenarioConfig:
    base: dict[str, Any] = {
        "scenario": {
            "name": "t",
            "season_start": "2026-07-01",
            "season_end": "2026-07-31",
            "seed": 3,
        },
        "data": {"foresterie": "f", "farms": "f", "workers": "w", "fleet": "v"},
        "solver": {"shuttle_iterations": 300, "shuttle_patience": 60, "shuttle_processes": 1},
    }
    for k, v in tables.items():
        base[k] = {**base.get(k, {}), **v}
    return ScenarioConfig.model_validate(base)


def foresteria(
    fid: str,
    men: int = 0,
    women: int = 0,
    family: int = 0,
    acc: int = 0,
    open_from: str = "2026-07-01",
    open_to: str = "2026-07-31",
) -> Foresteria:
    return Foresteria(
        fid,
        f"Foresteria {fid}",
        "Comune",
        15.5,
        41.5,
        men,
        women,
        family,
        acc,
        D(open_from),
        D(open_to),
    )


def farm(
    fid: str, start: str = "06:00", end: str = "14:00", days: frozenset[int] = frozenset(range(7))
) -> Farm:
    h, m = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return Farm(fid, f"Farm {fid}", "Comune", "tomato", 15.5, 41.5, h * 60 + m, h2 * 60 + m2, days)


def worker(
    wid: str,
    arrival: str = "2026-07-06",
    departure: str = "2026-07-10",
    section: str = "men",
    farm_id: str | None = "F1",
    priority: int = 0,
    group: str | None = None,
    accessible: bool = False,
    pinned: str | None = None,
) -> Worker:
    return Worker(
        wid,
        D(arrival),
        D(departure),
        Section(section),
        group,
        farm_id,
        priority,
        accessible,
        pinned,
    )


def vehicle(vid: str, fid: str, seats: int = 8, duty: int = 540) -> Vehicle:
    return Vehicle(vid, fid, seats, 160.0, 0.4, duty, D("2026-07-01"), D("2026-07-31"))


def scenario(
    fs: list[Foresteria],
    farms: list[Farm],
    workers: list[Worker],
    fleet: list[Vehicle] | None = None,
    **tables: dict[str, Any],
) -> Scenario:
    return Scenario(
        Path("."),
        config(**tables),
        tuple(sorted(fs, key=lambda f: f.id)),
        tuple(sorted(farms, key=lambda f: f.id)),
        tuple(sorted(workers, key=lambda w: w.id)),
        tuple(fleet or ()),
        {},
    )


def matrix(
    minutes: dict[tuple[str, str], int], ids: list[str], metres_per_min: int = 900
) -> TravelMatrix:
    """Symmetric matrix from one-way minutes; unspecified pairs are 10 min apart."""
    n = len(ids)
    secs = np.zeros((n, n), dtype=np.int64)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i != j:
                mins = minutes.get((a, b), minutes.get((b, a), 10))
                secs[i, j] = mins * 60
    return TravelMatrix(tuple(ids), secs, secs // 60 * metres_per_min, "matrix")
