"""Fit the great-circle model (circuity x distance, constant speed) to road-engine tables.

Users without a road graph run on the haversine backend; `foresterie roads calibrate` tells
them which circuity factor and speed reproduce the road engine best on their own pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foresterie.scenario.config import TravelTable
from foresterie.scenario.model import Scenario
from foresterie.travel.matrix import TravelMatrix, haversine_matrix, scenario_locations


@dataclass(frozen=True, kw_only=True)
class Calibration:
    pairs: int
    circuity: float  # least squares through the origin: road metres ~ circuity x great-circle
    speed_kmh: float  # least squares: road seconds ~ fitted metres / speed
    time_error_before_pct: float  # median |model - road| / road, with the scenario's settings
    time_error_after_pct: float  # the same with the fitted settings
    distance_error_after_pct: float


def _median_rel_error(model: np.ndarray, road: np.ndarray) -> float:
    return float(np.median(np.abs(model - road) / road) * 100)


def calibrate(scenario: Scenario, road: TravelMatrix) -> Calibration:
    """Compare on every ordered pair of distinct places with a road route longer than 100 m."""
    locations = scenario_locations(scenario)
    unit = haversine_matrix(locations, TravelTable(circuity=1.0, speed_kmh=36.0))  # 10 m/s
    great = unit.metres.astype(float)
    mask = ~np.eye(len(locations), dtype=bool) & (road.metres > 100) & (great > 0)
    g, rm, rs = great[mask], road.metres[mask].astype(float), road.seconds[mask].astype(float)
    if len(g) == 0:
        raise ValueError("no pair of places is more than 100 m apart by road")
    circuity = float((g * rm).sum() / (g * g).sum())
    fitted = g * circuity
    speed_ms = float((fitted * fitted).sum() / (fitted * rs).sum())
    before = haversine_matrix(locations, scenario.config.travel).seconds[mask].astype(float)
    return Calibration(
        pairs=int(mask.sum()),
        circuity=round(circuity, 3),
        speed_kmh=round(speed_ms * 3.6, 1),
        time_error_before_pct=round(_median_rel_error(before, rs), 1),
        time_error_after_pct=round(_median_rel_error(fitted / speed_ms, rs), 1),
        distance_error_after_pct=round(_median_rel_error(fitted, rm), 1),
    )
