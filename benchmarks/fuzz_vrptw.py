"""VRPTW files from elsewhere against `foresterie bench vrptw`: a seeded campaign. Every case must
be read or refused in one line (`file:line: field: message`, exit 2, nothing written); a
solvable instance must be solved feasibly and, when small, to the optimum a brute force finds; a
damaged `.sol` must be refused at its line or have its defect named; nothing may raise a
traceback. Each failure is printed with its seed, so `--first SEED --cases 1` reproduces it.

Stages (each case draws its own `random.Random(seed)`):
- layout: a random small instance (1-5 customers: shared points, customers at the depot,
  windows from one instant to very wide, service 0, capacity exactly a demand, 1 to 50 vehicles)
  written in one of many layouts (VRPLIB: sections in any order, EOF or not, tabs, CRLF, BOM,
  comments, ids from 0 or 101, the depot numbered last, DEPOT_SECTION without -1 or absent,
  SERVICE_TIME_SECTION, EXPLICIT FULL_MATRIX or a triangle; Solomon's table: blank lines,
  trailing spaces, case); it must read to the same numbers, and solve (PyVRP engine, a
  deterministic budget) feasibly to the brute-force optimum, or, when the brute force finds no
  solution, be refused as unservable or answered infeasible (never claimed feasible).
- damage: such a file damaged (a line dropped, doubled or cut, a token replaced by NaN, inf,
  -1, 1e999999999 or a word, a count made huge, bytes made binary, the file emptied): the CLI must
  answer exit 0/1 with a checked answer or exit 2 with only `file:line: field: message` lines and
  no `.sol` written.
- sol: a correct `.sol` of such an instance damaged in a known way (a customer dropped, doubled,
  unknown, the depot inside, an empty route, a wrong Cost, extra text, CRLF, another instance's
  name): `--check` must name that defect (or refuse the line, exit 2); the untouched file passes.
- literature (with `--sols DIR`): each instance of ../shared/benchmarks/{solomon,homberger} whose
  `INSTANCE.sol` is in DIR (e.g. PyVRP/Instances' VRPTW solutions) checked with `--check`; its
  distance must equal `bks.csv`'s and its file's Cost.

Usage: python benchmarks/fuzz_vrptw.py [--first 1] [--cases 200] [--stages layout,damage,sol]
       [--sols DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from typer.testing import CliRunner  # noqa: E402

from foresterie.cli import app  # noqa: E402
from foresterie.core.errors import ScenarioError  # noqa: E402
from foresterie.shuttles.solomon import load, run  # noqa: E402
from foresterie.shuttles.vrptw_check import (  # noqa: E402
    brute_force_optimum,
    check_sol,
    read_sol,
)
from foresterie.shuttles.vrptwfile import RawInstance, read_raw  # noqa: E402

Row = tuple[
    Fraction, Fraction, Fraction, Fraction, Fraction, Fraction
]  # x y demand ready due service
ONE_LINE = re.compile(r"^error: [^\n]+?(:\d+)?: [^:\n]+: [^\n]+$")


# ---------------------------------------------------------------- instances


def instance(rng: random.Random) -> tuple[list[Row], int, int | None]:
    """A small random instance: rows[0] the depot; capacity; VEHICLES (None: not set)."""
    n = rng.randint(1, 5)
    spot = rng.choice(["spread", "shared", "at_depot", "decimal"])
    capacity = rng.choice([1, 3, 10, 100])  # whole: demands are drawn up to it
    wide = rng.random() < 0.2
    fine = rng.random() < 0.2  # hundredths in the windows, quarters in the demands
    horizon = Fraction(rng.choice([10**6, 10**7])) if wide else Fraction(rng.choice([60, 200]))
    depot: Row = (Fraction(0), Fraction(0), Fraction(0), Fraction(0), horizon, Fraction(0))
    rows = [depot]
    point = (Fraction(rng.randint(-20, 20)), Fraction(rng.randint(-20, 20)))
    for _ in range(n):
        if spot == "shared":
            x, y = point
        elif spot == "at_depot":
            x, y = Fraction(0), Fraction(0)
        elif spot == "decimal":
            x = Fraction(rng.randint(-400, 400), 20)
            y = Fraction(rng.randint(-400, 400), 20)
        else:
            x, y = Fraction(rng.randint(-20, 20)), Fraction(rng.randint(-20, 20))
        demand = Fraction(rng.choice([0, 1, 2, capacity]) if capacity > 1 else rng.choice([0, 1]))
        if fine:  # quarters of a unit, the capacity a multiple of a quarter
            demand = min(Fraction(capacity), demand + Fraction(rng.choice([0, 1, 3]), 4))
        service = Fraction(rng.choice([0, 0, 1, 5]))
        d0 = Fraction(math.isqrt(math.floor(100 * (x * x + y * y))), 10)  # DIMACS arc
        kind = rng.choice(["wide", "instant", "slot", "slot"])
        if kind == "wide":
            ready, due = Fraction(0), horizon
        elif kind == "instant":
            ready = due = d0 + rng.choice([0, 0, 3])
        else:
            ready = Fraction(rng.randint(0, 30))
            due = ready + rng.randint(1, 40)
        if fine:  # hundredths, as a file from elsewhere may have them
            ready += Fraction(rng.randint(0, 99), 100)
            due = max(ready, due + Fraction(rng.randint(-50, 50), 100))
            service += Fraction(rng.choice([0, 5, 25]), 100)
        rows.append((x, y, demand, ready, due, service))
    vehicles = rng.choice([None, 1, 2, n, n + 3, 50])
    return rows, capacity, vehicles


def _g(v: Fraction | int) -> str:
    v = Fraction(v)
    return str(v.numerator) if v.denominator == 1 else f"{float(v):.10g}"


def dimacs(rows: list[Row]) -> list[list[Fraction]]:
    return [
        [
            Fraction(math.isqrt(math.floor(100 * ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2))), 10)
            for b in rows
        ]
        for a in rows
    ]


def vrplib(rng: random.Random, name: str, rows: list[Row], cap: int, veh: int | None) -> str:
    """The instance as VRPLIB, in a random layout; returns the text."""
    n = len(rows)
    first = rng.choice([1, 1, 1, 0, 101])
    depot_last = rng.random() < 0.15
    ids = list(range(first, first + n))
    if depot_last:  # the depot gets the last id, the customers keep their order
        ids = [first + n - 1, *range(first, first + n - 1)]
    explicit = rng.random() < 0.25
    same_service = len({r[5] for r in rows[1:]}) == 1 and rng.random() < 0.6
    head = [f"NAME : {name}", f"TYPE : {rng.choice(['VRPTW', 'CVRPTW'])}", f"DIMENSION : {n}"]
    head.append(f"CAPACITY : {cap}")
    if veh is not None:
        head.append(f"VEHICLES : {veh}")
    if same_service:
        head.append(f"SERVICE_TIME : {_g(rows[1][5])}")
    if rng.random() < 0.3:
        head.insert(1, "COMMENT : written by the fuzz campaign")
    sections: dict[str, list[str]] = {}
    order = sorted(range(n), key=lambda k: ids[k])  # rows listed by id
    if explicit:
        fmt = rng.choice(["FULL_MATRIX", "LOWER_DIAG_ROW", "UPPER_ROW", "LOWER_ROW"])
        head += ["EDGE_WEIGHT_TYPE : EXPLICIT", f"EDGE_WEIGHT_FORMAT : {fmt}"]
        m = dimacs(rows)
        vals = []
        for a in order:
            row = []
            for b in order:
                pa, pb = order.index(a), order.index(b)
                keep = {
                    "FULL_MATRIX": True,
                    "LOWER_DIAG_ROW": pb <= pa,
                    "UPPER_ROW": pb > pa,
                    "LOWER_ROW": pb < pa,
                }[fmt]
                if keep:
                    row.append(_g(m[a][b]))
            if row:
                vals.append(" ".join(row))
        sections["EDGE_WEIGHT_SECTION"] = vals
    else:
        if rng.random() < 0.7:
            head.append("EDGE_WEIGHT_TYPE : EUC_2D")
        sections["NODE_COORD_SECTION"] = [
            f"{ids[k]} {_g(rows[k][0])} {_g(rows[k][1])}" for k in order
        ]
    sections["DEMAND_SECTION"] = [f"{ids[k]} {_g(rows[k][2])}" for k in order]
    sections["TIME_WINDOW_SECTION"] = [f"{ids[k]} {_g(rows[k][3])} {_g(rows[k][4])}" for k in order]
    if not same_service:
        sections["SERVICE_TIME_SECTION"] = [f"{ids[k]} {_g(rows[k][5])}" for k in order]
    depot_rows = [str(ids[0]), *rng.choice([["-1"], [], ["-1"]])]
    if not (ids[0] == min(ids) and rng.random() < 0.2):  # absent: the lowest id is the depot
        sections["DEPOT_SECTION"] = depot_rows
    names = list(sections)
    if rng.random() < 0.5:
        rng.shuffle(names)
    lines = list(head)
    for s in names:
        lines.append(s)
        lines += sections[s]
    if rng.random() < 0.2:  # a header key after the sections
        lines.append(lines.pop(lines.index(f"CAPACITY : {cap}")))
    if rng.random() < 0.5:
        lines.append("EOF")
    return _dress(rng, lines)


def solomon(rng: random.Random, name: str, rows: list[Row], cap: int, veh: int | None) -> str:
    lines = [name, "", "VEHICLE", "NUMBER     CAPACITY", f"  {veh or len(rows)}   {cap}", ""]
    lines += [
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME",
        "",
    ]
    lines += [
        f"{k:5d} {_g(r[0]):>10} {_g(r[1]):>10} {_g(r[2]):>8} {_g(r[3]):>10} {_g(r[4]):>10} {_g(r[5]):>8}"
        for k, r in enumerate(rows)
    ]
    if rng.random() < 0.3:
        lines = [ln.lower() if not ln[:1].isdigit() else ln for ln in lines]
    return _dress(rng, lines)


def _dress(rng: random.Random, lines: list[str]) -> str:
    """Whitespace as other tools write it: tabs, trailing spaces, blank lines, comments, CRLF."""
    if rng.random() < 0.2:
        lines = [ln.replace(" ", "\t") for ln in lines]
    if rng.random() < 0.2:
        lines = [ln + rng.choice(["", " ", "  \t"]) for ln in lines]
    if rng.random() < 0.2:
        lines = [x for ln in lines for x in ([ln, ""] if rng.random() < 0.3 else [ln])]
    if rng.random() < 0.15:
        lines.insert(rng.randint(0, len(lines)), "# a comment from another tool")
    text = "\n".join(lines) + rng.choice(["\n", "", "\n\n"])
    if rng.random() < 0.2:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.1:
        text = "\ufeff" + text
    return text


def _same(raw: RawInstance, rows: list[Row], cap: int) -> bool:
    matrix = getattr(raw, "matrix", None)  # (absent before session 8: for the old-code run)
    skip = 2 if matrix is not None else 0  # no coordinates in the file: compare the arcs
    got = [(n.x, n.y, n.demand, n.ready, n.due, n.service)[skip:] for n in raw.nodes]
    want = [
        (r[0], r[1], r[2], r[3], r[4], r[5] if k else raw.nodes[0].service)[skip:]
        for k, r in enumerate(rows)
    ]
    if matrix is not None and [list(r) for r in matrix] != dimacs(rows):
        return False
    return got == want and raw.capacity == cap


# ---------------------------------------------------------------- stages


def bench(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["bench", "vrptw", *args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        return -1, r.stdout, f"{type(r.exception).__name__}: {r.exception}"
    return r.exit_code, r.stdout, r.stderr


def written_case(rng: random.Random, tmp: Path) -> tuple[list[Row], int, int | None, Path, str]:
    """A random instance and its text in a random layout (Solomon's table a quarter of the time
    when its coordinates are whole), and the path to write it to."""
    rows, cap, veh = instance(rng)
    solo = rng.random() < 0.25 and all(
        r[0].denominator == 1 and r[1].denominator == 1 for r in rows
    )
    path = tmp / ("case.txt" if solo else "case.vrp")
    return rows, cap, veh, path, (solomon if solo else vrplib)(rng, "case", rows, cap, veh)


def stage_layout(rng: random.Random, tmp: Path, tally: Counter[str]) -> str | None:
    rows, cap, _veh, path, text = written_case(rng, tmp)
    path.write_bytes(text.encode())
    try:
        raw = read_raw(path)
    except ScenarioError as exc:
        if any(r[2] > cap for r in rows[1:]) or any(r[3] > r[4] for r in rows):
            tally["layout: refused as it should (demand or window)"] += 1
            return None
        return f"a valid layout refused: {exc}"
    if not _same(raw, rows, cap):
        return "read to other numbers than written"
    best = brute_force_optimum(raw)
    try:
        ld = load(path)
    except ScenarioError as exc:
        if best is None:
            tally["layout: unservable, refused with its customer"] += 1
            return None
        return f"refused as unservable, but a solution exists ({best}): {exc}"
    r = run(path, "pyvrp", 60.0, seed=rng.randint(1, 99), iterations=300, loaded=ld)
    if r.feasible and best is None:
        return "claimed feasible, the brute force finds no solution"
    if best is None:
        tally["layout: infeasible, answered infeasible"] += 1
        return None
    if not r.feasible:
        return f"no feasible answer, the optimum is {float(best)}: {r.violations[:3]}"
    if Fraction(r.distance).limit_denominator(10) != best and getattr(raw, "matrix", None) is None:
        tally["layout: feasible, above the optimum"] += 1
        return f"feasible {r.distance}, the optimum is {float(best)}"
    tally["layout: solved to the optimum"] += 1
    return None


DAMAGES: list[tuple[str, Callable[[random.Random, list[str]], list[str]]]] = [
    ("drop a line", lambda r, ls: (lambda k: ls[:k] + ls[k + 1 :])(r.randrange(len(ls)))),
    ("double a line", lambda r, ls: (lambda k: ls[: k + 1] + ls[k:])(r.randrange(len(ls)))),
    ("cut the file", lambda r, ls: ls[: r.randrange(len(ls))]),
    ("swap two lines", lambda r, ls: _swap(r, ls)),
    ("a token", lambda r, ls: _token(r, ls)),
    (
        "huge count",
        lambda r, ls: [
            re.sub(r"^(DIMENSION|VEHICLES|CAPACITY)(\s*:\s*)\d+", r"\1\g<2>999999999999", x)
            for x in ls
        ],
    ),
    ("empty", lambda r, ls: []),
]


def _swap(rng: random.Random, ls: list[str]) -> list[str]:
    ls = list(ls)
    if len(ls) > 1:
        a, b = rng.sample(range(len(ls)), 2)
        ls[a], ls[b] = ls[b], ls[a]
    return ls


def _token(rng: random.Random, ls: list[str]) -> list[str]:
    ls = list(ls)
    k = rng.randrange(len(ls))
    toks = ls[k].split()
    if toks:
        toks[rng.randrange(len(toks))] = rng.choice(
            [
                "nan",
                "inf",
                "-inf",
                "-1",
                "-0.5",
                "1e999999999",
                "x",
                "",
                "1/2",
                "0x10",
                "1_0",
                "1e30",
            ]
        )
        ls[k] = " ".join(toks)
    return ls


def stage_damage(rng: random.Random, tmp: Path, tally: Counter[str]) -> str | None:
    _, _, _, path, text = written_case(rng, tmp)
    name, damage = rng.choice(DAMAGES)
    data = "\n".join(damage(rng, text.replace("\r\n", "\n").split("\n"))).encode()
    if rng.random() < 0.1:
        name, data = "binary", data[: len(data) // 2] + bytes(rng.randrange(256) for _ in range(8))
    path.write_bytes(data)
    out = tmp / "sols"
    shutil.rmtree(out, ignore_errors=True)
    code, _, err = bench(
        str(path), "--iterations", "100", "--time-limit", "30", "--sol-out", str(out)
    )
    if code == -1:
        return f"{name}: a traceback: {err}"
    if code == 2:
        bad = [ln for ln in err.splitlines() if ln and not ONE_LINE.match(ln)]
        if bad:
            return f"{name}: exit 2 with a line not `file:line: field: message`: {bad[0]!r}"
        if out.exists() and any(out.iterdir()):
            return f"{name}: exit 2 but a .sol written"
        tally[f"damage: refused in one line ({name})"] += 1
    elif code in (0, 1):
        tally[f"damage: read and answered, exit {code} ({name})"] += 1
    else:
        return f"{name}: exit {code}"
    return None


SOL_DAMAGES: dict[str, tuple[str, Callable[[random.Random, list[list[int]], int], str]]] = {
    "drop": ("not served", lambda r, rs, n: _routes([[c for c in x if c != rs[0][0]] for x in rs])),
    "twice": ("served twice", lambda r, rs, n: _routes([*rs[:-1], [*rs[-1], rs[0][0]]])),
    "unknown": (
        "unknown customer",
        lambda r, rs, n: _routes([*rs[:-1], [*rs[-1], n + r.randint(1, 9)]]),
    ),
    "depot": ("depot in route", lambda r, rs, n: _routes([[0, *rs[0]], *rs[1:]])),
    "empty": ("empty route", lambda r, rs, n: _routes([*rs, []])),
    "cost": ("cost", lambda r, rs, n: _routes(rs) + f"Cost {r.randint(1000, 9999)}.7\n"),
    "instance": ("instance", lambda r, rs, n: "Instance name : R101\n" + _routes(rs)),
    "crlf": ("", lambda r, rs, n: _routes(rs).replace("\n", "\r\n")),
    "extra": ("exit 2", lambda r, rs, n: _routes(rs) + "the best we found\n"),
    "meta": ("", lambda r, rs, n: "Authors : someone\nSolution\n" + _routes(rs) + "Time 1.2\n"),
}


def _routes(rs: list[list[int]]) -> str:
    return "".join(f"Route #{k}: {' '.join(map(str, r))}\n" for k, r in enumerate(rs, start=1))


def stage_sol(rng: random.Random, tmp: Path, tally: Counter[str]) -> str | None:
    rows, cap, veh = instance(rng)
    path = tmp / "case.vrp"
    path.write_text(vrplib(rng, "case", rows, cap, veh))
    try:
        ld = load(path)
    except ScenarioError:
        tally["sol: instance unservable (skipped)"] += 1
        return None
    r = run(path, "pyvrp", 60.0, seed=1, iterations=200, loaded=ld)
    if not r.feasible or not r.solution:
        tally["sol: no feasible answer to damage (skipped)"] += 1
        return None
    routes = [list(x) for x in r.solution]
    kind = rng.choice(sorted(SOL_DAMAGES))
    cause, make = SOL_DAMAGES[kind]
    (tmp / "case.sol").write_bytes(make(rng, routes, ld.raw.customers).encode())
    try:
        rep = check_sol(ld.raw, read_sol(tmp / "case.sol"))
    except ScenarioError as exc:
        if cause == "exit 2":
            tally[f"sol: {kind} refused at its line"] += 1
            return None
        return f"sol {kind}: refused: {exc}"
    causes = {v.cause for v in rep.violation_list}
    if cause in ("", "exit 2"):
        if causes or cause:
            return f"sol {kind}: expected {cause or 'a pass'}, got {sorted(causes)}"
    elif cause not in causes:
        if (
            kind == "drop"
            and len(rs_all := [c for x in routes for c in x]) == len(set(rs_all))
            and rs_all.count(routes[0][0]) == 0
        ):
            return None
        return f"sol {kind}: {cause!r} not named, got {sorted(causes)}"
    tally[f"sol: {kind} {'passes' if not cause else 'named'}"] += 1
    return None


def stage_literature(sols: Path, tally: Counter[str]) -> list[str]:
    defects = []
    for folder in ("solomon", "homberger"):
        base = ROOT.parent / "shared" / "benchmarks" / folder
        if not base.is_dir():
            continue
        with open(base / "bks.csv", encoding="utf-8") as fh:
            bks = {r["instance"]: float(r["bks_distance"]) for r in csv.DictReader(fh)}
        for inst in sorted(base.glob("*.vrp")):
            sol = sols / f"{inst.stem}.sol"
            if not sol.is_file():
                continue
            code, out, err = bench(str(inst), "--check", str(sol), "--json")
            import json

            rec = json.loads(out) if code in (0, 1) else {}
            stated = read_sol(sol).cost
            if code != 0:
                defects.append(
                    f"literature {inst.stem}: exit {code} {err or rec.get('violations')}"
                )
            elif rec["distance"] != bks.get(inst.stem) or (
                stated is not None and abs(float(stated) - rec["distance"]) > 0.05
            ):
                defects.append(
                    f"literature {inst.stem}: distance {rec['distance']}, bks {bks.get(inst.stem)}, Cost {stated}"
                )
            else:
                tally[f"literature: {folder} equal to bks.csv and to the file's Cost"] += 1
    return defects


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--stages", default="layout,damage,sol")
    ap.add_argument("--sols", type=Path, help="a folder of INSTANCE.sol for the literature stage")
    ap.add_argument("--keep", type=Path, help="copy each failing case's files here")
    a = ap.parse_args()
    stages = {"layout": stage_layout, "damage": stage_damage, "sol": stage_sol}
    chosen = [s for s in a.stages.split(",") if s in stages]
    tally: Counter[str] = Counter()
    defects: list[str] = []
    t0 = time.process_time()
    for seed in range(a.first, a.first + a.cases):
        for name in chosen:
            rng = random.Random(f"{name}-{seed}")
            with tempfile.TemporaryDirectory() as d:
                try:
                    why = stages[name](rng, Path(d), tally)
                except Exception as exc:
                    why = f"a traceback: {type(exc).__name__}: {exc}"
                if why:
                    defects.append(f"{name} seed {seed}: {why}")
                    print(f"DEFECT {name} seed {seed}: {why}", flush=True)
                    if a.keep:
                        shutil.copytree(d, a.keep / f"{name}-{seed}", dirs_exist_ok=True)
    if a.sols:
        defects += stage_literature(a.sols, tally)
    for k, v in sorted(tally.items()):
        print(f"{v:6d}  {k}")
    print(f"{len(defects)} defect(s); {time.process_time() - t0:.1f} CPU s in this process")
    for d in defects:
        print(f"  {d}")
    return 1 if defects else 0


if __name__ == "__main__":
    raise SystemExit(main())
