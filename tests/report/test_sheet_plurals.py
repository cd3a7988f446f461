"""Counts on a driver sheet take the catalogue's plural forms (review 17, finding 13: "1
passeggeri"): the seats, the trips and each trip's riders, in every language, singular and
plural."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from foresterie.core.i18n import lang
from foresterie.report.rundata import load_run
from foresterie.report.sheets import sheet_html, vehicle_days

# (language, one seat, one trip, a trip of one rider, the plurals of each)
WORDS = {
    "it": ("1 posto", "1 corsa", "· 1 passeggero", "8 posti", "2 corse", "· 3 passeggeri"),
    "en": ("1 seat", "1 trip", "· 1 rider", "8 seats", "2 trips", "· 3 riders"),
}


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("code", sorted(WORDS))
def test_one_is_singular_and_more_are_plural(tiny_season_run: Path, code: str) -> None:
    run = load_run(tiny_season_run)
    lg = lang(code)
    one_seat, one_trip, one_rider, seats, trips, riders = WORDS[code]
    vd = next(v for v in vehicle_days(run) if v.vehicle_id == "VA1" and len(v.trips) == 2)
    assert {t.riders for t in vd.trips} == {3}
    text = _text(sheet_html(run, vd, lg))
    assert seats in text and trips in text and riders in text
    # the same vehicle with one seat, one trip of one rider
    small = replace(vd, trips=(replace(vd.trips[0], riders=1),))
    fleet = tuple(replace(v, seats=1) if v.id == "VA1" else v for v in run.scenario.fleet)
    one = replace(run, scenario=replace(run.scenario, fleet=fleet))
    text = _text(sheet_html(one, small, lg))
    assert one_seat in text and one_trip in text and one_rider in text
    # the old wording: a count followed by the plural noun whatever the count
    for wrong in ("1 posti", "1 corse", "1 passeggeri", "1 seats", "1 trips", "1 riders"):
        assert wrong not in text
