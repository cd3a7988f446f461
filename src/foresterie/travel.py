"""Travel-time and distance matrices between foresterie and farms, in whole seconds and metres."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import TravelTable
from .errors import Problem, ScenarioError
from .model import Scenario

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius


@dataclass(frozen=True)
class Location:
    id: str
    lon: float
    lat: float


@dataclass(frozen=True)
class TravelMatrix:
    """Square matrices over `ids`; integers so that solvers and the verifier agree exactly."""

    ids: tuple[str, ...]
    seconds: np.ndarray  # int64 [n, n], row = from, column = to (may be asymmetric)
    metres: np.ndarray  # int64 [n, n]
    backend: str
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
    """Foresterie then farms, each sorted by id: the matrix index order."""
    return [Location(f.id, f.lon, f.lat) for f in scenario.foresterie] + [
        Location(f.id, f.lon, f.lat) for f in scenario.farms
    ]


def haversine_matrix(locations: list[Location], table: TravelTable) -> TravelMatrix:
    """Great-circle metres x circuity, rounded to whole metres; time at a constant mean speed."""
    lon = np.radians(np.array([loc.lon for loc in locations], dtype=float))
    lat = np.radians(np.array([loc.lat for loc in locations], dtype=float))
    dlat = lat[None, :] - lat[:, None]
    dlon = lon[None, :] - lon[:, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    great = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    metres = np.rint(great * table.circuity).astype(np.int64)
    speed_ms = table.speed_kmh / 3.6
    seconds = np.rint(metres / speed_ms).astype(np.int64)
    return TravelMatrix(tuple(loc.id for loc in locations), seconds, metres, "haversine")


def read_matrix_file(path: Path, label: str, ids: list[str]) -> TravelMatrix:
    probs: list[Problem] = []
    m = _parse_matrix(path, label, ids, probs)
    if probs or m is None:
        raise ScenarioError(probs)
    return m


def check_matrix_file(path: Path, label: str, ids: list[str], probs: list[Problem]) -> None:
    _parse_matrix(path, label, ids, probs)


def _parse_matrix(
    path: Path, label: str, ids: list[str], probs: list[Problem]
) -> TravelMatrix | None:
    """A CSV of from_id,to_id,seconds,metres; every ordered pair of distinct ids must be present."""
    from .scenario import read_csv

    index = {k: i for i, k in enumerate(ids)}
    n = len(ids)
    secs = np.full((n, n), -1, dtype=np.int64)
    mets = np.full((n, n), -1, dtype=np.int64)
    np.fill_diagonal(secs, 0)
    np.fill_diagonal(mets, 0)
    start = len(probs)
    for r, row in read_csv(path, label, ("from_id", "to_id", "seconds", "metres"), probs):
        a, b = row["from_id"].strip(), row["to_id"].strip()
        bad = False
        for fld, key in (("from_id", a), ("to_id", b)):
            if key not in index:
                probs.append(Problem(label, r, fld, f"unknown location {key!r}"))
                bad = True
        vals = []
        for fld in ("seconds", "metres"):
            s = row[fld].strip()
            if not s.isdigit():
                probs.append(Problem(label, r, fld, f"{s!r} is not a whole number >= 0"))
                bad = True
            else:
                vals.append(int(s))
        if not bad:
            secs[index[a], index[b]], mets[index[a], index[b]] = vals
    if len(probs) > start:
        return None
    missing = np.argwhere(secs < 0)
    if len(missing):
        i, j = missing[0]
        probs.append(Problem(label, None, "pairs",
                             f"{len(missing)} ordered pairs missing, e.g. {ids[i]} -> {ids[j]}"))  # fmt: skip
        return None
    return TravelMatrix(tuple(ids), secs, mets, "matrix")


def build_matrix(scenario: Scenario) -> TravelMatrix:
    """The scenario's travel backend over its foresterie and farms."""
    locations = scenario_locations(scenario)
    backend = scenario.config.travel.backend
    if backend == "haversine":
        return haversine_matrix(locations, scenario.config.travel)
    if backend == "matrix":
        path = scenario.files["matrix"]
        return read_matrix_file(path, path.name, [loc.id for loc in locations])
    raise ScenarioError(
        [Problem("scenario.toml", None, "travel.backend", "osrm backend is not available yet")]
    )
