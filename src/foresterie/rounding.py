"""A primal heuristic for the housing MIP: solve the LP, round down, repair, fill greedily.

The housing LP bound is tight (SCIP logs show the root bound equal to the optimum); what costs
time is finding an integer solution that reaches it. Rounding the LP solution down keeps every
capacity row satisfied; a repair pass restores the rows with lower bounds (the fixed earlier
tiers) and the peak rows, and a fill pass adds people while capacity lasts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from ortools.linear_solver import linear_solver_pb2, pywraplp

EPS = 1e-6


@dataclass(frozen=True)
class Rounded:
    values: list[int] | None  # one per model variable, in the model's order; None: repair failed
    objective: int | None
    lp_objective: float
    lp_values: list[float]


def round_lp(solver: pywraplp.Solver) -> Rounded | None:
    """None when the LP fails; values None when the repair gets stuck."""
    proto = linear_solver_pb2.MPModelProto()
    solver.ExportModelToProto(proto)
    for v in proto.variable:
        v.is_integer = False
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None or lp.LoadModelFromProto(proto) != "" or lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    n = len(proto.variable)
    lo = [math.ceil(v.lower_bound - EPS) for v in proto.variable]
    hi = [
        math.floor(v.upper_bound + EPS) if v.upper_bound < 1e30 else 10**9 for v in proto.variable
    ]
    lp_values = [v.solution_value() for v in lp.variables()]
    lp_obj = lp.Objective().Value()
    failed = Rounded(None, None, lp_obj, lp_values)
    x = [max(lo[i], math.floor(v + EPS)) for i, v in enumerate(lp_values)]
    rows = [(list(c.var_index), list(c.coefficient), c.lower_bound, c.upper_bound)
            for c in proto.constraint]  # fmt: skip
    of_var: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r, (idx, coef, _, _) in enumerate(rows):
        for i, c in zip(idx, coef, strict=True):
            of_var[i].append((r, c))
    act = [sum(c * x[i] for i, c in zip(idx, coef, strict=True)) for idx, coef, _, _ in rows]
    obj = [v.objective_coefficient for v in proto.variable]
    sign = 1.0 if proto.maximize else -1.0
    prefer = sorted(range(n), key=lambda i: (-sign * obj[i], i))  # best objective first

    def can_add(i: int) -> bool:
        if x[i] + 1 > hi[i]:
            return False
        return all(act[r] + c <= rows[r][3] + EPS for r, c in of_var[i])

    def add(i: int) -> None:
        x[i] += 1
        for r, c in of_var[i]:
            act[r] += c

    rank = {i: k for k, i in enumerate(prefer)}
    for r in range(len(rows)):  # repair: lower bounds (earlier tiers), upper bounds via negatives
        idx, coef, lb, ub = rows[r]
        while act[r] < lb - EPS or act[r] > ub + EPS:
            need_up = act[r] < lb - EPS
            cands = sorted((i for i, c in zip(idx, coef, strict=True) if (c > 0) == need_up),
                           key=lambda i: rank[i])  # fmt: skip
            pick = next((i for i in cands if _can_add_for(i, r, x, hi, act, rows, of_var)), None)
            if pick is None:
                return failed
            add(pick)
    for i in prefer:  # fill: more of whatever the objective likes, while every row allows
        if sign * obj[i] <= 0:
            break
        while can_add(i):
            add(i)
    if any(a < lb - EPS or a > ub + EPS for a, (_, _, lb, ub) in zip(act, rows, strict=True)):
        return failed
    value = sum(o * v for o, v in zip(obj, x, strict=True)) + proto.objective_offset
    return Rounded(x, round(value), lp_obj, lp_values)


def _can_add_for(
    i: int, row: int, x: list[int], hi: list[int], act: list[float], rows: list, of_var: dict
) -> bool:  # type: ignore[type-arg]
    """Adding one to x[i] keeps every other row within its upper bound (or moves it closer)."""
    if x[i] + 1 > hi[i]:
        return False
    for r, c in of_var[i]:
        if r == row:
            continue
        if c > 0 and act[r] + c > rows[r][3] + EPS:
            return False
        if c < 0 and act[r] + c < rows[r][2] - EPS:
            return False
    return True
