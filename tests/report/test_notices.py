"""Worker notices: a bed that ends before the person's stay does is told, in their language."""

from __future__ import annotations

import csv
import dataclasses
import html
import re
import shutil
from datetime import date
from pathlib import Path

from foresterie.core.i18n import lang
from foresterie.report.html import write_report
from foresterie.report.notices import (
    BED_END_ASK,
    BED_END_TEXT,
    BED_START_ASK,
    BED_START_ASK_ONE,
    BED_START_ONE_PLAIN,
    BED_START_TEXT,
    BedEnd,
    BedStart,
    bed_end_due,
    bed_end_html,
    bed_ends,
    bed_start_html,
    bed_starts,
)
from foresterie.report.rundata import load_run

SLIP = re.compile(
    r"<section class='slip'(?: lang='(\w+)')?[^>]* data-worker='([^']+)'[^>]*>(.*?)</section>"
)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _told(code: str, when: str) -> str:
    """The sentence a person of language `code` reads when their bed at Borgo Mezzanone ends
    after the night of `when` because it closes."""
    lg = lang(code)
    return (
        lg._(BED_END_TEXT["after_closing"]).format(
            foresteria="Borgo Mezzanone", date=lg.date(when, "full")
        )
        + " "
        + lg._(BED_END_ASK)
    )


def test_a_bed_that_ends_early_is_told_on_the_slips_and_at_the_desk(bed_end_run: Path) -> None:
    """Borgo Mezzanone closes after the night of 8 July; the family W04 (en) and W05 (ar) stays
    until the 11th: its bed there ends early. Each of their slips (6-8 July, within the week
    before) and the desk's notice of Borgo Mezzanone say so in their language, with the last
    night; nobody else is told anything."""
    plan = bed_end_run / "plan"
    with (plan / "uncovered.csv").open(encoding="utf-8") as fh:
        gaps = {(r["worker_id"], r["from"], r["code"]) for r in csv.DictReader(fh)}
    assert gaps == {("W04", "2026-07-09", "after_closing"), ("W05", "2026-07-09", "after_closing")}
    want = {"W04": "en", "W05": "ar"}

    desk = (bed_end_run / "report" / "notices" / "FB-beds.html").read_text(encoding="utf-8")
    notices = {wid: (code, body) for code, wid, body in SLIP.findall(desk)}
    assert {w: c for w, (c, _) in notices.items()} == want
    for wid, (code, body) in notices.items():
        assert _told(code, "2026-07-08") in _text(body), wid
        assert "<bdi>800 290 290</bdi>" in body  # where to turn, on the notice itself
    assert "data-last-night='2026-07-08'" in desk
    assert not list((bed_end_run / "report" / "notices").glob("FA-*"))

    told: dict[str, set[str]] = {w: set() for w in want}
    for page in sorted((bed_end_run / "report" / "drivers").glob("*/*-notices.html")):
        day = page.parent.name
        for code, wid, body in SLIP.findall(page.read_text(encoding="utf-8")):
            beds = re.findall(r"<p class='bed'>(.*?)</p>", body)
            if wid in want:
                assert [_text(b) for b in beds] == [_told(code, "2026-07-08")], (day, wid)
                told[wid].add(day)
            else:
                assert beds == [], (day, wid)
    assert told == {w: {"2026-07-06", "2026-07-07", "2026-07-08"} for w in want}

    index = (bed_end_run / "report" / "index.html").read_text(encoding="utf-8")
    assert "href='notices/FB-beds.html'>Borgo Mezzanone</a> (2)" in index


def test_arabic_bed_notices_isolate_every_latin_value(bed_end_run: Path) -> None:
    bodies = re.findall(
        r"<section class='slip'[^>]* dir='rtl'[^>]*>.*?<p class='bed'>(.*?)</p>",
        (bed_end_run / "report" / "notices" / "FB-beds.html").read_text(encoding="utf-8"),
    )
    assert bodies
    for b in bodies:
        assert not re.search(r"[A-Za-z]", _text(re.sub(r"<bdi>.*?</bdi>", "", b))), b


def test_slips_say_it_in_the_week_up_to_the_last_night() -> None:
    end = BedEnd(
        worker_id="W1", foresteria_id="FB", last_night=date(2026, 7, 8), code="after_closing"
    )
    due = {d: bed_end_due([end], f"2026-07-{d:02d}") is end for d in range(1, 11)}
    assert due == {d: 2 <= d <= 8 for d in range(1, 11)}


def test_transfers_and_gaps_between_foresterie_name_the_next_bed(bed_end_run: Path) -> None:
    """W01 moves from FA to FB on 9 July (a transfer); W02 leaves FA after the night of the 7th
    and has a bed at FB from the night of the 10th (a gap); W03's bed ends on their departure
    (nothing to tell)."""
    run = dataclasses.replace(
        load_run(bed_end_run),
        spans=[
            ("W01", "FA", "2026-07-06", "2026-07-09"),
            ("W01", "FB", "2026-07-09", "2026-07-13"),
            ("W02", "FA", "2026-07-06", "2026-07-08"),
            ("W02", "FB", "2026-07-10", "2026-07-13"),
            ("W03", "FA", "2026-07-06", "2026-07-13"),
        ],
        uncovered=[("W02", "between_foresterie", "2026-07-08", "2026-07-10")],
    )
    ends = bed_ends(run)
    assert ends == {
        "W01": [
            BedEnd(
                worker_id="W01",
                foresteria_id="FA",
                last_night=date(2026, 7, 8),
                code="transfer",
                next_id="FB",
                next_from=date(2026, 7, 9),
            )
        ],
        "W02": [
            BedEnd(
                worker_id="W02",
                foresteria_id="FA",
                last_night=date(2026, 7, 7),
                code="between_foresterie",
                next_id="FB",
                next_from=date(2026, 7, 10),
            )
        ],
    }
    it = lang("it")
    assert _text(bed_end_html(run, ends["W01"][0], it)) == (
        "Il tuo posto letto cambia: l'ultima notte presso Fortore è quella di mercoledì 8 luglio "
        "2026; dalla notte di giovedì 9 luglio 2026 dormirai presso Borgo Mezzanone."
    )
    assert _text(bed_end_html(run, ends["W02"][0], it)) == (
        "Il tuo posto letto presso Fortore finisce: l'ultima notte è quella di martedì 7 luglio "
        "2026. Dalla notte di venerdì 10 luglio 2026 hai un posto letto presso Borgo Mezzanone. "
        "Per le notti in mezzo chiedi al personale della foresteria."
    )


def _told_start(code: str) -> str:
    """What a person of language `code` reads when their bed at Borgo Mezzanone starts on the
    night of 8 July, when it opens, and they arrive on the 6th."""
    lg = lang(code)
    return (
        lg._(BED_START_TEXT["before_opening"]).format(
            foresteria="Borgo Mezzanone",
            date=lg.date("2026-07-08", "full"),
            first=lg.date("2026-07-06", "full"),
            last=lg.date("2026-07-07", "full"),
        )
        + " "
        + lg._(BED_START_ASK)
    )


def test_nights_before_the_first_bed_are_told_at_the_desk(bed_start_run: Path) -> None:
    """Borgo Mezzanone opens on 8 July; the family W04 (en) and W05 (ar) arrives on the 6th: the
    desk there has a notice for each, in their language, with the nights without a bed and the
    first night in it; the index links it, the case workers' page points to it; nobody else."""
    with (bed_start_run / "plan" / "uncovered.csv").open(encoding="utf-8") as fh:
        gaps = {(r["worker_id"], r["from"], r["to"], r["code"]) for r in csv.DictReader(fh)}
    assert gaps == {(w, "2026-07-06", "2026-07-08", "before_opening") for w in ("W04", "W05")}
    assert bed_starts(load_run(bed_start_run)) == [
        BedStart(
            worker_id=w,
            foresteria_id="FB",
            first_night=date(2026, 7, 6),
            first_bed=date(2026, 7, 8),
            code="before_opening",
        )
        for w in ("W04", "W05")
    ]
    notices = bed_start_run / "report" / "notices"
    assert sorted(p.name for p in notices.iterdir()) == ["FB-first-bed.html"]
    desk = (notices / "FB-first-bed.html").read_text(encoding="utf-8")
    slips = {wid: (code, body) for code, wid, body in SLIP.findall(desk)}
    assert {w: c for w, (c, _) in slips.items()} == {"W04": "en", "W05": "ar"}
    for wid, (code, body) in slips.items():
        (bed,) = re.findall(r"<p class='bed'>(.*?)</p>", body)
        assert _text(bed) == _told_start(code), wid
        assert "<bdi>800 290 290</bdi>" in body
    assert "data-first-bed='2026-07-08'" in desk and " dir='rtl'" in desk
    assert "<h1>Posti letto che iniziano dopo l&#x27;arrivo · Borgo Mezzanone</h1>" in desk
    index = (bed_start_run / "report" / "index.html").read_text(encoding="utf-8")
    assert "href='notices/FB-first-bed.html'>Borgo Mezzanone</a> (2)" in index
    people = (bed_start_run / "report" / "people.html").read_text(encoding="utf-8")
    assert people.count("href='notices/FB-first-bed.html'") == 2
    assert "data-told='no'" not in people


def test_arabic_first_bed_notices_isolate_every_latin_value(bed_start_run: Path) -> None:
    bodies = re.findall(
        r"<section class='slip'[^>]* dir='rtl'[^>]*>.*?<p class='bed'>(.*?)</p>",
        (bed_start_run / "report" / "notices" / "FB-first-bed.html").read_text(encoding="utf-8"),
    )
    assert len(bodies) == 1
    assert not re.search(r"[A-Za-z0-9]", _text(re.sub(r"<bdi>.*?</bdi>", "", bodies[0])))


def test_one_night_before_the_first_bed_reads_as_one(bed_start_run: Path) -> None:
    """Arriving the evening before the bed starts: one night, said as one, in French."""
    run = load_run(bed_start_run)
    fr = lang("fr")
    start = BedStart(
        worker_id="W02",
        foresteria_id="FA",
        first_night=date(2026, 7, 6),
        first_bed=date(2026, 7, 7),
        code="released_no_work",  # no sentence of its own: the plain one
    )
    assert _text(bed_start_html(run, start, fr)) == (
        fr._(BED_START_ONE_PLAIN).format(
            foresteria="Fortore",
            date=fr.date("2026-07-07", "full"),
            first=fr.date("2026-07-06", "full"),
        )
        + " "
        + fr._(BED_START_ASK_ONE)  # "that night", not "those nights" (review 19 R, LOW-4)
    )
    assert fr._(BED_START_ASK_ONE) != fr._(BED_START_ASK)


def test_a_dependants_bed_released_for_no_work_says_whose_farm(bed_start_run: Path) -> None:
    """A dependant has no farm: their bed ends because the farm of the people they came with had
    no work, not "your farm" (review 19 R, LOW-4); a worker's own notice keeps "your farm"."""
    run = load_run(bed_start_run)
    workers = [w.id for w in run.scenario.workers]
    child = workers[0]  # made a dependant (rides false) of the same season
    run.scenario = dataclasses.replace(
        run.scenario,
        workers=[dataclasses.replace(w, rides=w.id != child) for w in run.scenario.workers],
    )
    dependants, workers = [child], workers[1:]
    en = lang("en")

    def told(wid: str) -> str:
        end = BedEnd(
            worker_id=wid, foresteria_id="FA", last_night=date(2026, 7, 7), code="released_no_work"
        )
        return _text(bed_end_html(run, end, en))

    assert "the farm of the people you came with" in told(dependants[0])
    assert "your farm has no more work for you during your stay" in told(workers[0])


def test_first_bed_notices_that_no_longer_apply_are_removed(
    bed_start_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(bed_start_run, run)
    stale = run / "report" / "notices" / "FA-first-bed.html"
    stale.write_text("old", encoding="utf-8")
    write_report(run)
    assert not stale.exists()
    assert (stale.parent / "FB-first-bed.html").is_file()


def test_a_slip_joins_place_and_comune_with_its_own_comma(bed_end_run: Path) -> None:
    """Review 13: Arabic slips joined a place and its comune with a Latin comma. Each name is
    isolated on its own, joined by the slip's language's comma: the Arabic comma on an Arabic
    slip, a Latin one elsewhere; never a comma inside an isolate."""
    seen: set[str] = set()
    for page in sorted((bed_end_run / "report" / "drivers").glob("*/*-notices.html")):
        for code, _wid, body in SLIP.findall(page.read_text(encoding="utf-8")):
            joins = re.findall(r"</bdi>(، |, )<bdi>", body)
            assert joins, body
            assert set(joins) == ({"، "} if code == "ar" else {", "}), (code, joins)
            assert not re.search(r"<bdi>[^<]*[,،] [^<]*</bdi>", body), body
            seen.add(code)
    assert {"ar", "en"} <= seen


def test_a_slip_built_from_shared_parts_is_the_slip_built_alone(lang_run: Path) -> None:
    """slip_html's memo (what the riders of a stop share) keyed as it should be: every slip of
    the run, each rider in their own language on pages in two languages, one memo shared by all
    of them, is the slip built with nothing remembered."""
    from foresterie.report.notices import Ride, riders_by_day, slip_html

    run = load_run(lang_run)
    workers = {w.id: w for w in run.scenario.workers}
    memo: dict[tuple[str, ...], str] = {}
    checked = set()
    for day in sorted({t.day for t in run.trips}):
        rides = riders_by_day(run, day)
        for wid, mine in sorted(rides.items()):
            back = next((r for r in mine if r.trip.direction == "to_foresteria"), None)
            for ride in mine:
                if ride.trip.direction != "to_farm":
                    continue
                own = lang(workers[wid].lang or "it")
                for page in (lang("it"), lang("en")):
                    for way_back in (back, None):
                        shared = slip_html(
                            run,
                            wid,
                            Ride(trip=ride.trip, stop=ride.stop),
                            way_back,
                            own,
                            page,
                            None,
                            memo,
                        )
                        alone = slip_html(run, wid, ride, way_back, own, page)
                        assert shared == alone
                        checked.add(own.code)
    assert len(checked) >= 3 and len(memo) > 10  # several languages, many shared parts


def test_a_page_of_slips_is_slip_html_of_each_rider(lang_run: Path, bed_end_run: Path) -> None:
    """notices_html puts each slip together from what the riders of a stop in one language
    share (_StopSlips); every page of both runs, in Italian and in English, is the page of
    slip_html's slips built one by one with nothing remembered: each rider in their own
    language (ar, fr, en, the page's), with their way back and their bed ending."""
    from foresterie.report.notices import (
        NOTICE_CSS,
        Ride,
        notices_html,
        riders_by_day,
        slip_html,
    )
    from foresterie.report.page import escape, page_head
    from foresterie.report.sheets import vehicle_days

    told = 0
    seen: set[str] = set()
    for root in (lang_run, bed_end_run):
        run = load_run(root)
        beds = bed_ends(run)
        workers = {w.id: w for w in run.scenario.workers}
        for page in (lang("it"), lang("en")):
            for vd in vehicle_days(run):
                rides = riders_by_day(run, vd.day)
                slips = []
                for t in vd.trips:
                    for s in t.stops if t.direction == "to_farm" else ():
                        for wid in s.worker_ids:
                            own = lang(workers[wid].lang) if workers[wid].lang else page
                            back = next(
                                (
                                    r
                                    for r in rides.get(wid, [])
                                    if r.trip.direction == "to_foresteria"
                                    and r.trip.depart_min > t.depart_min
                                ),
                                None,
                            )
                            bed = bed_end_due(beds.get(wid, []), t.day)
                            slips.append(
                                slip_html(run, wid, Ride(trip=t, stop=s), back, own, page, bed)
                            )
                            told += bed is not None
                            seen.add(own.code)
                title = page._("Worker notices · vehicle {vehicle} · {day}").format(
                    vehicle=vd.vehicle_id, day=page.date(vd.day, "full")
                )
                plain = (
                    page_head(code=page.code, direction=page.dir, title=title, css=NOTICE_CSS)
                    + f"<h1>{escape(title)}</h1><div class='slips'>{''.join(slips)}</div>"
                    "</body></html>\n"
                )
                assert notices_html(run, vd, rides, page, beds) == plain
    assert told > 0 and seen == {"it", "en", "fr", "ar"}  # beds said; slips in four languages


def test_a_neutrally_published_span_is_told_as_what_the_site_does() -> None:
    """plan/uncovered.csv publishes `no_bed_elsewhere` where another foresteria within reach was
    open (review 17, finding 7: the placement must not show); the person's own notice still says
    why their bed ends or starts as the site does: its closing, its opening, or a next bed."""
    from types import SimpleNamespace
    from typing import Any

    run: Any = SimpleNamespace(
        spans=[
            ("W1", "FA", "2026-07-01", "2026-07-09"),
            ("W2", "FA", "2026-07-03", "2026-07-10"),
            ("W3", "FA", "2026-07-01", "2026-07-05"),
            ("W3", "FB", "2026-07-07", "2026-07-10"),
        ],
        uncovered=[
            ("W1", "no_bed_elsewhere", "2026-07-09", "2026-07-11"),
            ("W2", "no_bed_elsewhere", "2026-07-01", "2026-07-03"),
            ("W3", "no_bed_elsewhere", "2026-07-05", "2026-07-07"),
        ],
    )
    ends = bed_ends(run)
    assert [e.code for e in ends["W1"]] == ["after_closing"]
    assert [(e.code, e.next_id) for e in ends["W3"]] == [("between_foresterie", "FB")]
    assert [(s.worker_id, s.code) for s in bed_starts(run)] == [("W2", "before_opening")]
