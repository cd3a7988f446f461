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

import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, get_args

from foresterie.core.errors import Problem, ScenarioError
from foresterie.shuttles.vrptwfile import RawInstance

Cause = Literal[
    "unknown customer",
    "depot in route",
    "empty route",
    "served twice",
    "not served",
    "capacity",
    "late",
    "depot closed",
    "fleet",
    "cost",
    "instance",
]
CAUSES: tuple[Cause, ...] = get_args(Cause)
COST_TOLERANCE = Fraction(1, 20)  # a stated Cost may differ by rounding to one decimal only
EUCLID_TOLERANCE = 0.01  # unrounded-arc Costs are written to two decimals (SINTEF, Solomon)
# ASCII digits only (re.ASCII): "١٠" or "²" is not a number here, as in the scenario readers.
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$", re.ASCII)


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
    name: str | None = None  # the instance the file says it solves (`Instance name : C101`)
    numbers: tuple[int, ...] = ()  # each route's number in the file (`Route #7:`)
    name_line: int | None = None


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


def check_routes(
    raw: RawInstance, routes: Sequence[Sequence[int]], numbers: Sequence[int] = ()
) -> CheckReport:
    """Every route walked; `numbers` are the routes' numbers as a `.sol` file gives them
    (`Route #7:`), so a violation names the route the file calls 7; by default 1, 2, 3 ..."""
    n = raw.customers
    out: list[Violation] = []
    seen: dict[int, int] = {}
    total = Fraction(0)
    used = 0
    depot = raw.nodes[0]
    for j, route in enumerate(routes):
        k = numbers[j] if j < len(numbers) else j + 1
        if not route:
            out.append(
                Violation(
                    cause="empty route",
                    route=k,
                    customer=None,
                    detail="no customer (CVRPLIB lists only the routes that serve some)",
                )
            )
            continue
        used += 1
        for c in route:
            if c == 0:
                out.append(
                    Violation(
                        cause="depot in route",
                        route=k,
                        customer=None,
                        detail="0 is the depot, implicit at both ends (customers are 1..n)",
                    )
                )
            elif not 1 <= c <= n:
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


def _splits(items: list[int]) -> Iterator[list[list[int]]]:
    """Every partition of items into non-empty blocks."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _splits(rest):
        yield [[first], *part]
        for k in range(len(part)):
            yield [*part[:k], [first, *part[k]], *part[k + 1 :]]


BRUTE_FORCE_MAX = 7  # customers: 7 has 877 splits into routes and 5,040 orders of one route


def brute_force_optimum(raw: RawInstance) -> Fraction | None:
    """The least total distance of a feasible solution by trying every split into routes and
    every order (None: no solution is feasible): the oracle of the tests and the fuzz campaign
    for tiny instances, through this checker only."""
    if raw.customers > BRUTE_FORCE_MAX:
        raise ValueError(f"{raw.customers} customers: brute force is for at most {BRUTE_FORCE_MAX}")
    best: Fraction | None = None
    for part in _splits(list(range(1, raw.customers + 1))):
        for orders in itertools.product(*(itertools.permutations(b) for b in part)):
            rep = check_routes(raw, orders)
            if rep.feasible and (best is None or rep.distance_exact < best):
                best = rep.distance_exact
    return best


def unrounded_total(raw: RawInstance, routes: Sequence[Sequence[int]]) -> float:
    """The routes' length with unrounded Euclidean arcs, the literature's other convention
    (Solomon's tables, SINTEF): a Cost written under it is not a wrong Cost; the bench's distance
    stays the DIMACS one. (Arcs rounded to integers, TSPLIB's EUC_2D, are not accepted: on small
    instances they would let a wrong Cost pass.)"""
    n, total = raw.customers, 0.0
    for route in routes:
        stops = [0, *(c for c in route if 1 <= c <= n), 0] if route else []
        for a, b in itertools.pairwise(stops):
            p, q = raw.nodes[a], raw.nodes[b]
            total += math.hypot(float(p.x - q.x), float(p.y - q.y))
    return total


def check_sol(raw: RawInstance, sol: SolFile) -> CheckReport:
    """Routes checked; the stated Cost against the recomputed distance (DIMACS, or unrounded
    Euclidean to the Cost's last written decimal); the instance the file names, if it names one."""
    rep = check_routes(raw, sol.routes, sol.numbers)
    first: list[Violation] = []  # another instance's solution: said before what follows from it
    extra: list[Violation] = []
    if sol.name is not None and sol.name.lower() not in (
        raw.name.lower(),
        Path(raw.path).stem.lower(),
    ):
        first.append(
            Violation(
                cause="instance",
                route=None,
                customer=None,
                detail=f"the file solves {sol.name!r} (line {sol.name_line}), not {raw.name!r}",
            )
        )
    if sol.cost is not None and abs(sol.cost - rep.distance_exact) > COST_TOLERANCE:
        unrounded = unrounded_total(raw, sol.routes)
        if raw.matrix is not None or abs(float(sol.cost) - unrounded) > EUCLID_TOLERANCE:
            extra.append(
                Violation(
                    cause="cost",
                    route=None,
                    customer=None,
                    detail=f"the file states {_t(sol.cost)} (line {sol.cost_line}), the routes "
                    + (
                        f"measure {rep.distance:.1f} as written (EXPLICIT)"
                        if raw.matrix is not None
                        else f"measure {rep.distance:.1f} (DIMACS: arcs truncated to 0.1), "
                        f"{unrounded:.2f} with unrounded arcs"
                    ),
                )
            )
    if not first and not extra:
        return rep
    return CheckReport(
        distance_exact=rep.distance_exact,
        routes=rep.routes,
        violation_list=(*first, *rep.violation_list, *extra),
    )


_ROUTE = re.compile(r"^route\s*#?\s*(\d+)\s*:(.*)$", re.IGNORECASE | re.ASCII)
_COST = re.compile(r"^cost\s*:?\s*(\S+)$", re.IGNORECASE)
_NAME = re.compile(r"^(?:instance\s*name|instance|name)\s*:\s*(\S+)$", re.IGNORECASE)
# Lines other solvers write around the routes, read and set aside: `Time 12.3`, `Vehicles 10`,
# `Authors : ...`, `Solution`, comments. Anything else is refused at its line (not silently lost).
_ASIDE = re.compile(
    r"^(?:[#%].*|solution|(?:time|vehicles|distance|runtime|gap|seed)\s*:?\s*\S+"
    r"|[A-Za-z][A-Za-z ]*:.*)$",
    re.IGNORECASE,
)


def _sol_error(path: Path, line: int | None, field: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), line, field, message)])


def read_sol(path: Path) -> SolFile:
    """A CVRPLIB `.sol` file; unreadable lines raise ScenarioError (file:line: field: message)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _sol_error(path, None, "file", "not a UTF-8 text file") from None
    if "\0" in text:
        raise _sol_error(path, None, "file", "binary, not text")
    routes: list[tuple[int, ...]] = []
    numbers: dict[int, int] = {}
    cost: Fraction | None = None
    cost_line: int | None = None
    name: str | None = None
    name_line: int | None = None
    for i, ln in enumerate(text.splitlines(), start=1):
        s = ln.strip()
        if not s:
            continue
        if m := _ROUTE.match(s):
            number = int(m.group(1))
            if number in numbers:
                raise _sol_error(
                    path, i, "Route", f"route #{number} given twice (line {numbers[number]})"
                )
            numbers[number] = i
            toks = m.group(2).split()
            if not all(t.isascii() and t.isdigit() and len(t) < 10 for t in toks):
                raise _sol_error(path, i, "Route", "customers must be whole numbers (1..n)")
            routes.append(tuple(int(tok) for tok in toks))
        elif m := _COST.match(s):
            if cost_line is not None:
                raise _sol_error(path, i, "Cost", f"given twice (line {cost_line})")
            if not _NUMBER.match(m.group(1)):
                raise _sol_error(path, i, "Cost", f"{m.group(1)[:20]!r} is not a number")
            cost, cost_line = Fraction(m.group(1)), i
        elif m := _NAME.match(s):
            name, name_line = m.group(1), i
        elif s.lower().startswith(("route", "cost")):
            raise _sol_error(
                path,
                i,
                s.split()[0].rstrip(":#"),
                "expected 'Route #N: customer customer ...' or 'Cost NUMBER'",
            )
        elif not _ASIDE.match(s):
            raise _sol_error(
                path, i, "line", f"{s[:40]!r}: not a route, a cost or a 'Key : value' line"
            )
    if not routes:
        raise _sol_error(path, None, "Route", "no 'Route #N:' line")
    return SolFile(
        routes=tuple(routes),
        cost=cost,
        cost_line=cost_line,
        name=name,
        name_line=name_line,
        numbers=tuple(numbers),
    )


def sol_text(routes: Sequence[Sequence[int]], distance: float) -> str:
    lines = [f"Route #{k}: {' '.join(map(str, r))}" for k, r in enumerate(routes, start=1)]
    return "\n".join([*lines, f"Cost {distance:.1f}", ""])
