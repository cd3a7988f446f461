"""Can a kind's trips be split onto its vehicles? The question behind the idle-vehicle fill.

Identical vehicles of a base (same seats, costs and duty: a kind, as the chaining folds them)
are interchangeable: which of two equal buses runs a trip is a label the chaining chose, not a
property of the plan. The fill (`routes._fill_idle`) must therefore ask whether a new round trip
fits the kind, not one particular vehicle: whether the kind's trips plus the new ones can be
split onto its vehicles so that no vehicle's trips overlap (turnaround included) and no vehicle
drives beyond its duty limit.

Without duty limits that is interval colouring (trips under way at once at most the vehicles).
With them it is a small packing, decided here exactly by a depth-first search over trips by
start: a vehicle free at a trip's start stays free for every later trip, so free vehicles differ
only by their time on trips, and vehicles in equal states are tried once. The search stops after
a deterministic number of nodes (`SPLIT_NODES`) and then says it does not know: the caller falls
back to the per-vehicle test there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

# Search nodes before the split is left undecided (deterministic; a node is one trip placed).
SPLIT_NODES: Final = 4000


@dataclass(frozen=True, kw_only=True)
class Span:
    """What the split needs of a trip: it starts at `start`, its vehicle is free again at
    `free` (return plus turnaround), and it counts `duty` minutes against the duty limit."""

    start: int
    free: int
    duty: int


@dataclass(frozen=True, kw_only=True)
class Split:
    """The answer: "yes" with a vehicle index (0..n-1) per span, in the order given; "no"
    (proven: no split exists); "unknown" (the node budget ran out)."""

    status: Literal["yes", "no", "unknown"]
    vehicle: tuple[int, ...] = ()


class _OutOfNodes(Exception):
    pass


def split_kind(
    spans: list[Span], vehicles: int, duty_limit: int, nodes: int = SPLIT_NODES
) -> Split:
    """Spans onto `vehicles` equal vehicles of duty `duty_limit` each: on one vehicle, a span
    starts no earlier than the previous one's `free`, and their duties sum to the limit at most.
    Exact up to the node budget. Deterministic: spans by (start, free, duty, position), vehicles
    tried in a fixed order (the most time on trips first among those free, the unused last), so
    the split returned is a function of the spans alone."""
    if not spans:
        return Split(status="yes")
    if vehicles <= 0 or any(s.duty > duty_limit for s in spans):
        return Split(status="no")
    if sum(s.duty for s in spans) > vehicles * duty_limit or _depth(spans) > vehicles:
        return Split(status="no")
    order = sorted(
        range(len(spans)), key=lambda i: (spans[i].start, spans[i].free, spans[i].duty, i)
    )
    rest = [0] * (len(order) + 1)  # duty of the spans from position p on
    for p in range(len(order) - 1, -1, -1):
        rest[p] = rest[p + 1] + spans[order[p]].duty
    free_at = [-(10**9)] * vehicles
    spent = [0] * vehicles
    used = [False] * vehicles
    got = [0] * len(spans)
    budget = [nodes]

    def place(p: int) -> bool:
        if p == len(order):
            return True
        budget[0] -= 1
        if budget[0] < 0:
            raise _OutOfNodes
        s = spans[order[p]]
        if sum(duty_limit - spent[v] for v in range(vehicles)) < rest[p]:
            return False
        tried: set[tuple[bool, int]] = set()
        options = sorted(
            (
                v
                for v in range(vehicles)
                if free_at[v] <= s.start and spent[v] + s.duty <= duty_limit
            ),
            key=lambda v: (not used[v], -spent[v], v),
        )
        for v in options:
            if (used[v], spent[v]) in tried:  # a free vehicle's future is its time spent alone
                continue
            tried.add((used[v], spent[v]))
            was = (free_at[v], spent[v], used[v])
            free_at[v], spent[v], used[v] = s.free, spent[v] + s.duty, True
            got[order[p]] = v
            if place(p + 1):
                return True
            free_at[v], spent[v], used[v] = was
        return False

    try:
        found = place(0)
    except _OutOfNodes:
        return Split(status="unknown")
    return Split(status="yes", vehicle=tuple(got)) if found else Split(status="no")


def _depth(spans: list[Span]) -> int:
    """The most spans under way at one minute ([start, free) intervals)."""
    events = sorted([(s.start, 1) for s in spans] + [(s.free, -1) for s in spans])
    depth = most = 0
    for _, step in events:  # at equal times the ends (-1) come first: a span may start at free
        depth += step
        most = max(most, depth)
    return most
