"""Worker notices: a printable slip per rider and departure, in the rider's own language.

Per vehicle and day, one A4 page of slips to cut and hand out the evening before: for each
morning trip of the vehicle and each rider on it, when and where to board, the vehicle, the farm,
the ride back (vehicle, pick-up time, time home), and where to call if anyone asks for money. A slip carries the pseudonymous worker id
only, never a name. Its language is the worker's `lang` (workers.csv), else the scenario's
`[report] lang`; Arabic slips are laid out right to left (`dir="rtl"`). Every value that is not
the slip's own words (times, ids, the helpline's number, the names of places and farms) sits
in its own <bdi>, so the Unicode bidi algorithm cannot carry its parentheses, commas or dots
across to the Arabic text around it.

A bed that ends before the person's stay does (the foresteria closes, the bed is released
after days without work, a gap between two foresterie, a transfer; plan/assignments.csv and
plan/uncovered.csv) is told in the person's language: on each of their slips in the
BED_NOTICE_DAYS up to the last night, and on a notice of its own per foresteria
(`report/notices/FORESTERIA-beds.html`, handed out at the desk), which also reaches the people
who have no ride. Nights before a person's first bed (they arrive before it starts: the
foresteria opens later) are told on a notice of the first bed's foresteria
(`report/notices/FORESTERIA-first-bed.html`), for the desk or the case worker to hand over before
the person arrives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache, partial
from typing import TYPE_CHECKING, Protocol, TypeVar

from foresterie.core.i18n import N_, Lang, lang
from foresterie.report.page import escape, page_head
from foresterie.report.rundata import RunData, StopRow, TripRow, lookups, place_of

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
.slip .heat, .slip .bed { font-weight: bold; margin: 1mm 0; }
.slip .bed { border: 2px solid #000; padding: 1mm 2mm; }
.desk { color: #333; margin: 0 0 3mm; }
.slip .free { font-size: 9.5pt; border-top: 1px solid #bbb; padding-top: 1mm; margin: 1mm 0 0; }
.helpline { white-space: nowrap; }
@media screen { body { padding: 6mm; } }
@media screen and (max-width: 560px) { body { padding: 2mm; } .slips { grid-template-columns: 1fr; } }
"""


@dataclass(frozen=True, kw_only=True)
class Ride:
    trip: TripRow
    stop: StopRow


def riders_by_day(run: RunData, day: str) -> dict[str, list[Ride]]:
    """worker id -> the rides of that day (trip and the farm stop), in departure order."""
    out: dict[str, list[Ride]] = defaultdict(list)
    todays = lookups(run).trips_by_day.get(day, [])
    for t in sorted(todays, key=lambda t: (t.depart_min, t.trip_id)):
        for s in t.stops:
            ride = Ride(trip=t, stop=s)  # one for the stop's riders (frozen: shared safely)
            for wid in s.worker_ids:
                out[wid].append(ride)
    return out


# A person's slips say that their bed ends on the rides of the last week before (the last night
# included); the notice of its own is handed out at the desk earlier.
BED_NOTICE_DAYS = 7


@dataclass(frozen=True, kw_only=True)
class BedEnd:
    """A person's bed at `foresteria_id` ends after `last_night`, before their stay does.
    `code`: why (plan/uncovered.csv's code, or "transfer"); `next_id`/`next_from`: where and from
    which night the next bed is (a gap between foresterie, a transfer), else empty."""

    worker_id: str
    foresteria_id: str
    last_night: date
    code: str
    next_id: str = ""
    next_from: date | None = None


def bed_ends(run: RunData) -> dict[str, list[BedEnd]]:
    """worker id -> every bed of theirs that ends before their stay does, in date order: a housed
    span (plan/assignments.csv) followed by nights without a bed (plan/uncovered.csv) or by a
    span at another foresteria (a transfer). A span ending on the person's departure is not one."""
    spans: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # worker -> (from, to, fid)
    for wid, fid, first, end in run.spans:
        spans[wid].append((first, end, fid))
    gaps = {(wid, first): (code, end) for wid, code, first, end in run.uncovered or []}
    out: dict[str, list[BedEnd]] = defaultdict(list)
    for wid, rows in sorted(spans.items()):
        rows.sort()
        starts = {first: fid for first, _end, fid in rows}
        for _first, end, fid in rows:
            last = date.fromisoformat(end) - timedelta(days=1)
            if end in starts:  # the next bed starts the morning this one ends
                if starts[end] != fid:
                    out[wid].append(
                        BedEnd(
                            worker_id=wid,
                            foresteria_id=fid,
                            last_night=last,
                            code="transfer",
                            next_id=starts[end],
                            next_from=date.fromisoformat(end),
                        )
                    )
            elif (wid, end) in gaps:
                code, resume = gaps[wid, end]
                if code == NEUTRAL_UNCOVERED:  # published neutrally; told as what the site does
                    code = "between_foresterie" if resume in starts else "after_closing"
                out[wid].append(
                    BedEnd(
                        worker_id=wid,
                        foresteria_id=fid,
                        last_night=last,
                        code=code,
                        next_id=starts.get(resume, ""),
                        next_from=date.fromisoformat(resume) if resume in starts else None,
                    )
                )
    return dict(out)


# plan/uncovered.csv's neutral code (README "Waitlist reasons"): the span's sites had no bed for
# the person while another within reach was open. Told to the person as what their site does.
NEUTRAL_UNCOVERED = "no_bed_elsewhere"
# Why a bed ends, said to the person (plan/uncovered.csv's codes; others get no reason).
BED_END_TEXT = {
    "after_closing": N_(
        "Your bed at {foresteria} ends before your stay does: your last night there is "
        "{date}, because the foresteria closes."
    ),
    "released_no_work": N_(
        "Your bed at {foresteria} ends before your stay does: your last night there is "
        "{date}, because your farm has no more work for you during your stay."
    ),
}
# The same for someone with no farm of their own (a dependant): it is their group's farm.
RELEASED_GROUP = N_(
    "Your bed at {foresteria} ends before your stay does: your last night there is "
    "{date}, because the farm of the people you came with has no more work for them during "
    "their stay."
)
BED_END_PLAIN = N_(
    "Your bed at {foresteria} ends before your stay does: your last night there is {date}."
)
BED_END_ASK = N_("Before then, ask the foresteria staff where you can sleep afterwards.")


def bed_end_html(run: RunData, end: BedEnd, lg: Lang) -> str:
    """What the person is told about a bed that ends, in their language, as HTML (names and
    ids in <bdi>)."""
    _ = lg._
    sc = run.scenario
    here = bdi(place_of(sc, end.foresteria_id).name)
    last = escape(lg.date(end.last_night, "full"))
    if end.next_from is not None:  # a transfer, or a gap before the next bed
        text = (
            _(
                "Your bed moves: your last night at {foresteria} is {date}; from the night of "
                "{next_date} your bed is at {next}."
            )
            if end.code == "transfer"
            else _(
                "Your bed at {foresteria} ends: your last night there is {date}. From the night "
                "of {next_date} you have a bed at {next}. For the nights in between, ask the "
                "foresteria staff."
            )
        )
        return fill(
            text,
            foresteria=here,
            date=last,
            next_date=escape(lg.date(end.next_from, "full")),
            next=bdi(place_of(sc, end.next_id).name),
        )
    text = BED_END_TEXT.get(end.code, BED_END_PLAIN)
    if end.code == "released_no_work" and _dependant(run, end.worker_id):
        text = RELEASED_GROUP  # a dependant's bed goes with the group's (review 19 R, LOW-4)
    told = fill(_(text), foresteria=here, date=last)
    return told + " " + escape(_(BED_END_ASK))


def _dependant(run: RunData, worker_id: str) -> bool:
    """Whether the person is a dependant (`rides` false: a child, an elder): no farm of their own."""
    return any(not w.rides for w in run.scenario.workers if w.id == worker_id)


def bed_end_due(ends: list[BedEnd], day: str) -> BedEnd | None:
    """The bed of `ends` whose last night is at most BED_NOTICE_DAYS - 1 days after `day` (and
    not before it): what a slip of that day must say."""
    d = date.fromisoformat(day)
    return next(
        (e for e in ends if timedelta(0) <= e.last_night - d < timedelta(days=BED_NOTICE_DAYS)),
        None,
    )


def heat_alert_text(run: RunData, day: str, lg: Lang) -> str:
    """On a heat-alert day (`[transport] heat_alert_days`), the sentence that says field work
    stops early by ordinance (the rides back are planned for it); else empty."""
    t = run.scenario.config.transport
    if day not in lookups(run).heat_days:
        return ""
    return lg._("Heat alert: by regional ordinance, field work stops at {time} today.").format(
        time=t.heat_alert_shift_end
    )


@lru_cache(maxsize=1 << 16)
def bdi(text: str) -> str:
    """`text` escaped and isolated (remembered: ~80,000 ids, times and names a season)."""
    return f"<bdi>{escape(text)}</bdi>"


def bdi_place(name: str, comune: str, lg: Lang) -> str:
    """A place and its comune, each isolated on its own, joined by the language's comma (review
    13: a Latin comma after an Arabic name read on the wrong side of it)."""
    return _bdi_place(name, comune, lg.comma)


@lru_cache(maxsize=1 << 12)
def _bdi_place(name: str, comune: str, comma: str) -> str:
    return bdi(name) + comma + bdi(comune)


def fill(template: str, **html: str) -> str:
    """A translated template, escaped, with its {placeholders} replaced by HTML fragments."""
    out = escape(template)
    for k, v in html.items():
        out = out.replace("{" + k + "}", v)
    return out


@cache
def said(code: str, message: str) -> str:
    """A fixed sentence of the slips in language `code`, translated and escaped (asked for tens of
    thousands of times per season)."""
    return escape(lang(code)._(message))


def slip_html(
    run: RunData,
    worker_id: str,
    ride: Ride,
    back: Ride | None,
    lg: Lang,
    page_lang: Lang,
    bed: BedEnd | None = None,
    memo: dict[tuple[str, ...], str] | None = None,
) -> str:
    """One slip, in the worker's language `lg`; `bed`: a bed of theirs ending soon, said.
    `memo`: the parts a slip shares with others (its ride's rows, its way back, the heat alert,
    the closing lines), kept by the caller across one vehicle-day's slips: the riders of a stop
    differ only by their id, their way back and their bed (~37,000 slips in a season)."""
    memo = {} if memo is None else memo
    trip = ride.trip
    parts = []
    for key, make in (
        (("ride", lg.code, trip.trip_id, str(ride.stop.seq)), lambda: _ride_rows(run, ride, lg)),
        (
            ("back", lg.code, back.trip.trip_id, str(back.stop.seq))
            if back is not None
            else ("back", lg.code, "", ""),  # no ride back: one part per language
            lambda: _back_row(run, back, lg),
        ),
        (("heat", lg.code, trip.day), lambda: _heat_html(run, trip.day, lg)),
    ):
        if key not in memo:
            memo[key] = make()
        parts.append(memo[key])
    attrs = f" lang='{lg.code}'" if lg.code != page_lang.code else ""
    return (
        f"<section class='slip'{attrs} dir='{lg.dir}' data-worker='{escape(worker_id)}' "
        f"data-trip='{escape(trip.trip_id)}'>"
        f"<h2>{said(lg.code, N_('Your shuttle to work'))}</h2>"
        f"<div class='id'>{bdi(worker_id)}</div><dl>{parts[0]}{parts[1]}</dl>{parts[2]}"
        + (f"<p class='bed'>{bed_end_html(run, bed, lg)}</p>" if bed is not None else "")
        + _slip_end(lg.code)
    )


def _ride_rows(run: RunData, ride: Ride, lg: Lang) -> str:
    """A slip's rows of the ride itself: date, departure, from, vehicle, to (HTML)."""
    look = lookups(run)
    trip, stop = ride.trip, ride.stop
    # where the rider boards: the trip's departure point, else its base (a foresteria)
    home = look.place(trip.origin_id or trip.foresteria_id)
    depart = trip.origin_depart if trip.origin_id else trip.depart
    farm = look.farms.get(stop.farm_id)
    comma = lg.comma
    farm_name = _bdi_place(farm.name, farm.comune, comma) if farm else bdi(stop.farm_id)
    vehicle = bdi(trip.vehicle_id)
    if trip.origin_id and trip.origin_id not in look.points:
        # boarding at a foresteria served from another base that day: say where the vehicle
        # comes from (at a departure point every vehicle does)
        vehicle = fill(
            lg._("{vehicle}, coming from {base}"),
            vehicle=vehicle,
            base=bdi(look.place(trip.foresteria_id).name),
        )
    on, leave, where, by, to = _ride_labels(lg.code)
    return (  # _dl's rows, the labels translated once per language
        f"{on}{_slip_date(lg.code, trip.day)}{leave}{bdi(depart)}"
        f"{where}{_bdi_place(home.name, home.comune, comma)}{by}{vehicle}"
        f"{to}{farm_name} · {bdi(stop.arrive)}</dd>"
    )


@cache
def _ride_labels(code: str) -> tuple[str, str, str, str, str]:
    """_ride_rows' five rows up to each value: `<dt>label</dt><dd>` (the first) and
    `</dd><dt>label</dt><dd>` (the others), in language `code`."""
    day, depart, where, vehicle, to = (
        f"<dt>{said(code, m)}</dt><dd>"
        for m in (N_("Date"), N_("Departure"), N_("From"), N_("Vehicle"), N_("To"))
    )
    return day, f"</dd>{depart}", f"</dd>{where}", f"</dd>{vehicle}", f"</dd>{to}"


@lru_cache(maxsize=1 << 12)
def _slip_date(code: str, day: str) -> str:
    """A ride's date as a slip writes it, escaped (a season's few hundred days per language)."""
    return escape(lang(code).date(day, "full"))


def _back_row(run: RunData, back: Ride | None, lg: Lang) -> str:
    """A slip's row of the ride back (HTML): vehicle, pick-up time, where and when home."""
    if back is None:
        told = said(lg.code, N_("no return ride planned: ask the foresteria staff"))
        return _dl([(said(lg.code, N_("Return")), told)])
    end = lookups(run).place(back.trip.origin_id or back.trip.foresteria_id)
    ret = fill(
        _back_text(lg.code),
        vehicle=bdi(back.trip.vehicle_id),
        time=bdi(back.stop.arrive),
        place=bdi(end.name),
        back=bdi(back.trip.origin_return if back.trip.origin_id else back.trip.ret),
    )
    return f"<dt>{said(lg.code, N_('Return'))}</dt><dd>{ret}</dd>"


@cache
def _back_text(code: str) -> str:
    return lang(code)._("vehicle {vehicle} at {time}; back at {place} by {back}")


def _heat_html(run: RunData, day: str, lg: Lang) -> str:
    """A slip's heat alert on a heat-alert day (HTML), else empty."""
    if day not in lookups(run).heat_days:
        return ""
    return (
        "<p class='heat'>"
        + fill(
            lg._("Heat alert: by regional ordinance, field work stops at {time} today."),
            time=bdi(run.scenario.config.transport.heat_alert_shift_end),
        )
        + "</p>"
    )


def _dl(rows: list[tuple[str, str]]) -> str:
    return "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)


@cache
def _slip_end(code: str) -> str:
    """A slip's closing lines in language `code`: be early, the ride is free, the helpline."""
    return (
        "<p class='free'>"
        + said(
            code,
            N_(
                "Be there 5 minutes early. The ride is free: nobody may ask you for money "
                "for it or for your job."
            ),
        )
        + " "
        + _helpline_html(code)
        + "</p></section>"
    )


def helpline_html(lg: Lang) -> str:
    """Whom to call if anyone asks for money or threatens, in `lg` (the number in <bdi>)."""
    return _helpline_html(lg.code)


@cache
def _helpline_html(code: str) -> str:
    return fill(
        lang(code)._(
            "If anyone asks you for money or threatens you, call the anti-trafficking "
            "helpline {phone} (free, 24 hours a day)."
        ),
        phone=f"<strong class='helpline'>{bdi(HELPLINE)}</strong>",
    )


def notices_html(
    run: RunData,
    vd: VehicleDay,
    rides: dict[str, list[Ride]],
    lg: Lang,
    beds: Mapping[str, list[BedEnd]] | None = None,
) -> str:
    """The vehicle-day's slips: one per rider of each of its morning trips. `beds`: bed_ends(run)
    (computed when not given). Each slip is slip_html's, put together from what the riders of a
    stop in one language share (_StopSlips) and their own id, way back and bed."""
    beds = bed_ends(run) if beds is None else beds
    workers = lookups(run).workers
    slips = []
    memo: dict[tuple[str, ...], str] = {}  # what slips share (slip_html)
    for t in vd.trips:
        if t.direction != "to_farm":
            continue
        after = t.depart_min  # a way back leaves after this trip
        for s in t.stops:
            ride = Ride(trip=t, stop=s)
            shared: dict[str, _StopSlips] = {}  # language -> the stop's slips' shared parts
            for wid in s.worker_ids:
                w = workers.get(wid)
                code = w.lang if w is not None and w.lang else lg.code
                back = None
                for r in rides.get(wid, ()):
                    if r.trip.direction == "to_foresteria" and r.trip.depart_min > after:
                        back = r
                        break
                ends = beds.get(wid)
                bed = bed_end_due(ends, t.day) if ends else None
                parts = shared.get(code)
                if parts is None:
                    wl = lg if code == lg.code else lang(code)
                    parts = shared[code] = _StopSlips.of(run, ride, wl, lg, memo)
                slips.append(parts.slip(run, wid, back, bed, memo))
    title = lg._("Worker notices · vehicle {vehicle} · {day}").format(
        vehicle=vd.vehicle_id, day=lg.date(vd.day, "full")
    )
    return (
        page_head(code=lg.code, direction=lg.dir, title=title, css=NOTICE_CSS)
        + f"<h1>{escape(title)}</h1><div class='slips'>{''.join(slips)}</div></body></html>\n"
    )


@dataclass(frozen=True, kw_only=True)
class _StopSlips:
    """slip_html cut where the riders of a stop in one language differ: before their id, between
    its two copies, after it (up to the ride's rows), then the heat alert and the closing lines.
    A slip is `head + id + mid + id + tail + way back + heat + bed + end`."""

    lg: Lang
    head: str
    mid: str
    tail: str
    heat: str
    end: str

    @classmethod
    def of(
        cls, run: RunData, ride: Ride, lg: Lang, page_lang: Lang, memo: dict[tuple[str, ...], str]
    ) -> _StopSlips:
        trip = ride.trip
        key = ("ride", lg.code, trip.trip_id, str(ride.stop.seq))
        if key not in memo:
            memo[key] = _ride_rows(run, ride, lg)
        heat_key = ("heat", lg.code, trip.day)
        if heat_key not in memo:
            memo[heat_key] = _heat_html(run, trip.day, lg)
        attrs = f" lang='{lg.code}'" if lg.code != page_lang.code else ""
        head, mid, tail = (  # slip_html's opening, cut at the id's two places (\0)
            f"<section class='slip'{attrs} dir='{lg.dir}' data-worker='\0' "
            f"data-trip='{escape(trip.trip_id)}'><h2>{said(lg.code, N_('Your shuttle to work'))}"
            f"</h2><div class='id'><bdi>\0</bdi></div><dl>{memo[key]}"
        ).split("\0")
        return cls(
            lg=lg,
            head=head,
            mid=mid,
            tail=tail,
            heat=f"</dl>{memo[heat_key]}",
            end=_slip_end(lg.code),
        )

    def slip(
        self,
        run: RunData,
        worker_id: str,
        back: Ride | None,
        bed: BedEnd | None,
        memo: dict[tuple[str, ...], str],
    ) -> str:
        """The slip of `worker_id`, who boards at this stop: slip_html's bytes."""
        lg = self.lg
        key = (
            ("back", lg.code, back.trip.trip_id, str(back.stop.seq))
            if back is not None
            else ("back", lg.code, "", "")
        )
        way_back = memo.get(key)
        if way_back is None:
            way_back = memo[key] = _back_row(run, back, lg)
        wid = escape(worker_id)
        told = f"<p class='bed'>{bed_end_html(run, bed, lg)}</p>" if bed is not None else ""
        return f"{self.head}{wid}{self.mid}{wid}{self.tail}{way_back}{self.heat}{told}{self.end}"


def bed_notices_html(run: RunData, foresteria_id: str, ends: list[BedEnd], lg: Lang) -> str:
    """The desk's notices of a foresteria: one per person whose bed there ends before their stay
    does, in their language, by last night; the page itself in `lg`."""
    slips = [
        _desk_slip(
            run,
            e.worker_id,
            f"data-last-night='{e.last_night.isoformat()}'",
            partial(bed_end_html, run, e),
            lg,
        )
        for e in sorted(ends, key=lambda e: (e.last_night, e.worker_id))
    ]
    home = place_of(run.scenario, foresteria_id)
    title = lg._("Beds that end before the stay · {foresteria}").format(foresteria=home.name)
    desk = lg._(
        "One notice per person whose bed here ends before their stay does, in their language: "
        "hand it to them at least a week before their last night. Their shuttle slips of that "
        "week say it too."
    )
    return _desk_page(title, desk, slips, lg)


def _desk_slip(
    run: RunData, worker_id: str, data: str, told: Callable[[Lang], str], lg: Lang
) -> str:
    """One person's desk notice about their bed, in their language (else the page's `lg`):
    `told(their language)` as HTML, then the helpline; `data`: the section's data attribute."""
    w = lookups(run).workers.get(worker_id)
    wl = lang(w.lang) if w is not None and w.lang else lg
    attrs = f" lang='{wl.code}'" if wl.code != lg.code else ""
    return (
        f"<section class='slip'{attrs} dir='{wl.dir}' data-worker='{escape(worker_id)}' {data}>"
        f"<h2>{escape(wl._('Your bed'))}</h2><div class='id'>{bdi(worker_id)}</div>"
        f"<p class='bed'>{told(wl)}</p>"
        f"<p class='free'>{helpline_html(wl)}</p></section>"
    )


def _desk_page(title: str, desk: str, slips: list[str], lg: Lang) -> str:
    """A foresteria's page of desk notices: the title, a line for the desk, the notices."""
    return (
        page_head(code=lg.code, direction=lg.dir, title=title, css=NOTICE_CSS)
        + f"<h1>{escape(title)}</h1><p class='desk'>{escape(desk)}</p>"
        f"<div class='slips'>{''.join(slips)}</div></body></html>\n"
    )


def bed_notices_by_foresteria(
    beds: Mapping[str, list[BedEnd]], run: RunData | None = None
) -> dict[str, list[BedEnd]]:
    """foresteria id -> the beds ending there early, for the desk's notices; with `run`, a
    dependant told with their group (`with_their_group`) has no notice of their own."""
    out: dict[str, list[BedEnd]] = defaultdict(list)
    for ends in beds.values():
        for e in ends:
            out[e.foresteria_id].append(e)
    if run is not None:
        out = {
            fid: with_their_group(run, ends, lambda e: (e.last_night, e.code, e.next_id))
            for fid, ends in out.items()
        }
    return dict(sorted(out.items()))


class _OfPerson(Protocol):
    @property
    def worker_id(self) -> str: ...


_Item = TypeVar("_Item", bound=_OfPerson)


def with_their_group(
    run: RunData, items: list[_Item], key: Callable[[_Item], Hashable]
) -> list[_Item]:
    """`items` (one per person, at one foresteria) less the dependants (`rides` false: a child,
    an elder) whose group has a working member with the same notice (`key`): the family is told
    through its adults, not each child by a notice written to an adult (review 20 R, LOW-8)."""
    people = {w.id: w for w in run.scenario.workers}
    told = {
        (w.group_id, key(i))
        for i in items
        if (w := people.get(i.worker_id)) is not None and w.rides and w.group_id
    }
    return [
        i
        for i in items
        if not (
            (w := people.get(i.worker_id)) is not None
            and not w.rides
            and w.group_id
            and (w.group_id, key(i)) in told
        )
    ]


FIRST_BED_SUFFIX = "-first-bed.html"  # report/notices/FORESTERIA-first-bed.html


@dataclass(frozen=True, kw_only=True)
class BedStart:
    """A person's first bed, at `foresteria_id` from the night of `first_bed`, starts after
    they arrive: the nights `first_night` to the night before `first_bed` have no bed
    (plan/uncovered.csv's row ending where their first housed span begins; `code`: why)."""

    worker_id: str
    foresteria_id: str
    first_night: date
    first_bed: date
    code: str


def bed_starts(run: RunData) -> list[BedStart]:
    """Everyone whose first bed starts after their arrival, by foresteria, first bed and id: the
    nights no bed-end notice tells (those after a bed are told by the bed's)."""
    first: dict[str, tuple[str, str]] = {}  # worker -> (first night of the first span, fid)
    for wid, fid, start, _end in run.spans:
        if wid not in first or start < first[wid][0]:
            first[wid] = (start, fid)
    out = [
        BedStart(
            worker_id=wid,
            foresteria_id=first[wid][1],
            first_night=date.fromisoformat(start),
            first_bed=date.fromisoformat(end),
            # published neutrally (housing/waitlist.py); the person is told the site's opening
            code="before_opening" if code == NEUTRAL_UNCOVERED else code,
        )
        for wid, code, start, end in run.uncovered or []
        if wid in first and first[wid][0] == end
    ]
    return sorted(out, key=lambda b: (b.foresteria_id, b.first_bed, b.worker_id))


# Why a first bed starts after the arrival, said to the person (plan/uncovered.csv's codes).
BED_START_TEXT = {
    "before_opening": N_(
        "Your bed at {foresteria} starts on the night of {date}, when the foresteria opens. "
        "You arrive before: from the night of {first} to the night of {last} you have no bed "
        "in a foresteria."
    ),
}
BED_START_PLAIN = N_(
    "Your bed at {foresteria} starts on the night of {date}. You arrive before: from the night "
    "of {first} to the night of {last} you have no bed in a foresteria."
)
BED_START_ONE = {
    "before_opening": N_(
        "Your bed at {foresteria} starts on the night of {date}, when the foresteria opens. "
        "You arrive the day before: on the night of {first} you have no bed in a foresteria."
    ),
}
BED_START_ONE_PLAIN = N_(
    "Your bed at {foresteria} starts on the night of {date}. You arrive the day before: on the "
    "night of {first} you have no bed in a foresteria."
)
BED_START_ASK = N_(
    "Before you come, ask the foresteria staff or your case worker where you can sleep on "
    "those nights."
)
BED_START_ASK_ONE = N_(
    "Before you come, ask the foresteria staff or your case worker where you can sleep that night."
)


def bed_start_html(run: RunData, start: BedStart, lg: Lang) -> str:
    """What the person is told about the nights before their first bed, in their language, as
    HTML (names and dates in <bdi>)."""
    last = start.first_bed - timedelta(days=1)
    one = last == start.first_night
    if one:
        text = BED_START_ONE.get(start.code, BED_START_ONE_PLAIN)
    else:
        text = BED_START_TEXT.get(start.code, BED_START_PLAIN)
    told = fill(
        lg._(text),
        foresteria=bdi(place_of(run.scenario, start.foresteria_id).name),
        date=bdi(lg.date(start.first_bed, "full")),
        first=bdi(lg.date(start.first_night, "full")),
        last=bdi(lg.date(last, "full")),
    )
    return told + " " + escape(lg._(BED_START_ASK_ONE if one else BED_START_ASK))


def bed_start_notices_html(
    run: RunData, foresteria_id: str, starts: list[BedStart], lg: Lang
) -> str:
    """The desk's notices of a foresteria for the nights before a first bed there: one per
    person, in their language, by first bed; the page itself in `lg`."""
    slips = [
        _desk_slip(
            run,
            b.worker_id,
            f"data-first-bed='{b.first_bed.isoformat()}'",
            partial(bed_start_html, run, b),
            lg,
        )
        for b in starts
    ]
    home = place_of(run.scenario, foresteria_id)
    title = lg._("Beds that start after the arrival · {foresteria}").format(foresteria=home.name)
    desk = lg._(
        "One notice per person whose first bed here starts after they arrive, in their "
        "language: give it to them, or to their case worker, before they arrive. The case "
        "workers' page lists them too."
    )
    return _desk_page(title, desk, slips, lg)
