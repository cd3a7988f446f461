"""Running a sweep: members solved by the ordinary pipeline on Dask distributed (a LocalCluster
or an existing scheduler), failures recorded, resumed by scenario hash."""

from __future__ import annotations

import json
import logging
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foresterie.core.errors import InfeasibleError, Problem, ScenarioError
from foresterie.core.files import json_value, replace_file
from foresterie.core.i18n import N_, Lang
from foresterie.core.restricted import RESTRICTED_DRAW_KEY
from foresterie.run.pipeline import PlanRejected, solve
from foresterie.scenario.load import RESTRICTED_PRIORITY, RESTRICTED_REFERRALS
from foresterie.sweep.members import Member, Sweep, write_members
from foresterie.sweep.report import write_sweep_report
from foresterie.sweep.tables import KPIS, write_tables
from foresterie.sweep.window import NOT_JUDGED_LIMIT
from foresterie.verify import verify_run

# ------------------------------------------------------------------ running


# A member's scenario folder holds these restricted inputs (README, "Referral records", "Restricted
# part and encryption"): the referral records, the draw key, and each person's priority (the
# column of workers.csv). An error found in them is published without its words.
RESTRICTED_INPUTS = frozenset({RESTRICTED_REFERRALS, RESTRICTED_DRAW_KEY, RESTRICTED_PRIORITY})
RESTRICTED_FIELDS = frozenset({"priority"})
ERROR_FILE = "error.txt"  # beside the member's scenario/: the whole error, never published


def run_member(member_id: str, scenario_dir: str, run_dir: str, keep_run: bool) -> dict[str, Any]:
    """Solve one member with the ordinary pipeline (in a Dask worker); never raises. A failure's
    row carries `public_error` (results.csv and the report are shown in meetings); the whole
    text goes to the member's own folder, beside its scenario and its restricted files."""
    t0 = time.monotonic()
    row: dict[str, Any] = {"member": member_id, "status": "ok", "error": ""}
    detail = Path(run_dir).parent / ERROR_FILE
    try:
        summary = solve(Path(scenario_dir), Path(run_dir), force=True)
        kpis = summary.manifest["kpis"]
        for part, key in KPIS:
            row[f"{part}.{key}"] = kpis[part][key]
        detail.unlink(missing_ok=True)
    except Exception as exc:  # recorded, not fatal: the sweep goes on
        row.update(status="failed", error=public_error(exc)[:500])
        replace_file(detail, (_full_error(exc) + "\n").encode("utf-8"))
    finally:
        if not keep_run:
            shutil.rmtree(run_dir, ignore_errors=True)
    row["wall_s"] = round(time.monotonic() - t0, 3)
    return row


def public_error(exc: Exception) -> str:
    """A member's failure in words that carry nothing from a restricted input (review 15: a
    referral record's row was published as `referrals.csv:3: worker_id: unknown worker 'W0008'`,
    an id beside the word referrals). A problem in a restricted file or field keeps its file, row
    and field, with a generic reason; a verification failure keeps the name of its first check
    and the count (a violation names people: `site to avoid: W0008 placed at FR-B`); anything
    else keeps its type and the line of code that raised it."""
    if isinstance(exc, ScenarioError):
        return "; ".join(_public_problem(p) for p in exc.problems)
    if isinstance(exc, InfeasibleError):
        return "infeasible: " + "; ".join(str(x) for x in exc.shortfalls)
    if isinstance(exc, PlanRejected):
        first = exc.violations[0].split(":", 1)[0] if exc.violations else ""
        return f"verification: {len(exc.violations)} violations, the first: {first}"
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else ""
    return f"{type(exc).__name__}{where}"


def _public_problem(p: Problem) -> str:
    if p.file in RESTRICTED_INPUTS or p.field in RESTRICTED_FIELDS:
        where = f"{p.file}:{p.row}" if p.row is not None else p.file
        return (
            f"{where}: {p.field}: refused (a restricted input: {ERROR_FILE} in the member's folder)"
        )
    return str(p)


def _full_error(exc: Exception) -> str:
    if isinstance(exc, PlanRejected):
        return "verification:\n" + "\n".join(exc.violations)
    if isinstance(exc, (ScenarioError, InfeasibleError)):
        return str(exc)
    return "".join(traceback.format_exception(exc)).rstrip()


# How a member came to be in this sweep's tables (`vouched_row`, `run_sweep`).
DONE = "done"  # solved before; its run verifies and its figures are the run's
# solved before; its run verifies, but its result.json did not say what the run does
REBUILT = "rebuilt"
SOLVED = "solved"  # not solved before (or failed before): solved now
RUN_CHANGED = N_("run changed")  # solved before, but its run no longer verifies: solved again
RUN_MISSING = N_("run missing")  # solved before, but its run is gone (or not kept): solved again
AGAIN = (RUN_CHANGED, RUN_MISSING)


def vouched_row(
    member_id: str, run: Path, scenario_hash: str, claimed: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """A member its earlier result.json `claimed` as solved counts as done only if its run is
    still there, is the member's (its manifest's scenario hash) and verifies as `foresterie
    verify` would; its row is then rebuilt from the run's manifest (whose KPIs the verifier
    recomputed from the plan), never taken from result.json (review 15: an edited figure was
    published, a run that had lost a plan file counted as done). Returns the row and `DONE`
    or `REBUILT`, or None and why the member must be solved again. Run in the sweep's own
    process: the verifier imports no solver, and a small member checks in ~0.05 CPU s where a
    Dask worker costs seconds to start."""
    if not (run / "manifest.json").is_file():
        return None, RUN_MISSING
    try:
        manifest = json_value((run / "manifest.json").read_bytes())
        if manifest["scenario"]["hash"] != scenario_hash or verify_run(run):
            return None, RUN_CHANGED
        row: dict[str, Any] = {"member": member_id, "status": "ok", "error": ""}
        for part, key in KPIS:
            row[f"{part}.{key}"] = manifest["kpis"][part][key]
    except Exception:  # an unreadable run (a file gone, not JSON, a field missing): changed
        return None, RUN_CHANGED
    wall = claimed.get("wall_s")  # a timing, published in timings.csv only
    row["wall_s"] = wall if isinstance(wall, int | float) and not isinstance(wall, bool) else ""
    said = {c: claimed.get(c) for c in row if c != "wall_s"}
    return row, DONE if said == {c: v for c, v in row.items() if c != "wall_s"} else REBUILT


@dataclass(kw_only=True)
class SweepResult:
    rows: list[dict[str, Any]]
    skipped: int  # done before, vouched for by their runs
    solved: int  # solved now, the re-solved included
    failed: int
    wall_s: float
    # member id -> people whose housing in the window is not judged as on their real stays
    loose: dict[str, int] = field(default_factory=dict)
    people: int = 0  # people in all the members together (a person in 4 members counts 4)
    # why members said done were solved again (RUN_CHANGED, RUN_MISSING) -> how many
    again: dict[str, int] = field(default_factory=dict)
    rebuilt: int = 0  # done members whose result.json differed from their run (rewritten)


def said(res: SweepResult, target: Path, lg: Lang) -> tuple[str, str | None]:
    """The summary line of a sweep (stdout) and its warning on the window (stderr), if any."""
    _ = lg._
    line = _(
        "wrote {target}: {members} members ({skipped} already done, {solved} solved now, "
        "{failed} failed) in {seconds} s; results.csv, quantiles.csv, paired.csv, "
        "report/index.html"
    ).format(
        target=target,
        members=len(res.rows),
        skipped=res.skipped,
        solved=res.solved,
        failed=res.failed,
        seconds=f"{res.wall_s:.1f}",
    )
    for why, n in res.again.items():  # review 15: a resumed sweep took result.json on trust
        line += "; " + _("{n} re-solved: {why}").format(n=n, why=_(why))
    if res.rebuilt:
        line += "; " + _(
            "{n} result.json rebuilt from the member's run (it did not say what the run does)"
        ).format(n=res.rebuilt)
    if not res.loose:
        return line, None
    n = sum(res.loose.values())
    share = n / res.people if res.people else 1.0
    warning = _(
        "sweep.window: {people} of the {total} people in the members ({share}) could not be "
        "judged on their whole stay (a stay or an opening shorter than the minimum near the "
        "window's edges, or a whole stay across a closing), in {members} members (first: "
        "{first})"
    ).format(
        people=n,
        total=res.people,
        share=lg.pct(100 * share, 0),
        members=len(res.loose),
        first=min(res.loose),
    )
    if share > NOT_JUDGED_LIMIT:
        warning += "; " + _(
            "above {limit} the housing figures are not comparable: solve whole seasons (remove "
            "window from the sweep file)"
        ).format(limit=lg.pct(100 * NOT_JUDGED_LIMIT, 0))
    return line, warning


Progress = Callable[[int, int], None]


def _check_sweep_folder(out: Path) -> None:
    """A sweep resumes in its own folder (members/ holds what is done) and writes results.csv,
    quantiles.csv and report/ there: into someone's non-empty folder it would overwrite their
    files, so only a new or empty folder or an earlier sweep's is taken."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        why = "is not a folder; choose a new folder for the sweep"
    elif not out.exists() or next(out.iterdir(), None) is None or (out / "members").is_dir():
        return
    else:
        why = "is not empty and not a sweep's folder (no members/); choose another folder"
    raise ScenarioError([Problem(str(out), None, "--out", why)])


def run_sweep(
    sweep: Sweep,
    out: Path,
    workers: int = 2,
    scheduler: str | None = None,
    keep_runs: bool = True,
    progress: Progress | None = None,
) -> SweepResult:
    """Write the members, solve those not done yet on Dask, write the tables and the report."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ScenarioError(
            [
                Problem(
                    sweep.path.name,
                    None,
                    "sweep",
                    "sweeps run on Dask, which is not installed: pip install 'foresterie[sweep]'",
                )
            ]
        ) from None

    t0 = time.monotonic()
    _check_sweep_folder(out)
    # An existing scheduler is reached before anything is written: a wrong address is one line
    # and no member folder.
    client = _connect(Client, scheduler) if scheduler else None
    cluster = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        planned = write_members(sweep, out)
        results: dict[str, dict[str, Any]] = {}
        hows: dict[str, str] = {}
        progress = progress or (lambda done, total: None)
        todo = []
        for wr in planned:
            m, folder, h = wr.member, wr.folder, wr.scenario_hash
            prev = _read_json(folder.parent / "result.json")
            how = SOLVED
            if prev and prev.get("scenario_hash") == h and prev.get("status") == "ok":
                row, how = vouched_row(m.id, folder.parent / "run", h, prev)
                if row is not None:
                    row.update(_member_cols(m, h))
                    _write_json(folder.parent / "result.json", row)
                    results[m.id] = row
                    hows[m.id] = how
                    continue
            todo.append((m, folder, h, how))
        progress(len(results), len(planned))
        if todo and client is None:
            cluster = _quiet_cluster(LocalCluster, workers)
            client = Client(cluster)
            client.run(_quiet_worker)
        if todo and client is not None:
            futures = {
                client.submit(
                    run_member,
                    m.id,
                    str(folder),
                    str(folder.parent / "run"),
                    keep_runs,
                    key=f"member-{m.id}-{h[:12]}",
                    pure=False,
                ): (m, h, how)
                for m, folder, h, how in todo
            }
            for fut in as_completed(futures):
                m, h, how = futures[fut]
                row = fut.result()
                row.update(_member_cols(m, h))
                _write_json(out / "members" / m.id / "result.json", row)
                results[m.id] = row
                hows[m.id] = how
                progress(len(results), len(planned))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    rows = [results[wr.member.id] for wr in planned]
    loose = {wr.member.id: len(wr.loose) for wr in planned if wr.loose}
    write_tables(sweep, out, rows)
    people = sum(wr.people for wr in planned)
    write_sweep_report(sweep, out, rows, loose, people)
    failed = sum(1 for r in rows if r["status"] != "ok")
    done = sum(1 for how in hows.values() if how in (DONE, REBUILT))
    again = {why: n for why in AGAIN if (n := sum(1 for how in hows.values() if how == why))}
    return SweepResult(
        rows=rows,
        skipped=done,
        solved=len(rows) - done,
        failed=failed,
        wall_s=time.monotonic() - t0,
        loose=loose,
        people=people,
        again=again,
        rebuilt=sum(1 for how in hows.values() if how == REBUILT),
    )


def _connect(client_type: Any, address: str) -> Any:
    """A client of an existing scheduler, or one line saying it is not there."""
    try:
        return client_type(address, timeout="10s")
    except (OSError, ValueError) as exc:  # refused, timed out, or not an address
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError([Problem(address, None, "--scheduler", why)]) from None


def _quiet_cluster(cluster_type: Any, workers: int) -> Any:
    """A local cluster on loopback that keeps quiet in the planner's terminal: no dashboard, and
    the scheduler's HTTP server (which starts without one) on a free port, so no warning that
    8787 is taken; Dask's log lines (a nanny killing a slow worker at close) are not printed."""
    return cluster_type(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    )


def _quiet_worker() -> None:
    """In each worker process of our own local cluster (never a scheduler the user gave): its
    heartbeat complaints when the cluster closes under it are not the planner's business."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def _member_cols(m: Member, h: str) -> dict[str, Any]:
    return {
        "draw": m.draw,
        "decision": m.decision_label,
        "scenario_hash": h,
        **{f"decision.{k}": v for k, v in m.decision},
    }


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json_value(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):  # damaged or too deep: the member is solved again
        return None


def _write_json(path: Path, obj: dict[str, Any]) -> None:
    replace_file(path, (json.dumps(obj, sort_keys=True, indent=1) + "\n").encode("utf-8"))
