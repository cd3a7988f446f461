"""Running a sweep: members solved by the ordinary pipeline on Dask distributed (a LocalCluster
or an existing scheduler), failures recorded, resumed by scenario hash."""

from __future__ import annotations

import json
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foresterie.core.errors import InfeasibleError, Problem, ScenarioError
from foresterie.core.files import json_value, replace_file
from foresterie.run.pipeline import PlanRejected, solve
from foresterie.sweep.members import Member, Sweep, write_members
from foresterie.sweep.report import write_sweep_report
from foresterie.sweep.tables import KPIS, write_tables

# ------------------------------------------------------------------ running


def run_member(member_id: str, scenario_dir: str, run_dir: str, keep_run: bool) -> dict[str, Any]:
    """Solve one member with the ordinary pipeline (in a Dask worker); never raises."""
    t0 = time.monotonic()
    row: dict[str, Any] = {"member": member_id, "status": "ok", "error": ""}
    try:
        summary = solve(Path(scenario_dir), Path(run_dir), force=True)
        kpis = summary.manifest["kpis"]
        for part, key in KPIS:
            row[f"{part}.{key}"] = kpis[part][key]
    except ScenarioError as exc:
        row.update(status="failed", error="; ".join(str(p) for p in exc.problems)[:500])
    except InfeasibleError as exc:
        row.update(
            status="failed", error="infeasible: " + "; ".join(str(x) for x in exc.shortfalls)[:480]
        )
    except PlanRejected as exc:
        row.update(status="failed", error=f"verification: {exc.violations[0]}"[:500])
    except Exception as exc:  # recorded, not fatal: the sweep goes on
        last = traceback.format_exception_only(exc)[-1].strip()
        row.update(status="failed", error=f"{type(exc).__name__}: {last}"[:500])
    finally:
        if not keep_run:
            shutil.rmtree(run_dir, ignore_errors=True)
    row["wall_s"] = round(time.monotonic() - t0, 3)
    return row


@dataclass(kw_only=True)
class SweepResult:
    rows: list[dict[str, Any]]
    skipped: int
    solved: int
    failed: int
    wall_s: float


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
    out.mkdir(parents=True, exist_ok=True)
    planned = write_members(sweep, out)
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for m, folder, h in planned:
        res_file = folder.parent / "result.json"
        prev = _read_json(res_file)
        if prev and prev.get("scenario_hash") == h and prev.get("status") == "ok":
            results[m.id] = prev
        else:
            todo.append((m, folder, h))
    skipped = len(results)
    progress = progress or (lambda done, total: None)
    progress(skipped, len(planned))
    if todo:
        cluster = None
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
        client = Client(scheduler) if scheduler else Client(cluster)
        try:
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
            client.close()
            if cluster is not None:
                cluster.close()
    rows = [results[m.id] for m, _, _ in planned]
    write_tables(sweep, out, rows)
    write_sweep_report(sweep, out, rows)
    failed = sum(1 for r in rows if r["status"] != "ok")
    return SweepResult(
        rows=rows, skipped=skipped, solved=len(todo), failed=failed, wall_s=time.monotonic() - t0
    )


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
