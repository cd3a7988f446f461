"""In-memory scenarios for hand-checkable solver tests."""

from __future__ import annotations

import json
import shutil
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from ortools.sat.python import cp_model

from foresterie.scenario.config import ScenarioConfig
from foresterie.scenario.model import (
    Assignment,
    Farm,
    Foresteria,
    Pickup,
    Scenario,
    Section,
    Vehicle,
    Worker,
)
from foresterie.travel.matrix import TravelMatrix

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"
PARTIAL = DATA / "partial"  # tiny with an opening and a closing inside stays
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# Hostile and quoted names for the escaping tests (report, map, sheets, browser).
XSS_FARM = "<img src=x onerror=alert(1)>"
QUOTED_FARM = 'L\'Aquila "Sud"'
XSS_HOME = "</script><script>alert(2)</script>"
XSS_POINT = "<svg onload=alert(3)> ex pista"


D = date.fromisoformat


def config(**tables: dict[str, Any]) -> ScenarioConfig:
    base: dict[str, Any] = {
        "scenario": {
            "name": "t",
            "season_start": "2026-07-01",
            "season_end": "2026-07-31",
            "seed": 3,
        },
        "data": {"foresterie": "f", "farms": "f", "workers": "w", "fleet": "v"},
        "solver": {"shuttle_iterations": 300, "shuttle_patience": 60, "shuttle_processes": 1},
    }
    for k, v in tables.items():
        base[k] = {**base.get(k, {}), **v}
    return ScenarioConfig.model_validate(base)


def foresteria(
    fid: str,
    men: int = 0,
    women: int = 0,
    family: int = 0,
    acc: int = 0,
    open_from: str = "2026-07-01",
    open_to: str = "2026-07-31",
) -> Foresteria:
    return Foresteria(
        id=fid,
        name=f"Foresteria {fid}",
        comune="Comune",
        lon=15.5,
        lat=41.5,
        beds_men=men,
        beds_women=women,
        beds_family=family,
        beds_accessible=acc,
        open_from=D(open_from),
        open_to=D(open_to),
    )


def farm(
    fid: str, start: str = "06:00", end: str = "14:00", days: frozenset[int] = frozenset(range(7))
) -> Farm:
    h, m = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return Farm(
        id=fid,
        name=f"Farm {fid}",
        comune="Comune",
        crop="tomato",
        lon=15.5,
        lat=41.5,
        shift_start=h * 60 + m,
        shift_end=h2 * 60 + m2,
        workdays=days,
    )


def worker(
    wid: str,
    arrival: str = "2026-07-06",
    departure: str = "2026-07-10",
    section: str = "men",
    farm_id: str | None = "F1",
    priority: int = 0,
    group: str | None = None,
    accessible: bool = False,
    pinned: str | None = None,
    pickup: str | None = None,
) -> Worker:
    return Worker(
        id=wid,
        arrival=D(arrival),
        departure=D(departure),
        section=Section(section),
        group_id=group,
        farm_id=farm_id,
        priority=priority,
        accessible=accessible,
        pinned_foresteria=pinned,
        pickup_id=pickup,
    )


def whole_stays(workers: list[Worker], foresteria_id: str | None = None) -> list[Assignment]:
    """Each worker housed for the whole stay, in their section, at `foresteria_id` (default the
    worker's pinned foresteria)."""
    return [
        Assignment(
            worker_id=w.id,
            foresteria_id=foresteria_id if foresteria_id is not None else w.pinned_foresteria or "",
            section=w.section,
            arrival=w.arrival,
            departure=w.departure,
        )
        for w in workers
    ]


def vehicle(
    vid: str, fid: str, seats: int = 8, duty: int = 540, fixed: float = 160.0, per_km: float = 0.4
) -> Vehicle:
    return Vehicle(
        id=vid,
        foresteria_id=fid,
        seats=seats,
        fixed_cost_eur_per_day=fixed,
        cost_eur_per_km=per_km,
        max_duty_min=duty,
        available_from=D("2026-07-01"),
        available_to=D("2026-07-31"),
    )


def scenario(
    fs: list[Foresteria],
    farms: list[Farm],
    workers: list[Worker],
    fleet: list[Vehicle] | None = None,
    pickups: list[Pickup] | None = None,
    **tables: dict[str, Any],
) -> Scenario:
    return Scenario(
        root=Path("."),
        config=config(**tables),
        foresterie=tuple(sorted(fs, key=lambda f: f.id)),
        farms=tuple(sorted(farms, key=lambda f: f.id)),
        workers=tuple(sorted(workers, key=lambda w: w.id)),
        fleet=tuple(fleet or ()),
        files={},
        pickups=tuple(pickups or ()),
    )


def pickup(pid: str, kind: str = "settlement") -> Pickup:
    return Pickup(id=pid, name=f"Point {pid}", comune="Comune", kind=kind, lon=15.6, lat=41.5)  # type: ignore[arg-type]


def matrix(
    minutes: dict[tuple[str, str], int], ids: list[str], metres_per_min: int = 900
) -> TravelMatrix:
    """Symmetric matrix from one-way minutes; unspecified pairs are 10 min apart."""
    n = len(ids)
    secs = np.zeros((n, n), dtype=np.int64)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i != j:
                mins = minutes.get((a, b), minutes.get((b, a), 10))
                secs[i, j] = mins * 60
    return TravelMatrix(
        ids=tuple(ids), seconds=secs, metres=secs // 60 * metres_per_min, backend="matrix"
    )


def write_workers(folder: Path, rows: list[str]) -> None:
    header = (
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,pinned_foresteria"
    )
    (folder / "workers.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def edit_features(path: Path, index: int, **props: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][index]["properties"].update(props)
    path.write_text(json.dumps(data), encoding="utf-8")


def set_toml(folder: Path, old: str, new: str) -> None:
    p = folder / "scenario.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new), encoding="utf-8")


def with_farm_calendar(folder: Path, text: str) -> None:
    """A scenario folder (a copy of TINY's layout) given farm_calendar.csv with `text` (header
    and rows) and the [data] line that reads it."""
    (folder / "farm_calendar.csv").write_text(text, encoding="utf-8")
    set_toml(
        folder,
        'fleet = "fleet.csv"\n',
        'fleet = "fleet.csv"\nfarm_calendar = "farm_calendar.csv"\n',
    )


def release_season(
    folder: Path, workers: list[str], closed: str, min_overlap: int, family_beds: int
) -> Path:
    """PARTIAL copied to `folder` with `workers`, a farm calendar closing `closed` ("F1,first,
    last"), `min_overlap_nights` and `max_days_without_work = 3`, and FA given `family_beds`
    (the release rule's seasons: the waitlist's too_short, a group's late member)."""
    import shutil

    shutil.copytree(PARTIAL, folder)
    write_workers(folder, workers)
    with_farm_calendar(folder, f"farm_id,first_day,last_day\n{closed}\n")
    set_toml(
        folder,
        "min_overlap_nights = 2\n",
        f"min_overlap_nights = {min_overlap}\nmax_days_without_work = 3\n",
    )
    geo = folder / "foresterie.geojson"
    text = geo.read_text(encoding="utf-8")
    geo.write_text(text.replace('"beds_family": 0', f'"beds_family": {family_beds}', 1), "utf-8")
    return folder


def add_pickup(folder: Path, name: str = "Borgo Mezzanone (ex pista)", rider: str = "W07") -> None:
    """Give a scenario folder a departure point PX (a settlement) and make `rider` board there."""
    (folder / "pickups.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {
                            "id": "PX",
                            "name": name,
                            "comune": "Manfredonia",
                            "kind": "settlement",
                        },
                        "geometry": {"type": "Point", "coordinates": [15.73, 41.50]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    set_toml(folder, 'fleet = "fleet.csv"\n', 'fleet = "fleet.csv"\npickups = "pickups.geojson"\n')
    lines = (folder / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    lines = [lines[0] + ",pickup_id"] + [
        line + (",PX" if line.startswith(f"{rider},") else ",") for line in lines[1:]
    ]
    (folder / "workers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_depot(folder: Path, vehicle: str = "VD1") -> None:
    """After add_pickup: a vehicle depot DP beside the point PX, with one 8-seat vehicle based
    there; the depot is the nearest base, so its vehicle serves the point."""
    path = folder / "pickups.geojson"
    layer = json.loads(path.read_text(encoding="utf-8"))
    layer["features"].append(
        {
            "type": "Feature",
            "properties": {
                "id": "DP",
                "name": "Deposito Borgo",
                "comune": "Foggia",
                "kind": "depot",
            },
            "geometry": {"type": "Point", "coordinates": [15.74, 41.51]},
        }
    )
    path.write_text(json.dumps(layer), encoding="utf-8")
    with open(folder / "fleet.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{vehicle},DP,8,160,0.38,540,2026-07-01,2026-07-31\n")


# PostgreSQL (the ledger of several offices): .ci/run starts a throwaway server and exports its
# URL; elsewhere the tests that need one skip, unless FORESTERIE_REQUIRE_PG=1 (CI) makes it a fail.
PG_URL_ENV = "FORESTERIE_TEST_PG_URL"


def pg_server_url() -> str:
    """The test server's URL, or skip (fail where FORESTERIE_REQUIRE_PG=1) when there is none."""
    import os

    import pytest

    url = os.environ.get(PG_URL_ENV, "")
    if not url:
        if os.environ.get("FORESTERIE_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL tests required but {PG_URL_ENV} is not set (.ci/run sets it)")
        pytest.skip(
            f"PostgreSQL tests skipped: {PG_URL_ENV} is not set "
            "(`bash .ci/postgres start DIR` starts a throwaway server and prints its URL)"
        )
    return url


def with_schema(url: str, schema: str) -> str:
    """The URL with its search_path set to `schema` (one ledger per schema, as for a season)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@dataclass(frozen=True, kw_only=True)
class AppendJob:
    """One office appending its rows, each in its own transaction (no batching)."""

    where: str  # a ledger file or a postgresql:// URL
    writer: int
    rows: int


def _append_rows(job: AppendJob, start: Any) -> None:
    """A writer process: open the ledger, wait for the others, append one row at a time; worker
    ids `P{writer}-{i:04d}` in order."""
    from foresterie.ops.ledger import Event, Ledger

    where: Path | str = job.where if "://" in job.where else Path(job.where)
    with Ledger.open(where) as led:
        start.wait()
        for i in range(job.rows):
            ev = Event(kind="boarding", day=date(2026, 7, 6), worker_id=f"P{job.writer}-{i:04d}")
            led.append([ev])


def run_writers(where: Path | str, writers: int, rows: int) -> tuple[list[int], float]:
    """`writers` processes appending `rows` rows each to an existing ledger, released at once:
    their exit codes and the wall seconds from the release to the last one's end."""
    import multiprocessing
    import time

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(writers + 1)
    procs = [
        ctx.Process(
            target=_append_rows, args=(AppendJob(where=str(where), writer=w, rows=rows), start)
        )
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    return [p.exitcode if p.exitcode is not None else -1 for p in procs], time.perf_counter() - t0


def with_referrals(tmp_path: Path, records: str) -> Path:
    """A copy of the tiny scenario with referral records (`records`: the CSV rows after the
    header worker_id,referral_date,referring_body,urgency,avoid_sites)."""
    folder = tmp_path / "ref"
    shutil.copytree(TINY, folder)
    set_toml(folder, 'fleet = "fleet.csv"', 'fleet = "fleet.csv"\nreferrals = "referrals.csv"')
    (folder / "referrals.csv").write_text(
        "worker_id,referral_date,referring_body,urgency,avoid_sites\n" + records, encoding="utf-8"
    )
    return folder


def rehash(run: Path, names: list[str]) -> None:
    """Re-hash edited files of a run folder in its manifest, as a forger would (tamper tests)."""
    import hashlib

    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    for name in names:
        part, file = name.split("/", 1)
        m[part][file] = hashlib.sha256((run / name).read_bytes()).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def previous_day_run(days: Path, season_sha: str, trips_csv: str, d: str = "2026-07-06") -> Path:
    """A day run folder of day `d` beside the next day's (as `foresterie day` lays them out), of
    the season run with manifest hash `season_sha`, whose plan/trips.csv is `trips_csv` (tests
    of a damaged previous day)."""
    import hashlib

    before = days / d
    (before / "plan").mkdir(parents=True)
    (before / "day.json").write_text(f'{{"season_run_manifest_sha256": "{season_sha}"}}')
    (before / "plan" / "trips.csv").write_text(trips_csv)
    (before / "plan" / "riders.csv").write_text("trip_id,worker_id\n")
    # the least manifest a day run has that vouches for its plan files: `day` reads the day
    # before as its run made it (core/runfolder.check_sealed)
    sealed = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (before / "plan").iterdir()
    }
    manifest = {
        "seed": 0,
        "scenario": {"hash": "0" * 64, "travel_backend": "matrix"},
        "versions": {},
        "housing": {"tiers": []},
        "kpis": {},
        "plan": sealed,
    }
    (before / "manifest.json").write_text(json.dumps(manifest))
    return before


def json_paths(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a JSON value (lists: their first two items)."""
    out: list[tuple[Any, ...]] = []
    items = (
        obj.items()
        if isinstance(obj, dict)
        else enumerate(obj[:2])
        if isinstance(obj, list)
        else []
    )
    for k, v in items:
        out.append((*path, k))
        out += json_paths(v, (*path, k))
    return out


def displace(p: Path, kind: str, outside: Path | None = None) -> bool:
    """The damages to a file every fuzz test shares: 'remove' it, put a 'dir' in its place, or
    'link_out' (a link to a copy outside the folder). False for any other kind."""
    if kind not in ("remove", "dir", "link_out"):
        return False
    raw = p.read_bytes()
    p.unlink()
    if kind == "dir":
        p.mkdir()
    elif kind == "link_out":
        assert outside is not None
        (outside / p.name).write_bytes(raw)
        p.symlink_to(outside / p.name)
    return True


def fuzz_settings(examples: int) -> Any:
    """Hypothesis settings of the damaged-files fuzz tests: a fixed number of examples drawn the
    same way on every run (derandomized), no deadline (each example runs a command)."""
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


def cli_run(*args: str) -> tuple[int, str]:
    """`foresterie ARGS...` in this process: exit code and output."""
    from typer.testing import CliRunner

    from foresterie.cli import app

    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def cli_ok(*args: str) -> str:
    """`foresterie ARGS...`, which must succeed: its output."""
    code, out = cli_run(*args)
    assert code == 0, out
    return out


def season_with_ledger(tiny_season_run: Path, tmp_path: Path) -> Path:
    """A copy of the tiny season run (tmp_path/tiny) with an empty ledger beside it."""
    run = tmp_path / "tiny"
    shutil.copytree(tiny_season_run, run)
    cli_ok("ledger", "init", str(run))
    return run


def import_rows(run: Path, path: Path, text: str) -> None:
    """Write `text` (a CSV with its header) to `path` and import it into RUN's ledger."""
    path.write_text(text, encoding="utf-8")
    cli_ok("ledger", "import", str(run), str(path))


def checked_in_season(tiny_season_run: Path, tmp_path: Path) -> Path:
    """A copy of the tiny season with a ledger: W01, W02, W03 arrived on 07-06, W02 leaves on
    07-20 (tests/ops: retention and what follows a purge)."""
    run = season_with_ledger(tiny_season_run, tmp_path)
    import_rows(
        run,
        tmp_path / "checkins.csv",
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n"
        "2026-07-06,W02,arrival\n2026-07-20,W02,departure\n",
    )
    return run


def intake_of_tiny(tiny_season_run: Path, tmp_path: Path, d: str = "2026-07-08") -> Path:
    """An intake of the tiny season on `d` (W01 and W03 checked in on 07-06), in tmp_path/intake."""
    run = season_with_ledger(tiny_season_run, tmp_path)
    import_rows(
        run,
        tmp_path / "checkins.csv",
        "date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n",
    )
    intake = tmp_path / "intake"
    cli_ok("intake", str(run), "--date", d, "--out", str(intake))
    return intake


K = TypeVar("K", bound=Hashable)


def pinned_exactly(
    model: cp_model.CpModel, x: Mapping[K, cp_model.IntVar], keys: Iterable[K]
) -> set[K]:
    """The keys whose variable the model allows one value only (its least equals its most): an
    exact attacker's reading of hidden cells, the model holding what the attacker knows."""
    out = set()
    for k in keys:
        ends = []
        for sense in (1, -1):
            model.minimize(sense * x[k])
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            assert solver.solve(model) == cp_model.OPTIMAL
            ends.append(round(solver.objective_value) * sense)
        if ends[0] == ends[1]:
            out.add(k)
    return out
