"""Run folders: an inputs snapshot, the plan, a manifest; written atomically (tmp dir + rename)."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from foresterie import __version__
from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import dumps_json, file_sha256, write_text
from foresterie.core.tomlout import dumps as toml_dumps
from foresterie.scenario.files import (
    farm_calendar_csv,
    farms_geojson,
    fleet_csv,
    foresterie_geojson,
    pickups_geojson,
    referrals_csv,
    workers_csv,
)
from foresterie.scenario.model import Scenario
from foresterie.travel.matrix import TravelMatrix

PACKAGES = (
    "ortools",
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


def check_target(out: Path, force: bool) -> None:
    """Refuse early to replace an existing run unless --force."""
    if out.exists() and not force:
        raise ScenarioError(
            [Problem(str(out), None, "--out", "exists; pass --force to replace it")]
        )


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


@contextmanager
def atomic_dir(out: Path, force: bool) -> Iterator[Path]:
    """Yield a temporary sibling folder; publish it by rename only if the block succeeds.

    A kill -9 can leave the hidden temporary folder behind (never the run folder itself); the
    next run for the same target removes it once its process is gone.
    """
    check_target(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep_partials(out)
    prefix = f".{out.name}.partial-{os.getpid()}-"
    try:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=out.parent))
        yield tmp
    except BaseException:
        for p in out.parent.glob(f"{prefix}*"):  # also one made just before an interrupt
            shutil.rmtree(p, ignore_errors=True)
        raise
    old = None
    try:
        if out.exists():
            check_target(out, force)
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            os.rename(out, old)
        os.rename(tmp, out)
    except BaseException:  # interrupted between the renames: put the earlier run back
        if old is not None and not out.exists():
            os.rename(old, out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:  # interrupted while removing it: a hidden .old folder, swept next time
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
    write_text(inputs / "workers.csv", workers_csv(scenario.workers))
    write_text(inputs / "matrix.csv", matrix.to_csv())
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
    return {p.name: file_sha256(p) for p in sorted(inputs.iterdir()) if p.is_file()}


def snapshot_restricted(folder: Path, scenario: Scenario) -> dict[str, str]:
    """Referral records, apart from everything published: `restricted/referrals.csv` holds what
    the model and the verifier read (README, "Referral records"); the report never reads it."""
    if not scenario.referrals:
        return {}
    folder.mkdir()
    write_text(folder / "referrals.csv", referrals_csv(scenario.referrals))
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def plan_hashes(plan_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(plan_dir)): file_sha256(p)
        for p in sorted(plan_dir.rglob("*"))
        if p.is_file()
    }


def write_manifest(run: Path, manifest: dict[str, Any]) -> None:
    write_text(run / "manifest.json", dumps_json(manifest))
