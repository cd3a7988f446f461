"""The scenario.toml tables as pydantic models: typed, defaulted, typo-proof (extra=forbid)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from foresterie.core.timeutil import parse_hhmm


def _iso_date(value: object) -> object:
    """A day as TOML writes it (2027-06-01) or as an ISO string ("2027-06-01"); nothing else.
    Left alone, pydantic reads a number as seconds since 1970 (0 became 1970-01-01) and a
    timestamp's day silently."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value  # pydantic checks that the day exists
    raise ValueError(f"{value!r} is not a day YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_date)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioTable(_Table):
    name: str = Field(min_length=1)
    season_start: Day
    season_end: Day
    seed: int = Field(ge=0)
    timezone: str = "Europe/Rome"

    @model_validator(mode="after")
    def _season_order(self) -> ScenarioTable:
        if self.season_end < self.season_start:
            raise ValueError("season_end is before season_start")
        return self


class DataTable(_Table):
    foresterie: str
    farms: str
    workers: str
    fleet: str
    matrix: str | None = None  # travel matrix CSV for backend = "matrix"
    pickups: str | None = None  # departure points (GeoJSON/GeoPackage points), optional
    # Referral records (CSV: worker_id, referral_date, referring_body, urgency, avoid_sites):
    # restricted, never copied into anything published (README, "Referral records").
    referrals: str | None = None
    # Days a farm has no work (CSV: farm_id, first_day, last_day, note): rain, a pause in the
    # harvest, the harvest's end. With [housing] max_days_without_work they release beds.
    farm_calendar: str | None = None
    # The layer to read from a GeoPackage holding several: {"farms": "fields"}. A file with
    # several layers and no name here is refused (reading "the first one" silently is a guess).
    layers: dict[str, str] = Field(default_factory=dict)


class HousingTable(_Table):
    max_commute_min: int = Field(default=60, gt=0)
    # Optional tier weight: with balance_weight > 0 the commute tier minimises
    # commute seconds + balance_weight x peak per mille (one per-mille point of peak occupancy is
    # worth that many commute seconds); 0 keeps the tiers strictly lexicographic.
    balance_weight: int = Field(default=0, ge=0)
    # Partial stays (README, "Housing model"): a person may be housed for the nights a foresteria
    # within reach is open inside the stay (from its opening night, sent on at its closing), and
    # with max_transfers = 1 move once, when that foresteria closes, to another one open then.
    # Each foresteria's part of a stay must last at least min_overlap_nights and at least
    # min_overlap_share of the stay's nights. Off: only foresterie open for the whole stay.
    partial_stays: bool = False
    max_transfers: int = Field(default=0, ge=0, le=1)
    min_overlap_nights: int = Field(default=1, ge=1)
    min_overlap_share: float = Field(default=0.0, ge=0.0, le=1.0)
    # Entry rules (README, "Entry rules"): contract holders before others of the same priority;
    # a lottery drawn from the seed decides among people the model cannot tell apart.
    contract_first: bool = False
    lottery: bool = False
    # A bed is released after this many of the person's farm's workdays in a row without work
    # ([data] farm_calendar): they leave the morning after the last of them (README, "Entry
    # rules"). Unset: no limit.
    max_days_without_work: int | None = Field(default=None, ge=1)


class TransportTable(_Table):
    max_ride_min: int = Field(default=75, gt=0)
    arrive_early_max_min: int = Field(default=30, ge=0)
    wait_after_shift_max_min: int = Field(default=30, ge=0)
    heat_alert_days: list[Day] = Field(default_factory=list)
    heat_alert_shift_end: str = "12:30"
    turnaround_min: int = Field(default=5, ge=0)
    board_min: int = Field(default=2, ge=0)  # minutes per stop to board or alight
    # Optional: most minutes a rider may sit aboard while the vehicle idles at stops (waiting
    # for a window to open); unset = measured (KPI) but not capped.
    max_wait_on_board_min: int | None = Field(default=None, ge=0)
    # Fair shares across farms when seats are short (README "Who rides when seats are short"):
    # "off" (default): every rider left behind weighs the same. "debt": short days are planned
    # in date order and each rider counts 1 + fair_debt_pct % per day in a row they have been
    # left behind so far (at most 10 days) in the route search for the real fleet, in the
    # chaining onto vehicles and in the choice of the day's plan. "cap": a rider left behind
    # fair_cap_days days in a row counts 20 riders until they ride. "order": the most riders
    # first, then the riders owed the most days in a row (a tie-break that gives up no rider).
    fair_share: Literal["off", "order", "debt", "cap"] = "off"
    fair_debt_pct: int = Field(default=10, ge=1, le=1000)
    fair_cap_days: int = Field(default=5, ge=1, le=60)
    # The day's plan may give up at most this share (%) of the day's seats to pay debts.
    fair_slack_pct: int = Field(default=2, ge=0, le=100)
    # The caporale's transport fee a free ride saves, EUR per worker-day: sources give EUR 5 a
    # day and EUR 5 per leg (DOMAIN.md sec. 7), so a range [per day, per day's two legs].
    caporale_fee_eur: list[float] = Field(
        default_factory=lambda: [5.0, 10.0], min_length=2, max_length=2
    )

    @field_validator("caporale_fee_eur")
    @classmethod
    def _fee_range(cls, v: list[float]) -> list[float]:
        if not 0 <= v[0] <= v[1]:
            raise ValueError("must be [low, high] with 0 <= low <= high")
        return v

    @field_validator("heat_alert_shift_end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        parse_hhmm(v)
        return v

    @model_validator(mode="after")
    def _room_to_board(self) -> TransportTable:
        # Riders board after their shift ends and leave within the wait: a wait shorter than
        # boarding leaves no evening pick-up at any farm (the route search's window would close
        # before it opens).
        if self.wait_after_shift_max_min < self.board_min:
            raise ValueError(
                f"wait_after_shift_max_min {self.wait_after_shift_max_min} min is shorter than "
                f"boarding (board_min {self.board_min} min): riders board after the shift "
                "ends, within the wait"
            )
        return self


class TravelTable(_Table):
    backend: Literal["haversine", "matrix", "osrm"] = "haversine"
    # Great-circle distance x circuity: rural road networks run 1.2-1.4 (Ballou, Rahardja &
    # Sakai 2002, "Selected country circuity factors for road travel distance estimation").
    circuity: float = Field(default=1.3, ge=1.0, le=3.0)
    # Mean speed on Capitanata provincial roads and the SS16 for a loaded minibus.
    speed_kmh: float = Field(default=55.0, gt=5.0, le=130.0)
    graph: str | None = None  # OSRM graph folder for backend = "osrm" (`foresterie roads build`)
    # A place farther than this from its snapped road position is reported: a farm snapped to
    # the wrong side of a motorway, or coordinates in a field, give wrong times.
    snap_warn_m: float = Field(default=250.0, gt=0)
    # Farther than this, the place is outside the graph's area or its coordinates are wrong.
    snap_max_m: float = Field(default=2000.0, gt=0)


class SolverTable(_Table):
    # Housing: GLOP for each tier's LP bound, SCIP for the searches (mip.py); CP-SAT (1 worker)
    # could not close tier 1 of the default scenario in 30 deterministic seconds, because the LP
    # bound is what closes this model (README, "Housing model"). Both are single-threaded and
    # deterministic; the node limit is the deterministic budget, the wall clock a safety net.
    housing_backend: Literal["scip"] = "scip"
    housing_node_limit: int = Field(default=200_000, ge=1)
    shuttle_engine: Literal["pyvrp", "ortools"] = "pyvrp"
    shuttle_iterations: int = Field(default=1000, ge=1)
    shuttle_patience: int = Field(
        default=100, ge=1
    )  # stop after this many non-improving iterations
    shuttle_processes: int = Field(default=2, ge=1, le=64)
    chaining_deterministic_time: float = Field(default=1.0, gt=0)
    wall_clock_limit_s: float = Field(default=900.0, gt=0)


class ReportTable(_Table):
    # Language of the report, map and driver sheets, and of a worker notice when the worker has
    # no `lang` of their own: a language with a complete catalogue (core/i18n.py, REPORT_LANGS).
    lang: Literal["it", "en"] = "it"


class OperationsTable(_Table):
    # Daily operations (README, "Daily operations"): `foresterie intake` releases a bed held for
    # someone who has not arrived this many days after their planned arrival (0: on the day);
    # `--release-after-days` overrides it for one re-plan.
    release_bed_after_days: int = Field(default=3, ge=0, le=60)


class ScenarioConfig(_Table):
    scenario: ScenarioTable
    data: DataTable
    housing: HousingTable = HousingTable()
    transport: TransportTable = TransportTable()
    travel: TravelTable = TravelTable()
    solver: SolverTable = SolverTable()
    report: ReportTable = ReportTable()
    operations: OperationsTable = OperationsTable()
