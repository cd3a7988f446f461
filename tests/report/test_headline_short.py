"""The report's first paragraph says "neither beds nor vehicles run short" only when it is so
(review 13: all 30 applicants turned away as a group larger than the beds, and the headline said
nothing was short)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from foresterie.core.i18n import lang
from foresterie.report.html import BED_CODES, headline
from foresterie.report.rundata import load_run


@pytest.mark.parametrize("code", sorted(BED_CODES | {"far", "closed", ""}))
def test_nothing_short_only_when_no_one_lacked_a_bed(tiny_season_run: Path, code: str) -> None:
    run = load_run(tiny_season_run)
    lg = lang("en")
    ids = [w.id for w in run.scenario.workers][:3]
    waitlist = [{"worker_id": i, "code": code, "proven": "yes", "reason": ""} for i in ids if code]
    calm = dataclasses.replace(run, waitlist=waitlist, fleet_days=[])
    said = " ".join(headline(calm, lg))
    nothing_short = "Neither beds nor vehicles run short." in said
    assert nothing_short == (code not in BED_CODES), said
