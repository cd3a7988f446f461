"""Typed scenario entities shared by every stage (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal

from foresterie.core.errors import Problem
from foresterie.scenario.config import ScenarioConfig


class Section(StrEnum):
    MEN = "men"
    WOMEN = "women"
    FAMILY = "family"


SECTIONS: tuple[Section, ...] = (Section.MEN, Section.WOMEN, Section.FAMILY)


# Referral priority in workers.csv: 3 = referred by the anti-exploitation referral system (a likely
# victim of exploitation), 0 = no priority. Housing serves the higher ones first.
PRIORITY_NONE = 0
PRIORITY_REFERRED = 3
PRIORITIES = tuple(range(PRIORITY_REFERRED, PRIORITY_NONE - 1, -1))  # (3, 2, 1, 0): highest first


@dataclass(frozen=True, kw_only=True)
class Foresteria:
    id: str
    name: str
    comune: str
    lon: float
    lat: float
    beds_men: int
    beds_women: int
    beds_family: int
    beds_accessible: int
    open_from: date
    open_to: date  # last night open (inclusive)

    def beds(self, section: Section) -> int:
        return {
            Section.MEN: self.beds_men,
            Section.WOMEN: self.beds_women,
            Section.FAMILY: self.beds_family,
        }[section]

    @property
    def beds_total(self) -> int:
        return self.beds_men + self.beds_women + self.beds_family


@dataclass(frozen=True, kw_only=True)
class Farm:
    id: str
    name: str
    comune: str
    crop: str
    lon: float  # entrance (a polygon's representative point unless given)
    lat: float
    shift_start: int  # minutes after midnight
    shift_end: int
    workdays: frozenset[int]  # Mon=0
    wkt: str | None = None


@dataclass(frozen=True, kw_only=True)
class Worker:
    id: str
    arrival: date
    departure: date  # leaves that morning: nights are arrival..departure-1
    section: Section
    group_id: str | None
    farm_id: str | None
    priority: int
    accessible: bool
    pinned_foresteria: str | None
    pickup_id: str | None = None  # departure point for a worker without a foresteria bed
    rides: bool = True  # false: a dependant (a child, an elder): takes a bed, never rides
    contract: bool = False  # holds a work contract (entry rules)
    # Sites (foresterie, farms) a referral record says to keep this person away from: restricted,
    # never written into a published file.
    avoid: frozenset[str] = frozenset()

    @property
    def work_farm(self) -> str | None:
        """The farm this person rides to: none for a dependant, whatever farm_id says, and none
        if it is a site to avoid (never driven there, no commute counted)."""
        if not self.rides or self.farm_id in self.avoid:
            return None
        return self.farm_id

    lang: str | None = None  # notice language (workers.csv `lang`); None: the scenario's
    # Its line in workers.csv, for messages that name rows (not part of who the person is).
    row: int | None = field(default=None, compare=False)

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def last_night(self) -> date:
        return self.departure - timedelta(days=1)


PickupKind = Literal["settlement", "town_square", "depot", "other"]
PICKUP_KINDS: tuple[PickupKind, ...] = ("settlement", "town_square", "depot", "other")


@dataclass(frozen=True, kw_only=True)
class Pickup:
    """A departure point: where workers without a bed board (settlement, town square), or a
    depot where vehicles are based (`kind = "depot"`)."""

    id: str
    name: str
    comune: str
    kind: PickupKind
    lon: float
    lat: float


@dataclass(frozen=True, kw_only=True)
class Referral:
    """A case worker's referral record (restricted: only counts and the verifier see it)."""

    worker_id: str
    referral_date: date
    referring_body: str
    urgency: str
    avoid_sites: frozenset[str]


# A driver's day (README "fleet.csv"; EU Regulation 561/2006 as a single driver's day): first
# departure to last return at most 13 h (11 h of daily rest), no run of trips longer than 4 h 30
# in total without a pause of BREAK_MIN minutes or more between two of them.
SPAN_MIN_DEFAULT = 13 * 60
STRETCH_MIN_DEFAULT = 4 * 60 + 30
BREAK_MIN = 45


@dataclass(frozen=True, kw_only=True)
class Vehicle:
    id: str
    foresteria_id: str
    seats: int
    fixed_cost_eur_per_day: float
    cost_eur_per_km: float
    max_duty_min: int  # minutes on trips
    available_from: date
    available_to: date
    max_span_min: int = SPAN_MIN_DEFAULT  # first departure to last return
    max_stretch_min: int = STRETCH_MIN_DEFAULT  # minutes on trips between pauses of BREAK_MIN

    @property
    def drivers_day(self) -> tuple[int, int]:
        """The limits of the driver's day beyond duty: (span, stretch)."""
        return (self.max_span_min, self.max_stretch_min)


@dataclass(frozen=True, kw_only=True)
class FarmClosure:
    """Days first_day..last_day (inclusive) on which a farm has no work ([data] farm_calendar)."""

    farm_id: str
    first_day: date
    last_day: date


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A validated scenario: configuration plus entities sorted by id."""

    root: Path
    config: ScenarioConfig
    foresterie: tuple[Foresteria, ...]
    farms: tuple[Farm, ...]
    workers: tuple[Worker, ...]
    fleet: tuple[Vehicle, ...]
    files: dict[str, Path]  # data key -> resolved path
    pickups: tuple[Pickup, ...] = ()  # departure points and depots ([data] pickups)
    referrals: tuple[Referral, ...] = ()  # restricted (README, "Referral records")
    # [data] draw_key's 64 hex digits (restricted): the tie-breaks' secret (core/restricted.py
    # tie_break); None: the published fallback sha256("SEED:WORKER_ID").
    draw_key: str | None = field(default=None, repr=False)
    farm_closures: tuple[FarmClosure, ...] = ()  # [data] farm_calendar
    # people whose release for days without work is not made: the plan gives their bed to
    # nobody after it (housing/release.py idle_releases; set by run/early.py)
    beds_kept: frozenset[str] = frozenset()
    # Not errors, but worth a look (bidi controls, look-alike names): shown by validate and solve.
    warnings: tuple[Problem, ...] = ()

    @property
    def name(self) -> str:
        return self.config.scenario.name

    def foresteria(self, fid: str) -> Foresteria:
        return next(f for f in self.foresterie if f.id == fid)

    def farm(self, fid: str) -> Farm:
        return next(f for f in self.farms if f.id == fid)


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """A bed for a worker from arrival to departure (the nights arrival..departure-1): what
    housing decides and shuttles need, without importing the housing solver."""

    worker_id: str
    foresteria_id: str
    section: Section
    arrival: date
    departure: date
