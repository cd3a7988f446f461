"""The run report: report/index.html and summary.md, with the map and the driver sheets.

Figures are read from the manifest (KPIs) and the plan files, never recomputed a third way. The
charts are inline SVG written here (no plotting library, no script), so the page is small,
prints well and gives the same bytes for the same plan.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import pickle
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any, Literal, TypeVar

from foresterie.core.files import is_unpublished, json_value, read_inside, real_dir, write_text
from foresterie.core.i18n import N_, Lang, cli_lang, lang
from foresterie.core.procs import lent_pool, results, shared_bytes, submit
from foresterie.core.runfolder import restricted_kpi, seal_report
from foresterie.report.maps import SECTION_LABELS, UNCOVERED_REASONS, UNSERVED_REASONS, plan_map
from foresterie.report.noride import no_ride_summary
from foresterie.report.notices import (
    FIRST_BED_SUFFIX,
    BedStart,
    bed_ends,
    bed_notices_by_foresteria,
    bed_notices_html,
    bed_start_notices_html,
    bed_starts,
    with_their_group,
)
from foresterie.report.page import page_head
from foresterie.report.people import PAGE as PEOPLE_PAGE
from foresterie.report.people import people_html
from foresterie.report.rundata import RunData, load_run, place_of
from foresterie.report.sheets import (
    SheetsJob,
    sheet_chunks,
    sheet_days,
    sheets_job,
    short_rests_html,
    write_sheets,
)

T = TypeVar("T")

SECTION_COLOURS = {"men": "#1f77b4", "women": "#d62728", "family": "#ff7f0e"}
CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 6px 0; } td, th { border: 1px solid #ccc; padding: 2px 8px; }
td.n { text-align: right; } .grid { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #eee; padding: 6px; } .chart h3 { font-size: 14px; margin: 2px 0; }
.note { color: #555; font-size: 12px; } svg text { font: 10px sans-serif; }
.days a { display: inline-block; min-width: 44px; }
.days .month { display: inline-block; min-width: 9em; font-weight: 600; }
.headline { font-size: 16px; background: #f5f7fa; border-left: 4px solid #1565c0; padding: 8px 12px; }
table.kpis td:first-child { max-width: 260px; } details { margin: 8px 0; } summary { cursor: pointer; }
@media print { body { max-width: none; padding: 0; } td, th { padding: 1px 4px; } }
"""

Say = Callable[[str], None]
FLEET_SHORT_HEADER = [
    N_("foresteria"),
    N_("week of"),
    N_("days with worker-days unserved"),
    N_("days fleet short (proven)"),
    N_("largest proven gap"),
    N_("most vehicles needed (planned, or the proven bound if higher)"),
    N_("worker-days unserved"),
]
# The housing tiers (housing.tiers) and how each was shown optimal (tiers.Proof), as people read
# them in the appendix; a name not listed here is printed as it is.
TIER_LABELS = {
    "kept_in_place": N_("people kept where they were"),
    "bed_nights": N_("bed-nights"),
    "transfers": N_("transfers"),
    "commute_s": N_("commute (seconds)"),
    "peak_permille": N_("fullest night (per mille)"),
}
PRIORITY_TIER = re.compile(r"housed_priority_(\d)(_contract|_present)?")
PROOF_LABELS = {
    "lp_bound": N_("reaches the LP relaxation's bound"),
    "reduced_cost_search": N_("search with reduced-cost fixing"),
    "search": N_("complete search"),
    "budget": N_("budget ran out: not shown"),
}
# A tier not proven because a count stopped its restricted LP before it was exact (manifest
# housing.lp_stopped; README "Housing model"): its bound is a round's, weaker than the LP's.
LP_STOPPED_LABEL = N_("a count stopped its LP before it was exact: not shown")


def tier_label(name: str, lg: Lang) -> str:
    """A housing tier's name in words (the raw name when unknown)."""
    m = PRIORITY_TIER.fullmatch(name)
    if m:
        label = (
            N_("contract holders housed, priority {p}")
            if m[2] == "_contract"
            else N_("people already in the region housed, priority {p}")
            if m[2] == "_present"
            else N_("people housed, priority {p}")
        )
        return lg._(label).format(p=m[1])
    return lg._(TIER_LABELS[name]) if name in TIER_LABELS else name


UNSERVED_HEADER = [N_("boarding at"), N_("reason"), N_("proven"), N_("worker-days"), N_("days")]
WAITLIST_REASONS = {
    "far": N_("no foresteria within the commute limit of their farm"),
    "placement": N_("no foresteria within reach meets the person's placement constraints"),
    "closed": N_("no foresteria open long enough for the stay"),  # its minimum nights, if partial
    "too_short": N_("stay shorter than the minimum nights a bed is offered for"),
    "no_section": N_("no beds of their section"),
    "no_accessible": N_("no accessible bed"),
    "too_large": N_("group larger than the beds"),
    "unsuitable": N_("no foresteria within reach has beds that suit them"),
    "not_offered": N_("not offered a bed (the reason is kept restricted)"),
    "full": N_("beds full"),
    "outranked": N_("beds full, taken by people of higher priority"),
    "past": N_("waitlisted before the re-planning date"),
    "not_checked_in": N_("not checked in: no bed held or offered until they check in"),
    "heuristic": N_("not housed by a plan not proven optimal"),
}
Unit = Literal["n", "n1", "pct", "permille", "eur", "min", "min1", "km"]
# The key figures a planner reads, grouped, with human labels and units (raw keys: appendix).
KPI_GROUPS: tuple[tuple[str, tuple[tuple[str, str, Unit], ...]], ...] = (
    (
        N_("People"),
        (
            ("housing.people", N_("applicants"), "n"),
            ("housing.housed", N_("housed"), "n"),
            ("housing.waitlisted", N_("waitlisted"), "n"),
        ),
    ),
    (
        N_("Beds"),
        (
            ("housing.bed_nights_used", N_("bed-nights used"), "n"),
            ("housing.bed_nights_capacity", N_("bed-nights available"), "n"),
            ("housing.occupancy_pct", N_("occupancy over the season"), "pct"),
            ("housing.peak_occupancy_permille", N_("fullest foresteria-night"), "permille"),
            ("housing.commute_minutes", N_("commute of all housed workers"), "min"),
        ),
    ),
    (
        N_("Shuttles"),
        (
            ("transport.worker_days_transported", N_("worker-days transported"), "n"),
            ("transport.trips", N_("trips"), "n"),
            ("transport.rider_trips", N_("rides (one way)"), "n"),
            ("transport.unserved_worker_days", N_("worker-days left without a round trip"), "n"),
            ("transport.unserved_proven_pct", N_("of those, with a proven reason"), "pct"),
            ("transport.left_behind_max_days", N_("most days one person was left behind"), "n"),
            (
                "transport.left_behind_max_in_a_row",
                N_("most days in a row one person was left behind"),
                "n",
            ),
            (
                "transport.left_behind_never_carried",
                N_("people left behind on every day they were to ride"),
                "n",
            ),
            ("transport.wait_on_board_max_min", N_("longest wait on board at stops"), "min"),
            ("transport.ride_minutes_mean", N_("average time on board"), "min1"),
            ("transport.ride_minutes_max", N_("longest time on board"), "min"),
        ),
    ),
    (
        N_("Fleet"),
        (
            ("transport.fleet_size", N_("vehicles in the fleet"), "n"),
            ("transport.vehicle_days", N_("vehicle-days"), "n"),
            ("transport.vehicles_per_day_peak", N_("vehicles on the busiest day"), "n"),
            ("transport.vehicles_per_day_mean", N_("vehicles per day, average"), "n1"),
            (
                "transport.days_fleet_short",
                N_("days the fleet was proven short (at any foresteria)"),
                "n",
            ),
            ("transport.vehicle_km", N_("distance driven"), "km"),
            ("transport.seat_utilisation_pct", N_("seats filled"), "pct"),
        ),
    ),
    (
        N_("Costs"),
        (
            ("transport.transport_cost_eur", N_("transport cost"), "eur"),
            ("transport.cost_per_worker_day_eur", N_("cost per worker-day"), "eur"),
            (
                "transport.caporale_fees_avoided_eur",
                N_("gangmaster fees avoided, low (5 € a day)"),
                "eur",
            ),
            (
                "transport.caporale_fees_avoided_eur_high",
                N_("gangmaster fees avoided, high (5 € a leg)"),
                "eur",
            ),
        ),
    ),
)


# A day run (`foresterie day`) has the season plan's trips of its day among its inputs
# (run.stability.REFERENCE_TRIPS; the report imports no solver). Its people are that day's
# riders, its night one night, and it carries no priorities: its key figures say so, and those
# it cannot know (by priority, across days) are left out rather than printed as 0.
DAY_RUN_INPUT = "reference_trips.json"
DAY_LABELS = {
    "housing.people": N_("riders expected"),
    "housing.housed": N_("of them with a bed in a foresteria"),
    "housing.occupancy_pct": N_("occupancy that night"),
    "transport.worker_days_transported": N_("riders carried to the farm and back"),
    "transport.unserved_worker_days": N_("riders left without a round trip"),
}
DAY_LEFT_OUT = re.compile(
    r"housing\.waitlisted|(housing\.(housed|waitlisted)|transport\.unserved_worker_days)"
    r"_by_priority\..*|transport\.left_behind_.*"
)


def is_day_run(run: RunData) -> bool:
    """A run published by `foresterie day` (one day's shuttles), not a season."""
    return DAY_RUN_INPUT in run.manifest.get("inputs", {})


def shown_kpis(run: RunData) -> list[tuple[str, Any]]:
    """The manifest's KPIs a page shows, flattened: a day run's leave out what it cannot know;
    no page shows a figure on priorities or referrals (a run from before restricted/kpis.json
    has them in its manifest: README "Restricted part and encryption")."""
    flat = [(k, v) for k, v in _flat(run.manifest["kpis"]) if not restricted_kpi(k)]
    if is_day_run(run):
        return [(k, v) for k, v in flat if not DAY_LEFT_OUT.fullmatch(k)]
    return flat


def fmt_value(lg: Lang, value: Any, unit: Unit) -> str:
    """A KPI value for people, in the language's number formats."""
    v = float(value)
    if unit == "n":
        return lg.num(v)
    if unit == "n1":
        return lg.num(v, 1)
    if unit == "pct":
        return lg.pct(v)
    if unit == "permille":
        return lg.pct(v / 10)
    if unit == "eur":
        return lg.eur(v)
    if unit == "km":
        return lg._("{n} km").format(n=lg.num(v))
    return lg._("{n} min").format(n=lg.num(v, 1 if unit == "min1" else 0))


LABEL_FONT_PX = 10  # svg text, as in CSS
LABEL_ANGLE = 60  # degrees below the axis
LABEL_GAP_PX = 12  # between two neighbouring slanted labels, across the slant


@dataclass(frozen=True)
class Bar:
    label: str
    parts: tuple[tuple[str, int], ...]  # (series, value), stacked in order
    limit: int | None = None  # a capacity mark drawn across the bar
    flag: bool = False  # drawn red (e.g. a day the fleet was short)


def _flat(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        if isinstance(v, dict):
            out += _flat(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v))
    return out


def caporale_line(t: dict[str, Any], lg: Lang) -> str:
    """The shuttle's cost per worker-day next to the caporale's fee, a range (DOMAIN.md sec. 7)."""
    if "caporale_fees_avoided_eur_high" not in t or not t.get("worker_days_transported"):
        return ""  # nothing carried: no cost per worker-day to set against the fee
    lo, hi = t["caporale_fee_eur_per_worker_day"]
    text = lg._(
        "Free rides: {worker_days} worker-days at {cost} per worker-day, against the caporale's "
        "fee of {low}–{high} per worker-day (€5 a day to €5 a leg): caporale fees avoided "
        "{avoided_low}–{avoided_high}."
    ).format(
        worker_days=lg.num(t["worker_days_transported"]),
        cost=lg.eur(t["cost_per_worker_day_eur"]),
        low=lg.eur(lo),
        high=lg.eur(hi),
        avoided_low=lg.eur(t["caporale_fees_avoided_eur"]),
        avoided_high=lg.eur(t["caporale_fees_avoided_eur_high"]),
    )
    return f"<p id='caporale'>{escape(text)}</p>"


def bars_svg(
    bars: list[Bar],
    colours: dict[str, str],
    lg: Lang,
    names: dict[str, str],
    height: int = 150,
    bar_w: int = 12,
    limit_label: str | None = None,
) -> str:
    """A stacked bar chart with an optional capacity mark per bar, as a standalone <svg>.
    `names`: each series' label for people; bar labels are ISO dates, shown as day and month;
    `limit_label`: what the mark is, with {n} (default "capacity {n}")."""
    top = max([sum(v for _, v in b.parts) for b in bars] + [b.limit or 0 for b in bars] + [1])
    pad_l, gap = 34, 2
    # Axis labels slant down to the right at LABEL_ANGLE: the margins hold the longest one whole
    # (at ~0.6 em a character), and labels are thinned until two neighbours stand at least
    # LABEL_GAP_PX apart across their slant, so none is cut at the edge or written over another.
    texts = [lg.day_month(b.label) for b in bars]
    reach = 0.6 * LABEL_FONT_PX * max([len(t) for t in texts] + [1])
    sin, cos = math.sin(math.radians(LABEL_ANGLE)), math.cos(math.radians(LABEL_ANGLE))
    pad_b = 12 + math.ceil(reach * sin + LABEL_FONT_PX)
    width = pad_l + len(bars) * (bar_w + gap) + max(8, math.ceil(reach * cos))
    scale = (height - 10) / top
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + pad_b}' "
        f"viewBox='0 0 {width} {height + pad_b}' role='img'>"
    ]
    for tick in sorted({0, round(top / 2), top}):  # whole numbers, each once, at its height
        y = height - round(tick * scale)
        out.append(
            f"<line x1='{pad_l - 3}' x2='{width}' y1='{y}' y2='{y}' stroke='#eee'/>"
            f"<text x='{pad_l - 5}' y='{y + 3}' text-anchor='end'>{escape(lg.num(tick))}</text>"
        )
    step = max(1, len(bars) // 12, math.ceil(LABEL_GAP_PX / ((bar_w + gap) * sin)))
    for i, b in enumerate(bars):
        x = pad_l + i * (bar_w + gap)
        y = height
        title = escape(
            lg.date(b.label, "medium")
            + ": "
            + ", ".join(names.get(s, s) + " " + lg.num(v) for s, v in b.parts)
            + (
                "; " + (limit_label or lg._("capacity {n}")).format(n=lg.num(b.limit))
                if b.limit is not None
                else ""
            )
        )
        out.append(
            f"<g data-label='{escape(b.label)}' data-total='{sum(v for _, v in b.parts)}'>"
            f"<title>{title}</title>"
        )
        for series, v in b.parts:
            h = round(v * scale)
            colour = "#c62828" if b.flag else colours.get(series, "#888")
            if h:
                out.append(
                    f"<rect x='{x}' y='{y - h}' width='{bar_w}' height='{h}' fill='{colour}'/>"
                )
            y -= h
        if b.limit is not None:
            ly = height - round(b.limit * scale)
            out.append(
                f"<line x1='{x - 1}' x2='{x + bar_w + 1}' y1='{ly}' y2='{ly}' "
                "stroke='#000' stroke-width='2'/>"
            )
        out.append("</g>")
        if i % step == 0:
            out.append(
                f"<text x='{x}' y='{height + 12}' "
                f"transform='rotate({LABEL_ANGLE} {x} {height + 12})'>{escape(texts[i])}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _week(night: str) -> str:
    d = date.fromisoformat(night)
    return (d - timedelta(days=d.weekday())).isoformat()


def occupancy_bars(run: RunData) -> dict[str, list[Bar]]:
    """Per foresteria and week: the busiest night's guests by section, against its beds. Only
    the season's nights: plan/occupancy.csv lists every night a site is open, and a site open
    past the season (or before it) would draw weeks of empty beds nobody was asked to fill
    (review 18, L4: a July season charted to the end of September)."""
    season = run.scenario.config.scenario
    first, last = season.season_start.isoformat(), season.season_end.isoformat()
    nights: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    for fid, night, section, beds, used in run.occupancy:
        if first <= night <= last:
            nights[fid, night][section] = (beds, used)
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for (fid, night), secs in sorted(nights.items()):
        total = sum(u for _, u in secs.values())
        key = (fid, _week(night))
        if key not in best or total > best[key][0]:
            best[key] = (total, night)
    out: dict[str, list[Bar]] = defaultdict(list)
    for (fid, week), (_, night) in sorted(best.items()):
        secs = nights[fid, night]
        out[fid].append(
            Bar(
                week,
                tuple((s, secs.get(s, (0, 0))[1]) for s in SECTION_COLOURS),
                sum(b for b, _ in secs.values()),
            )
        )
    return out


def vehicle_bars(run: RunData) -> list[Bar]:
    """Vehicles used per day (all foresterie) against vehicles available; red when short."""
    used: dict[str, set[str]] = defaultdict(set)
    for t in run.trips:
        if t.vehicle_id:
            used[t.day].add(t.vehicle_id)
    avail: Counter[str] = Counter()
    short: set[str] = set()
    for f in run.fleet_days:
        avail[f.day] += f.available
        if f.short_riders:
            short.add(f.day)
    return [Bar(d, (("used", len(used[d])),), avail[d], d in short) for d in sorted(avail)]


def _table(header: list[str], rows: list[list[Any]], lg: Lang | None = None) -> str:
    """An HTML table; with `lg`, the header is translated and numbers use its formats."""
    t = lg._ if lg else str

    def cell(c: Any) -> str:
        if isinstance(c, bool) or not isinstance(c, int | float):
            return f"<td>{escape(str(c))}</td>"
        return f"<td class='n'>{escape(lg.num(c) if lg and isinstance(c, int) else str(c))}</td>"

    head = "".join(f"<th>{escape(t(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return f"<div class='wide'><table><tr>{head}</tr>{body}</table></div>"


def waitlist_rows(run: RunData) -> list[list[Any]]:
    """People waitlisted per reason (priority stays in the run's restricted part)."""
    c: Counter[tuple[str, str]] = Counter((w["code"], w["proven"]) for w in run.waitlist)
    return [[code, proven, n] for (code, proven), n in sorted(c.items())]


def unserved_rows(run: RunData) -> list[list[Any]]:
    """Worker-days left unserved per boarding place (foresteria or departure point), reason code
    and proof."""
    riders: Counter[tuple[str, str, str]] = Counter()
    days: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for u in run.unserved:
        key = (u.foresteria_id, u.code, "yes" if u.proven else "no")
        riders[key] += u.riders
        days[key].add(u.day)
    return [[*k, n, len(days[k])] for k, n in sorted(riders.items())]


def beds_short_rows(run: RunData) -> list[list[Any]]:
    """People waitlisted because beds ran out (full/outranked), by section and arrival week."""
    workers = {w.id: w for w in run.scenario.workers}
    c: Counter[tuple[str, str]] = Counter()
    for w in run.waitlist:
        if w["code"] in ("full", "outranked", "heuristic"):
            p = workers[w["worker_id"]]
            c[p.section.value, _week(p.arrival.isoformat())] += 1
    return [[s, wk, n] for (s, wk), n in sorted(c.items(), key=lambda x: (x[0][1], x[0][0]))]


def fleet_short_rows(run: RunData) -> list[list[Any]]:
    """Per foresteria and week, the figures of unserved.csv/fleet_days.csv: days with worker-days
    unserved, days the fleet is proven short (lower bound above the vehicles available), the
    largest proven gap, the most vehicles needed (the planned trips', or the proven lower bound
    where it is higher), worker-days unserved."""
    acc: dict[tuple[str, str], list[int]] = {}
    for f in run.fleet_days:
        if f.short_riders:
            a = acc.setdefault((f.foresteria_id, _week(f.day)), [0, 0, 0, 0, 0])
            a[0] += 1
            a[1] += f.lower_bound > f.available
            a[2] = max(a[2], f.lower_bound - f.available)
            # the proven bound where it is above what the trips planned with the vehicles at
            # hand used (review 19 R, LOW-3: "needed 1" beside "3 short, proven")
            a[3] = max(a[3], f.needed, f.lower_bound)
            a[4] += f.short_riders
    return [[fid, wk, *a] for (fid, wk), a in sorted(acc.items(), key=lambda x: (x[0][1], x[0][0]))]


def uncovered_rows(run: RunData) -> list[list[Any]]:
    """Partial stays: nights of housed people's stays without a bed, by reason and week."""
    people: Counter[tuple[str, str]] = Counter()
    nights: Counter[tuple[str, str]] = Counter()
    for _w, code, first, end in run.uncovered or []:
        k = (code, _week(first))
        people[k] += 1
        nights[k] += (date.fromisoformat(end) - date.fromisoformat(first)).days
    return [
        [c, wk, people[c, wk], nights[c, wk]]
        for c, wk in sorted(people, key=lambda k: (k[1], k[0]))
    ]


def transfer_rows(run: RunData, at_closing: bool = True) -> list[list[Any]]:
    """People moved once: from, to, week of the move. `at_closing`: the moves made when the
    first foresteria closed (the last night there is its last open night: the season plan's
    transfers); else the others, made at a re-plan (a move on request), while it stayed open
    (review 19 R, LOW-8: a move on request was listed as a transfer at a closing)."""
    spans: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # worker -> (from, f, to)
    for wid, fid, first, end in run.spans:
        spans[wid].append((first, fid, end))
    closes = {f.id: (f.open_to + timedelta(days=1)).isoformat() for f in run.scenario.foresterie}
    c: Counter[tuple[str, str, str]] = Counter()
    for rows in spans.values():
        if len(rows) == 2:
            (_, a, moved), (first, b, _) = sorted(rows)
            if (closes.get(a) == moved) == at_closing:
                c[a, b, _week(first)] += 1
    return [[a, b, wk, n] for (a, b, wk), n in sorted(c.items(), key=lambda x: (x[0][2], x[0]))]


def _yes_no(lg: Lang, code: str) -> str:
    return lg._("yes") if code == "yes" else lg._("no")


@dataclass(frozen=True, kw_only=True)
class Section:
    """One table of the report (HTML and Markdown alike): its title, header and rows, and the
    note printed under it (empty: none), ending with a link to `link` (a page of the report;
    empty: none). A table without rows is printed as "None."."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""
    link: str = ""


def _note_html(sec: Section) -> str:
    link = f" <a href='{escape(sec.link)}'>{escape(sec.link)}</a>" if sec.link else ""
    return f"<p class='note'>{escape(sec.note)}{link}</p>"


def summary_sections(run: RunData, lg: Lang) -> list[Section]:
    """The shortage, waitlist and unserved tables (HTML and Markdown), in the report's language:
    codes become words, weeks dates."""
    short_fleet = fleet_short_rows(run)
    # a day run's "waitlisted" are riders from departure points, its stays one night: not shown
    day = is_day_run(run)
    week = lambda wk: lg.date(wk, "medium")  # noqa: E731
    partial = (
        [
            Section(
                title=lg._("Partial stays: nights without a bed, by reason and week"),
                header=[lg._("reason"), lg._("week of"), lg._("people"), lg._("nights")],
                rows=[
                    [lg._(UNCOVERED_REASONS.get(c, c)), week(wk), n, k]
                    for c, wk, n, k in uncovered_rows(run)
                ],
            ),
            Section(
                title=lg._("Transfers at a closing"),
                header=[lg._("from"), lg._("to"), lg._("week of"), lg._("people")],
                rows=[[a, b, week(wk), n] for a, b, wk, n in transfer_rows(run)],
            ),
        ]
        if run.uncovered is not None and not day
        else []
    )
    moves = transfer_rows(run, at_closing=False) if not day else []
    if moves:  # a re-plan's moves (on request), told apart from the transfers at a closing
        partial.append(
            Section(
                title=lg._("Moves between foresterie at a re-plan (on request)"),
                header=[lg._("from"), lg._("to"), lg._("week of"), lg._("people")],
                rows=[[a, b, week(wk), n] for a, b, wk, n in moves],
            )
        )
    return [
        *partial,
        *(
            []
            if day
            else [
                Section(
                    title=lg._(
                        "Beds: people waitlisted for lack of a bed, by section and arrival week"
                    ),
                    header=[lg._("section"), lg._("week of"), lg._("people")],
                    rows=[
                        [lg._(SECTION_LABELS[s]), week(wk), n] for s, wk, n in beds_short_rows(run)
                    ],
                )
            ]
        ),
        Section(
            title=lg._(
                "Vehicles: {days} foresteria-days with worker-days unserved, {proven} proven "
                "fleet short, by week"
            ).format(days=sum(r[2] for r in short_fleet), proven=sum(r[3] for r in short_fleet)),
            header=[lg._(h) for h in FLEET_SHORT_HEADER],
            rows=[[fid, week(wk), *a] for fid, wk, *a in short_fleet],
        ),
        *(
            []
            if day
            else [
                Section(
                    title=lg._("Waitlist"),
                    header=[lg._("reason"), lg._("proven"), lg._("people")],
                    rows=[
                        [lg._(WAITLIST_REASONS.get(code, code)), _yes_no(lg, proven), n]
                        for code, proven, n in waitlist_rows(run)
                    ],
                    note=lg._(
                        "Each person’s reason in words, with their stay, section and farm, is on "
                        "the case workers’ page:"
                    ),
                    link=PEOPLE_PAGE,
                )
            ]
        ),
        Section(
            title=lg._("Unserved rides"),
            header=[lg._(h) for h in UNSERVED_HEADER],
            rows=[
                [fid, lg._(UNSERVED_REASONS.get(code, code)), _yes_no(lg, p), n, d]
                for fid, code, p, n, d in unserved_rows(run)
            ],
        ),
    ]


def _kpi(flat: dict[str, Any], key: str) -> float:
    return float(flat.get(key, 0) or 0)


def _place_name(run: RunData, pid: str) -> str:
    """A base's or departure point's name for sentences a person reads (the id if unknown)."""
    try:
        return place_of(run.scenario, pid).name
    except StopIteration:
        return pid


def out_of_service(run: RunData) -> list[str]:
    """A day run's vehicles that had trips in the season plan's day (its inputs'
    reference_trips.json) and are not available on the day (a breakdown recorded): sorted ids."""
    day = run.scenario.config.scenario.season_start
    try:
        ref = json_value(read_inside(run.root, Path("inputs") / DAY_RUN_INPUT, 1 << 28))
        planned = {str(t.get("vehicle_id")) for t in ref.get("trips", []) if isinstance(t, dict)}
    except (OSError, ValueError, AttributeError):  # unreadable: nothing said, the rest stands
        return []
    return sorted(
        v.id
        for v in run.scenario.fleet
        if v.id in planned and not v.available_from <= day <= v.available_to
    )


def day_headline(run: RunData, lg: Lang) -> list[str]:
    """A day run in a few sentences: the riders expected and where they board, how many were
    carried there and back (trips, km, cost, the fees spared), who was left without a ride and
    where vehicles are proven short."""
    flat = dict(_flat(run.manifest["kpis"]))
    sc = run.scenario
    riders = len(sc.workers)
    points = sum(1 for w in sc.workers if w.pickup_id)
    out = [
        lg.ngettext(
            "{day}: {riders} rider expected, {homes} from a foresteria and {points} from "
            "departure points.",
            "{day}: {riders} riders expected, {homes} from a foresteria and {points} from "
            "departure points.",
            riders,
        ).format(
            day=lg.date(sc.config.scenario.season_start, "full"),
            riders=lg.num(riders),
            homes=lg.num(riders - points),
            points=lg.num(points),
        )
    ]
    broken = out_of_service(run)
    if broken:  # review 19 R, LOW-3: a breakdown was never said in the day's report
        out.append(
            lg.ngettext(
                "Out of service on this day: {vehicles}; its trips of the season plan were "
                "planned again with the other vehicles.",
                "Out of service on this day: {vehicles}; their trips of the season plan were "
                "planned again with the other vehicles.",
                len(broken),
            ).format(vehicles=", ".join(broken))
        )
    carried = dict(
        carried=lg.num(_kpi(flat, "transport.worker_days_transported")),
        trips=lg.num(_kpi(flat, "transport.trips")),
        km=fmt_value(lg, _kpi(flat, "transport.vehicle_km"), "km"),
        cost=lg.eur(_kpi(flat, "transport.transport_cost_eur")),
    )
    if "transport.caporale_fees_avoided_eur_high" in flat:
        out.append(
            lg._(
                "The shuttles carried {carried} of them to the farms and back in {trips} trips "
                "({km}, {cost}), sparing them between {fees} and {fees_high} in gangmaster fees."
            ).format(
                **carried,
                fees=lg.eur(_kpi(flat, "transport.caporale_fees_avoided_eur")),
                fees_high=lg.eur(_kpi(flat, "transport.caporale_fees_avoided_eur_high")),
            )
        )
    else:
        out.append(
            lg._(
                "The shuttles carried {carried} of them to the farms and back in {trips} trips "
                "({km}, {cost})."
            ).format(**carried)
        )
    left = int(_kpi(flat, "transport.unserved_worker_days"))
    if not left:
        out.append(lg._("Nobody was left without a ride."))
        return out
    out.append(
        lg.ngettext(
            "{n} was left without a round trip ({pct} of them with a proven reason).",
            "{n} were left without a round trip ({pct} of them with a proven reason).",
            left,
        ).format(
            n=lg.num(left), pct=fmt_value(lg, _kpi(flat, "transport.unserved_proven_pct"), "pct")
        )
    )
    left_at: Counter[tuple[str, str]] = Counter()
    for u in run.unserved:
        left_at[u.foresteria_id, u.code] += u.riders
    out.append(
        lg._("Left without a ride: {where}.").format(
            where="; ".join(
                lg._("{n} at {place}, {reason}").format(
                    n=lg.num(n),
                    place=_place_name(run, fid),
                    reason=lg._(UNSERVED_REASONS.get(code, code)),
                )
                for (fid, code), n in sorted(left_at.items(), key=lambda x: (-x[1], x[0]))
            )
        )
    )
    gaps: dict[str, int] = {}  # base -> vehicles missing, from the proven rows' own figures
    for u in run.unserved:
        if u.code == "fleet_short":
            base = u.base_id or u.foresteria_id
            gaps[base] = max(gaps.get(base, 0), u.lower_bound - u.available)
    short = [
        lg.ngettext(
            "{foresteria} ({gap} vehicle short)", "{foresteria} ({gap} vehicles short)", gap
        ).format(foresteria=_place_name(run, base), gap=lg.num(gap))
        for base, gap in sorted(gaps.items())
        if gap > 0
    ]
    if short:
        out.append(lg._("Vehicles are proven short at {where}.").format(where=", ".join(short)))
    return out


def headline(run: RunData, lg: Lang) -> list[str]:
    """The plan in a few sentences: who is housed, who was turned away and why, what the
    shuttles did, what is short and when (a day run: `day_headline`)."""
    if is_day_run(run):
        return day_headline(run, lg)
    flat = dict(_flat(run.manifest["kpis"]))
    people, housed = _kpi(flat, "housing.people"), _kpi(flat, "housing.housed")
    waiting = _kpi(flat, "housing.waitlisted")
    out = [
        lg.ngettext(
            "Of {people} applicant, {housed} housed and {waiting} waitlisted.",
            "Of {people} applicants, {housed} housed and {waiting} waitlisted.",
            int(people),
        ).format(people=lg.num(people), housed=lg.num(housed), waiting=lg.num(waiting))
    ]
    reasons = Counter(w["code"] for w in run.waitlist)
    if reasons:
        why = "; ".join(
            f"{lg.num(n)} ({lg._(WAITLIST_REASONS.get(code, code))})"
            for code, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))
        )
        out.append(lg._("Turned away: {reasons}.").format(reasons=why))
    as_of = (run.manifest.get("replan") or {}).get("as_of")
    if as_of:  # a re-plan: its housing is the season's, its shuttles from its date (review 19 R)
        out.append(
            lg._(
                "Re-planned on {date}: the housing figures count the whole season, the nights "
                "before kept as lived; the shuttle figures below count the days from {date} on."
            ).format(date=lg.date(as_of, "full"))
        )
    wd = _kpi(flat, "transport.worker_days_transported")
    carried = dict(
        worker_days=lg.num(wd),
        trips=lg.num(_kpi(flat, "transport.trips")),
        km=fmt_value(lg, _kpi(flat, "transport.vehicle_km"), "km"),
        cost=lg.eur(_kpi(flat, "transport.transport_cost_eur")),
        fees=lg.eur(_kpi(flat, "transport.caporale_fees_avoided_eur")),
    )
    if "transport.caporale_fees_avoided_eur_high" in flat:  # the fee is a range (DOMAIN.md 7)
        out.append(
            lg._(
                "The shuttles carried {worker_days} worker-days to the farms in {trips} trips "
                "({km}, {cost}), sparing the workers between {fees} and {fees_high} in "
                "gangmaster fees."
            ).format(
                **carried, fees_high=lg.eur(_kpi(flat, "transport.caporale_fees_avoided_eur_high"))
            )
        )
    else:
        out.append(
            lg._(
                "The shuttles carried {worker_days} worker-days to the farms in {trips} trips "
                "({km}, {cost}), sparing the workers about {fees} in gangmaster fees."
            ).format(**carried)
        )
    unserved = int(_kpi(flat, "transport.unserved_worker_days"))
    if unserved:
        out.append(
            lg.ngettext(
                "{n} worker-day was left without a round trip ({pct} of them with a proven "
                "reason).",
                "{n} worker-days were left without a round trip ({pct} of them with a proven "
                "reason).",
                unserved,
            ).format(
                n=lg.num(unserved),
                pct=fmt_value(lg, _kpi(flat, "transport.unserved_proven_pct"), "pct"),
            )
        )
    never = int(_kpi(flat, "transport.left_behind_never_carried"))
    if never:  # review 20 R, MEDIUM-3: housed where no vehicle went, said nowhere
        out.append(never_carried_line(run, never, lg))
    beds = beds_short_rows(run)
    if beds:
        s, wk, n = max(beds, key=lambda r: (r[2], r[1]))
        out.append(
            lg.ngettext(
                "Beds run shortest in the week of {week}: {n} person ({section}) without a bed.",
                "Beds run shortest in the week of {week}: {n} {section} without a bed.",
                n,
            ).format(week=lg.date(wk, "full"), n=lg.num(n), section=lg._(SECTION_LABELS[s]))
        )
    fleet = fleet_short_rows(run)
    if fleet:
        fid, wk, _days, _proven, gap, _needed, _wd = max(fleet, key=lambda r: (r[4], r[3], r[1]))
        proven_days = sum(r[3] for r in fleet)
        if proven_days:
            days = lg.ngettext(
                "Vehicles are proven short on {days} foresteria-day",
                "Vehicles are proven short on {days} foresteria-days",
                proven_days,
            ).format(days=lg.num(proven_days))
            worst = lg.ngettext(
                "the worst is the week of {week} at {foresteria}, {gap} vehicle short.",
                "the worst is the week of {week} at {foresteria}, {gap} vehicles short.",
                gap,
            ).format(week=lg.date(wk, "full"), foresteria=_place_name(run, fid), gap=lg.num(gap))
            out.append(f"{days}; {worst}")
        else:
            unserved_days = sum(r[2] for r in fleet)
            out.append(
                lg.ngettext(
                    "Worker-days go unserved on {days} foresteria-day, but no shortage of "
                    "vehicles is proven: see the reasons below.",
                    "Worker-days go unserved on {days} foresteria-days, but no shortage of "
                    "vehicles is proven: see the reasons below.",
                    unserved_days,
                ).format(days=lg.num(unserved_days))
            )
    elif not beds and not BED_CODES & reasons.keys():  # a group or a section turned away is
        out.append(lg._("Neither beds nor vehicles run short."))  # short of beds where it asked
    return out


def never_carried_line(run: RunData, never: int, lg: Lang) -> str:
    """The people the shuttles never carried (left behind on every day they were to ride), and
    the place where most of them board: a foresteria no vehicle reaches, a settlement."""
    rode = {w for t in run.trips if t.direction == "to_farm" for s in t.stops for w in s.worker_ids}
    places: dict[str, set[str]] = defaultdict(set)
    for u in run.unserved:
        places[u.foresteria_id].update(u.worker_ids)
    where = {p: len(ws - rode) for p, ws in places.items() if ws - rode}
    line = lg.ngettext(
        "{n} person was never carried: left behind on every day they were to ride.",
        "{n} people were never carried: left behind on every day they were to ride.",
        never,
    ).format(n=lg.num(never))
    if where:
        place, k = min(where.items(), key=lambda x: (-x[1], x[0]))
        line += " " + (
            lg._("All of them board at {place}: see the reasons below.")
            if k == never
            else lg.ngettext(
                "{k} of them boards at {place}, more than anywhere else: see the reasons below.",
                "{k} of them board at {place}, more than anywhere else: see the reasons below.",
                k,
            )
        ).format(place=_place_name(run, place), k=lg.num(k))
    return line


# Waitlist codes that say the beds within reach did not suffice (the person, the group, the
# section or the accessible bed): after any of them, "neither beds nor vehicles run short" is
# false (review 13: 30 applicants turned away as a group larger than the beds).
BED_CODES = frozenset(
    {"full", "outranked", "heuristic", "too_large", "no_section", "no_accessible", "unsuitable"}
)


# Figures per worker-day or per rider carried: with none carried they are not defined, and the
# manifest's 0 read "0,00 € per worker-day" (review 13); shown as a dash instead.
PER_CARRIED = frozenset(
    {
        "transport.cost_per_worker_day_eur",
        "transport.ride_minutes_mean",
        "transport.seat_utilisation_pct",
    }
)
NOT_DEFINED = "–"


def kpi_groups(run: RunData, lg: Lang) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(group, [(raw key, label, value for people)]) for the KPIs the manifest has."""
    flat = dict(shown_kpis(run))
    labels = DAY_LABELS if is_day_run(run) else {}
    none_carried = flat.get("transport.worker_days_transported") == 0

    def value(k: str, unit: Unit) -> str:
        return NOT_DEFINED if none_carried and k in PER_CARRIED else fmt_value(lg, flat[k], unit)

    return [
        (
            lg._(group),
            [
                (k, lg._(labels.get(k, label)), value(k, unit))
                for k, label, unit in rows
                if k in flat
            ],
        )
        for group, rows in KPI_GROUPS
    ]


def index_html(run: RunData, lg: Lang, sheets: bool = True) -> str:
    """The report's index in `lg`; `sheets` False (`report --no-sheets`): the driver sheets,
    day pages and no-ride notices were not written, so nothing links or counts them."""
    _ = lg._
    m = run.manifest
    sc = run.scenario
    kpi_tables = "".join(
        f"<table class='kpis'><tr><th colspan='2'>{escape(group)}</th></tr>"
        + "".join(
            f"<tr><td>{escape(label)}</td><td class='n' data-kpi-human='{escape(k)}'>"
            f"{escape(value)}</td></tr>"
            for k, label, value in rows
        )
        + "</table>"
        for group, rows in kpi_groups(run, lg)
    )
    raw = "".join(
        f"<tr><td><code>{escape(part)}.{escape(k)}</code></td><td class='n' "
        f"data-kpi='{escape(part)}.{escape(k)}'>{escape('–' if v is None else str(v))}</td></tr>"
        for key, v in shown_kpis(run)
        for part, k in [key.split(".", 1)]
    )
    homes = {f.id: f for f in sc.foresterie}
    names = {s: _(label) for s, label in SECTION_LABELS.items()}
    occ = "".join(
        f"<div class='chart' data-foresteria='{escape(fid)}'><h3>{escape(homes[fid].name)} "
        f"({escape(fid)})</h3>{bars_svg(bars, SECTION_COLOURS, lg, names)}</div>"
        for fid, bars in occupancy_bars(run).items()
    )
    legend = " ".join(
        f"<span style='color:{c}'>■</span> {escape(names[s])}" for s, c in SECTION_COLOURS.items()
    )
    days = sorted({t.day for t in run.trips if t.vehicle_id} | {u.day for u in run.unserved})
    day_links = day_links_html(days, lg)
    lp_stopped = set(m["housing"].get("lp_stopped", []))  # runs before session 16: none
    tiers = _table(
        [_("tier"), _("objective"), _("bound"), _("proven optimal (not verified)"), _("how")],
        [
            [
                tier_label(t["name"], lg),
                # people of a priority housed: a figure on priorities, shown on no page (README
                # "Restricted part and encryption"); whether the tier is proven still is
                *(
                    ["–", "–"]
                    if PRIORITY_TIER.fullmatch(t["name"])
                    else [t["objective"], t["bound"]]
                ),
                _("yes") if t["optimal"] else _("no"),
                _(LP_STOPPED_LABEL)
                if t["name"] in lp_stopped and not t["optimal"]
                else _(PROOF_LABELS[t["proof"]])
                if t.get("proof") in PROOF_LABELS
                else t.get("proof", ""),
            ]
            for t in m["housing"]["tiers"]
            if not (is_day_run(run) and PRIORITY_TIER.fullmatch(t["name"]))
        ],
    )
    vehicles = bars_svg(
        vehicle_bars(run), {"used": "#455a64"}, lg, {"used": _("vehicles used")}, bar_w=4
    )
    meta = _(
        "Scenario hash {hash} · seed {seed} · travel backend {backend} · foresterie {version} · "
        "verified by the independent checker before publication"
    ).format(
        hash=m["scenario"]["hash"][:16],
        seed=m["seed"],
        backend=m["scenario"]["travel_backend"],
        version=m["versions"]["foresterie"],
    )
    title = _("{name}: housing and shuttle plan").format(name=sc.name)
    parts = [
        page_head(code=lg.code, direction=lg.dir, title=title, css=CSS),
        f"<h1>{escape(title)}</h1>",
        f"<p class='note'>{escape(meta)}</p>",
        "<p class='headline' id='headline'>"
        + " ".join(escape(x) for x in headline(run, lg))
        + "</p>",
        f"<p><a href='map.html'>{escape(_('Map of the shuttles (pick a day)'))}</a> · "
        "<a href='summary.md'>summary.md</a> · "
        f"<a href='../plan/'>{escape(_('plan files'))}</a></p>",
        f"<h2>{escape(_('Key figures'))}</h2>",
        caporale_line(m["kpis"].get("transport", {}), lg),
        f"<div class='grid'>{kpi_tables}</div>",
        f"<h2>{escape(_('Occupancy per week'))}</h2>",
        "<p class='note'>"
        + escape(_("Guests on each week's busiest night, stacked by section"))
        + f" ({legend}); "
        + escape(_("the black mark is the beds."))
        + "</p>",
        f"<div class='grid'>{occ}</div>",
        f"<h2>{escape(_('Vehicles per day'))}</h2>",
        "<p class='note'>"
        + escape(
            _(
                "Vehicles used per day (all foresterie); black mark: vehicles available; "
                "red: a day on which worker-days were left unserved (see the reasons below)."
            )
        )
        + "</p>",
        f"<div class='chart' id='vehicles'>{vehicles}</div>",
        "<h2>"
        + escape(
            _("What is short: vehicles, unserved rides")
            if is_day_run(run)
            else _("What is short: beds, vehicles, waitlist, unserved rides")
        )
        + "</h2>",
        *(
            f"<h3>{escape(sec.title)}</h3>"
            + (
                _table(sec.header, sec.rows, lg)
                if sec.rows
                else f"<p class='note'>{escape(_('None.'))}</p>"
            )
            + (_note_html(sec) if sec.note else "")
            for sec in summary_sections(run, lg)
        ),
        f"<h2>{escape(_('Driver sheets and worker notices'))}</h2>",
        (
            day_links + short_rests_html(run, lg) + no_ride_summary(run, lg)
            if sheets
            else f"<p class='note' id='no-sheets'>{escape(_(NO_SHEETS))}</p>"
        ),
        bed_notice_links(run, lg),
        bed_start_links(run, lg),
        f"<h2>{escape(_('Appendix'))}</h2>",
        f"<details id='raw-kpis'><summary>{escape(_('All figures with their manifest keys'))}"
        f"</summary><p class='note'>{escape(_('From manifest.json; formulas in the README.'))}"
        + (f" {escape(_(DAY_APPENDIX))}" if is_day_run(run) else "")
        + f"</p><div class='wide'><table>{raw}</table></div></details>",
        f"<details><summary>{escape(_('Housing solver'))}</summary>"
        f"<p class='note' id='solver-claims'>{escape(_(SOLVER_CLAIMS))}</p>{tiers}</details>",
        "</body></html>\n",
    ]
    return "\n".join(parts)


def day_links_html(days: list[str], lg: Lang) -> str:
    """The days' pages, a line per month ("maggio 2027: 1 2 3 ..."): a season's 150 dates in one
    run of links read as a wall; each link names its whole date for screen readers."""
    months: dict[str, list[str]] = defaultdict(list)
    for d in days:
        months[d[:7]].append(d)
    return "".join(
        f"<p class='days'><span class='month'>{escape(lg.date(ds[0], 'LLLL y'))}</span> "
        + " ".join(
            f"<a href='drivers/{escape(d)}/index.html' aria-label='{escape(lg.date(d, 'full'))}'>"
            f"{escape(lg.date(d, 'd'))}</a>"
            for d in ds
        )
        + "</p>"
        for ds in months.values()
    )


def bed_notice_links(run: RunData, lg: Lang) -> str:
    """Links to each foresteria's desk notices for beds that end before the stay (none: empty)."""
    counts = {fid: len(e) for fid, e in bed_notices_by_foresteria(bed_ends(run), run).items()}
    text = lg._(
        "Notices for the desk, one per person whose bed ends before their stay does, in "
        "their language: {links}."
    )
    return desk_links(run, lg, counts, "-beds.html", text, "bed-notices")


def desk_links(
    run: RunData, lg: Lang, counts: dict[str, int], suffix: str, text: str, css_id: str
) -> str:
    """`text` (translated, with {links}) as a paragraph `css_id`, linking each foresteria's
    page of desk notices `notices/FORESTERIA{suffix}` with its number of people; none: empty."""
    if not counts:
        return ""
    links = ", ".join(
        f"<a href='notices/{escape(fid)}{escape(suffix)}'>"
        f"{escape(place_of(run.scenario, fid).name)}</a> ({escape(lg.num(n))})"
        for fid, n in counts.items()
    )
    return f"<p id='{css_id}'>{escape(text).replace('{links}', links)}</p>"


def write_bed_notices(run: RunData, out: Path, lg: Lang) -> int:
    """out/FORESTERIA-beds.html for each foresteria where beds end before the stay; notices of
    an earlier report that no longer apply are removed. Returns the number of people."""
    by_fid = bed_notices_by_foresteria(bed_ends(run), run)
    return write_desk_pages(
        out, "-beds.html", by_fid, lambda fid, ends: bed_notices_html(run, fid, ends, lg)
    )


def write_desk_pages(
    out: Path, suffix: str, by_fid: dict[str, list[T]], render: Callable[[str, list[T]], str]
) -> int:
    """out/FORESTERIA{suffix} for each foresteria of `by_fid`, rendered by `render`; pages of
    an earlier report with that suffix that no longer apply are removed. Returns the number of
    people."""
    if not by_fid and not out.exists():
        return 0
    out = real_dir(out)
    for old in out.glob(f"*{suffix}"):
        if old.name.removesuffix(suffix) not in by_fid:
            old.unlink()
    for fid, items in by_fid.items():
        write_text(out / f"{fid}{suffix}", render(fid, items))
    return sum(len(i) for i in by_fid.values())


NO_SHEETS = N_(
    "Not written with this report (report --no-sheets): the driver sheets, the worker notices, "
    "the day pages and the notices for people without a ride. Write them with "
    "foresterie report RUN."
)


def bed_starts_by_foresteria(run: RunData) -> dict[str, list[BedStart]]:
    """foresteria id -> the people whose first bed there starts after they arrive."""
    out: dict[str, list[BedStart]] = defaultdict(list)
    for s in bed_starts(run):
        out[s.foresteria_id].append(s)
    return {
        fid: with_their_group(run, starts, lambda s: (s.first_night, s.first_bed, s.code))
        for fid, starts in out.items()
    }


def bed_start_links(run: RunData, lg: Lang) -> str:
    """Links to each foresteria's desk notices for the nights before a first bed (none: empty)."""
    counts = {fid: len(s) for fid, s in bed_starts_by_foresteria(run).items()}
    text = lg._(
        "Notices for the desk, one per person whose first bed starts after they arrive, in "
        "their language, to give them before they come: {links}."
    )
    return desk_links(run, lg, counts, FIRST_BED_SUFFIX, text, "first-bed-notices")


def write_bed_start_notices(run: RunData, out: Path, lg: Lang) -> int:
    """out/FORESTERIA-first-bed.html for each foresteria where first beds start after the
    arrival; notices of an earlier report that no longer apply are removed. Returns the number
    of people."""
    return write_desk_pages(
        out,
        FIRST_BED_SUFFIX,
        bed_starts_by_foresteria(run),
        lambda fid, starts: bed_start_notices_html(run, fid, starts, lg),
    )


DAY_APPENDIX = N_(
    "A day run covers one day and carries no priorities: the figures by priority and across "
    "days are left out."
)


# What the verifier does not check: the bounds, gaps and optimality the housing solver reports.
SOLVER_CLAIMS = N_(
    "The solver's own claims, not verified: the independent checker re-derives every rule, "
    "count and reason of the plan, but not the bounds, gaps and optimality the solver reports."
)


MD_SPECIAL = re.compile(r"([\\`*\[\]<>#!|])")  # markup, links, inline HTML, tables


def md_text(value: Any) -> str:
    """Plain text for Markdown: every character a renderer could read as markup or HTML is
    escaped, so a name like `<img onerror=...>` or `[x](javascript:...)` stays text."""
    return MD_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


def _md_table(header: list[str], rows: list[list[Any]], lg: Lang | None = None) -> str:
    def cell(c: Any) -> str:
        text = lg.num(c) if lg and isinstance(c, int) and not isinstance(c, bool) else str(c)
        return md_text(text)

    lines = ["| " + " | ".join(md_text(h) for h in header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows])


def summary_md(run: RunData, lg: Lang) -> str:
    _ = lg._
    m = run.manifest
    groups = kpi_groups(run, lg)
    return (
        "\n\n".join(
            [
                "# " + _("{name}: plan summary").format(name=md_text(run.scenario.name)),
                md_text(" ".join(headline(run, lg))),
                _(
                    "Scenario hash `{hash}`, seed {seed}, travel backend {backend}. "
                    "Verified before publication."
                ).format(
                    hash=md_text(m["scenario"]["hash"][:16]),
                    seed=md_text(m["seed"]),
                    backend=md_text(m["scenario"]["travel_backend"]),
                ),
                "## " + _("Key figures"),
                *(
                    f"### {md_text(group)}\n\n"
                    + _md_table([_("figure"), _("value")], [[lab, v] for _k, lab, v in rows])
                    for group, rows in groups
                ),
                *(
                    f"## {md_text(sec.title)}\n\n"
                    + (_md_table(sec.header, sec.rows, lg) if sec.rows else md_text(_("None.")))
                    + (f"\n\n{md_text(sec.note)}" if sec.note else "")
                    + (f" [{md_text(sec.link)}]({sec.link})" if sec.link else "")
                    for sec in summary_sections(run, lg)
                ),
                "## " + _("Appendix: all figures with their manifest keys"),
                _md_table(["KPI", _("value")], [[k, v] for k, v in shown_kpis(run)]),
            ]
        )
        + "\n"
    )


def report_lang(run: RunData, code: str | None = None) -> Lang:
    """The language asked for, else the scenario's `[report] lang` (Italian by default)."""
    return lang(code or run.scenario.config.report.lang)


def write_report(
    run: RunData | Path, say: Say | None = None, sheets: bool = True, lang_code: str | None = None
) -> Path:
    """Write report/ (index.html, summary.md, map.html, drivers/) for a run folder. Inside
    core/procs.lending (the pipeline lends the verifier's pool) the driver sheets are written
    by the pool's workers while this process writes the rest: the same files, byte for byte."""
    say = say or (lambda _: None)
    if isinstance(run, Path):
        run = load_run(run)
    lg = report_lang(run, lang_code)
    out = real_dir(run.root / "report")  # planted links are removed, never followed
    # An unpublished run folder's new drivers/ (the pipeline's): each file written once, in
    # folders made once (core/files.write_new), not replaced atomically.
    fresh = is_unpublished(run.root) and not (out / "drivers").exists()
    # The lent pool's workers start on the sheets before this process draws the map: a worker
    # that waited for the map would stand idle beside the verifier's.
    done = sheets_beside(run, out / "drivers", lg, fresh) if sheets else None
    try:
        write_text(out / "map.html", plan_map(run, lg=lg))  # each file replaced atomically
    except Exception:
        if done is not None:  # none left writing; the map comes first in the serial order
            with contextlib.suppress(Exception):
                done()
        raise
    known: dict[str, str] = {}  # the sheets' hashes, taken by whoever wrote them
    if sheets and done is None:
        vds, known = write_sheets(run, out / "drivers", lg=lg, fresh=fresh)
        say(cli_lang()._("report: map, {n} driver sheets").format(n=len(vds)))
    try:
        write_bed_notices(run, out / "notices", lg)
        write_bed_start_notices(run, out / "notices", lg)
        if not is_day_run(run):  # a day run's "waitlisted" are riders from departure points
            write_text(out / PEOPLE_PAGE, people_html(run, lg))
        write_text(out / "index.html", index_html(run, lg, sheets))
        write_text(out / "summary.md", summary_md(run, lg))
    except Exception:
        if done is not None:
            done()  # the sheets come first in the serial order: their failure, if any, wins
        raise
    if done is not None:
        n, known = done()
        say(cli_lang()._("report: map, {n} driver sheets").format(n=n))
    seal_report(run.root, lg.code, sheets, known=known)  # report.json: what the run vouches for
    return out


SHEET_CHUNKS = 16  # jobs of consecutive days: the verifier's worker takes some once it is done; a
# chunk is about 0.35 CPU s on puglia-2027, so the workers end within about that of each other


def sheets_beside(
    run: RunData, out: Path, lg: Lang, fresh: bool = False
) -> Callable[[], tuple[int, dict[str, str]]] | None:
    """The driver sheets put on the lent pool (core/procs.lent_pool), days in chunks; returns
    a wait for them that gives the number of sheets and their files' sha256 (sheets_job), or
    raises the first chunk's failure in date order once none is left writing. None: no pool
    lent (write them here). `fresh`: as write_sheets'."""
    pool = lent_pool()
    if pool is None:
        return None
    by_day = sheet_days(run)
    data = pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL)
    held = contextlib.ExitStack()  # the run, held for the jobs until they have all ended
    shared = held.enter_context(shared_bytes(f"{os.getpid()}:{next(_RUNS_SENT)}", data))
    jobs = [
        submit(
            pool,
            sheets_job,
            SheetsJob(run=shared, lang=lg.code, out=out, days=days, fresh=fresh),
        )
        for days in sheet_chunks(by_day, SHEET_CHUNKS)
    ]

    def done() -> tuple[int, dict[str, str]]:
        n, hashes = 0, {}
        with held:
            for sheets, files in results(jobs, "report/drivers"):  # a dead worker: by folder
                n += sheets
                hashes.update(files)
        return n, hashes

    return done


_RUNS_SENT = itertools.count()
