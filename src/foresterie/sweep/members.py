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
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from foresterie.core.errors import Msg, Problem, ScenarioError
from foresterie.scenario.config import Flag, Number, Text, Whole
from foresterie.scenario.files import write_scenario
from foresterie.scenario.load import load_scenario, scenario_hash
from foresterie.scenario.model import Scenario, Vehicle, Worker
from foresterie.sweep.window import cut_to_window, stay_rule_mismatch
from foresterie.travel.matrix import build_matrix

# An added minibus: 9 seats (8 + driver), the default fleet's daily and per-km costs.
MINIBUS_SEATS, MINIBUS_EUR_DAY, MINIBUS_EUR_KM, MINIBUS_DUTY_MIN = 9, 160.0, 0.38, 540


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A sweep's name is its folder under runs/sweeps/: an identifier, never a path.
NAME = re.compile(r"[A-Za-z0-9._-]+")


class SweepTable(_Strict):
    name: Annotated[str, Text]
    base: Annotated[str, Text]  # scenario folder, relative to the sweep file
    seed: Annotated[int, Whole] = Field(default=1, ge=0)
    draws: Annotated[int, Whole] = Field(
        default=10, ge=1, le=100_000
    )  # random seasons per decision
    window: tuple[date, date] | None = None  # solve only these days (e.g. the peak week)

    @field_validator("name")
    @classmethod
    def _identifier(cls, v: str) -> str:
        if not NAME.fullmatch(v) or set(v) == {"."}:
            raise ValueError(
                f"{v[:40]!r} is not a name: letters, digits, '.', '_' and '-' only (it names "
                "the folder runs/sweeps/NAME)"
            )
        return v

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

    @field_validator("extra_arrivals")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        bad = sorted(k for k, x in v.items() if x < 0)
        if bad:
            raise ValueError(f"{bad[0]}: a share of extra people is 0 or more, not {v[bad[0]]}")
        return v


def _once_each(v: list[Any]) -> list[Any]:
    """A decision's values, each once: the same value twice only doubles the members solved
    (review 14: `minibuses_added = [2, 2]` was accepted and solved twice)."""
    twice = next((i for i, x in enumerate(v) if x in v[:i]), None)
    if twice is not None:
        x = v[twice]
        shown = str(x).lower() if isinstance(x, bool) else x  # as TOML writes it
        raise ValueError(f"{shown} is given twice: each value once")
    return v


class DecisionsTable(_Strict):
    open: dict[str, list[Annotated[bool, Flag]]] = {}  # foresteria id -> [true, false]
    beds_scale: list[Annotated[float, Number]] = [1.0]
    minibuses_added: list[Annotated[int, Whole]] = [0]  # per foresteria, 9 seats

    @field_validator("open")
    @classmethod
    def _opens(cls, v: dict[str, list[bool]]) -> dict[str, list[bool]]:
        for fid, values in v.items():
            if not values:
                raise ValueError(f"{fid}: needs at least one of true, false")
            try:
                _once_each(values)
            except ValueError as exc:
                raise ValueError(f"{fid}: {exc}") from None
        return v

    @field_validator("beds_scale")
    @classmethod
    def _scales(cls, v: list[float]) -> list[float]:
        if not v or any(x <= 0 for x in v):
            raise ValueError(
                "needs at least one value, each above 0 (a foresteria is closed with "
                "open = [false], not with no beds)"
            )
        return _once_each(v)

    @field_validator("minibuses_added")
    @classmethod
    def _adds(cls, v: list[int]) -> list[int]:
        if not v or any(x < 0 for x in v):
            raise ValueError("needs at least one value, none negative")
        return _once_each(v)


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
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ScenarioError(
            [Problem(label, None, "file", f"cannot read: {exc.strerror}")]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(label, None, "toml", str(exc))]) from None
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, label, text)) from None
    sweep = Sweep(path=path.resolve(), spec=spec)
    if not (sweep.base / "scenario.toml").is_file():
        raise ScenarioError(
            [
                Problem(
                    label,
                    _line(text, ("sweep", "base")),
                    "sweep.base",
                    f"{spec.sweep.base!r}: no scenario.toml there",
                )
            ]
        )
    _check_names(sweep, load_scenario(sweep.base), label, text)
    return sweep


def _problems(exc: ValidationError, label: str, text: str) -> list[Problem]:
    """Pydantic's errors as one line per field of the sweep file, at its line, in our words:
    the two dates of a window, or the items of a list, are one field."""
    seen: dict[tuple[str, ...], str] = {}
    for e in exc.errors():
        loc = [str(x) for x in e["loc"]]
        while len(loc) > 1 and isinstance(e["loc"][len(loc) - 1], int):
            loc.pop()  # window.0, beds_scale.2: the field itself
        seen.setdefault(tuple(loc), _words(e, loc[-1]))
    return [
        Problem(label, _line(text, loc), ".".join(loc), msg) for loc, msg in sorted(seen.items())
    ]


def _words(e: Any, name: str) -> str:
    """One error in the words of the rest of foresterie (no "Input should be")."""
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    shown = repr(value)[:40] if isinstance(value, str) else str(value)[:40]
    if kind == "extra_forbidden":
        return "unknown key (typo?)"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{shown} is not a date; write YYYY-MM-DD, without quotes"
    if name == "window" and kind in ("missing", "tuple_type", "too_long"):
        return "needs two dates: [first night, last night]"
    if kind == "missing":
        return "missing"
    bounds = {
        "greater_than_equal": ("ge", "{} or more"),
        "greater_than": ("gt", "more than {}"),
        "less_than_equal": ("le", "{} or less"),
        "less_than": ("lt", "less than {}"),
    }
    if kind in bounds:
        key, words = bounds[kind]
        return f"{shown}: must be " + words.format(ctx.get(key))
    return str(e["msg"]).removeprefix("Value error, ")


def _line(text: str, loc: tuple[str, ...]) -> int | None:
    """The line of `[table]` / `key =` the field is written on, if it is written at all."""
    table, key = loc[0], loc[1] if len(loc) > 1 else None
    current = None
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        head = re.fullmatch(r"\[\s*([A-Za-z0-9_-]+)\s*\]", line)
        if head:
            current = head.group(1)
            if key is None and current == table:
                return i
        elif (
            current == table
            and key is not None
            and re.match(rf"(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=", line)
        ):
            return i
    return None


def _check_names(sweep: Sweep, base: Scenario, label: str, text: str) -> None:
    """Decisions and perturbations that name a foresteria or crop the base scenario lacks would
    silently do nothing, and a window outside the base season would solve empty seasons: refuse
    them, naming what exists."""
    fids = {f.id for f in base.foresterie}
    crops = {f.crop for f in base.farms}
    probs = [
        Problem(
            label,
            _line(text, ("decisions", "open")),
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
            _line(text, ("perturb", "extra_arrivals")),
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
    window = sweep.spec.sweep.window
    s0, s1 = base.config.scenario.season_start, base.config.scenario.season_end
    if window is not None and (window[0] < s0 or window[1] > s1):
        # every member would be an empty season (no foresteria open, no vehicle): refused
        probs.append(
            Problem(
                label,
                _line(text, ("sweep", "window")),
                "sweep.window",
                Msg(
                    "{a}..{b} is outside the base season {s0}..{s1}",
                    a=window[0],
                    b=window[1],
                    s0=s0,
                    s1=s1,
                ),
            )
        )
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
    """The base season perturbed by draw `member.draw`, under the member's decisions, cut to
    the sweep's window if it has one (`window.cut_to_window`)."""
    full = member_season(base, sweep, member)
    window = sweep.spec.sweep.window
    return full if window is None else restricted_consistent(cut_to_window(full, *window))


def restricted_consistent(sc: Scenario) -> Scenario:
    """The member's referral records kept consistent with the member (review 15): a record of
    someone the member drops (a no-show, a stay outside the window) goes, and a site the member
    does not have (a foresteria the decision closes, or that is closed in the whole window) leaves
    `avoid_sites`, as it leaves the person's own sites to avoid. A record left with nothing to
    avoid stays: the person is still referred (the KPIs on referrals count them, and the days from
    the referral to a bed), only no site of this member is barred to them."""
    sites = {f.id for f in sc.foresterie} | {f.id for f in sc.farms} | {p.id for p in sc.pickups}
    people = {w.id for w in sc.workers}
    referrals = tuple(
        replace(x, avoid_sites=x.avoid_sites & sites) for x in sc.referrals if x.worker_id in people
    )
    workers = tuple(
        w if w.avoid <= sites else replace(w, avoid=w.avoid & sites) for w in sc.workers
    )
    return replace(sc, referrals=referrals, workers=workers)


def member_season(base: Scenario, sweep: Sweep, member: Member) -> Scenario:
    """The base season perturbed by draw `member.draw`, under the member's decisions, whole:
    the real stays a window's stay rule is judged on."""
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
        for i in range(half_up(share, len(pool))):
            w = rng.choice(pool)
            # a stranger with the crew's stay and farm: no referral record, so no site to avoid
            workers.append(
                replace(
                    w,
                    id=f"{w.id}-x{i:04d}",
                    priority=0,
                    pinned_foresteria=None,
                    avoid=frozenset(),
                )
            )
    heat = set(base.config.transport.heat_alert_days)
    days = (s1 - s0).days + 1
    heat |= {s0 + timedelta(days=rng.randrange(days)) for _ in range(p.heat_alert_days)}
    decision = dict(member.decision)
    scale = float(decision.get("beds_scale", 1.0))
    foresterie = []
    for f in base.foresterie:
        if decision.get(f"open_{f.id}", True) is False:
            continue
        beds = [scaled_beds(b, scale) for b in (f.beds_men, f.beds_women, f.beds_family)]
        foresterie.append(
            replace(
                f,
                beds_men=beds[0],
                beds_women=beds[1],
                beds_family=beds[2],
                beds_accessible=min(scaled_beds(f.beds_accessible, scale), sum(beds)),
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
    return restricted_consistent(
        replace(
            base,
            config=cfg,
            foresterie=tuple(foresterie),
            fleet=tuple(fleet),
            workers=tuple(sorted(workers, key=lambda w: w.id)),
        )
    )


def half_up(share: float, n: int) -> int:
    """share x n rounded half up (2.5 -> 3, 1.5 -> 2, 0.5 -> 1), on the decimal the sweep file
    wrote (0.3 x 5 is 1.5, where the floats give 1.4999...): the sweep's one rounding rule
    (README, Sweeps). Python's round() rounds half to even: 2.5 -> 2, 0.5 -> 0 (review 15)."""
    exact = Decimal(repr(share)) * n
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def scaled_beds(beds: int, scale: float) -> int:
    """A section's (or the accessible) beds x `beds_scale`, rounded half up, and never from some
    to none: a scale above 0 keeps at least one bed where there was one (a section closed, or a
    foresteria's only accessible bed gone, is a decision of its own, not a rounding)."""
    return 0 if beds == 0 else max(1, half_up(scale, beds))


@dataclass(frozen=True, kw_only=True)
class Written:
    """One member's scenario folder on disk, its people, and those whose housing inside the
    window is not judged as on their real stays (`window.stay_rule_mismatch`; empty without a
    window)."""

    member: Member
    folder: Path
    scenario_hash: str
    people: int = 0
    loose: tuple[str, ...] = ()


def write_members(sweep: Sweep, out: Path, matrix_csv: str | None = None) -> list[Written]:
    """Write every member's scenario folder, checking a window's cut against the real stays."""
    base = load_scenario(sweep.base)
    if base.config.travel.backend != "haversine" and matrix_csv is None:
        matrix_csv = build_matrix(base).to_csv()
    window = sweep.spec.sweep.window
    done = []
    for m in members(sweep):
        folder = out / "members" / m.id / "scenario"
        full = member_season(base, sweep, m)
        sc = full if window is None else restricted_consistent(cut_to_window(full, *window))
        loose = () if window is None else tuple(stay_rule_mismatch(full, sc, *window))
        header = (
            f"# Sweep {sweep.spec.sweep.name!r}, member {m.id}: draw {m.draw}, {m.decision_label}\n"
        )
        if "beds_scale" in dict(m.decision):
            header += _beds_header(sc, float(dict(m.decision)["beds_scale"]))
        if window is not None:
            rule = full.config.housing
            header += (
                f"# Cut to the nights {window[0]}..{window[1]}. The stay rule (min_overlap_nights "
                f"= {rule.min_overlap_nights}, min_overlap_share = {rule.min_overlap_share}) was "
                "judged on the real stays\n# before the cut, so it reads 1 and 0 here (README, "
                "Sweeps).\n"
            )
        write_scenario(sc, folder, header, matrix_csv)
        try:
            h = scenario_hash(load_scenario(folder))
        except ScenarioError:  # e.g. people pinned to a foresteria this decision closes:
            h = "invalid-" + _folder_hash(folder)  # solved anyway, so the error is recorded
        done.append(
            Written(member=m, folder=folder, scenario_hash=h, people=len(sc.workers), loose=loose)
        )
    return done


def _beds_header(sc: Scenario, scale: float) -> str:
    """The member's beds after `beds_scale`, per foresteria, for the reader of its scenario."""
    lines = [
        f"# Beds x {scale}, each section and the accessible beds rounded half up, never from some "
        "to none (README, Sweeps):\n"
    ]
    lines += [
        f"#   {f.id}: men {f.beds_men}, women {f.beds_women}, family {f.beds_family}, "
        f"accessible {f.beds_accessible}\n"
        for f in sc.foresterie
    ]
    return "".join(lines)


def _folder_hash(folder: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()
