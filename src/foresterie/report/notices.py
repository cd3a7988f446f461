"""Worker notices: a printable slip per rider and departure, in the rider's own language.

Per vehicle and day, one A4 page of slips to cut and hand out the evening before: for each
morning trip of the vehicle and each rider on it, when and where to board, the vehicle, the farm,
the ride back (vehicle, pick-up time, time home), and where to call if anyone asks for money. A slip carries the pseudonymous worker id
only, never a name. Its language is the worker's `lang` (workers.csv), else the scenario's
`[report] lang`; Arabic slips are laid out right to left (`dir="rtl"`). Every value that is not
the slip's own words (times, ids, the helpline's number, the names of places and farms) sits
in its own <bdi>, so the Unicode bidi algorithm cannot carry its parentheses, commas or dots
across to the Arabic text around it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from foresterie.core.i18n import Lang, lang
from foresterie.report.rundata import RunData, StopRow, TripRow, place_of

if TYPE_CHECKING:
    from foresterie.report.sheets import VehicleDay

# The national anti-trafficking helpline (Numero Verde Antitratta): free, open 24 hours; it takes
# reports of exploitation and refers people to protection (DOMAIN.md, "Related channel"). The slip
# points to it and to nothing else: the planner holds no exploitation flags of its own.
HELPLINE = "800 290 290"

NOTICE_CSS = """
@page { size: A4; margin: 10mm; }
body { font: 11pt/1.35 system-ui, 'Noto Sans', 'Noto Sans Arabic', sans-serif; margin: 0 auto;
  max-width: 190mm; color: #000; }
h1 { font-size: 13pt; margin: 0 0 3mm; }
.slips { display: grid; grid-template-columns: 1fr 1fr; gap: 0; }
.slip { border: 1px dashed #666; padding: 3mm 4mm; page-break-inside: avoid; break-inside: avoid; }
.slip h2 { font-size: 12pt; margin: 0 0 1mm; }
.slip .id { font: bold 13pt monospace; }
.slip dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 3mm; margin: 1mm 0; }
.slip dt { color: #333; } .slip dd { margin: 0; font-weight: 600; }
.slip .heat { font-weight: bold; margin: 1mm 0; }
.slip .free { font-size: 9.5pt; border-top: 1px solid #bbb; padding-top: 1mm; margin: 1mm 0 0; }
@media screen { body { padding: 6mm; } }
"""


@dataclass(frozen=True, kw_only=True)
class Ride:
    trip: TripRow
    stop: StopRow


def riders_by_day(run: RunData, day: str) -> dict[str, list[Ride]]:
    """worker id -> the rides of that day (trip and the farm stop), in departure order."""
    out: dict[str, list[Ride]] = defaultdict(list)
    todays = [t for t in run.trips if t.day == day]
    for t in sorted(todays, key=lambda t: (t.depart_min, t.trip_id)):
        for s in t.stops:
            for wid in s.worker_ids:
                out[wid].append(Ride(trip=t, stop=s))
    return out


def heat_alert_text(run: RunData, day: str, lg: Lang) -> str:
    """On a heat-alert day (`[transport] heat_alert_days`), the sentence that says field work
    stops early by ordinance (the rides back are planned for it); else empty."""
    t = run.scenario.config.transport
    if day not in {d.isoformat() for d in t.heat_alert_days}:
        return ""
    return lg._("Heat alert: by regional ordinance, field work stops at {time} today.").format(
        time=t.heat_alert_shift_end
    )


def _bdi(text: str) -> str:
    return f"<bdi>{escape(text)}</bdi>"


def _fill(template: str, **html: str) -> str:
    """A translated template, escaped, with its {placeholders} replaced by HTML fragments."""
    out = escape(template)
    for k, v in html.items():
        out = out.replace("{" + k + "}", v)
    return out


def slip_html(
    run: RunData, worker_id: str, ride: Ride, back: Ride | None, lg: Lang, page_lang: Lang
) -> str:
    """One slip, in the worker's language `lg`."""
    _ = lg._
    sc = run.scenario
    # where the rider boards: the trip's departure point, else its base (a foresteria)
    home = place_of(sc, ride.trip.origin_id or ride.trip.foresteria_id)
    depart = ride.trip.origin_depart if ride.trip.origin_id else ride.trip.depart
    farm = next((f for f in sc.farms if f.id == ride.stop.farm_id), None)
    farm_name = f"{farm.name}, {farm.comune}" if farm else ride.stop.farm_id
    rows = [
        (_("Date"), escape(lg.date(ride.trip.day, "full"))),
        (_("Departure"), _bdi(depart)),
        (_("From"), _bdi(f"{home.name}, {home.comune}")),
        (_("Vehicle"), _bdi(ride.trip.vehicle_id)),
        (_("To"), _bdi(farm_name) + " · " + _bdi(ride.stop.arrive)),
    ]
    if back is not None:
        end = place_of(sc, back.trip.origin_id or back.trip.foresteria_id)
        ret = _fill(
            _("vehicle {vehicle} at {time}; back at {place} by {back}"),
            vehicle=_bdi(back.trip.vehicle_id),
            time=_bdi(back.stop.arrive),
            place=_bdi(end.name),
            back=_bdi(back.trip.origin_return if back.trip.origin_id else back.trip.ret),
        )
        rows.append((_("Return"), ret))
    else:
        rows.append((_("Return"), escape(_("no return ride planned: ask the foresteria staff"))))
    attrs = f" lang='{lg.code}'" if lg.code != page_lang.code else ""
    return (
        f"<section class='slip'{attrs} dir='{lg.dir}' data-worker='{escape(worker_id)}' "
        f"data-trip='{escape(ride.trip.trip_id)}'>"
        f"<h2>{escape(_('Your shuttle to work'))}</h2>"
        f"<div class='id'>{_bdi(worker_id)}</div><dl>"
        + "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
        + "</dl>"
        + (
            "<p class='heat'>"
            + _fill(
                _("Heat alert: by regional ordinance, field work stops at {time} today."),
                time=_bdi(run.scenario.config.transport.heat_alert_shift_end),
            )
            + "</p>"
            if heat_alert_text(run, ride.trip.day, lg)
            else ""
        )
        + "<p class='free'>"
        + escape(
            _(
                "Be there 5 minutes early. The ride is free: nobody may ask you for money "
                "for it or for your job."
            )
        )
        + " "
        + _fill(
            _(
                "If anyone asks you for money or threatens you, call the anti-trafficking "
                "helpline {phone} (free, 24 hours a day)."
            ),
            phone=f"<strong class='helpline'>{_bdi(HELPLINE)}</strong>",
        )
        + "</p></section>"
    )


def notices_html(run: RunData, vd: VehicleDay, rides: dict[str, list[Ride]], lg: Lang) -> str:
    """The vehicle-day's slips: one per rider of each of its morning trips."""
    workers = {w.id: w for w in run.scenario.workers}
    slips = []
    for t in vd.trips:
        if t.direction != "to_farm":
            continue
        for s in t.stops:
            for wid in s.worker_ids:
                w = workers.get(wid)
                wl = lang(w.lang) if w is not None and w.lang else lg
                back = next(
                    (
                        r
                        for r in rides.get(wid, [])
                        if r.trip.direction == "to_foresteria" and r.trip.depart_min > t.depart_min
                    ),
                    None,
                )
                slips.append(slip_html(run, wid, Ride(trip=t, stop=s), back, wl, lg))
    title = lg._("Worker notices · vehicle {vehicle} · {day}").format(
        vehicle=vd.vehicle_id, day=lg.date(vd.day, "full")
    )
    return (
        f"<!DOCTYPE html>\n<html lang='{lg.code}' dir='{lg.dir}'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{NOTICE_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><div class='slips'>{''.join(slips)}</div></body></html>\n"
    )
