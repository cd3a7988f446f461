"""No-ride notices: the people of a boarding place without a shuttle on a day are told, in their
language, why, when their next shuttle is and what to do."""

from __future__ import annotations

import csv
import html
import re
import shutil
from collections import defaultdict
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.i18n import lang
from foresterie.report.html import NO_SHEETS, write_report
from foresterie.report.noride import (
    ASK,
    ASK_NEXT,
    COMES_FROM,
    NEXT_ASK,
    NEXT_NONE,
    NEXT_ON,
    NO_PAY,
    WHY,
    Mornings,
    NoRidePage,
    next_ride,
    no_ride_html,
    notice_langs,
)
from foresterie.report.rundata import UnservedRow, load_run
from tests.helpers import XSS_FARM, XSS_POINT

BLOCK = re.compile(
    r"<section class='block'(?: lang='(\w+)')? dir='(\w+)' data-people='(\d+)'>(.*?)</section>"
)
FARM = re.compile(
    r"<div class='farm' data-farm='([^']+)' data-code='([^']+)' data-people='(\d+)'>(.*?)</div>"
)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _pages(run: Path) -> dict[tuple[str, str], str]:
    """(day, boarding place) -> the no-ride page's HTML."""
    return {
        (p.parent.parent.name, p.stem): p.read_text(encoding="utf-8")
        for p in (run / "report" / "drivers").glob("*/no-ride/*.html")
    }


def _blocks(page: str) -> list[tuple[str, str, str, str, list[str], str]]:
    """(language, direction, farm, code, ids, text) of each farm of each language's block of a
    page ("it": the page's); text: the whole block's."""
    out = []
    for code, d, n, body in BLOCK.findall(page):
        farms = FARM.findall(body)
        ids = [re.findall(r"<bdi>(W\d\d)</bdi>", f[3]) for f in farms]
        assert int(n) == sum(len(i) for i in ids)
        out += [
            (code or "it", d, f[0], f[1], i, _text(body)) for f, i in zip(farms, ids, strict=True)
        ]
    return out


def test_each_place_and_day_without_a_ride_has_a_page_naming_exactly_its_people(
    no_ride_run: Path,
) -> None:
    """One page per boarding place and day of unserved.csv, naming each of its ids once and
    nobody else (a page is posted where everyone can read it)."""
    want: dict[tuple[str, str], list[str]] = defaultdict(list)
    with (no_ride_run / "plan" / "unserved.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            want[r["day"], r["foresteria_id"]] += r["worker_ids"].split()
    pages = _pages(no_ride_run)
    assert {("2026-07-06", "FB"), ("2026-07-07", "FB"), ("2026-07-11", "FA")} <= set(pages)
    assert set(pages) == set(want)
    for key, page in pages.items():
        named = [w for *_, ids, _t in _blocks(page) for w in ids]
        assert sorted(named) == sorted(want[key]), key
        assert re.findall(r"W\d\d", _text(page)) == named, key  # no id outside the blocks


def test_the_family_is_told_in_english_and_arabic_why_and_when_it_rides_again(
    no_ride_run: Path,
) -> None:
    """6 July at Borgo Mezzanone (FB): its vehicle comes on the 8th, so that day its shuttles
    come from Fortore (FA), whose only vehicle carries FA's own three. W04 reads English, W05
    Arabic (right to left): no shuttle to the farm that day, because the vehicles are all taken,
    that they board at Borgo Mezzanone and their shuttle comes from Fortore that day, the next
    shuttle on 8 July, pay nobody, the helpline, ask the foresteria staff."""
    page = _pages(no_ride_run)["2026-07-06", "FB"]
    blocks = _blocks(page)
    assert [(b[0], b[1], b[2], b[3], b[4]) for b in blocks] == [  # by language code
        ("ar", "rtl", "F2", "vehicles_busy", ["W05"]),
        ("en", "ltr", "F2", "vehicles_busy", ["W04"]),
    ]
    for code, _d, _f, _c, _ids, text in blocks:
        lg = lang(code)
        assert lg.date("2026-07-06", "full") in text
        for said in (
            lg._(WHY["vehicles_busy"]),
            lg._(COMES_FROM).format(place="Borgo Mezzanone", base="Fortore"),
            lg._(NEXT_ON).format(date=lg.date("2026-07-08", "full")),
            lg._(NO_PAY),
            lg._(ASK["foresteria"]),
            "800 290 290",
        ):
            assert said in text, (code, said)
    assert html.escape(XSS_FARM) in page and XSS_FARM not in page
    assert "<h1>Nessuna navetta · Borgo Mezzanone · lunedì 6 luglio 2026</h1>" in page


def test_nobody_is_promised_a_ride_the_plan_does_not_have(no_ride_run: Path) -> None:
    """11 July at FA, after every vehicle has gone: W03 (the report's Italian, so first) to F2,
    W01 (Arabic) and W02 (French) to F1, each told that no shuttle vehicle is available at
    Fortore that day and that no shuttle is planned for them yet; on the 12th, the last day of
    W03's stay and of the plan, W03 is told to ask the staff."""
    blocks = _blocks(_pages(no_ride_run)["2026-07-11", "FA"])
    assert [(b[0], b[2], b[3], b[4]) for b in blocks] == [
        ("it", "F2", "no_vehicle", ["W03"]),
        ("ar", "F1", "no_vehicle", ["W01"]),
        ("fr", "F1", "no_vehicle", ["W02"]),
    ]
    for code, *_rest, text in blocks:
        assert lang(code)._(NEXT_NONE) in text, code
        assert lang(code)._(WHY["no_vehicle"]).format(place="Fortore") in text, code
    ((code, _d, farm, _c, ids, text),) = _blocks(_pages(no_ride_run)["2026-07-12", "FA"])
    assert (code, farm, ids) == ("it", "F2", ["W03"])
    assert lang("it")._(NEXT_ASK) in text and lang("it")._(NEXT_NONE) not in text


def test_arabic_blocks_isolate_every_latin_value(no_ride_run: Path) -> None:
    found = 0
    arabic = re.compile(r"<section class='block' lang='ar' dir='rtl'[^>]*>(.*?)</section>")
    for page in _pages(no_ride_run).values():
        for body in arabic.findall(page):
            found += 1
            assert not re.search(r"[A-Za-z]", _text(re.sub(r"<bdi>.*?</bdi>", "", body))), body
    assert found >= 3  # W05 on 6 and 7 July, W01 on 11 July


def test_the_day_page_links_the_notices_and_the_index_counts_them(no_ride_run: Path) -> None:
    """11 July has no vehicle on the road: its day page is written all the same, links FA's
    notices with their people, and the report's index counts every page and person."""
    drivers = no_ride_run / "report" / "drivers"
    day = (drivers / "2026-07-11" / "index.html").read_text(encoding="utf-8")
    assert "<a href=\"no-ride/FA.html\" data-people='3'>Fortore</a> (3)" in day
    index = (no_ride_run / "report" / "index.html").read_text(encoding="utf-8")
    assert "href='drivers/2026-07-11/index.html'" in index
    pages = _pages(no_ride_run)
    people = sum(len(ids) for p in pages.values() for *_, ids, _t in _blocks(p))
    assert f"id='no-ride-notices' data-pages='{len(pages)}' data-people='{people}'" in index


def test_notices_that_no_longer_apply_are_removed(no_ride_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(no_ride_run, run)
    stale = run / "report" / "drivers" / "2026-07-06" / "no-ride" / "FA.html"
    stale.write_text("old", encoding="utf-8")
    write_report(run)
    assert not stale.exists()
    assert (stale.parent / "FB.html").is_file()


def test_next_ride_is_the_first_morning_ride_after_the_day() -> None:
    """W1 rides on 2 and 5 July and stays until the night of the 9th, W2 until the 3rd; the
    plan ends on the 10th. After the 5th the plan has no ride for W1 though it covers the rest
    of the stay; after the 3rd it cannot say for W2 (the stay ends), nor after the 10th."""
    m = Mornings(
        days={"W1": ["2026-07-02", "2026-07-05"]},
        stay_last={"W1": "2026-07-09", "W2": "2026-07-03"},
        plan_last="2026-07-10",
    )
    assert next_ride(m, "W1", "2026-07-01") == "2026-07-02"
    assert next_ride(m, "W1", "2026-07-02") == "2026-07-05"
    assert next_ride(m, "W1", "2026-07-05") is None
    assert next_ride(m, "W1", "2026-07-09") == ASK_NEXT
    assert next_ride(m, "W2", "2026-07-01") is None
    assert next_ride(m, "W2", "2026-07-03") == ASK_NEXT


def test_at_a_departure_point_people_ask_the_coordinators(pickup_run: Path) -> None:
    """A departure point has no foresteria staff: its page sends people to the coordinators;
    its hostile name stays text."""
    run = load_run(pickup_run)
    it = lang("it")
    u = UnservedRow(
        day="2026-07-22",
        foresteria_id="PX",
        farm_id="F2",
        base_id="FA",
        riders=1,
        code="windows",
        proven=False,
        lower_bound=0,
        available=1,
        reason="",
        worker_ids=("W07",),
    )
    nobody = Mornings(days={}, stay_last={}, plan_last="2026-07-31")
    page = no_ride_html(
        run, NoRidePage(day=u.day, place_id="PX", rows=(u,)), nobody, it, notice_langs(run, it)
    )
    text = _text(page)
    for said in (it._(ASK["point"]), it._(WHY["windows"]), it._(NEXT_ASK)):
        assert said in text
    assert it._(ASK["foresteria"]) not in text
    assert html.escape(XSS_POINT) in page and XSS_POINT not in page


def test_a_report_without_sheets_neither_links_nor_counts_them(
    no_ride_run: Path, tmp_path: Path
) -> None:
    """`report --no-sheets` writes no day page, sheet or no-ride notice: its index says so and
    links or counts none of them; the desk's bed notices and the case workers' page it does
    write are still linked."""
    run = tmp_path / "run"
    shutil.copytree(no_ride_run, run)
    shutil.rmtree(run / "report")
    r = CliRunner().invoke(app, ["report", str(run), "--no-sheets"])
    assert r.exit_code == 0, r.output
    assert not (run / "report" / "drivers").exists()
    index = (run / "report" / "index.html").read_text(encoding="utf-8")
    assert "href='drivers/" not in index and "no-ride-notices" not in index
    assert f"<p class='note' id='no-sheets'>{html.escape(lang('it')._(NO_SHEETS))}</p>" in index
    assert "href='people.html" in index
    write_report(run)  # with the sheets: linked and counted again
    index = (run / "report" / "index.html").read_text(encoding="utf-8")
    assert "href='drivers/2026-07-11/index.html'" in index and "id='no-sheets'" not in index
    assert "id='no-ride-notices'" in index
    days = re.findall(r"<p class='days'><span class='month'>([^<]+)</span>(.*?)</p>", index)
    assert [(m, re.findall(r">(\d+)</a>", links)) for m, links in days] == [
        ("luglio 2026", [str(d) for d in range(6, 13)])  # a line per month, a link per day
    ]
