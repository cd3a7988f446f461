"""Scenario sweeps: many plausible seasons x a grid of decisions, solved on Dask distributed.

A sweep file names a base scenario, random perturbations (arrival shifts, no-shows, extra
arrivals per crop, heat-alert days) drawn from a seed, and a grid of decisions (foresterie open or
closed, beds, extra minibuses). Every member is written as an ordinary scenario folder and solved
by the ordinary pipeline (verified). Draw k uses the same random season under every decision
(common random numbers), so decisions are compared on the same seasons. Results are keyed by the
member scenario's hash: a resumed sweep skips members already done.
"""

from __future__ import annotations

import itertools
import random
import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from foresterie.core.errors import Msg, Problem, ScenarioError
from foresterie.scenario.config import Flag, Number, Text, Whole
from foresterie.scenario.files import write_scenario
from foresterie.scenario.load import load_scenario, scenario_hash
from foresterie.scenario.model import Scenario, Vehicle, Worker
from foresterie.travel.matrix import build_matrix

# An added minibus: 9 seats (8 + driver), the default fleet's daily and per-km costs.
MINIBUS_SEATS, MINIBUS_EUR_DAY, MINIBUS_EUR_KM, MINIBUS_DUTY_MIN = 9, 160.0, 0.38, 540


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SweepTable(_Strict):
    name: Annotated[str, Text]
    base: Annotated[str, Text]  # scenario folder, relative to the sweep file
    seed: Annotated[int, Whole] = Field(default=1, ge=0)
    draws: Annotated[int, Whole] = Field(
        default=10, ge=1, le=100_000
    )  # random seasons per decision
    window: tuple[date, date] | None = None  # solve only these days (e.g. the peak week)

    @field_validator("window")
    @classmethod
    def _order(cls, v: tuple[date, date] | None) -> tuple[date, date] | None:
        if v is not None and v[1] < v[0]:
            raise ValueError("window end is before its start")
        return v


class PerturbTable(_Strict):
    arrival_shift_days: Annotated[int, Whole] = Field(
        default=0, ge=0, le=60
    )  # each crew shifts by U{-k..k}
    no_show_rate: Annotated[float, Number] = Field(
        default=0.0, ge=0.0, lt=1.0
    )  # each person stays away
    extra_arrivals: dict[
        str, Annotated[float, Number]
    ] = {}  # crop -> extra people as a share of its workers
    heat_alert_days: Annotated[int, Whole] = Field(
        default=0, ge=0, le=60
    )  # extra random heat-alert days


class DecisionsTable(_Strict):
    open: dict[str, list[Annotated[bool, Flag]]] = {}  # foresteria id -> [true, false]
    beds_scale: list[Annotated[float, Number]] = [1.0]
    minibuses_added: list[Annotated[int, Whole]] = [0]  # per foresteria, 9 seats

    @field_validator("beds_scale")
    @classmethod
    def _scales(cls, v: list[float]) -> list[float]:
        if not v or any(x < 0 for x in v):
            raise ValueError("needs at least one value, none negative")
        return v

    @field_validator("minibuses_added")
    @classmethod
    def _adds(cls, v: list[int]) -> list[int]:
        if not v or any(x < 0 for x in v):
            raise ValueError("needs at least one value, none negative")
        return v


class SolverOverrides(_Strict):
    """Budgets for every member (a sweep trades a little plan quality for many seasons)."""

    shuttle_iterations: Annotated[int | None, Whole] = Field(default=None, ge=1)
    shuttle_patience: Annotated[int | None, Whole] = Field(default=None, ge=1)
    chaining_deterministic_time: Annotated[float | None, Number] = Field(default=None, gt=0)
    housing_node_limit: Annotated[int | None, Whole] = Field(default=None, ge=1)


class SweepFile(_Strict):
    sweep: SweepTable
    perturb: PerturbTable = PerturbTable()
    decisions: DecisionsTable = DecisionsTable()
    solver: SolverOverrides = SolverOverrides()


@dataclass(frozen=True, kw_only=True)
class Sweep:
    path: Path
    spec: SweepFile

    @property
    def base(self) -> Path:
        return (self.path.parent / self.spec.sweep.base).resolve()


@dataclass(frozen=True, kw_only=True)
class Member:
    id: str
    decision: tuple[tuple[str, Any], ...]  # (name, value), in the grid's order
    draw: int

    @property
    def decision_label(self) -> str:
        return " ".join(f"{k}={_fmt(v)}" for k, v in self.decision) or "base"


def _fmt(v: Any) -> str:
    return ("yes" if v else "no") if isinstance(v, bool) else str(v)


def load_sweep(path: Path) -> Sweep:
    label = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(
            [Problem(label, None, "file", f"cannot read: {exc.strerror}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(label, None, "toml", str(exc))]) from None
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        probs = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e["loc"])
            msg = "unknown key (typo?)" if e["type"] == "extra_forbidden" else e["msg"]
            probs.append(Problem(label, None, where, msg.removeprefix("Value error, ")))
        raise ScenarioError(probs) from None
    sweep = Sweep(path=path.resolve(), spec=spec)
    if not (sweep.base / "scenario.toml").is_file():
        raise ScenarioError(
            [Problem(label, None, "sweep.base", f"{spec.sweep.base!r}: no scenario.toml there")]
        )
    _check_names(sweep, load_scenario(sweep.base), label)
    return sweep


def _check_names(sweep: Sweep, base: Scenario, label: str) -> None:
    """Decisions and perturbations that name a foresteria or crop the base scenario lacks would
    silently do nothing: refuse them, naming what exists."""
    fids = {f.id for f in base.foresterie}
    crops = {f.crop for f in base.farms}
    probs = [
        Problem(
            label,
            None,
            f"decisions.open.{k}",
            Msg(
                "no foresteria {id} in the base scenario ({ids})",
                id=repr(k),
                ids=", ".join(sorted(fids)),
            ),
        )
        for k in sweep.spec.decisions.open
        if k not in fids
    ] + [
        Problem(
            label,
            None,
            f"perturb.extra_arrivals.{k}",
            Msg(
                "no farm grows {crop} in the base scenario ({crops})",
                crop=repr(k),
                crops=", ".join(sorted(crops)),
            ),
        )
        for k in sweep.spec.perturb.extra_arrivals
        if k not in crops
    ]
    if probs:
        raise ScenarioError(probs)


def members(sweep: Sweep) -> list[Member]:
    """The grid of decisions (in file order) x draws; ids are stable and sortable."""
    d = sweep.spec.decisions
    axes: list[tuple[str, list[Any]]] = [(f"open_{fid}", vals) for fid, vals in d.open.items()]
    axes += [("beds_scale", d.beds_scale), ("minibuses_added", d.minibuses_added)]
    axes = [
        (k, v)
        for k, v in axes
        if not (k == "beds_scale" and v == [1.0]) and not (k == "minibuses_added" and v == [0])
    ]
    combos = list(itertools.product(*(vals for _, vals in axes))) or [()]
    out = []
    for ci, combo in enumerate(combos):
        decision = tuple((k, v) for (k, _), v in zip(axes, combo, strict=True))
        for k in range(sweep.spec.sweep.draws):
            out.append(Member(id=f"d{ci:03d}-r{k:04d}", decision=decision, draw=k))
    return out


# ------------------------------------------------------------------ one member's scenario


def member_scenario(base: Scenario, sweep: Sweep, member: Member) -> Scenario:
    """The base season perturbed by draw `member.draw`, under the member's decisions."""
    p = sweep.spec.perturb
    rng = random.Random(f"foresterie-sweep:{sweep.spec.sweep.seed}:{member.draw}")
    crop = {f.id: f.crop for f in base.farms}
    s0, s1 = base.config.scenario.season_start, base.config.scenario.season_end
    # one shift per crew (a group, else the person), drawn in id order
    shifts: dict[str, int] = {}
    workers: list[Worker] = []
    for w in base.workers:
        key = w.group_id or w.id
        if key not in shifts:
            shifts[key] = rng.randint(-p.arrival_shift_days, p.arrival_shift_days)
        delta = timedelta(days=0 if w.pinned_foresteria else shifts[key])
        a, d = w.arrival + delta, w.departure + delta
        a, d = max(a, s0), min(d, s1 + timedelta(days=1))
        if d <= a:
            continue
        workers.append(replace(w, arrival=a, departure=d))
    stays = {w.group_id or w.id: rng.random() >= p.no_show_rate for w in base.workers}
    workers = [w for w in workers if w.pinned_foresteria or stays[w.group_id or w.id]]
    for c, share in sorted(p.extra_arrivals.items()):
        pool = [w for w in workers if w.farm_id and crop.get(w.farm_id) == c and not w.group_id]
        for i in range(round(share * len(pool))):
            w = rng.choice(pool)
            workers.append(replace(w, id=f"{w.id}-x{i:04d}", priority=0, pinned_foresteria=None))
    heat = set(base.config.transport.heat_alert_days)
    days = (s1 - s0).days + 1
    heat |= {s0 + timedelta(days=rng.randrange(days)) for _ in range(p.heat_alert_days)}
    decision = dict(member.decision)
    scale = float(decision.get("beds_scale", 1.0))
    foresterie = []
    for f in base.foresterie:
        if decision.get(f"open_{f.id}", True) is False:
            continue
        beds = [round(b * scale) for b in (f.beds_men, f.beds_women, f.beds_family)]
        foresterie.append(
            replace(
                f,
                beds_men=beds[0],
                beds_women=beds[1],
                beds_family=beds[2],
                beds_accessible=min(round(f.beds_accessible * scale), sum(beds)),
            )
        )
    kept = {f.id for f in foresterie}
    fleet: list[Vehicle] = [v for v in base.fleet if v.foresteria_id in kept]
    for f in foresterie:
        for i in range(int(decision.get("minibuses_added", 0))):
            fleet.append(
                Vehicle(
                    id=f"{f.id}-S{i + 1:02d}",
                    foresteria_id=f.id,
                    seats=MINIBUS_SEATS,
                    fixed_cost_eur_per_day=MINIBUS_EUR_DAY,
                    cost_eur_per_km=MINIBUS_EUR_KM,
                    max_duty_min=MINIBUS_DUTY_MIN,
                    available_from=s0,
                    available_to=s1,
                )
            )
    season: dict[str, Any] = {"name": f"{base.name}:{member.id}"}
    window = sweep.spec.sweep.window
    if window is not None:  # the peak week: clip the season and every stay to it
        w0, w1 = window
        season |= {"season_start": w0, "season_end": w1}
        clipped = []
        for w in workers:
            a, d = max(w.arrival, w0), min(w.departure, w1 + timedelta(days=1))
            if d > a:
                clipped.append(replace(w, arrival=a, departure=d))
        workers = clipped
        foresterie = [
            replace(f, open_from=max(f.open_from, w0), open_to=min(f.open_to, w1))
            for f in foresterie
            if f.open_from <= w1 and f.open_to >= w0
        ]
        fleet = [
            replace(
                v, available_from=max(v.available_from, w0), available_to=min(v.available_to, w1)
            )
            for v in fleet
            if v.available_from <= w1 and v.available_to >= w0
        ]
        heat = {h for h in heat if w0 <= h <= w1}
    open_ids = {f.id for f in foresterie}
    fleet = [v for v in fleet if v.foresteria_id in open_ids]
    base_cfg = base.config
    cfg = base_cfg.model_copy(
        update={
            "scenario": base_cfg.scenario.model_copy(update=season),
            "transport": base_cfg.transport.model_copy(update={"heat_alert_days": sorted(heat)}),
            # a sweep runs members in parallel, not inside one member
            "solver": base_cfg.solver.model_copy(
                update={
                    "shuttle_processes": 1,
                    **{k: v for k, v in sweep.spec.solver.model_dump().items() if v is not None},
                }
            ),
        }
    )
    return replace(
        base,
        config=cfg,
        foresterie=tuple(foresterie),
        fleet=tuple(fleet),
        workers=tuple(sorted(workers, key=lambda w: w.id)),
    )


def write_members(
    sweep: Sweep, out: Path, matrix_csv: str | None = None
) -> list[tuple[Member, Path, str]]:
    """Write every member's scenario folder; return (member, folder, scenario hash)."""
    base = load_scenario(sweep.base)
    if base.config.travel.backend != "haversine" and matrix_csv is None:
        matrix_csv = build_matrix(base).to_csv()
    done = []
    for m in members(sweep):
        folder = out / "members" / m.id / "scenario"
        sc = member_scenario(base, sweep, m)
        header = (
            f"# Sweep {sweep.spec.sweep.name!r}, member {m.id}: draw {m.draw}, {m.decision_label}\n"
        )
        write_scenario(sc, folder, header, matrix_csv)
        try:
            h = scenario_hash(load_scenario(folder))
        except ScenarioError:  # e.g. people pinned to a foresteria this decision closes:
            h = "invalid-" + _folder_hash(folder)  # solved anyway, so the error is recorded
        done.append((m, folder, h))
    return done


def _folder_hash(folder: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()
