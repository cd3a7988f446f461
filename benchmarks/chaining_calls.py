"""The season's chaining calls, recorded once and replayed: what each `chain_trips` and
`vehicles_needed` model costs, and whether another implementation reaches the same levels.

`record` solves a scenario (plan files only: no report) with the shuttles in ONE process and
wraps `chaining._chain_trips` and `chaining._vehicles_needed` (the functions behind the
per-process memo, so each distinct call once), pickling every call's arguments and answer, with
its CPU seconds, to a file outside the repository. `count` solves a scenario the same way and
counts, without recording, every chaining the season asks for: by where it is asked (the
probe, the planned days, fair shares; the round of the round-trip fixed point), how many the
exact caches answer, how many are solved (`_chain_trips`: built at the bounds or by the model),
and how many of those repeat an earlier solve's inputs (trips' times, loads, metres, slack and
value, the vehicles, turnaround, seed and budget: everything the model reads but the trip ids).
`ties` asks, per recorded call the
model solved, whether its optimum is the only one at its levels (`ties`).
`replay` runs the recorded calls again with
one or more implementations (a `chaining.py` file each, loaded as a module of its own; default:
the installed `foresterie.shuttles.chaining`), alternated call by call (each call starting with
the next implementation in turn: the first to run a call pays more) so the machine's load falls
on all of them alike, and prints per implementation the CPU, and per call against the
recording:

- `chain_trips`: the levels the answer reaches, (riders left, fixed cents, km cents, minutes
  slid), lexicographically equal, better or worse; whether it is `optimal`; and whether the
  answer is a chaining at all (seats, duty, slides, no overlap with turnaround, checked here
  without the solver's code).
- `vehicles_needed`: (fixed cents, vehicles) and `optimal`.

- `identical`: the answer is the recorded one, field for field (vehicles, slides, `optimal`):
  what a change must keep on every call for the plan to stay byte-identical.

The minutes slid are a tie-break solved with the vehicles chosen, so an equally good answer on
the first three levels may slide otherwise: those are counted apart ("slide only").

Usage:
  python benchmarks/chaining_calls.py record [SCENARIO] [--to FILE]
  python benchmarks/chaining_calls.py count [SCENARIO]
  python benchmarks/chaining_calls.py ties [--from FILE]
  python benchmarks/chaining_calls.py replay [--from FILE] [--impl FILE ...] [--kind chain|needed]
                                             [--only N] [--worse]
"""

from __future__ import annotations

import importlib.util
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ortools.sat.python import cp_model

import foresterie.run.pipeline as pipeline
import foresterie.shuttles.chaining as chaining
import foresterie.shuttles.routes as routes

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path("/tmp/s12-C/calls.pkl")


@dataclass(frozen=True, kw_only=True)
class Call:
    kind: str  # "chain" or "needed"
    args: tuple
    answer: Any  # Chaining or Needed
    cpu_s: float


def record(folder: Path, to: Path) -> None:
    calls: list[Call] = []

    def logged(kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*a: Any) -> Any:
            c0 = time.process_time()
            out = fn(*a)
            calls.append(Call(kind=kind, args=a, answer=out, cpu_s=time.process_time() - c0))
            return out

        return wrapped

    chaining._chain_trips = logged("chain", chaining._chain_trips)  # type: ignore[assignment]
    chaining._vehicles_needed = logged("needed", chaining._vehicles_needed)  # type: ignore[assignment]
    c0 = time.process_time()
    out = one_process_solve(folder, to.parent)  # the run beside the recording
    with to.open("wb") as f:
        pickle.dump(calls, f)
    n_chain = sum(1 for c in calls if c.kind == "chain")
    print(
        f"{folder.name}: {n_chain} chain_trips ({sum(c.cpu_s for c in calls if c.kind == 'chain'):.2f}"
        f" CPU s), {len(calls) - n_chain} vehicles_needed "
        f"({sum(c.cpu_s for c in calls if c.kind == 'needed'):.2f} CPU s); whole solve "
        f"{time.process_time() - c0:.1f} CPU s in this process; recorded to {to}; run in {out}"
    )


def one_process_solve(folder: Path, to: Path) -> Path:
    """Solve `folder` with the shuttles in ONE process (plan files only); the run's folder."""
    one = routes.plan_shuttles

    def one_process(scenario: Any, matrix: Any, assignments: Any, _n: int = 1, *a: Any) -> Any:
        return one(scenario, matrix, assignments, 1, *a)

    pipeline.plan_shuttles = one_process  # type: ignore[assignment]
    to.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="chaining-calls-", dir=to)) / "run"
    pipeline.solve(folder, out)
    return out


def count(folder: Path) -> None:
    """Where the season's chainings are asked for, and how many are solved (module docstring)."""
    where = {"phase": "?", "round": -1}  # the job's phase; the fixed point's round (-1: none)
    asked: dict[tuple[str, int], list[int]] = {}  # (phase, round) -> [asked, solved]
    solves: list[tuple[str, int, float, bool, Any]] = []  # phase, trips, CPU s, at bounds, key
    days_job, round_trip_day, chain_day = (
        routes._days_job,
        routes._round_trip_day,
        routes._chain_day,
    )
    chain_trips, built = chaining._chain_trips, chaining._built_at_bounds

    def job(j: Any, season: Any) -> Any:
        where["phase"] = "probe" if j.probe else "fair shares" if j.weights else "planned"
        return days_job(j, season)

    def fixed_point(*a: Any, **k: Any) -> Any:
        where["round"] = 0
        try:
            return round_trip_day(*a, **k)
        finally:
            where["round"] = -1

    def day(*a: Any, **k: Any) -> Any:
        n = len(solves)
        out = chain_day(*a, **k)
        row = asked.setdefault((str(where["phase"]), int(where["round"])), [0, 0])
        row[0] += 1
        row[1] += len(solves) > n
        if int(where["round"]) >= 0:
            where["round"] = int(where["round"]) + 1
        return out

    at_bounds = [False]

    def bounds(*a: Any) -> Any:
        out = built(*a)
        at_bounds[0] = out is not None
        return out

    def solve(trips: list, vehicles: list, *rest: Any) -> Any:
        at_bounds[0] = False
        c0 = time.process_time()
        out = chain_trips(trips, vehicles, *rest)
        spent = time.process_time() - c0
        key = (
            tuple(
                (t.depart, t.ret, t.load, t.metres, t.shift_lo, t.shift_hi, t.value) for t in trips
            ),
            tuple(vehicles),
            rest,
        )
        phase = "vehicles needed" if any("#" in v.id for v in vehicles) else str(where["phase"])
        solves.append((phase, len(trips), spent, at_bounds[0], key))
        return out

    routes._days_job = job  # type: ignore[assignment]
    routes._round_trip_day = fixed_point  # type: ignore[assignment]
    routes._chain_day = day  # type: ignore[assignment]
    chaining._built_at_bounds = bounds  # type: ignore[assignment]
    chaining._chain_trips = solve  # type: ignore[assignment]
    c0 = time.process_time()
    out = one_process_solve(folder, DEFAULT.parent)
    whole = time.process_time() - c0
    print(f"{folder.name}: whole solve {whole:.1f} CPU s in this process; run in {out}\n")
    print(
        "| asked by | round | chainings asked | solved (cache missed) |\n| --- | --- | --- | --- |"
    )
    for (phase, rnd), (n, solved) in sorted(asked.items()):
        label = "first" if rnd == 0 else f"{rnd + 1}" if rnd > 0 else "outside the fixed point"
        print(f"| {phase} | {label} | {n} | {solved} |")
    seen: set[Any] = set()
    repeats = [s for s in solves if s[4] in seen or seen.add(s[4])]  # type: ignore[func-returns-value]
    print(
        "\n| solves | CPU s | built at the bounds | by the model | model CPU s | repeating an "
        "earlier solve's inputs | their CPU s |\n| --- | --- | --- | --- | --- | --- | --- |"
    )
    model = [s for s in solves if not s[3]]
    print(
        f"| {len(solves)} | {sum(s[2] for s in solves):.2f} | {len(solves) - len(model)} | "
        f"{len(model)} | {sum(s[2] for s in model):.2f} | {len(repeats)} | "
        f"{sum(s[2] for s in repeats):.2f} |"
    )


def levels(trips: list, vehicles: list, answer: Any) -> tuple[int, int, int, int]:
    """(riders left, fixed cents, km cents, minutes slid) of a chaining, computed here."""
    by_id = {v.id: v for v in vehicles}
    left = sum(t.value or t.load for t in trips if answer.vehicle_of[t.key] is None)
    used = {answer.vehicle_of[t.key] for t in trips} - {None}
    fixed = sum(round(by_id[v].fixed_cost_eur_per_day * 100) for v in used)
    km = sum(
        round(t.metres * by_id[answer.vehicle_of[t.key]].cost_eur_per_km / 10)
        for t in trips
        if answer.vehicle_of[t.key] is not None
    )
    slid = sum(abs(answer.shift[t.key]) for t in trips)
    return left, fixed, km, slid


def broken(trips: list, vehicles: list, turnaround: int, answer: Any) -> str:
    """What makes the answer no chaining ('' if nothing): the rules, checked from scratch."""
    by_id = {v.id: v for v in vehicles}
    runs: dict[str, list[tuple[int, int]]] = {}
    for t in trips:
        vid, dt = answer.vehicle_of.get(t.key, "?"), answer.shift.get(t.key)
        if vid == "?" or dt is None:
            return f"trip {t.key} missing"
        if not t.shift_lo <= dt <= t.shift_hi:
            return f"trip {t.key} slides {dt} outside [{t.shift_lo}, {t.shift_hi}]"
        if vid is None:
            continue
        if by_id[vid].seats < t.load:
            return f"trip {t.key} over {vid}'s seats"
        runs.setdefault(vid, []).append((t.depart + dt, t.ret + dt))
    for vid, spans in runs.items():
        spans.sort()
        if sum(b - a for a, b in spans) > by_id[vid].max_duty_min:
            return f"{vid} over its duty"
        for (_, b), (c, _) in zip(spans, spans[1:], strict=False):
            if b + turnaround > c:
                return f"{vid} overlaps"
    if answer.vehicles_used != len(runs):
        return "vehicles_used miscounted"
    return ""


def ties(src: Path, budget: float) -> None:
    """Per recorded `chain_trips` call that the folded model solved (not built at the bounds):
    is its answer the only one at its levels? A model with the answer's levels (riders left,
    fixed cost, km, minutes slid) as bounds and at least one trip on another kind (or none) or
    at another slide: infeasible means the optimum is unique in (kind per trip, slide), so any
    exact method that proves it gives that answer; a solution means a tie, where a search that
    runs otherwise (another hint, presolve, model) may return the other one."""
    with src.open("rb") as f:
        calls: list[Call] = [c for c in pickle.load(f) if c.kind == "chain" and c.args[0]]
    tally: dict[str, int] = {}
    cpu: dict[str, float] = {}
    for c in calls:
        trips, vehicles, turnaround = c.args[0], c.args[1], c.args[2]
        if chaining._built_at_bounds(trips, vehicles, turnaround) is not None:
            verdict = "built at the bounds"
        else:
            verdict = _tie(trips, vehicles, turnaround, c.answer, budget)
        tally[verdict] = tally.get(verdict, 0) + 1
        cpu[verdict] = cpu.get(verdict, 0.0) + c.cpu_s
    print(
        f"{src}: {len(calls)} chain_trips calls\n\n| optimum | calls | their CPU s |\n| --- | --- | --- |"
    )
    for verdict, n in sorted(tally.items(), key=lambda kv: -kv[1]):
        print(f"| {verdict} | {n} | {cpu[verdict]:.2f} |")


def _tie(trips: list, vehicles: list, turnaround: int, answer: Any, budget: float) -> str:
    """Whether another chaining reaches the answer's levels (`ties`)."""
    groups = chaining._kinds(vehicles)
    reps = [vehicles[g[0]] for g in groups]
    kind_of = {vehicles[vi].id: k for k, g in enumerate(groups) for vi in g}
    f = chaining._Folded.build(trips, reps, [len(g) for g in groups], turnaround, leave=True)
    m = f.m
    left, fixed, km, slid = levels(trips, vehicles, answer)
    m.add(sum((t.value or t.load) * u for t, u in zip(trips, f.unassigned, strict=True)) <= left)
    m.add(
        sum(round(v.fixed_cost_eur_per_day * 100) * n for v, n in zip(reps, f.n, strict=True))
        <= fixed
    )
    m.add(sum(chaining._km_cost(trips[ti], reps[k]) * x for (ti, k), x in f.x.items()) <= km)
    m.add(sum(c * a for c, a in f.moved) <= slid)
    other = []
    for (ti, k), x in f.x.items():
        vid = answer.vehicle_of[trips[ti].key]
        other.append(x.Not() if vid is not None and kind_of[vid] == k else x)
    n_kinds = len(other)
    for ti, t in enumerate(trips):
        moved = m.new_bool_var(f"moved{ti}")
        m.add(f.offset[ti] != answer.shift[t.key]).only_enforce_if(moved)
        m.add(f.offset[ti] == answer.shift[t.key]).only_enforce_if(moved.Not())
        other.append(moved)
    m.add_bool_or(other)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = budget
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return "unique"
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        kinds_differ = any(solver.value(x) for x in other[:n_kinds])
        return "tied: another kind for some trip" if kinds_differ else "tied: other slides only"
    return "undecided within the budget"


def load_impl(path: str) -> ModuleType:
    if path == "installed":
        return chaining
    spec = importlib.util.spec_from_file_location(f"impl_{abs(hash(path))}", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def replay(src: Path, impls: list[str], kind: str | None, only: int, worse: bool) -> None:
    with src.open("rb") as f:
        calls: list[Call] = pickle.load(f)
    calls = [c for c in calls if kind is None or c.kind == kind]
    if only:
        calls = calls[:only]
    mods = [load_impl(p) for p in impls]
    cpu = [{"chain": 0.0, "needed": 0.0} for _ in mods]
    tally = [
        dict.fromkeys(
            ("equal", "better", "worse", "fewer slid", "more slid", "proven lost", "identical"), 0
        )
        for _ in mods
    ]
    by_size = [dict[int, float]() for _ in mods]  # trips // 10 -> CPU s
    proven = [0 for _ in mods]
    rec_proven = 0
    for n, c in enumerate(calls):
        fn_name = "_chain_trips" if c.kind == "chain" else "_vehicles_needed"
        rec_proven += c.answer.optimal
        for j in range(len(mods)):  # each call starts with the next implementation in turn
            k = (n + j) % len(mods)
            mod = mods[k]
            c0 = time.process_time()
            got = getattr(mod, fn_name)(*c.args)
            spent = time.process_time() - c0
            cpu[k][c.kind] += spent
            size = min(len(c.args[0]) // 10, 6)
            by_size[k][size] = by_size[k].get(size, 0.0) + spent
            proven[k] += got.optimal
            if c.kind == "chain":
                trips, vehicles, turnaround = c.args[0], c.args[1], c.args[2]
                why = broken(trips, vehicles, turnaround, got)
                if why:
                    raise SystemExit(f"call {n} ({impls[k]}): not a chaining: {why}")
                was, now = levels(trips, vehicles, c.answer), levels(trips, vehicles, got)
                was3, now3 = was[:3], now[:3]
            else:
                was = was3 = (c.answer.fixed_cents, c.answer.vehicles)
                now = now3 = (got.fixed_cents, got.vehicles)
            verdict = (
                "equal"
                if now == was
                else ("fewer slid" if now < was else "more slid")
                if now3 == was3
                else "better"
                if now3 < was3
                else "worse"
            )
            tally[k][verdict] += 1
            # field by field: an implementation loaded from a file has dataclasses of its own
            tally[k]["identical"] += all(
                getattr(got, f) == getattr(c.answer, f) for f in vars(c.answer)
            )
            if c.answer.optimal and not got.optimal:
                tally[k]["proven lost"] += 1
            if worse and verdict != "equal":
                print(
                    f"  call {n} {c.kind} ({len(c.args[0])} trips, {len(c.args[1])} vehicles) "
                    f"{impls[k]}: {verdict}: recorded {was} optimal {c.answer.optimal}, "
                    f"now {now} optimal {got.optimal}"
                )
    rec = {kd: sum(c.cpu_s for c in calls if c.kind == kd) for kd in ("chain", "needed")}
    print(
        f"{len(calls)} calls ({sum(1 for c in calls if c.kind == 'chain')} chain, "
        f"{sum(1 for c in calls if c.kind == 'needed')} needed); recorded CPU s: chain "
        f"{rec['chain']:.2f}, needed {rec['needed']:.2f}; recorded proven {rec_proven}"
    )
    print(
        "\n| implementation | chain CPU s | needed CPU s | proven | identical | equal | fewer slid "
        "| more slid | better | worse | proven lost |\n|" + " --- |" * 11
    )
    for k, p in enumerate(impls):
        t = tally[k]
        print(
            f"| {p} | {cpu[k]['chain']:.2f} | {cpu[k]['needed']:.2f} | {proven[k]} "
            f"| {t['identical']} | {t['equal']} "
            f"| {t['fewer slid']} | {t['more slid']} | {t['better']} | {t['worse']} "
            f"| {t['proven lost']} |"
        )
    sizes = sorted({s for b in by_size for s in b})
    print(
        "\n| implementation | "
        + " | ".join(f"{10 * s}-{10 * s + 9} trips" if s < 6 else "60+ trips" for s in sizes)
        + " |\n|"
        + " --- |" * (len(sizes) + 1)
    )
    for k, p in enumerate(impls):
        print(f"| {p} | " + " | ".join(f"{by_size[k].get(s, 0.0):.2f}" for s in sizes) + " |")


def main() -> None:
    argv = sys.argv[1:]

    def opt(name: str) -> list[str]:
        return [argv[i + 1] for i, a in enumerate(argv) if a == name]

    if not argv or argv[0] not in ("record", "replay", "count", "ties"):
        raise SystemExit(__doc__)
    if argv[0] == "count":
        count(Path(argv[1]) if len(argv) > 1 else ROOT / "scenarios" / "puglia-2027")
        return
    if argv[0] == "record":
        rest = [
            a for i, a in enumerate(argv[1:], 1) if not a.startswith("--") and argv[i - 1] != "--to"
        ]
        folder = Path(rest[0]) if rest else ROOT / "scenarios" / "puglia-2027"
        record(folder, Path((opt("--to") or [str(DEFAULT)])[0]))
        return
    if argv[0] == "ties":
        ties(Path((opt("--from") or [str(DEFAULT)])[0]), 5.0)
        return
    replay(
        Path((opt("--from") or [str(DEFAULT)])[0]),
        opt("--impl") or ["installed"],
        (opt("--kind") or [None])[0],
        int((opt("--only") or ["0"])[0]),
        "--worse" in argv,
    )


if __name__ == "__main__":
    main()
