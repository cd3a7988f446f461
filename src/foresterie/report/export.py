"""Outputs by role (README, "Outputs by role"): what each audience of a run gets, and nothing more.

Pseudonymised data is still personal data; a driver needs the ids of one trip, an operator needs
the plan to run the service, an auditor or a ministry needs counts. So a run folder is never
handed out whole: `foresterie export RUN --role ...` writes

- `driver`: one pack per vehicle-day (`DAY/VEHICLE/`): the driver sheet, the GPX route, the
  worker notices and the boarding list (HTML and importable CSV) of that vehicle-day, with the
  ids of its own riders only;
- `operator`: the run folder without its restricted part (no priority, no referral record):
  inputs, plan, report and manifest, which `foresterie verify` still checks (saying what it
  could not check without the restricted part);
- `public`: counts only, no ids, no priority or referral figure, every count of people or
  person-days from 1 to 4 suppressed (and one more cell where a single suppressed cell could be
  recovered from its column's total), with the rule stated in the export's README.

Every CSV cell meant for people is neutralised against spreadsheet formulas.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from foresterie.core.cells import (
    COMPLEMENTARY,
    MIN_CELL,
    SUPPRESSED,
    box_options,
    protect,
    small,
    starred,
)
from foresterie.core.files import (
    UnsafePath,
    csv_cell,
    csv_text,
    dumps_json,
    json_value,
    read_inside,
    write_text,
)
from foresterie.core.i18n import Lang, cli_lang, lang
from foresterie.core.restricted import RESTRICTED_DRAW_KEY
from foresterie.core.runfolder import (
    RunFolderError,
    manifest_known,
    read_manifest,
    read_report_hashes,
    regular_files,
    restricted_kpi,
    split_kpis,
    stale_report,
)
from foresterie.report.boarding import boarding_list
from foresterie.report.driving import vehicle_rests
from foresterie.report.html import DAY_LEFT_OUT, DAY_RUN_INPUT
from foresterie.report.noride import (
    NoRidePage,
    no_ride_html,
    no_ride_pages,
    notice_langs,
    ride_days,
)
from foresterie.report.notices import bed_ends, notices_html, riders_by_day
from foresterie.report.rundata import RunData, load_run
from foresterie.report.sheets import VehicleDay, sheet_gpx, sheet_html, vehicle_days

Role = Literal["driver", "operator", "public"]
ROLES: tuple[Role, ...] = ("driver", "operator", "public")
# A cell hidden for another reason than its smallness (so that a "<5" cannot be worked out by
# subtraction, or a row on referred people) is COMPLEMENTARY ("*"): "<5" there would state a
# falsehood (review 13, finding 15: "7 people are fewer than 5"). The monitor's tables alike.
# Parts of a run folder an operator gets: everything but restricted/.
# A run purged for retention also has purged.json (hashes) and aggregates/ (counts).
OPERATOR_PARTS = (
    *("inputs", "plan", "report", "manifest.json", "report.json", "day.json", "intake.json"),
    *("purged.json", "aggregates"),
)
# Manifest KPIs that count people or person-days (suppressed when small in the public export).
PEOPLE_KPIS = (
    "housing.people",
    "housing.housed",
    "housing.waitlisted",
    "housing.transferred",
    "housing.partial_stays",
    "housing.housed_dependants",
    "housing.waitlisted_dependants",
    "housing.uncovered_nights",
    "housing.bed_nights_used",
    "transport.worker_days_transported",
    "transport.rider_trips",
    "transport.unserved_rider_trips",
    "transport.unserved_worker_days",
    "transport.left_behind_never_carried",
)


@contextmanager
def _fresh(out: Path, force: bool) -> Iterator[Path]:
    """A temporary sibling folder renamed to `out` when complete (never half an export); an
    existing `out` is replaced only with force."""
    if out.exists() and not force:
        raise FileExistsError(f"{out}: exists; pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.rename(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_apart(run: Path, out: Path) -> None:
    """An export is written beside the run, never into it or over a folder holding it."""
    a, b = run.resolve(), out.resolve()
    if a == b or a.is_relative_to(b) or b.is_relative_to(a):
        raise FileExistsError(f"{out}: --out must lie outside the run folder (and not hold it)")


def export(
    run: Path,
    role: Role,
    out: Path,
    force: bool = False,
    lg: Lang | None = None,
    disclosures: Callable[[Path], None] | None = None,
    said: Callable[[str], None] | None = None,
) -> int:
    """Write `role`'s export of the run into `out`; the number of files written.
    `disclosures`: the operator view's check of what its published part tells beside an id
    (the CLI passes the verifier's, which this module may not import), run after the view's
    own refusals and before anything is copied; it raises RunFolderError to refuse. `said`:
    told each thing the export leaves to the exporter (a no-ride notice no driver posts)."""
    check_apart(run, out)
    if role in ("driver", "operator"):
        _refuse_stale_report(run)
    with _fresh(out, force) as tmp:
        if role == "operator":
            operator_view(run, tmp, disclosures)
        elif role == "public" and (run / "purged.json").is_file():
            public_from_aggregates(run, tmp)  # purged for retention: the counts it kept
        else:
            data = load_run(run)
            if role == "driver":
                for page in driver_packs(data, tmp, lg):
                    if said is not None:  # to whoever exports: the command line's language
                        said(
                            cli_lang()
                            .ngettext(
                                "no-ride notice of {place} for {day} ({n} person): no vehicle "
                                "boards there that day or the day before, so it is in no "
                                "driver's pack: post it or phone (the coordinators' copy is "
                                "{copy})",
                                "no-ride notice of {place} for {day} ({n} people): no vehicle "
                                "boards there that day or the day before, so it is in no "
                                "driver's pack: post it or phone (the coordinators' copy is "
                                "{copy})",
                                page.people,
                            )
                            .format(
                                place=page.place_id,
                                day=page.day,
                                n=page.people,
                                copy=f"report/drivers/{page.day}/no-ride/{page.place_id}.html",
                            )
                        )
            else:
                public_export(data, tmp)
        return sum(1 for p in tmp.rglob("*") if p.is_file())


def _refuse_stale_report(run: Path) -> None:
    """A run whose report/ is not what report.json vouches for (a sheet's departure moved, a
    page edited, a file deleted or slipped in) is not handed to drivers or operators: the operator
    view copies report/, and a driver pack beside a forged sheet would contradict it. A run
    purged for retention has lost report files by design (`verify` checks what remains)."""
    if (run / "purged.json").is_file():
        return
    stale = stale_report(run)
    if stale:
        more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
        raise RunFolderError(
            stale[0].split(":", 1)[0],
            None,
            "report",
            f"{stale[0].split(': ', 1)[1]}{more}: the report is not what the run vouches for; "
            "`foresterie verify RUN` lists every file; remove report/ and `foresterie report RUN` "
            "writes it anew",
        )


# Each public table and its columns counting people or person-days (suppressed when small).
PUBLIC_TABLES = {
    "housing_by_site.csv": (2, 3),
    "occupancy_by_week.csv": (4, 5),
    "waitlist_by_reason.csv": (1,),
    "transport_by_week.csv": (2, 3),
    "unserved_by_reason.csv": (1,),
}
# The columns that say which cell a row is (foresteria, week, section; or a code).
PUBLIC_KEYS = {
    "housing_by_site.csv": (0, 1),
    "occupancy_by_week.csv": (0, 1, 2),
    "waitlist_by_reason.csv": (0,),
    "transport_by_week.csv": (0, 1),
    "unserved_by_reason.csv": (0,),
}
# Columns that do not add up (the week's peak guests): protected as a whole column only.
NOT_ADDITIVE = {("occupancy_by_week.csv", 5)}


def public_from_aggregates(root: Path, out: Path) -> None:
    """The public export of a run purged for retention (README, "Retention"): its people are
    gone (all, or those who had left), so the tables are the counts the purge kept in
    `aggregates/` (written from the whole run before anything was removed), suppressed as
    usual; the season figures from the manifest. The same bytes as before the purge."""
    import csv
    import io

    manifest = json_value(read_inside(root, "manifest.json", 1 << 26).decode("utf-8"))
    day = DAY_RUN_INPUT in manifest.get("inputs", {})
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for name, cols in PUBLIC_TABLES.items():
        if day and name in DAY_UNPUBLISHED:  # kept among the aggregates, unpublished
            continue
        text = read_inside(root, f"aggregates/{name}", 1 << 30).decode("utf-8-sig")
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        tables[name] = header, [[int(c) if i in cols else c for i, c in enumerate(r)] for r in rows]
    for name, (header, table) in protected(tables).items():
        _write(out / name, header, table)
    _write(out / "kpis.csv", ["kpi", "value"], public_kpis(manifest.get("kpis", {}), day=day))
    text = PUBLIC_README.format(n_minus=MIN_CELL - 1, s=SUPPRESSED, c=COMPLEMENTARY)
    write_text(out / "README.md", text + (DAY_README if day else ""))


# ------------------------------------------------------------------ driver


def driver_packs(run: RunData, out: Path, lg: Lang | None = None) -> list[NoRidePage]:
    """DAY/VEHICLE/: sheet, GPX, notices and boarding list of that vehicle-day only, and the
    no-ride notices it is to post (pack_no_ride), counted rather than named. Returns the no-ride
    pages no driver posts (no vehicle boards at the place that day or the day before: after a
    breakdown, a settlement's page; review 20 R, LOW-4), for the exporter to be told."""
    lg = lg or lang(run.scenario.config.report.lang)
    rides_of: dict[str, Any] = {}
    beds = bed_ends(run)
    vds = vehicle_days(run)
    pages = no_ride_pages(run)
    no_ride = pack_no_ride(vds, pages)
    posted = {(p.day, p.place_id) for ps in no_ride.values() for p in ps}
    unposted = [p for ps in pages.values() for p in ps if (p.day, p.place_id) not in posted]
    mornings = ride_days(run) if no_ride else None
    langs = notice_langs(run, lg)
    rests = vehicle_rests(run.trips, run.scenario.config.scenario.timezone)  # the sheet's line
    copies: dict[tuple[str, str], str] = {}  # each notice rendered once (326 for 1,244 copies)
    for vd in vds:
        if vd.day not in rides_of:
            rides_of = {vd.day: riders_by_day(run, vd.day)}
        own = {wid for t in vd.trips for s in t.stops for wid in s.worker_ids}
        rides = {w: r for w, r in rides_of[vd.day].items() if w in own}
        folder = out / vd.day / vd.vehicle_id
        html, table = boarding_list(run, vd, lg)
        write_text(
            folder / f"{vd.vehicle_id}.html",
            sheet_html(run, vd, lg, rests.get((vd.vehicle_id, vd.day))),
        )
        write_text(folder / f"{vd.vehicle_id}.gpx", sheet_gpx(run, vd))
        write_text(folder / f"{vd.vehicle_id}-notices.html", notices_html(run, vd, rides, lg, beds))
        write_text(folder / "boarding.html", html)
        write_text(folder / "boarding.csv", table)
        for page in no_ride.get((vd.day, vd.vehicle_id), []):
            key = (page.day, page.place_id)
            if key not in copies:  # a place's notice goes to each vehicle boarding there
                assert mornings is not None
                copies[key] = no_ride_html(run, page, mornings, lg, langs, show_ids=False)
            write_text(folder / NO_RIDE_FOLDER / f"{page.day}-{page.place_id}.html", copies[key])
    write_text(out / "README.md", DRIVER_README)
    return sorted(unposted, key=lambda p: (p.day, p.place_id))


NO_RIDE_FOLDER = "no-ride"  # inside a pack: DAY-PLACE.html, the day the page is for


def boarding_places(vd: VehicleDay) -> set[str]:
    """Where the vehicle-day's riders board: each morning trip's departure point, else its base."""
    return {t.origin_id or t.foresteria_id for t in vd.trips if t.direction == "to_farm"}


def pack_no_ride(
    vds: list[VehicleDay], pages: dict[str, list[NoRidePage]]
) -> dict[tuple[str, str], list[NoRidePage]]:
    """(day, vehicle) -> the no-ride pages its driver posts. The page of place P and day D goes,
    like the slips of D, into the packs of D of the vehicles that board riders at P on D; when
    none does (no vehicle runs there that day: the very case of a base without vehicles), into
    the packs of the day before of those that board at P then, whose drivers are back at P that
    evening; else into none (the coordinators' copy in report/drivers/DAY/no-ride/ remains)."""
    serving: dict[tuple[str, str], list[str]] = defaultdict(list)  # (day, place) -> vehicles
    for vd in vds:
        for place in sorted(boarding_places(vd)):
            serving[vd.day, place].append(vd.vehicle_id)
    out: dict[tuple[str, str], list[NoRidePage]] = defaultdict(list)
    for day, day_pages in sorted(pages.items()):
        before = date.fromordinal(date.fromisoformat(day).toordinal() - 1).isoformat()
        for page in day_pages:
            when = day if serving.get((day, page.place_id)) else before
            for vehicle in serving.get((when, page.place_id), []):
                out[when, vehicle].append(page)
    return dict(out)


DRIVER_README = """# Driver packs

One folder per day and vehicle (`DAY/VEHICLE/`): the driver sheet (`VEHICLE.html`), the route
(`VEHICLE.gpx`), the worker notices of its morning trips (`VEHICLE-notices.html`) and the
boarding list (`boarding.html` to print, `boarding.csv` to fill in and import with
`foresterie ledger import`), and in `no-ride/` the notices to post where its riders board for
the people who have no shuttle to work on a day (`DAY-PLACE.html`, to post the evening before):
that day's, where the vehicle boards riders that day; the next day's, where it boards riders
today and no vehicle does tomorrow. A notice in a pack counts the people without a ride instead
of naming them (the coordinators' copy in the report names them). A pack holds the pseudonymous
ids of that vehicle-day's riders only: hand each driver their own folder, not this whole export.
"""


# ------------------------------------------------------------------ operator


def operator_view(run: Path, out: Path, disclosures: Callable[[Path], None] | None = None) -> None:
    """The run folder without restricted/: what an operator needs to run the service. A run
    folder written before the restricted part existed keeps priorities in its inputs: refused
    (`foresterie replay RUN --out NEW` writes it anew, with the restricted part)."""
    for rel in ("inputs/workers.csv", "plan/waitlist.csv"):
        head = read_inside(run, rel, 1 << 30).split(b"\n", 1)[0].decode("utf-8", "replace")
        if "priority" in head.split(","):
            raise RunFolderError(
                rel, 1, "priority", "a run from before the restricted part: replay it first"
            )
    # Figures on priorities or referrals beside the plan's ids single people out in a small
    # run: a run from before restricted/kpis.json has them in its manifest (and its report).
    sealed = split_kpis(read_manifest(run)["kpis"])[1]
    if sealed:
        part, group = next(iter(sealed.items()))
        raise RunFolderError(
            "manifest.json",
            None,
            f"kpis.{part}.{next(iter(group))}",
            "a figure on priorities or referrals, from before restricted/kpis.json: replay the "
            "run first",
        )
    # The lottery's tickets beside the ids tell who was housed ahead of a look-alike, i.e. who
    # is not their equal (a priority): a run from before restricted/lottery.csv published them.
    if (run / "plan" / "lottery.csv").exists():
        raise RunFolderError(
            "plan/lottery.csv",
            None,
            "ticket",
            "the lottery's tickets beside the ids, from before restricted/lottery.csv: replay "
            "the run first",
        )
    # Nothing beside an id that only a referral record explains (review 19 R, HIGH-3): a run
    # folder purged for retention has lost its people's rows, and is not read so.
    if disclosures is not None and not (run / "purged.json").is_file():
        disclosures(run)
    # Only what the run vouches for: a file slipped into inputs/, plan/ or report/ (a list of ids
    # and flags beside the plan, a dot-file) is not the run's, and is not handed on.
    manifest = read_manifest(run)
    vouched = {
        "inputs": manifest.get("inputs") or {},
        "plan": manifest.get("plan") or {},
        "report": (read_report_hashes(run) or {}).get("files") or {},
    }
    for name in OPERATOR_PARTS:
        src = run / name
        if src.is_symlink():
            continue  # a run folder is untrusted input: never follow a link out of it
        if name == "manifest.json":  # only what a run writes (core.runfolder.MANIFEST_LAYOUT)
            kept, dropped = known_manifest(run)
            if dropped:
                write_text(out / name, dumps_json(kept))
            else:  # as it is: its sha256 is the one the ledger and day runs hold
                shutil.copyfile(src, out / name)
        elif name in vouched:  # regular files reached through no link (a purged run has lost
            for rel, path in regular_files(src):  # some listed ones by design: verify says so)
                if rel in vouched[name]:
                    (out / name / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, out / name / rel)
        elif src.is_dir():
            shutil.copytree(src, out / name, symlinks=True, ignore=_links)
        elif src.is_file():
            shutil.copyfile(src, out / name)
    write_text(out / "OPERATOR.md", OPERATOR_README)


def known_manifest(run: Path) -> tuple[dict[str, Any], list[str]]:
    """(the run's manifest with only the keys a run writes, the dotted paths of the others):
    the layout's keys (core.runfolder.MANIFEST_LAYOUT), and of the budgets those of inputs/
    scenario.toml's [solver], which the snapshot wrote them from (a budget without a value has
    no TOML line). Anything else would ride beside the plan's ids into the operator's copy with
    nothing vouching for it (review 18 Q, M1); `verify` refuses it."""
    kept, dropped = manifest_known(read_manifest(run))
    budgets = kept.get("budgets")
    if isinstance(budgets, dict):
        try:
            text = read_inside(run, "inputs/scenario.toml", 1 << 20).decode("utf-8")
            solver = tomllib.loads(text).get("solver", {})
        except (UnsafePath, OSError, ValueError):  # unreadable: no budget is vouched for
            solver = {}
        for k in [k for k, v in budgets.items() if k not in solver and v is not None]:
            del budgets[k]
            dropped.append(f"budgets.{k}")
    return kept, sorted(dropped)


def operator_warnings(run: Path) -> list[str]:
    """What the operator view of this run still lets one infer, worth a line to whoever exports
    it: a season or intake run drawn without a draw key ([data] draw_key) broke its ties with
    sha256("SEED:WORKER_ID"), which the view's seed and ids replay (README "Restricted part and
    encryption"). A day run has no priority to protect. And the manifest's keys no run writes,
    left out of the view."""
    dropped = known_manifest(run)[1]
    said = (
        [
            f"manifest.json: {', '.join(k[:60] for k in dropped[:5])}"
            + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
            + ": not part of a run's manifest, left out of the operator view (`foresterie verify` "
            "refuses the run)"
        ]
        if dropped
        else []
    )
    if (run / "inputs" / DAY_RUN_INPUT).is_file():
        return said
    listed = read_manifest(run).get("restricted", {})
    if isinstance(listed, dict) and RESTRICTED_DRAW_KEY in listed:
        return said
    return [
        *said,
        "this run has no draw key (restricted/draw_key.txt): its ride order among equals is "
        "sha256(seed:id), and the crowd drawn into the waitlist's not_offered code is drawn "
        "from the seed too, which the operator view replays to tell referred people apart; give "
        "the scenario [data] draw_key and solve it again",
    ]


def _links(folder: str, names: list[str]) -> list[str]:
    """What a copy of a run's folder leaves behind: links, and dot-files no run writes."""
    return [n for n in names if n.startswith(".") or Path(folder, n).is_symlink()]


OPERATOR_README = """# Operator view

This is the run folder without its restricted part (`restricted/`: each person's priority, the
referral records and every figure on them, the draw key behind the tie-breaks among equals and
the lottery's tickets, which stay with the case office). Everything needed
to run the service is here: the plan (`plan/`), the inputs the model read (`inputs/`, without
the priority column), the report, the map, the driver sheets and the boarding lists
(`report/`, each file's sha256 in `report.json`) and the manifest.
`foresterie verify` checks this folder and lists, one line per family, the checks that need the
restricted part (exit 0 when everything else passes).

Beside an id this folder says nothing that only a referral record explains: a waitlist code the
published inputs and occupancy would refute (`unsuitable` while a foresteria within reach is
open with the beds, `full` while one has room for the whole stay) is published `not_offered`,
with a share of the other waitlisted people drawn by lot under the draw key, and the export is
refused for a run that publishes such a code (README "Waitlist reasons"). What a reader may
still infer is said to whoever exports it, in a warning line.
"""


# ------------------------------------------------------------------ public


# Rows that count referred people, whatever their size: the waitlist code `placement` arises
# only from a referral record's sites to avoid, and `not_offered` holds them with the crowd drawn
# by lot (a crowd that may be small, or empty: its count less the crowd's expected share is a
# figure on referred people). "No figure on referred people": such a row is suppressed like a
# small cell (and so hides one more cell of its column).
REFERRED_ONLY = {"waitlist_by_reason.csv": frozenset({"placement", "not_offered"})}


def protected(
    tables: dict[str, tuple[list[str], list[list[Any]]]],
    referred_only: dict[str, frozenset[str]] = REFERRED_ONLY,
    one_night: set[tuple[str, str, str]] | None = None,
) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The public tables with their small cells hidden (README of the export; `core.cells`).
    Primary: a count of people (or person-days) in 1..MIN_CELL-1 becomes SUPPRESSED, and any
    non-zero count of a row whose first cell is in REFERRED_ONLY is hidden too (SUPPRESSED where
    it is small, COMPLEMENTARY otherwise). Secondary, over the tables together (`_lines`): every
    line of cells whose sum is published, here or in the monitor (a foresteria's weeks, a
    week's foresterie or sections, a column's total, a site's season bed-nights against its
    weeks), hides none or at least two of its cells, and no hidden cell is the outcome of
    several lines taken together (`core.cells.protect`). A published SUPPRESSED is always true.
    `one_night`: the (foresteria, week, section) rows of occupancy_by_week whose week has one
    night in the season: their peak guests are their bed-nights used (a line of the two)."""
    values: dict[tuple[str, int, int], int] = {}
    primary: set[tuple[str, int, int]] = set()
    for name, (_header, rows) in tables.items():
        referred = referred_only.get(name, frozenset())
        for i, r in enumerate(rows):
            for c in PUBLIC_TABLES[name]:
                values[name, i, c] = r[c]
                if small(r[c]) or (r[c] and r[0] in referred):
                    primary.add((name, i, c))
    boxes: dict[tuple[str, int, int], list[tuple[tuple[str, int, int], ...]]] = {}
    for name, (_header, rows) in tables.items():
        for c in PUBLIC_TABLES[name]:
            if (name, c) in NOT_ADDITIVE:
                continue
            coords = {
                (name, i, c): tuple(str(r[k]) for k in PUBLIC_KEYS[name])
                for i, r in enumerate(rows)
            }
            for k in coords.keys() & primary:
                boxes[k] = box_options(coords, k)
    lines = _lines(tables)
    _h, occ = tables.get("occupancy_by_week.csv", ([], []))
    for i, r in enumerate(occ):  # one night: peak = used, each tells the other (review 19 R)
        if (str(r[0]), str(r[1]), str(r[2])) in (one_night or set()):
            lines.append({("occupancy_by_week.csv", i, 4): 1, ("occupancy_by_week.csv", i, 5): -1})
    hidden = protect(values, primary, lines, boxes=boxes, marks=True)
    stars = starred(values, hidden, lines)
    out = {name: (header, [list(r) for r in rows]) for name, (header, rows) in tables.items()}
    for k in hidden:
        name, i, c = k
        out[name][1][i][c] = SUPPRESSED if small(values[k]) and k not in stars else COMPLEMENTARY
    return out


def _lines(
    tables: dict[str, tuple[list[str], list[list[Any]]]],
) -> list[dict[tuple[str, int, int], int]]:
    """The lines of cells whose sum is published (or taken as published: the monitor gives a
    site's week, a week's region-wide figure, the season's totals): in each table and count
    column, the cells that differ in one key column only (a site's weeks, a week's sites, a
    site-week's sections ...; a one-key table's whole column); a column that does not add up,
    whole; and a site's season bed-nights of a section (housing_by_site, at -1) with its weeks
    (occupancy_by_week): they sum to 0."""
    lines: list[dict[tuple[str, int, int], int]] = []
    for name, (_header, rows) in sorted(tables.items()):
        keys = PUBLIC_KEYS[name]
        for c in PUBLIC_TABLES[name]:
            if (name, c) in NOT_ADDITIVE:
                lines.append({(name, i, c): 1 for i in range(len(rows))})
                continue
            for free in range(len(keys)):
                groups: dict[tuple[str, ...], dict[tuple[str, int, int], int]] = defaultdict(dict)
                for i, r in enumerate(rows):
                    at = tuple(str(r[k]) for j, k in enumerate(keys) if j != free)
                    groups[at][name, i, c] = 1
                if name == "occupancy_by_week.csv" and c == 4 and free == 1:
                    _header, site = tables.get("housing_by_site.csv", ([], []))
                    for i, r in enumerate(site):  # a (site, section)'s weeks add up to its season
                        groups[str(r[0]), str(r[1])]["housing_by_site.csv", i, 3] = -1
                lines += [groups[at] for at in sorted(groups)]
    return lines


@dataclass(kw_only=True)
class _Week:
    """The shuttles of one boarding place (foresteria or departure point) in one ISO week."""

    transported: int = 0
    unserved: int = 0
    trips: int = 0
    vehicle_days: set[tuple[str, str]] = field(default_factory=set)
    km: float = 0.0


def _week(day: str) -> str:
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def nights_planned(run: RunData) -> list[Any]:
    """The occupancy rows of the nights the run plans: its scenario's season, whose nights
    the KPIs count. A day run's plan lists the beds of every night of the season (used on its
    day only): its export counted the season's weeks, bed-nights available on nights it does
    not plan (review 17), where the season run's export of that week counts its nights."""
    cfg = run.scenario.config.scenario
    first, last = cfg.season_start.isoformat(), cfg.season_end.isoformat()
    return [o for o in run.occupancy if first <= o[1] <= last]


def one_night_weeks(run: RunData) -> set[tuple[str, str, str]]:
    """The (foresteria, ISO week, section) of occupancy_by_week with one night of the season
    (a season that begins on a Sunday or ends on a Monday): there, peak guests = bed-nights."""
    nights: Counter[tuple[str, str, str]] = Counter()
    for fid, night, sec, _beds, _used in nights_planned(run):
        nights[fid, _week(night), sec] += 1
    return {k for k, n in nights.items() if n == 1}


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    write_text(path, csv_text([[csv_cell(c) for c in r] for r in rows], header))


def public_export(run: RunData, out: Path, small_cells: bool = False) -> None:
    """Counts only (README of the export states the rule). `small_cells` True keeps counts
    under MIN_CELL: for the aggregates a retention purge keeps inside the run folder, which
    stays with the operator, never for publication."""
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    section = {w.id: w.section.value for w in run.scenario.workers}
    occupancy = nights_planned(run)
    housed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for wid, fid, _a, _b in run.spans:
        housed[fid, section.get(wid, "")].add(wid)
    nights: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for fid, _night, sec, _beds, used in occupancy:
        nights[fid, sec][0] += used
    for (fid, sec), people in housed.items():
        nights[fid, sec][1] = len(people)
    rows = [[fid, sec, n[1], n[0]] for (fid, sec), n in sorted(nights.items())]
    tables["housing_by_site.csv"] = (
        ["foresteria_id", "section", "people_housed", "bed_nights_used"],
        rows,
    )
    week: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for fid, night, sec, beds, used in occupancy:
        cell = week[fid, _week(night), sec]
        cell[0] += beds
        cell[1] += used
        cell[2] = max(cell[2], used)
    rows = [[fid, wk, sec, *v] for (fid, wk, sec), v in sorted(week.items())]
    tables["occupancy_by_week.csv"] = (
        [
            "foresteria_id",
            "week",
            "section",
            "bed_nights_available",
            "bed_nights_used",
            "peak_guests",
        ],
        rows,
    )
    codes = Counter(w["code"] for w in run.waitlist)
    table = [[c, n] for c, n in sorted(codes.items())]
    day = DAY_RUN_INPUT in run.manifest.get("inputs", {})
    tables["waitlist_by_reason.csv"] = (["code", "people"], table)
    # Keyed by where the riders board (a departure point, else the foresteria), as the unserved
    # are (review 20 R, MEDIUM-4: a settlement read "0 transported" beside its unserved, its
    # riders counted under the base that sends the vehicle).
    transport: dict[tuple[str, str], _Week] = defaultdict(_Week)
    for t in run.trips:
        tw = transport[t.origin_id or t.foresteria_id, _week(t.day)]
        if t.direction == "to_farm":
            tw.transported += t.riders
        tw.trips += 1
        tw.vehicle_days.add((t.day, t.vehicle_id))
        tw.km += t.km
    for u in run.unserved:
        transport[u.foresteria_id, _week(u.day)].unserved += u.riders
    rows = [
        [fid, wk, v.transported, v.unserved, v.trips, len(v.vehicle_days), round(v.km, 1)]
        for (fid, wk), v in sorted(transport.items())
    ]
    tables["transport_by_week.csv"] = (
        [
            "place_id",
            "week",
            "worker_days_transported",
            "worker_days_unserved",
            "trips",
            "vehicle_days",
            "vehicle_km",
        ],
        rows,
    )
    unserved = Counter[str]()
    for u in run.unserved:
        unserved[u.code] += u.riders
    tables["unserved_by_reason.csv"] = (
        ["code", "worker_days"],
        [[c, n] for c, n in sorted(unserved.items())],
    )
    if day and not small_cells:  # DAY_UNPUBLISHED: the aggregates keep them, nothing publishes
        tables = {k: v for k, v in tables.items() if k not in DAY_UNPUBLISHED}
    one_night = one_night_weeks(run) if not small_cells else set()
    for name, (header, table) in (
        tables if small_cells else protected(tables, one_night=one_night)
    ).items():
        _write(out / name, header, table)
    _write(
        out / "kpis.csv",
        ["kpi", "value"],
        public_kpis(run.manifest.get("kpis", {}), small_cells, day and not small_cells),
    )
    if not small_cells:
        text = PUBLIC_README.format(n_minus=MIN_CELL - 1, s=SUPPRESSED, c=COMPLEMENTARY)
        write_text(out / "README.md", text + (DAY_README if day else ""))


def _flat(d: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for k, v in sorted(d.items()):
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def public_kpis(
    kpis: dict[str, Any], small_cells: bool = False, day: bool = False
) -> list[list[Any]]:
    """Season figures from the manifest, without any figure on priority or referred people
    (a few, vulnerable people), small counts of people suppressed. `day` (a day run's): without
    the waitlist and the figures a day cannot know, as its index.html (DAY_WAITLIST)."""
    rows = []
    for key, v in _flat(kpis):
        if restricted_kpi(key):  # a run from before restricted/kpis.json has them
            continue
        if day and (key.startswith("housing.") or DAY_LEFT_OUT.fullmatch(key)):
            continue  # DAY_UNPUBLISHED: a day's "housing" figures are its riders, not its night
        small = (
            not small_cells and isinstance(v, int) and not isinstance(v, bool) and 0 < v < MIN_CELL
        )
        if small and (
            key in PEOPLE_KPIS or key.split(".")[1].startswith(("housed_", "waitlisted_"))
        ):
            v = SUPPRESSED
        rows.append(
            [key, "" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else v)]
        )
    return rows


# DAY_WAITLIST: a day run (`foresterie day`) places nobody. Its "waitlist" lists the riders
# who board at a departure point (no bed that day, code `past`): published as waitlisted they
# would read as people refused a bed that day. Its public tables leave the waitlist out, as its
# index.html does (report/html.py, DAY_LEFT_OUT).
DAY_README = """
A day run (one day's shuttles) publishes its transport only: `transport_by_week.csv` (its day,
in its ISO week), `unserved_by_reason.csv` and the `transport` figures of `kpis.csv`. It places
nobody and counts its day's riders only, so it publishes no waitlist and no housing table or
figure: the beds and guests of its night are those of the season run (or the intake) it was
made from, whose export counts them.
"""

# DAY_README: the tables a day run's public export leaves out (its aggregates keep them).
DAY_UNPUBLISHED = frozenset(
    {"waitlist_by_reason.csv", "housing_by_site.csv", "occupancy_by_week.csv"}
)


PUBLIC_README = """# Public aggregate export

Counts only, for monitoring and publication: no worker id, no priority, no referral record and
no figure on referred people.

Small cells: every count of people or of person-days (people housed, bed-nights used, guests,
people waitlisted, worker-days transported or unserved) from 1 to {n_minus} is replaced by
`{s}`; zero is shown. Counts add up: a foresteria's weeks to its season, a week's foresterie or
sections to the week's figure (which the Region's monitoring publishes), a column to its
total. Wherever such a line of cells would hide exactly one of them, its smallest other count
is hidden too, shown as `{c}` (it may be any size), until no line does, so that no hidden
cell can be recovered by subtraction, here or against the monitoring's figures.
Runs publish no code a referral decides: people kept away from a foresteria within reach by
their placement constraints are waitlisted under `not_offered`, with a share of the people
waitlisted for full or unsuitable beds drawn by lot into the same code, and that row is
suppressed whatever its number, as is `placement` in older runs (only people referred by the
anti-exploitation system have it).
Counts of beds, trips, vehicles and kilometres are not about people and are shown as they are.

Files: `housing_by_site.csv` (people housed and bed-nights per foresteria and section),
`occupancy_by_week.csv` (per foresteria, ISO week and section), `waitlist_by_reason.csv`,
`transport_by_week.csv` (per boarding place, `place_id`: a foresteria, or a departure point
where people without a bed board, and ISO week; the trips, vehicle-days and kilometres of the
trips that board there, a vehicle-day that boards at two places counted at each),
`unserved_by_reason.csv`, `kpis.csv` (season figures of the run's manifest). Text cells starting with =, +, -, @ are prefixed with
an apostrophe so that a spreadsheet does not run them as formulas.

The files are CSV (RFC 4180, UTF-8): fields separated by commas, decimals written with a point
(`1002.1` km). A spreadsheet set for Italian reads a comma as the decimal mark: open them with
Data > From Text/CSV, delimiter comma, decimal separator point, or the figures come in as text
or dates. `<5` and `*` are text: a sum over a column leaves them out, so a breakdown with hidden
cells adds up to less than its total.
"""
