"""Folium maps of a saved plan: foresterie, farms and every shuttle trip of a day.

The only module that imports folium, and only when a map is drawn (a lazy import, as the house
style allows for a heavy optional package): folium with branca, jinja2 and requests costs
`foresterie solve` about 0.5 CPU s at its start, where one core idles before the route
searches, and the map is drawn after the shuttles, beside the verifier. One HTML file holds the whole season: the plan is
embedded once as compact JSON and a small script (assets/plan_map.js) draws the day picked in a
selector, so the file stays small however many days there are. Leaflet itself is inlined (from
the `django-js-lib-leaflet` wheel, Leaflet 1.9.4, BSD-2), so the map works offline; only the
background tiles need the network. Element ids are numbered, not random: the same plan gives
the same bytes.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from foresterie.core.i18n import N_, Lang, lang, translations
from foresterie.report.basemap import shipped_basemap
from foresterie.report.page import VIEWPORT
from foresterie.report.rundata import RunData, TripRow, UnservedRow, shift_text

if TYPE_CHECKING:
    from branca.element import MacroElement

SECTION_ORDER = ("men", "women", "family")
# Every message of plan_map.js, by its msgid (a test checks this list against the script).
MAP_STRINGS = (
    N_("Farms"),
    N_("Foresterie"),
    N_("Full screen"),
    N_("accessible beds: {n}"),
    N_("arrives {arrive}, leaves {depart}"),
    N_("back to the foresteria"),
    N_("back to the departure point"),
    N_("beds"),
    N_("boarding {on}, alighting {off}"),
    N_("crop: {crop}"),
    N_("direction, numbers = stop order"),
    N_("families"),
    N_("farm"),
    N_("farm with riders left unserved"),
    N_("farms grouped"),
    N_("foresteria (size: beds)"),
    N_("guests {day}"),
    N_("leaves {depart}, back {back}"),
    N_("men"),
    N_("next day"),
    N_("previous day"),
    N_("riders on {day}: {n}"),
    N_("section"),
    N_("shift: {shift}"),
    N_("shuttle trip, one colour per vehicle"),
    N_("to the farms"),
    N_("trip {trip}, stop {n}"),
    N_("vehicle {v}"),
    N_("women"),
    N_("Departure points"),
    N_("departure point (riders without a bed board here)"),
    N_("departure point: {kind}"),
    N_("vehicle depot"),
    N_("← back home"),
    N_("→ farms"),
    N_("Offline map (ISTAT)"),
    N_("OpenStreetMap (online)"),
)
# plan_map.js's counted messages (`tn(key, n, args)`): every plural form of each, as the
# catalogue's Plural-Forms rule picks it for n (`PLURAL_TABLE`; a test checks this list against
# the script).
PLURAL_TABLE = 200  # the plural form of n = 0..199; above, that of 100 + n % 100


def map_plurals(lg: Lang) -> dict[str, list[str]]:
    """Key -> the message's plural forms, in the catalogue's order (`plan_map.js` `tn`)."""
    return {
        key: _forms(lg, f)
        for key, f in (
            ("riders", lambda n: lg.ngettext("{km} km, {n} rider", "{km} km, {n} riders", n)),
            ("trips", lambda n: lg.ngettext("{n} trip", "{n} trips", n)),
            ("vehicles", lambda n: lg.ngettext("{n} vehicle", "{n} vehicles", n)),
            (
                "unserved_day",
                lambda n: lg.ngettext(
                    "{n} worker-day unserved (both legs)",
                    "{n} worker-days unserved (both legs)",
                    n,
                ),
            ),
            (
                "unserved_farm",
                lambda n: lg.ngettext(
                    "unserved: {n} worker-day, both legs", "unserved: {n} worker-days, both legs", n
                ),
            ),
        )
    }


def plural_index(lg: Lang) -> list[int]:
    """The plural form of each n below `PLURAL_TABLE` by the language's catalogue (its
    Plural-Forms rule, as gettext evaluates it). plan_map.js reads a larger n as 100 + n % 100:
    gettext's rules test n against small numbers, n % 10 and n % 100, which that keeps (the four
    languages' rules set apart only multiples of a million beyond it, a count no map shows)."""
    rule = getattr(translations(lg.code), "plural", lambda n: int(n != 1))
    return [int(rule(n)) for n in range(PLURAL_TABLE)]


def _forms(lg: Lang, text: Callable[[int], str]) -> list[str]:
    index = plural_index(lg)
    first = {k: index.index(k) for k in sorted(set(index))}  # the least n of each form
    # a form no n of the table takes (Italian's millions) is never read: a place-holder keeps
    # the others at their index
    return [text(first.get(k, PLURAL_TABLE - 1)) for k in range(max(first) + 1)]


SECTION_LABELS = {"men": N_("men"), "women": N_("women"), "family": N_("families")}
UNSERVED_REASONS = {  # shuttles.routes.UnservedCode
    "no_vehicle": N_("no vehicle available that day"),
    "ride_cap": N_("ride longer than the cap"),
    "fleet_short": N_("fleet short (proven)"),
    "drivers_day": N_("round trip longer than a driver's day (proven)"),
    "vehicles_busy": N_("vehicles busy (not proven short)"),
    "windows": N_("time windows cannot be met"),
}
UNCOVERED_REASONS = {  # housing.waitlist.UncoveredCode: nights of a stay without a bed
    "before_opening": N_("before the foresteria opens"),
    "after_closing": N_("after the foresteria closes"),
    "between_foresterie": N_("between two foresterie"),
    "released_no_work": N_("bed released after days without work"),
    # a foresteria within reach open on some of the nights (README "Waitlist reasons")
    "no_bed_elsewhere": N_("no bed at the other foresterie within reach"),
}
# a departure point's kind (scenario.model.PICKUP_KINDS), as people read it
POINT_KINDS = {
    "settlement": N_("informal settlement"),
    "town_square": N_("town square"),
    "depot": N_("vehicle depot"),
    "other": N_("other place"),
}


def _leaflet_file(name: str) -> bytes:
    return (resources.files("js_lib_leaflet") / "static" / "js_lib_leaflet" / name).read_bytes()


def _asset(name: str) -> str:
    return (resources.files("foresterie.report") / "assets" / name).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    css = _leaflet_file("leaflet.css").decode("utf-8")
    for img in ("layers-2x.png", "layers.png"):  # the collapsed layer control's icon
        uri = "data:image/png;base64," + base64.b64encode(_leaflet_file(f"images/{img}")).decode()
        css = css.replace(f"url(images/{img})", f"url({uri})")
    return css


def script_json(obj: Any) -> str:
    """JSON safe to place inside <script>: no '</script>', no HTML-significant characters."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for ch, rep in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, rep)
    return text


@contextmanager
def _stable_ids() -> Iterator[None]:
    """Number folium/branca element ids in creation order instead of random hex."""
    from branca.element import Element

    counter = itertools.count()
    original = Element.__dict__["_generate_id"]
    Element._generate_id = classmethod(lambda cls: f"{next(counter):06d}")  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Element._generate_id = original  # type: ignore[method-assign]


@cache
def _plan_layer() -> Callable[[dict[str, Any]], MacroElement]:
    """The element that runs plan_map.js on the folium map with the embedded plan data (a
    branca class, made when the first map is drawn)."""
    from branca.element import MacroElement
    from jinja2 import Template

    class PlanLayer(MacroElement):  # type: ignore[misc]
        _template = Template(
            "{% macro script(this, kwargs) %}\n"
            "{{ this.code }}\n"
            "foresteriePlanMap({{ this._parent.get_name() }}, {{ this.data }});\n"
            "{% endmacro %}"
        )

        def __init__(self, data: dict[str, Any]):
            super().__init__()
            self._name = "PlanLayer"
            self.code = _asset("plan_map.js")
            self.data = script_json(data)

    return PlanLayer


def map_data(
    run: RunData, days: list[str], foresteria: str | None = None, lg: Lang | None = None
) -> dict[str, Any]:
    """The compact JSON the map script reads (documented field by field in plan_map.js)."""
    lg = lg or lang(run.scenario.config.report.lang)
    sc = run.scenario
    trips, unserved = _of_place(run, foresteria)
    wanted = set(days)
    bases = {t.foresteria_id for t in trips if t.day in wanted}  # whose trips are drawn

    def drawn(pid: str) -> bool:
        return foresteria is None or pid == foresteria or pid in bases

    homes = [f for f in sc.foresterie if drawn(f.id)]
    # depots are vehicle bases too: their trips are drawn from them, after the foresterie
    based = {v.foresteria_id for v in sc.fleet}
    depots = [p for p in sc.pickups if p.id in based and drawn(p.id)]
    home_ix = {fid: i for i, fid in enumerate([f.id for f in homes] + [p.id for p in depots])}
    farm_ix = {f.id: i for i, f in enumerate(sc.farms)}
    # a trip's departure point: a point of the pickups layer, or a foresteria without vehicles
    # of its own served from a depot (drawn there, never straight from the depot to the farms)
    fids = {f.id for f in sc.foresterie}
    served = {t.origin_id for t in trips if t.origin_id in fids}
    origins = [f for f in sc.foresterie if f.id in served]
    point_ix = {
        pid: i for i, pid in enumerate([p.id for p in sc.pickups] + [f.id for f in origins])
    }
    shown = sorted((v.foresteria_id, v.id) for v in sc.fleet if v.foresteria_id in home_ix)
    vehicles = {vid: j for j, (_, vid) in enumerate(shown)}  # colour index, stable across days
    used_legs: set[str] = set()
    occ: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for fid, night, section, _beds, used in run.occupancy:
        if fid in home_ix and foresteria in (None, fid):  # the guests of X only
            occ[night, fid][SECTION_ORDER.index(section)] = used
    per_day: dict[str, dict[str, Any]] = {d: {"trips": [], "occ": {}, "farm": {}} for d in days}
    farm_info: dict[str, dict[int, list[Any]]] = defaultdict(dict)
    for t in trips:
        if t.day not in wanted:
            continue
        per_day[t.day]["trips"].append(
            [
                t.trip_id,
                t.vehicle_id,
                home_ix[t.foresteria_id],
                0 if t.direction == "to_farm" else 1,
                t.depart,
                t.ret,
                t.km,
                t.riders,
                [
                    [farm_ix[s.farm_id], s.seq, s.arrive, s.depart, s.board, s.alight]
                    for s in t.stops
                ],
                point_ix.get(t.origin_id, -1),
            ]
        )
        if run.legs:  # road geometry: the legs drawn (none to name without it)
            path = t.places
            used_legs.update(f"{a}>{b}" for a, b in zip(path, path[1:], strict=False))
        if t.direction == "to_farm":
            for s in t.stops:
                x = farm_info[t.day].setdefault(farm_ix[s.farm_id], [0, 0, ""])
                x[0] += s.alight
    for u in unserved:
        if u.day in wanted:
            x = farm_info[u.day].setdefault(farm_ix[u.farm_id], [0, 0, ""])
            x[1] += u.riders
            why = lg._(UNSERVED_REASONS.get(u.code, u.code))
            x[2] = why if not x[2] or why in x[2].split("; ") else f"{x[2]}; {why}"
    for d in days:
        per_day[d]["farm"] = {str(k): v for k, v in sorted(farm_info[d].items())}
        per_day[d]["occ"] = {str(home_ix[f]): occ[d, f] for f in home_ix if (d, f) in occ}
    busiest = max(days, key=lambda d: (len(per_day[d]["trips"]), [-ord(c) for c in d]))
    backend = run.manifest.get("scenario", {}).get("travel_backend", "")
    note = (
        lg._("legs follow the roads (OSRM)")
        if run.road_geometry
        else lg._(
            "legs are drawn as straight lines (travel backend: {backend}; no road geometry)"
        ).format(backend=backend)
    )
    title = _title(run, foresteria, bases, lg)
    return {
        "title": title,
        "geometry_note": note,
        "t": {m: lg._(m) for m in MAP_STRINGS},
        "tn": map_plurals(lg),
        "pl": plural_index(lg),
        "decimal": lg.num(0.5, 1)[1],
        "day_labels": [lg.date(d, "full") for d in days],
        "basemap": shipped_basemap(),
        "foresterie": [
            {
                "id": f.id,
                "name": f.name,
                "comune": f.comune,
                "lat": round(f.lat, 5),
                "lon": round(f.lon, 5),
                "beds": [f.beds_men, f.beds_women, f.beds_family],
                "accessible": f.beds_accessible,
            }
            for f in homes
        ]
        + [
            {
                "id": p.id,
                "name": p.name,
                "comune": p.comune,
                "lat": round(p.lat, 5),
                "lon": round(p.lon, 5),
                "beds": [0, 0, 0],
                "accessible": 0,
                "depot": True,
            }
            for p in depots
        ],
        "farms": [
            {
                "id": f.id,
                "name": f.name,
                "comune": f.comune,
                "crop": f.crop,
                "lat": round(f.lat, 5),
                "lon": round(f.lon, 5),
                "shift": shift_text(f.shift_start, f.shift_end),
            }
            for f in sc.farms
        ],
        "points": [
            {
                "id": p.id,
                "name": p.name,
                "comune": p.comune,
                "kind": lg._(POINT_KINDS.get(p.kind, p.kind)),
                "lat": round(p.lat, 5),
                "lon": round(p.lon, 5),
                **({"depot": True} if p.kind == "depot" else {}),
            }
            for p in sc.pickups
        ]
        + [
            {
                "id": f.id,
                "name": f.name,
                "comune": f.comune,
                "foresteria": True,
                "lat": round(f.lat, 5),
                "lon": round(f.lon, 5),
            }
            for f in origins
        ],
        "vehicles": vehicles,
        "days": days,
        "start_day": busiest,
        "day": per_day,
        "legs": {
            k: [[round(a, 5), round(b, 5)] for a, b in v]
            for k, v in run.legs.items()
            if k in used_legs
        },
    }


def _title(run: RunData, foresteria: str | None, bases: set[str], lg: Lang) -> str:
    """The page's heading, saying which reading of --foresteria applies."""
    sc = run.scenario
    if foresteria is None:
        return lg._("{name}: shuttles").format(name=sc.name)
    names = {f.id: f.name for f in sc.foresterie} | {p.id: p.name for p in sc.pickups}
    place = names[foresteria]
    if foresteria not in {f.id for f in sc.foresterie} and foresteria in {
        v.foresteria_id for v in sc.fleet
    }:  # a depot: the trips it runs
        return lg._("{name}: the trips run from {base} ({id})").format(
            name=sc.name, base=place, id=foresteria
        )
    runs = ", ".join(f"{names[b]} ({b})" for b in sorted(bases))
    if foresteria in {v.foresteria_id for v in sc.fleet}:  # a foresteria with vehicles
        if bases <= {foresteria}:
            return lg._("{name}: the trips of {home}'s vehicles and riders").format(
                name=sc.name, home=place
            )
        return lg._("{name}: the trips of {home}'s vehicles and riders, run from {bases}").format(
            name=sc.name, home=place, bases=runs
        )
    if not bases:
        return lg._("{name}: the trips of {home}'s riders").format(name=sc.name, home=place)
    return lg._("{name}: the trips of {home}'s riders, run from {bases}").format(
        name=sc.name, home=place, bases=runs
    )


def _of_place(run: RunData, foresteria: str | None) -> tuple[list[TripRow], list[UnservedRow]]:
    """What a map of `foresteria` X (a foresteria, a depot or a departure point; None: all)
    draws: the trips its vehicles run and the trips carrying its riders, whichever base runs
    them; the unserved riders boarding there or left to its vehicles (README "The map")."""
    trips = [t for t in run.trips if foresteria in (None, t.foresteria_id, t.origin_id)]
    unserved = [
        u
        for u in run.unserved
        if foresteria in (None, u.base_id or u.foresteria_id, u.foresteria_id)
    ]
    return trips, unserved


def map_refused(run: RunData, day: str | None, foresteria: str | None, lg: Lang) -> str | None:
    """Why there is no map of this day or foresteria of the run, in `lg` (the command line
    says it in its own language, as its other errors: review 16), or None."""
    sc = run.scenario
    if foresteria is not None and foresteria not in {f.id for f in sc.foresterie} | {
        p.id for p in sc.pickups
    }:
        return lg._(
            "--foresteria: no foresteria, depot or departure point {id} in this run"
        ).format(id=repr(foresteria))
    if day is not None and day not in run.days:
        return lg._("--day: no trips or unserved riders on {day} in this run").format(day=repr(day))
    if day is not None and foresteria is not None:  # a site closed that day: an empty map
        trips, unserved = _of_place(run, foresteria)
        if not any(t.day == day for t in trips) and not any(u.day == day for u in unserved):
            return lg._(
                "--foresteria: no trips or unserved riders of {id} on {day} in this run"
            ).format(id=repr(foresteria), day=repr(day))
    return None


def plan_map(
    run: RunData, day: str | None = None, foresteria: str | None = None, lg: Lang | None = None
) -> str:
    """The map as one self-contained HTML page (season view with a day picker, or one day)."""
    sc = run.scenario
    lg = lg or lang(sc.config.report.lang)
    why = map_refused(run, day, foresteria, lg)
    if why is not None:
        raise ValueError(why)
    days = run.days if day is None else [day]
    if not days:
        days = [sc.config.scenario.season_start.isoformat()]
    data = map_data(run, days, foresteria, lg)
    points = [(f["lat"], f["lon"]) for f in data["foresterie"] + data["farms"]]
    south, north = min(p[0] for p in points), max(p[0] for p in points)
    west, east = min(p[1] for p in points), max(p[1] for p in points)
    import folium
    from branca.element import Element, Figure

    with _stable_ids():
        m = folium.Map(
            location=[(south + north) / 2, (west + east) / 2],
            zoom_start=9,
            tiles=None,
            control_scale=False,
        )
        m.default_js = []  # Leaflet is inlined below; nothing else from a CDN
        m.default_css = []
        root = m.get_root()
        assert isinstance(root, Figure)
        root.title = html.escape(data["title"])
        root.header.add_child(Element('<meta charset="utf-8">'), name="charset")
        root.header.add_child(Element(VIEWPORT), name="viewport")
        root.header.add_child(Element(f"<style>{_leaflet_css()}</style>"), name="leaflet_css")
        root.header.add_child(
            Element(f"<script>{_leaflet_file('leaflet.js').decode('utf-8')}</script>"),
            name="leaflet_js",
        )
        root.header.add_child(Element(f"<style>{_asset('plan_map.css')}</style>"), name="fs_css")
        m.add_child(_plan_layer()(data))
        m.fit_bounds([[south, west], [north, east]], padding=(20, 20))
        page = str(root.render())
    return page.replace("<html>", f"<html lang='{lg.code}'>", 1)
