"""Retention: `foresterie purge RUN --before DATE` (README, "Retention").

Pseudonymised worker-level data is kept only as long as the service needs it. A purge removes
what is dated before DATE and worker-level, and keeps aggregates and hashes, so that the season
can still be reported on and `ledger verify` and `verify` still pass:

- the ledger: each worker-level row dated before DATE loses its payload and keeps seq, kind,
  day, its links and the sha256 of its payload (ops/ledger.py, `purge_before`); a `purge` row
  records it; the database is compacted so no old payload survives in its files;
- runs: a day run dated before DATE, and the season run and its intake re-plans once the season
  has ended before DATE, lose every file that names a worker (found by reading every file, not
  by a list) and the restricted part; they keep the manifest, the files naming no worker (fleet,
  farms, matrix, trips, occupancy ...), counts per foresteria and week written before the purge
  (`aggregates/`), and `purged.json`: the sha256 of every removed file, which `verify` checks
  against the manifest.

A run is purged whole or not at all: a season run still running at DATE keeps its plan.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import dumps_json, file_sha256, read_inside, write_text
from foresterie.ops.ledger import Ledger, is_url, ledger_path, purge_before

PURGED = "purged.json"
AGGREGATES = "aggregates"
KEEP = ("manifest.json", PURGED)  # never removed (they name no worker; a test checks)
_TOKENS = (re.compile(r"[A-Za-z0-9_-]+"), re.compile(r"[A-Za-z0-9._-]+"))

Aggregate = Callable[[Path, Path], None]  # (run folder, folder to write counts into)


@dataclass(kw_only=True)
class PurgeSummary:
    ledger_rows: int = 0
    runs: list[Path] = field(default_factory=list)
    files: int = 0
    kept_runs: list[Path] = field(default_factory=list)  # still within retention


def _last_day(run: Path) -> date | None:
    """The last day a run covers: a day run its date, otherwise its season's end."""
    if (run / "day.json").is_file():
        try:
            return date.fromisoformat(run.name)
        except ValueError:
            return None
    try:
        import tomllib

        cfg = tomllib.loads(read_inside(run, "inputs/scenario.toml", 1 << 20).decode("utf-8"))
        return date.fromisoformat(str(cfg["scenario"]["season_end"])[:10])
    except (OSError, ValueError, KeyError):
        return None


def _worker_ids(run: Path) -> set[str]:
    text = read_inside(run, "inputs/workers.csv", 1 << 30).decode("utf-8-sig")
    return {r["worker_id"] for r in csv.DictReader(io.StringIO(text, newline=""))}


def _names_a_worker(path: Path, ids: set[str]) -> bool:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return any(not ids.isdisjoint(rx.findall(text)) for rx in _TOKENS)


def purge_run(run: Path, before: date, aggregate: Aggregate, season_ids: set[str]) -> int:
    """Purge one run folder (see the module docstring); the number of files removed. A file
    naming any worker of the season counts (a day run's follow-up list names people who did
    not ride that day)."""
    ids = _worker_ids(run) | season_ids
    aggregate(run, run / AGGREGATES)
    removed: dict[str, str] = {}
    for p in sorted(run.rglob("*")):
        rel = p.relative_to(run).as_posix()
        if p.is_symlink() or not p.is_file() or rel in KEEP or rel.startswith(AGGREGATES + "/"):
            continue
        if rel.startswith("restricted/") or _names_a_worker(p, ids):
            removed[rel] = file_sha256(p)
            p.unlink()
    for folder in sorted((d for d in run.rglob("*") if d.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    for name in KEEP:
        if (run / name).is_file() and _names_a_worker(run / name, ids):  # pragma: no cover
            raise ScenarioError([Problem(name, None, "purge", "names a worker: not purged")])
    record = {
        "before": before.isoformat(),
        "removed": removed,
        "aggregates": {
            p.relative_to(run).as_posix(): file_sha256(p)
            for p in sorted((run / AGGREGATES).rglob("*"))
            if p.is_file()
        },
    }
    write_text(run / PURGED, dumps_json(record))
    return len(removed)


def purge(
    season_run: Path, before: date, aggregate: Aggregate, ledger: Path | str | None = None
) -> PurgeSummary:
    """Purge the season run's ledger, day runs, intake runs and the run itself (each once its
    last day is before `before`)."""
    if not (season_run / "manifest.json").is_file():
        raise ScenarioError(
            [Problem(str(season_run), None, "run", "not a run folder (no manifest.json)")]
        )
    out = PurgeSummary()
    lp: Path | str = ledger or ledger_path(season_run)  # a file, or a postgresql:// URL
    if not is_url(lp):
        lp = Path(lp)
    if is_url(lp) or Path(lp).exists():
        with Ledger.open(lp) as led:
            out.ledger_rows = purge_before(led, before)
    runs = []
    for kind in ("days", "intake"):
        folder = season_run.parent / f"{season_run.name}.{kind}"
        if folder.is_dir():
            runs += sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
    runs.append(season_run)
    season_ids = _worker_ids(season_run) if not (season_run / PURGED).exists() else set()
    for run in runs:
        if (run / PURGED).exists():
            continue
        last = _last_day(run)
        if last is None or last >= before:
            out.kept_runs.append(run)
            continue
        out.files += purge_run(run, before, aggregate, season_ids)
        out.runs.append(run)
    return out
