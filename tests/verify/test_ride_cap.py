"""A `ride_cap` row (proven: the farm is farther than a ride may last) is held to the matrix
and the cap (review 17, finding 5: a forged one for a farm 21 minutes away passed, and took its
riders out of the fairness checks that skip rows nobody could ride)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import DATA, rehash


def test_a_ride_cap_row_within_the_cap_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "cap"
    shutil.copytree(DATA / "tiny", src)
    toml = (src / "scenario.toml").read_text(encoding="utf-8")
    assert "max_ride_min = 75\n" in toml
    (src / "scenario.toml").write_text(toml.replace("max_ride_min = 75\n", "max_ride_min = 20\n"))
    run = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(src), "--out", str(run)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO((run / "plan" / "unserved.csv").read_text())))
    capped = [x for x in rows if x["code"] == "ride_cap"]
    assert capped and {(x["foresteria_id"], x["farm_id"]) for x in capped} == {("FA", "F2")}
    assert verify_run(run, report=False) == []  # 30 min against 20: true
    # the run's cap raised to 40 in its inputs (as a forger would make F2 look near): every
    # ride_cap row now claims a 30-minute ride is above a 40-minute cap
    inputs = run / "inputs" / "scenario.toml"
    inputs.write_text(
        inputs.read_text(encoding="utf-8").replace("max_ride_min = 20", "max_ride_min = 40"),
        encoding="utf-8",
    )
    rehash(run, ["inputs/scenario.toml"])
    said = verify_run(run, report=False)
    day = min(x["day"] for x in capped)
    assert (
        f"reason contradicted: {day} FA F2 is ride_cap, yet the ride is 30 min against a cap of 40"
    ) in said, said
