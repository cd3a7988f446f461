"""The monitor's workbook and report page, from a monitor folder's published rows (monitor.csv,
days.csv): plan against actual per ISO week, Italian by default (the gettext catalogue).

Only published cells are read, so small cells stay "<5" here too. The charts are the run
report's inline SVG bars (`html.bars_svg`): a bar per week for the actual, a black mark for the
plan. Every string goes through `html.escape` (page) or `csv_cell` (workbook: text a
spreadsheet would run as a formula is neutralised); numbers are typed as numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from foresterie.core.files import csv_cell, read_inside
from foresterie.core.i18n import N_, Lang
from foresterie.report.html import CSS, SECTION_LABELS, WAITLIST_REASONS, Bar, bars_svg
from foresterie.report.maps import UNSERVED_REASONS
from foresterie.report.page import page_head

MAX_BYTES = 64 << 20
FAMILY_LABELS = {
    "housing": N_("Housing"),
    "transport": N_("Shuttles"),
    "costs": N_("Costs"),
}
INDICATOR_LABELS = {
    "taken_in": N_("people taken in"),
    "turned_away": N_("people turned away"),
    "overflow": N_("nights present without a bed (overflow)"),
    "bed_nights": N_("bed-nights used"),
    "bed_capacity": N_("bed-nights available"),
    "occupancy": N_("bed-night occupancy"),
    "worker_days": N_("worker-days transported"),
    "unserved": N_("worker-days left without a round trip"),
    "no_shows": N_("no-shows (riders on the lists who did not board)"),
    "no_show_rate": N_("no-show rate"),
    "wait_on_board": N_("waiting on board at stops"),
    "wait_on_board_mean": N_("waiting on board per ride"),
    "cost": N_("transport cost"),
    "cost_per_worker_day": N_("cost per worker-day"),
    "caporale_fees_avoided": N_("gangmaster fees avoided"),
}
FAMILY_OF = {
    **dict.fromkeys(
        ("taken_in", "turned_away", "overflow", "bed_nights", "bed_capacity", "occupancy"),
        "housing",
    ),
    **dict.fromkeys(
        (
            "worker_days",
            "unserved",
            "no_shows",
            "no_show_rate",
            "wait_on_board",
            "wait_on_board_mean",
        ),
        "transport",
    ),
    **dict.fromkeys(("cost", "cost_per_worker_day", "caporale_fees_avoided"), "costs"),
}
UNIT_LABELS = {
    "people": N_("people"),
    "person-nights": N_("person-nights"),
    "bed-nights": N_("bed-nights"),
    "pct": "%",
    "worker-days": N_("worker-days"),
    "rider-minutes": N_("rider-minutes"),
    "minutes": N_("minutes"),
    "eur": "€",
    "eur/worker-day": N_("€ per worker-day"),
}
SOURCE_LABELS = {
    "ledger": N_("ledger"),
    "day_run": N_("day runs"),
    "plan": N_("season plan"),
    "none": N_("not recorded"),
}
HEADER = [
    N_("week"),
    N_("indicator"),
    N_("breakdown"),
    N_("plan"),
    N_("actual"),
    N_("unit"),
    N_("source"),
]
NOTES = [
    N_(
        "Plan: the season run's figures for each week. Actual: what the ledger and the day runs "
        "say happened."
    ),
    N_(
        "People taken in: people whose first night in a bed falls in the week, by foresteria, "
        "section, with a work contract, referred by the anti-exploitation system (priority 3: "
        "plan figures only, as the actual would tell an office which person it did not check in "
        "is referred); actual: nights present by the check-ins (arrivals, departures, absences; "
        "a driver's boarding row stands for an arrival no check-in records) in a bed of the "
        "plan; a foresteria whose office has recorded no arrival yet counts its guests as "
        "planned."
    ),
    N_(
        "People turned away: the season plan's waitlist by reason, in the week of the requested "
        "arrival; the ledger records no refusals, so the actual is the plan's."
    ),
    N_(
        "Overflow: nights of people present without a bed where the plan expects them nowhere. "
        "Plan: the nights of housed people's stays without a bed. Actual, night by night: "
        "housed people on their nights without a bed on which they are present; the waitlisted "
        "only on the nights a check-in shows them present or that day's boarding list has them "
        "aboard, never after the day the ledger is read up to. People with a departure point "
        "board there on the nights of their stay without a bed, where the plan has them: never "
        "overflow on those nights, in plan and actual alike."
    ),
    N_(
        "Bed-night occupancy: bed-nights used over bed-nights available (beds of each open "
        "foresteria, night by night)."
    ),
    N_(
        "Worker-days transported: riders on morning trips. Actual, vehicle by vehicle: a vehicle "
        "whose boarding list of the way out was imported counts the people ticked aboard on it; "
        "every other vehicle counts the riders of its morning trips (the day run's, else the "
        "season plan's), less those a list has aboard another vehicle: each person once. Lists "
        "of the way back alone change nothing."
    ),
    N_(
        "Unserved worker-days by reason, waiting on board and cost (fixed cost per vehicle-day "
        "plus km times cost per km): from the day run of each day where one was published, "
        "else from the season plan."
    ),
    N_(
        "No-shows and no-show rate: people on the drivers' lists who did not board, over "
        "everyone on the lists; only days whose lists were imported."
    ),
    N_(
        "Gangmaster fees avoided: worker-days transported times the caporale's fee per day, a "
        "range from the low to the high fee of the scenario."
    ),
    N_(
        "Source: ledger (recorded), day runs (re-planned each day), season plan (nothing "
        "recorded for those days: the actual is the plan), joined by + where a week or a day "
        "mixes them (ledger+plan: a day with one vehicle's list of two). days.csv gives each "
        "day's sources."
    ),
    N_(
        "Cells of fewer than 5 people in a breakdown (by foresteria, section, reason, contract, "
        "referral) are shown as <5, and so is a foresteria's occupancy then; where such a cell "
        "could be worked out from the others and their total, more cells are shown as *; totals "
        "are kept. No worker id is in any monitor file."
    ),
]


def read_rows(folder: Path, name: str) -> list[dict[str, str]]:
    text = read_inside(folder, name, MAX_BYTES).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def number(text: str) -> int | float | str | None:
    """A published cell as a number where it is one; "<5" stays text, empty is None."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def week_label(week: str, lg: Lang) -> str:
    if week == "season":
        return lg._("season")
    return week


def breakdown_label(br: str, lg: Lang) -> str:
    if not br:
        return lg._("total")
    kind, _, value = br.partition(":")
    if kind == "site":
        return lg._("foresteria {id}").format(id=value)
    if kind == "section":
        return lg._(SECTION_LABELS.get(value, value))
    if kind == "reason":
        known = WAITLIST_REASONS.get(value) or UNSERVED_REASONS.get(value)
        return lg._(known) if known else value
    if kind == "fee":
        return lg._("low fee") if value == "low" else lg._("high fee")
    return {"contract": lg._("with a work contract"), "referred": lg._("referred")}.get(br, br)


def source_label(src: str, lg: Lang) -> str:
    return " + ".join(lg._(SOURCE_LABELS.get(s, s)) for s in src.split("+"))


def _human_row(r: dict[str, str], lg: Lang) -> list[Any]:
    return [
        week_label(r["week"], lg),
        lg._(INDICATOR_LABELS.get(r["indicator"], r["indicator"])),
        breakdown_label(r["breakdown"], lg),
        number(r["plan"]),
        number(r["actual"]),
        lg._(UNIT_LABELS.get(r["unit"], r["unit"])),
        source_label(r["source"], lg),
    ]


def write_xlsx(
    rows: list[dict[str, str]], days: list[dict[str, str]], path: Path, lg: Lang
) -> None:
    """One sheet per indicator family, a notes sheet first and the days' sources last."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    notes = wb.active
    notes.title = lg._("Notes")[:31]
    notes.append([csv_cell(lg._("Season monitoring: plan against actual"))])
    notes["A1"].font = Font(bold=True)
    for n in NOTES:
        notes.append([csv_cell(lg._(n))])
    notes.column_dimensions["A"].width = 140
    for fam in ("housing", "transport", "costs"):
        ws = wb.create_sheet(lg._(FAMILY_LABELS[fam])[:31])
        ws.append([lg._(h) for h in HEADER])
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            if FAMILY_OF.get(r["indicator"]) == fam:
                ws.append([csv_cell(v) if isinstance(v, str) else v for v in _human_row(r, lg)])
                for c in ws[ws.max_row][3:5]:
                    if isinstance(c.value, float):
                        c.number_format = "0.00"
        for col, width in zip("ABCDEFG", (12, 44, 40, 12, 12, 18, 30), strict=True):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
    ws = wb.create_sheet(lg._("Days")[:31])
    ws.append([lg._("day"), lg._("week"), lg._("housing"), lg._("shuttles")])
    for d in days:
        ws.append(
            [
                date.fromisoformat(d["day"]),
                d["week"],
                source_label(d["housing_source"], lg),
                source_label(d["transport_source"], lg),
            ]
        )
        ws.cell(row=ws.max_row, column=1).number_format = "yyyy-mm-dd"
    wb.properties.creator = "foresterie"
    buf = io.BytesIO()
    wb.save(buf)
    stamp = f"{days[0]['day']}T00:00:00Z" if days else "2000-01-01T00:00:00Z"
    path.write_bytes(same_bytes(buf.getvalue(), stamp))


DCTERMS_DATE = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def same_bytes(xlsx: bytes, stamp: str) -> bytes:
    """The workbook with its clock readings replaced (the document's created and modified
    dates, every zip entry's time), so the same figures give the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = DCTERMS_DATE.sub(rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def _monday(week: str) -> str:
    y, w = week.split("-W")
    return date.fromisocalendar(int(y), int(w), 1).isoformat()


def chart(rows: list[dict[str, str]], indicator: str, lg: Lang) -> str:
    """Weekly bars of the actual with the plan as a black mark, for an indicator's total (the
    fees avoided: the low end of the range)."""
    bars = []
    shown = "fee:low" if indicator == "caporale_fees_avoided" else ""  # the range's low end
    for r in rows:
        if r["indicator"] != indicator or r["breakdown"] != shown or r["week"] == "season":
            continue
        actual, plan = number(r["actual"]), number(r["plan"])
        a = round(actual) if isinstance(actual, int | float) else 0
        p = round(plan) if isinstance(plan, int | float) else None
        bars.append(Bar(_monday(r["week"]), (("actual", a),), p))
    names = {"actual": lg._("actual")}
    return bars_svg(bars, {"actual": "#1565c0"}, lg, names, bar_w=18, limit_label=lg._("plan {n}"))


def _figure_row(r: dict[str, str], lg: Lang) -> str:
    """A figure for people, with its published cell in `data-v` and its key in `data-row`
    (`monitor --verify` reads both and checks the number shown)."""
    key = ",".join((r["week"], r["indicator"], r["breakdown"]))
    cells = []
    for k, v in enumerate(_human_row(r, lg)):
        if k in (3, 4):
            raw = r["plan" if k == 3 else "actual"]
            text = (
                lg.num(v) if isinstance(v, int) else lg.num(v, 2) if isinstance(v, float) else raw
            )
            cells.append(f"<td class='n' data-v='{escape(raw)}'>{escape(text)}</td>")
        else:
            cells.append(f"<td>{escape(str(v))}</td>")
    return f"<tr data-row='{escape(key)}'>" + "".join(cells) + "</tr>"


def monitor_html(rows: list[dict[str, str]], meta: dict[str, Any], lg: Lang) -> str:
    _ = lg._
    title = _("{name}: season monitoring, plan against actual").format(name=meta["season"])
    note = _(
        "Season run {run} · ledger of {rows} rows, head {head}, read up to {as_of} · {days} "
        "day runs · every figure recomputed by `foresterie monitor --verify`"
    ).format(
        as_of=lg.date(meta["as_of"]),
        run=meta["run_sha256"][:12],
        rows=meta["ledger_rows"],
        head=meta["ledger_head"][:12],
        days=meta["day_runs"],
    )
    parts = [
        page_head(code=lg.code, direction=lg.dir, title=title, css=CSS),
        f"<h1>{escape(title)}</h1>",
        f"<p class='note'>{escape(note)}</p>",
        *(
            [
                "<p class='note closed'>"
                + escape(
                    _(
                        "The weeks before {day} were closed by a retention purge: their "
                        "worker-level data is gone, so they and the season's total are not "
                        "recomputed here; the monitor published before the purge holds them."
                    ).format(day=lg.date(meta["closed_before"]))
                )
                + "</p>"
            ]
            if meta.get("closed_before")
            else []
        ),
        "<p class='note'>"
        + escape(_("Bars: actual per ISO week; black mark: the plan."))
        + " <a href='monitor.xlsx'>monitor.xlsx</a> · <a href='monitor.csv'>monitor.csv</a> · "
        "<a href='days.csv'>days.csv</a></p>",
    ]
    for fam in ("housing", "transport", "costs"):
        parts.append(f"<h2>{escape(_(FAMILY_LABELS[fam]))}</h2><div class='grid'>")
        for ind, f in FAMILY_OF.items():
            if f != fam or ind == "bed_capacity":
                continue
            unit = next((r["unit"] for r in rows if r["indicator"] == ind), "")
            parts.append(
                f"<div class='chart' data-indicator='{escape(ind)}'><h3>"
                f"{escape(_(INDICATOR_LABELS[ind]))} ({escape(_(UNIT_LABELS.get(unit, unit)))})"
                f"</h3>{chart(rows, ind, lg)}</div>"
            )
        parts.append("</div>")
        head = "".join(f"<th>{escape(_(h))}</th>" for h in HEADER)
        body = "".join(_figure_row(r, lg) for r in rows if FAMILY_OF.get(r["indicator"]) == fam)
        parts.append(
            f"<details><summary>{escape(_('All figures, week by week'))}</summary>"
            f"<div class='wide'><table><tr>{head}</tr>{body}</table></div></details>"
        )
    parts.append(f"<h2>{escape(_('Notes'))}</h2><ul>")
    parts += [f"<li>{escape(_(n))}</li>" for n in NOTES]
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)
