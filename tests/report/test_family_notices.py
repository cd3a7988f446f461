"""A family's children are told with their parents: no desk notice of their own, worded to an
adult ("ask your case worker where you can sleep"), when a working member of their group has
the same notice (review 20 R, LOW-8)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.report.html import bed_starts_by_foresteria
from foresterie.report.notices import bed_starts
from foresterie.report.rundata import load_run
from tests.helpers import TINY, edit_features, set_toml


def test_a_familys_child_is_told_through_the_parents(tmp_path: Path) -> None:
    sc = tmp_path / "tiny"
    shutil.copytree(TINY, sc)
    # FB, the only family beds, opens on the 8th; the G1 family (two workers and a child who
    # does not ride) arrives on the 6th: three first beds that start after the arrival
    edit_features(sc / "foresterie.geojson", 1, open_from="2026-07-08", beds_family=3)
    set_toml(sc, "max_commute_min = 60", "max_commute_min = 60\npartial_stays = true")
    rows = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows[0] += ",rides"
    rows = [rows[0]] + [r + ",true" for r in rows[1:]]
    rows.append("W09,2026-07-06,2026-07-11,family,G1,,0,false,,Bimbo Sow,false")
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(run)])
    assert r.exit_code == 0, r.output
    data = load_run(run)
    everyone = {b.worker_id for b in bed_starts(data)}
    assert {"W04", "W05", "W09"} <= everyone  # the case workers' list keeps the child
    told = {b.worker_id for bs in bed_starts_by_foresteria(data).values() for b in bs}
    assert {"W04", "W05"} <= told and "W09" not in told
    page = (run / "report" / "notices" / "FB-first-bed.html").read_text(encoding="utf-8")
    assert "data-worker='W04'" in page and "data-worker='W09'" not in page
