"""The VRPTW bench's independent checker, and VRPLIB `.sol` files in and out.

Why apart from the engines: a benchmark answer is only as good as its check. This module takes
the instance as written (`vrptwfile.RawInstance`, exact `Fraction`s) and routes as customer
numbers, and recomputes everything in exact arithmetic with no engine code, no matrix and no
floating point: arc d_ij = floor(10 * euclid) / 10 via the integer square root (DIMACS), service
starts at max(arrival, ready), waiting allowed, vehicles leave the depot when it opens and must be
back before it closes, capacity on the total demand of a route, every customer exactly once, at
most VEHICLES routes when the file sets a fleet. Like VROOM's check mode, the violations come from
a closed list of causes, each naming the route and the customer.

`.sol` (CVRPLIB): `Route #1: 3 5 7` per route (customers 1..n, the depot implicit) and
`Cost 827.3`; other lines (`Time`, comments) are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, get_args

from foresterie.core.errors import Problem, ScenarioError
from foresterie.shuttles.vrptwfile import RawInstance

Cause = Literal[
    "unknown customer",
    "served twice",
    "not served",
    "capacity",
    "late",
    "depot closed",
    "fleet",
    "cost",
]
CAUSES: tuple[Cause, ...] = get_args(Cause)
COST_TOLERANCE = Fraction(1, 20)  # a stated Cost may differ by rounding to one decimal only


@dataclass(frozen=True, kw_only=True)
class Violation:
    cause: Cause
    route: int | None  # 1-based, as in `.sol`
    customer: int | None
    detail: str

    def __str__(self) -> str:
        where = f"route {self.route}: " if self.route is not None else ""
        who = f"customer {self.customer}: " if self.customer is not None else ""
        return f"{self.cause}: {where}{who}{self.detail}"


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    distance_exact: Fraction  # total of the truncated arcs (a multiple of 0.1)
    routes: int  # non-empty routes
    violation_list: tuple[Violation, ...]

    @property
    def feasible(self) -> bool:
        return not self.violation_list

    @property
    def distance(self) -> float:
        return round(float(self.distance_exact), 1)

    @property
    def violations(self) -> tuple[str, ...]:
        return tuple(str(v) for v in self.violation_list)


@dataclass(frozen=True, kw_only=True)
class SolFile:
    routes: tuple[tuple[int, ...], ...]
    cost: Fraction | None
    cost_line: int | None


def arc(raw: RawInstance, i: int, j: int) -> Fraction:
    """DIMACS arc: floor(10 * sqrt(dx^2 + dy^2)) / 10, exact (floor(sqrt(q)) = isqrt(floor(q)));
    an EXPLICIT instance's arc as its file writes it."""
    if raw.matrix is not None:
        return raw.matrix[i][j]
    a, b = raw.nodes[i], raw.nodes[j]
    q = (a.x - b.x) ** 2 + (a.y - b.y) ** 2
    return Fraction(math.isqrt(math.floor(100 * q)), 10)


def _t(v: Fraction) -> str:
    return f"{float(v):g}"


def check_routes(raw: RawInstance, routes: Sequence[Sequence[int]]) -> CheckReport:
    n = raw.customers
    out: list[Violation] = []
    seen: dict[int, int] = {}
    total = Fraction(0)
    used = 0
    depot = raw.nodes[0]
    for k, route in enumerate(routes, start=1):
        if not route:
            continue
        used += 1
        for c in route:
            if not 1 <= c <= n:
                out.append(
                    Violation(
                        cause="unknown customer",
                        route=k,
                        customer=c,
                        detail=f"not a customer of this instance (1..{n})",
                    )
                )
        route = [c for c in route if 1 <= c <= n]
        load = sum((raw.nodes[c].demand for c in route), Fraction(0))
        if load > raw.capacity:
            out.append(
                Violation(
                    cause="capacity",
                    route=k,
                    customer=None,
                    detail=f"load {_t(load)} exceeds the capacity {_t(raw.capacity)}",
                )
            )
        t, prev = depot.ready, 0
        for c in route:
            if c in seen:
                out.append(
                    Violation(
                        cause="served twice",
                        route=k,
                        customer=c,
                        detail=f"already served by route {seen[c]}",
                    )
                )
            seen.setdefault(c, k)
            d = arc(raw, prev, c)
            total += d
            node = raw.nodes[c]
            arrive = t + (raw.nodes[prev].service if prev else Fraction(0)) + d
            t = max(arrive, node.ready)
            if t > node.due:
                out.append(
                    Violation(
                        cause="late",
                        route=k,
                        customer=c,
                        detail=f"service starts at {_t(t)}, its window closes at {_t(node.due)}",
                    )
                )
            prev = c
        d = arc(raw, prev, 0)
        total += d
        back = t + raw.nodes[prev].service + d
        if back > depot.due:
            out.append(
                Violation(
                    cause="depot closed",
                    route=k,
                    customer=None,
                    detail=f"back at the depot at {_t(back)}, it closes at {_t(depot.due)}",
                )
            )
    missing = [c for c in range(1, n + 1) if c not in seen]
    for c in missing:
        out.append(Violation(cause="not served", route=None, customer=c, detail="on no route"))
    if raw.vehicles is not None and used > raw.vehicles:
        out.append(
            Violation(
                cause="fleet",
                route=None,
                customer=None,
                detail=f"{used} routes, the instance has {raw.vehicles} vehicles",
            )
        )
    return CheckReport(distance_exact=total, routes=used, violation_list=tuple(out))


def check_sol(raw: RawInstance, sol: SolFile) -> CheckReport:
    """Routes checked, and the stated Cost against the recomputed (DIMACS) distance."""
    rep = check_routes(raw, sol.routes)
    if sol.cost is None or abs(sol.cost - rep.distance_exact) <= COST_TOLERANCE:
        return rep
    wrong = Violation(
        cause="cost",
        route=None,
        customer=None,
        detail=f"the file states {_t(sol.cost)} (line {sol.cost_line}), the routes measure "
        f"{rep.distance:.1f} (DIMACS: arcs truncated to 0.1)",
    )
    return CheckReport(
        distance_exact=rep.distance_exact,
        routes=rep.routes,
        violation_list=(*rep.violation_list, wrong),
    )


_ROUTE = re.compile(r"^route\s*#?\s*(\d+)\s*:(.*)$", re.IGNORECASE)
_COST = re.compile(r"^cost\s*:?\s*(\S+)\s*$", re.IGNORECASE)


def read_sol(path: Path) -> SolFile:
    """A CVRPLIB `.sol` file; unreadable lines raise ScenarioError (file:line: field: message)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), None, "file", "not a UTF-8 text file")]) from None
    routes: list[tuple[int, ...]] = []
    cost: Fraction | None = None
    cost_line: int | None = None
    for i, ln in enumerate(text.splitlines(), start=1):
        s = ln.strip()
        if m := _ROUTE.match(s):
            try:
                routes.append(tuple(int(tok) for tok in m.group(2).split()))
            except ValueError:
                raise ScenarioError(
                    [Problem(str(path), i, "Route", "customers must be whole numbers")]
                ) from None
        elif m := _COST.match(s):
            try:
                cost, cost_line = Fraction(m.group(1)), i
            except (ValueError, ZeroDivisionError):
                raise ScenarioError(
                    [Problem(str(path), i, "Cost", f"{m.group(1)!r} is not a number")]
                ) from None
        elif s.lower().startswith("route"):
            raise ScenarioError(
                [Problem(str(path), i, "Route", "expected 'Route #N: customer customer ...'")]
            )
    if not routes:
        raise ScenarioError([Problem(str(path), None, "Route", "no 'Route #N:' line")])
    return SolFile(routes=tuple(routes), cost=cost, cost_line=cost_line)


def sol_text(routes: Sequence[Sequence[int]], distance: float) -> str:
    lines = [f"Route #{k}: {' '.join(map(str, r))}" for k, r in enumerate(routes, start=1)]
    return "\n".join([*lines, f"Cost {distance:.1f}", ""])
