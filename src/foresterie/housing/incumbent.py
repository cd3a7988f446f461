"""A spare plan for a tier the searches may not close: families held, single workers by the LP.

Why: on the 20,000-worker season with 67 foresterie, the bed-nights tier of the men's and
women's block (163,159 columns) has an LP that splits 109 families over 233 columns, and no
search closes the gap to its bound within the 900 s safety net: the tier ends `budget` with the
plan it started from, the priority-0 plan (587,747 bed-nights against a bound of 644,851, 8.9 %).
But with every family held at a place, what is left is single workers, whose LP is integral
there or nearly so. Two holdings, each one LP:

1. every family the LP houses whole where the LP puts it, every family it splits where the
   previous tier's plan has it: 644,175 bed-nights there, 676 below the bound (0.1 %);
2. every family where the previous tier's plan has it (always feasible: that plan is one
   solution): 634,726 (1.6 %), the fallback when holding 1 leaves the LP infeasible.

Where the LP over the single workers is fractional, a search among its own columns (every
option it leaves empty closed, except those of a class it splits) makes the plan whole.

The plan is a *spare*: `tiers._tier` offers it only after its own searches, so it never changes
a tier they prove (a proven optimum is never beaten), and a budget stop returns it instead of a
worse plan. It proves nothing by itself unless it reaches the bound.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from foresterie.housing.mip import LpResult, Program, SearchResult


def families_held(
    p: Program,
    c: np.ndarray,
    lp: LpResult,
    groups: np.ndarray,
    unit_of: np.ndarray,
    previous: np.ndarray,
    search: Callable[..., SearchResult],
    columns: np.ndarray | None = None,
) -> np.ndarray | None:
    """The spare plan (module doc), exactly feasible, or None. lp: the tier's LP; groups: the
    families' columns; unit_of: the unit of each column (-1: counters); previous: a feasible
    plan of the program (the previous tier's); search(fixed, cutoff, step, quick): SCIP on p;
    columns: a restricted LP's columns (tiers._LpAnswer.columns), over which the LPs with the
    families held are asked too (on the 50,000-worker season, 1.2 million columns, the whole
    program's took 316 s for nothing), the previous plan's support added (so holding 2 stays
    feasible); None: every column."""
    if not groups.size:
        return None
    gx = lp.x[groups]
    frac = np.abs(gx - np.rint(gx)) > 1e-6
    holdings = []
    if frac.any():
        split = np.zeros(int(unit_of.max(initial=-1)) + 1, dtype=bool)
        split[unit_of[groups[frac]]] = True
        holdings.append(
            {
                int(j): int(previous[j]) if split[unit_of[j]] else round(float(lp.x[j]))
                for j in groups
            }
        )
    holdings.append({int(j): int(previous[j]) for j in groups})
    if columns is not None:
        columns = columns | (previous[: len(columns)] != 0)
    for held in holdings:
        x = _singles(p, c, held, unit_of, search, columns)
        if x is not None:
            return x
    return None


def _singles(
    p: Program,
    c: np.ndarray,
    held: dict[int, int],
    unit_of: np.ndarray,
    search: Callable[..., SearchResult],
    columns: np.ndarray | None,
) -> np.ndarray | None:
    """The best plan with these columns held, by the LP when it is integral, else by a search
    among the LP's columns; None if the LP is infeasible or the search finds nothing."""
    again = p.lp(c.astype(float), fixed=held, columns=columns)
    if again is None:
        return None
    x = np.rint(again.x).astype(np.int64)
    if np.all(np.abs(again.x - x) <= 1e-6) and p.feasible(x):
        return x
    n = len(unit_of)
    y = again.x[:n]
    frac = (np.abs(y - np.rint(y)) > 1e-6) & (unit_of >= 0)
    split = np.zeros(int(unit_of.max(initial=-1)) + 1, dtype=bool)
    split[unit_of[frac]] = True
    lo = np.asarray(p.lo[:n])
    hi = np.asarray(p.hi[:n])
    shut = (unit_of >= 0) & (np.abs(y) < 1e-6) & (lo == 0) & (hi > 0)
    shut &= ~split[np.maximum(unit_of, 0)]
    fixed = {**{int(j): 0 for j in np.flatnonzero(shut)}, **held}
    return search(fixed, cutoff=None, step="families held", quick=True).x
