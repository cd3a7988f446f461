"""Boarding lists for a day run: per vehicle, every rider of every trip with a box to tick, a
time to write and a QR code of the pseudonymous id (a phone scanner records id and time), plus
the same list as a CSV the driver fills in and the operator imports with `foresterie ledger
import` (columns date, vehicle_id, worker_id, boarded, time)."""

from __future__ import annotations

import functools
from html import escape
from pathlib import Path

import segno

from foresterie.core.files import csv_text, write_text
from foresterie.core.i18n import N_, Lang, lang
from foresterie.report.notices import heat_alert_text
from foresterie.report.page import page_head
from foresterie.report.rundata import RunData, place_of
from foresterie.report.sheets import SHEET_CSS, VehicleDay, vehicle_days

# On paper a list runs on from page to page: a trip's table may break between rows (never inside
# one), its heading stays with its first rows and its header row repeats on each page (a driver
# sheet's trip keeps whole: it has a few stops; a boarding list's trip has a row per rider); on a
# phone the header row is left out, as on a sheet, and every rider's row is a block. A 15 mm
# code still scans at 150 dpi (zbarimg) and lets about 14 rows fit on an A4 page.
BOARDING_CSS = """
td.qr svg { width: 15mm; height: 15mm; display: block; }
td.box { width: 14mm; } td.time { width: 20mm; }
.trip { page-break-inside: auto; break-inside: auto; }
.trip h2 { page-break-after: avoid; break-after: avoid; }
.trip tr { page-break-inside: avoid; break-inside: avoid; }
@media print { .trip thead { display: table-header-group; } }
@media screen and (max-width: 640px) {
  .trip thead { display: none; }
  .trip tbody tr:first-child { display: flex; }
}
"""


# The QR data mask: fixed rather than chosen by segno's evaluation of all eight (ISO/IEC 18004
# allows any; scanners read each): the evaluation took 4/5 of a busy day's boarding lists' time.
QR_MASK = 0


@functools.cache  # a rider rides out and back: one code per id and run
def qr_svg(worker_id: str) -> str:
    """The worker's pseudonymous id as an inline SVG QR code (deterministic bytes)."""
    code = segno.make(worker_id, error="m", micro=False, mask=QR_MASK)
    return str(code.svg_inline(scale=2, border=2))


def write_boarding_sheets(run: RunData, out: Path, lg: Lang | None = None) -> list[Path]:
    """report/boarding/DAY/VEHICLE.html and .csv for every vehicle-day of the run; the pages
    in `lg` (default: the scenario's `[report] lang`)."""
    lg = lg or lang(run.scenario.config.report.lang)
    written = []
    for vd in vehicle_days(run):
        folder = out / "boarding" / vd.day
        html, table = boarding_list(run, vd, lg)
        html_path = folder / f"{vd.vehicle_id}.html"
        write_text(html_path, html)
        csv_path = folder / f"{vd.vehicle_id}.csv"
        write_text(csv_path, table)
        written += [html_path, csv_path]
    return written


def boarding_list(run: RunData, vd: VehicleDay, lg: Lang) -> tuple[str, str]:
    """One vehicle-day's boarding list: (printable HTML in `lg`, importable CSV); that trip's
    ids only. Each rider's row says where they board and get off, and when the vehicle leaves
    the place where they board: on a trip from a departure point, they board there, not at the
    base."""
    _ = lg._
    rows: list[list[str]] = []
    title = _("Boarding list: {vehicle}, {day}").format(
        vehicle=vd.vehicle_id, day=lg.date(vd.day, "full")
    )
    base = place_of(run.scenario, vd.foresteria_id)
    parts = [
        page_head(code=lg.code, direction=lg.dir, title=title, css=SHEET_CSS + BOARDING_CSS),
        f"<h1>{escape(title)}</h1>",
        "<p class='meta'>"
        + escape(
            _(
                "Based at {base} ({base_id}). Tick each rider who boards and write the time, "
                "or scan their code. Ids are pseudonymous."
            ).format(base=base.name, base_id=base.id)
        )
        + "</p>",
    ]
    heat = heat_alert_text(run, vd.day, lg)  # the banner of the driver sheet (review 16)
    if heat:
        parts.append(f"<p class='heat' id='heat'>{escape(heat)}</p>")
    header = "".join(
        f"<th>{escape(_(h))}</th>"
        for h in (N_("boards → gets off"), N_("rider"), N_("code"), N_("boarded"), N_("time"))
    )
    for t in vd.trips:
        morning = t.direction == "to_farm"
        way = (
            _("to the farms")
            if morning
            else _("back to the departure point")
            if t.origin_id
            else _("back to the foresteria")
        )
        home = t.origin_id or t.foresteria_id  # where the riders board out and get off back
        leaves = t.origin_depart if morning and t.origin_id else t.depart
        heading = _("{trip}: {way}, leaves at {time}").format(trip=t.trip_id, way=way, time=leaves)
        parts.append(
            f"<div class='trip'><h2>{escape(heading)}</h2><div class='wide'><table>"
            f"<thead><tr>{header}</tr></thead><tbody>"
        )
        for s in t.stops:
            where = (
                f"{home} → {s.farm_id} ({s.arrive})"
                if morning
                else f"{s.farm_id} ({s.depart}) → {home}"
            )
            parts += [_row(where, wid) for wid in s.worker_ids]
        parts.append("</tbody></table></div></div>")
        leg = "out" if morning else "back"  # a rider's two rows of the day told apart
        rows += [[vd.day, vd.vehicle_id, leg, wid, "", ""] for s in t.stops for wid in s.worker_ids]
    parts.append("</body></html>\n")
    table = csv_text(rows, ["date", "vehicle_id", "leg", "worker_id", "boarded", "time"])
    return "".join(parts), table


def _row(where: str, worker_id: str) -> str:
    return (
        f"<tr><td>{escape(where)}</td><td>{escape(worker_id)}</td>"
        f"<td class='qr'>{qr_svg(worker_id)}</td><td class='box'>&#9744;</td>"
        "<td class='time'></td></tr>"
    )
