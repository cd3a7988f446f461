"""People the shuttles never carried (review 20 R, MEDIUM-3: 13 people housed at a foresteria
no vehicle served rode on no day of their stay, said nowhere): counted in the manifest
(`transport.left_behind_never_carried`), recounted by the verifier, said in the headline with
the place where most of them board."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.i18n import lang
from foresterie.core.runfolder import read_manifest
from foresterie.report.html import headline
from foresterie.report.rundata import load_run
from tests.helpers import TINY, add_pickup


def _never(run: Path) -> set[str]:
    """Recounted from the plan files: in unserved.csv, on no morning trip in riders.csv."""
    with (run / "plan" / "trips.csv").open(encoding="utf-8") as fh:
        morning = {t["trip_id"] for t in csv.DictReader(fh) if t["direction"] == "to_farm"}
    with (run / "plan" / "riders.csv").open(encoding="utf-8") as fh:
        rode = {r["worker_id"] for r in csv.DictReader(fh) if r["trip_id"] in morning}
    with (run / "plan" / "unserved.csv").open(encoding="utf-8") as fh:
        missed = {w for r in csv.DictReader(fh) for w in r["worker_ids"].split()}
    return missed - rode


def test_a_rider_whose_farm_no_vehicle_reaches_is_counted_and_said(tmp_path: Path) -> None:
    sc = tmp_path / "tiny"
    shutil.copytree(TINY, sc)
    add_pickup(sc)  # W07 boards at PX, by Manfredonia; F3 is at Nardò, far beyond any ride cap
    rows = (sc / "workers.csv").read_text(encoding="utf-8").splitlines()
    rows = [r.replace(",F2,", ",F3,", 1) if r.startswith("W07,") else r for r in rows]
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(run)])
    assert r.exit_code == 0, r.output
    never = _never(run)
    assert "W07" in never
    kpi = read_manifest(run)["kpis"]["transport"]["left_behind_never_carried"]
    assert kpi == len(never)
    said = " ".join(headline(load_run(run), lang("en")))
    assert f"{kpi} {'person was' if kpi == 1 else 'people were'} never carried" in said
    assert re.search(r"(All of them board|of them boards?) at .*: see the reasons below", said)
    # the verifier recounts it: a manifest that says 0 is refused
    import json

    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    m["kpis"]["transport"]["left_behind_never_carried"] = 0
    (run / "manifest.json").write_text(json.dumps(m, indent=1), encoding="utf-8")
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code != 0 and "left_behind_never_carried" in r.output, r.output


def test_everyone_carried_says_nothing(tiny_season_run: Path) -> None:
    never = _never(tiny_season_run)
    kpi = read_manifest(tiny_season_run)["kpis"]["transport"]["left_behind_never_carried"]
    assert kpi == len(never)
    if not never:
        assert "never carried" not in " ".join(headline(load_run(tiny_season_run), lang("en")))
