"""Retention: `foresterie purge RUN --before DATE` (README, "Retention").

Pseudonymised worker-level data is kept only as long as the service needs it. A purge removes
what is dated before DATE and worker-level, and keeps aggregates and hashes, so that the season
can still be reported on and `ledger verify` and `verify` still pass:

- the ledger: each worker-level row dated before DATE loses its payload and keeps seq, kind,
  day, its links and the sha256 of its payload (ops/ledger.py, `purge_before`); a `purge` row
  records it; the database is compacted so no old payload survives in its files;
- runs: a day run dated before DATE, and the season run and its intake re-plans (an intake
  made from an intake too, at every depth: `made_from`) once the season has ended before DATE,
  lose every file that names a worker (found by reading every file, not
  by a list) and the restricted part; they keep the manifest, the files naming no worker (fleet,
  farms, matrix, trips, occupancy ...), counts per foresteria and week written before the purge
  (`aggregates/`), and `purged.json`: the sha256 of every removed file (a restricted plaintext
  by its digest keyed with the run's salt, as the manifest records it: purged.json travels in
  the operator view, beside the ids), which `verify` checks against the manifest;
- the scenario folders left by day runs and intakes killed while they solved.

While the season is still running at DATE, runs still in use (the season run, its intake
re-plans, day runs dated from DATE on) are not purged whole: only the people whose stay ended
before DATE and whom nothing records from DATE on (`departed`) are removed from them and from
the ledger (`purge_people`); everyone else's data stays, so `day` and `intake` go on working.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import (
    UnsafePath,
    dumps_json,
    file_sha256,
    json_at,
    read_inside,
    read_json,
    write_text,
)
from foresterie.core.restricted import FOLDER as RESTRICTED
from foresterie.core.restricted import SALT, digest, read_restricted, write_restricted
from foresterie.core.restricted import SUFFIX as SEALED
from foresterie.ops.ledger import Event, Ledger, is_url, ledger_path, purge_before
from foresterie.run.folders import sweep_scenarios

PURGED = "purged.json"
SCOPE_DEPARTED = "departed"  # purged.json of a run still in use: only people who had left
AGGREGATES = "aggregates"
KEEP = ("manifest.json", PURGED)  # never removed (they name no worker; a test checks)
# What purged.json records of each file a purge of people changed (`purge_people`).
FILE_ENTRY = {
    "sha256": str,
    "rows": int,
    "rows_removed": int,
    "ids_removed": int,
    "kept_sha256": str,
}
_TOKENS = (re.compile(r"[A-Za-z0-9_-]+"), re.compile(r"[A-Za-z0-9._-]+"))

Aggregate = Callable[[Path, Path], None]  # (run folder, folder to write counts into)


@dataclass(kw_only=True)
class PurgeSummary:
    not_found: list[str] = field(default_factory=list)  # days whose recorded day run is not here
    ledger_rows: int = 0
    runs: list[Path] = field(default_factory=list)
    files: int = 0
    kept_runs: list[Path] = field(default_factory=list)  # still within retention
    people: int = 0  # people whose stay had ended, removed from runs still in use
    partly: list[Path] = field(default_factory=list)  # runs still in use they were removed from
    leftovers: int = 0  # scenario folders of day runs and intakes killed while they solved


def _last_day(run: Path) -> date | None:
    """The last day a run covers: its scenario's season end (a day run's scenario plans its one
    day), read from inputs/scenario.toml, which the manifest vouches for, never from day.json
    (its inputs/scenario.toml damaged: ScenarioError naming it, since that day decides what
    goes)."""
    label = str(run / "inputs" / "scenario.toml")
    try:
        text = read_inside(run, "inputs/scenario.toml", 1 << 20).decode("utf-8-sig")
        end = tomllib.loads(text)["scenario"]["season_end"]
    except UnsafePath as exc:
        raise ScenarioError([Problem(label, None, "file", exc.reason)]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        why = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "unreadable"
        raise ScenarioError([Problem(label, None, "scenario.season_end", why)]) from None
    if not isinstance(end, date):  # the run's snapshot writes a TOML date
        raise ScenarioError(
            [Problem(label, None, "scenario.season_end", f"{str(end)[:40]!r} is not a day")]
        )
    return end


def _workers(run: Path) -> dict[str, date]:
    """worker -> planned departure, from the run's inputs/workers.csv; damaged (not UTF-8, a
    column missing, a departure that is no date): ScenarioError naming file, row and field."""
    label = str(run / "inputs" / "workers.csv")
    try:
        text = read_inside(run, "inputs/workers.csv", 1 << 30).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except UnicodeDecodeError:
        raise ScenarioError([Problem(label, None, "encoding", "not UTF-8")]) from None
    except csv.Error as exc:
        raise ScenarioError([Problem(label, None, "file", f"unreadable CSV: {exc}")]) from None
    for col in ("worker_id", "departure"):
        if col not in header:
            raise ScenarioError([Problem(label, 1, col, "missing column")])
    out = {}
    for n, r in enumerate(rows, start=2):
        day = (r["departure"] or "")[:10]
        try:
            out[r["worker_id"] or ""] = date.fromisoformat(day)
        except ValueError:
            msg = f"{day!r} is not a date YYYY-MM-DD"
            raise ScenarioError([Problem(label, n, "departure", msg)]) from None
    return out


def _worker_ids(run: Path) -> set[str]:
    return set(_workers(run))


def _names_a_worker(path: Path, ids: set[str]) -> bool:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return any(not ids.isdisjoint(rx.findall(text)) for rx in _TOKENS)


def purge_run(run: Path, before: date, aggregate: Aggregate, season_ids: set[str]) -> int:
    """Purge one run folder (see the module docstring); the number of files removed. A file
    naming any worker of the season counts (a day run's follow-up list names people who did
    not ride that day)."""
    ids = _worker_ids(run) | season_ids
    partial = _partial_record(run)  # people removed earlier while the run was in use
    if not (run / AGGREGATES).is_dir():  # written by the first purge, from the whole plan
        aggregate(run, run / AGGREGATES)
    removed: dict[str, str] = {}
    salt = run / RESTRICTED / SALT  # plain beside plain files (sealed ones are recorded as sealed)
    key = salt.read_bytes() if salt.is_file() and not salt.is_symlink() else None
    for p in sorted(run.rglob("*")):
        rel = p.relative_to(run).as_posix()
        if p.is_symlink() or not p.is_file() or rel in KEEP or rel.startswith(AGGREGATES + "/"):
            continue
        if rel.startswith(RESTRICTED + "/"):  # a plaintext by its keyed digest, as the manifest
            plain = p != salt and not rel.endswith(SEALED)
            removed[rel] = digest(p.read_bytes(), key) if plain else file_sha256(p)
            p.unlink()
        elif _names_a_worker(p, ids):
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
    if partial is not None:
        record["partial"] = partial
    write_text(run / PURGED, dumps_json(record))
    return len(removed)


# ------------------------------------------------------------------ a season still running


def _partial_record(run: Path) -> dict[str, Any] | None:
    """The record of people removed from a run still in use, if any (README, "Retention")."""
    if not (run / PURGED).exists() and not (run / PURGED).is_symlink():
        return None
    label = str(run / PURGED)  # damaged (not JSON, a part missing or of another kind): named
    record = json_at(read_json(run, PURGED, label), label, "", dict)
    if json_at(record, label, "scope", str, optional=True) != SCOPE_DEPARTED:
        return None
    json_at(record, label, "purges", list)
    for part in ("removed", "aggregates"):
        for rel in json_at(record, label, part, dict):
            json_at(record, label, (part, rel), str)
    for rel in json_at(record, label, "files", dict):
        json_at(record, label, ("files", rel), dict)
        for key, kind in FILE_ENTRY.items():
            json_at(record, label, ("files", rel, key), kind)
    return record


def fully_purged(run: Path) -> bool:
    return _partial_record(run) is None and (run / PURGED).is_file()


def purge_state(run: Path) -> tuple[str, str] | None:
    """("whole", DATE) for a run purged whole, ("people", DATE) for one people were removed
    from (the latest purge's DATE), None for a run never purged; a damaged purged.json is
    named (one line, exit 2)."""
    partial = _partial_record(run)
    if partial is not None:
        befores = [json_at(p, str(run / PURGED), "before", str) for p in partial["purges"]]
        return "people", max(befores, default="")
    if not (run / PURGED).is_file():
        return None
    label = str(run / PURGED)
    return "whole", json_at(read_json(run, PURGED, label), label, "before", str)


def departed(run: Path, events: list[Event], before: date) -> set[str]:
    """The people of a run whose stay ended before `before` and whom nothing records from
    `before` on: their departure (the planned one, or an earlier recorded `departure` that is
    their last check-in row) is before `before`, and no ledger row names them on or after it.
    Whoever might still be served, re-planned or come back stays."""
    planned = _workers(run)
    last_row: dict[str, date] = {}
    last_checkin: dict[str, Event] = {}
    for ev in events:  # ledger order
        if not ev.worker_id:
            continue
        last_row[ev.worker_id] = max(ev.day, last_row.get(ev.worker_id, ev.day))
        if ev.kind in ("arrival", "departure", "absent"):
            mine = last_checkin.get(ev.worker_id)
            if mine is None or mine.day <= ev.day:
                last_checkin[ev.worker_id] = ev
    out = set()
    for wid, end in planned.items():
        left = last_checkin.get(wid)
        if left is not None and left.kind == "departure":
            end = min(end, left.day)
        if end < before and last_row.get(wid, end) < before:
            out.add(wid)
    return out


def _dialect(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def without_people(text: str, ids: set[str]) -> tuple[str, int, int, int]:
    """A CSV text without the people `ids`: a row whose `worker_id` is one of them goes, and
    so does any row still naming one after their ids are taken out of list cells (space
    separated, as `unserved.csv`'s `worker_ids`); the row's counts stay (aggregates). Returns
    (text, data rows before, rows removed, ids taken out of cells)."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    rows = list(csv.reader(io.StringIO(text.removeprefix(bom), newline="")))
    if not rows:
        return text, 0, 0, 0
    header, data = rows[0], rows[1:]
    col = header.index("worker_id") if "worker_id" in header else None
    kept, taken = [], 0
    for row in data:
        if col is not None and col < len(row) and row[col] in ids:
            continue
        cells = []
        for cell in row:
            words = cell.split(" ")
            left = [w for w in words if w not in ids]
            taken += len(words) - len(left)
            cells.append(" ".join(left) if len(left) < len(words) else cell)
        if _names(",".join(cells), ids):
            continue
        kept.append(cells)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=_dialect(text))
    writer.writerows([header, *kept])
    return bom + buf.getvalue(), len(data), len(data) - len(kept), taken


def _names(text: str, ids: set[str]) -> bool:
    return any(not ids.isdisjoint(rx.findall(text)) for rx in _TOKENS)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def purge_people(run: Path, before: date, ids: set[str], aggregate: Aggregate) -> int:
    """Remove the people `ids` (whose stay has ended) from a run still in use: their rows from
    every CSV file (the restricted part decrypted and re-encrypted with the key), every other
    file naming one of them removed whole (past days' driver sheets and notices; the plan's JSON
    and GeoJSON copies). The counts in remaining rows stay. `purged.json` records, per file, the
    sha256 it had when published (the manifest's) and has now, its data rows and how many were
    removed; the removed files' sha256; each purge's date and number of people. The aggregates
    are written first, from the whole run. Returns the number of files changed or removed."""
    mine = ids & _worker_ids(run) if (run / "inputs" / "workers.csv").is_file() else set()
    named = {
        p
        for p in run.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and _names(p.read_bytes().decode("utf-8", "replace"), ids)
    }
    sealed = (
        [p for p in (run / RESTRICTED).glob("*" + SEALED)] if (run / RESTRICTED).is_dir() else []
    )
    if not mine and not (named - {run / PURGED}) and not sealed:
        return 0
    plain = read_restricted(run)  # first: an encrypted part needs the key, nothing changed yet
    restricted = {n: d for n, d in plain.items() if _names(d.decode("utf-8", "replace"), ids)}
    if not mine and not (named - {run / PURGED}) and not restricted:
        return 0
    record = _partial_record(run) or {
        "scope": SCOPE_DEPARTED,
        "purges": [],
        "files": {},
        "removed": {},
        "aggregates": {},
    }
    if not (run / AGGREGATES).is_dir():
        aggregate(run, run / AGGREGATES)
        record["aggregates"] = {
            p.relative_to(run).as_posix(): file_sha256(p)
            for p in sorted((run / AGGREGATES).rglob("*"))
            if p.is_file()
        }
    files: dict[str, dict[str, Any]] = record["files"]

    salt = plain.get(SALT)

    def cut(rel: str, data: bytes) -> bytes:
        """`data` without the people; a restricted plaintext is recorded by its digest keyed
        with the run's salt, as the manifest records it (its sha256 would let whoever holds the
        ids try priorities until it matched)."""
        sha = (lambda b: digest(b, salt)) if rel.startswith(RESTRICTED + "/") else _sha
        text, rows, gone, taken = without_people(data.decode("utf-8"), ids)
        entry = files.setdefault(
            rel, {"sha256": sha(data), "rows": rows, "rows_removed": 0, "ids_removed": 0}
        )
        entry["rows_removed"] += gone
        entry["ids_removed"] += taken
        new = text.encode("utf-8")
        entry["kept_sha256"] = sha(new)
        return new

    changed = 0
    for p in sorted(named):
        rel = p.relative_to(run).as_posix()
        if rel in KEEP or rel.startswith((AGGREGATES + "/", RESTRICTED + "/")):
            continue
        changed += 1
        if p.suffix == ".csv":
            write_text(p, cut(rel, p.read_bytes()).decode("utf-8"))
        else:
            record["removed"][rel] = file_sha256(p)
            p.unlink()
    if restricted:
        new = {n: cut(f"{RESTRICTED}/{n}", d).decode("utf-8") for n, d in restricted.items()}
        write_restricted(run / RESTRICTED, new, salt)  # encrypted again when the key is set
        changed += len(new)
    record["purges"].append({"before": before.isoformat(), "people": len(mine)})
    write_text(run / PURGED, dumps_json(record))
    return changed


def _check_cuttable(run: Path) -> None:
    """Every CSV file of a run still in use (its restricted part too) is UTF-8 and CSV, so the
    people who left can be cut from it: checked before anything changes (ScenarioError)."""
    files = {
        p.relative_to(run).as_posix(): p.read_bytes()
        for p in sorted(run.rglob("*.csv"))
        if p.is_file()
        and not p.is_symlink()
        and not p.relative_to(run).as_posix().startswith((AGGREGATES + "/", RESTRICTED + "/"))
    }
    files |= {f"{RESTRICTED}/{n}": d for n, d in read_restricted(run).items()}
    for rel, data in files.items():
        try:
            list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        except UnicodeDecodeError:
            raise ScenarioError([Problem(str(run / rel), None, "encoding", "not UTF-8")]) from None
        except csv.Error as exc:
            msg = f"unreadable CSV: {exc}"
            raise ScenarioError([Problem(str(run / rel), None, "file", msg)]) from None


def day_run_season(run: Path) -> str | None:
    """The season run manifest's sha256 a day run records, or None if `run` holds no day.json;
    a day.json that is damaged (not JSON, not an object, the hash missing or not text) is
    named in one line (ScenarioError), never taken for "not a day run"."""
    if not (run / "day.json").exists() and not (run / "day.json").is_symlink():
        return None
    label = str(run / "day.json")
    record = read_json(run, "day.json", label)
    return str(json_at(record, label, "season_run_manifest_sha256", str))


def day_runs_in(folders: Iterable[Path], season_sha256: str) -> list[Path]:
    """The day runs of this season run among `folders` (day runs, or folders of them): a
    run folder whose day.json records this season run's manifest (`monitor --days`, `purge
    --days`)."""
    found = []
    for top in folders:
        candidates = [top] if (top / "day.json").is_file() else sorted(top.glob("*"))
        for c in candidates:
            ours = (c / "manifest.json").is_file() and (c / "day.json").is_file()
            if ours and day_run_season(c) == season_sha256:  # damaged: named, exit 2
                found.append(c)
    return found


def made_from(run: Path) -> list[Path]:
    """The runs made from `run` beside it (its day runs in RUN.days, its intakes in RUN.intake),
    and those made from them, at every depth: an intake made from an intake is
    RUN.intake/D1.intake/D2, its day runs RUN.intake/D1.intake/D2.days/D3 (session 19's
    leftover: purge reached the first level only, and left the next intakes whole). Read before
    anything is purged: a folder that cannot be listed is named (one line, exit 2) with nothing
    changed."""
    found: list[Path] = []
    todo, seen = [run], {run.resolve()}
    while todo:
        parent = todo.pop(0)
        for kind in ("days", "intake"):
            folder = parent.parent / f"{parent.name}.{kind}"
            try:
                if not folder.is_dir():
                    continue
                kids = sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())
            except OSError as exc:
                why = f"cannot be read ({exc.strerror or exc}): nothing purged"
                raise ScenarioError([Problem(str(folder), None, "folder", why)]) from None
            for kid in kids:
                if kid.resolve() not in seen:
                    seen.add(kid.resolve())
                    found.append(kid)
                    todo.append(kid)
    return found


def purge(
    season_run: Path,
    before: date,
    aggregate: Aggregate,
    ledger: Path | str | None = None,
    day_folders: list[Path] | None = None,
) -> PurgeSummary:
    """Purge the season run's ledger, day runs (beside it in RUN.days, and in `day_folders`),
    intake runs and the run itself (each once its last day is before `before`). While the
    season still runs at `before`, the runs still in use and the ledger lose only the people
    who had left (`departed`). Day runs the ledger records but that are not found are listed
    (`not_found`): what is not found is not purged."""
    if not (season_run / "manifest.json").is_file():
        raise ScenarioError(
            [Problem(str(season_run), None, "run", "not a run folder (no manifest.json)")]
        )
    out = PurgeSummary()
    end = _last_day(season_run)
    running = not fully_purged(season_run) and (end is None or end >= before)
    lp: Path | str = ledger or ledger_path(season_run)  # a file, or a postgresql:// URL
    if not is_url(lp):
        lp = Path(lp)
    runs = made_from(season_run)
    season_sha = file_sha256(season_run / "manifest.json")
    runs += [r for r in day_runs_in(day_folders or [], season_sha) if r not in runs]
    runs = list(dict.fromkeys(r.resolve() for r in runs))
    season_run = season_run.resolve()
    runs.append(season_run)
    # every record a purge goes by is read before anything changes: a damaged purged.json,
    # scenario.toml or workers.csv is named (exit 2) with the ledger and every run untouched
    done = {run: fully_purged(run) for run in runs}
    last_days = {run: _last_day(run) for run in runs if not done[run]}
    for run in last_days:
        _workers(run)
    if running:  # an encrypted restricted part needs the key: say so before anything changes
        for run in runs:
            if not done[run]:
                read_restricted(run)
    led = Ledger.open(lp) if is_url(lp) or Path(lp).exists() else None
    try:
        events = led.events() if led is not None else []
        # day plans the ledger records none of whose run folders is among `runs`
        here = {file_sha256(r / "manifest.json") for r in runs}
        plans = [ev for ev in events if ev.kind == "day_plan"]
        found = {ev.day for ev in plans if ev.note in here}
        out.not_found = sorted({ev.day.isoformat() for ev in plans if ev.day not in found})
        gone = departed(season_run, events, before) if running else set()
        with tempfile.TemporaryDirectory(prefix=".purge-", dir=season_run.parent) as tmp:
            # the aggregates are written from the runs as they are, before anything changes: a
            # run that cannot be read (a damaged plan) is named with nothing purged yet
            staged: dict[Path, Path] = {}
            for k, run in enumerate(runs):
                last = last_days.get(run)
                whole = last is not None and last < before  # purged whole, else of people
                if done[run] or (run / AGGREGATES).is_dir() or not (whole or gone):
                    continue
                staged[run] = Path(tmp) / str(k)
                aggregate(run, staged[run])
                if not whole:
                    _check_cuttable(run)

            def copy_staged(run: Path, dest: Path) -> None:
                shutil.copytree(staged[run], dest)

            if led is not None:
                out.ledger_rows = purge_before(led, before, workers=gone if running else None)
            season_ids = _worker_ids(season_run) if not done[season_run] else set()
            for run in runs:
                if done[run]:
                    continue
                last = last_days[run]
                if last is not None and last < before:
                    out.files += purge_run(run, before, copy_staged, season_ids)
                    out.runs.append(run)
                    continue
                out.kept_runs.append(run)
                if gone:
                    changed = purge_people(run, before, gone, copy_staged)
                    if changed:
                        out.files += changed
                        out.partly.append(run)
    finally:
        if led is not None:
            led.close()
    out.people = len(gone)
    # the scenario folder a day run or an intake killed while it solved left beside its target
    # (ids and stays; an intake's from before its priorities stayed in memory, every priority)
    beside = [r.parent / f"{r.name}.{k}" for r in runs for k in ("days", "intake")]
    beside += [r.parent for r in runs if r != season_run]
    beside += [d if not (d / "day.json").is_file() else d.parent for d in day_folders or []]
    for folder in dict.fromkeys(p.resolve() for p in beside):
        out.leftovers += sweep_scenarios(folder)
    return out
