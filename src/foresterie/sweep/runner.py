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
from foresterie.core.restricted import RESTRICTED_DRAW_KEY
from foresterie.run.pipeline import PlanRejected, solve
from foresterie.scenario.load import RESTRICTED_PRIORITY, RESTRICTED_REFERRALS
from foresterie.sweep.members import Member, Sweep, write_members
from foresterie.sweep.report import write_sweep_report
from foresterie.sweep.tables import KPIS, write_tables

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


@dataclass(kw_only=True)
class SweepResult:
    rows: list[dict[str, Any]]
    skipped: int
    solved: int
    failed: int
    wall_s: float
    # member id -> people whose housing in the window is not judged as on their real stays
    loose: dict[str, int] = field(default_factory=dict)


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
        todo = []
        for wr in planned:
            m, folder, h = wr.member, wr.folder, wr.scenario_hash
            prev = _read_json(folder.parent / "result.json")
            if prev and prev.get("scenario_hash") == h and prev.get("status") == "ok":
                results[m.id] = prev
            else:
                todo.append((m, folder, h))
        skipped = len(results)
        progress = progress or (lambda done, total: None)
        progress(skipped, len(planned))
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
                ): (m, h)
                for m, folder, h in todo
            }
            for fut in as_completed(futures):
                m, h = futures[fut]
                row = fut.result()
                row.update(_member_cols(m, h))
                _write_json(out / "members" / m.id / "result.json", row)
                results[m.id] = row
                progress(len(results), len(planned))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    rows = [results[wr.member.id] for wr in planned]
    loose = {wr.member.id: len(wr.loose) for wr in planned if wr.loose}
    write_tables(sweep, out, rows)
    write_sweep_report(sweep, out, rows, loose)
    failed = sum(1 for r in rows if r["status"] != "ok")
    return SweepResult(
        rows=rows,
        skipped=skipped,
        solved=len(todo),
        failed=failed,
        wall_s=time.monotonic() - t0,
        loose=loose,
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
