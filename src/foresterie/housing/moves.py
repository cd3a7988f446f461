"""A deterministic local search for a tier its LP and searches left open: one copy of a unit moved
to a better option of its own unit, or, where that option's beds are full, moved together with a
copy of another unit that holds those beds and has a better (or no worse) place elsewhere.

Why: at scale a tier's restricted LP is stopped by a count (tiers._lp) and no search is asked, so
the tier used to end on the plan it started from. On the 20,000-worker spread season
(benchmarks/pipeline_scale.py) the commute tier kept the priority-0 plan: 2,716 of 14,634 stays
at the foresteria nearest the farm among those open every night (against 1,048 of 1,138 on
the 1,700-worker season, where every tier is proven), each farm's crew lodged at 2.9 foresterie
on average, workers an hour from their farm while the beds beside it held people whose farms
were elsewhere. That is a plan a
coordinator would not sign, and it made every shuttle day bigger (more farms a foresteria-day).

What a move keeps: every row of the program (the unit's own count, the beds of every night as the
occupancy chains count them, the rows of the tiers already fixed: a move between options with
other nights must keep the bed-nights the tier above fixed, and so on), checked exactly on the
rows a move touches; the result is checked once more as a whole (`Program.feasible`). A move is
made only if it lowers c'x: the tier's objective never gets worse, and the tiers above are rows.

The work is counted, not timed: at most MOVE_TRIES_PER_COLUMN checks per column of the units'
options, and MAX_PASSES passes over the units, so the same program and start give the same plan
on any machine; the caller's wall-clock safety net (`late`) is only a net.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from foresterie.housing.greedy import Chain, Sheet
from foresterie.housing.mip import Program

# The local search's counts (README "Housing model", "Budgets"): checks of a move per column of
# the units' options, passes over the units, and the units holding the full beds a move would
# need that are asked to make room, with the options each is tried at, and the options of a
# unit one more copy of which is to be housed that ask for room (on the 20,000-worker season's
# priority-0 tier: 1 ask, 26 more people housed in 5 CPU s; 2, 31 in 8; 6, 42 in 21).
MOVE_TRIES_PER_COLUMN = 20
MAX_PASSES = 2
MAKERS_OF_ROOM = 12
THEIR_OPTIONS = 6
ASKS_PER_UNIT = 1


def improve(
    p: Program,
    c: np.ndarray,
    start: np.ndarray,
    chains: Sequence[Chain],
    unit_of: np.ndarray,
    late: Callable[[], bool] = lambda: False,
) -> np.ndarray | None:
    """`start` (a feasible plan, minimise c'x) after every improving move found within the
    counts, or None if the program is not one this reads (a row besides the chains' reads a
    counter), nothing improved, or the result is not exactly feasible."""
    n = p.n
    a = p._arrays()
    lo, hi, lb, ub = a.lo, a.hi, a.lb, a.ub
    c = np.asarray(c)
    # Each unit's columns, cheapest first, and the cheapest option a unit has.
    ucols = np.flatnonzero(unit_of[:n] >= 0)
    if not ucols.size:
        return None
    ucols = ucols[np.lexsort((ucols, c[ucols], unit_of[ucols]))]
    bounds = np.flatnonzero(np.diff(unit_of[ucols])) + 1
    by_unit = np.split(ucols, bounds)
    unit_index = {int(unit_of[g[0]]): g for g in by_unit}
    cheapest = {u: int(c[g[0]]) for u, g in unit_index.items()}
    if all(int(c[g[0]]) == int(c[g[-1]]) for g in by_unit) and not np.any(c[ucols] < 0):
        return None  # no unit has a better option than another, no copy adds: nothing to do
    sheet = Sheet.of(p, start, chains)
    if sheet is None or not p.feasible(sheet.x):
        return None
    x, act, chain_of, beds = sheet.x, sheet.act, sheet.chain_of, sheet.beds
    rid, val, col_start = sheet.rid, sheet.val, sheet.col_start
    before = int(c @ x)

    # The rows' entries and sides as Python lists: a check reads a handful of them, and a
    # numpy scalar read costs several times a list's (the 20,000-worker season's commute tier
    # checks 1.3 million moves).
    rid_l, val_l, start_l = rid.tolist(), val.tolist(), col_start.tolist()
    lb_l, ub_l = lb.tolist(), ub.tolist()
    act_l = act.tolist()  # the rows' activity, kept by apply beside the sheet's
    by_column: dict[int, list[tuple[int, int]]] = {}

    def entries(j: int) -> list[tuple[int, int]]:
        """Column j's entries in the rows other than the chains': (row, value)."""
        got = by_column.get(j)
        if got is None:
            lo_k, hi_k = start_l[j], start_l[j + 1]
            got = by_column[j] = list(zip(rid_l[lo_k:hi_k], val_l[lo_k:hi_k], strict=True))
        return got

    delta = np.zeros(len(x), dtype=np.int64)  # a check's counter changes, zero between checks
    headroom = hi - x  # each counter's room under its upper bound, kept by apply
    # A counter cannot go below its lower bound when the copies it counts leave (it is their
    # sum, and a copy leaves only where it is): the lower check is needed only where a
    # counter's lower bound is above 0.
    low_counters = bool(np.any(lo[sheet.counter] > 0))
    weights: dict[tuple[int, int], np.ndarray] = {}  # (column, step): its counters' change

    def change(j: int, d: int) -> tuple[np.ndarray, np.ndarray]:
        got = weights.get((j, d))
        idx, w = beds(j)
        if got is None:
            got = weights[(j, d)] = w * d
        return idx, got

    def check(moves: list[tuple[int, int]]) -> tuple[bool, np.ndarray | None]:
        """Whether the moves (column, +1 or -1) keep every bound and row; if only beds stand in
        the way, the counters that would overflow (sorted)."""
        step: dict[int, int] = {}  # a column named twice moves by the sum
        for j, d in moves:
            step[j] = step.get(j, 0) + d
        for j, d in step.items():
            if not lo[j] <= x[j] + d <= hi[j]:
                return False, None
        rows: dict[int, float] = {}
        for j, d in moves:
            for r, v in entries(j):
                rows[r] = rows.get(r, act_l[r]) + d * v
        for r, total in rows.items():
            if total < lb_l[r] or total > ub_l[r]:
                return False, None
        touched = []
        for j, d in moves:
            idx, wd = change(j, d)  # each column's counters are distinct: `+=` adds each once
            if idx.size:
                delta[idx] += wd
                touched.append(idx)
        if not touched:
            return True, None
        idx = touched[0] if len(touched) == 1 else np.concatenate(touched)
        dl = delta[idx]
        delta[idx] = 0
        if low_counters and np.any(x[idx] + dl < lo[idx]):
            return False, None
        over = dl > headroom[idx]
        if over.any():
            return False, np.unique(idx[over])
        return True, None

    def apply(moves: list[tuple[int, int]]) -> None:
        for j, d in moves:
            sheet.add(j, d)
            for r, v in entries(j):
                act_l[r] += d * v
            idx, wd = change(j, d)
            headroom[idx] -= wd

    # Each chain's uses (columns and the counters they cover), to find who holds full beds.
    held = [(ch.col, ch.first_var + ch.start, ch.first_var + ch.stop) for ch in chains]
    budget = MOVE_TRIES_PER_COLUMN * int(ucols.size)
    tries = 0

    def make_room(base: list[tuple[int, int]], over: np.ndarray) -> bool:
        """The moves `base` (a copy of a unit to a better option, or one more copy) together
        with a copy of another unit that holds the beds of `over` (the counters `base` would
        overflow; the first one's chain only: a move short of beds in two chains at once, a
        family bed and an accessible one, is not made), moved to an option of its own, if all
        of it fits and lowers c'x."""
        nonlocal tries
        gain = sum(d * int(c[j]) for j, d in base)
        mover = int(unit_of[base[-1][0]])
        k = int(over[0])
        cols, first, end = held[int(chain_of[k])]
        cand = np.unique(cols[(first <= k) & (k < end)])
        cand = cand[(x[cand] > 0) & (unit_of[cand] != mover)]
        if not cand.size:
            return False
        # The units that could gain most by moving first; only those that could pay for it.
        room = np.array([cheapest[int(unit_of[b])] for b in cand.tolist()]) - c[cand]
        cand = cand[gain + room < 0]
        room = room[gain + room < 0]
        for b in cand[np.lexsort((cand, room))][:MAKERS_OF_ROOM].tolist():
            tried = 0
            for b2 in unit_index[int(unit_of[b])].tolist():
                if gain + int(c[b2]) - int(c[b]) >= 0 or tried >= THEIR_OPTIONS:
                    break
                if b2 == b:
                    continue
                tried += 1
                tries += 1
                moves = [*base, (b, -1), (b2, 1)]
                ok, _ = check(moves)
                if ok:
                    apply(moves)
                    return True
        return False

    # One more copy where a copy raises the objective (a tier that houses people, bed-nights):
    # the greedy (greedy.py) has added every copy that fits, so what is left needs beds another
    # unit holds; each such unit's options are tried in turn, a unit's cheapest first.
    adds = ucols[c[ucols] < 0]  # in the units' order, each unit's cheapest first
    asked: dict[int, int] = {}  # units' options that asked another unit to make room
    for j2 in adds.tolist():
        if tries >= budget or late():
            break
        u = int(unit_of[j2])
        while x[j2] < hi[j2] and tries < budget:
            tries += 1
            ok, over = check([(j2, 1)])
            if ok:
                apply([(j2, 1)])
                continue
            if over is None or asked.get(u, 0) >= ASKS_PER_UNIT:
                break
            asked[u] = asked.get(u, 0) + 1
            if not make_room([(j2, 1)], over):
                break

    for _ in range(MAX_PASSES):
        moved = False
        for g in by_unit:
            if tries >= budget or late():
                break
            if int(c[g[0]]) == int(c[g[-1]]):
                continue
            for j in g[::-1].tolist():  # the dearest copies first
                while x[j] > 0 and tries < budget:
                    done = False
                    for j2 in g.tolist():
                        if int(c[j2]) >= int(c[j]):
                            break
                        tries += 1
                        ok, over = check([(j, -1), (j2, 1)])
                        if ok:
                            apply([(j, -1), (j2, 1)])
                        elif over is None or not make_room([(j, -1), (j2, 1)], over):
                            continue
                        done = moved = True
                        break
                    if not done:
                        break
        if not moved or tries >= budget or late():
            break
    if int(c @ x) >= before or not p.feasible(x):
        return None
    return x
