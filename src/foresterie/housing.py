"""Who sleeps where: a lexicographic MIP (OR-Tools + SCIP) assignment of housing units to foresterie.

Tiers, each solved to optimality (or budget) and then fixed as a constraint:
  1. house the most priority-3 people, then priority 2, 1, 0;
  1b. (re-planning only) keep the most people at their previous foresteria;
  2. minimise commute = sum over housed workers of one-way seconds to their farm x workdays of stay;
  3. minimise peak occupancy = max over foresteria f, night n of ceil(1000 * used(f,n) / beds(f)).
Units that share no eligible foresteria are independent, so each district is solved on its own.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ortools.linear_solver import pywraplp

from .model import SECTIONS, Foresteria, Scenario, Section
from .rounding import Rounded, round_lp
from .travel import TravelMatrix
from .units import Unit, build_units, commute_cost, eligibility, farms_by_id
from .waitlist import WaitlistEntry, diagnose_pinned, explain_waitlist

PRIORITIES = (3, 2, 1, 0)


@dataclass(frozen=True)
class Assignment:
    worker_id: str
    foresteria_id: str
    section: Section
    arrival: date
    departure: date


@dataclass(frozen=True)
class TierResult:
    name: str
    sense: str  # "max" | "min"
    objective: int
    bound: int
    optimal: bool
    seconds: float

    @property
    def gap(self) -> float:
        if self.objective == self.bound:
            return 0.0
        return abs(self.bound - self.objective) / max(1, abs(self.objective))


@dataclass
class HousingPlan:
    assignments: list[Assignment]
    waitlist: list[WaitlistEntry]
    tiers: list[TierResult]
    components: int
    units: int
    moved: int | None = None  # re-planning: people not where the previous run put them


@dataclass
class _Component:
    units: list[Unit]
    foresterie: list[Foresteria]
    elig: dict[int, list[int]]  # unit index -> foresteria indices (within component)


def _components(
    units: list[Unit], fs: list[Foresteria], ok: dict[int, list[int]]
) -> list[_Component]:
    """Connected components of the unit-foresteria eligibility graph (union-find on foresterie)."""
    parent = list(range(len(fs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for fl in ok.values():
        for j in fl[1:]:
            a, b = find(fl[0]), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    by_root: dict[int, list[int]] = defaultdict(list)
    for ui, fl in ok.items():
        if fl:
            by_root[find(fl[0])].append(ui)
    comps = []
    for root in sorted(by_root):
        f_idx = sorted({j for ui in by_root[root] for j in ok[ui]})
        local = {j: k for k, j in enumerate(f_idx)}
        cu = [units[ui] for ui in by_root[root]]
        elig = {k: [local[j] for j in ok[ui]] for k, ui in enumerate(by_root[root])}
        comps.append(_Component(cu, [fs[j] for j in f_idx], elig))
    return comps


class _Model:
    """One component's MIP with the expressions every tier needs."""

    def __init__(self, comp: _Component, scenario: Scenario, matrix: TravelMatrix,
                 with_commute: bool = True):  # fmt: skip
        self.comp = comp
        cfg = scenario.config.solver
        solver = pywraplp.Solver.CreateSolver(cfg.housing_backend.upper())
        if solver is None:  # pragma: no cover - both ship with ortools wheels
            raise RuntimeError(f"MIP backend {cfg.housing_backend} is not available")
        self.s = solver
        self.zero = solver.IntVar(0, 0, "zero")
        if cfg.housing_backend == "scip":
            solver.SetSolverSpecificParametersAsString(
                # Ctrl-C belongs to the CLI (one line, exit 130), not to SCIP.
                f"misc/catchctrlc = FALSE\n"
                f"limits/nodes = {cfg.housing_node_limit}\nrandomization/randomseedshift = "
                f"{scenario.config.scenario.seed % 2**31}\n"
            )
        else:
            solver.SetSolverSpecificParametersAsString(
                f"mip_max_nodes = {cfg.housing_node_limit}\nrandom_seed = "
                f"{scenario.config.scenario.seed % 2**31}\nthreads = 1\noutput_flag = false\n"
            )
        farms = farms_by_id(scenario)
        self.x: dict[tuple[int, int], pywraplp.Variable] = {}
        self.commute_coef: dict[tuple[int, int], int] = {}
        usage = [u.usage() for u in comp.units]
        prio_terms: dict[int, list[tuple[pywraplp.Variable, int]]] = defaultdict(list)
        keep_terms: list[tuple[pywraplp.Variable, int]] = []
        commute_terms: list[tuple[pywraplp.Variable, int]] = []
        for ui, u in enumerate(comp.units):
            ub = 1 if u.is_group else u.size
            vs = []
            for fi in comp.elig[ui]:
                f = comp.foresterie[fi]
                v = solver.IntVar(0, ub, f"x[{u.key},{f.id}]")
                self.x[ui, fi] = v
                vs.append(v)
                per_copy: dict[int, int] = defaultdict(int)
                for w in u.members if u.is_group else u.members[:1]:
                    per_copy[w.priority] += 1
                for p, c in per_copy.items():
                    prio_terms[p].append((v, c))
                if u.previous == f.id:
                    keep_terms.append((v, u.size if u.is_group else 1))
                if with_commute:
                    self.commute_coef[ui, fi] = commute_cost(u, f.id, matrix, farms)
                    commute_terms.append((v, self.commute_coef[ui, fi]))
            if u.pinned is not None:
                solver.Add(self._sum([(v, 1) for v in vs]) == ub)
            else:
                solver.Add(self._sum([(v, 1) for v in vs]) <= ub)
        self.housed = {p: self._sum(prio_terms[p]) for p in PRIORITIES}
        self.keep = self._sum(keep_terms)
        self.commute = self._sum(commute_terms)
        # Capacity: usage only rises on arrival nights, so those nights are enough.
        self.peak = solver.IntVar(0, 1000, "peak_permille")
        # Peak rows are added only for the last tier: before it they bind nothing but weigh on
        # every LP solve.
        self._peak_rows: list[tuple[int, date, list[tuple[Any, int]]]] = []
        for fi, f in enumerate(comp.foresterie):
            here = [ui for ui in range(len(comp.units)) if (ui, fi) in self.x]
            nights_all: set[date] = set()
            for s in SECTIONS:
                us = [ui for ui in here if comp.units[ui].section == s]
                nights = {d for ui in us for d in comp.units[ui].arrivals()}
                nights_all |= nights
                for d in sorted(nights):
                    terms = [(self.x[ui, fi], usage[ui][d][0]) for ui in us if d in usage[ui]]
                    if terms:
                        solver.Add(self._sum(terms) <= f.beds(s))
            acc = [ui for ui in here if any(a for _, a in usage[ui].values())]
            for d in sorted({d for ui in acc for d in comp.units[ui].arrivals()}):
                terms = [(self.x[ui, fi], usage[ui][d][1]) for ui in acc
                         if usage[ui].get(d, (0, 0))[1]]  # fmt: skip
                if terms:
                    solver.Add(self._sum(terms) <= f.beds_accessible)
            if f.beds_total > 0:
                self._peak_rows += [(fi, d, [(self.x[ui, fi], 1000 * usage[ui][d][0])
                                             for ui in here if d in usage[ui]])
                                    for d in sorted(nights_all)]  # fmt: skip
        self.values: dict[tuple[int, int], int] = {}

    def _sum(self, terms: list[tuple[Any, int]]) -> Any:
        return _terms(terms, self.zero)

    def fix(self, expr: Any, sense: str, value: int) -> None:
        self.s.Add(expr >= value if sense == "max" else expr <= value)

    def hint(self, values: dict[tuple[int, int], int]) -> None:
        self.s.SetHint(list(self.x.values()), [float(values.get(k, 0)) for k in self.x])

    def add_peak_rows(self) -> None:
        for fi, _, terms in self._peak_rows:
            self.s.Add(self._sum(terms) - self.comp.foresterie[fi].beds_total * self.peak <= 0)

    def solve_tier(self, name: str, expr: Any, sense: str, deadline: float) -> TierResult:
        s = self.s
        if sense == "max":
            s.Maximize(expr)
        else:
            s.Minimize(expr)
        s.SetTimeLimit(int(max(1.0, deadline - time.monotonic()) * 1000))
        params = pywraplp.MPSolverParameters()
        params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
        t0 = time.monotonic()
        heur = round_lp(s)
        if heur is not None and _proven(heur, sense):
            return self._accept(name, sense, expr, heur, t0)
        if heur is not None and heur.values is not None:
            s.SetHint(s.variables(), [float(v) for v in heur.values])
        status = s.Solve(params)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            raise RuntimeError(f"housing tier {name}: MIP status {status}")
        value = round(s.Objective().Value())
        bound = round(s.Objective().BestBound()) if status != pywraplp.Solver.OPTIMAL else value
        self.values = {k: round(v.solution_value()) for k, v in self.x.items()}
        # Fix this tier's value before the next one; warm-start it from this solution.
        if sense == "max":
            s.Add(expr >= value)
        else:
            s.Add(expr <= value)
        hint_vars = list(self.x.values())
        s.SetHint(hint_vars, [float(self.values[k]) for k in self.x])
        return TierResult(name, sense, value, bound, status == pywraplp.Solver.OPTIMAL,
                          time.monotonic() - t0)  # fmt: skip

    def _accept(self, name: str, sense: str, expr: Any, heur: Rounded, t0: float) -> TierResult:
        assert heur.values is not None and heur.objective is not None
        values = heur.values
        self.values = {k: values[v.index()] for k, v in self.x.items()}
        self.fix(expr, sense, heur.objective)
        self.s.SetHint(self.s.variables(), [float(v) for v in values])
        return TierResult(name, sense, heur.objective, heur.objective, True, time.monotonic() - t0)


def _proven(heur: Rounded, sense: str) -> bool:
    """A rounded solution at the LP bound is optimal: no search needed.

    The LP comes from GLOP with floating-point tolerances, so the bound is taken with half a unit
    of margin in the safe direction (raised for max, lowered for min). Objectives are integral;
    the margin is only trusted where the LP value is small enough (counts, per mille) for the
    solver's error to be far below 0.5; the commute tier (~1e8 s) always goes to SCIP.
    """
    if heur.objective is None or abs(heur.lp_objective) >= 1e6:
        return False
    if sense == "max":
        return heur.objective >= math.floor(heur.lp_objective + 0.5)
    return heur.objective <= math.ceil(heur.lp_objective - 0.5)


def _terms(terms: list[tuple[Any, int]], zero: Any) -> Any:
    """A linear expression; an empty sum is `zero`, a variable fixed at 0."""
    if not terms:
        return zero
    return pywraplp.SumArray([c * v for v, c in terms])


def _aggregate(comp: _Component) -> tuple[_Component, list[list[int]]]:
    """Merge classes that tier 1 cannot tell apart: same stay, section, priority, accessibility,
    pin, previous place and eligible foresterie (the farm only matters through those for tier 1).
    Returns the merged component and, per merged unit, the classes it stands for."""
    keys: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for ui, u in enumerate(comp.units):
        if u.is_group:
            keys[("group", ui)].append(ui)
        else:
            w = u.members[0]
            keys[(w.arrival, w.departure, w.section, w.priority, w.accessible, u.pinned,
                  u.previous, tuple(comp.elig[ui]))].append(ui)  # fmt: skip
    units, elig, parts = [], {}, []
    for k, (_, uis) in enumerate(sorted(keys.items(), key=lambda kv: kv[1][0])):
        first = comp.units[uis[0]]
        members = tuple(m for ui in uis for m in comp.units[ui].members)
        units.append(Unit(f"A:{first.key}", members, first.is_group, first.section, first.pinned,
                          first.previous))  # fmt: skip
        elig[k] = comp.elig[uis[0]]
        parts.append(uis)
    return _Component(units, comp.foresterie, elig), parts


def _disaggregate(comp: _Component, parts: list[list[int]],
                  values: dict[tuple[int, int], int]) -> dict[tuple[int, int], int]:  # fmt: skip
    """Spread a merged solution over the classes it stands for (any split is feasible)."""
    out: dict[tuple[int, int], int] = {}
    for a, uis in enumerate(parts):
        room = {ui: 1 if comp.units[ui].is_group else comp.units[ui].size for ui in uis}
        for fi in comp.elig[uis[0]]:
            left = values.get((a, fi), 0)
            for ui in uis:
                take = min(left, room[ui])
                if take:
                    out[ui, fi] = take
                    room[ui] -= take
                    left -= take
    return out


def plan_housing(
    scenario: Scenario,
    matrix: TravelMatrix,
    previous: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> HousingPlan:
    """Solve every district, tier by tier; explain every waitlisted person."""
    t0 = time.monotonic()
    deadline = t0 + scenario.config.solver.wall_clock_limit_s
    max_commute_s = scenario.config.housing.max_commute_min * 60
    fs = list(scenario.foresterie)
    units = build_units(scenario.workers, previous)
    diagnose_pinned(scenario, units)  # raises InfeasibleError naming constraint, place, nights
    ok = {
        ui: [fi for fi, f in enumerate(fs) if eligibility(u, f, matrix, max_commute_s).ok]
        for ui, u in enumerate(units)
    }
    comps = _components(units, fs, ok)
    tiers: dict[str, list[TierResult]] = defaultdict(list)
    assignments: list[Assignment] = []
    for ci, comp in enumerate(comps):
        if progress:
            names = ", ".join(f.id for f in comp.foresterie)
            progress(f"district {ci + 1}/{len(comps)} ({names}): {len(comp.units)} units")
        # Tier 1 (and re-planning stability) on merged classes, then the rest on the full model
        # with those optima fixed and the merged solution, split back, as the starting point.
        agg, parts = _aggregate(comp)
        amdl = _Model(agg, scenario, matrix, with_commute=False)
        mdl = _Model(comp, scenario, matrix)
        for p in PRIORITIES:
            r = amdl.solve_tier(f"housed_priority_{p}", amdl.housed[p], "max", deadline)
            tiers[r.name].append(r)
            mdl.fix(mdl.housed[p], "max", r.objective)
        if previous is not None:
            r = amdl.solve_tier("kept_in_place", amdl.keep, "max", deadline)
            tiers[r.name].append(r)
            mdl.fix(mdl.keep, "max", r.objective)
        mdl.hint(_disaggregate(comp, parts, amdl.values))
        weight = scenario.config.housing.balance_weight
        if weight:  # optional tier weight: trade commute seconds against peak occupancy
            mdl.add_peak_rows()
            blended = mdl.commute + weight * mdl.peak
            r = mdl.solve_tier("commute_s", blended, "min", deadline)
            commute = sum(c * mdl.values.get(k, 0) for k, c in mdl.commute_coef.items())
            tiers["commute_s"].append(TierResult("commute_s", "min", commute, commute, r.optimal,
                                                 r.seconds))  # fmt: skip
        else:
            tiers["commute_s"].append(mdl.solve_tier("commute_s", mdl.commute, "min", deadline))
            mdl.add_peak_rows()
        tiers["peak_permille"].append(mdl.solve_tier("peak_permille", mdl.peak, "min", deadline))
        assignments.extend(_extract(comp, mdl.values))
    assignments.sort(key=lambda a: a.worker_id)
    results = [_merge(name, rs) for name, rs in tiers.items()]
    housed = {a.worker_id for a in assignments}
    all_optimal = all(t.optimal for t in results)
    waitlist = explain_waitlist(scenario, matrix, units, assignments, housed, all_optimal, previous)
    moved = None
    if previous is not None:
        now = {a.worker_id: a.foresteria_id for a in assignments}
        moved = sum(1 for wid, f in previous.items() if now.get(wid) != f and wid in
                    {w.id for w in scenario.workers})  # fmt: skip
    return HousingPlan(assignments, waitlist, results, len(comps), len(units), moved)


def _merge(name: str, rs: list[TierResult]) -> TierResult:
    if name == "peak_permille":
        return TierResult(name, "min", max(r.objective for r in rs), max(r.bound for r in rs),
                          all(r.optimal for r in rs), sum(r.seconds for r in rs))  # fmt: skip
    return TierResult(name, rs[0].sense, sum(r.objective for r in rs), sum(r.bound for r in rs),
                      all(r.optimal for r in rs), sum(r.seconds for r in rs))  # fmt: skip


def _extract(comp: _Component, values: dict[tuple[int, int], int]) -> list[Assignment]:
    """Turn counts into people: within a class, members in id order fill foresterie in id order."""
    out = []
    for ui, u in enumerate(comp.units):
        if u.is_group:
            for fi in comp.elig[ui]:
                if values.get((ui, fi)):
                    f = comp.foresterie[fi]
                    out += [Assignment(w.id, f.id, w.section, w.arrival, w.departure)
                            for w in u.members]  # fmt: skip
            continue
        members = list(u.members)
        for fi in sorted(comp.elig[ui], key=lambda k: comp.foresterie[k].id):
            f = comp.foresterie[fi]
            for _ in range(values.get((ui, fi), 0)):
                w = members.pop(0)
                out.append(Assignment(w.id, f.id, w.section, w.arrival, w.departure))
    return out
