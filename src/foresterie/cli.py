"""The `foresterie` command: parse, call, print, exit code. No logic lives here."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from foresterie.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_VERIFY_FAILED,
    InfeasibleError,
    ScenarioError,
)
from foresterie.core.files import UnsafePath
from foresterie.core.runfolder import RunFolderError

DEFAULT_SCENARIO = Path("scenarios/puglia-2026")

app = typer.Typer(
    help="Plan housing and shuttles for Puglia's seasonal farmworker foresterie.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
scenario_app = typer.Typer(help="Create scenarios.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

F = TypeVar("F", bound=Callable[..., Any])


def _err(line: str) -> None:
    typer.echo(line, err=True)


def guarded(fn: F) -> F:
    """Map failures to one-line messages and exit codes: 2 bad input (scenario, run folder, an
    unwritable output), 130 interrupted; anything else is a bug (exit 3, see __main__)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            for p in exc.problems:
                _err(f"error: {p}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except InfeasibleError as exc:
            for s in exc.shortfalls:
                _err(f"infeasible: {s}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (RunFolderError, UnsafePath) as exc:  # a damaged or crafted run folder
            _err(f"error: {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except OSError as exc:  # an output or cache folder that cannot be written, a full disk
            where = f"{exc.filename}: " if exc.filename else ""
            _err(f"error: {where}{exc.strerror or exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            _err("interrupted: no run folder was left half-written")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario folder (with scenario.toml).", show_default=True)
]


@app.command()
@guarded
def validate(scenario: ScenarioArg = DEFAULT_SCENARIO) -> None:
    """Check a scenario; print every problem as file:row: field: message (exit 2 if any)."""
    from foresterie.scenario.load import load_scenario, scenario_hash

    sc = load_scenario(scenario)
    for w in sc.warnings:
        _err(f"warning: {w}")
    groups = len({w.group_id for w in sc.workers if w.group_id})
    typer.echo(
        f"ok: {sc.name}: {len(sc.foresterie)} foresterie, {len(sc.farms)} farms, "
        f"{len(sc.workers)} workers ({groups} groups), {len(sc.fleet)} vehicles; "
        f"hash {scenario_hash(sc)[:16]}"
    )


@scenario_app.command("generate")
@guarded
def scenario_generate(
    name: Annotated[str, typer.Argument(help="Scenario name (also the default folder).")],
    workers: Annotated[int, typer.Option(min=1)] = 1700,
    farms: Annotated[int, typer.Option(min=1)] = 150,
    foresterie: Annotated[int, typer.Option(min=1)] = 4,
    seed: Annotated[int, typer.Option(min=0)] = 2026,
    oversubscription: Annotated[
        float | None,
        typer.Option(min=0.1, help="Peak demand / beds; omit to keep the sourced capacities."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default scenarios/NAME).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing folder.")] = False,
) -> None:
    """Write a synthetic scenario built on the DOMAIN.md calendars and sites."""
    from foresterie.scenario.generator import generate, write

    folder = out or Path("scenarios") / name
    if (folder / "scenario.toml").exists() and not force:
        _err(f"error: {folder}: exists; pass --force to overwrite")
        raise typer.Exit(EXIT_BAD_INPUT)
    gen = generate(name, workers, farms, foresterie, seed, oversubscription)
    write(gen, folder)
    typer.echo(f"wrote {folder} ({workers} workers, {farms} farms, {foresterie} foresterie)")


@app.command()
@guarded
def solve(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option(help="Run folder (default runs/NAME).")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing run folder.")] = False,
    as_of: Annotated[
        str | None, typer.Option(help="Re-plan from this date (YYYY-MM-DD): keep arrived people.")
    ] = None,
    previous: Annotated[
        Path | None, typer.Option(help="The run to re-plan from (with --as-of).")
    ] = None,
) -> None:
    """Plan housing and shuttles; write a verified, self-contained run folder."""
    from datetime import date

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from foresterie.core.errors import Problem
    from foresterie.run.pipeline import PlanRejected
    from foresterie.run.pipeline import solve as run_solve

    when = None
    if as_of is not None:
        try:
            when = date.fromisoformat(as_of)
        except ValueError:
            raise ScenarioError(
                [Problem("--as-of", None, "date", f"{as_of!r} is not YYYY-MM-DD")]
            ) from None
    target = out or Path("runs") / scenario.resolve().name
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bars:
        tasks: dict[str, Any] = {}

        def bar(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(f"shuttles: {stage}", total=total)
            bars.update(tasks[stage], completed=done, total=total)

        try:
            summary = run_solve(
                scenario,
                target,
                force,
                when,
                previous,
                say=typer.echo,
                bar=bar,
                report=_report_hook(),
            )
        except PlanRejected as exc:
            for v in exc.violations:
                _err(f"violation: {v}")
            _err("error: the plan failed verification and was not published")
            raise typer.Exit(EXIT_VERIFY_FAILED) from None
    k = summary.manifest["kpis"]
    typer.echo(
        f"wrote {target}: housed {k['housing']['housed']}, waitlisted "
        f"{k['housing']['waitlisted']}; {k['transport']['trips']} trips, "
        f"{k['transport']['unserved_rider_trips']} rider-trips unserved; verified"
    )


def _report_hook() -> Any:
    from foresterie.report.html import write_report

    return lambda run_dir: write_report(run_dir, say=typer.echo)


@app.command("map")
@guarded
def map_(
    run: Annotated[Path, typer.Argument(help="A run folder.")],
    day: Annotated[
        str | None, typer.Option(help="One day (YYYY-MM-DD); default: all, with a picker.")
    ] = None,
    foresteria: Annotated[str | None, typer.Option(help="Only this foresteria's shuttles.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="HTML file (default RUN/report/map[-DAY][-F].html).")
    ] = None,
    open_: Annotated[bool, typer.Option("--open", help="Open it in the default browser.")] = False,
) -> None:
    """Write an HTML map of a run's shuttles (one day, or the season with a day picker)."""
    from foresterie.core.files import write_text
    from foresterie.report.maps import plan_map

    data = _load_run(run)
    try:
        html = plan_map(data, day, foresteria)
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    suffix = "".join(f"-{x}" for x in (day, foresteria) if x)
    target = out or run / "report" / f"map{suffix}.html"
    write_text(target, html)
    typer.echo(f"wrote {target} ({len(html.encode()) / 1e6:.2f} MB)")
    if open_:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())


@app.command()
@guarded
def report(
    run: Annotated[Path, typer.Argument(help="A run folder.")],
    sheets: Annotated[bool, typer.Option(help="Also write the driver sheets.")] = True,
) -> None:
    """(Re)write RUN/report/: index.html, summary.md, map.html and the driver sheets."""
    from foresterie.report.html import write_report

    out = write_report(_load_run(run), say=typer.echo, sheets=sheets)
    typer.echo(f"wrote {out / 'index.html'}")


def _load_run(run: Path) -> Any:
    from foresterie.report.rundata import load_run

    if not (run / "manifest.json").is_file():
        _err(f"error: {run}: not a run folder (no manifest.json)")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        return load_run(run)
    except (OSError, KeyError, ValueError) as exc:
        _err(f"error: {run}: unreadable run folder: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
def verify(run: Annotated[Path, typer.Argument(help="A run folder.")]) -> None:
    """Check a run folder independently of the solvers (exit 0 clean, 1 violations, 2 unreadable)."""
    from foresterie.verify import Unreadable, verify_run

    try:
        violations = verify_run(run)
    except (Unreadable, KeyError, ValueError) as exc:
        _err(f"error: {run}: unreadable run folder: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for v in violations:
        typer.echo(f"violation: {v}")
    if violations:
        typer.echo(f"{len(violations)} violations")
        raise typer.Exit(EXIT_VERIFY_FAILED)
    typer.echo(f"ok: {run}: every check passed")


@app.command()
@guarded
def replay(
    run: Annotated[Path, typer.Argument(help="A run folder to re-solve from its own inputs/.")],
    out: Annotated[Path | None, typer.Option(help="Where to write the replay.")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing replay folder.")] = False,
) -> None:
    """Re-solve a saved run with its recorded inputs and parameters; exit 0 only if identical."""
    from foresterie.run.pipeline import replay as run_replay

    if not (run / "manifest.json").is_file():
        _err(f"error: {run}: not a run folder (no manifest.json)")
        raise typer.Exit(EXIT_BAD_INPUT)
    target = out or run.parent / f"{run.name}.replay"
    diffs = run_replay(run, target, force)
    for d in diffs[:20]:
        typer.echo(f"differs: {d}")
    if diffs:
        typer.echo(f"{len(diffs)} plan files differ")
        for note in _version_changes(run):
            typer.echo(note)
        raise typer.Exit(EXIT_VERIFY_FAILED)
    typer.echo(f"identical: every plan file of {run} reproduced byte for byte in {target}")


def _version_changes(run: Path) -> list[str]:
    """Solver versions that differ from the run's manifest: a different version may pick another
    of several tied optima, so a replay is byte-identical only with the versions recorded."""
    import json

    from foresterie.run.folders import versions

    try:
        recorded = json.loads((run / "manifest.json").read_text(encoding="utf-8"))["versions"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    now = versions()
    return [
        f"note: {pkg} {recorded.get(pkg)} recorded, {now.get(pkg)} running; another version "
        "may choose another of several equally good plans"
        for pkg in ("foresterie", "ortools", "pyvrp")
        if recorded.get(pkg) != now.get(pkg)
    ]


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="First run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Second run folder.")],
    fmt: Annotated[str, typer.Option("--format", help="table | csv | md")] = "table",
) -> None:
    """KPIs of two runs side by side, with differences."""
    from foresterie.core.files import csv_cell
    from foresterie.core.runfolder import RunFolderError, read_manifest
    from foresterie.report.html import md_text

    rows = []
    for run in (run_a, run_b):
        if not run.is_dir():
            _err(f"error: {run}: not a run folder")
            raise typer.Exit(EXIT_BAD_INPUT)
    try:
        ka, kb = read_manifest(run_a)["kpis"], read_manifest(run_b)["kpis"]
    except RunFolderError as exc:
        _err(f"error: unreadable run folder: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for part in ("housing", "transport"):
        for key, va in _flat(ka.get(part, {})).items():
            vb = _flat(kb.get(part, {})).get(key)
            diff = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else ""
            if isinstance(diff, float):
                diff = round(diff, 2)
            rows.append((f"{part}.{key}", va, vb, diff))
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["kpi", csv_cell(run_a.name), csv_cell(run_b.name), "difference"])
        w.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    elif fmt == "md":
        typer.echo(f"| KPI | {md_text(run_a.name)} | {md_text(run_b.name)} | difference |")
        typer.echo("| --- | --- | --- | --- |")
        for r in rows:
            typer.echo("| " + " | ".join(md_text(x) for x in r) + " |")
    elif fmt == "table":
        width = max(len(r[0]) for r in rows)
        typer.echo(f"{'KPI':{width}s}  {run_a.name:>14s}  {run_b.name:>14s}  {'difference':>12s}")
        for k, a, b, d in rows:
            typer.echo(f"{k:{width}s}  {a!s:>14s}  {b!s:>14s}  {d!s:>12s}")
    else:
        _err(f"error: --format: {fmt!r} is not table, csv or md")
        raise typer.Exit(EXIT_BAD_INPUT)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


@app.command()
@guarded
def sweep(
    file: Annotated[
        Path, typer.Argument(help="Sweep file (TOML: [sweep], [perturb], [decisions]).")
    ],
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local Dask worker processes (default: one per core).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="An existing Dask scheduler (tcp://host:8786) instead.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Sweep folder (default runs/sweeps/NAME).")
    ] = None,
    keep_runs: Annotated[bool, typer.Option(help="Keep each member's run folder.")] = True,
) -> None:
    """Solve many perturbed seasons x a grid of decisions; KPIs per member and quantiles."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from foresterie.sweep.members import load_sweep
    from foresterie.sweep.runner import run_sweep

    sw = load_sweep(file)
    target = out or Path("runs") / "sweeps" / sw.spec.sweep.name
    columns = (TextColumn("members"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bars:
        task = bars.add_task("members", total=None)

        def progress(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total)

        import os

        res = run_sweep(sw, target, workers or os.cpu_count() or 1, scheduler, keep_runs, progress)
    typer.echo(
        f"wrote {target}: {len(res.rows)} members ({res.skipped} already done, "
        f"{res.solved} solved now, {res.failed} failed) in {res.wall_s:.1f} s; "
        f"results.csv, quantiles.csv, report/index.html"
    )


roads_app = typer.Typer(
    help="Road graphs (OSRM) from OpenStreetMap extracts.", no_args_is_help=True
)
app.add_typer(roads_app, name="roads")


def _roads_guard(fn: F) -> F:
    """RoadsError is bad input too: one line, exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from foresterie.travel.roads import RoadsError

        try:
            return fn(*args, **kwargs)
        except RoadsError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper  # type: ignore[return-value]


@roads_app.command("build")
@guarded
@_roads_guard
def roads_build(
    extract: Annotated[
        Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2).")
    ],
    out: Annotated[Path, typer.Option(help="Graph folder to create (e.g. geodata/roads/puglia).")],
    profile: Annotated[str, typer.Option(help="car | bicycle | foot (OSRM's profiles).")] = "car",
) -> None:
    """Build an OSRM graph (extract, partition, customize) for [travel] backend = "osrm"."""
    import time

    from foresterie.travel.roads import build_graph

    t = time.monotonic()
    graph = build_graph(extract, out, profile, say=typer.echo)
    typer.echo(
        f"wrote {out} in {time.monotonic() - t:.1f} s: graph {graph.hash[:16]}, extract "
        f"sha256 {graph.meta['extract']['sha256'][:16]}, profile {profile}"
    )


@roads_app.command("calibrate")
@guarded
@_roads_guard
def roads_calibrate(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    graph: Annotated[
        Path | None, typer.Option(help="Graph folder (default: the scenario's).")
    ] = None,
) -> None:
    """Fit the great-circle model's circuity and speed to the road engine on the scenario's pairs."""
    from foresterie.scenario.load import load_scenario
    from foresterie.travel.calibration import calibrate
    from foresterie.travel.matrix import cache_dir, far_from_road, road_matrix, scenario_locations

    sc = load_scenario(scenario)
    folder = graph or sc.files.get("graph")
    if folder is None:
        _err("error: --graph: the scenario has no [travel] graph; pass --graph DIR")
        raise typer.Exit(EXIT_BAD_INPUT)
    road = road_matrix(scenario_locations(sc), folder, cache_dir())
    try:
        c = calibrate(sc, road)
    except ValueError as exc:
        _err(f"error: {scenario}: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    t = sc.config.travel
    typer.echo(f"{c.pairs} ordered pairs compared with road graph {(road.graph_hash or '')[:16]}")
    typer.echo(f"best fit: circuity = {c.circuity}, speed_kmh = {c.speed_kmh}")
    typer.echo(
        f"median time error: {c.time_error_before_pct} % with circuity {t.circuity} and "
        f"{t.speed_kmh} km/h; {c.time_error_after_pct} % with the fit "
        f"(distance {c.distance_error_after_pct} %)"
    )
    far = far_from_road(road, t.snap_warn_m)
    typer.echo(
        f"snapping: farthest place {max(road.snap_m, default=0):,.0f} m from a road; "
        f"{len(far)} beyond {t.snap_warn_m:,.0f} m"
    )
    for pid, metres in far:
        typer.echo(f"  {pid}: {metres:,.0f} m")
    typer.echo(f"to use it: [travel] circuity = {c.circuity}, speed_kmh = {c.speed_kmh}")


bench_app = typer.Typer(help="Benchmarks against the literature.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("vrptw")
def bench_vrptw(
    files: Annotated[list[Path], typer.Argument(help="Solomon/VRPLIB .vrp instances.")],
    engine: Annotated[str, typer.Option(help="pyvrp | ortools")] = "pyvrp",
    time_limit: Annotated[float, typer.Option(help="Seconds per instance.")] = 10.0,
    seed: Annotated[int, typer.Option()] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Solve VRPTW instances with the shuttle engines; distance, routes, feasibility, gap to BKS."""
    import json

    from foresterie.shuttles.solomon import run

    if engine not in ("pyvrp", "ortools"):
        _err(f"error: --engine: {engine!r} is not pyvrp or ortools")
        raise typer.Exit(EXIT_BAD_INPUT)
    gaps = []
    for f in files:
        if not f.is_file():
            _err(f"error: {f}: no such instance file")
            raise typer.Exit(EXIT_BAD_INPUT)
        r = run(f, engine, time_limit, seed)
        if r.gap_pct is not None:
            gaps.append(r.gap_pct)
        if json_out:
            typer.echo(json.dumps({**r.__dict__, "gap_pct": r.gap_pct}))
        else:
            gap = f"{r.gap_pct:6.2f}%" if r.gap_pct is not None else "   n/a"
            typer.echo(
                f"{r.instance:10s} {engine:8s} dist {r.distance:9.1f} routes {r.routes:3d} "
                f"feasible {r.feasible!s:5s} gap {gap} {r.seconds:6.1f}s"
            )
    if gaps and not json_out:
        typer.echo(f"mean gap {sum(gaps) / len(gaps):.2f}% over {len(gaps)} instances")


if __name__ == "__main__":  # pragma: no cover
    from foresterie.__main__ import main

    main()
