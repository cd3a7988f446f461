"""The restricted LP (tiers._lp, README "Housing model"): the LP solved on a unit's nearest
options first, the rest priced with its duals and added back until none would improve it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresterie.housing import tiers
from foresterie.housing.tiers import _lp
from foresterie.scenario.model import PRIORITIES
from tests.helpers import farm, foresteria, matrix, scenario, worker
from tests.housing.test_greedy import PARTIAL, _models, seasons


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(case=seasons(), keep=st.integers(1, 2), seed=st.integers(0, 3))
def test_the_restricted_lp_ends_at_the_whole_lps_value_and_bound(case, keep, seed) -> None:  # type: ignore[no-untyped-def]
    """Started from each unit's `keep` nearest foresterie, or from a random half of the
    columns: the priced-back LP has the whole LP's value and safe bound. The LP of a random
    half alone (no pricing) holds the columns left out at 0, and its duals still give a valid
    bound: never above the whole LP's."""
    fs, ws, partial = case
    sc = scenario(fs, [farm("F1")], ws, housing=PARTIAL if partial else {})
    m = matrix({}, [f.id for f in sc.foresterie] + ["F1"])
    rng = np.random.default_rng(seed)
    mp = pytest.MonkeyPatch()
    mp.setattr(tiers, "RESTRICT_MIN_COLUMNS", 0)
    try:
        for mdl in _models(sc, m):
            for pr in PRIORITIES:
                c = -mdl.obj[f"housed_priority_{pr}"].astype(float)
                whole = mdl.p.lp(c)
                assert whole is not None
                half = rng.random(mdl.p.n) < 0.5
                for near in (mdl.nearest(m, keep), half):
                    got = _lp(mdl.p, c, near, [], None, float("inf")).lp
                    assert got is not None
                    assert abs(float(c @ got.x) - float(c @ whole.x)) < 1e-6
                    assert got.bound == whole.bound
                only = mdl.p.lp(c, columns=half)
                if only is not None:
                    assert only.bound <= whole.bound
                    assert np.all(only.x[~half & (np.asarray(mdl.p.lo) == 0)] == 0)
    finally:
        mp.undo()


def test_below_the_threshold_the_mask_is_not_read() -> None:
    """Below RESTRICT_MIN_COLUMNS (100,000: above every season whose tiers are all proven, so
    their LPs and plans are as before) _lp solves the whole LP, even with a mask that leaves
    every option out: the same answer as Program.lp."""
    fs = [foresteria("A", men=1), foresteria("B", men=2)]
    sc = scenario(fs, [farm("F1")], [worker(f"W{i}", priority=i % 2) for i in range(4)])
    (mdl,) = _models(sc, matrix({}, ["A", "B", "F1"]))
    c = -mdl.obj["housed_priority_0"].astype(float)
    whole = mdl.p.lp(c)
    got = _lp(mdl.p, c, np.zeros(mdl.p.n, dtype=bool), [], None, float("inf")).lp
    assert whole is not None and got is not None
    assert np.array_equal(got.x, whole.x) and got.bound == whole.bound == -2
