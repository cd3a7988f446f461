"""The OR-Tools engine's budget ends on a count, never on the clock: on instances where guided
local search finds too few distinct solutions ever to reach its solution limit (the order forced
by the windows), the failure limit ends it, with the same answer every time."""

from __future__ import annotations

import pytest

from foresterie.shuttles.engines import VehicleSpec, VRPInstance, VRPRoute
from foresterie.shuttles.engines.ortools_engine import FAILURES_PER_ITERATION, ORToolsEngine

# The whole clock of a solve here: thousands of times what the counts take (a fraction of a
# second). Without the failure limit the search on these instances runs until it.
HUGE_S = 600.0


def _instance(
    windows: list[tuple[int, int]], depot: tuple[int, int] = (0, 1000), service: int = 0
) -> VRPInstance:
    """A depot and two clients at (3, 4) and (-3, 4), times ten: 50 from the depot, 60 apart."""
    dist = [[0, 50, 50], [50, 0, 60], [50, 60, 0]]
    return VRPInstance(
        dist=dist,
        dur=dist,
        demand=[0, 1, 1],
        service=[0, service, service],
        tw_early=[depot[0], *(w[0] for w in windows)],
        tw_late=[depot[1], *(w[1] for w in windows)],
        vehicles=[VehicleSpec(capacity=10, num_available=1, fixed_cost=0, unit_distance_cost=1)],
    )


# name -> (instance, the only feasible order): as tests/shuttles/test_vrptw_small.py's cases
CASES = {
    # 2 must come before 1 although both are as near
    "tight_windows_force_order": (_instance([(300, 400), (50, 100)]), (2, 1)),
    # nothing leaves before 500: 1 is reached at 550 (by 600), 2 at 620 (by 700); not the other way
    "depot_opens_late": (_instance([(0, 600), (0, 700)], depot=(500, 1000), service=10), (1, 2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_stalled_search_ends_on_its_count_with_one_answer(case: str) -> None:
    inst, order = CASES[case]
    runs = [ORToolsEngine().solve(inst, seed=1, iterations=200, time_limit_s=HUGE_S) for _ in "ab"]
    assert runs[0] == runs[1]
    assert runs[0].feasible and runs[0].routes == (VRPRoute(0, order),)
    assert runs[0].cost == 160  # 50 + 60 + 50


def test_the_failure_limit_scales_with_the_budget() -> None:
    """Asked for more solutions, the stalled search is allowed more failures, and still ends:
    the answer is the same (there is one), whatever the budget."""
    inst, order = CASES["tight_windows_force_order"]
    answers = {
        it: ORToolsEngine().solve(inst, seed=1, iterations=it, time_limit_s=HUGE_S).routes
        for it in (1, 50, 400)
    }
    assert set(answers.values()) == {(VRPRoute(0, order),)}
    assert FAILURES_PER_ITERATION >= 10  # well above the 3-4 failures a solution costs
