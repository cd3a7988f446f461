"""The run report: report/index.html and summary.md, with the map and the driver sheets.

Figures are read from the manifest (KPIs) and the plan files, never recomputed a third way. The
charts are inline SVG written here (no plotting library, no script), so the page is small,
prints well and gives the same bytes for the same plan.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

from foresterie.core.files import fresh_dir, write_text
from foresterie.report.maps import plan_map
from foresterie.report.rundata import RunData, load_run
from foresterie.report.sheets import write_sheets

SECTION_COLOURS = {"men": "#1f77b4", "women": "#d62728", "family": "#ff7f0e"}
CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 6px 0; } td, th { border: 1px solid #ccc; padding: 2px 8px; }
td.n { text-align: right; } .grid { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { border: 1px solid #eee; padding: 6px; } .chart h3 { font-size: 14px; margin: 2px 0; }
.note { color: #555; font-size: 12px; } svg text { font: 10px sans-serif; }
.days a { display: inline-block; min-width: 44px; }
"""

Say = Callable[[str], None]
FLEET_SHORT_HEADER = [
    "foresteria",
    "week of",
    "days short",
    "most vehicles needed",
    "largest gap",
    "riders unserved",
]
UNSERVED_HEADER = ["foresteria", "reason", "proven", "rider-trips", "days"]


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


def bars_svg(bars: list[Bar], colours: dict[str, str], height: int = 150, bar_w: int = 12) -> str:
    """A stacked bar chart with an optional capacity mark per bar, as a standalone <svg>."""
    top = max([sum(v for _, v in b.parts) for b in bars] + [b.limit or 0 for b in bars] + [1])
    pad_l, pad_b, gap = 34, 34, 2
    width = pad_l + len(bars) * (bar_w + gap) + 8
    scale = (height - 10) / top
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + pad_b}' "
        f"role='img'>"
    ]
    for frac in (0, 0.5, 1):
        y = height - round(frac * top * scale)
        out.append(
            f"<line x1='{pad_l - 3}' x2='{width}' y1='{y}' y2='{y}' stroke='#eee'/>"
            f"<text x='{pad_l - 5}' y='{y + 3}' text-anchor='end'>{round(frac * top)}</text>"
        )
    step = max(1, len(bars) // 12)
    for i, b in enumerate(bars):
        x = pad_l + i * (bar_w + gap)
        y = height
        title = escape(
            f"{b.label}: "
            + ", ".join(f"{s} {v}" for s, v in b.parts)
            + (f"; capacity {b.limit}" if b.limit is not None else "")
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
                f"<text x='{x}' y='{height + 12}' transform='rotate(45 {x} {height + 12})'>"
                f"{escape(b.label[5:])}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _week(night: str) -> str:
    d = date.fromisoformat(night)
    return (d - timedelta(days=d.weekday())).isoformat()


def occupancy_bars(run: RunData) -> dict[str, list[Bar]]:
    """Per foresteria and week: the busiest night's guests by section, against its beds."""
    nights: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    for fid, night, section, beds, used in run.occupancy:
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


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{escape(str(c))}</td>"
            if isinstance(c, int | float)
            else f"<td>{escape(str(c))}</td>"
            for c in r
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def waitlist_rows(run: RunData) -> list[list[Any]]:
    c: Counter[tuple[str, str, str]] = Counter(
        (w["code"], w["priority"], w["proven"]) for w in run.waitlist
    )
    return [[code, prio, proven, n] for (code, prio, proven), n in sorted(c.items())]


def unserved_rows(run: RunData) -> list[list[Any]]:
    """Rider-trips left unserved per foresteria and kind of reason (the text before ':')."""
    riders: Counter[tuple[str, str, str]] = Counter()
    days: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for u in run.unserved:
        key = (u.foresteria_id, u.reason.split(":")[0], "yes" if u.proven else "no")
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
    """Per foresteria and week: days short of vehicles, the largest gap, riders unserved."""
    acc: dict[tuple[str, str], list[int]] = {}
    for f in run.fleet_days:
        if f.short_riders:
            a = acc.setdefault((f.foresteria_id, _week(f.day)), [0, 0, 0, 0])
            a[0] += 1
            a[1] = max(a[1], f.needed)
            a[2] = max(a[2], f.needed - f.available)
            a[3] += f.short_riders
    return [[fid, wk, *a] for (fid, wk), a in sorted(acc.items(), key=lambda x: (x[0][1], x[0][0]))]


def summary_sections(run: RunData) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(title, header, rows) of the shortage, waitlist and unserved tables (HTML and Markdown)."""
    short_fleet = fleet_short_rows(run)
    return [
        (
            "Beds: people waitlisted for lack of a bed, by section and arrival week",
            ["section", "week of", "people"],
            beds_short_rows(run),
        ),
        (
            f"Vehicles: {sum(r[2] for r in short_fleet)} foresteria-days short, by week",
            FLEET_SHORT_HEADER,
            short_fleet,
        ),
        ("Waitlist", ["reason code", "priority", "proven", "people"], waitlist_rows(run)),
        ("Unserved rides", UNSERVED_HEADER, unserved_rows(run)),
    ]


def index_html(run: RunData) -> str:
    m = run.manifest
    sc = run.scenario
    kpi_tables = "".join(
        f"<table><tr><th colspan='2'>{escape(part)}</th></tr>"
        + "".join(
            f"<tr><td>{escape(k.replace('_', ' '))}</td><td class='n' "
            f"data-kpi='{escape(part)}.{escape(k)}'>{escape(str(v))}</td></tr>"
            for k, v in _flat(kpis)
        )
        + "</table>"
        for part, kpis in m["kpis"].items()
    )
    homes = {f.id: f for f in sc.foresterie}
    occ = "".join(
        f"<div class='chart' data-foresteria='{escape(fid)}'><h3>{escape(homes[fid].name)} "
        f"({escape(fid)})</h3>{bars_svg(bars, SECTION_COLOURS)}</div>"
        for fid, bars in occupancy_bars(run).items()
    )
    legend = " ".join(f"<span style='color:{c}'>■</span> {s}" for s, c in SECTION_COLOURS.items())
    days = sorted({t.day for t in run.trips if t.vehicle_id})
    day_links = " ".join(
        f"<a href='drivers/{escape(d)}/index.html'>{escape(d[5:])}</a>" for d in days
    )
    tiers = _table(
        ["tier", "objective", "bound", "proven optimal", "how"],
        [
            [
                t["name"],
                t["objective"],
                t["bound"],
                "yes" if t["optimal"] else "no",
                t.get("proof", "").replace("_", " "),
            ]
            for t in m["housing"]["tiers"]
        ],
    )
    sections = summary_sections(run)
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(sc.name)}: plan report</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(sc.name)}: housing and shuttle plan</h1>",
        f"<p class='note'>Scenario hash {escape(m['scenario']['hash'][:16])} · seed {escape(str(m['seed']))} · "
        f"travel backend {escape(m['scenario']['travel_backend'])} · foresterie "
        f"{escape(m['versions']['foresterie'])} · verified by the independent checker before "
        "publication</p>",
        "<p><a href='map.html'>Map of the shuttles (pick a day)</a> · "
        "<a href='summary.md'>summary.md</a> · <a href='../plan/'>plan files</a></p>",
        "<h2>Key figures</h2><p class='note'>From manifest.json; formulas in the README.</p>",
        f"<div class='grid'>{kpi_tables}</div>",
        "<h2>Occupancy per week</h2>",
        f"<p class='note'>Guests on each week's busiest night, stacked by section ({legend}); "
        "the black mark is the beds.</p>",
        f"<div class='grid'>{occ}</div>",
        "<h2>Vehicles per day</h2>",
        "<p class='note'>Vehicles used per day (all foresterie); black mark: vehicles available; "
        "red: a day on which riders were left unserved for want of vehicles.</p>",
        f"<div class='chart' id='vehicles'>{bars_svg(vehicle_bars(run), {'used': '#455a64'}, bar_w=4)}</div>",
        "<h2>What is short: beds, vehicles, waitlist, unserved rides</h2>",
        *(f"<h3>{escape(title)}</h3>{_table(header, rows)}" for title, header, rows in sections),
        "<p class='note'>Each person's waitlist reason is in plan/waitlist.csv.</p>",
        "<h2>Housing solver</h2>",
        tiers,
        "<h2>Driver sheets</h2>",
        f"<p class='days'>{day_links}</p>",
        "</body></html>\n",
    ]
    return "\n".join(parts)


MD_SPECIAL = re.compile(r"([\\`*\[\]<>#!|])")  # markup, links, inline HTML, tables


def md_text(value: Any) -> str:
    """Plain text for Markdown: every character a renderer could read as markup or HTML is
    escaped, so a name like `<img onerror=...>` or `[x](javascript:...)` stays text."""
    return MD_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(md_text(c) for c in r) + " |" for r in rows])


def summary_md(run: RunData) -> str:
    m = run.manifest
    return (
        "\n\n".join(
            [
                f"# {md_text(run.scenario.name)}: plan summary",
                f"Scenario hash {md_text(m['scenario']['hash'][:16])}, seed {md_text(m['seed'])}, "
                f"travel backend {md_text(m['scenario']['travel_backend'])}. Verified before "
                "publication.",
                "## Key figures",
                _md_table(["KPI", "value"], [[k, v] for k, v in _flat(m["kpis"])]),
                *(
                    f"## {md_text(title)}\n\n{_md_table(header, rows)}"
                    for title, header, rows in summary_sections(run)
                ),
            ]
        )
        + "\n"
    )


def write_report(run: RunData | Path, say: Say | None = None, sheets: bool = True) -> Path:
    """Write report/ (index.html, summary.md, map.html, drivers/) for a run folder."""
    say = say or (lambda _: None)
    if isinstance(run, Path):
        run = load_run(run)
    final = run.root / "report"  # a planted link here is replaced, never followed
    with fresh_dir(final) as out:  # built aside, then swapped in whole: never half a report
        write_text(out / "map.html", plan_map(run))
        if sheets:
            vds = write_sheets(run, out / "drivers")
            say(f"report: map, {len(vds)} driver sheets")
        write_text(out / "index.html", index_html(run))
        write_text(out / "summary.md", summary_md(run))
    return final
