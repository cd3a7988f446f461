"""Run folders: an inputs snapshot, the plan, a manifest; written atomically (tmp dir + rename)."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from foresterie import __version__
from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import dumps_json, file_sha256, replace_file, write_text
from foresterie.core.restricted import RESTRICTED_DRAW_KEY, SALT, new_salt, write_restricted
from foresterie.core.runfolder import manifest_known
from foresterie.core.tomlout import dumps as toml_dumps
from foresterie.scenario.files import (
    farm_calendar_csv,
    farms_geojson,
    fleet_csv,
    foresterie_geojson,
    pickups_geojson,
    priority_csv,
    referrals_csv,
    workers_csv,
)
from foresterie.scenario.load import RESTRICTED_PRIORITY, RESTRICTED_REFERRALS
from foresterie.scenario.matrixfile import matrix_bytes
from foresterie.scenario.model import Scenario
from foresterie.travel.matrix import TravelMatrix

PACKAGES = (
    "ortools",
    "highspy",
    "pyvrp",
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "pydantic",
    "folium",
    "typer",
)


def versions() -> dict[str, str]:
    out = {
        "python": platform.python_version(),
        "foresterie": __version__,
        "platform": f"{sys.platform}-{platform.machine()}",
    }
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def check_target(out: Path, force: bool, kind: str = "run") -> None:
    """Refuse early to replace an existing folder unless --force; and, even with --force, one
    that is not an output of ours (`foresterie solve S --out ~/Documents --force` would delete
    Documents), or an output of ours of another kind (`export RUN --out SEASON_RUN --force`
    would delete the season run, its restricted part and what the ledger is bound to): only an
    empty folder or one whose `output_kind` is `kind` ("run", "monitor", "export") may be
    replaced."""
    if not out.exists() and not out.is_symlink():
        return
    if not force:
        raise ScenarioError(
            [Problem(str(out), None, "--out", "exists; pass --force to replace it")]
        )
    found = None
    if out.is_symlink() or not out.is_dir():
        why = "is not a folder; --force replaces only a folder foresterie wrote"
    elif next(out.iterdir(), None) is None or (found := output_kind(out)) == kind:
        return
    elif found is not None:
        why = (
            f"holds {KIND_NAMES[found]}, not {KIND_NAMES[kind]}: --force replaces only "
            f"{KIND_NAMES[kind]} here; choose another folder"
        )
    else:
        why = (
            "is not a folder foresterie wrote (no run, monitor or export manifest); --force "
            "replaces only those: choose another folder"
        )
    raise ScenarioError([Problem(str(out), None, "--out", why)])


# The file each output of ours always holds, and how it begins: a run folder's (solve, replay,
# day, intake) or a monitor's manifest.json, an export's README.md or OPERATOR.md. A road graph
# ("foresterie-graph/1") is an input that took hours to build, not an output to replace.
OUR_MANIFESTS = (("schema", "foresterie-run/1", "run"), ("kind", "monitor", "monitor"))
OUR_TITLES = {
    "README.md": ("# Driver packs\n", "# Public aggregate export\n"),
    "OPERATOR.md": ("# Operator view\n",),
}
KIND_NAMES = {"run": "a run", "monitor": "a monitor", "export": "an export"}


def output_kind(folder: Path) -> str | None:
    """Which output of ours `folder` is ("run", "monitor", "export"), told by the file it always
    holds (OUR_MANIFESTS, OUR_TITLES); a regular file each, read no further than needed. None:
    not an output of ours. An operator view is a run folder without its restricted part plus
    OPERATOR.md: an export (review 20 R, LOW-12: its refresh was refused as "a run"), unless a
    restricted/ part is there (a run with an OPERATOR.md slipped in stays a run)."""
    if _titled(folder, "OPERATOR.md") and not (folder / "restricted").exists():
        return "export"
    manifest = folder / "manifest.json"
    if manifest.is_file() and not manifest.is_symlink():
        try:
            with open(manifest, "rb") as fh:
                data = json.loads(fh.read(1 << 26))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            for key, value, kind in OUR_MANIFESTS:
                if data.get(key) == value:
                    return kind
    if any(_titled(folder, name) for name in OUR_TITLES):
        return "export"
    return None


def _titled(folder: Path, name: str) -> bool:
    """Whether folder/name is a regular file beginning with one of OUR_TITLES[name]."""
    path = folder / name
    if not path.is_file() or path.is_symlink():
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(64).decode("utf-8", "replace")
    except OSError:
        return False
    return head.startswith(OUR_TITLES[name])


def is_ours(folder: Path) -> bool:
    """Whether `folder` is an output of ours (`output_kind`)."""
    return output_kind(folder) is not None


def check_apart(out: Path, source: Path | None, what: str, within: bool = False) -> None:
    """Refuse an --out that is `source` (a folder the command reads: the scenario, the previous
    run, the run replayed) or holds it, where --force would delete what is being read; with
    `within`, also one inside it (a replay into the run's own plan/ replaces the plan it compares
    against)."""
    if source is None:
        return
    o, s = out.resolve(), source.resolve()
    if o == s or s.is_relative_to(o):
        why = f"is or holds {what}, which --force would delete; write to another folder"
    elif within and o.is_relative_to(s):
        why = f"lies inside {what}; write to another folder"
    else:
        return
    raise ScenarioError([Problem(str(out), None, "--out", why)])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's live process
        return True
    return True


def sweep_partials(out: Path) -> None:
    """Clean up after runs that were killed (their process is gone): remove their temporary
    folders, and put back an earlier run that was set aside for replacement (.old-PID) if the
    kill came between the two renames, else remove it."""
    for kind in ("partial", "old"):
        for p in sorted(out.parent.glob(f".{out.name}.{kind}-*")):
            try:
                pid = int(p.name.rsplit(f".{kind}-", 1)[1].split("-", 1)[0])
            except (IndexError, ValueError):
                continue
            if _alive(pid):
                continue
            if kind == "old" and not out.exists():
                os.rename(p, out)
            else:
                shutil.rmtree(p, ignore_errors=True)


def scenario_folder(target: Path) -> tempfile.TemporaryDirectory[str]:
    """The hidden folder beside `target` in which a day run or an intake writes the scenario it
    solves (`.NAME.scenario-PID-XXXXXXXX`), removed when the block ends. It holds ids and stays,
    so one left by a process that was killed is removed first (sweep_scenarios)."""
    sweep_scenarios(target.parent)
    return tempfile.TemporaryDirectory(
        prefix=f".{target.name}.scenario-{os.getpid()}-", dir=target.parent
    )


def sweep_scenarios(folder: Path) -> int:
    """Remove the scenario folders of day runs and intakes that were killed while they solved
    (`.NAME.scenario-PID-*` whose process is gone, for any NAME; one named without a PID was
    written before it was named so, by a process long gone); the number removed. `purge` calls
    it too: what a purge removes must not survive in a leftover."""
    removed = 0
    for p in sorted(folder.glob(".*.scenario-*")) if folder.is_dir() else []:
        if p.is_symlink() or not p.is_dir():
            continue
        pid, dash, _ = p.name.rsplit(".scenario-", 1)[1].partition("-")
        if dash and pid.isdigit() and len(pid) < 10 and _alive(int(pid)):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed += 1
    return removed


# Fault injection for the kill tests (tests/run/test_crash.py): FORESTERIE_FAULT holds tokens
# separated by commas: "kill:STAGE" makes this process SIGKILL itself at a publishing stage
# (before-swap, after-swap, between-renames), "no-exchange" takes the two-rename fallback.
FAULT_ENV = "FORESTERIE_FAULT"


def _faults() -> set[str]:
    return {x.strip() for x in os.environ.get(FAULT_ENV, "").split(",") if x.strip()}


def _fault(stage: str) -> None:
    if f"kill:{stage}" in _faults():
        os.kill(os.getpid(), signal.SIGKILL)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 RENAME_EXCHANGE): at every
    instant each name holds one whole folder. False where the system or file system cannot."""
    if sys.platform != "linux" or "no-exchange" in _faults():
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # pragma: no cover - a C library without renameat2
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # pragma: no cover - old kernel/fs
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextmanager
def publish_lock(folder: Path) -> Iterator[None]:
    """One publisher at a time in `folder` (an exclusive flock on the folder itself: nothing
    to leave behind, released by the kernel when the holder dies)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, the renames still refuse
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _publish(tmp: Path, out: Path, force: bool, kind: str) -> Path | None:
    """Put tmp in place of out; return where the earlier run went (to remove), if any.

    Linux: one RENAME_EXCHANGE, so `out` is always a whole run, the earlier one or the new one.
    Elsewhere two renames; a kill between them leaves the earlier run as .old-PID, which the
    next start puts back (sweep_partials)."""
    if not out.exists():
        os.rename(tmp, out)
        return None
    check_target(out, force, kind)
    _fault("before-swap")
    if exchange(tmp, out):
        _fault("after-swap")
        return tmp  # now holds the earlier run, under our own .partial- name
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    try:
        _fault("between-renames")
        os.rename(tmp, out)
    except BaseException:  # interrupted between the renames: put the earlier run back
        if not out.exists():
            os.rename(old, out)
        raise
    return old


@contextmanager
def atomic_dir(out: Path, force: bool, kind: str = "run") -> Iterator[Path]:
    """Yield a temporary sibling folder; publish it in place of `out` only if the block succeeds.

    A kill -9 can leave the hidden temporary folder behind (never the run folder itself); the
    next run for the same target removes it once its process is gone. Publishers of the same
    folder take turns (publish_lock), so two `solve --force` at once leave one whole run.
    `kind`: what is written ("run" or "monitor"), which is all --force may replace."""
    check_target(out, force, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    with publish_lock(out.parent):
        sweep_partials(out)
    prefix = f".{out.name}.partial-{os.getpid()}-"
    try:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=out.parent))
        yield tmp
    except BaseException:
        for p in out.parent.glob(f"{prefix}*"):  # also one made just before an interrupt
            shutil.rmtree(p, ignore_errors=True)
        raise
    try:
        with publish_lock(out.parent):
            sweep_partials(out)  # a run killed between its renames meanwhile: put it back first
            old = _publish(tmp, out, force, kind)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:  # interrupted while removing it: a hidden folder, swept next time
        shutil.rmtree(old, ignore_errors=True)


def snapshot_inputs(
    inputs: Path,
    scenario: Scenario,
    matrix: TravelMatrix,
    as_of: date | None,
    previous: Path | None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Write what the model read, and only that: the model's fields of foresterie, farms, fleet
    and workers (never names of drivers, phones, owners' tax codes or any other column of the
    source files), the travel matrix as used; `extra` files (name -> text) are recorded beside
    them (the road geometry of the legs)."""
    cfg = scenario.config.model_dump(mode="python")
    names = {"foresterie": "foresterie.geojson", "farms": "farms.geojson", "fleet": "fleet.csv"}
    write_text(inputs / names["foresterie"], foresterie_geojson(scenario.foresterie))
    write_text(inputs / names["farms"], farms_geojson(scenario.farms))
    write_text(inputs / names["fleet"], fleet_csv(scenario.fleet))
    if "pickups" in scenario.files:
        names["pickups"] = "pickups.geojson"
        write_text(inputs / names["pickups"], pickups_geojson(scenario.pickups))
    if "farm_calendar" in scenario.files:
        names["farm_calendar"] = "farm_calendar.csv"
        write_text(inputs / names["farm_calendar"], farm_calendar_csv(scenario.farm_closures))
    write_text(inputs / "workers.csv", workers_csv(scenario.workers, priority=False))
    # as matrix.to_csv() writes it, remembered as read: the snapshot's reload does not parse it
    replace_file(inputs / "matrix.csv", matrix_bytes(matrix.ids, matrix.seconds, matrix.metres))
    cfg["data"] = {
        "foresterie": names["foresterie"],
        "farms": names["farms"],
        "workers": "workers.csv",
        "fleet": names["fleet"],
        "matrix": "matrix.csv",
    } | {k: names[k] for k in ("pickups", "farm_calendar") if k in names}
    cfg["travel"] = {**cfg["travel"], "backend": "matrix", "graph": None}
    for name, text in (extra or {}).items():
        write_text(inputs / name, text)
    header = (
        f"# Snapshot of scenario {scenario.name!r} as solved; travel is the recorded "
        f"{matrix.backend} matrix.\n"
    )
    write_text(inputs / "scenario.toml", header + toml_dumps(cfg))
    if previous is not None:
        for fname in ("assignments.csv", "waitlist.csv"):
            shutil.copyfile(previous / "plan" / fname, inputs / f"previous_{fname}")
        # what the previous run planned its nights with (housing/replan.py restarts, verify)
        for fname in ("foresterie.geojson", "workers.csv"):
            if (previous / "inputs" / fname).is_file():
                shutil.copyfile(previous / "inputs" / fname, inputs / f"previous_{fname}")
    return {p.name: file_sha256(p) for p in sorted(inputs.iterdir()) if p.is_file()}


def restricted_files(
    scenario: Scenario, given: Mapping[str, bytes] | None = None
) -> dict[str, str]:
    """What a run keeps apart from everything published (README, "Restricted part and
    encryption"): each person's priority and the referral records, as the model read them, and
    the draw key of the tie-breaks. Referral records given in the restricted part it was solved
    from (`given`: a day run's, a replay's) are kept even when none is left (the header alone: a
    day run of a season with records lists them every day, whoever rides)."""
    out = {RESTRICTED_PRIORITY: priority_csv(scenario.workers)}
    if scenario.referrals or RESTRICTED_REFERRALS in (given or {}):
        out[RESTRICTED_REFERRALS] = referrals_csv(scenario.referrals)
    if scenario.draw_key is not None:  # the tie-breaks' secret: replay and verify draw with it
        out[RESTRICTED_DRAW_KEY] = scenario.draw_key + "\n"
    return out


def snapshot_restricted(
    folder: Path, files: dict[str, str], replayed: Mapping[str, bytes] | None
) -> dict[str, str]:
    """Write the restricted part (encrypted when FORESTERIE_RESTRICTED_KEY is set); the keyed
    digest of each plaintext, for the manifest. The salt is the replayed run's (`replayed`: its
    restricted part), so a replay's digests are the original's; else a new one. The report
    never reads it."""
    salt = (replayed or {}).get(SALT) or new_salt()
    return write_restricted(folder, files, salt)


def plan_hashes(plan_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(plan_dir)): file_sha256(p)
        for p in sorted(plan_dir.rglob("*"))
        if p.is_file()
    }


def write_manifest(run: Path, manifest: dict[str, Any]) -> None:
    """manifest.json, every key of it named by core.runfolder.MANIFEST_LAYOUT (which the
    operator export copies and the verifier's own copy allows): a key added here and not there
    stops every solve, never a run the verifier refuses."""
    unknown = manifest_known(manifest)[1]
    if unknown:
        raise ValueError(f"manifest key(s) not in MANIFEST_LAYOUT: {', '.join(unknown)}")
    write_text(run / "manifest.json", dumps_json(manifest))
