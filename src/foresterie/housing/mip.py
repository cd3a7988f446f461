"""A small sparse integer program: HiGHS for its LP with a safe dual bound, SCIP for the search.

Why not pywraplp's expression API: at 20,000 workers, building about a million coefficients
through Python expression objects took longer than solving them. Here rows are integer arrays sent
to SCIP as one MPModelProto, and to HiGHS as column arrays. Every variable is integer and every coefficient an integer, so a
candidate solution is checked exactly (int64), and an objective is integral: an LP bound L proves
optimal any solution of value ceil(L).

The bound is the Neumaier-Shcherbina safe dual bound: for any row multipliers y,
    c'x = (c - A'y)'x + y'Ax >= sum_j min(d_j lo_j, d_j hi_j) + sum_i min(y_i lb_i, y_i ub_i),
valid whatever y is, so the LP solver's floating-point tolerances can weaken it but never make it
wrong.
The float evaluation of the sum is off by at most n * 2^-53 of the sum of absolute terms
(n < 10^7 terms); a margin of 1e-9 of that sum covers it with room to spare.

Why HiGHS for the LP, not GLOP (session 23, benchmarks/RESULTS.md): on the 20,000-worker season's
bed-nights tier GLOP's restricted-LP rounds took 3.5, 9.8, 12.3, 12.4 CPU s and never became exact
(each round priced back 40-70 columns under its degenerate duals); HiGHS's took 2.3 s for the
first (interior point), then, warm (the new columns added to the same model, primal simplex from
the last basis), 3.6, 0.2 and 0.1 s, and was exact after four. A pywraplp GLOP kept between rounds was slower than from
scratch (session 15). HiGHS runs one thread here and is deterministic: the same LP, the same
iterations, the same answer on any machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy
import numpy as np
from highspy._core import _Highs
from ortools.linear_solver import linear_solver_pb2 as pb
from ortools.linear_solver import pywraplp

INF = math.inf


@dataclass(frozen=True, kw_only=True)
class LpResult:
    x: np.ndarray  # float values
    bound: int  # ceil of the safe lower bound: no integer solution is below it
    lower: float  # the safe lower bound itself
    d: np.ndarray  # reduced costs c - A'y
    d_err: np.ndarray  # a bound on the float error of each d_j


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    x: np.ndarray | None  # integer values, exactly feasible; None: none found
    objective: int | None
    bound: int | None  # proven lower bound, when the search says one
    optimal: bool
    infeasible: bool = False  # proven: nothing satisfies the rows (with the cutoff, if any)


@dataclass(frozen=True)
class _Arrays:
    rid: np.ndarray  # row of each nonzero
    col: np.ndarray  # its column
    val: np.ndarray  # its coefficient
    lb: np.ndarray  # row sides (floats: may be infinite)
    ub: np.ndarray
    lo: np.ndarray  # column bounds
    hi: np.ndarray


@dataclass
class Program:
    """min c'x over integers lo <= x <= hi and rows lb <= a'x <= ub (integer coefficients)."""

    lo: list[int] = field(default_factory=list)
    hi: list[int] = field(default_factory=list)
    rows: list[tuple[np.ndarray, np.ndarray, float, float]] = field(default_factory=list)
    _cache: _Arrays | None = None

    def add_var(self, lo: int, hi: int) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        self._cache = None
        return len(self.lo) - 1

    def add_row(
        self,
        idx: list[int] | np.ndarray,
        coef: list[int] | np.ndarray,
        lb: float = -INF,
        ub: float = INF,
    ) -> None:
        i = np.asarray(idx, dtype=np.int64)
        c = np.asarray(coef, dtype=np.int64)
        keep = c != 0
        self.rows.append((i[keep], c[keep], float(lb), float(ub)))
        self._cache = None

    @property
    def n(self) -> int:
        return len(self.lo)

    @staticmethod
    def stack(programs: list[Program]) -> tuple[Program, list[int]]:
        """Independent programs side by side; returns it and each one's first column."""
        out = Program()
        offsets = []
        for q in programs:
            off = out.n
            offsets.append(off)
            out.lo += q.lo
            out.hi += q.hi
            out.rows += [(idx + off, coef, lb, ub) for idx, coef, lb, ub in q.rows]
        return out, offsets

    def _arrays(self) -> _Arrays:
        """The program as arrays, built once per shape (every check and bound reads them)."""
        if self._cache is None:
            sizes = [len(r[0]) for r in self.rows]
            empty = np.zeros(0, np.int64)
            self._cache = _Arrays(
                rid=np.repeat(np.arange(len(self.rows), dtype=np.int64), sizes),
                col=np.concatenate([r[0] for r in self.rows]) if self.rows else empty,
                val=np.concatenate([r[1] for r in self.rows]) if self.rows else empty,
                lb=np.array([r[2] for r in self.rows], dtype=float),
                ub=np.array([r[3] for r in self.rows], dtype=float),
                lo=np.asarray(self.lo, dtype=np.int64),
                hi=np.asarray(self.hi, dtype=np.int64),
            )
        return self._cache

    def activity(self, x: np.ndarray) -> np.ndarray:
        a = self._arrays()
        return _isum(a.rid, a.val * x[a.col], len(self.rows))

    def feasible(self, x: np.ndarray) -> bool:
        """Exact check of an integer vector against bounds and rows."""
        a = self._arrays()
        if len(x) != self.n or np.any(x < a.lo) or np.any(x > a.hi):
            return False
        act = self.activity(x)
        return bool(np.all(act >= a.lb) and np.all(act <= a.ub))

    def proto(
        self,
        c: np.ndarray,
        fixed: dict[int, int] | None = None,
        hint: np.ndarray | None = None,
        cutoff: int | None = None,
        floor: int | None = None,
    ) -> pb.MPModelProto:
        """The integer program as OR-Tools' model, for SCIP (the LP is HiGHS's: RestrictedLp)."""
        m = pb.MPModelProto()
        fixed = fixed or {}
        for j in range(self.n):
            lo, hi = (fixed[j], fixed[j]) if j in fixed else (self.lo[j], self.hi[j])
            m.variable.add(
                lower_bound=lo,
                upper_bound=hi,
                objective_coefficient=float(c[j]),
                is_integer=True,
            )
        for idx, coef, lb, ub in self.rows:
            r = m.constraint.add(lower_bound=lb, upper_bound=ub)
            r.var_index.extend(idx.tolist())
            r.coefficient.extend(coef.astype(float).tolist())
        if cutoff is not None:  # only solutions strictly better than the incumbent
            nz = np.flatnonzero(c)
            low = -INF if floor is None else float(floor)
            r = m.constraint.add(lower_bound=low, upper_bound=cutoff)
            r.var_index.extend(nz.tolist())
            r.coefficient.extend(c[nz].astype(float).tolist())
        if hint is not None:
            m.solution_hint.var_index.extend(range(self.n))
            m.solution_hint.var_value.extend(hint.astype(float).tolist())
        return m

    def lp(
        self,
        c: np.ndarray,
        fixed: dict[int, int] | None = None,
        iteration_limit: int | None = None,
        time_limit_s: float | None = None,
        columns: np.ndarray | None = None,
    ) -> LpResult | None:
        """The LP relaxation and a safe (rigorous) lower bound from its duals; None if HiGHS
        fails or stops at `iteration_limit` simplex iterations (its interior point at
        IPM_ITERATIONS: counts, so it stops at the same point on any machine), or at
        `time_limit_s` seconds (the wall-clock safety net only: where it stops depends on the
        machine).
        fixed: columns held at a value; the bound then speaks of the program with them held
        (its safe sum still reads every column's own bounds, so it stays valid, weaker, for the
        whole program).
        columns: a mask; the LP over those columns only, every other one held at 0 (columns
        whose lower bound is not 0, and those `fixed` holds at another value, are always in).
        Its duals still give a safe bound for the whole program (any multipliers do), exact
        once no column left out has a negative reduced cost (tiers._lp prices them and adds
        them back, in a RestrictedLp); with `fixed`, a bound of the program with them held."""
        lp = RestrictedLp(self, c, fixed=fixed, iteration_limit=iteration_limit)
        lp.add(np.ones(self.n, dtype=bool) if columns is None else columns)
        return lp.solve(time_limit_s)

    def _safe(self, c: np.ndarray, y: np.ndarray, x: np.ndarray) -> LpResult:
        a = self._arrays()
        lb, ub = a.lb, a.ub
        # A multiplier pointing at an infinite side is useless: drop it (any y is allowed).
        y = np.where(((y > 0) & np.isinf(lb)) | ((y < 0) & np.isinf(ub)), 0.0, y)
        prod = a.val * y[a.rid]
        d = c - np.bincount(a.col, weights=prod, minlength=self.n)
        size = np.abs(c) + np.bincount(a.col, weights=np.abs(prod), minlength=self.n)
        lo = a.lo.astype(float)
        hi = a.hi.astype(float)
        var_terms = np.where(d > 0, d * lo, d * hi)
        side = np.where(y > 0, lb, np.where(y < 0, ub, 0.0))
        row_terms = np.where(y != 0, y * side, 0.0)
        # d_j's float error is at most a tiny multiple of size_j, and it reaches the sum times
        # x_j's larger bound: weigh each column by its own width (an occupancy counter's bound
        # is a foresteria's beds, a class's its size).
        width = np.maximum(1.0, np.maximum(np.abs(lo), np.abs(hi)))
        margin = (
            1e-9 * (float(size @ width) + np.abs(row_terms).sum() + np.abs(var_terms).sum()) + 1e-6
        )
        lower = float(var_terms.sum() + row_terms.sum()) - margin
        return LpResult(x=x, bound=math.ceil(lower), lower=lower, d=d, d_err=1e-9 * size)

    def trivial_bound(self, c: np.ndarray) -> int:
        """The bound the columns' own bounds give (no row read): sum of min(c_j lo_j, c_j hi_j)."""
        a = self._arrays()
        return int(np.minimum(c * a.lo, c * a.hi).sum())

    def fix_for_good(self, fixed: dict[int, int]) -> None:
        """Columns no solution of the program can move: narrowed to their value from now on."""
        for j, v in fixed.items():
            self.lo[j] = self.hi[j] = v
        self._cache = None

    def fixings(self, lp: LpResult, incumbent: int) -> dict[int, int]:
        """Reduced-cost fixing: moving x_j one step off the bound the LP keeps it at raises the
        safe bound by |d_j|; where that passes incumbent - 1, no strictly better solution moves
        x_j, so it is fixed. Exact for the question 'is there anything better than incumbent?'."""
        a = self._arrays()
        gain = np.abs(lp.d) - lp.d_err
        beyond = lp.lower + gain > incumbent - 1 + 1e-6
        at_lo = beyond & (lp.d > 0)
        at_hi = beyond & (lp.d < 0)
        out = {int(j): int(a.lo[j]) for j in np.flatnonzero(at_lo)}
        out.update({int(j): int(a.hi[j]) for j in np.flatnonzero(at_hi)})
        return out

    def search(
        self,
        c: np.ndarray,
        *,
        node_limit: int,
        seed: int,
        time_limit_s: float,
        hint: np.ndarray | None = None,
        fixed: dict[int, int] | None = None,
        cutoff: int | None = None,
        floor: int | None = None,
        quick: bool = False,
        stall_nodes: int | None = None,
    ) -> SearchResult:
        """SCIP, one thread, seeded, node-limited (the deterministic budget), gap 0. floor: a
        proven lower bound on
        c'x, added to the cutoff row (it removes nothing, and lets SCIP stop as soon as it finds a
        solution there). stall_nodes: SCIP's limits/stallnodes, a stop after that many nodes
        without a better solution (a count too: the same node on any machine)."""
        params = (
            f"limits/nodes = {node_limit}\nlimits/gap = 0\nmisc/catchctrlc = FALSE\n"
            f"randomization/randomseedshift = {seed % 2**31}\n"
        )
        if stall_nodes is not None:
            params += f"limits/stallnodes = {stall_nodes}\n"
        if quick:
            # A neighbourhood search for a solution at a known bound: skip the presolve rounds
            # and root cuts that only strengthen a proof (about a third of its time at 20,000).
            params += "presolving/maxrounds = 1\nseparating/maxroundsroot = 0\n"
        model = self.proto(c, fixed=fixed, hint=hint, cutoff=cutoff, floor=floor)
        req = pb.MPModelRequest(
            model=model,
            solver_type=pb.MPModelRequest.SCIP_MIXED_INTEGER_PROGRAMMING,
            solver_specific_parameters=params,
            solver_time_limit_seconds=max(1.0, time_limit_s),
        )
        res = pb.MPSolutionResponse()
        pywraplp.Solver.SolveWithProto(req, res)
        if res.status == pb.MPSOLVER_INFEASIBLE:
            return SearchResult(x=None, objective=None, bound=None, optimal=False, infeasible=True)
        if res.status not in (pb.MPSOLVER_OPTIMAL, pb.MPSOLVER_FEASIBLE):
            return SearchResult(x=None, objective=None, bound=None, optimal=False)
        x = np.rint(np.array(res.variable_value)).astype(np.int64)
        if not self.feasible(x):
            return SearchResult(x=None, objective=None, bound=None, optimal=False)
        value = int(np.dot(c.astype(np.int64), x))
        if cutoff is not None and value > cutoff:
            # SCIP's feasibility tolerance is relative: on a cutoff row of 10^8 seconds it lets
            # through a solution a few units too dear. Still a solution, but it proves nothing.
            return SearchResult(x=x, objective=value, bound=None, optimal=False)
        optimal = res.status == pb.MPSOLVER_OPTIMAL
        bound = value if optimal else math.ceil(res.best_objective_bound - 1e-6)
        return SearchResult(x=x, objective=value, bound=bound, optimal=optimal)


# The interior point's iterations in one solve (RestrictedLp): a count, far above the tens it
# takes on the tiers' LPs.
IPM_ITERATIONS = 500


class RestrictedLp:
    """One LP of a Program over a growing set of its columns, kept in one HiGHS model between
    solves (column generation: tiers._lp's rounds). Columns not added are held at 0, which must
    be their lower bound (`add` adds every other one with the first mask). The first solve is
    HiGHS's interior point with crossover (to a basis), robust on the
    tiers' degenerate LPs where the dual simplex is not (20,000 workers, session 23: the peak
    tier's first round 7.8 CPU s against 224, the transfers tier's 2.4 against 37; at worst
    twice the simplex's on the others, 2.3 against 1.1 for bed-nights); a later one, after
    columns were added, starts the primal simplex from the last basis, which the new columns
    (at 0) leave feasible: a tail round that adds a handful of columns costs a few hundred
    iterations, not a solve from scratch."""

    def __init__(
        self,
        p: Program,
        c: np.ndarray,
        *,
        fixed: dict[int, int] | None = None,
        iteration_limit: int | None = None,
    ) -> None:
        self.p = p
        self.c = np.asarray(c, dtype=float)
        fixed = fixed or {}
        # the columns `fixed` holds, and at what
        self._held = np.fromiter(fixed, dtype=np.int64, count=len(fixed))
        self._at = np.fromiter(fixed.values(), dtype=np.int64, count=len(fixed))
        a = p._arrays()
        self._in = np.zeros(p.n, dtype=bool)
        self._order = np.zeros(0, dtype=np.int64)  # HiGHS's column k is p's column _order[k]
        self._solves = 0
        h = _Highs()  # the plain binding: highspy.Highs adds callbacks and prints a banner
        for name, value in (
            ("output_flag", False),
            ("threads", 1),
            ("random_seed", 0),
            ("solver", "ipm"),
        ):
            h.setOptionValue(name, value)
        # The interior point's own count: it converges in tens of iterations on the tiers' LPs
        # (41 on the 20,000-worker season's peak tier), so a count of rows' size would never
        # stop it; its crossover's iterations are the simplex's.
        h.setOptionValue("ipm_iteration_limit", IPM_ITERATIONS)
        if iteration_limit is not None:
            h.setOptionValue("simplex_iteration_limit", int(iteration_limit))
            h.setOptionValue("ipm_iteration_limit", min(IPM_ITERATIONS, int(iteration_limit)))
        m = len(p.rows)
        status = h.addRows(
            m, a.lb, a.ub, 0, np.zeros(m, np.int32), np.zeros(0, np.int32), np.zeros(0)
        )
        self._broken = status == highspy.HighsStatus.kError  # HiGHS refused the model: no answer
        self._h = h

    def add(self, columns: np.ndarray) -> None:
        """Add the columns of the mask not in yet (the first call also those whose lower bound
        is not 0, or that `fixed` holds at another value)."""
        a = self.p._arrays()
        new = np.asarray(columns, dtype=bool) & ~self._in
        if not self._order.size:
            new |= a.lo != 0
            new[self._held[self._at != 0]] = True
        js = np.flatnonzero(new)
        if not len(js):
            return
        lo = a.lo[js].astype(float)
        hi = a.hi[js].astype(float)
        at = np.searchsorted(js, self._held)  # where each held column is among js, if it is
        found = at < len(js)
        found[found] = js[at[found]] == self._held[found]
        lo[at[found]] = hi[at[found]] = self._at[found]
        on = new[a.col]
        col, rid, val = a.col[on], a.rid[on], a.val[on].astype(float)
        order = np.argsort(col, kind="stable")  # by column, each column's rows in order
        counts = np.bincount(col, minlength=self.p.n)[js]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        status = self._h.addCols(
            len(js),
            self.c[js],
            lo,
            hi,
            len(val),
            starts,
            rid[order].astype(np.int32),
            val[order],
        )
        self._broken |= status == highspy.HighsStatus.kError  # (its columns would be misread)
        self._in |= new
        self._order = np.concatenate([self._order, js])

    def solve(self, time_limit_s: float | None = None) -> LpResult | None:
        """The LP over the columns added so far, as Program.lp answers (x over every column of
        the program, 0 off the mask), or None if it did not reach an optimum."""
        h = self._h
        if self._solves:
            h.setOptionValue("solver", "simplex")
            h.setOptionValue("simplex_strategy", 4)  # primal, from the last basis
        # HiGHS's clock runs on over every solve of a kept model: the limit is that clock's
        # reading plus the time left (review 23: a later round was stopped after 4 ms).
        h.setOptionValue(
            "time_limit",
            INF
            if time_limit_s is None or time_limit_s == INF
            else h.getRunTime() + max(0.0, time_limit_s),
        )
        self._solves += 1
        if self._broken:
            return None
        if not len(self._order):  # no column in: every row's activity is 0 (HiGHS: "empty")
            a = self.p._arrays()
            if np.any(a.lb > 0) or np.any(a.ub < 0):
                return None
            return self.p._safe(self.c, np.zeros(len(self.p.rows)), np.zeros(self.p.n))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()
        x = np.zeros(self.p.n)
        x[self._order] = np.asarray(sol.col_value)
        return self.p._safe(self.c, np.asarray(sol.row_dual, dtype=float), x)


def _isum(rid: np.ndarray, terms: np.ndarray, m: int) -> np.ndarray:
    """Exact integer row sums (np.bincount would go through float64); rid is sorted."""
    ends = np.searchsorted(rid, np.arange(m), side="right")
    cs = np.concatenate([[0], np.cumsum(terms, dtype=np.int64)])
    starts = np.concatenate([[0], ends[:-1]])
    return cs[ends] - cs[starts]
