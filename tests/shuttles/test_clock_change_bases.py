"""The clock-change warning counts the empty leg from the base serving an origin (review 16,
"Smaller things": `/tmp/s16-N/sc/dst1`, a foresteria served from a depot 41 min away, warned
"riders more than 50 min away have no ride that day" while its riders 20 min from the farm had
none). `validate` names such an origin, its base and the minutes; the plan agrees.

The tiny scenario moved around the spring change (tests/shuttles/test_clock_change.py
`_folder`): FB's van VB1 taken away, so FB (the family W04, W05, farm F2) is served from FA."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.timeutil import fmt_hhmm
from foresterie.scenario.load import load_scenario
from foresterie.shuttles.routes import clock_change_warnings, leg_min
from foresterie.travel.matrix import build_matrix
from tests.helpers import edit_features
from tests.shuttles.test_clock_change import SPRING, _folder

THREE = 3 * 60  # the spring change: 02:00 -> 03:00, no vehicle leaves its base before 03:00


def _scenario(tmp_path: Path, own_van: bool) -> tuple[Path, int, int]:
    """The folder, FB's minutes to F2 and FA's to FB; F2's shift set to start one minute after
    the ride from FB, counted from 03:00: enough from FB, not after the leg from FA."""
    folder = _folder(tmp_path, SPRING)
    if not own_van:
        fleet = folder / "fleet.csv"
        lines = fleet.read_text(encoding="utf-8").splitlines(keepends=True)
        fleet.write_text("".join(x for x in lines if not x.startswith("VB1,")), encoding="utf-8")
    m = build_matrix(load_scenario(folder))
    ride, empty = leg_min(m.secs("FB", "F2")), leg_min(m.secs("FA", "FB"))
    assert empty > 1
    edit_features(folder / "farms.geojson", 1, shift_start=fmt_hhmm(THREE + ride + 1))
    return folder, ride, empty


def test_validate_counts_the_empty_leg_from_the_base(tmp_path: Path) -> None:
    folder, ride, empty = _scenario(tmp_path, own_van=False)
    sc = load_scenario(folder)
    said = [str(w) for w in clock_change_warnings(sc, build_matrix(sc))]
    assert said == [
        f"farms.geojson: F2: shift {fmt_hhmm(THREE + ride + 1)} on {SPRING}: no vehicle leaves "
        "its base before 03:00 (the clock changes that night), and the riders of FB are served "
        f"from FA, {empty} min away: with their {ride} min to the farm that is {empty + ride} "
        f"min, more than the {ride + 1} min left, so they have no ride that day"
    ]
    r = CliRunner().invoke(app, ["validate", str(folder)])
    assert r.exit_code == 0, r.output
    assert f"warning: {said[0]}" in r.stderr.splitlines()
    # the plan agrees: FB's riders of F2 have no ride that morning, for the clock change
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    with open(out / "plan" / "unserved.csv", newline="", encoding="utf-8") as fh:
        rows = [u for u in csv.DictReader(fh) if u["day"] == SPRING.isoformat()]
    fb = [u for u in rows if u["foresteria_id"] == "FB" and u["farm_id"] == "F2"]
    assert [(u["base_id"], u["code"]) for u in fb] == [("FA", "windows")]
    assert fb[0]["reason"].startswith(f"clock change on {SPRING}")


def test_no_warning_where_the_origin_is_its_own_base(tmp_path: Path) -> None:
    folder, _, _ = _scenario(tmp_path, own_van=True)
    sc = load_scenario(folder)
    assert clock_change_warnings(sc, build_matrix(sc)) == []
