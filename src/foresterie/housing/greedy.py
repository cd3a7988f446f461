"""A cheap, deterministic completion of a housing plan: fill the beds a plan leaves empty.

Why: when the wall-clock safety net (or a node or iteration budget) ends a tier before it is
proven, the tier returns the best plan it has. Before this module that could be the previous
tier's plan unchanged: on the 20,000-worker spread season the net struck in priority 0 and the
tier kept the priority-1 plan, 0 people of priority 0 housed, beside thousands of empty beds.
A coordinator would not sign that. `complete` adds, column by column, every copy that still
fits (beds on every night of its spans, the unit's own count, the rows of the tiers already
fixed) and that improves the tier's objective, people per bed-night first. Started from a
rounded-down LP answer, it first rounds up the columns the LP wanted most.

It reads the program's occupancy chains (tiers._Chain: counters o_k of one resource on its
row nights, o_k = o_{k-1} + starting - ending), so a copy is checked against the beds of its
nights by one slice per span; every other row is read from the program's own arrays. The
result is checked exactly (`Program.feasible`) before it is returned. No solver, no clock: the
same program and start give the same plan on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from foresterie.housing.mip import Program


class Chain(Protocol):
    """An occupancy chain as tiers._Chain writes it: counters first_var..first_var+m-1 defined
    by rows first_row..first_row+m-1; use i of column col[i] adds weight[i] to counters
    start[i]..stop[i]-1."""

    @property
    def first_var(self) -> int: ...
    @property
    def first_row(self) -> int: ...
    @property
    def m(self) -> int: ...
    @property
    def col(self) -> np.ndarray: ...
    @property
    def start(self) -> np.ndarray: ...
    @property
    def stop(self) -> np.ndarray: ...
    @property
    def weight(self) -> np.ndarray: ...


def fill_counters(x: np.ndarray, chains: Sequence[Chain]) -> None:
    """Set every chain's counters in x to the occupancy x's columns give (in place)."""
    for ch in chains:
        delta = np.zeros(ch.m + 1, dtype=np.int64)
        np.add.at(delta, ch.start, ch.weight * x[ch.col])
        np.add.at(delta, ch.stop, -ch.weight * x[ch.col])
        x[ch.first_var : ch.first_var + ch.m] = np.cumsum(delta[: ch.m])


@dataclass
class Sheet:
    """A plan of a program with its bookkeeping, for the cheap passes that add or move copies
    one at a time (`complete` here, moves.improve): the rows other than the chains' by column
    (CSC) and their activity, every chain's uses by column, and each counter's chain."""

    p: Program
    x: np.ndarray  # the plan: integer columns, the chains' counters filled in
    act: np.ndarray  # every row's activity under x
    counter: np.ndarray  # the chains' counters (a mask over the columns)
    chain_row: np.ndarray  # the chains' rows (a mask over the rows)
    chain_of: np.ndarray  # each counter's chain (-1: not a counter)
    rid: np.ndarray  # the other rows' entries, by column: row, column, value
    col: np.ndarray
    val: np.ndarray
    col_start: np.ndarray
    use_start: np.ndarray  # the chains' uses, by column: first counter, end counter, weight
    u_from: np.ndarray
    u_to: np.ndarray
    u_w: np.ndarray
    _beds: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def of(cls, p: Program, start: np.ndarray, chains: Sequence[Chain]) -> Sheet | None:
        """`start` (clipped to the columns' bounds, its counters recomputed) on p; None if p is
        not one this reads (a row other than the chains' reads a counter)."""
        n = p.n
        a = p._arrays()
        x = np.clip(np.asarray(start, dtype=np.int64).copy(), a.lo, a.hi)
        counter = np.zeros(n, dtype=bool)
        chain_row = np.zeros(len(p.rows), dtype=bool)
        chain_of = np.full(n, -1, dtype=np.int64)
        for k, ch in enumerate(chains):
            counter[ch.first_var : ch.first_var + ch.m] = True
            chain_row[ch.first_row : ch.first_row + ch.m] = True
            chain_of[ch.first_var : ch.first_var + ch.m] = k
        other = ~chain_row[a.rid]
        if np.any(counter[a.col[other]]):
            return None
        x[counter] = 0
        fill_counters(x, chains)
        rid, col, val = a.rid[other], a.col[other], a.val[other]
        order = np.argsort(col, kind="stable")
        rid, col, val = rid[order], col[order], val[order]
        parts = [
            (ch.col, ch.first_var + ch.start, ch.first_var + ch.stop, ch.weight)
            for ch in chains
            if len(ch.col)
        ]
        if parts:
            u_col = np.concatenate([q[0] for q in parts])
            u_from = np.concatenate([q[1] for q in parts])
            u_to = np.concatenate([q[2] for q in parts])
            u_w = np.concatenate([q[3] for q in parts])
            uo = np.argsort(u_col, kind="stable")
            u_col, u_from, u_to, u_w = u_col[uo], u_from[uo], u_to[uo], u_w[uo]
        else:
            u_col = u_from = u_to = u_w = np.zeros(0, dtype=np.int64)
        return cls(
            p=p,
            x=x,
            act=p.activity(x),
            counter=counter,
            chain_row=chain_row,
            chain_of=chain_of,
            rid=rid,
            col=col,
            val=val,
            col_start=np.searchsorted(col, np.arange(n + 1)),
            use_start=np.searchsorted(u_col, np.arange(n + 1)),
            u_from=u_from,
            u_to=u_to,
            u_w=u_w,
        )

    def beds(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """The counters one copy of column j raises and by how much (its people's spans summed:
        a family's members share counters)."""
        got = self._beds.get(j)
        if got is None:
            k0, k1 = int(self.use_start[j]), int(self.use_start[j + 1])
            if k1 == k0:
                got = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
            else:
                u_from, u_to = self.u_from, self.u_to
                idx = np.concatenate([np.arange(u_from[k], u_to[k]) for k in range(k0, k1)])
                w = np.repeat(self.u_w[k0:k1], u_to[k0:k1] - u_from[k0:k1])
                uniq, inverse = np.unique(idx, return_inverse=True)
                got = (uniq, np.bincount(inverse, weights=w).astype(np.int64))
            self._beds[j] = got
        return got

    def add(self, j: int, t: int) -> None:
        """t more copies of column j (t < 0: fewer), its rows and counters with it."""
        self.x[j] += t
        for k in range(self.col_start[j], self.col_start[j + 1]):
            self.act[self.rid[k]] += t * self.val[k]
        idx, w = self.beds(j)
        self.x[idx] += t * w


def complete(
    p: Program,
    c: np.ndarray,
    start: np.ndarray,
    chains: Sequence[Chain],
    size: np.ndarray,
    lp_x: np.ndarray | None = None,
) -> np.ndarray | None:
    """The plan `start` (minimise c'x) with every improving copy that fits added, or None if
    the program is not one this reads (a row other than the chains' reads a counter) or the
    result is not exactly feasible.

    start: integer columns (counters are recomputed); size: the bed-nights of one copy of each
    column (the greedy order is c_j / size_j, lowest first, then the column); lp_x: an LP
    answer `start` was rounded down from: its columns with a fractional part are first rounded
    up, largest part first, where they fit, and rows the rounding left short (a tier's fixed
    value, on either side) are refilled from their own columns in the same order."""
    n = p.n
    a = p._arrays()
    hi, lb, ub = a.hi, a.lb, a.ub
    sheet = Sheet.of(p, start, chains)
    if sheet is None:
        return None
    x, act, counter, chain_row = sheet.x, sheet.act, sheet.counter, sheet.chain_row
    rid, val, col_start = sheet.rid, sheet.val, sheet.col_start
    row_start = np.searchsorted(a.rid, np.arange(len(p.rows) + 1))

    def room(j: int, most: int) -> int:
        """How many copies of column j still fit, at most `most`."""
        t = min(most, int(hi[j] - x[j]))
        for k in range(col_start[j], col_start[j + 1]):
            if t <= 0:
                return 0
            r, v = int(rid[k]), int(val[k])
            if v > 0 and ub[r] < math.inf:
                t = min(t, int((ub[r] - act[r]) // v))
            elif v < 0 and lb[r] > -math.inf:
                t = min(t, int((act[r] - lb[r]) // -v))
        if t > 0:
            idx, w = sheet.beds(j)
            if idx.size:
                t = min(t, int(np.min((hi[idx] - x[idx]) // w)))
        return max(t, 0)

    add = sheet.add
    units = ~counter
    nights = np.zeros(n, dtype=np.int64)
    nights[: min(n, len(size))] = size[:n]
    gain = np.where(units & (c < 0), c / np.maximum(1, nights), 0.0)
    by_gain = np.lexsort((np.arange(n), gain))
    up = np.zeros(0, dtype=np.int64)
    if lp_x is not None:
        part = np.where(units, lp_x[:n] - x, 0.0)
        up = np.flatnonzero(part > 1e-6)
        up = up[np.lexsort((up, -part[up]))]
    rank = np.empty(n, dtype=np.int64)
    rank[np.concatenate([up, np.setdiff1d(by_gain, up, assume_unique=True)])] = np.arange(n)
    for j in up.tolist():
        if t := room(j, 1):
            add(j, t)
    # Rows left short (a tier's value fixed as a row: "obj >= v" on the full model, "-obj <= -v"
    # as _tier writes it; a pinned unit's count): refilled from the columns that move them back,
    # in the same order.
    for r in np.flatnonzero(((act < lb) | (act > ub)) & ~chain_row).tolist():
        span = slice(row_start[r], row_start[r + 1])
        cols, vals = a.col[span], a.val[span]
        helps = cols[vals > 0] if act[r] < lb[r] else cols[vals < 0]
        for j in sorted(helps.tolist(), key=lambda j: rank[j]):
            if lb[r] <= act[r] <= ub[r]:
                break
            if t := room(j, int(hi[j] - x[j])):
                add(j, t)
    for j in by_gain.tolist():
        if gain[j] >= 0:
            break
        if t := room(j, int(hi[j] - x[j])):
            add(j, t)
    return x if p.feasible(x) else None
