"""The verifier reads `inputs/farm_calendar.csv` itself: a trip stopping at a farm on a day its
calendar closes, and an unserved row owed there, are refused; the worker-days it expects leave
those days out (review 17, finding 1). The tiny season's plan, solved without a calendar, has
F1 (W01, W02) visited on Thursday 9 and Friday 10 July and W03 (F2) unserved on the 8th; a
calendar closing those days, written into the run's inputs afterwards (and re-hashed, as a
forger would), makes that plan one the rules do not allow."""

from __future__ import annotations

import shutil
from pathlib import Path

from foresterie.verify import verify_run
from tests.helpers import rehash, set_toml


def test_a_plan_that_drives_to_a_closed_farm_is_refused(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "tiny"
    shutil.copytree(tiny_season_run, run)
    assert verify_run(run) == []
    (run / "inputs" / "farm_calendar.csv").write_text(
        "farm_id,first_day,last_day\nF1,2026-07-09,2026-07-10\nF2,2026-07-08,2026-07-08\n",
        encoding="utf-8",
    )
    set_toml(
        run / "inputs",
        'matrix = "matrix.csv"\n',
        'matrix = "matrix.csv"\nfarm_calendar = "farm_calendar.csv"\n',
    )
    rehash(run, ["inputs/farm_calendar.csv", "inputs/scenario.toml"])
    found = verify_run(run)
    for d in ("2026-07-09", "2026-07-10"):
        for leg in ("M01", "E01"):
            assert f"farm does not work that day: {d}-FA-{leg} stops at F1" in found, found
    assert "unserved at a farm that does not work that day: F2 on 2026-07-08" in found, found
    # the riders carried on those days are carried on no day they are owed
    assert any(v.startswith("riders carried twice or without a workday:") for v in found), found
    # and nobody is owed a ride on a closed day: nobody is missing
    assert not any(v.startswith("riders neither served nor listed unserved") for v in found)
