"""Who sleeps where: a lexicographic integer program, assigning housing units to foresterie.

Tiers, each solved to proven optimality (or budget) and then fixed as a constraint (README,
"Housing model"; a column is a unit and an option: one foresteria, or two with a transfer):
  1. house the most priority-3 people, then priority 2, 1, 0;
  1b. (re-planning only) keep the most people at their previous foresteria;
  1c. (partial stays) most bed-nights; 1d. (transfers) fewest transfers;
  2. minimise commute = sum over housed workers of one-way seconds to their farm x workdays housed;
  3. minimise peak occupancy = max over foresteria f, night n of ceil(1000 * used(f,n) / beds(f)).

Speed comes from structure, not from a faster search:
- districts: units that share no eligible foresteria are independent;
- blocks: within a district, men's, women's and family beds are separate resources, so tiers 1-2
  (sums) decompose exactly by section; only accessible beds (when they can bind) and the peak
  tier (a maximum over all sections) tie sections together, and then they stay in one block;
- proof by LP: each tier first solves the LP. Its safe dual bound (mip.py) proves an integer
  solution optimal when one reaches it: the previous tier's solution, the rounded LP, a small
  search among the LP's own columns (_support), or one with every group the LP placed integrally
  fixed. SCIP searches the whole block only when none reaches the bound.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Literal

import numpy as np

from foresterie.core.procs import Forked, WorkerDied, worker_pool
from foresterie.housing.greedy import complete
from foresterie.housing.greedy import fill_counters as _fill
from foresterie.housing.incumbent import families_held
from foresterie.housing.mip import LpResult, Program, RestrictedLp, SearchResult
from foresterie.housing.moves import improve
from foresterie.housing.units import (
    History,
    Option,
    Unit,
    build_units,
    commute_cost,
    farms_by_id,
    lottery_draws,
    reachable,
    spans,
    stay_rule,
    unit_options,
)
from foresterie.housing.waitlist import WaitlistEntry, diagnose_pinned, explain_waitlist
from foresterie.scenario.model import (
    PRIORITIES,
    SECTIONS,
    Assignment,
    Foresteria,
    Scenario,
    Section,
    Worker,
)
from foresterie.travel.matrix import TravelMatrix

log = logging.getLogger(__name__)

# How a tier's optimality was shown, strongest first (README, "Housing model").
Proof = Literal["lp_bound", "reduced_cost_search", "search", "budget"]
PROOFS_STRONGEST_FIRST: tuple[Proof, ...] = ("lp_bound", "reduced_cost_search", "search", "budget")


@dataclass(frozen=True, kw_only=True)
class TierResult:
    name: str
    sense: Literal["max", "min"]
    objective: int
    bound: int
    optimal: bool
    seconds: float
    # How optimality was shown: lp_bound (a solution reached the LP's safe bound),
    # reduced_cost_search (SCIP found nothing better with reduced-cost fixing), search (SCIP on
    # the whole block), budget (not shown: the node, LP iteration or time budget ran out).
    proof: Proof = "lp_bound"
    searches: int = 0  # SCIP searches asked (not written to plan files: a measure of work)
    # The wall-clock safety net (solver.wall_clock_limit_s) had struck when the tier's LP and
    # searches ended: what it returns may depend on the machine's speed and load, not only on
    # the deterministic budgets (README "Housing model", "Budgets"). In the run's manifest.
    net_struck: bool = False
    # A count (the restricted LP's iterations or tail rounds, the peak's LP iterations) stopped
    # the tier's LP before it was exact: its bound is the last round's (or the columns' own),
    # weaker than the LP's (README "Housing model", "Budgets"). Deterministic, unlike net_struck.
    lp_stopped: bool = False

    @property
    def gap(self) -> float:
        if self.objective == self.bound:
            return 0.0
        return abs(self.bound - self.objective) / max(1, abs(self.objective))


@dataclass(kw_only=True)
class HousingPlan:
    assignments: list[Assignment]
    waitlist: list[WaitlistEntry]
    tiers: list[TierResult]
    districts: int  # independent groups of units and foresterie (no shared resource)
    units: int
    moved: int | None = None  # re-planning: people not where the previous run put them
    lottery: dict[str, str] | None = None  # worker -> ticket of the seeded draw, when drawn
    blocks: int = 0  # districts split by section where no row ties the sections together
    # re-planning: the date and each foresteria's open_from..open_to as the previous run read
    # them, which the words of the nights without a bed before the date tell (waitlist.py)
    past_opens: tuple[date, dict[str, tuple[date, date]]] | None = None
    # re-planning: inputs/restarts.csv's rows (housing/replan.py restart_rows), none if empty
    restarted: list[list[str]] | None = None

    @property
    def net_struck(self) -> list[str]:
        """The tiers in which the wall-clock safety net struck (TierResult.net_struck)."""
        return [t.name for t in self.tiers if t.net_struck]

    @property
    def lp_stopped(self) -> list[str]:
        """The tiers whose LP a count stopped before it was exact (TierResult.lp_stopped)."""
        return [t.name for t in self.tiers if t.lp_stopped]


@dataclass(kw_only=True)
class _Component:
    units: list[Unit]
    foresterie: list[Foresteria]
    elig: dict[int, list[int]]  # unit index -> foresteria indices of its options (within component)
    opts: dict[int, list[Option]]  # unit index -> its options (units.unit_options)


def _components(
    units: list[Unit],
    fs: list[Foresteria],
    ok: dict[int, list[int]],
    resource: Callable[[int, int], object],
    opts: dict[int, list[Option]],
    links: Sequence[tuple[object, object]] = (),
) -> list[_Component]:
    """Connected components of units through the resources they could use (union-find).

    resource(ui, fi) names the beds unit ui would take at foresteria fi: the foresteria itself for
    districts, (foresteria, section) for blocks; links join resources that share a row.
    """
    parent: dict[object, object] = {}

    def find(a: object) -> object:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: object, b: object) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    for a, b in links:
        union(a, b)
    for ui, fl in ok.items():
        for fi in fl[1:]:
            union(resource(ui, fl[0]), resource(ui, fi))
    by_root: dict[object, list[int]] = defaultdict(list)
    for ui, fl in sorted(ok.items()):
        if fl:
            by_root[find(resource(ui, fl[0]))].append(ui)
    comps = []
    for uis in sorted(by_root.values()):
        f_idx = sorted({j for ui in uis for j in ok[ui]})
        local = {j: k for k, j in enumerate(f_idx)}
        cu = [units[ui] for ui in uis]
        elig = {k: [local[j] for j in ok[ui]] for k, ui in enumerate(uis)}
        op = {k: opts[ui] for k, ui in enumerate(uis)}
        comps.append(_Component(units=cu, foresterie=[fs[j] for j in f_idx], elig=elig, opts=op))
    return comps


def _accessible_binding(comp: _Component) -> set[str]:
    """Foresterie whose accessible-bed row can bind: everyone who could be there and needs an
    accessible bed, on some night, outnumbers the accessible beds. Elsewhere the row is redundant
    and is left out, which lets the sections split into separate blocks."""
    out = set()
    for fi, f in enumerate(comp.foresterie):
        demand: dict[date, int] = defaultdict(int)
        for ui, u in enumerate(comp.units):
            if fi in comp.elig[ui] and u.accessible_need:
                copies = u.copies
                for d, (_, a) in u.usage().items():
                    demand[d] += a * copies
        if max(demand.values(), default=0) > f.beds_accessible:
            out.add(f.id)
    return out


def _blocks(comp: _Component, acc_binding: set[str], joint: bool) -> list[_Component]:
    """Split a district by section where no row ties sections together (see the module doc)."""
    if joint:
        return [comp]
    links = []
    for fi, f in enumerate(comp.foresterie):
        if f.id in acc_binding:
            secs = sorted(
                {
                    u.section.value
                    for ui, u in enumerate(comp.units)
                    if fi in comp.elig[ui] and u.accessible_need
                }
            )
            links += [((f.id, secs[0]), (f.id, s)) for s in secs[1:]]
    return _components(
        comp.units,
        comp.foresterie,
        comp.elig,
        lambda ui, fi: (comp.foresterie[fi].id, comp.units[ui].section.value),
        comp.opts,
        links,
    )


class _Model:
    """One block's program: a count per (unit, option), bed rows, tier objectives."""

    def __init__(
        self,
        comp: _Component,
        scenario: Scenario,
        matrix: TravelMatrix,
        acc_binding: set[str],
        with_commute: bool = True,
        present: frozenset[str] = frozenset(),
    ):
        self.comp = comp
        self.near: np.ndarray | None = None  # _near's answer, once asked
        p = self.p = Program()
        farms = farms_by_id(scenario)
        self.x: dict[tuple[int, int], int] = {}  # (unit, option) -> column
        self.cols: list[tuple[Unit, Option]] = []
        # One row per person of one copy and foresteria of an option: the beds a column uses.
        self.uses: list[_Use] = []
        terms: dict[str, list[tuple[int, int]]] = defaultdict(list)
        # The nights of a stay under an option, and a copy's commute under it, recur for many
        # units (set-up at 20,000 workers): each is worked out once per model, keyed by the
        # foresterie's identities (comp holds them while the model is built).
        nights_of: dict[tuple[object, ...], tuple[tuple[str, int, int], ...]] = {}
        commutes: dict[tuple[object, ...], int] = {}
        for ui, u in enumerate(comp.units):
            ub = u.copies
            people = u.one_copy
            per_copy: dict[int, int] = defaultdict(int)
            contract: dict[int, int] = defaultdict(int)
            in_region: dict[int, int] = defaultdict(int)  # an intake's people in the region
            for w in people:
                per_copy[w.priority] += 1
                contract[w.priority] += int(w.contract)
                in_region[w.priority] += int(w.id in present)
            housed = [
                (
                    terms[f"housed_priority_{pr}"],
                    c,
                    terms[f"housed_priority_{pr}_contract"],
                    contract[pr],
                    terms[f"housed_priority_{pr}_present"],
                    in_region[pr],
                )
                for pr, c in per_copy.items()
            ]
            stays = [(w.arrival, w.departure) for w in people]
            riders = tuple((w.work_farm, w.arrival, w.departure) for w in people)
            cols = []
            for k, opt in enumerate(comp.opts[ui]):
                j = p.add_var(0, ub)
                self.x[ui, k] = j
                self.cols.append((u, opt))
                cols.append(j)
                for term, c, term_contract, c_contract, term_here, c_here in housed:
                    term.append((j, c))
                    term_contract.append((j, c_contract))
                    if c_here:
                        term_here.append((j, c_here))
                ids = tuple(map(id, opt))
                if u.previous == opt[0].id:
                    terms["kept_in_place"].append((j, len(people)))
                nights = moved = 0
                for w, (arrival, departure) in zip(people, stays, strict=True):
                    stay = (arrival, departure, ids)
                    got = nights_of.get(stay)
                    if got is None:
                        got = nights_of[stay] = tuple(
                            (sp.foresteria_id, sp.start.toordinal(), sp.end.toordinal())
                            for sp in spans(w, opt)
                            if sp.nights
                        )
                    moved += len(got) > 1  # sleeps at both (a group's member may at one only)
                    for fid, first, end in got:
                        nights += end - first
                        self.uses.append(
                            _Use(
                                col=j,
                                foresteria_id=fid,
                                section=u.section,
                                first=first,
                                end=end,
                                accessible=int(w.accessible),
                            )
                        )
                terms["bed_nights"].append((j, nights))
                if moved:  # the people who sleep at both (a group's member may at one only)
                    terms["transfers"].append((j, moved))
                if with_commute:
                    # commute_cost reads each person's work farm and stay only
                    key = (riders, ids)
                    cost = commutes.get(key)
                    if cost is None:
                        cost = commutes[key] = commute_cost(u, opt, matrix, farms)
                    terms["commute_s"].append((j, cost))
            p.add_row(cols, [1] * len(cols), lb=ub if u.pinned is not None else -math.inf, ub=ub)
        # Occupancy counters (after the columns): one chain per foresteria and section (and
        # accessible beds where they can bind), see _night_rows.
        self.chains: list[_Chain] = []
        by_f: dict[str, list[_Use]] = defaultdict(list)  # each foresteria's uses, in order
        for e in self.uses:
            by_f[e.foresteria_id].append(e)
        for f in comp.foresterie:
            here = by_f[f.id]
            for s in SECTIONS:
                _night_rows(p, [u for u in here if u.section == s], 0, f.beds(s), self.chains)
            if f.id in acc_binding:
                _night_rows(p, [u for u in here if u.accessible], 1, f.beds_accessible, self.chains)
        names = [f"housed_priority_{pr}" for pr in PRIORITIES]
        names += [f"housed_priority_{pr}_contract" for pr in PRIORITIES]
        names += [f"housed_priority_{pr}_present" for pr in PRIORITIES]
        names += ["kept_in_place", "bed_nights", "transfers", "commute_s"]
        self.obj = {name: _vector(p.n, terms[name]) for name in names}

    def nearest(self, matrix: TravelMatrix, k: int) -> np.ndarray:
        """Per column, whether every foresteria of its option is among its unit's k nearest
        (by the worst one-way seconds to the members' work farms, then id): the restricted LP's
        first columns (_lp). Counters and later columns: True."""
        out = np.ones(self.p.n, dtype=bool)
        for ui, u in enumerate(self.comp.units):
            farms = sorted({w.work_farm for w in u.members if w.work_farm})
            fids = sorted({f.id for o in self.comp.opts[ui] for f in o})
            worst = {f: max((matrix.secs(f, fm) for fm in farms), default=0) for f in fids}
            near = set(sorted(fids, key=lambda f: (worst[f], f))[:k])
            for j, opt in enumerate(self.comp.opts[ui]):
                out[self.x[ui, j]] = all(f.id in near for f in opt)
        return out

    def vector(self, values: dict[tuple[int, int], int]) -> np.ndarray:
        """The program's vector for these column counts, the occupancy counters filled in."""
        x = np.zeros(self.p.n, dtype=np.int64)
        for k, v in values.items():
            x[self.x[k]] = v
        _fill(x, self.chains)
        return x

    def values(self, x: np.ndarray) -> dict[tuple[int, int], int]:
        return {k: int(x[j]) for k, j in self.x.items() if x[j]}

    def group_cols(self) -> np.ndarray:
        return np.array([j for j, (u, _) in enumerate(self.cols) if u.is_group], dtype=np.int64)

    def unit_of(self) -> np.ndarray:
        """The unit of each column of the units' options; -1 for the counters after them."""
        out = np.full(self.p.n, -1, dtype=np.int64)
        for (ui, _), j in self.x.items():
            out[j] = ui
        return out

    def fix(self, name: str, sense: str, value: int) -> None:
        """obj >= value (max) or <= value (min); add_row drops the zero coefficients."""
        cols = np.arange(self.p.n)
        if sense == "max":
            self.p.add_row(cols, self.obj[name], lb=value)
        else:
            self.p.add_row(cols, self.obj[name], ub=value)


def _vector(n: int, terms: list[tuple[int, int]]) -> np.ndarray:
    v = np.zeros(n, dtype=np.int64)
    for j, c in terms:
        v[j] += c
    return v


@dataclass(frozen=True, kw_only=True, slots=True)
class _Use:
    """One person of one copy of a column sleeping at one foresteria, nights first..end-1 (day
    ordinals)."""

    col: int
    foresteria_id: str
    section: Section
    first: int
    end: int
    accessible: int


def _stays(entries: list[_Use]) -> tuple[np.ndarray, ...]:
    """The uses as arrays (column, first night, end, accessible), so a night's users are found
    with array comparisons."""
    rows = [(e.col, e.first, e.end, e.accessible) for e in entries]
    arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def _night_terms(
    stays: tuple[np.ndarray, ...], night: int, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Columns using a bed on that night and how many beds each copy uses."""
    col, first, dep, _ = stays
    on = (first <= night) & (night < dep) & (weight != 0)
    cols, inverse = np.unique(col[on], return_inverse=True)
    return cols, np.bincount(inverse, weights=weight[on]).astype(np.int64)


@dataclass(frozen=True, kw_only=True)
class _Chain:
    """Occupancy counters o_0..o_{m-1} of one resource on its row nights N_0 < ... < N_{m-1}:
    a use with weight w of column `col` adds w * x_col to o_k for start <= k < stop."""

    first_var: int  # o_k is column first_var + k
    first_row: int  # the row defining o_k is row first_row + k
    m: int
    col: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    weight: np.ndarray


def _chain(
    p: Program, stays: tuple[np.ndarray, ...], weight: np.ndarray, cap: int, nights: np.ndarray
) -> _Chain:
    """Occupancy on the given nights (sorted, each the first night of some use) as a chain of
    counters 0 <= o_k <= cap with o_k = o_{k-1} + (uses starting) - (uses ending): the same
    integer and LP feasible set as a row "sum of the uses covering N_k <= cap" per night, but
    each use appears in two rows instead of one per night it covers (about 20 times fewer
    nonzeros at 20,000 workers; GLOP and SCIP both work on the sparser rows)."""
    col, first, end, _ = stays
    keep = weight != 0
    col, first, end, w = col[keep], first[keep], end[keep], weight[keep]
    m = len(nights)
    start = np.searchsorted(nights, first)  # N_start == first
    stop = np.searchsorted(nights, end)  # first row night the use no longer covers (m: none)
    base, first_row = p.n, len(p.rows)
    for _ in range(m):
        p.add_var(0, cap)
    # Row k: sum(w x: start == k) - sum(w x: stop == k) - o_k + o_{k-1} == 0.
    rows = np.concatenate([start, stop])
    cols = np.concatenate([col, col])
    coef = np.concatenate([w, -w])
    live = rows < m
    rows, cols, coef = rows[live], cols[live], coef[live]
    key = rows * (base + 1) + cols
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=coef).astype(np.int64)
    u_rows, u_cols = uniq // (base + 1), uniq % (base + 1)
    bounds = np.searchsorted(u_rows, np.arange(m + 1))
    for k in range(m):
        a, b = bounds[k], bounds[k + 1]
        idx = [*u_cols[a:b].tolist(), base + k]
        val = [*summed[a:b].tolist(), -1]
        if k:
            idx.append(base + k - 1)
            val.append(1)
        p.add_row(idx, val, lb=0, ub=0)
    return _Chain(
        first_var=base, first_row=first_row, m=m, col=col, start=start, stop=stop, weight=w
    )


def _night_rows(p: Program, entries: list[_Use], k: int, cap: int, chains: list[_Chain]) -> None:
    """Beds on every night someone arrives (occupancy only rises then): occupancy <= cap, as an
    occupancy chain (_chain). k = 0 counts people, k = 1 people needing an accessible bed."""
    if not entries:
        return
    stays = _stays(entries)
    weight = np.ones_like(stays[0]) if k == 0 else stays[3]
    nights = np.unique(stays[1][weight != 0])
    if len(nights):
        chains.append(_chain(p, stays, weight, cap, nights))


def _add_peak(
    p: Program, uses: list[_Use], foresterie: list[Foresteria]
) -> tuple[int, list[int], list[_Chain]]:
    """The peak variable and its rows: 1000 x used(f, n) <= beds(f) x peak on arrival nights,
    used(f, n) an occupancy chain over all sections of f."""
    peak = p.add_var(0, 1000)
    by_f: dict[str, list[_Use]] = defaultdict(list)
    beds = {f.id: f.beds_total for f in foresterie}
    for e in uses:
        by_f[e.foresteria_id].append(e)
    rows, chains = [], []
    for fid in sorted(by_f):
        if beds[fid] <= 0:
            continue
        stays = _stays(by_f[fid])
        ch = _chain(p, stays, np.ones_like(stays[0]), beds[fid], np.unique(stays[1]))
        chains.append(ch)
        for k in range(ch.m):
            rows.append(len(p.rows))
            p.add_row([ch.first_var + k, peak], [1000, -beds[fid]], ub=0)
    return peak, rows, chains


def _with_peak(
    p: Program, peak: int, rows: list[int], chains: list[_Chain], x: np.ndarray
) -> np.ndarray:
    """x (without the peak) completed with its occupancy and the smallest peak it allows."""
    y = np.zeros(p.n, dtype=np.int64)
    y[: len(x)] = x  # the peak column and its chains come after x's and are still 0 here
    _fill(y, chains)
    act = p.activity(y)
    need = [-(-int(act[r]) // -int(p.rows[r][1][-1])) for r in rows]  # ceil(used / beds)
    y[peak] = max(need, default=0)
    return y


# The searches' deterministic work budget (node_budget; README "Housing model", "Budgets"):
# free columns x SCIP nodes per search, and the fewest nodes any search gets.
SEARCH_WORK = 5_000_000
MIN_NODES = 500
# The stall count (README "Housing model", "Budgets"): the whole search, and every search in a
# neighbourhood (quick: its "none" proves nothing), stops once 1/STALL_SHARE of its node
# budget has gone by without a better plan, or without any plan yet (SCIP's
# limits/stallnodes; a count, so at the same node on any machine). The ladder's rungs, whose
# "none" raises the bound, have none. Measured on the 5,000-worker season (benchmarks/
# RESULTS.md, session 20, helper P): the families' bed-nights whole search found its last plan
# at node 655 and ran 3,928 nodes more (two thirds of its CPU) without one; the men's and
# women's "near the bound" for bed-nights ran 465 of its 500 nodes (22 CPU s) to find
# nothing. The longest run of nodes without a better plan before a plan or a proof there is
# 305 (of a budget of 2,767), on the 1,700-worker season 13: far below a quarter of a budget.
STALL_SHARE = 4
# The most free columns (free_columns) a SCIP search is asked with: beyond it the search is not
# asked and the tier ends on what it has (README "Housing model", "Budgets"). A count, so it
# stops at the same search on any machine.
SEARCH_MAX_FREE = 50_000
# HiGHS's iterations for each round of the peak tier's LP (interior-point iterations for the
# first, simplex ones for its crossover and the rounds after it; README "Housing model",
# "Budgets"): reached, the tier returns the commute tier's plan with its smallest peak, as
# `budget`.
PEAK_LP_ITERATIONS = 30_000
# The most rounds of the peak tier's restricted LP (a program of RESTRICT_MIN_COLUMNS columns or
# more), None: the other tiers' counts only. With GLOP it was 1: on the 20,000-worker season the
# second round never answered within PEAK_LP_ITERATIONS (17 s for nothing). HiGHS's interior
# point answers the first round there in 8 CPU s (bound 427, GLOP's 416; HiGHS's dual simplex
# took 224) and the warm rounds after it make the LP exact in 3.5 s more (bound 953; session 23).
PEAK_LP_ROUNDS: int | None = None
# The restricted LP (_lp; README "Housing model"): programs of this many columns or more solve
# each tier's LP first on every unit's options among its NEAREST foresterie, then price the
# rest and add back those the duals say would improve it, until none would.
RESTRICT_MIN_COLUMNS = 100_000
NEAREST = 3
# The restricted LP's counts (_lp; README "Housing model", "Budgets"): HiGHS's simplex iterations
# per round, at most this many per row of the program (the peak tier's LP: PEAK_LP_ITERATIONS),
# and once a round prices back fewer than RESTRICT_TAIL of the columns in, at most
# RESTRICT_TAIL_ROUNDS more rounds, none once the best safe bound is within RESTRICT_GAP of the
# round's own value (the whole LP's value lies between them: another round can raise the bound
# by that much at most). Stopped, the tier keeps its best safe bound (weaker than the LP's),
# asks no search, and says so (TierResult.lp_stopped). Measured on the 20,000-worker season's
# bed-nights tier (benchmarks/RESULTS.md, session 22): round 3, a tail round, has its bound
# 0.12 % from its value; round 4 took 11 CPU s to move the bound by 0.01 %. Not where the best
# plan so far is within RESTRICT_GAP of the round's value (an exact LP might prove it).
RESTRICT_ITERATIONS_PER_ROW = 4
RESTRICT_TAIL = 0.01
RESTRICT_TAIL_ROUNDS = 1
RESTRICT_GAP = 0.01


def free_columns(p: Program, fixed: dict[int, int] | None) -> int:
    """Columns a search of p with `fixed` held may still move (their bounds differ)."""
    lo = np.asarray(p.lo, dtype=np.int64)
    hi = np.asarray(p.hi, dtype=np.int64)
    open_ = lo < hi
    return int(np.count_nonzero(open_)) - sum(1 for j in (fixed or {}) if open_[j])


def node_budget(p: Program, fixed: dict[int, int] | None, node_limit: int) -> int:
    """SCIP's node limit for one search of p with `fixed` held: the configured limit, lowered
    so that nodes x free columns stays within SEARCH_WORK, never below MIN_NODES.

    Why: a node's LP grows with the columns left free, so a fixed node limit lets one search's
    work grow with the season until the wall clock ends it, at a point that depends on the
    machine's load (pipeline_scale.py's 5,000-worker season: the families' bed-nights whole
    search, 1,807 columns free, was still searching after 10 minutes; it now stops at 2,767
    nodes). A node limit is deterministic: the same program stops at the same node on any
    machine. On every season where a tier is proven today the searches that prove it use far
    fewer nodes (the most counted: 345 with 1,807 columns free, 246 with 1,072). It does not
    bound one root LP (7-9 CPU s a search on that season's 14,259-column block)."""
    free = free_columns(p, fixed)
    return min(node_limit, max(MIN_NODES, SEARCH_WORK // max(1, free)))


@dataclass(frozen=True, kw_only=True)
class _LpAnswer:
    lp: LpResult | None
    counted: bool  # a count (the iterations, RESTRICT_TAIL_ROUNDS) stopped the LP
    rounds: int = 1
    # Stopped by a count after a round: the best (highest) safe bound of the rounds finished.
    # Any round's duals bound the whole program, and a round's bound is not monotone in the
    # tail (session 15's 20,000 season: bed-nights -713,388, -712,975, -713,130), so the best
    # one is kept, not the last; `lp` stays the last round's (its x feeds the completions).
    best_bound: int | None = None
    # A restricted LP's last round's columns (None: the whole program's): the tier's later LPs
    # (its families rounded, its families held) are asked over them too.
    columns: np.ndarray | None = None


def _lp(
    p: Program,
    c: np.ndarray,
    near: np.ndarray | None,
    incumbents: list[np.ndarray],
    iteration_limit: int | None,
    deadline: float,
    max_rounds: int | None = None,
) -> _LpAnswer:
    """The tier's LP. On a program of RESTRICT_MIN_COLUMNS columns or more with `near` given:
    first over the columns of `near` and of the incumbents' support (so the restricted LP is
    feasible), then, round by round, every column left out whose reduced cost under the
    restricted LP's duals is negative is added back, until none is. The duals are then optimal
    for the whole LP, and the safe bound (mip.py, computed over every column) is the whole
    LP's. If the first restricted LP has no answer: with incumbents (their support is in, so
    it is feasible) its count stopped it, and the answer is `counted` with none; without, the
    whole LP is solved instead (the columns alone may hold no solution).

    Two counts end the rounds before they are exact (README "Housing model", "Budgets"): each
    round's simplex iterations (iteration_limit, else RESTRICT_ITERATIONS_PER_ROW x the
    program's rows), and RESTRICT_TAIL_ROUNDS more rounds once a round prices back fewer than
    RESTRICT_TAIL of the columns in, none once such a round's value is within RESTRICT_GAP of
    the best safe bound (and `max_rounds`, where given: the peak tier's PEAK_LP_ROUNDS). Then
    the last finished round's answer is returned, marked `counted`, with the best safe bound of the rounds finished (`best_bound`): any round's duals
    give a safe bound for the whole program (any multipliers do), weaker than the LP's, and the
    rounds' bounds are not monotone. A first round stopped has no answer (`counted`, None).

    Why: at 20,000 workers with 67 foresterie a unit has about 18 foresterie within reach and
    the block 206,758 columns; GLOP's LPs there took 12-147 s wall each (session 10), and most
    of those columns are far options no optimal LP solution uses. The rounds share one HiGHS
    model (mip.RestrictedLp): a round adds the columns priced back and starts from the last
    basis, so a tail round adding a handful costs a fraction of a second (session 23; GLOP
    solved each round from scratch, 10-12 CPU s, and a pywraplp GLOP kept between rounds was
    slower still, session 15)."""
    limit = (
        iteration_limit
        if iteration_limit is not None
        else RESTRICT_ITERATIONS_PER_ROW * len(p.rows)
    )
    if near is None or p.n < RESTRICT_MIN_COLUMNS:
        lp = p.lp(c, iteration_limit=iteration_limit, time_limit_s=deadline - time.monotonic())
        return _LpAnswer(lp=lp, counted=lp is None and iteration_limit is not None)
    cols = np.ones(p.n, dtype=bool)
    cols[: len(near)] = near
    for x in incumbents:
        cols[: len(x)] |= x != 0
    hi = np.asarray(p.hi)
    lo = np.asarray(p.lo)
    last: LpResult | None = None
    last_cols = cols
    # the best plan's value so far (none: no plan, so no proof is near)
    plan = min((float(c[: len(x)] @ x) for x in incumbents), default=math.inf)
    best: int | None = None  # the highest safe bound of the rounds finished
    rounds = 0
    tail = 0  # rounds since the first that priced back fewer than RESTRICT_TAIL of the columns
    restricted = RestrictedLp(p, c, iteration_limit=limit)
    restricted.add(cols)
    while True:
        rounds += 1
        lp = restricted.solve(deadline - time.monotonic())
        if lp is None and last is None and incumbents:
            # The incumbents' support is in, so the first round is feasible: its count stopped
            # it, and the whole LP, larger, under the same count would not answer either (the
            # 50,000-worker season's peak tier: 430 s of GLOP for nothing).
            log.debug("  restricted LP: no answer in round 1, stopped by its count")
            return _LpAnswer(lp=None, counted=True, rounds=rounds)
        if lp is None and last is None:  # perhaps infeasible on these columns alone
            log.debug("  restricted LP: no answer in round %d, the whole LP", rounds)
            whole = p.lp(c, iteration_limit=limit, time_limit_s=deadline - time.monotonic())
            return _LpAnswer(lp=whole, counted=whole is None, rounds=rounds)
        if lp is None:  # stopped by its iterations (or the safety net): the last round's answer
            log.debug("  restricted LP round %d: no answer, the last round's kept", rounds)
            return _LpAnswer(
                lp=last, counted=True, rounds=rounds, best_bound=best, columns=last_cols
            )
        best = lp.bound if best is None else max(best, lp.bound)
        out = ~cols & (lp.d < -1e-6) & (hi > lo)
        priced = int(out.sum())
        log.debug(
            "  restricted LP round %d: %d of %d columns, %d priced back, bound %d",
            rounds,
            int(cols.sum()),
            p.n,
            priced,
            lp.bound,
        )
        if not priced:
            return _LpAnswer(lp=lp, counted=False, rounds=rounds, columns=cols)
        if max_rounds is not None and rounds >= max_rounds:
            return _LpAnswer(lp=lp, counted=True, rounds=rounds, best_bound=best, columns=cols)
        if tail or priced < RESTRICT_TAIL * int(cols.sum()):
            tail += 1
        value = float(c @ lp.x)  # the restricted LP's: no lower than the whole LP's
        width = RESTRICT_GAP * max(1.0, abs(value))
        # The gap ends the rounds only where the best plan so far is farther than it from the
        # round's value: a plan that near might be proven once the LP is exact (review 22).
        close = value - best <= width and plan - value > width
        if tail > RESTRICT_TAIL_ROUNDS or (tail and close):
            return _LpAnswer(lp=lp, counted=True, rounds=rounds, best_bound=best, columns=cols)
        last, last_cols = lp, cols.copy()
        cols |= out
        restricted.add(out)


def _beside(
    lp: Callable[..., _LpAnswer], args: tuple[object, ...], other: Callable[[], np.ndarray | None]
) -> tuple[_LpAnswer, np.ndarray | None]:
    """`lp(*args)` in a forked child (core/procs.Forked) while this process runs `other()`;
    both answers. Where no child may be started (one core, a daemonic worker, a fork refused
    for want of memory or processes), or the child died without answering, `lp` runs here:
    the answers are the same either way (up to the wall-clock safety net, which both read)."""
    if (os.cpu_count() or 1) < 2 or multiprocessing.current_process().daemon:
        return lp(*args), other()
    try:
        child = Forked("housing's LP", lp, *args)
    except OSError:  # ENOMEM, EAGAIN: the fork itself failed
        return lp(*args), other()
    try:
        mine = other()
        try:
            return child.result(), mine
        except WorkerDied:
            return lp(*args), mine
    finally:
        child.close()


def _tier(
    p: Program,
    name: str,
    sense: Literal["max", "min"],
    obj: np.ndarray,
    incumbents: list[np.ndarray],
    groups: np.ndarray,
    scenario: Scenario,
    deadline: float,
    unit_of: np.ndarray | None = None,
    *,
    lp_iterations: int | None = None,
    lp_rounds: int | None = None,
    chains: Sequence[_Chain] | None = None,
    size: np.ndarray | None = None,
    near: np.ndarray | None = None,
) -> tuple[TierResult, np.ndarray]:
    """Solve one tier to proven optimality (or budget), then fix its value as a row of p.

    lp_iterations: HiGHS's iteration limit for this tier's LP; when it is reached the tier
    returns the best incumbent as `budget`, with no search (README "Housing model", budgets).
    lp_rounds: the most rounds of a restricted LP (_lp's max_rounds), None: no such count.
    deadline: the wall-clock safety net (time.monotonic()); once it has passed, a tier that has
    a plan asks neither LP nor search. chains, size: the program's occupancy chains and each
    column's bed-nights, for the greedy completion (greedy.py) a tier not proven is offered.
    near: the restricted LP's first columns (_lp), for a large program."""
    t0 = time.monotonic()
    cfg = scenario.config.solver
    seed = scenario.config.scenario.seed
    c = -obj if sense == "max" else obj  # minimise c'x
    best: np.ndarray | None = None
    best_val: int | None = None
    searches = 0

    def offer(x: np.ndarray | None) -> None:
        nonlocal best, best_val
        if x is not None and p.feasible(x):
            v = int(c @ x)
            if best_val is None or v < best_val:
                best, best_val = x, v

    def completed(x: np.ndarray, lp_x: np.ndarray | None = None) -> np.ndarray | None:
        """x with every improving copy that fits added (greedy.py); None without chains."""
        if chains is None or size is None:
            return None
        return complete(p, c, x, chains, size, lp_x)

    def late() -> bool:
        """The safety net has struck and the tier has a plan: ask nothing more."""
        return best is not None and time.monotonic() >= deadline

    for x in incumbents:
        offer(x)
    if best is None and time.monotonic() >= deadline:
        offer(completed(np.zeros(p.n, dtype=np.int64)))  # a plan from nothing, by the greedy
    incoming = best

    def moved() -> np.ndarray | None:
        """The tier's incoming plan, completed (greedy.py), then moved (moves.py): a spare
        offered only when the tier ends unproven. A function of the program and that plan
        alone (up to the wall-clock safety net), so it is the same plan whether it runs beside
        the LP or after it."""
        if incoming is None or chains is None or unit_of is None or size is None:
            return None
        t3 = time.monotonic()
        start = complete(p, c, incoming, chains, size)
        if start is None or int(c @ start) >= int(c @ incoming):
            start = incoming
        x = improve(p, c, start, chains, unit_of, late)
        log.debug(
            "  moves: %s -> %s, %.2f s",
            int(c @ start),
            None if x is None else int(c @ x),
            time.monotonic() - t3,
        )
        return x if x is not None else start

    t1 = time.monotonic()
    spare_moved: np.ndarray | None = None
    lp_args = (
        p,
        c.astype(float),
        near,
        [best] if best is not None else [],
        lp_iterations,
        deadline,
        lp_rounds,
    )
    if late():
        answer = _LpAnswer(lp=None, counted=False, rounds=0)
    elif (
        near is not None
        and p.n >= RESTRICT_MIN_COLUMNS
        and incoming is not None
        and chains is not None
        and unit_of is not None
        and size is not None
    ):
        # A large program: its LP rounds (HiGHS holds the interpreter) in a child process while
        # this one moves the incoming plan; on a machine of one core, or where no child may be
        # started, one after the other. The answers are the same either way. (A tier with
        # nothing to move, the peak's, asks its LP here: review 22.)
        answer, spare_moved = _beside(_lp, lp_args, moved)
    else:
        answer = _lp(*lp_args)
    lp = answer.lp
    bound = answer.best_bound if answer.best_bound is not None else lp.bound if lp else None
    # The LP stopped at its iteration limit (or the safety net struck): no search either (each
    # would face the same LP in its root); the best plan is returned as `budget`, bounded by the
    # columns' bounds. A restricted LP its counts stopped after a round (answer.counted with an
    # LP) keeps the best safe bound of its rounds (weaker than the LP's, still a bound) and its
    # last round's answer for the completions, and asks no search either: the tier ends as a
    # budget stop does.
    stopped = lp is None and (answer.counted or late())
    if stopped:
        bound = p.trivial_bound(c)
    counted = answer.counted
    log.debug(
        "%s: %d columns, %d rows, LP %.2f s (%d rounds%s), bound %s, incumbent %s",
        name,
        p.n,
        len(p.rows),
        time.monotonic() - t1,
        answer.rounds,
        ", stopped by a count" if counted else "",
        bound,
        best_val,
    )

    def proven() -> bool:
        return best_val is not None and bound is not None and best_val <= bound

    if spare_moved is not None and bound is not None and int(c @ spare_moved) <= bound:
        # The incoming plan, moved beside the LP, already reaches its bound: optimal, and no
        # search is asked (the 20,000-worker season's transfers tier: 1 -> 0 at a bound of 0,
        # where the searches had spent 104 s to find the same 0; session 23).
        offer(spare_moved)

    def search(
        fixed: dict[int, int] | None = None,
        cutoff: int | None = None,
        hint: np.ndarray | None = None,
        step: str = "",
        quick: bool = False,
        aside: bool = False,
        stall: bool = False,
    ) -> SearchResult:
        nonlocal searches
        if late() or counted:  # the safety net struck, or a count stopped the LP: none asked
            return SearchResult(x=None, objective=None, bound=None, optimal=False)
        free = free_columns(p, fixed)
        if free > SEARCH_MAX_FREE:  # its root LP alone would take minutes: not asked
            log.debug("  %s: %d free columns, more than SEARCH_MAX_FREE: not asked", step, free)
            return SearchResult(x=None, objective=None, bound=None, optimal=False)
        searches += 1
        nodes = node_budget(p, fixed, cfg.housing_node_limit)
        stall_nodes = max(1, nodes // STALL_SHARE) if stall or quick else None
        r = p.search(
            c,
            node_limit=nodes,
            seed=seed,
            fixed=fixed,
            cutoff=cutoff,
            floor=bound if cutoff is not None else None,
            hint=hint,
            time_limit_s=deadline - time.monotonic(),
            quick=quick,
            stall_nodes=stall_nodes,
        )
        if not aside:  # aside: the spare plan's search, offered only at the end
            offer(r.x)
        log.debug(
            "  %s: %d fixed, %d free, %d nodes (stall %s), infeasible %s, found %s, optimal %s, "
            "%.2f s",
            step,
            len(fixed or {}),
            free,
            nodes,
            stall_nodes,
            r.infeasible,
            r.objective,
            r.optimal,
            time.monotonic() - t1,
        )
        return r

    proof: Proof = "lp_bound"
    if lp is not None and not proven():
        offer(np.rint(lp.x).astype(np.int64))  # the LP's own vertex, when it is integral
    if lp is not None and not proven() and unit_of is not None:
        _support(p, lp, unit_of, search)
    if lp is not None and not proven() and unit_of is not None and not late() and not counted:
        _rounded_groups(p, c, lp, groups, unit_of, search, answer.columns)
    spare = None
    asks = not late() and not counted
    if lp is not None and not proven() and unit_of is not None and best is not None and asks:
        # Held aside and offered only after every search below (incumbent.py): it never
        # changes a tier they prove, and a budget stop returns it if it is better.
        t2 = time.monotonic()

        def aside(
            fixed: dict[int, int], cutoff: int | None, step: str, quick: bool
        ) -> SearchResult:
            return search(fixed, cutoff, step=step, quick=quick, aside=True)

        spare = families_held(p, c, lp, groups, unit_of, best, aside, answer.columns)
        log.debug(
            "  families held: %s, %.2f s",
            None if spare is None else int(c @ spare),
            time.monotonic() - t2,
        )
    if lp is not None and not proven():
        # A first guess: a solution at the LP bound that keeps every group where the LP put it
        # whole, moving only what the reduced costs allow. Finding nothing here proves nothing.
        frac = np.abs(lp.x - np.rint(lp.x)) > 1e-6
        guess = {int(j): int(round(lp.x[j])) for j in groups if not frac[j]}
        if guess:
            fixed = {**guess, **p.fixings(lp, lp.bound + 1)}
            search(fixed, cutoff=lp.bound, step="guess", quick=True)
    if lp is not None and not proven():
        _near_bound(lp, groups, search)
    if lp is not None and not proven():
        # The ladder: is there a solution of value <= T? Reduced-cost fixing leaves only what can
        # move without pushing the bound past T, so each question is small, and each answer is
        # exact: a solution found is optimal (nothing below the bound exists), "none" raises the
        # bound to T + 1. T climbs from the LP bound in relative steps, capped by the incumbent.
        # Every question also carries the bound proven so far, so SCIP stops on reaching it.
        gaps = _ladder(lp.bound)
        last_small = max((g for g in gaps if g in _SMALL_STEPS), default=None)
        for gap in gaps:
            target = lp.bound + gap
            if best_val is not None and target >= best_val:
                target = best_val - 1
            if bound is not None and target < bound:
                continue
            if gap:
                proof = "reduced_cost_search"
            r = search(p.fixings(lp, target + 1), cutoff=target, step=f"<= bound + {gap}")
            if r.infeasible:
                bound = target + 1
            elif r.optimal and r.objective is not None:
                bound = r.objective
            if proven() or not r.infeasible or gap == last_small:
                break
    if not proven() and lp is not None:
        # A hint for the whole search: keep every group the LP houses whole where it houses
        # it, let everything else move, and take the best there (the LP-rounded guess keeps the
        # LP's empty places empty too, and at the bound that is often infeasible). Measured on the
        # 50,000-worker families' block: 1.5 s to 142 below the bound's bed-nights, against
        # 19,453 below for the previous tier's plan; the whole search then took 150 s, not 900+.
        frac = np.abs(lp.x - np.rint(lp.x)) > 1e-6
        keep = {int(j): int(round(lp.x[j])) for j in groups if not frac[j] and lp.x[j] > 0.5}
        if keep:
            search(keep, step="housed groups kept", quick=True)
    if not proven() and not stopped and not counted:
        proof = "search"
        # A stall count besides the node budget: the whole search starts from the best plan
        # (its hint) and stops once a quarter of its nodes brings no better one (STALL_SHARE).
        r = search(hint=best, step="full", stall=True)
        if r.bound is not None:
            bound = r.bound if bound is None else max(bound, r.bound)
    # The LP and the searches are over: had the safety net struck by now, they may have been
    # cut (or skipped) by the clock rather than by their counts.
    struck = time.monotonic() >= deadline
    if not proven() and spare is not None:
        offer(spare)  # the searches ran out (budget): the spare plan, if it is better
    if not proven() and best is not None:
        # Budget or safety net: at least the cheap completions (greedy.py), if they are better:
        # the best plan with every improving copy that fits added, and the LP's answer rounded
        # down, its largest fractions rounded up, then filled the same way.
        offer(completed(best))
        if lp is not None:
            offer(completed(np.floor(lp.x + 1e-6).astype(np.int64), lp.x))
        # and the tier's incoming plan with its units moved to better options of their own
        offer(spare_moved if spare_moved is not None else moved())
    if best is None:
        offer(completed(np.zeros(p.n, dtype=np.int64)))  # nothing else: a plan from nothing
    if best is None or best_val is None:
        raise RuntimeError(f"housing tier {name}: no feasible solution within the budget")
    optimal = proven()
    p.add_row(np.arange(p.n), c, ub=best_val)  # this tier's optimum holds from now on
    if optimal and lp is not None:
        # Reduced-cost fixing at the optimum: a column that cannot leave its LP bound without
        # pushing the bound past best_val stays there in every solution from now on (the row
        # above forbids worse), so later tiers get it fixed. Exact, and their programs shrink.
        p.fix_for_good(p.fixings(lp, best_val + 1))
    sign = -1 if sense == "max" else 1
    value = sign * best_val
    shown_bound = sign * bound if bound is not None else value
    return TierResult(
        name=name,
        sense=sense,
        objective=value,
        bound=shown_bound,
        optimal=optimal,
        seconds=time.monotonic() - t0,
        proof=proof if optimal else "budget",
        searches=searches,
        net_struck=struck,
        lp_stopped=answer.counted,
    ), best


def _near_bound(lp: LpResult, groups: np.ndarray, search: Callable[..., SearchResult]) -> None:
    """Before the ladder climbs its single steps: is there a solution within them (at most the
    LP bound + the last single step) that keeps every group the LP houses whole where it
    houses it? A solution found there caps the ladder, which then only has to show "none" for
    the steps below it, and a "none" proves nothing (the neighbourhood is not the program).

    Why: when groups make the LP fractional (a family cannot be split like a class), the
    optimum is often a few units off the bound; the ladder shows "none" for the steps below it
    cheaply, but the rung at the optimum itself asks SCIP to *find* a solution in the whole
    reduced-cost neighbourhood, and that search can take minutes. Measured on the 5,000-worker
    season with 17 foresterie (one district; the men's and women's block, 13,291 columns,
    57 fractional group columns): bound + 3 took 165 s as a rung, 7-20 s here."""
    steps = [g for g in _ladder(lp.bound) if g in _SMALL_STEPS]
    if not steps or not groups.size:
        return
    frac = np.abs(lp.x - np.rint(lp.x)) > 1e-6
    keep = {int(j): int(round(lp.x[j])) for j in groups if not frac[j] and lp.x[j] > 0.5}
    if keep:
        search(keep, cutoff=lp.bound + max(steps), step="near the bound", quick=True)


def _support(
    p: Program,
    lp: LpResult,
    unit_of: np.ndarray,
    search: Callable[..., SearchResult],
    held: dict[int, int] | None = None,
) -> None:
    """A search at the LP bound among the LP's own columns: every option the LP leaves empty is
    closed, except all options of a unit the LP splits. A solution found there reaches the bound
    of the whole program, so it is optimal; "none" proves nothing (the program is larger).

    Why: the guess after it leaves every single worker free to take any option, so its size
    grows with the foresterie within reach. On the 20,000-worker season with 67 foresterie (the
    men's and women's block: 163,159 columns, about 18 options per unit) the guess took 224 s
    for priority 3, whose LP splits 6 columns; here 13,000 columns stay open and SCIP answers
    in 3-8 s (priorities 3, 2 and 1). Where the LP splits many families (priority 0 there:
    72 families, 146 columns) the LP's columns may hold nothing at the bound: about 8 s lost.
    unit_of: the unit of each column (-1: occupancy counters, never closed); held: columns held
    at a value besides (_rounded_groups)."""
    n = len(unit_of)
    x = lp.x[:n]
    frac = np.abs(x - np.rint(x)) > 1e-6
    units = unit_of >= 0
    split = np.zeros(int(unit_of.max(initial=-1)) + 1, dtype=bool)
    split[unit_of[units & frac]] = True
    lo = np.asarray(p.lo[:n])
    hi = np.asarray(p.hi[:n])
    shut = units & (np.abs(x) < 1e-6) & (lo == 0) & (hi > 0) & ~split[np.maximum(unit_of, 0)]
    if shut.any():
        search(
            {**{int(j): 0 for j in np.flatnonzero(shut)}, **(held or {})},
            cutoff=lp.bound,
            step="LP support" + (" (families rounded)" if held else ""),
            quick=True,
        )


def _rounded_groups(
    p: Program,
    c: np.ndarray,
    lp: LpResult,
    groups: np.ndarray,
    unit_of: np.ndarray,
    search: Callable[..., SearchResult],
    columns: np.ndarray | None = None,
) -> None:
    """When the LP splits families, the LP's columns may hold nothing at the bound (a family
    needs its beds at one place). Then: round every split family to whole copies (each unit's
    total rounded half up, given to its options by largest remainder, ties to the lower
    column), hold every family there and where the LP put it whole, solve the LP again, and if
    its value still reaches the bound, search among its columns (_support) at the bound. A
    solution found is optimal for the whole program (the bound is the first LP's); anything
    else proves nothing.

    Measured on the 20,000-worker season with 67 foresterie, priority 0 of the men's and
    women's block: the LP splits 72 families over 146 columns and its own columns hold nothing
    at the bound; with the families rounded the LP keeps the bound and splits 16 columns of 9
    single workers' classes, and the search among its columns finds the bound (LP 8-19 s,
    search 17 s under load), where the guess after it did not finish in 10 minutes.
    columns: a restricted LP's (_LpAnswer.columns), over which the LP with the families held is
    asked too (its value then no lower than the whole program's: a bound it reaches is still
    reached); None: over every column."""
    if not groups.size:
        return
    x = lp.x
    gx = x[groups]
    frac = np.abs(gx - np.rint(gx)) > 1e-6
    if not frac.any():
        return
    held = {int(j): round(float(v)) for j, v in zip(groups[~frac], gx[~frac], strict=True)}
    by_unit: dict[int, list[int]] = defaultdict(list)
    for j in groups[frac]:
        by_unit[int(unit_of[j])].append(int(j))
    for u in sorted(by_unit):
        cols = sorted(int(j) for j in groups[unit_of[groups] == u])
        total = math.floor(float(x[cols].sum()) + 0.5 + 1e-9)
        base = {j: math.floor(x[j] + 1e-9) for j in cols}
        rest = sorted(cols, key=lambda j: (-(x[j] - base[j]), j))
        for j in rest[: max(0, total - sum(base.values()))]:
            base[j] += 1
        held.update(base)
    t0 = time.monotonic()
    again = p.lp(c.astype(float), fixed=held, columns=columns)
    log.debug(
        "  families rounded: %d held, LP %s, %.2f s",
        len(held),
        None if again is None else round(float(c @ again.x), 3),
        time.monotonic() - t0,
    )
    if again is None or float(c @ again.x) > lp.bound + 1e-6:
        return  # with these families held, nothing reaches the bound
    _support(p, replace(again, bound=lp.bound), unit_of, search, held)


# The ladder's single steps for small objectives (_ladder). When all of them are answered "none",
# the optimum is further off the LP bound than the reduced costs can narrow cheaply, and the
# whole search takes over (_tier).
_SMALL_STEPS = (1, 2, 3, 4)


def _ladder(bound: int) -> list[int]:
    """The reduced-cost ladder's gaps above the LP bound: 0, then 10^-5, 10^-4, 10^-3 and 10^-2
    of the bound. When the objective is small (under a million: bed-nights of a block), first
    1, 2, 3 and 4 below the 10^-4 rung: an optimum a few units off the bound is common there,
    and a question that close to it is cheap (measured on the 20,000-worker families' block:
    8 s by single steps, 24 s with one jump to 10^-4). Further off, each "none" is a proof of
    its own and they grow dear (the 50,000-worker families' block: bound + 6 took 100 s, the
    whole search at once 150 s to the optimum at bound + 15)."""
    width = max(1, abs(bound))
    relative = [math.ceil(r * width) for r in (1e-5, 1e-4, 1e-3, 1e-2)]
    small = [g for g in _SMALL_STEPS if relative[0] <= 10 and g < relative[1]]
    return sorted({0, *small, *(g for g in relative if g > max(small, default=0))})


def _shape(w: Worker) -> tuple[date, date, int, bool, bool]:
    """What tier 1 (and bed-nights, transfers) reads of one person: the stay, the priority, the
    contract and the need of an accessible bed (the farm only matters through the options)."""
    return (w.arrival, w.departure, w.priority, w.accessible, w.contract)


def _aggregate(
    comp: _Component, present: frozenset[str] = frozenset()
) -> tuple[_Component, list[list[int]]]:
    """Merge units that tier 1 cannot tell apart: classes of the same stay, section, priority,
    accessibility, contract, pin, previous place and options; groups whose people have the same
    stays, priorities, contracts and accessible needs, with the same pin, previous place and
    options (identical groups become one unit with a count, so the search no longer tries every
    permutation of equal families). Returns the merged component and, per merged unit, the
    units it stands for."""
    keys: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for ui, u in enumerate(comp.units):
        options = tuple(tuple(f.id for f in o) for o in comp.opts[ui])
        if u.is_group:
            people = tuple(sorted((_shape(w), w.id in present) for w in u.members))
            keys[("group", people, u.section, u.pinned, u.previous, options)].append(ui)
        else:
            w = u.members[0]
            shape = (_shape(w), w.id in present)  # a class is all present or none (build_units)
            keys[("class", shape, w.section, u.pinned, u.previous, options)].append(ui)
    units, elig, opts, parts = [], {}, {}, []
    for k, (_, uis) in enumerate(sorted(keys.items(), key=lambda kv: kv[1][0])):
        first = comp.units[uis[0]]
        if first.is_group:  # each group's people in the order of their shapes: copies line up
            members = tuple(
                m
                for ui in uis
                for m in sorted(
                    comp.units[ui].members, key=lambda w: (_shape(w), w.id in present, w.id)
                )
            )
        else:
            members = tuple(m for ui in uis for m in comp.units[ui].members)
        units.append(
            Unit(
                key=f"A:{first.key}",
                members=members,
                is_group=first.is_group,
                section=first.section,
                pinned=first.pinned,
                previous=first.previous,
                groups=len(uis) if first.is_group else 1,
            )
        )
        elig[k] = comp.elig[uis[0]]
        opts[k] = comp.opts[uis[0]]
        parts.append(uis)
    return _Component(units=units, foresterie=comp.foresterie, elig=elig, opts=opts), parts


def _disaggregate(
    comp: _Component, parts: list[list[int]], values: dict[tuple[int, int], int]
) -> dict[tuple[int, int], int]:
    """Spread a merged solution over the classes it stands for (any split is feasible)."""
    out: dict[tuple[int, int], int] = {}
    for a, uis in enumerate(parts):
        room = {ui: 1 if comp.units[ui].is_group else comp.units[ui].size for ui in uis}
        for k in range(len(comp.opts[uis[0]])):
            left = values.get((a, k), 0)
            for ui in uis:
                take = min(left, room[ui])
                if take:
                    out[ui, k] = take
                    room[ui] -= take
                    left -= take
    return out


@dataclass(frozen=True, kw_only=True)
class _BlockJob:
    """One process-pool job: a block's tiers up to commute (and the peak, with a balance weight).
    The answer depends on the job only, never on where or beside what it runs."""

    block: _Component
    scenario: Scenario
    matrix: TravelMatrix
    acc: set[str]
    replanning: bool
    deadline: float
    # an intake's people in the region (its placements) and their priorities: among people of
    # one priority, the most of them housed (`housed_priority_p_present`, after the count)
    present: frozenset[str] = frozenset()
    present_priorities: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class _BlockResult:
    tiers: list[TierResult]  # in tier order
    model: _Model | None  # the block's program with its tier optima fixed (None: peak done)
    x: np.ndarray
    assignments: list[Assignment]  # only when the peak was solved here (balance weight)


def _solve_block(job: _BlockJob) -> _BlockResult:
    """Tier 1 (and re-planning stability, bed-nights, transfers) on merged classes, then the rest
    on the full model with those optima fixed, starting from the merged solution split back."""
    scenario, block, acc = job.scenario, job.block, job.acc
    rule = stay_rule(scenario)
    weight = scenario.config.housing.balance_weight
    out: list[TierResult] = []

    def tier(
        p: Program,
        name: str,
        sense: Literal["max", "min"],
        obj: np.ndarray,
        inc: list[np.ndarray],
        groups: np.ndarray,
        model: _Model,
    ) -> tuple[TierResult, np.ndarray]:
        r, x = _tier(
            p,
            name,
            sense,
            obj,
            inc,
            groups,
            scenario,
            job.deadline,
            model.unit_of(),
            chains=model.chains,
            size=model.obj["bed_nights"],
            near=_near(model, job.matrix),
        )
        out.append(r)
        return r, x

    agg, parts = _aggregate(block, job.present)
    amdl = _Model(agg, scenario, job.matrix, acc, with_commute=False, present=job.present)
    mdl = _Model(block, scenario, job.matrix, acc, present=job.present)
    ax: list[np.ndarray] = []
    names: list[tuple[str, Literal["max", "min"]]] = []
    for p in PRIORITIES:
        if scenario.config.housing.contract_first:
            names.append((f"housed_priority_{p}_contract", "max"))
        names.append((f"housed_priority_{p}", "max"))
        if p in job.present_priorities:  # then, among them, the most already in the region
            names.append((f"housed_priority_{p}_present", "max"))
    names += [("kept_in_place", "max")] if job.replanning else []
    if rule.partial:
        names += [("bed_nights", "max")]
        names += [("transfers", "min")] if rule.max_transfers else []
    for name, sense in names:
        r, x = tier(amdl.p, name, sense, amdl.obj[name], ax, amdl.group_cols(), amdl)
        ax = [x]
        mdl.fix(name, sense, r.objective)
    start = mdl.vector(_disaggregate(block, parts, amdl.values(ax[0])))
    if not weight:
        _, x = tier(
            mdl.p,
            "commute_s",
            "min",
            mdl.obj["commute_s"],
            [start],
            mdl.group_cols(),
            mdl,
        )
        return _BlockResult(tiers=out, model=mdl, x=x, assignments=[])
    # Optional tier weight: trade commute seconds against peak occupancy.
    peak, rows, chains = _add_peak(mdl.p, mdl.uses, block.foresterie)
    obj = np.zeros(mdl.p.n, dtype=np.int64)
    obj[: len(mdl.obj["commute_s"])] = mdl.obj["commute_s"]
    blended = obj + _vector(mdl.p.n, [(peak, weight)])
    r, x = _tier(
        mdl.p,
        "commute_s",
        "min",
        blended,
        [_with_peak(mdl.p, peak, rows, chains, start)],
        mdl.group_cols(),
        scenario,
        job.deadline,
    )
    commute = int(obj @ x)
    out.append(replace(r, objective=commute, bound=commute))
    r, x = _tier(
        mdl.p,
        "peak_permille",
        "min",
        _vector(mdl.p.n, [(peak, 1)]),
        [x],
        mdl.group_cols(),
        scenario,
        job.deadline,
        lp_iterations=PEAK_LP_ITERATIONS,
    )
    out.append(r)
    rank = _rank(scenario)
    return _BlockResult(
        tiers=_settled(out, mdl, x),
        model=None,
        x=x,
        assignments=_extract(block, mdl.values(x), rank),
    )


def _near(model: _Model, matrix: TravelMatrix) -> np.ndarray | None:
    """The restricted LP's first columns (_lp), for a program large enough to use them."""
    if model.p.n < RESTRICT_MIN_COLUMNS:
        return None
    if model.near is None:
        model.near = model.nearest(matrix, NEAREST)
    return model.near


def _rank(scenario: Scenario) -> dict[str, str] | None:
    seed = scenario.config.scenario.seed
    if not scenario.config.housing.lottery:
        return None
    return lottery_draws(scenario.workers, seed, scenario.draw_key)


# Blocks go to a process pool (processes=None) only when at least two have this many units: a
# pool costs about half a second to start and to ship the scenario, a small block a fraction of
# it. (Generated seasons: the families' block has 213 units and 6 CPU s at 5,000 workers, 66
# units and 0.5 s at 1,700.)
_POOL_MIN_UNITS = 100


def plan_housing(
    scenario: Scenario,
    matrix: TravelMatrix,
    previous: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    processes: int | None = None,
    promised: dict[str, tuple[str, ...]] | None = None,
    history: dict[str, History] | None = None,
    released: dict[str, date] | None = None,
    present: frozenset[str] = frozenset(),
) -> HousingPlan:
    """Solve every district, block by block and tier by tier; explain every waitlisted person.

    Blocks are independent until the peak tier, so they may run in parallel processes
    (`processes`; None: one per core when two blocks are large). The plan does not depend on it.
    `previous`, `promised`: a re-plan's (housing/replan.py), the previous place of each person and
    the foresterie a resident was promised from the date on, and the stay rules the nights
    kept before the date leave a resident (units.History). `released`: the release mornings
    (housing/release.py) `scenario`'s stays already end on, for the waitlist's words.
    """
    t0 = time.monotonic()
    deadline = t0 + scenario.config.solver.wall_clock_limit_s
    max_commute_s = scenario.config.housing.max_commute_min * 60
    weight = scenario.config.housing.balance_weight
    fs = list(scenario.foresterie)
    rule = stay_rule(scenario)
    rank = _rank(scenario)
    units = build_units(scenario.workers, previous, promised, history, present)
    # `present` (an intake's people already in the region): weighed before the others of
    # their priority, never before anyone of a higher one nor at the cost of one more housed
    present_priorities = tuple(sorted({w.priority for w in scenario.workers if w.id in present}))
    diagnose_pinned(scenario, units)  # raises InfeasibleError naming constraint, place, nights
    fidx = {f.id: fi for fi, f in enumerate(fs)}
    near = reachable(units, fs, matrix, max_commute_s)
    opts = {ui: unit_options(u, near[ui], rule) for ui, u in enumerate(units)}
    ok = {ui: sorted({fidx[f.id] for o in os_ for f in o}) for ui, os_ in opts.items()}
    districts = _components(units, fs, ok, lambda ui, fi: fi, opts)
    tiers: dict[str, list[TierResult]] = defaultdict(list)
    assignments: list[Assignment] = []
    jobs: list[_BlockJob] = []
    of_district: list[list[int]] = []  # district -> its jobs
    for ci, district in enumerate(districts):
        acc = _accessible_binding(district)
        blocks = _blocks(district, acc, joint=weight > 0)
        if progress:
            fids = ", ".join(f.id for f in district.foresterie)
            progress(
                f"district {ci + 1}/{len(districts)} ({fids}): {len(district.units)} units "
                f"in {len(blocks)} block(s)"
            )
        of_district.append(list(range(len(jobs), len(jobs) + len(blocks))))
        jobs += [
            _BlockJob(
                block=b,
                scenario=scenario,
                matrix=matrix,
                acc=acc,
                replanning=previous is not None,
                deadline=deadline,
                present=present,
                present_priorities=present_priorities,
            )
            for b in blocks
        ]
    if processes is None:
        large = sum(1 for j in jobs if len(j.block.units) >= _POOL_MIN_UNITS)
        processes = min(os.cpu_count() or 1, large) if large >= 2 else 1
        if multiprocessing.current_process().daemon:
            processes = 1  # a sweep's worker process may not start processes of its own
    solved: list[_BlockResult]
    if processes > 1 and len(jobs) > 1:
        # Largest first, so the long block starts at once; answers put back in block order.
        order = sorted(range(len(jobs)), key=lambda i: (-len(jobs[i].block.units), i))
        with worker_pool(min(processes, len(jobs))) as pool:
            done = dict(zip(order, pool.map(_solve_block, [jobs[i] for i in order]), strict=True))
        solved = [done[i] for i in range(len(jobs))]
    else:
        solved = [_solve_block(j) for j in jobs]
    where: list[list[tuple[str, int]]] = []  # each block's tiers' places in `tiers`
    for res in solved:
        where.append([])
        for r in res.tiers:
            where[-1].append((r.name, len(tiers[r.name])))
            tiers[r.name].append(r)
    # Each district's peak tier: its call, and the plan it starts from (the commute tiers'
    # plans with their smallest peak), with the blocks it joins.
    peaks: list[_PeakJob] = []
    for district, idx in zip(districts, of_district, strict=True):
        if weight:
            for i in idx:
                assignments.extend(solved[i].assignments)
            continue
        kept = [(i, m) for i in idx if (m := solved[i].model) is not None]
        models = [m for _, m in kept]
        xs = [solved[i].x for i in idx]
        if not models:
            continue
        # Peak: a maximum over every section of a foresteria, so the blocks meet again.
        if len(models) == 1:
            joint, offsets = models[0].p, [0]
        else:
            joint, offsets = Program.stack([m.p for m in models])
        uses = [
            replace(e, col=e.col + o) for m, o in zip(models, offsets, strict=True) for e in m.uses
        ]
        groups = np.concatenate([m.group_cols() + o for m, o in zip(models, offsets, strict=True)])
        peak, rows, chains = _add_peak(joint, uses, district.foresterie)
        first_cols = None
        if joint.n >= RESTRICT_MIN_COLUMNS:
            first_cols = np.concatenate(
                [m.nearest(matrix, NEAREST) if m.near is None else m.near for m in models]
            )
        start = _with_peak(joint, peak, rows, chains, np.concatenate(xs))
        call = partial(
            _tier,
            joint,
            "peak_permille",
            "min",
            _vector(joint.n, [(peak, 1)]),
            [start],
            groups,
            scenario,
            deadline,
            lp_iterations=PEAK_LP_ITERATIONS,
            lp_rounds=PEAK_LP_ROUNDS,
            near=first_cols,
        )
        peaks.append(
            _PeakJob(
                kept=kept,
                offsets=offsets,
                start=start,
                call=call,
            )
        )

    def placed(
        answers: list[tuple[TierResult | None, np.ndarray]],
    ) -> tuple[list[Assignment], dict[str, list[TierResult]]]:
        """The assignments and the tiers, each district's peak tier answered (r None: not yet,
        its plan the one it starts from)."""
        got = list(assignments)
        ts = {name: list(rs) for name, rs in tiers.items()}
        for job, (r, x) in zip(peaks, answers, strict=True):
            if r is not None:
                ts.setdefault(r.name, []).append(r)
            for (i, m), o in zip(job.kept, job.offsets, strict=True):
                got.extend(_extract(m.comp, m.values(x[o : o + m.p.n]), rank))
                for (name, k), settled in zip(
                    where[i], _settled(solved[i].tiers, m, x[o : o + m.p.n]), strict=True
                ):
                    ts[name][k] = settled
        got.sort(key=lambda a: (a.worker_id, a.arrival))
        return got, ts

    def explained(got: list[Assignment], all_optimal: bool) -> list[WaitlistEntry]:
        housed = {a.worker_id for a in got}
        return explain_waitlist(
            scenario, matrix, units, got, housed, all_optimal, previous, released
        )

    # A large peak tier (100,000 columns or more: its searches are not asked, SEARCH_MAX_FREE)
    # mostly ends on the plan it starts from: while a child process answers it, this one
    # explains the waitlist for that plan as if the tier were not proven, and keeps that
    # explanation when it holds (the same plan, not proven); else it explains again.
    # The answers are those of the tiers run here one after the other (`_beside`'s reasons).
    child: Forked[list[tuple[TierResult, np.ndarray]]] | None = None
    if (
        any(j.large for j in peaks)
        and (os.cpu_count() or 1) >= 2
        and not multiprocessing.current_process().daemon
    ):
        with contextlib.suppress(OSError):  # ENOMEM, EAGAIN: the fork itself failed
            child = Forked("housing's peak tier", lambda: [j.call() for j in peaks])
    guess: tuple[list[Assignment], list[WaitlistEntry]] | None = None
    if child is not None:
        try:
            first, _ = placed([(None, j.start) for j in peaks])
            guess = first, explained(first, False)
            try:
                answers = child.result()
            except WorkerDied:
                answers = [j.call() for j in peaks]
        finally:
            child.close()
    else:
        answers = [j.call() for j in peaks]
    assignments, tiers = placed(list(answers))
    results = [_merge(name, rs) for name, rs in tiers.items()]
    struck = [t.name for t in results if t.net_struck]
    if struck and progress:
        progress(
            f"warning: housing's wall-clock safety net ({scenario.config.solver.wall_clock_limit_s:g}"
            f" s) struck in {', '.join(struck)}: those tiers' plan depends on the machine's "
            "speed and load, not only on the deterministic budgets"
        )
    stopped = [t.name for t in results if t.lp_stopped]
    if stopped and progress:
        progress(
            f"warning: a count stopped housing's LP in {', '.join(stopped)} before it was "
            "exact: those tiers' bounds are weaker than their LPs' (README, Budgets)"
        )
    all_optimal = all(t.optimal for t in results)
    # the explanation reads the assignments and all_optimal alone
    if guess is not None and not all_optimal and guess[0] == assignments:
        waitlist = guess[1]
    else:
        waitlist = explained(assignments, all_optimal)
    moved = None
    if previous is not None:
        ids = {w.id for w in scenario.workers}
        now: dict[str, str] = {}
        for a in assignments:  # where each person sleeps first
            now.setdefault(a.worker_id, a.foresteria_id)
        moved = sum(1 for wid, f in previous.items() if now.get(wid) != f and wid in ids)
    return HousingPlan(
        assignments=assignments,
        waitlist=waitlist,
        tiers=results,
        districts=len(districts),
        units=len(units),
        moved=moved,
        blocks=len(jobs),
        lottery=rank,
    )


@dataclass(frozen=True, kw_only=True)
class _PeakJob:
    """A district's peak tier (plan_housing): the blocks it joins (with their models) and where
    their columns start in its program, the plan it starts from, and the call that answers it
    (TierResult, plan)."""

    kept: list[tuple[int, _Model]]
    offsets: list[int]
    start: np.ndarray
    call: Callable[[], tuple[TierResult, np.ndarray]]

    @property
    def large(self) -> bool:
        """A program of RESTRICT_MIN_COLUMNS or more (a restricted LP, and no search asked where
        more than SEARCH_MAX_FREE columns are free)."""
        return len(self.start) >= RESTRICT_MIN_COLUMNS


def _settled(rs: list[TierResult], model: _Model, x: np.ndarray) -> list[TierResult]:
    """The block's tiers with each objective that is a sum over the columns (all but the peak)
    as the block's final plan x gives it. A tier's value holds as a row (>= for a maximum, <=
    for a minimum), so a later tier's plan may do better on an earlier tier it left unproven: on
    the 20,000-worker season the bed-nights tier's moves housed one more person of priority 0
    than the priority-0 tier's own plan, and the commute tier's moved a unit to an option with
    one more night; the plan's tiers must say what the plan does (the verifier recounts them).

    A tier proven optimal moves only where its own value was not a row: with a balance weight
    the blended tier fixes commute + weight x peak, and the peak tier may trade commute for peak
    at exactly the weight (review 21 R, H1). Such a tier is then not said to be optimal: it ends
    `budget`, its bound kept where it still bounds the value (else the value itself)."""
    out = []
    for r in rs:
        obj = model.obj.get(r.name)
        if obj is None:
            out.append(r)
            continue
        value = int(obj @ x[: len(obj)])
        if value == r.objective or not r.optimal:
            out.append(replace(r, objective=value))
            continue
        bound = min(r.bound, value) if r.sense == "min" else max(r.bound, value)
        out.append(replace(r, objective=value, bound=bound, optimal=value == bound, proof="budget"))
    return out


def _merge(name: str, rs: list[TierResult]) -> TierResult:
    """One line per tier: sums over blocks (the peak: the largest); the weakest proof."""
    proofs = {r.proof for r in rs}
    proof = next(p for p in reversed(PROOFS_STRONGEST_FIRST) if p in proofs)
    optimal = all(r.optimal for r in rs)
    seconds = sum(r.seconds for r in rs)
    if name == "peak_permille":
        return TierResult(
            name=name,
            sense="min",
            objective=max(r.objective for r in rs),
            bound=max(r.bound for r in rs),
            optimal=optimal,
            seconds=seconds,
            proof=proof,
            searches=sum(r.searches for r in rs),
            net_struck=any(r.net_struck for r in rs),
            lp_stopped=any(r.lp_stopped for r in rs),
        )
    return TierResult(
        name=name,
        sense=rs[0].sense,
        objective=sum(r.objective for r in rs),
        bound=sum(r.bound for r in rs),
        optimal=optimal,
        seconds=seconds,
        proof=proof,
        searches=sum(r.searches for r in rs),
        net_struck=any(r.net_struck for r in rs),
        lp_stopped=any(r.lp_stopped for r in rs),
    )


def _extract(
    comp: _Component, values: dict[tuple[int, int], int], rank: dict[str, str] | None = None
) -> list[Assignment]:
    """Turn counts into people: within a class, members in id order (lottery order, when the
    lottery is drawn) fill options in order of their foresterie's ids; one assignment per
    foresteria a person sleeps at."""
    out: list[Assignment] = []

    def place(w: Worker, opt: Option) -> None:
        out.extend(
            Assignment(
                worker_id=w.id,
                foresteria_id=sp.foresteria_id,
                section=w.section,
                arrival=sp.start,
                departure=sp.end,
            )
            for sp in spans(w, opt)
            if sp.nights
        )

    for ui, u in enumerate(comp.units):
        opts = comp.opts[ui]
        if u.is_group:
            for k, opt in enumerate(opts):
                if values.get((ui, k)):
                    for w in u.members:
                        place(w, opt)
            continue
        members = sorted(u.members, key=lambda w: (rank[w.id], w.id)) if rank else list(u.members)
        for k in sorted(range(len(opts)), key=lambda k: tuple(f.id for f in opts[k])):
            for _ in range(values.get((ui, k), 0)):
                place(members.pop(0), opts[k])
    return out
