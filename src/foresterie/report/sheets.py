"""Driver sheets: one printable A4 page and one GPX route file per vehicle and day.

A driver needs, in order: when to leave, each stop with its arrival time, how many people get
on or off there (with their pseudonymous ids, for the roll call), and when to be back. Nothing
personal beyond the pseudonymous worker id is printed.
"""

from __future__ import annotations

import csv
import io
import pickle
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from foresterie.core.files import file_sha256
from foresterie.core.i18n import N_, Lang, lang
from foresterie.core.procs import SharedBytes
from foresterie.core.runfolder import regular_files
from foresterie.report.driving import (
    DAILY_REST_MIN,
    ONE_DRIVER,
    Limits,
    driver_day,
    limits_of,
    previous_day_spans,
    vehicle_rests,
)
from foresterie.report.maps import UNSERVED_REASONS
from foresterie.report.noride import (
    Mornings,
    NoRidePage,
    no_ride_pages,
    notice_langs,
    ride_days,
    write_no_ride,
)
from foresterie.report.notices import (
    HELPLINE,
    BedEnd,
    bed_ends,
    heat_alert_text,
    notices_html,
    riders_by_day,
)
from foresterie.report.page import escape, page_head, write_hashed
from foresterie.report.rundata import Place, RunData, TripRow, lookups, place_of

SHEET_CSS = """
@page { size: A4; margin: 12mm; }
body { font: 11pt/1.4 system-ui, sans-serif; color: #000; margin: 0 auto; max-width: 186mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 12pt; margin: 5mm 0 1mm; }
table { border-collapse: collapse; width: 100%; } .trip { page-break-inside: avoid; }
th, td { border: 1px solid #888; padding: 1mm 2mm; text-align: left; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; } .day td:first-child { white-space: nowrap; }
.ids { font-size: 8.5pt; color: #333; } .id { white-space: nowrap; }
.meta { color: #333; } em.pass { color: #333; font-size: 9pt; }
.tid { color: #555; font-size: 9pt; font-weight: normal; white-space: nowrap; }
.heat { font-weight: bold; border: 2px solid #000; padding: 1mm 2mm; }
.help { margin-top: 4mm; border-top: 1px solid #888; padding-top: 1mm; } .helpline { white-space: nowrap; }
@media screen { body { padding: 8mm; } }
@media screen and (max-width: 640px) {
  body { padding: 4mm; }
  .trip .wide { overflow: visible; }
  .trip table, .trip tbody { display: block; }
  .trip tr:first-child { display: none; }
  .trip tr { display: flex; flex-wrap: wrap; gap: 0 4mm; border: 1px solid #888;
    padding: 1mm 2mm; margin: 0 0 1.5mm; }
  .trip td { border: 0; padding: 0; }
  .trip td:empty { display: none; }
  .trip td:nth-child(2) { flex: 1 1 70%; font-weight: bold; }
  .trip td[data-label]::before { content: attr(data-label) " "; color: #555; font-weight: normal; }
  .trip td.ids { flex-basis: 100%; }
}
"""
# On a phone (max-width 640 px) each stop of a trip is a block: number and place on its first
# line, the times and counts labelled on the next (data-label: the column's header), the ids
# below; printed on A4 and on a wide screen it stays a table.


@dataclass(frozen=True, kw_only=True)
class VehicleDay:
    day: str
    vehicle_id: str
    foresteria_id: str
    trips: tuple[TripRow, ...]

    @property
    def km(self) -> float:
        return round(sum(t.km for t in self.trips), 3)


def vehicle_days(run: RunData) -> list[VehicleDay]:
    """Every vehicle's trips per day, in departure order."""
    grouped: dict[tuple[str, str], list[TripRow]] = defaultdict(list)
    for t in run.trips:
        if t.vehicle_id:
            grouped[t.day, t.vehicle_id].append(t)
    return [
        VehicleDay(
            day=day,
            vehicle_id=vid,
            foresteria_id=trips[0].foresteria_id,
            trips=tuple(sorted(trips, key=lambda t: (t.depart_min, t.trip_id))),
        )
        for (day, vid), trips in sorted(grouped.items())
    ]


def _hours(lg: Lang, minutes: int) -> str:
    _ = lg._
    return _("{h} h {m} min").format(h=lg.num(minutes // 60), m=f"{minutes % 60:02d}")


def driver_day_lines(
    vd: VehicleDay, lg: Lang, limits: Limits = ONE_DRIVER, rest_min: int | None = None
) -> list[str]:
    """What the day asks of its driver (report/driving.py), and a warning where that is more
    than the vehicle's limits (`limits`) allow, or where the rest since the vehicle's last
    return the day before (`rest_min`, None: not on the road that day) is under 11 h."""
    _ = lg._
    day = driver_day(((t.depart, t.ret) for t in vd.trips), limits)
    text = _(
        "Driver's day: {work} on trips, at most {stretch} without a 45-minute break, {spread} "
        "from the first departure to the last return."
    ).format(
        work=_hours(lg, day.work_min),
        stretch=_hours(lg, day.stretch_min),
        spread=_hours(lg, day.spread_min),
    )
    out = [
        f"<p class='driver' id='driver' data-over={quoteattr(' '.join(day.over))}>{escape(text)}</p>"
    ]
    if day.over:
        warn = _(
            "More than one driver may do (EU Regulation 561/2006: 9 h at the wheel a day, 4 h 30 "
            "without a 45-minute break, 13 h from the first departure to the last return): plan a "
            "second driver or a break."
        )
        out.append(f"<p class='heat' id='driver-over'>{escape(warn)}</p>")
    if rest_min is not None and rest_min < DAILY_REST_MIN:
        rest = _(
            "Rest since the vehicle's last return yesterday: {rest}, under 11 h (EU Regulation "
            "561/2006): another driver, or start later."
        ).format(rest=_hours(lg, rest_min))
        out.append(
            f"<p class='heat' id='driver-rest' data-rest-min='{rest_min}'>{escape(rest)}</p>"
        )
    return out


def run_rests(run: RunData) -> dict[tuple[str, str], int]:
    """(vehicle, day) -> its driver's rest since the vehicle's last return the day before, for
    the run's vehicle-days: off the plan's trips, and for a day run off the day before its
    inputs record (report/driving.py `previous_day_spans`: the previous day run, else the season
    plan)."""
    tz = run.scenario.config.scenario.timezone
    return vehicle_rests(run.trips, tz, previous_day_spans(run.root))


def short_rests_html(run: RunData, lg: Lang) -> str:
    """The report index's count of vehicle-days whose driver rested under 11 h since the
    vehicle's last return the day before (their sheets say so), with the shortest; none: empty
    (each day is planned alone: README, fleet.csv)."""
    short = {k: m for k, m in run_rests(run).items() if m < DAILY_REST_MIN}
    if not short:
        return ""
    (vehicle, day), least = min(short.items(), key=lambda kv: (kv[1], kv[0]))
    count = lg.ngettext(
        "{n} vehicle-day starts less than 11 h after its vehicle's last return the day before",
        "{n} vehicle-days start less than 11 h after their vehicle's last return the day before",
        len(short),
    ).format(n=lg.num(len(short)))
    text = lg._(
        "{count} (EU Regulation 561/2006: 11 h of daily rest; 9 h at most three times between "
        "weekly rests, not counted here); the shortest rest {rest}, {vehicle} on {day}. Each day "
        "is planned alone: give such a day another driver, or start later; its sheet says so."
    ).format(count=count, rest=_hours(lg, least), vehicle=vehicle, day=lg.date(day, "full"))
    return f"<p class='note' id='short-rests' data-n='{len(short)}'>{escape(text)}</p>"


def sheet_html(run: RunData, vd: VehicleDay, lg: Lang, rest_min: int | None = None) -> str:
    """A vehicle-day's sheet; `rest_min`: the rest since its last return the day before
    (report/driving.vehicle_rests; None: not on the road that day, or not known)."""
    _ = lg._
    look = lookups(run)
    home = look.place(vd.foresteria_id)
    seats = look.seats.get(vd.vehicle_id, 0)
    farms = look.farms
    points = look.points  # departure points (an origin may be a foresteria)
    words = _sheet_words(lg.code)
    title = _("Vehicle {vehicle} · {day}").format(
        vehicle=vd.vehicle_id, day=lg.date(vd.day, "full")
    )
    meta = _(
        "Base: {base} ({base_id}), {comune} · {seats} · {trips} · {km} km · "
        "first departure {depart}, back by {back}"
    ).format(
        base=home.name,
        base_id=home.id,
        comune=home.comune,
        seats=lg.ngettext("{n} seat", "{n} seats", seats).format(n=lg.num(seats)),
        trips=lg.ngettext("{n} trip", "{n} trips", len(vd.trips)).format(n=lg.num(len(vd.trips))),
        km="\0",
        depart=vd.trips[0].depart,
        back=vd.trips[-1].ret,
    )
    out = [
        page_head(code=lg.code, direction=lg.dir, title=f"{vd.vehicle_id} {vd.day}", css=SHEET_CSS),
        f"<h1>{escape(title)}</h1>",
        "<p class='meta'>"
        + escape(meta).replace("\0", f"<span data-km='{vd.km:.1f}'>{lg.num(vd.km, 1)}</span>")
        + f" · <a href={quoteattr(vd.vehicle_id + '-notices.html')}>"
        + words.notices
        + "</a></p>",
    ]
    heat = heat_alert_text(run, vd.day, lg)
    if heat:
        out.append(f"<p class='heat' id='heat'>{escape(heat)}</p>")
    vehicle = next((v for v in run.scenario.fleet if v.id == vd.vehicle_id), None)
    out += driver_day_lines(vd, lg, limits_of(vehicle), rest_min)
    header = words.header
    l_arrive, l_leave, l_on, l_off, l_ids = words.labels
    home_cell = escape(home.name)
    for n, t in enumerate(vd.trips, start=1):
        where = (
            words.to_farms
            if t.direction == "to_farm"
            else words.to_point
            if t.origin_id in points  # not a foresteria served from a depot
            else words.to_base
        )
        out.append(f"<div class='trip' data-trip={quoteattr(t.trip_id)}>")
        heading = words.heading.format(
            n=lg.num(n), total=lg.num(len(vd.trips)), where=where, time=t.depart
        )
        out.append(
            f"<h2>{escape(heading)} <span class='tid'>{escape(t.trip_id)}</span></h2>"
        )  # the trip's id, as the boarding list and the plan files name it
        out.append(f"<div class='wide'><table><tr>{header}</tr>")
        morning = t.direction == "to_farm"
        point = look.place(t.origin_id) if t.origin_id else None
        load = t.riders if morning and point is None else 0
        out.append(
            f"<tr><td class='n'>0</td><td>{home_cell}</td><td></td>"
            f"<td class='n'{l_leave} data-depart>{escape(t.depart)}</td>"
            f"<td class='n'{l_on}>{load}</td><td class='n'{l_off}>0</td><td></td></tr>"
        )
        if point is not None:  # the departure point, on the way out
            out.append(
                _point_row(
                    point,
                    words.passing,
                    leave=t.origin_depart,
                    on=t.riders if morning else 0,
                    off=0,
                    labels=(l_arrive, l_leave, l_on, l_off),
                )
            )
        for s in t.stops:
            f = farms.get(s.farm_id)
            place = _place_cell(f.name, s.farm_id, f.comune) if f else escape(s.farm_id)
            out.append(
                f"<tr data-stop='{s.seq}'><td class='n'>{s.seq}</td><td>{place}</td>"
                f"<td class='n'{l_arrive} data-arrive>{escape(s.arrive)}</td>"
                f"<td class='n'{l_leave}>{escape(s.depart)}</td>"
                f"<td class='n'{l_on} data-board>{s.board}</td>"
                f"<td class='n'{l_off} data-alight>{s.alight}</td>"
                f"<td class='ids'{l_ids}>{escape(' '.join(s.worker_ids))}</td></tr>"
            )
        if point is not None:  # the departure point, on the way back to the base
            out.append(
                _point_row(
                    point,
                    words.passing,
                    arrive=t.origin_return,
                    on=0,
                    off=0 if morning else t.riders,
                    labels=(l_arrive, l_leave, l_on, l_off),
                )
            )
        unload = t.riders if not morning and point is None else 0
        out.append(
            f"<tr><td class='n'></td><td>{home_cell}</td>"
            f"<td class='n'{l_arrive} data-return>{escape(t.ret)}</td><td></td>"
            f"<td class='n'{l_on}>0</td><td class='n'{l_off}>{unload}</td><td></td></tr>"
        )
        trip_meta = lg.ngettext("{km} km · {n} rider", "{km} km · {n} riders", t.riders).format(
            km=lg.num(t.km, 1), n=lg.num(t.riders)
        )
        out.append(f"</table></div><p class='meta'>{escape(trip_meta)}</p></div>")
    out.append(f"<p class='help' id='helpline'>{driver_helpline_html(lg)}</p>")
    out.append("</body></html>\n")
    return "\n".join(out)


@dataclass(frozen=True, kw_only=True)
class _SheetWords:
    """The words every sheet in one language repeats, translated (and escaped where they go in
    as they are) once."""

    notices: str  # escaped
    header: str  # the stops table's header row's cells
    labels: tuple[str, str, str, str, str]  # data-label attributes: arrive, leave, on, off, ids
    passing: str
    to_farms: str
    to_point: str
    to_base: str
    heading: str


@cache
def _sheet_words(code: str) -> _SheetWords:
    _ = lang(code)._
    heads = (
        "#",
        _("place"),
        _("arrive"),
        _("leave"),
        _("on"),
        _("off"),
        _("riders (pseudonymous ids)"),
    )
    # each numeric cell's header, shown before it when a phone lays a stop out as a block
    l_arrive, l_leave, l_on, l_off, l_ids = (f" data-label={quoteattr(h)}" for h in heads[2:])
    return _SheetWords(
        notices=escape(_("worker notices")),
        header="".join(f"<th>{escape(h)}</th>" for h in heads),
        labels=(l_arrive, l_leave, l_on, l_off, l_ids),
        passing=_("passing through, nobody boards or alights"),
        to_farms=_("to the farms"),
        to_point=_("back to the departure point"),
        to_base=_("back to the foresteria"),
        heading=_("Trip {n} of {total}: {where}, leaving at {time}"),
    )


@lru_cache(maxsize=1 << 12)
def _place_cell(name: str, pid: str, comune: str) -> str:
    """A place's cell: its name (id), comune, escaped."""
    return f"{escape(name)} ({escape(pid)}), {escape(comune)}"


def driver_helpline_html(lg: Lang) -> str:
    """What the driver does if a rider is asked for money, threatened or offered a paid ride:
    the number the riders' slips give, so both say the same (the number kept on one line)."""
    return _driver_helpline_html(lg.code)


@cache
def _driver_helpline_html(code: str) -> str:
    text = escape(
        lang(code)._(
            "If anyone asks a rider for money for the ride or the job, threatens them or offers "
            "them a paid ride: the anti-trafficking helpline {phone} (free, 24 hours a day)."
        )
    )
    return text.replace("{phone}", f"<strong class='helpline'>{escape(HELPLINE)}</strong>")


def _point_row(
    point: Place,
    passing_note: str,
    *,
    arrive: str = "",
    leave: str = "",
    on: int,
    off: int,
    labels: tuple[str, str, str, str],
) -> str:
    """A departure point's row on a trip. Every trip from a point passes it twice (out from the
    base and back to it); where nobody boards or alights the driver reads "passing through"
    and the time, never a blank row."""
    passing = on == 0 and off == 0
    label = _place_cell(point.name, point.id, point.comune)
    if passing:
        label += f" <em class='pass'>{escape(passing_note)}</em>"
    return (
        f"<tr data-point{' data-pass' if passing else ''}><td class='n'></td><td>{label}</td>"
        f"<td class='n'{labels[0]}>{escape(arrive)}</td><td class='n'{labels[1]}>{escape(leave)}"
        f"</td><td class='n'{labels[2]}>{on}</td><td class='n'{labels[3]}>{off}</td><td></td></tr>"
    )


def sheet_gpx(run: RunData, vd: VehicleDay) -> str:
    """GPX 1.1: one <rte> per trip (foresteria, farms in stop order, foresteria); road tracks
    as <trk> when the run has road geometry."""
    look = lookups(run)
    home = look.place(vd.foresteria_id)
    farms = look.farms

    def pt(tag: str, lat: float, lon: float, name: str, desc: str) -> str:
        return (
            f'  <{tag} lat="{lat:.6f}" lon="{lon:.6f}"><name>{xml_escape(name)}</name>'
            f"<desc>{xml_escape(desc)}</desc></{tag}>"
        )

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="foresterie" xmlns="http://www.topografix.com/GPX/1/1">',
        f"<metadata><name>{xml_escape(vd.vehicle_id + ' ' + vd.day)}</name></metadata>",
    ]
    for t in vd.trips:
        lines.append(f"<rte><name>{xml_escape(t.trip_id)}</name>")
        lines.append(pt("rtept", home.lat, home.lon, home.name, f"leave {t.depart}"))
        point = look.place(t.origin_id) if t.origin_id else None
        if point is not None:
            lines.append(pt("rtept", point.lat, point.lon, point.name, f"leave {t.origin_depart}"))
        for s in t.stops:
            f = farms[s.farm_id]
            lines.append(
                pt(
                    "rtept",
                    f.lat,
                    f.lon,
                    f"{s.seq}. {f.name}",
                    f"arrive {s.arrive}, on {s.board}, off {s.alight}",
                )
            )
        if point is not None:
            lines.append(pt("rtept", point.lat, point.lon, point.name, f"at {t.origin_return}"))
        lines.append(pt("rtept", home.lat, home.lon, home.name, f"back {t.ret}"))
        lines.append("</rte>")
        if run.legs:
            ids = t.places
            seg = [
                p for a, b in zip(ids, ids[1:], strict=False) for p in run.legs.get(f"{a}>{b}", [])
            ]
            if seg:
                lines.append(f"<trk><name>{xml_escape(t.trip_id)} (roads)</name><trkseg>")
                lines += [f'  <trkpt lat="{a:.6f}" lon="{b:.6f}"/>' for a, b in seg]
                lines.append("</trkseg></trk>")
    lines.append("</gpx>\n")
    return "\n".join(lines)


def drivers_csv(vds: list[VehicleDay]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "day",
            "vehicle_id",
            "foresteria_id",
            "trip_id",
            "direction",
            "depart",
            "return",
            "stops",
            "riders",
            "km",
            "sheet",
            "gpx",
        ]
    )
    for vd in vds:
        for t in vd.trips:
            w.writerow(
                [
                    vd.day,
                    vd.vehicle_id,
                    vd.foresteria_id,
                    t.trip_id,
                    t.direction,
                    t.depart,
                    t.ret,
                    " ".join(s.farm_id for s in t.stops),
                    t.riders,
                    f"{t.km:.3f}",
                    f"{vd.vehicle_id}.html",
                    f"{vd.vehicle_id}.gpx",
                ]
            )
    return out.getvalue()


def _fleet_rows(run: RunData, day: str, vds: list[VehicleDay]) -> list[list[str]]:
    """Per base of the day: vehicles available, those with trips, those without any (by id), and
    the worker-days left without a ride, so that a vehicle standing idle while people stay
    behind shows on the page the coordinator signs."""
    used = {vd.vehicle_id for vd in vds}
    short: dict[str, int] = defaultdict(int)
    look = lookups(run)
    for f in look.fleet_days_by_day.get(day, []):
        short[f.foresteria_id] += f.short_riders
    bases = sorted({vd.foresteria_id for vd in vds} | set(short))
    rows = []
    for base in bases:
        fleet = sorted(
            v.id
            for v in look.fleet_by_base.get(base, [])
            if v.available_from.isoformat() <= day and day <= v.available_to.isoformat()
        )
        idle = [v for v in fleet if v not in used]
        rows.append(
            [
                base,
                str(len(fleet)),
                str(sum(v in used for v in fleet)),
                " ".join(idle) or "–",
                str(short.get(base, 0)),
            ]
        )
    return rows


def _left_behind_rows(run: RunData, day: str, lg: Lang) -> list[list[str]]:
    """The day's worker-days without a ride: boarding place, farm, count, reason, proven."""
    look = lookups(run)
    farms = look.farms
    rows = []
    for u in sorted(look.unserved_by_day.get(day, []), key=lambda u: (u.foresteria_id, u.farm_id)):
        farm = farms.get(u.farm_id)
        rows.append(
            [
                u.foresteria_id,
                f"{farm.name} ({u.farm_id}), {farm.comune}" if farm else u.farm_id,
                lg.num(u.riders),
                lg._(UNSERVED_REASONS.get(u.code, u.code)),
                lg._("yes") if u.proven else lg._("no"),
            ]
        )
    return rows


def _ids(text: str) -> str:
    """Space-separated ids, each kept on one line (a phone would break FR-SSV-SP01 at its
    hyphens), the line free to wrap between them."""
    return " ".join(f"<span class='id'>{escape(i)}</span>" for i in text.split(" "))


def _html_table(
    header: tuple[str, ...],
    rows: list[list[str]],
    lg: Lang,
    nums: set[int],
    ids: frozenset[int] = frozenset(),
) -> str:
    """A table of the day's page; columns `nums` are numbers, columns `ids` hold ids."""
    head = "".join(f"<th>{escape(lg._(h))}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{escape(c)}</td>"
            if i in nums
            else f"<td>{_ids(c)}</td>"
            if i in ids
            else f"<td>{escape(c)}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<div class='wide'><table class='day'><tr>{head}</tr>{body}</table></div>"


def _no_ride_links(run: RunData, pages: list[NoRidePage], lg: Lang) -> str:
    """The day's no-ride notices, a link per boarding place (by name, as the notice says it)
    with its number of people."""
    links = ", ".join(
        f"<a href={quoteattr(p.href)} data-people='{p.people}'>"
        f"{escape(place_of(run.scenario, p.place_id).name)}</a> ({escape(lg.num(p.people))})"
        for p in pages
    )
    n = sum(p.people for p in pages)
    text = escape(
        lg.ngettext(
            "Notices for the {n} person without a ride, to post or hand out the evening before, "
            "in their languages, per boarding place: {links}.",
            "Notices for the {n} people without a ride, to post or hand out the evening before, "
            "in their languages, per boarding place: {links}.",
            n,
        )
    ).replace("{n}", escape(lg.num(n)))
    return f"<p id='no-ride'>{text.replace('{links}', links)}</p>"


def day_index_html(
    run: RunData,
    day: str,
    vds: list[VehicleDay],
    lg: Lang,
    no_ride: list[NoRidePage] | None = None,
) -> str:
    """The coordinator's page for a day: each vehicle's sheet, then the fleet per base (idle
    vehicles by id) and who is left without a ride, where, and why, with the notices for them
    (`no_ride`: the day's no-ride pages; None: found here)."""
    _ = lg._
    no_ride = no_ride_pages(run).get(day, []) if no_ride is None else no_ride
    rows = "".join(
        f"<tr><td><a href={quoteattr(vd.vehicle_id + '.html')}>{_ids(vd.vehicle_id)}</a></td>"
        f"<td>{_ids(vd.foresteria_id)}</td><td class='n'>{len(vd.trips)}</td>"
        f"<td class='n'>{escape(vd.trips[0].depart)}</td><td class='n'>{escape(vd.trips[-1].ret)}"
        f"</td><td class='n'>{escape(lg.num(vd.km, 1))}</td><td><a href="
        f"{quoteattr(vd.vehicle_id + '.gpx')}>GPX</a></td><td><a href="
        f"{quoteattr(vd.vehicle_id + '-notices.html')}>{escape(_('notices'))}</a></td></tr>"
        for vd in vds
    )
    title = _("Driver sheets, {day}").format(day=lg.date(day, "full"))
    head = "".join(
        f"<th>{escape(_(h))}</th>"
        for h in (
            N_("vehicle"),
            N_("base"),
            N_("trips"),
            N_("leaves"),
            N_("back"),
            N_("km"),
            N_("route"),
            N_("worker notices"),
        )
    )
    fleet = _html_table(
        (
            N_("base"),
            N_("vehicles available"),
            N_("with trips"),
            N_("without trips"),
            N_("worker-days without a ride"),
        ),
        _fleet_rows(run, day, vds),
        lg,
        {1, 2, 4},
        frozenset({0, 3}),
    )
    behind = _left_behind_rows(run, day, lg)
    left = (
        _html_table(
            (N_("boarding at"), N_("farm"), N_("worker-days"), N_("reason"), N_("proven")),
            behind,
            lg,
            {2},
            frozenset({0}),
        )
        + (_no_ride_links(run, no_ride, lg) if no_ride else "")
        + f"<p class='meta'>{escape(_('Their pseudonymous ids are in plan/unserved.csv.'))}</p>"
        if behind
        else f"<p class='meta'>{escape(_('Nobody.'))}</p>"
    )
    return (
        page_head(code=lg.code, direction=lg.dir, title=title, css=SHEET_CSS)
        + f"<h1>{escape(title)}</h1><p><a href='drivers.csv'>drivers.csv</a> · "
        f"<a href='../../map.html#{escape(day)}'>{escape(_('map of the day'))}</a></p>"
        f"<div class='wide'><table><tr>{head}</tr>{rows}</table></div>"
        f"<h2 id='fleet'>{escape(_('Vehicles per base'))}</h2>{fleet}"
        f"<h2 id='left-behind'>{escape(_('Left without a ride'))}</h2>{left}</body></html>\n"
    )


def write_sheets(
    run: RunData,
    out: Path,
    days: list[str] | None = None,
    lg: Lang | None = None,
    fresh: bool = False,
) -> tuple[list[VehicleDay], dict[str, str]]:
    """report/drivers/DAY/{VEHICLE.html, VEHICLE.gpx, VEHICLE-notices.html, drivers.csv,
    index.html, no-ride/PLACE.html}: sheets in `lg` (default the scenario's language), notices
    per worker, and per boarding place for the people without a ride (a day with nobody on the
    road but people left behind gets its folder too). Returns the vehicle-days and the sha256
    of every file written, by path under `out`'s parent (report/: report.json's paths).
    `fresh`: `out` is not there yet, in an unpublished report (page.write_hashed)."""
    lg = lg or lang(run.scenario.config.report.lang)
    by_day = sheet_days(run, days)
    season = SheetSeason.of(run, lg)
    hashes: dict[str, str] = {}
    for day, group in by_day.items():
        written = write_day_sheets(run, season, out, day, group, fresh)
        hashes.update((f"{out.name}/{day}/{rel}", h) for rel, h in written.items())
    return [vd for group in by_day.values() for vd in group], hashes


def sheet_days(run: RunData, days: Collection[str] | None = None) -> dict[str, list[VehicleDay]]:
    """Day -> its vehicle-days, in date order, for every day with a vehicle on the road or
    people left behind (of `days` only, if given): the folders write_sheets writes. Each day's
    folder reads only its day and the season (SheetSeason), so days can be written apart."""
    wanted = None if days is None else set(days)
    by_day: dict[str, list[VehicleDay]] = {
        u.day: [] for u in run.unserved if wanted is None or u.day in wanted
    }
    for vd in vehicle_days(run):
        if wanted is None or vd.day in wanted:
            by_day.setdefault(vd.day, []).append(vd)
    return dict(sorted(by_day.items()))


@dataclass(frozen=True, kw_only=True)
class SheetSeason:
    """What every day's folder reads from the whole season, computed once per run (and per
    process, when days are written in several)."""

    lg: Lang
    beds: dict[str, list[BedEnd]]
    mornings: Mornings
    langs: dict[str, str]
    pages: dict[str, list[NoRidePage]]
    rests: dict[tuple[str, str], int]  # (vehicle, day): rest since the day before's return

    @classmethod
    def of(cls, run: RunData, lg: Lang) -> SheetSeason:
        return cls(
            lg=lg,
            beds=bed_ends(run),
            mornings=ride_days(run),
            langs=notice_langs(run, lg),
            pages=no_ride_pages(run),
            rests=run_rests(run),
        )


def write_day_sheets(
    run: RunData,
    season: SheetSeason,
    out: Path,
    day: str,
    group: list[VehicleDay],
    fresh: bool = False,
) -> dict[str, str]:
    """out/DAY/: the day's sheets, GPX files, notices, no-ride pages, drivers.csv and index.
    Returns the sha256 of each file written, by its path under out/DAY. `fresh`: out/DAY is
    not there yet, in an unpublished report: made here, its files written once each
    (page.write_hashed)."""
    lg, folder = season.lg, out / day
    if fresh:  # out itself may be made at the same time by another worker
        out.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    no_ride = season.pages.get(day, [])
    hashes = write_no_ride(run, folder, no_ride, season.mornings, lg, season.langs, fresh)
    rides = riders_by_day(run, day)
    for vd in group:
        vid = vd.vehicle_id
        rest = season.rests.get((vid, day))
        write_hashed(folder, f"{vid}.html", sheet_html(run, vd, lg, rest), hashes, fresh)
        write_hashed(folder, f"{vid}.gpx", sheet_gpx(run, vd), hashes, fresh)
        notices = notices_html(run, vd, rides, lg, season.beds)
        write_hashed(folder, f"{vid}-notices.html", notices, hashes, fresh)
    write_hashed(folder, "drivers.csv", drivers_csv(group), hashes, fresh)
    index = day_index_html(run, day, group, lg, no_ride)
    write_hashed(folder, "index.html", index, hashes, fresh)
    return hashes


@dataclass(frozen=True, kw_only=True)
class SheetsJob:
    """Some days' folders, written by a worker of a lent pool (core/procs.lent_pool). The run,
    read once by the parent, is pickled once and held for the pool (`run`, core/procs
    .SharedBytes): a worker reads and unpickles it and computes the season's part once per run
    (its key), not once per job. `fresh`: the days' folders are new, in an unpublished report
    (write_day_sheets)."""

    run: SharedBytes
    lang: str
    out: Path
    days: tuple[str, ...]
    fresh: bool = False


_SEASONS: dict[str, tuple[RunData, SheetSeason]] = {}  # this worker's last run read


def sheets_job(job: SheetsJob) -> tuple[int, dict[str, str]]:
    """Write the job's days; returns their number of vehicle-days (sheets) and the sha256 of
    the files now in their folders, by path under report/ (`out`'s parent): report.json's
    hashes, taken in parallel rather than by the seal afterwards."""
    if job.run.key not in _SEASONS:
        run: RunData = pickle.loads(job.run.read())
        _SEASONS.clear()
        _SEASONS[job.run.key] = (run, SheetSeason.of(run, lang(job.lang)))
    run, season = _SEASONS[job.run.key]
    by_day = sheet_days(run, job.days)
    hashes: dict[str, str] = {}
    for day, group in by_day.items():
        written = write_day_sheets(run, season, job.out, day, group, job.fresh)
        if job.fresh:  # the folder holds what was written, nothing else
            hashes.update((f"{job.out.name}/{day}/{rel}", h) for rel, h in written.items())
            continue
        for rel, path in regular_files(job.out / day):  # as report_files lists them
            # a file of an earlier report the day no longer writes: read and hashed
            hashes[f"{job.out.name}/{day}/{rel}"] = written.get(rel) or file_sha256(Path(path))
    return sum(len(group) for group in by_day.values()), hashes


def sheet_chunks(by_day: dict[str, list[VehicleDay]], n: int) -> list[tuple[str, ...]]:
    """The days cut into at most `n` runs of consecutive days of about the same work (a day
    weighs its vehicle-days plus one: its index and no-ride pages)."""
    total = sum(len(g) + 1 for g in by_day.values())
    chunks: list[tuple[str, ...]] = []
    current: list[str] = []
    done = 0
    for day, group in by_day.items():
        current.append(day)
        done += len(group) + 1
        if done * n >= total * (len(chunks) + 1):
            chunks.append(tuple(current))
            current = []
    if current:
        chunks.append(tuple(current))
    return chunks
