"""The case workers' page: each person without a bed, in the report's language, never with a
priority."""

from __future__ import annotations

import csv
import dataclasses
import html
import re
from pathlib import Path

from foresterie.core.i18n import lang
from foresterie.report.html import WAITLIST_REASONS
from foresterie.report.maps import UNCOVERED_REASONS
from foresterie.report.people import PERSON_REASONS, people_html, uncovered_person_rows
from foresterie.report.rundata import load_run
from tests.helpers import XSS_FARM

ROW = re.compile(r"(<tr data-worker='([^']+)' data-code='([^']+)'[^>]*>)(.*?)</tr>")


def _cells(row: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", " ", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row)
    ]


def test_each_waitlisted_person_has_a_row_in_italian(no_ride_run: Path) -> None:
    """W06 (French) works at Boncuri, beyond the commute limit of every foresteria; W07 (the
    scenario's Italian) asks for family beds where there are none. Each gets a row with the
    reason in Italian words, the stay, section, farm and the language they read."""
    with (no_ride_run / "plan" / "waitlist.csv").open(encoding="utf-8") as fh:
        want = [(r["worker_id"], r["code"]) for r in csv.DictReader(fh)]
    assert want == [("W06", "far"), ("W07", "unsuitable")]  # published: no_section's code
    page = (no_ride_run / "report" / "people.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>\n<html lang='it' dir='ltr'>")
    rows = {w: (c, _cells(body)) for _tr, w, c, body in ROW.findall(page)}
    assert [(w, c) for w, (c, _) in rows.items()] == want
    it = lang("it")
    assert rows["W06"][1] == [
        "W06",
        it._(PERSON_REASONS["far"]).format(minutes="60"),
        "sì",
        "6 lug 2026",
        "13 lug 2026",
        "7",
        "uomini",
        "–",
        "Boncuri (F3), Nardò",
        "francese",
    ]
    assert rows["W07"][1][1] == it._(PERSON_REASONS["unsuitable"])
    assert rows["W07"][1][6:] == ["famiglie", "–", f"{XSS_FARM} (F2), Foggia", "italiano"]
    assert html.escape(XSS_FARM) in page and XSS_FARM not in page
    assert "nessuna foresteria entro 60 minuti dalla sua azienda agricola" in page
    index = (no_ride_run / "report" / "index.html").read_text(encoding="utf-8")
    assert "<a href='people.html'>people.html</a>" in index
    md = (no_ride_run / "report" / "summary.md").read_text(encoding="utf-8")
    assert "[people.html](people.html)" in md


def test_the_page_never_tells_a_priority_or_a_referral(no_ride_run: Path) -> None:
    """Beside an id, "outranked" would say the person's priority is not the highest, and
    "placement" that a referral record constrains them: the first reads as "full", the second
    names no constraint, and no row says "priority"."""
    run = load_run(no_ride_run)
    run.waitlist = [
        {**run.waitlist[0], "code": "outranked"},
        {**run.waitlist[1], "code": "placement"},
        {**run.waitlist[1], "worker_id": "W05", "code": "full"},
    ]
    for code in ("it", "en"):
        lg = lang(code)
        page = people_html(run, lg)
        rows = {w: _cells(body) for _tr, w, _c, body in ROW.findall(page)}
        assert rows["W06"][1] == rows["W05"][1] == lg._(PERSON_REASONS["full"])
        assert rows["W07"][1] == lg._(PERSON_REASONS["placement"])
        table = page[page.index("<table") :]
        assert lg._(WAITLIST_REASONS["outranked"]) not in table
        assert lg._(WAITLIST_REASONS["placement"]) not in table
        assert not re.search(r"priorit|referr|segnala", table, re.IGNORECASE), code


def test_nights_without_a_bed_say_where_the_person_sleeps_and_who_tells_them(
    bed_end_run: Path,
) -> None:
    """The family W04, W05 loses its beds at Borgo Mezzanone after the night of 8 July: two
    nights without a bed, told by the desk's notice there. A stretch no notice covers (made up for
    W01: neither after a bed nor before the first) says to tell them; the nights before a first
    bed are told by its desk (tests/report/test_notices.py)."""
    run = load_run(bed_end_run)
    it = lang("it")
    rows = {
        w: (c, _cells(r), tr + r)
        for tr, w, c, r in ROW.findall("".join(uncovered_person_rows(run, it)))
    }
    assert set(rows) == {"W04", "W05"}
    for wid in ("W04", "W05"):
        code, cells, raw = rows[wid]
        assert code == "after_closing"
        assert cells[1:5] == ["9 lug 2026", "10 lug 2026", "2", it._(UNCOVERED_REASONS[code])]
        assert "Borgo Mezzanone, notti dal 6 lug 2026 al 8 lug 2026" in cells[5]
        assert "data-told='yes'" in raw and "href='notices/FB-beds.html'" in raw
    run = dataclasses.replace(
        run, uncovered=[("W01", "before_opening", "2026-07-06", "2026-07-07")]
    )
    (raw,) = uncovered_person_rows(run, it)
    assert "data-told='no'" in raw and "nessuno: informarla" in raw


def test_a_day_run_has_no_case_workers_page_but_tells_who_has_no_ride(day_run: Path) -> None:
    """A day run's "waitlisted" are riders from departure points, not people without a bed; the
    family W04, W05, whose vehicle VB1 broke down (FA's van, serving FB that day, runs its
    season trips), has its no-ride notice at FB."""
    assert not (day_run / "report" / "people.html").exists()
    assert "people.html" not in (day_run / "report" / "index.html").read_text(encoding="utf-8")
    notice = day_run / "report" / "drivers" / "2026-07-07" / "no-ride" / "FB.html"
    found = re.findall(r"<bdi>(W\d\d)</bdi>", notice.read_text(encoding="utf-8"))
    assert sorted(found) == ["W04", "W05"]
