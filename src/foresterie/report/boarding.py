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
from foresterie.report.rundata import RunData
from foresterie.report.sheets import SHEET_CSS, VehicleDay, vehicle_days

BOARDING_CSS = """
td.qr svg { width: 22mm; height: 22mm; display: block; }
td.box { width: 14mm; } td.time { width: 20mm; }
"""


# The QR data mask: fixed rather than chosen by segno's evaluation of all eight (ISO/IEC 18004
# allows any; scanners read each): the evaluation took 4/5 of a busy day's boarding lists' time.
QR_MASK = 0


@functools.cache  # a rider rides out and back: one code per id and run
def qr_svg(worker_id: str) -> str:
    """The worker's pseudonymous id as an inline SVG QR code (deterministic bytes)."""
    code = segno.make(worker_id, error="m", micro=False, mask=QR_MASK)
    return str(code.svg_inline(scale=2, border=2))


def write_boarding_sheets(run: RunData, out: Path) -> list[Path]:
    """report/boarding/DAY/VEHICLE.html and .csv for every vehicle-day of the run."""
    written = []
    for vd in vehicle_days(run):
        folder = out / "boarding" / vd.day
        html, table = boarding_list(vd)
        html_path = folder / f"{vd.vehicle_id}.html"
        write_text(html_path, html)
        csv_path = folder / f"{vd.vehicle_id}.csv"
        write_text(csv_path, table)
        written += [html_path, csv_path]
    return written


def boarding_list(vd: VehicleDay) -> tuple[str, str]:
    """One vehicle-day's boarding list: (printable HTML, importable CSV); that trip's ids only."""
    rows: list[list[str]] = []
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{escape(vd.vehicle_id)} {escape(vd.day)}</title>",
        f"<style>{SHEET_CSS}{BOARDING_CSS}</style></head><body>",
        f"<h1>Boarding list: {escape(vd.vehicle_id)}, {escape(vd.day)}</h1>",
        f"<p class='meta'>Based at {escape(vd.foresteria_id)}. Tick each rider who boards "
        "and write the time, or scan their code. Ids are pseudonymous.</p>",
    ]
    for t in vd.trips:
        way = "to the farms" if t.direction == "to_farm" else "back"
        parts.append(
            f"<div class='trip'><h2>{escape(t.trip_id)} ({way}), departs "
            f"{escape(t.depart)}</h2><table><tr><th>stop</th><th>rider</th><th>code</th>"
            "<th>boarded</th><th>time</th></tr>"
        )
        for s in t.stops:  # out: everyone boards at the foresteria; back: at the farm
            where = (
                f"{vd.foresteria_id} -> {s.farm_id}"
                if t.direction == "to_farm"
                else f"{s.farm_id} -> {vd.foresteria_id}"
            )
            parts += [_row(where, wid) for wid in s.worker_ids]
        parts.append("</table></div>")
        rows += [[vd.day, vd.vehicle_id, wid, "", ""] for s in t.stops for wid in s.worker_ids]
    parts.append("</body></html>\n")
    table = csv_text(rows, ["date", "vehicle_id", "worker_id", "boarded", "time"])
    return "".join(parts), table


def _row(where: str, worker_id: str) -> str:
    return (
        f"<tr><td>{escape(where)}</td><td>{escape(worker_id)}</td>"
        f"<td class='qr'>{qr_svg(worker_id)}</td><td class='box'>&#9744;</td>"
        "<td class='time'></td></tr>"
    )
