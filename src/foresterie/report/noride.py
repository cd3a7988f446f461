"""No-ride notices: the people of a boarding place who have no shuttle to their farm on a day.

A slip reaches only the riders of a trip. A housed worker whose farm gets no round trip that day
(plan/unserved.csv: day, boarding place, farm, reason code, the ids) would learn nothing, wait
at the gate, or call a caporale. So per boarding place (a foresteria or a departure point) and
day, one printable page for the coordinator to post or hand out the evening before
(`report/drivers/DAY/no-ride/PLACE.html`): a block per language of the people concerned (their
`lang`, else the report's; Arabic right to left, every value in <bdi>) saying that there is no
shuttle to work that day; per farm, why in plain words and who (pseudonymous ids) grouped by the
day of their next shuttle (their next morning ride in the plan); then what to do: ask the staff,
pay nobody for a ride, and the anti-trafficking helpline the slips give. One block per language,
not per farm, so what to do is printed once per reader.

One page per place and day, not per person: the default season leaves about 36,000 worker-days
without a ride, on a few hundred place-days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from foresterie.core.files import real_dir
from foresterie.core.i18n import N_, Lang, lang
from foresterie.report.notices import NOTICE_CSS, bdi, bdi_place, fill, helpline_html, said
from foresterie.report.page import escape, page_head, write_hashed
from foresterie.report.rundata import Lookups, RunData, UnservedRow, lookups

FOLDER = "no-ride"  # inside report/drivers/DAY/, so no place id can clash with a vehicle's files

NO_RIDE_CSS = (
    NOTICE_CSS
    + """
.block { border: 1px dashed #666; padding: 3mm 4mm; margin: 0 0 3mm; break-inside: avoid;
  page-break-inside: avoid; }
.block h2 { font-size: 13pt; margin: 0 0 1mm; } .block h3 { font-size: 11.5pt; margin: 2mm 0 0; }
.block p { margin: 1mm 0; } .block .why { font-weight: bold; margin-top: 0; }
.block dl { margin: 1mm 0; } .block dt { font-weight: 600; } .block dd { margin: 0 0 1mm; }
.block .ids { font: 10.5pt monospace; word-spacing: 1.5mm; }
"""
)

# Why there is no shuttle (plan/unserved.csv's codes, shuttles.routes.UnservedCode), said to the
# people left behind; an unknown code gets the plain sentence.
WHY = {
    "fleet_short": N_("There are not enough vehicles for everyone on this day."),
    "drivers_day": N_(
        "A shuttle driver's working hours cannot cover the ride to this farm and back at the "
        "times of your shift."
    ),
    "vehicles_busy": N_("All the vehicles are already taken by other rides on this day."),
    # the boarding place, by its public name (review 14: riders at a departure point board
    # there, not where a vehicle is based); NO_VEHICLE_FROM where the day's base is elsewhere
    "no_vehicle": N_("No shuttle vehicle is available at {place} on this day."),
    "ride_cap": N_("The ride to this farm would take longer than a ride may last."),
    "windows": N_(
        "No shuttle can bring you to the farm before work starts and back after it ends."
    ),
}
WHY_PLAIN = N_("No shuttle could be planned to this farm on this day.")
# Where the vehicles serving the boarding place come from on that day (unserved.csv `base_id`)
# is another place: a departure point, a foresteria without vehicles, or one whose own vehicles
# are all unavailable that day (shuttles.routes.pickup_bases).
# Said on a page posted where they board, on a day with no shuttle for them: never in words that
# read as a shuttle coming today (review 19 R, MEDIUM-3: "You board at ... Your shuttle comes from").
NO_VEHICLE_FROM = N_(
    "The shuttles for {place} come from {base}. No vehicle is available there on this day."
)
COMES_FROM = N_("On other days you board at {place}, and your shuttle comes from {base}.")
NEXT_ON = N_("Your next shuttle: {date}")
NEXT_NONE = N_("No shuttle is planned for you yet: ask again in a few days")
NEXT_ASK = N_("Ask the staff about your next shuttle")
NO_PAY = N_(
    "Do not pay anyone for a ride to work: the shuttle is free, and nobody may ask you for "
    "money for a ride or for your job."
)
# A driver's copy counts the people instead of naming them: where each one reads their own line.
COUNTED = N_(
    "This notice counts the people without naming them: the staff have the list with each "
    "one's id and next shuttle."
)
ASK = {
    "foresteria": N_("Questions: ask the foresteria staff."),
    "point": N_("Questions: ask the shuttle coordinators."),
}


@dataclass(frozen=True, kw_only=True)
class NoRidePage:
    """The people of boarding place `place_id` without a shuttle on `day`: unserved.csv's rows
    of that place and day, by farm and reason."""

    day: str
    place_id: str
    rows: tuple[UnservedRow, ...]

    @property
    def people(self) -> int:
        return sum(len(u.worker_ids) for u in self.rows)

    @property
    def href(self) -> str:
        """The page, from the day's folder."""
        return f"{FOLDER}/{self.place_id}.html"


def no_ride_pages(run: RunData) -> dict[str, list[NoRidePage]]:
    """day -> its pages, one per boarding place with people left behind, by place id."""
    by_place: dict[tuple[str, str], list[UnservedRow]] = defaultdict(list)
    for u in run.unserved:
        if u.worker_ids:
            by_place[u.day, u.foresteria_id].append(u)
    out: dict[str, list[NoRidePage]] = defaultdict(list)
    for (day, pid), rows in sorted(by_place.items()):
        out[day].append(
            NoRidePage(
                day=day, place_id=pid, rows=tuple(sorted(rows, key=lambda u: (u.farm_id, u.code)))
            )
        )
    return dict(out)


@dataclass(frozen=True, kw_only=True)
class Mornings:
    """What a notice says about the days after: each person's days with a morning ride, the
    last day of each one's stay, and the plan's last day (found once per run)."""

    days: dict[str, list[str]]
    stay_last: dict[str, str]
    plan_last: str


def ride_days(run: RunData) -> Mornings:
    """Each person's days with a morning ride (to_farm trips), their stays' last days, and the
    plan's last day."""
    days: dict[str, set[str]] = defaultdict(set)
    for t in run.trips:
        if t.direction == "to_farm":
            for s in t.stops:
                for wid in s.worker_ids:
                    days[wid].add(t.day)
    return Mornings(
        days={wid: sorted(d) for wid, d in days.items()},
        stay_last={w.id: w.last_night.isoformat() for w in run.scenario.workers},
        plan_last=max(run.days, default=""),
    )


ASK_NEXT = ""  # next_ride's answer when the plan cannot say (its last day, or the stay's)


def next_ride(m: Mornings, worker_id: str, day: str) -> str | None:
    """The first day after `day` on which the person has a morning ride; None when the plan
    covers later days of their stay and gives them none; ASK_NEXT when it covers none (the
    plan or their stay ends with `day`)."""
    mine = m.days.get(worker_id, [])
    i = bisect_right(mine, day)
    if i < len(mine):
        return mine[i]
    if day >= m.plan_last or day >= m.stay_last.get(worker_id, ""):
        return ASK_NEXT
    return None


@cache
def _next_on(code: str, day: str | None) -> str:
    """When the next shuttle is, in language `code` (None: none planned yet; ASK_NEXT: the plan
    cannot say), as HTML."""
    lg = lang(code)
    if day is None:
        return said(code, NEXT_NONE)
    if day == ASK_NEXT:
        return said(code, NEXT_ASK)
    return fill(lg._(NEXT_ON), date=escape(lg.date(day, "full")))


def _who_html(who: list[str], lg: Lang, ids: bool) -> str:
    """The people of a group: their ids, or (`ids` False: a driver's copy) how many they are."""
    if not ids:
        n = len(who)
        text = lg.ngettext("{n} person", "{n} people", n).format(n=lg.num(n))
        return f"<dd class='count'>{escape(text)}</dd>"
    return (
        "<dd class='ids'><bdi>"
        + escape("\0".join(who)).replace("\0", "</bdi> <bdi>")
        + "</bdi></dd>"
    )


def why_html(look: Lookups, u: UnservedRow, lg: Lang) -> str:
    """Why there is no shuttle, in language `lg` (HTML): the reason of the row's code; for
    `no_vehicle`, naming the place the people board at; and where the day's base is another
    place, that the shuttle comes from there (by the places' public names)."""
    place = bdi(look.place(u.foresteria_id).name)
    base = u.base_id or u.foresteria_id
    if u.code == "no_vehicle":
        if base == u.foresteria_id:
            return fill(lg._(WHY["no_vehicle"]), place=place)
        return fill(lg._(NO_VEHICLE_FROM), place=place, base=bdi(look.place(base).name))
    why = said(lg.code, WHY.get(u.code, WHY_PLAIN))
    if base == u.foresteria_id:
        return why
    return f"{why} {fill(lg._(COMES_FROM), place=place, base=bdi(look.place(base).name))}"


def _farm_html(
    look: Lookups,
    u: UnservedRow,
    ids: list[str],
    rides: Mornings,
    lg: Lang,
    show_ids: bool = True,
) -> str:
    """One farm of a language's block: the farm, why no shuttle goes there, and the people
    `ids` grouped by the day of their next shuttle (`show_ids` False: counted, not named)."""
    farm = look.farms.get(u.farm_id)
    nxt: dict[str | None, list[str]] = defaultdict(list)
    for wid in ids:
        nxt[next_ride(rides, wid, u.day)].append(wid)
    groups = "".join(
        f"<dt>{_next_on(lg.code, d)}</dt>{_who_html(who, lg, show_ids)}"
        for d, who in sorted(nxt.items(), key=lambda kv: (kv[0] is None, not kv[0], kv[0] or ""))
    )
    return (
        f"<div class='farm' data-farm='{escape(u.farm_id)}' data-code='{escape(u.code)}' "
        f"data-people='{len(ids)}'>"
        f"<h3>{bdi_place(farm.name, farm.comune, lg) if farm else bdi(u.farm_id)}</h3>"
        f"<p class='why'>{why_html(look, u, lg)}</p>"
        f"<dl>{groups}</dl></div>"
    )


def _lang_block(
    look: Lookups,
    rows: list[tuple[UnservedRow, list[str]]],
    rides: Mornings,
    lg: Lang,
    page: Lang,
    ask: str,
    show_ids: bool = True,
) -> str:
    """What the people of language `lg` read: no shuttle to work that day, per farm why and
    when each one's next shuttle is, then what to do."""
    day = rows[0][0].day
    title = fill(lg._("No shuttle to work on {date}"), date=escape(lg.date(day, "full")))
    attrs = f" lang='{lg.code}'" if lg.code != page.code else ""
    return (
        f"<section class='block'{attrs} dir='{lg.dir}' "
        f"data-people='{sum(len(ids) for _u, ids in rows)}'><h2>{title}</h2>"
        + "".join(_farm_html(look, u, ids, rides, lg, show_ids) for u, ids in rows)
        + ("" if show_ids else f"<p class='counted'>{said(lg.code, COUNTED)}</p>")
        + f"<p class='free'>{said(lg.code, NO_PAY)} {helpline_html(lg)} {said(lg.code, ask)}</p>"
        "</section>"
    )


def no_ride_html(
    run: RunData,
    page: NoRidePage,
    rides: Mornings,
    lg: Lang,
    langs: dict[str, str],
    show_ids: bool = True,
) -> str:
    """The page of a boarding place and day: a line for the coordinator in `lg`, then a block
    per language of the people concerned (the page's first, then by code), each with the farms
    of its people. `langs`: worker id -> notice language (theirs, else the report's).
    `show_ids` False: a driver's copy (`export --role driver`), which counts the people instead
    of naming them (a driver pack holds its own riders' ids only)."""
    look = lookups(run)
    home = look.place(page.place_id)
    is_home = any(f.id == page.place_id for f in run.scenario.foresterie)
    ask = ASK["foresteria" if is_home else "point"]
    by_lang: dict[str, list[tuple[UnservedRow, list[str]]]] = defaultdict(list)
    for u in page.rows:
        mine: dict[str, list[str]] = defaultdict(list)
        for wid in u.worker_ids:
            mine[langs.get(wid, lg.code)].append(wid)
        for code, ids in mine.items():
            by_lang[code].append((u, ids))
    blocks = [
        _lang_block(look, by_lang[code], rides, lang(code), lg, ask, show_ids)
        for code in sorted(by_lang, key=lambda c: (c != lg.code, c))
    ]
    title = lg._("No shuttle · {place} · {date}").format(
        place=home.name, date=lg.date(page.day, "full")
    )
    if show_ids:
        desk = lg.ngettext(
            "For the coordinator: {n} person boarding here has no shuttle to work on this day. "
            "Post this page where they board or hand it out the evening before: one block per "
            "language, with the farms of its readers.",
            "For the coordinator: {n} people boarding here have no shuttle to work on this day. "
            "Post this page where they board or hand it out the evening before: one block per "
            "language, with the farms of its readers.",
            page.people,
        )
    else:
        desk = lg.ngettext(
            "For the driver: {n} person boarding here has no shuttle to work on this day. Post "
            "this page where they board the evening before. The coordinators' copy names them "
            "by their ids.",
            "For the driver: {n} people boarding here have no shuttle to work on this day. Post "
            "this page where they board the evening before. The coordinators' copy names them "
            "by their ids.",
            page.people,
        )
    desk = desk.format(n=lg.num(page.people))
    return (
        page_head(code=lg.code, direction=lg.dir, title=title, css=NO_RIDE_CSS)
        + f"<h1>{escape(title)}</h1><p class='desk'>{escape(desk)}</p>"
        + "".join(blocks)
        + "</body></html>\n"
    )


def notice_langs(run: RunData, lg: Lang) -> dict[str, str]:
    """worker id -> the language of their notices: their `lang`, else the report's."""
    return {w.id: w.lang or lg.code for w in run.scenario.workers}


def write_no_ride(
    run: RunData,
    folder: Path,
    pages: list[NoRidePage],
    rides: Mornings,
    lg: Lang,
    langs: dict[str, str],
    fresh: bool = False,
) -> dict[str, str]:
    """folder/no-ride/PLACE.html for each page of a day; pages of an earlier report that no
    longer apply are removed. Returns the sha256 of each page written, by its path under
    `folder` (no-ride/PLACE.html). `fresh`: `folder` is a new one of an unpublished report
    (page.write_hashed), holding nothing yet."""
    out = folder / FOLDER
    hashes: dict[str, str] = {}
    if not pages and (fresh or not out.exists()):
        return hashes
    if fresh:
        out.mkdir()
    else:
        out = real_dir(out)
        keep = {f"{p.place_id}.html" for p in pages}
        for old in out.glob("*.html"):
            if old.name not in keep:
                old.unlink()
    for p in pages:
        page = no_ride_html(run, p, rides, lg, langs)
        write_hashed(folder, f"{FOLDER}/{p.place_id}.html", page, hashes, fresh)
    return hashes


def no_ride_summary(run: RunData, lg: Lang) -> str:
    """The report index's line on the no-ride notices: how many pages, for how many people;
    empty when everyone has a ride."""
    pages = [p for day in no_ride_pages(run).values() for p in day]
    if not pages:
        return ""
    people = sum(p.people for p in pages)
    days = len({p.day for p in pages})
    text = lg.ngettext(
        "Notices for people without a ride, one page per boarding place and day in the languages "
        "of the people concerned, linked from each day's page: {pages} page, on {days} day, for "
        "{people} worker-days without a ride.",
        "Notices for people without a ride, one page per boarding place and day in the languages "
        "of the people concerned, linked from each day's page: {pages} pages, on {days} days, "
        "for {people} worker-days without a ride.",
        len(pages),
    ).format(pages=lg.num(len(pages)), days=lg.num(days), people=lg.num(people))
    return (
        f"<p id='no-ride-notices' data-pages='{len(pages)}' data-people='{people}'>"
        f"{escape(text)}</p>"
    )
