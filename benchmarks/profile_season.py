"""Where the default season's time goes: the whole `foresterie solve` pipeline (load, travel,
housing, shuttles, plan files, verify, report: map, driver sheets, index) in ONE process
(shuttle_processes forced to 1), with CPU seconds per stage from timers wrapped around the
stage functions (inclusive: a stage's figure contains the stages indented under it).

The machine is shared, so CPU seconds (not wall) are the figure: with one process they are the
whole cost. The plan is deterministic, so the quality figures are exact. `--cprofile` adds a
cProfile listing of the N most expensive functions (slower; its cumulative times are skewed).

`--processes N` runs the shuttles as `foresterie solve` does, on N worker processes, and prints
where the wall goes instead of the stage table: each parallel phase (route searches, the probe's
chaining, the second opinion, the planned days; one pool of workers serves them all) with its
wall, its jobs' CPU, how busy the workers were (jobs' wall / (phase wall x N)) and the tail (the
last worker's end minus the first's), and the wall between the phases (the parent alone:
housing, naming riders, files, verify beside the report). `--processes 1` gives the same table
with every job run in this process, for the CPU of each phase without workers.

Usage: python benchmarks/profile_season.py [SCENARIO] [--cprofile N | --processes N]
"""

from __future__ import annotations

import cProfile
import importlib
import json
import os
import platform
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import foresterie.report.html as html
import foresterie.run.pipeline as pipeline
import foresterie.shuttles.routes as routes

ROOT = Path(__file__).resolve().parents[1]

# (label, module, function): CPU seconds spent inside these functions (inclusive).
STAGES: list[tuple[str, str, str]] = [
    ("load scenario", "foresterie.run.early", "load_scenario"),  # solve's first part
    ("load scenario", "foresterie.run.pipeline", "load_scenario"),  # the snapshot's reload
    ("travel matrix", "foresterie.run.early", "build_matrix"),
    ("housing", "foresterie.run.early", "plan_housing"),
    ("shuttles (all)", "foresterie.run.pipeline", "plan_shuttles"),
    (
        "  route searches (PyVRP, incl. model building)",
        "foresterie.shuttles.routes",
        "_solve_patterns",
    ),
    ("  trips from routes (_day_trips)", "foresterie.shuttles.routes", "_day_trips"),
    (
        "  round-trip fixed point, incl. its chainings",
        "foresterie.shuttles.routes",
        "_round_trip_day",
    ),
    ("  chaining CP-SAT (chain_trips)", "foresterie.shuttles.routes", "chain_trips"),
    ("  vehicles needed (_vehicles_needed)", "foresterie.shuttles.routes", "_vehicles_needed"),
    ("  re-timing trimmed trips (_trim)", "foresterie.shuttles.routes", "_trim"),
    ("  lower bounds (_day_lower_bound)", "foresterie.shuttles.routes", "_day_lower_bound"),
    ("plan files", "foresterie.run.pipeline", "write_shuttles"),
    ("KPIs", "foresterie.run.pipeline", "transport_kpis"),
    ("verify", "foresterie.run.pipeline", "verify_run"),
    ("report (all)", "foresterie.report.html", "write_report"),
    ("  load the run (rundata)", "foresterie.report.html", "load_run"),
    ("  map", "foresterie.report.html", "plan_map"),
    ("  driver sheets and notices", "foresterie.report.html", "write_sheets"),
    ("  index.html", "foresterie.report.html", "index_html"),
]
SPENT: dict[str, float] = {}


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and its reaped children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def started(before: float, pipeline: float) -> str:
    """The CPU this process spent before the pipeline (the interpreter's start, the imports of
    this script and of the solvers, ~2-4 CPU s), which "whole pipeline" leaves out and the
    process tree of `foresterie solve` (its imports included) counts: compare that tree with
    the sum of the two, not with the pipeline's figure alone."""
    return (
        f"before the pipeline (interpreter, imports): CPU {before:.1f} s; with the pipeline "
        f"{before + pipeline:.1f} s, as /usr/bin/time would count this process and its children"
    )


def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    depth = [0]

    def wrapped(*a: Any, **k: Any) -> Any:
        depth[0] += 1
        c0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            depth[0] -= 1
            if depth[0] == 0:  # recursive calls counted once
                SPENT[label] = SPENT.get(label, 0.0) + time.process_time() - c0

    return wrapped


def _report(run: Path) -> bool:
    """The report as `foresterie solve` writes it (cli._report_hook): report.json sealed last."""
    html.write_report(run)
    return True


def one_process(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(scenario: Any, matrix: Any, assignments: Any, processes: int = 1, *a: Any) -> Any:
        return fn(scenario, matrix, assignments, 1, *a)

    return wrapped


@contextmanager
def no_pool(*_: Any) -> Iterator[None]:
    """The stretch after the shuttles with no pool (the pipeline's `_pool_after`): the KPIs, the
    verifier and the report in this process, within reach of these timers."""
    yield None


JOBS_LOG = Path(tempfile.mkdtemp(prefix="profile-jobs-")) / "jobs.jsonl"
PHASES: list[tuple[str, float, float]] = []  # (phase, wall start, wall end), parent clock


def logged_job(fn: Callable[[Any, Any], Any], kind: str) -> Callable[[Any, Any], Any]:
    """A pool job that appends (kind, pid, wall start, wall end, CPU s) to JOBS_LOG. It keeps
    the wrapped function's name, so the pool pickles it by reference (the forked workers hold
    the patched module)."""

    def wrapped(job: Any, season: Any) -> Any:
        w0, c0 = time.time(), time.process_time()
        out = fn(job, season)
        row = [kind, os.getpid(), w0, time.time(), time.process_time() - c0]
        with JOBS_LOG.open("a") as f:
            f.write(json.dumps(row) + "\n")
        return out

    wrapped.__qualname__, wrapped.__module__ = fn.__qualname__, fn.__module__
    return wrapped


def logged_call(fn: Callable[..., Any], kind: str) -> Callable[..., Any]:
    """`fn` appending (kind, pid, wall start, wall end, CPU s) to JOBS_LOG, in whichever process
    runs it (a pool job keeps its name: the pool pickles it by reference)."""

    def wrapped(*a: Any, **k: Any) -> Any:
        w0, c0 = time.time(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            row = [kind, os.getpid(), w0, time.time(), time.process_time() - c0]
            with JOBS_LOG.open("a") as f:
                f.write(json.dumps(row) + "\n")

    wrapped.__name__, wrapped.__qualname__ = fn.__name__, fn.__qualname__
    wrapped.__module__ = fn.__module__
    return wrapped


# The stretch after the shuttles (parent alone, then the verifier's pool): what each process
# does, in the parent (plan files, the report's own parts, the seals) and in the pool's workers
# (the verifier, the driver sheets' chunks).
AFTER: list[tuple[str, str, str]] = [
    ("write plan files (housing)", "foresterie.run.pipeline", "write_housing"),
    ("KPIs and housing's plan files (job)", "foresterie.run.pipeline", "_kpis_and_housing_files"),
    ("write plan files (shuttles)", "foresterie.run.pipeline", "write_shuttles"),
    ("KPIs", "foresterie.run.pipeline", "plan_kpis"),
    ("inputs snapshot", "foresterie.run.pipeline", "snapshot_inputs"),
    ("scenario reload (snapshot hash)", "foresterie.run.pipeline", "load_scenario"),
    ("report: load the run", "foresterie.report.html", "load_run"),
    ("report: map", "foresterie.report.html", "plan_map"),
    ("report: sheets in this process", "foresterie.report.html", "write_sheets"),
    ("report: desk notices", "foresterie.report.html", "write_bed_notices"),
    ("report: people page", "foresterie.report.html", "people_html"),
    ("report: index.html", "foresterie.report.html", "index_html"),
    ("report: summary.md", "foresterie.report.html", "summary_md"),
    ("report.json (report's seal)", "foresterie.report.html", "seal_report"),
    ("report.json (solve's seal)", "foresterie.run.pipeline", "seal_report"),
    ("verifier", "foresterie.verify", "verify_run"),
    ("verifier", "foresterie.run.pipeline", "verify_run"),
    ("sheets chunk (worker)", "foresterie.report.sheets", "sheets_job"),
    ("sheets chunk (worker)", "foresterie.report.html", "sheets_job"),
]


def after_shuttles(t_after: float) -> None:
    """The stretch after the last pool phase: each logged call, in the order it started."""
    rows = [json.loads(line) for line in JOBS_LOG.read_text().splitlines()]
    rows = [r for r in rows if r[2] >= t_after and r[0] not in ("days", "routes")]
    parent = os.getpid()
    print(
        "\n| after the shuttles | process | from s | to s | CPU s |\n| --- | --- | --- | --- | --- |"
    )
    for kind, pid, w0, w1, cpu in sorted(rows, key=lambda r: (r[2], r[0])):
        who = "parent" if pid == parent else f"worker {pid}"
        print(f"| {kind} | {who} | {w0 - t_after:.2f} | {w1 - t_after:.2f} | {cpu:.2f} |")


def phase(fn: Callable[..., Any], name: Callable[..., str]) -> Callable[..., Any]:
    def wrapped(*a: Any, **k: Any) -> Any:
        w0 = time.time()
        try:
            return fn(*a, **k)
        finally:
            PHASES.append((name(*a, **k), w0, time.time()))

    return wrapped


def timeline(processes: int, t0: float, t1: float) -> None:
    """The pool phases and the parent's stretches between them (see the module docstring)."""
    jobs = [json.loads(line) for line in JOBS_LOG.read_text().splitlines()]
    print(
        f"\n| stretch ({processes} processes) | wall s | jobs | jobs' CPU s | workers busy | "
        "tail s |\n| --- | --- | --- | --- | --- | --- |"
    )
    at = t0
    for label, w0, w1 in sorted(PHASES, key=lambda p: p[1]):
        print(f"| parent alone before {label} | {w0 - at:.1f} | | | | |")
        mine = [j for j in jobs if w0 <= j[2] <= w1]
        ends: dict[int, float] = {}
        for j in mine:
            ends[j[1]] = max(ends.get(j[1], 0.0), j[3])
        busy = sum(j[3] - j[2] for j in mine) / max(1e-9, (w1 - w0) * processes)
        tail = max(ends.values()) - min(ends.values()) if len(ends) > 1 else 0.0
        print(
            f"| {label} | {w1 - w0:.1f} | {len(mine)} | {sum(j[4] for j in mine):.1f} | "
            f"{100 * busy:.0f} % | {tail:.1f} |"
        )
        at = w1
    print(f"| parent alone after (files, verify beside the report) | {t1 - at:.1f} | | | | |")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = int(sys.argv[sys.argv.index("--cprofile") + 1]) if "--cprofile" in sys.argv else 0
    procs = int(sys.argv[sys.argv.index("--processes") + 1]) if "--processes" in sys.argv else 0
    args = [a for a in args if a not in (str(top), str(procs))]
    folder = Path(args[0]) if args else ROOT / "scenarios" / "puglia-2027"
    if procs:
        pool_timeline(folder, procs)
        return
    pipeline.plan_shuttles = one_process(routes.plan_shuttles)  # type: ignore[assignment]
    pipeline._pool_after = no_pool  # type: ignore[assignment]
    for label, module, name in STAGES:
        mod = importlib.import_module(module)
        if hasattr(mod, name):
            setattr(mod, name, timed(label, getattr(mod, name)))
    out = Path(tempfile.mkdtemp(prefix="profile-season-")) / "run"
    prof = cProfile.Profile()
    w0, c0 = time.perf_counter(), cpu_s()
    if top:
        prof.enable()
    summary = pipeline.solve(folder, out, report=_report)
    if top:
        prof.disable()
    wall, cpu = time.perf_counter() - w0, cpu_s() - c0
    k = summary.manifest["kpis"]["transport"]
    print(
        f"# Season profile, {folder.name}, {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, one process"
        + (", cProfile on" if top else "")
    )
    print(f"whole pipeline: CPU {cpu:.1f} s, wall {wall:.1f} s (shared machine); run in {out}")
    print(started(c0, cpu))
    sh = summary.manifest["shuttles"]
    print(
        f"route searches {sh['route_searches']} / day problems {sh['day_problems']}; "
        f"chaining proven: {sh['chaining_optimal']}"
    )
    print(
        "plan: "
        + ", ".join(
            f"{key} {k[key]}"
            for key in (
                "trips",
                "vehicle_days",
                "vehicle_km",
                "unserved_worker_days",
                "unserved_proven_pct",
                "transport_cost_eur",
            )
        )
    )
    print("\n| stage | CPU s | share of the whole |\n| --- | --- | --- |")
    for label in dict.fromkeys(label for label, _, _ in STAGES):  # a label timed twice: once
        if label in SPENT:
            print(f"| {label} | {SPENT[label]:.1f} | {100 * SPENT[label] / cpu:.0f} % |")
    print(f"| whole pipeline | {cpu:.1f} | 100 % |")
    if top:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


def pool_timeline(folder: Path, processes: int) -> None:
    """The solve with its worker pools (`--processes`): the timeline, not the stage table."""
    routes._days_job = logged_job(routes._days_job, "days")  # type: ignore[assignment]
    routes._solve_sequence = logged_job(routes._solve_sequence, "routes")  # type: ignore[assignment]
    routes._solve_patterns = phase(  # type: ignore[assignment]
        routes._solve_patterns,
        lambda *a, **k: "route searches" if "budget" not in k else "second opinion",
    )
    routes._run_days = phase(  # type: ignore[assignment]
        routes._run_days, lambda *a, **k: "probe's chaining" if a[4] else "planned days"
    )
    real = routes.plan_shuttles
    logged: dict[tuple[int, str], Callable[..., Any]] = {}  # a pool job: one wrapper (by reference)
    for label, module, name in AFTER:
        mod = importlib.import_module(module)
        fn = getattr(mod, name)
        logged.setdefault((id(fn), label), logged_call(fn, label))
        setattr(mod, name, logged[id(fn), label])

    def with_processes(scenario: Any, matrix: Any, assignments: Any, _: int = 1, *a: Any) -> Any:
        return real(scenario, matrix, assignments, processes, *a)

    pipeline.plan_shuttles = with_processes  # type: ignore[assignment]
    out = Path(tempfile.mkdtemp(prefix="profile-season-")) / "run"
    t0, c0 = time.time(), cpu_s()
    summary = pipeline.solve(folder, out, report=_report)
    t1, cpu = time.time(), cpu_s() - c0
    k = summary.manifest["kpis"]["transport"]
    print(
        f"# Season timeline, {folder.name}, {date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {processes} processes"
    )
    print(f"whole pipeline: wall {t1 - t0:.1f} s, CPU {cpu:.1f} s (all processes); run in {out}")
    print(started(c0, cpu))
    print(
        f"plan: trips {k['trips']}, vehicle_km {k['vehicle_km']}, unserved {k['unserved_worker_days']}"
    )
    timeline(processes, t0, t1)
    after_shuttles(max(w1 for _, _, w1 in PHASES))


if __name__ == "__main__":
    main()
