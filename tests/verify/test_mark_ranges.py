"""The verifier's own reading of the monitor's marks (verify._mark_ranges): the line's sums kept
as cells' ranges move give every range the cell-by-cell sums gave (the verifier's code before
session 16, copied here as the reference)."""

from __future__ import annotations

import math
import random

from foresterie.verify import _mark_ranges

Key = tuple[str, str]


def _ranges_cell_by_cell(
    t: dict[Key, int], gone: set[Key], tight: set[Key], lines: list[dict[Key, int]], hole: bool
) -> tuple[dict[Key, float], dict[Key, float]]:
    lo: dict[Key, float] = {k: 1 if k in tight else 0 for k in gone}
    hi: dict[Key, float] = {k: 4 if k in tight else math.inf for k in gone}
    sums = []
    for line in lines:
        here = {k: c for k, c in line.items() if k in gone}
        if here:
            sums.append((here, sum(c * t[k] for k, c in here.items())))
    for _ in range(64):
        changed = False
        for here, total in sums:
            for k, c in here.items():
                least = sum(
                    o_c * (lo[o] if o_c > 0 else hi[o]) for o, o_c in here.items() if o != k
                )
                most = sum(o_c * (hi[o] if o_c > 0 else lo[o]) for o, o_c in here.items() if o != k)
                ends = sorted(((total - most) / c, (total - least) / c))
                low = max(lo[k], math.ceil(ends[0] - 1e-9)) if ends[0] > -math.inf else lo[k]
                high = min(hi[k], math.floor(ends[1] + 1e-9)) if ends[1] < math.inf else hi[k]
                if k not in tight and hole:
                    low = 5 if 0 < low < 5 else low
                    high = 0 if 0 < high < 5 else high
                if low <= high and (low, high) != (lo[k], hi[k]):
                    lo[k], hi[k], changed = low, high, True
        if not changed:
            break
    return lo, hi


def test_the_ranges_from_sums_kept_equal_the_sums_cell_by_cell() -> None:
    """Weeks by breakdowns with a season row (its line signed -1, as _hide signs it), cells
    hidden at random, "<5" cells tight or not, with and without the hole at 1..4: every range
    and its type equal the reference's on 400 tables, and ranges do narrow."""
    rng = random.Random(16)
    narrowed = 0
    for _ in range(400):
        weeks, brs = rng.randint(2, 7), rng.randint(2, 6)
        t = {
            (f"w{w}", f"b{b}"): rng.choice([0, 1, 2, 3, 4, 5, 7, 12])
            for w in range(weeks)
            for b in range(brs)
        }
        for b in range(brs):
            t["season", f"b{b}"] = sum(t[f"w{w}", f"b{b}"] for w in range(weeks))
        lines = [{(f"w{w}", f"b{b}"): 1 for b in range(brs)} for w in range(weeks)]
        lines += [
            {**{(f"w{w}", f"b{b}"): 1 for w in range(weeks)}, ("season", f"b{b}"): -1}
            for b in range(brs)
        ]
        small = {k for k, v in t.items() if 0 < v < 5}
        gone = small | {k for k in t if rng.random() < 0.3}
        tight = {k for k in small if rng.random() < 0.7}
        hole = rng.random() < 0.5
        got = _mark_ranges(t, gone, tight, lines, hole)
        want = _ranges_cell_by_cell(t, gone, tight, lines, hole)
        assert got == want
        assert [type(v) for side in got for v in side.values()] == [
            type(v) for side in want for v in side.values()
        ]
        start = {k: (1, 4) if k in tight else (0, math.inf) for k in gone}
        narrowed += sum((got[0][k], got[1][k]) != start[k] for k in gone)
    assert narrowed > 100
