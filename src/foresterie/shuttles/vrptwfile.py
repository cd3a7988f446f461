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
    ids: tuple[int, ...] = ()  # the file's node id of each position (VRPLIB); () = 0, 1, 2 ...
    # EDGE_WEIGHT_TYPE EXPLICIT: the file's arc values by position (depot first), exact, used as
    # written; None: EUC_2D on the coordinates under the DIMACS truncation
    matrix: tuple[tuple[Fraction, ...], ...] | None = None
    # header keys this reader does not know, read and left aside: `file:line: KEY: ...` each
    warnings: tuple[str, ...] = ()

    @property
    def customers(self) -> int:
        return len(self.nodes) - 1

    def label(self, c: int) -> str:
        """Customer c as a message names it, with its node id in the file when that differs."""
        if c == 0:
            return "the depot"
        if self.fmt == "vrplib":
            return f"customer {c} (node {self.ids[c] if self.ids else c + 1})"
        return f"customer {c}"


def _bad(path: Path | str, line: int | None, field: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), line, field, message)])


# A decimal number as benchmark files write them; the exponent bounded (Fraction("1e999999999")
# would build a billion-digit integer) and so is the value (arcs and times stay int64 in tenths).
# ASCII digits only (re.ASCII): "١٠" or "²" is not a number here, as in the scenario readers.
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$", re.ASCII)
LIMIT = 10**8


def _num(path: Path, line: int, field: str, token: str) -> Fraction:
    if not _NUMBER.match(token):
        raise _bad(path, line, field, f"{token[:20]!r} is not a number")
    value = Fraction(token)
    if abs(value) > LIMIT:
        raise _bad(path, line, field, f"{token[:20]}: beyond {LIMIT:.0e}, not a VRPTW value")
    return value


def _int(path: Path, line: int, field: str, token: str) -> int:
    value = _num(path, line, field, token)
    if value.denominator != 1:
        raise _bad(path, line, field, f"{token!r} is not a whole number")
    return int(value)


def read_raw(path: Path) -> RawInstance:
    """Read a VRPLIB or Solomon-table VRPTW file; bad input raises ScenarioError (file:line)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad(path, None, "file", "not a UTF-8 text file") from None
    # a DOS end-of-file mark (Ctrl-Z) at the end, as old Solomon files written on DOS have
    if text.rstrip().endswith("\x1a"):
        text = text.rstrip()[:-1]
    if "\0" in text:
        raise _bad(path, text[: text.index("\0")].count("\n") + 1, "file", "binary, not text")
    lines = [(i + 1, ln.strip()) for i, ln in enumerate(text.splitlines())]
    lines = [(i, ln) for i, ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise _bad(path, None, "file", "empty: not a VRPTW instance")
    if any(
        ((m := _HEADER.match(ln)) and m.group(1).upper() in _KEYS) or _section(ln)
        for _, ln in lines[:10]
    ):
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
    "DISPLAY_DATA_SECTION": ("x", "y"),  # drawing only: read for its shape, not used
}
_FREE = ("DEPOT_SECTION", "EDGE_WEIGHT_SECTION")  # numbers in any layout, not one row per node
_KEYS = {
    "NAME",
    "TYPE",
    "COMMENT",
    "DIMENSION",
    "CAPACITY",
    "VEHICLES",
    "SERVICE_TIME",
    "EDGE_WEIGHT_TYPE",
    "EDGE_WEIGHT_FORMAT",
    "DISPLAY_DATA_TYPE",
    "NODE_COORD_TYPE",
}
# VRPLIB keys that add a constraint this reader cannot model: refused, not solved without them
# (CVRPLIB's distance-constrained sets write a route-length limit as DISTANCE)
_UNMODELLED = {"DISTANCE", "MAX_DISTANCE", "MAX_ROUTE_DURATION", "MAX_DURATION"}
_HEADER = re.compile(r"^([A-Za-z_]+)\s*:\s*(.*)$")
_FORMATS = ("FULL_MATRIX", "LOWER_ROW", "UPPER_ROW", "LOWER_DIAG_ROW", "UPPER_DIAG_ROW")


def _section(ln: str) -> str | None:
    word = ln.split()[0].rstrip(":").upper()
    return word if word.endswith("_SECTION") else None


def _read_vrplib(path: Path, lines: list[tuple[int, str]]) -> RawInstance:
    head: dict[str, tuple[int, str]] = {}
    cols: dict[str, dict[int, tuple[int, list[str]]]] = {}
    free: dict[str, list[tuple[int, str]]] = {}
    section: str | None = None
    for i, ln in lines:
        if ln.upper() == "EOF":
            break
        if word := _section(ln):
            if word not in _SECTIONS and word not in _FREE:
                raise _bad(path, i, word, "section not supported for VRPTW")
            if word in cols or word in free:
                raise _bad(path, i, word, "section given twice")
            section = word
            if word in _FREE:
                free[word] = []
            else:
                cols[word] = {}
            rest = ln.split(None, 1)[1:]  # `DEPOT_SECTION : 1` on one line, as some tools write
            ln = rest[0].lstrip(":").strip() if rest else ""
            if not ln:
                continue
        if m := _HEADER.match(ln):  # a header may follow the sections (rows never hold a colon)
            key = m.group(1).upper()
            if key in head and key != "COMMENT":
                raise _bad(path, i, key, f"given twice (line {head[key][0]} and here)")
            head[key] = (i, m.group(2).strip())
            section = None
            continue
        if section is None:
            raise _bad(path, i, "header", f"{ln[:40]!r} is not KEY : VALUE")
        if section in _FREE:
            free[section] += [(i, tok) for tok in ln.split()]
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
            first = cols[section][node][0]
            raise _bad(path, i, section, f"node {node} given twice (lines {first} and {i})")
        cols[section][node] = (i, toks[1:])
    return _vrplib_instance(path, head, cols, free, lines[-1][0])


def _vrplib_instance(
    path: Path,
    head: dict[str, tuple[int, str]],
    cols: dict[str, dict[int, tuple[int, list[str]]]],
    free: dict[str, list[tuple[int, str]]],
    last: int,
) -> RawInstance:
    def need(key: str) -> tuple[int, str]:
        if key not in head:
            raise _bad(path, None, key, "missing (the VRPLIB header needs it)")
        return head[key]

    unknown = sorted((ln, key) for key, (ln, _) in head.items() if key not in _KEYS)
    for ln, key in unknown:
        if key in _UNMODELLED:
            raise _bad(path, ln, key, "a limit this reader does not model: refused, not ignored")
    tline, kind = need("TYPE")
    if kind.upper() not in ("VRPTW", "CVRPTW"):
        raise _bad(path, tline, "TYPE", f"{kind!r}: only VRPTW / CVRPTW instances are benched")
    eline, ewt = head.get("EDGE_WEIGHT_TYPE", (None, "EUC_2D"))
    explicit = ewt.upper() == "EXPLICIT"
    if ewt.upper() not in ("EUC_2D", "EXPLICIT"):
        raise _bad(path, eline, "EDGE_WEIGHT_TYPE", f"{ewt!r}: only EUC_2D or EXPLICIT")
    if "EDGE_WEIGHT_SECTION" in free and not explicit:
        where = free["EDGE_WEIGHT_SECTION"][0][0] if free["EDGE_WEIGHT_SECTION"] else last
        raise _bad(path, where, "EDGE_WEIGHT_SECTION", f"given, but EDGE_WEIGHT_TYPE is {ewt}")
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
        if service_all < 0:
            raise _bad(path, sline, "SERVICE_TIME", f"{svc_s}: negative")
    required = ["DEMAND_SECTION", "TIME_WINDOW_SECTION"]
    required.insert(0, "EDGE_WEIGHT_SECTION" if explicit else "NODE_COORD_SECTION")
    for sec in required:
        if sec not in cols and sec not in free:
            raise _bad(path, last, sec, "missing")
    ref = "DEMAND_SECTION"  # the node ids every other section must list
    ids = sorted(cols[ref])
    every = set().union(*cols.values())
    for sec, rows in cols.items():
        if len(rows) != dim:
            gone = sorted(every - set(rows))[:1] if len(every) <= dim else []
            raise _bad(
                path,
                max((i for i, _ in rows.values()), default=last),
                sec,
                f"{len(rows)} nodes, DIMENSION says {dim}"
                + (f" (node {gone[0]} missing)" if gone else ""),
            )
    for sec, rows in cols.items():
        if set(rows) != set(ids):
            odd = min(set(rows) ^ set(ids))
            where = rows[odd][0] if odd in rows else cols[ref][odd][0]
            lacks = sec if odd not in rows else ref
            raise _bad(path, where, lacks, f"node {odd} missing (listed in another section)")
    depot = _depot(path, free.get("DEPOT_SECTION"), ids[0], set(ids), last)
    order = [depot] + [k for k in ids if k != depot]  # positions: the depot, then by node id
    nodes = []
    said: list[str] = []  # warnings on the nodes' values (the depot's unused service time)
    for k in order:
        x, y = Fraction(0), Fraction(0)
        if "NODE_COORD_SECTION" in cols:
            ci, (xs, ys) = cols["NODE_COORD_SECTION"][k]
            x, y = (
                _num(path, ci, "NODE_COORD_SECTION", xs),
                _num(path, ci, "NODE_COORD_SECTION", ys),
            )
        di, (d,) = cols["DEMAND_SECTION"][k]
        ti, (e, late) = cols["TIME_WINDOW_SECTION"][k]
        if "SERVICE_TIME_SECTION" in cols:
            si, (s,) = cols["SERVICE_TIME_SECTION"][k]
            svc = _num(path, si, "SERVICE_TIME_SECTION", s)
            if k == depot and svc:  # the depot serves no one: said, as in Solomon's table
                said.append(
                    f"{path}:{si}: SERVICE_TIME_SECTION: the depot's service time {svc} is not "
                    "used (the depot serves no one); ignored"
                )
            elif k != depot and "SERVICE_TIME" in head and svc != service_all:
                # two service times for one customer: which one the file means is not ours
                # to choose (the section won on the quiet; session 20, S: V1)
                raise _bad(
                    path,
                    si,
                    "SERVICE_TIME_SECTION",
                    f"node {k}: service time {s}, but SERVICE_TIME (line "
                    f"{head['SERVICE_TIME'][0]}) says {head['SERVICE_TIME'][1]} for every "
                    "customer: give one of them",
                )
        else:
            svc = Fraction(0) if k == depot else service_all
        nodes.append(
            Node(
                x=x,
                y=y,
                demand=_num(path, di, "DEMAND_SECTION", d),
                ready=_num(path, ti, "TIME_WINDOW_SECTION", e),
                due=_num(path, ti, "TIME_WINDOW_SECTION", late),
                service=svc,
                line=ti,
                demand_line=di,
            )
        )
    matrix = None
    if explicit:
        full = _edge_weights(path, head, free["EDGE_WEIGHT_SECTION"], dim, last)
        at = [ids.index(k) for k in order]
        matrix = tuple(tuple(full[a][b] for b in at) for a in at)
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
        ids=tuple(order),
        matrix=matrix,
        warnings=tuple(
            f"{path}:{ln}: {key}: not a key this reader knows; ignored" for ln, key in unknown
        )
        + tuple(said),
    )


def _depot(
    path: Path, toks: list[tuple[int, str]] | None, first: int, ids: set[int], last: int
) -> int:
    """The one depot of DEPOT_SECTION (ended by -1, or not); the first node without the section."""
    if toks is None:
        return first
    found: list[tuple[int, int]] = []
    for k, (i, tok) in enumerate(toks):
        d = _int(path, i, "DEPOT_SECTION", tok)
        if d == -1:
            if k + 1 < len(toks):  # a truncated or pasted file: never read as the first part
                j, extra = toks[k + 1]
                raise _bad(
                    path,
                    j,
                    "DEPOT_SECTION",
                    f"{extra[:40]!r} after the -1 that ends the section (only a section, a "
                    "header line or EOF may follow)",
                )
            break
        found.append((i, d))
    if len(found) != 1:
        where = found[1][0] if len(found) > 1 else (toks[0][0] if toks else last)
        listed = [d for _, d in found] or "none"
        raise _bad(path, where, "DEPOT_SECTION", f"{listed}: one depot expected")
    i, d = found[0]
    if d not in ids:
        raise _bad(path, i, "DEPOT_SECTION", f"node {d} is not a node of the instance")
    return d


def _edge_weights(
    path: Path, head: dict[str, tuple[int, str]], toks: list[tuple[int, str]], n: int, last: int
) -> list[list[Fraction]]:
    """EDGE_WEIGHT_SECTION as an n x n matrix in node-id order (FULL_MATRIX or a triangle)."""
    fline, fmt = head.get("EDGE_WEIGHT_FORMAT", (None, "FULL_MATRIX"))
    fmt = fmt.upper()
    if fmt not in _FORMATS:
        raise _bad(path, fline, "EDGE_WEIGHT_FORMAT", f"{fmt!r}: one of {', '.join(_FORMATS)}")
    diag, lower = "DIAG" in fmt, fmt.startswith("LOWER")

    def kept(a: int, b: int) -> bool:  # the cells the format lists, row by row
        if fmt == "FULL_MATRIX":
            return True
        return (b < a if lower else b > a) or (diag and a == b)

    cells = [(a, b) for a in range(n) for b in range(n) if kept(a, b)]
    if len(toks) != len(cells):
        where = toks[-1][0] if toks else last
        raise _bad(
            path,
            where,
            "EDGE_WEIGHT_SECTION",
            f"{len(toks)} values, {fmt} of {n} nodes needs {len(cells)}",
        )
    full = [[Fraction(0)] * n for _ in range(n)]
    for (a, b), (i, tok) in zip(cells, toks, strict=True):
        v = _num(path, i, "EDGE_WEIGHT_SECTION", tok)
        if v < 0:
            raise _bad(path, i, "EDGE_WEIGHT_SECTION", f"{tok}: a negative distance")
        full[a][b] = v
        if fmt != "FULL_MATRIX":
            full[b][a] = v
    return full


def _read_solomon(path: Path, lines: list[tuple[int, str]]) -> RawInstance:
    name = path.stem if lines[0][1].upper().startswith("VEHICLE") else lines[0][1]
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
    while k < len(lines) and lines[k][1][0] not in "0123456789+-.":
        k += 1  # the column header, one or two lines
    fields = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE")
    nodes: list[Node] = []
    rows = lines[k:]
    if rows and rows[-1][1].upper() == "EOF":  # as VRPLIB files end (and converted tables)
        rows = rows[:-1]
    for i, ln in rows:
        toks = ln.split()
        if len(toks) != 7:
            raise _bad(path, i, "CUSTOMER", f"{len(toks)} fields, expected 7 ({', '.join(fields)})")
        no = _int(path, i, "CUST NO.", toks[0])
        if 0 <= no < len(nodes):  # the row repeats one already read: said so, at this row
            raise _bad(path, i, "CUST NO.", f"{no} given twice (lines {nodes[no].line} and {i})")
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
    depot = nodes[0]
    return RawInstance(
        name=name,
        path=str(path),
        fmt="solomon",
        capacity=capacity,
        vehicles=vehicles,
        nodes=tuple(nodes),
        capacity_line=vline,
        vehicles_line=vline,
        # the depot serves no one (README): a service time on its row is said, not silently used
        # or dropped (as an unknown header key is)
        warnings=(
            (
                f"{path}:{depot.line}: SERVICE: the depot's service time {depot.service} is not "
                "used (the depot serves no one); ignored",
            )
            if depot.service
            else ()
        ),
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
        if nd.ready < 0:
            probs.append(Problem(p, nd.line, "time window", f"{who}: opens at {nd.ready} < 0"))
        if nd.service < 0:
            probs.append(
                Problem(p, nd.line, "service time", f"{who}: service time {nd.service} < 0")
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
