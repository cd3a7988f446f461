"""The scenario.toml tables as pydantic models: typed, defaulted, typo-proof (extra=forbid)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from foresterie.core.timeutil import fmt_hhmm, parse_hhmm


def _iso_date(value: object) -> object:
    """A day as TOML writes it (2027-06-01) or as an ISO string ("2027-06-01"); nothing else.
    Left alone, pydantic reads a number as seconds since 1970 (0 became 1970-01-01) and a
    timestamp's day silently."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return value  # pydantic checks that the day exists
    raise ValueError(f"{value!r} is not a day YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_date)]


# TOML has its own kinds (whole numbers, decimals, booleans, text); each key takes one, and
# nothing is converted on the quiet: left alone, pydantic reads true as 1, 3.0 and "3" as 3,
# 1 as true and "yes" as true. A number where a path or a name is asked is refused too.
def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)[:40] if isinstance(value, str) else str(value)[:40]


def _kind(kind: str, ok: Callable[[object], bool]) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value is None or ok(value):
            return value
        what, hint = kind, ""
        if kind == "text":
            hint = "; write it in quotes"
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.\d+)?", value.strip()):
            hint = "; write it without quotes"
        elif isinstance(value, float) and not math.isfinite(value):
            what = "a finite number"
        elif kind == "a whole number" and isinstance(value, float) and value.is_integer():
            hint = f"; write {int(value)}"
        raise ValueError(f"{_shown(value)} is not {what}{hint}")

    return check


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


Whole = BeforeValidator(_kind("a whole number", lambda v: type(v) is int))
Number = BeforeValidator(_kind("a number", _is_number))
Flag = BeforeValidator(_kind("true or false", lambda v: isinstance(v, bool)))
Text = BeforeValidator(_kind("text", lambda v: isinstance(v, str)))


def _range(
    ge: float | None = None, gt: float | None = None, le: float | None = None
) -> AfterValidator:
    """Bounds said as a planner would read them (`-1 must be at least 0`)."""

    def check(v: Any) -> Any:
        if v is None:
            return v
        if ge is not None and v < ge:
            raise ValueError(f"{v} must be at least {ge}")
        if gt is not None and v <= gt:
            raise ValueError(f"{v} must be more than {gt}")
        if le is not None and v > le:
            raise ValueError(f"{v} must be at most {le}")
        return v

    return AfterValidator(check)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SEASON_YEARS = (1900, 2199)  # a year beyond is a typo, and its days +/- 1 leave the calendar


def _season_year(v: date) -> date:
    """A season's day in SEASON_YEARS: 9999-12-31 (a spreadsheet's "no end") or 0001-01-01 put
    the day after or before it, and the clock-change checks, out of Python's calendar (an
    OverflowError traceback; session 20, S)."""
    lo, hi = SEASON_YEARS
    if not lo <= v.year <= hi:
        raise ValueError(f"{v}: a season's year is {lo} to {hi}")
    return v


def _plain_name(v: str) -> str:
    """The scenario's name heads the report, the map and every driver sheet: no control
    characters (a NUL or a line break breaks them, as in the files' names; session 20, S)."""
    bad = next((c for c in v if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise ValueError(f"control character U+{ord(bad):04X} in {v[:40]!r}; remove it")
    return v


class ScenarioTable(_Table):
    name: Annotated[str, Text, Field(min_length=1), AfterValidator(_plain_name)]
    season_start: Annotated[Day, AfterValidator(_season_year)]
    season_end: Annotated[Day, AfterValidator(_season_year)]
    seed: Annotated[int, Whole, _range(ge=0)]
    # Every time of a plan is Puglia's wall clock (plan.json: seconds after midnight,
    # Europe/Rome): another zone would be ignored on the quiet, so it is refused.
    timezone: Literal["Europe/Rome"] = "Europe/Rome"

    @model_validator(mode="after")
    def _season_order(self) -> ScenarioTable:
        if self.season_end < self.season_start:
            raise ValueError("season_end is before season_start")
        return self


class DataTable(_Table):
    foresterie: Annotated[str, Text]
    farms: Annotated[str, Text]
    workers: Annotated[str, Text]
    fleet: Annotated[str, Text]
    matrix: Annotated[str | None, Text] = None  # travel matrix CSV for backend = "matrix"
    pickups: Annotated[str | None, Text] = (
        None  # departure points (GeoJSON/GeoPackage points), optional
    )
    # Referral records (CSV: worker_id, referral_date, referring_body, urgency, avoid_sites):
    # restricted, never copied into anything published (README, "Referral records").
    referrals: Annotated[str | None, Text] = None
    # The draw key (a text file: 64 hex digits, `foresterie restricted drawkey` prints one):
    # the secret behind the tie-breaks among equals (ride order, lottery), kept in the run's
    # restricted/ and never published (README, "Restricted part and encryption").
    draw_key: Annotated[str | None, Text] = None
    # Days a farm has no work (CSV: farm_id, first_day, last_day, note): rain, a pause in the
    # harvest, the harvest's end. With [housing] max_days_without_work they release beds.
    farm_calendar: Annotated[str | None, Text] = None
    # The layer to read from a GeoPackage holding several: {"farms": "fields"}. A file with
    # several layers and no name here is refused (reading "the first one" silently is a guess).
    layers: dict[str, Annotated[str, Text]] = Field(default_factory=dict)
    # The code page of the CSV files that are not UTF-8 (README "Scenario format"): Italian
    # Excel on Windows saves "CSV (delimitato dal separatore di elenco)" in Windows-1252. Which
    # code page a file uses is a guess, so it is declared, never guessed; a file with a
    # byte-order mark (Excel's "CSV UTF-8") is read as UTF-8 whatever this says.
    encoding: Literal["utf-8", "windows-1252"] = "utf-8"


class HousingTable(_Table):
    max_commute_min: Annotated[int, Whole, _range(gt=0)] = 60
    # Optional tier weight: with balance_weight > 0 the commute tier minimises
    # commute seconds + balance_weight x peak per mille (one per-mille point of peak occupancy is
    # worth that many commute seconds); 0 keeps the tiers strictly lexicographic.
    balance_weight: Annotated[int, Whole, _range(ge=0)] = 0
    # Partial stays (README, "Housing model"): a person may be housed for the nights a foresteria
    # within reach is open inside the stay (from its opening night, sent on at its closing), and
    # with max_transfers = 1 move once, when that foresteria closes, to another one open then.
    # Each foresteria's part of a stay must last at least min_overlap_nights and at least
    # min_overlap_share of the stay's nights. Off: only foresterie open for the whole stay.
    partial_stays: Annotated[bool, Flag] = False
    max_transfers: Annotated[int, Whole, _range(ge=0, le=1)] = 0
    min_overlap_nights: Annotated[int, Whole, _range(ge=1)] = 1
    min_overlap_share: Annotated[float, Number, _range(ge=0, le=1)] = 0.0
    # Entry rules (README, "Entry rules"): contract holders before others of the same priority;
    # a lottery drawn from the seed decides among people the model cannot tell apart.
    contract_first: Annotated[bool, Flag] = False
    lottery: Annotated[bool, Flag] = False
    # A bed is released after this many of the person's farm's workdays in a row without work
    # ([data] farm_calendar): they leave the morning after the last of them (README, "Entry
    # rules"). Unset: no limit.
    max_days_without_work: Annotated[int | None, Whole, _range(ge=1)] = None


class TransportTable(_Table):
    max_ride_min: Annotated[int, Whole, _range(gt=0)] = 75
    arrive_early_max_min: Annotated[int, Whole, _range(ge=0)] = 30
    wait_after_shift_max_min: Annotated[int, Whole, _range(ge=0)] = 30
    heat_alert_days: list[Day] = Field(default_factory=list)
    heat_alert_shift_end: Annotated[str, Text] = "12:30"
    turnaround_min: Annotated[int, Whole, _range(ge=0)] = 5
    board_min: Annotated[int, Whole, _range(ge=0)] = 2  # minutes per stop to board or alight
    # Optional: most minutes a rider may sit aboard while the vehicle idles at stops (waiting
    # for a window to open); unset = measured (KPI) but not capped.
    max_wait_on_board_min: Annotated[int | None, Whole, _range(ge=0)] = None
    # Fair shares across farms when seats are short (README "Who rides when seats are short"):
    # "off" (default): every rider left behind weighs the same. "debt": short days are planned
    # in date order and each rider counts 1 + fair_debt_pct % per day in a row they have been
    # left behind so far (at most 10 days) in the route search for the real fleet, in the
    # chaining onto vehicles and in the choice of the day's plan. "cap": a rider left behind
    # fair_cap_days days in a row counts 20 riders until they ride. "order": the most riders
    # first, then the riders owed the most days in a row (a tie-break that gives up no rider).
    fair_share: Literal["off", "order", "debt", "cap"] = "off"
    fair_debt_pct: Annotated[int, Whole, _range(ge=1, le=1000)] = 10
    fair_cap_days: Annotated[int, Whole, _range(ge=1, le=60)] = 5
    # The day's plan may give up at most this share (%) of the day's seats to pay debts.
    fair_slack_pct: Annotated[int, Whole, _range(ge=0, le=100)] = 2
    # The caporale's transport fee a free ride saves, EUR per worker-day: sources give EUR 5 a
    # day and EUR 5 per leg (DOMAIN.md sec. 7), so a range [per day, per day's two legs].
    caporale_fee_eur: list[Annotated[float, Number]] = Field(
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
        # as every time a worker or driver reads: two-digit hours ("6:15" said 06:15, review 17)
        return fmt_hhmm(parse_hhmm(v))

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
    circuity: Annotated[float, Number, _range(ge=1.0, le=3.0)] = 1.3
    # Mean speed on Capitanata provincial roads and the SS16 for a loaded minibus.
    speed_kmh: Annotated[float, Number, _range(gt=5.0, le=130.0)] = 55.0
    graph: Annotated[str | None, Text] = (
        None  # OSRM graph folder for backend = "osrm" (`foresterie roads build`)
    )
    # A place farther than this from its snapped road position is reported: a farm snapped to
    # the wrong side of a motorway, or coordinates in a field, give wrong times.
    snap_warn_m: Annotated[float, Number, _range(gt=0)] = 250.0
    # Farther than this, the place is outside the graph's area or its coordinates are wrong.
    snap_max_m: Annotated[float, Number, _range(gt=0)] = 2000.0


class SolverTable(_Table):
    # Housing: HiGHS for each tier's LP bound, SCIP for the searches (mip.py); CP-SAT (1 worker)
    # could not close tier 1 of the default scenario in 30 deterministic seconds, because the LP
    # bound is what closes this model (README, "Housing model"). Both are single-threaded and
    # deterministic; the node limit is the deterministic budget, the wall clock a safety net.
    housing_backend: Literal["scip"] = "scip"
    housing_node_limit: Annotated[int, Whole, _range(ge=1)] = 200_000
    shuttle_engine: Literal["pyvrp", "ortools"] = "pyvrp"
    shuttle_iterations: Annotated[int, Whole, _range(ge=1)] = 1000
    # stop after this many non-improving iterations
    shuttle_patience: Annotated[int, Whole, _range(ge=1)] = 100
    shuttle_processes: Annotated[int, Whole, _range(ge=1, le=64)] = 2
    chaining_deterministic_time: Annotated[float, Number, _range(gt=0)] = 1.0
    wall_clock_limit_s: Annotated[float, Number, _range(gt=0)] = 900.0


class ReportTable(_Table):
    # Language of the report, map and driver sheets, and of a worker notice when the worker has
    # no `lang` of their own: a language with a complete catalogue (core/i18n.py, REPORT_LANGS).
    lang: Literal["it", "en"] = "it"


class OperationsTable(_Table):
    # Daily operations (README, "Daily operations"): `foresterie intake` releases a bed held for
    # someone who has not arrived this many days after their planned arrival (0: on the day);
    # `--release-after-days` overrides it for one re-plan.
    release_bed_after_days: Annotated[int, Whole, _range(ge=0, le=60)] = 3


class ScenarioConfig(_Table):
    scenario: ScenarioTable
    data: DataTable
    housing: HousingTable = HousingTable()
    transport: TransportTable = TransportTable()
    travel: TravelTable = TravelTable()
    solver: SolverTable = SolverTable()
    report: ReportTable = ReportTable()
    operations: OperationsTable = OperationsTable()
