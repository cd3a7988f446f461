"""Reading VRPTW instance files (VRPLIB and Solomon's table) for the bench, as written.

Why its own reader: the bench is judged on instances nobody here has seen, so every well-formed
file must load and every malformed one must say `file:line: field: message` (exit 2) instead of a
traceback or a silently wrong model. Both text formats are read: VRPLIB (`NAME : C101`,
`NODE_COORD_SECTION` ..., node 1 the depot, as in CVRPLIB and PyVRP/Instances) and Solomon's
original table (`VEHICLE` / `NUMBER CAPACITY` / `CUSTOMER` rows of seven numbers, customer 0 the
depot, as in SINTEF's files). Numbers stay exact (`Fraction`): the independent checker
(`vrptw_check.py`) does exact arithmetic on them, the solver side scales them to integer tenths.
Only what no solution could meet is refused here (a window closing before it opens, a demand over
the capacity); reachability needs distances and lives with the bench (`solomon.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from foresterie.core.errors import Problem, ScenarioError


@dataclass(frozen=True, kw_only=True)
class Node:
    """One row of the instance, as written (exact numbers), with the line it came from."""

    x: Fraction
    y: Fraction
    demand: Fraction
    ready: Fraction
    due: Fraction
    service: Fraction
    line: int  # the line of its time window (VRPLIB) or of its row (Solomon)
    demand_line: int  # the line of its demand (the same row in Solomon's table)


@dataclass(frozen=True, kw_only=True)
class RawInstance:
    """An instance as read: nodes[0] is the depot, customers are numbered 1..n as in `.sol`."""

    name: str
    path: str
    fmt: str  # "vrplib" | "solomon"
    capacity: Fraction
    vehicles: int | None  # the fleet limit, None when the file sets none
    nodes: tuple[Node, ...]
    capacity_line: int
    vehicles_line: int | None

    @property
    def customers(self) -> int:
        return len(self.nodes) - 1

    def label(self, c: int) -> str:
        """Customer c as a message names it: VRPLIB files number it c + 1 (the depot is 1)."""
        if c == 0:
            return "the depot"
        return f"customer {c} (node {c + 1})" if self.fmt == "vrplib" else f"customer {c}"


def _bad(path: Path | str, line: int | None, field: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), line, field, message)])


def _num(path: Path, line: int, field: str, token: str) -> Fraction:
    try:
        value = Fraction(token)
    except (ValueError, ZeroDivisionError):
        raise _bad(path, line, field, f"{token!r} is not a number") from None
    return value


def _int(path: Path, line: int, field: str, token: str) -> int:
    value = _num(path, line, field, token)
    if value.denominator != 1:
        raise _bad(path, line, field, f"{token!r} is not a whole number")
    return int(value)


def read_raw(path: Path) -> RawInstance:
    """Read a VRPLIB or Solomon-table VRPTW file; bad input raises ScenarioError (file:line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _bad(path, None, "file", "not a UTF-8 text file") from None
    lines = [(i + 1, ln.strip()) for i, ln in enumerate(text.splitlines())]
    lines = [(i, ln) for i, ln in lines if ln]
    if not lines:
        raise _bad(path, None, "file", "empty: not a VRPTW instance")
    keys = ("NAME", "TYPE", "DIMENSION", "COMMENT", "CAPACITY", "VEHICLES")
    if any(ln.upper().startswith(keys) and ":" in ln for _, ln in lines[:5]):
        raw = _read_vrplib(path, lines)
    elif any(ln.upper().startswith("VEHICLE") for _, ln in lines[:6]):
        raw = _read_solomon(path, lines)
    else:
        i, first = lines[0]
        raise _bad(
            path,
            i,
            "format",
            f"{first[:40]!r}: neither VRPLIB (NAME : ..., NODE_COORD_SECTION) nor a Solomon table "
            "(name, VEHICLE, NUMBER CAPACITY, CUSTOMER)",
        )
    _check_values(raw)
    return raw


_SECTIONS = {
    "NODE_COORD_SECTION": ("x", "y"),
    "DEMAND_SECTION": ("demand",),
    "TIME_WINDOW_SECTION": ("ready", "due"),
    "SERVICE_TIME_SECTION": ("service",),
}
_HEADER = re.compile(r"^([A-Z_]+)\s*:\s*(.*)$", re.IGNORECASE)


def _read_vrplib(path: Path, lines: list[tuple[int, str]]) -> RawInstance:
    head: dict[str, tuple[int, str]] = {}
    cols: dict[str, dict[int, tuple[int, list[str]]]] = {}
    depots: list[tuple[int, int]] = []
    section: str | None = None
    for i, ln in lines:
        word = ln.split()[0].upper()
        if word == "EOF":
            break
        if word.endswith("_SECTION"):
            if word not in _SECTIONS and word != "DEPOT_SECTION":
                raise _bad(path, i, word, "section not supported for VRPTW (EUC_2D coordinates)")
            if word in cols or (word == "DEPOT_SECTION" and depots):
                raise _bad(path, i, word, "section given twice")
            section = word
            if word != "DEPOT_SECTION":
                cols[word] = {}
            continue
        m = _HEADER.match(ln)
        if m and section is None:
            head[m.group(1).upper()] = (i, m.group(2).strip())
            continue
        if section is None:
            raise _bad(path, i, "header", f"{ln[:40]!r} is not KEY : VALUE")
        if section == "DEPOT_SECTION":
            for tok in ln.split():
                depots.append((i, _int(path, i, "DEPOT_SECTION", tok)))
            continue
        toks = ln.split()
        want = len(_SECTIONS[section])
        if len(toks) != want + 1:
            raise _bad(
                path,
                i,
                section,
                f"{len(toks)} fields, expected {want + 1} (node id, "
                + ", ".join(_SECTIONS[section])
                + ")",
            )
        node = _int(path, i, section, toks[0])
        if node in cols[section]:
            raise _bad(path, i, section, f"node {node} given twice")
        cols[section][node] = (i, toks[1:])
    return _vrplib_instance(path, head, cols, depots, lines[-1][0])


def _vrplib_instance(
    path: Path,
    head: dict[str, tuple[int, str]],
    cols: dict[str, dict[int, tuple[int, list[str]]]],
    depots: list[tuple[int, int]],
    last: int,
) -> RawInstance:
    def need(key: str) -> tuple[int, str]:
        if key not in head:
            raise _bad(path, None, key, "missing (the VRPLIB header needs it)")
        return head[key]

    tline, kind = need("TYPE")
    if kind.upper() not in ("VRPTW", "CVRPTW"):
        raise _bad(path, tline, "TYPE", f"{kind!r}: only VRPTW / CVRPTW instances are benched")
    ewt = head.get("EDGE_WEIGHT_TYPE", (None, "EUC_2D"))
    if ewt[1].upper() != "EUC_2D":
        raise _bad(path, ewt[0], "EDGE_WEIGHT_TYPE", f"{ewt[1]!r}: only EUC_2D is supported")
    dline, dim_s = need("DIMENSION")
    dim = _int(path, dline, "DIMENSION", dim_s)
    if dim < 2:
        raise _bad(path, dline, "DIMENSION", f"{dim}: a depot and at least one customer needed")
    cline, cap_s = need("CAPACITY")
    capacity = _num(path, cline, "CAPACITY", cap_s)
    vehicles, vline = None, None
    if "VEHICLES" in head:
        vline, veh_s = head["VEHICLES"]
        vehicles = _int(path, vline, "VEHICLES", veh_s)
        if vehicles < 1:
            raise _bad(path, vline, "VEHICLES", f"{vehicles}: at least one vehicle needed")
    service_all = Fraction(0)
    if "SERVICE_TIME" in head:
        sline, svc_s = head["SERVICE_TIME"]
        service_all = _num(path, sline, "SERVICE_TIME", svc_s)
    for sec in ("NODE_COORD_SECTION", "DEMAND_SECTION", "TIME_WINDOW_SECTION"):
        if sec not in cols:
            raise _bad(path, last, sec, "missing")
    for sec, rows in cols.items():
        extra = sorted(set(rows) - set(range(1, dim + 1)))
        if extra:
            raise _bad(
                path, rows[extra[0]][0], sec, f"node {extra[0]} outside 1..{dim} (DIMENSION)"
            )
        if len(rows) != dim:
            gone = min(set(range(1, dim + 1)) - set(rows))
            raise _bad(
                path,
                max(i for i, _ in rows.values()),
                sec,
                f"{len(rows)} nodes, DIMENSION says {dim} (node {gone} missing)",
            )
    ids = [d for _, d in depots if d != -1]
    if ids != [1]:
        where = depots[0][0] if depots else last
        raise _bad(path, where, "DEPOT_SECTION", f"{ids or 'none'}: one depot, node 1, expected")
    nodes = []
    for k in range(1, dim + 1):
        _, (x, y) = cols["NODE_COORD_SECTION"][k]
        di, (d,) = cols["DEMAND_SECTION"][k]
        ti, (e, late) = cols["TIME_WINDOW_SECTION"][k]
        if "SERVICE_TIME_SECTION" in cols:
            si, (s,) = cols["SERVICE_TIME_SECTION"][k]
            svc = _num(path, si, "SERVICE_TIME_SECTION", s)
        else:
            svc = Fraction(0) if k == 1 else service_all
        ci = cols["NODE_COORD_SECTION"][k][0]
        nodes.append(
            Node(
                x=_num(path, ci, "NODE_COORD_SECTION", x),
                y=_num(path, ci, "NODE_COORD_SECTION", y),
                demand=_num(path, di, "DEMAND_SECTION", d),
                ready=_num(path, ti, "TIME_WINDOW_SECTION", e),
                due=_num(path, ti, "TIME_WINDOW_SECTION", late),
                service=svc,
                line=ti,
                demand_line=di,
            )
        )
    name = head.get("NAME", (0, path.stem))[1] or path.stem
    return RawInstance(
        name=name,
        path=str(path),
        fmt="vrplib",
        capacity=capacity,
        vehicles=vehicles,
        nodes=tuple(nodes),
        capacity_line=cline,
        vehicles_line=vline,
    )


def _read_solomon(path: Path, lines: list[tuple[int, str]]) -> RawInstance:
    name = lines[0][1]
    k = 1
    while k < len(lines) and not lines[k][1].upper().startswith("NUMBER"):
        k += 1
    if k + 1 >= len(lines):
        raise _bad(path, lines[-1][0], "VEHICLE", "missing NUMBER CAPACITY and their values")
    vline, toks = lines[k + 1][0], lines[k + 1][1].split()
    if len(toks) != 2:
        raise _bad(path, vline, "VEHICLE", f"{len(toks)} fields, expected 2 (NUMBER CAPACITY)")
    vehicles = _int(path, vline, "NUMBER", toks[0])
    capacity = _num(path, vline, "CAPACITY", toks[1])
    if vehicles < 1:
        raise _bad(path, vline, "NUMBER", f"{vehicles}: at least one vehicle needed")
    k += 2
    while k < len(lines) and not lines[k][1].upper().startswith("CUSTOMER"):
        k += 1
    if k >= len(lines):
        raise _bad(path, lines[-1][0], "CUSTOMER", "missing (the customer table)")
    k += 1
    while k < len(lines) and not lines[k][1][0].isdigit() and lines[k][1][0] not in "+-.":
        k += 1  # the column header, one or two lines
    fields = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE")
    nodes: list[Node] = []
    for i, ln in lines[k:]:
        toks = ln.split()
        if len(toks) != 7:
            raise _bad(path, i, "CUSTOMER", f"{len(toks)} fields, expected 7 ({', '.join(fields)})")
        no = _int(path, i, "CUST NO.", toks[0])
        if no != len(nodes):
            raise _bad(path, i, "CUST NO.", f"{no}: expected {len(nodes)} (numbered 0, 1, 2 ...)")
        v = [_num(path, i, f, t) for f, t in zip(fields[1:], toks[1:], strict=True)]
        nodes.append(
            Node(
                x=v[0],
                y=v[1],
                demand=v[2],
                ready=v[3],
                due=v[4],
                service=v[5],
                line=i,
                demand_line=i,
            )
        )
    if len(nodes) < 2:
        raise _bad(path, lines[-1][0], "CUSTOMER", "a depot (0) and at least one customer needed")
    return RawInstance(
        name=name,
        path=str(path),
        fmt="solomon",
        capacity=capacity,
        vehicles=vehicles,
        nodes=tuple(nodes),
        capacity_line=vline,
        vehicles_line=vline,
    )


def _check_values(raw: RawInstance) -> None:
    """Values no solution can meet: every defect found, each at its line (exit 2)."""
    p = raw.path
    probs: list[Problem] = []
    if raw.capacity <= 0:
        probs.append(Problem(p, raw.capacity_line, "CAPACITY", f"{raw.capacity}: must be > 0"))
    depot = raw.nodes[0]
    if depot.demand != 0:
        probs.append(
            Problem(p, depot.demand_line, "demand", f"the depot has demand {depot.demand}, not 0")
        )
    for c, nd in enumerate(raw.nodes):
        who = raw.label(c)
        if nd.ready > nd.due:
            probs.append(
                Problem(
                    p,
                    nd.line,
                    "time window",
                    f"{who}: opens at {nd.ready} after it closes at {nd.due}",
                )
            )
        if nd.demand < 0:
            probs.append(Problem(p, nd.demand_line, "demand", f"{who}: {nd.demand} is negative"))
        if nd.service < 0 or nd.ready < 0:
            probs.append(
                Problem(
                    p, nd.line, "time window", f"{who}: service time and ready time must be >= 0"
                )
            )
        if c and nd.demand > raw.capacity > 0:
            probs.append(
                Problem(
                    p,
                    nd.demand_line,
                    "demand",
                    f"{who}: demand {nd.demand} exceeds the "
                    f"vehicle capacity {raw.capacity}: no vehicle can serve it",
                )
            )
    if probs:
        raise ScenarioError(probs)
