"""A day run's residual plan (the riders not kept, planned on the vehicles the kept trips leave
idle) proves `drivers_day` over those vehicles only. Where vehicles of the base run kept trips,
their drivers' days were never judged: the assembled plan says `vehicles_busy` (heuristic), as
it does for a residual `fleet_short` (review 17, helper O: the verifier refused such a day run,
"yet VA1's day could hold the round trip", and nothing was published)."""

from __future__ import annotations

from datetime import date

from foresterie.run.stability import _relabel
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.routes import ShuttlePlan, Unserved
from tests.helpers import TINY

DAY = date(2026, 7, 7)


def _row(available: int) -> Unserved:
    return Unserved(
        day=DAY,
        foresteria_id="FA",
        farm_id="F1",
        riders=2,
        code="drivers_day",
        reason="drivers' day: no vehicle based at Fortore can bring these riders ... (proven)",
        proven=True,
        lower_bound=0,
        available=available,
        worker_ids=("W01", "W02"),
        base_id="FA",
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


def test_a_residual_drivers_day_is_kept_only_where_it_judged_the_whole_base() -> None:
    sc = load_scenario(TINY)
    whole = sum(
        1 for v in sc.fleet if v.foresteria_id == "FA" and v.available_from <= DAY <= v.available_to
    )
    assert whole >= 1
    # the residual saw every vehicle of the base: its proof stands
    (kept,) = _relabel(_plan(_row(whole)), {(DAY, "FA"): (0, whole)}, sc).unserved
    assert (kept.code, kept.proven) == ("drivers_day", True)
    # it saw fewer (one ran kept trips): no proof over the base, the busy reason instead
    (said,) = _relabel(_plan(_row(whole - 1)), {(DAY, "FA"): (0, whole)}, sc).unserved
    assert (said.code, said.proven) == ("vehicles_busy", False)
    assert (
        said.reason.startswith("the vehicles based at ") and "(heuristic: kept trips" in said.reason
    )
