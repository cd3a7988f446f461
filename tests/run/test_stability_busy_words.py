"""A day run's "vehicles busy" reason says the figures of its own row (review 18, L2): the rest
planned around kept trips is given only the vehicles the kept trips leave idle, so its words
said "2 vehicles could not be given every morning and return trip ..." on a row whose
vehicles_available (the base-day's, as every row's) was 4: the two running kept trips were
counted in the column, not in the sentence. Now the words say the 4, how many of them run kept
trips, and the day's lower bound of the column; and the verifier's own table holds a day run's
reason to those figures (the old words beside 4 are refused).

The reason relabelled here is the routes' own: W03's 07-08 return in the tiny season
(`vehicles busy at Fortore: 1 vehicle could not be given every return trip ...`)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from foresterie.run.stability import _relabel
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.routes import ShuttlePlan, Unserved
from foresterie.verify import _UNSERVED_WORDS, _kept_said, _unsaid
from tests.helpers import TINY

DAY = date(2026, 7, 8)
KEPT_WORDS = "3 vehicles available, 2 of them on trips of the season plan kept for the day; "


def _w03(run: Path) -> Unserved:
    """W03's row of the season plan, as the routes wrote it (the residual's words)."""
    with open(run / "plan" / "unserved.csv", newline="", encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["worker_ids"] == "W03"]
    assert row["code"] == "vehicles_busy" and row["day"] == DAY.isoformat()
    return Unserved(
        day=DAY,
        foresteria_id=row["foresteria_id"],
        base_id=row["base_id"],
        farm_id=row["farm_id"],
        riders=int(row["worker_days"]),
        code="vehicles_busy",
        reason=row["reason"],
        proven=False,
        lower_bound=int(row["vehicles_lower_bound"]),
        available=int(row["vehicles_available"]),
        worker_ids=("W03",),
    )


def _plan(row: Unserved) -> ShuttlePlan:
    return ShuttlePlan(
        trips=[],
        unserved=[row],
        fleet_days=[],
        engine="pyvrp",
        day_problems=0,
        route_searches=0,
        wall_s=0.0,
    )


def test_the_words_say_the_rows_vehicles_and_those_on_kept_trips(tiny_season_run: Path) -> None:
    sc = load_scenario(TINY)
    residual = _w03(tiny_season_run)
    assert residual.reason.startswith("vehicles busy at Fortore: 1 vehicle could not be given")
    # the base-day: 3 vehicles available, a bound of 2 over the whole day's riders; the residual
    # saw 1 (2 ran kept trips) and bounded its own riders by 1
    (row,) = _relabel(_plan(residual), {(DAY, "FA"): (2, 3)}, sc).unserved
    assert (row.code, row.proven, row.available, row.lower_bound) == ("vehicles_busy", False, 3, 2)
    assert row.reason == (
        "vehicles busy at Fortore: " + KEPT_WORDS + "the rest could not be given every return "
        "trip within duty limits, turnaround, windows and ride cap; 0 round trips planned for "
        "this farm (heuristic: the lower bound, 2 vehicles, does not prove a shortage)"
    )
    # the residual saw every vehicle of the base (none ran kept trips): its words stand
    (whole,) = _relabel(_plan(residual), {(DAY, "FA"): (1, 1)}, sc).unserved
    assert whole.reason == residual.reason and whole.available == 1


def _facts(kept: Any) -> dict[str, Any]:
    return {"base": "Fortore", "avail_v": "3 vehicles", "lb_v": "2 vehicles", "kept": kept}


def test_the_verifiers_table_holds_a_day_runs_words_to_the_row(tiny_season_run: Path) -> None:
    words = _UNSERVED_WORDS["vehicles_busy"]
    residual = _w03(tiny_season_run)
    (row,) = _relabel(_plan(residual), {(DAY, "FA"): (2, 3)}, load_scenario(TINY)).unserved
    assert _unsaid(words, row.reason, _facts(lambda said: "" if said == "2" else "no")) == ""
    # the review's row: the residual's count beside the row's vehicles_available
    old = residual.reason.replace(
        "(heuristic: the lower bound, 1 vehicle,", "(heuristic: the lower bound, 2 vehicles,"
    )
    assert _unsaid(words, old, _facts(None)) == (
        "says avail_v '1 vehicle', the run's figures give '3 vehicles'"
    )
    # a kept count the row does not hold is named
    wrong = row.reason.replace("2 of them", "3 of them")
    assert _unsaid(words, wrong, _facts(lambda said: f"kept {said}")) == "kept 3"


def test_the_kept_count_is_held_to_the_published_trips(tmp_path: Path) -> None:
    """At most the base's vehicles running a trip of the day's reference (a kept trip keeps its
    id; one planned anew, like VA3's, never takes a kept one's), and one left for the rest."""
    (tmp_path / "inputs").mkdir()
    ref = {"day": "2026-07-08", "trips": [{"trip_id": t} for t in ("M01", "M02", "E01")]}
    (tmp_path / "inputs" / "reference_trips.json").write_text(json.dumps(ref))
    trips = [
        {"day": "2026-07-08", "foresteria_id": "FA", "trip_id": t, "vehicle_id": v}
        for t, v in (("M01", "VA1"), ("E01", "VA1"), ("M02", "VA2"), ("M01-n1", "VA3"))
    ] + [{"day": "2026-07-09", "foresteria_id": "FA", "trip_id": "M03", "vehicle_id": "VA4"}]
    run: Any = SimpleNamespace(root=tmp_path, trips=trips, memo={})
    assert _kept_said(run, "FA", "2026-07-08", 4, 2, True) == ""
    assert _kept_said(run, "FA", "2026-07-08", 3, 1, True) == ""
    assert _kept_said(run, "FA", "2026-07-08", 4, 3, True) == (
        "says 3 of 4 vehicles run kept trips; 2 vehicles of FA run trips of the day's reference "
        "that day"
    )
    # all of them (none left for the rest), or none
    for kept, avail in ((2, 2), (0, 3)):
        assert _kept_said(run, "FA", "2026-07-08", avail, kept, True) != ""
    assert _kept_said(run, "FA", "2026-07-08", 4, 2, False) == (
        "says vehicles run kept trips; a season run keeps none"
    )
