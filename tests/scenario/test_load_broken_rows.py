"""One bad row is one line (review 18, M1): the ids of a row or feature refused on its own
are known but broken, so the rows of other files naming them are not told the id is unknown."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import TINY, add_depot, add_pickup, cli_run, with_referrals


def _problems(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("error:")]


def test_a_depot_whose_kind_is_misspelt_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "dep"
    shutil.copytree(TINY, folder)
    add_pickup(folder)
    add_depot(folder)  # DP, with VD1 based there
    path = folder / "pickups.geojson"
    layer = json.loads(path.read_text(encoding="utf-8"))
    layer["features"][1]["properties"]["kind"] = "Depot"
    path.write_text(json.dumps(layer), encoding="utf-8")
    code, out = cli_run("validate", str(folder))
    assert code == 2
    errors = _problems(out)
    assert len(errors) == 1 and "pickups.geojson:2: kind:" in errors[0], out
    assert "unknown foresteria or depot" not in out


def test_a_vehicle_naming_a_base_nobody_has_is_still_told(tmp_path: Path) -> None:
    # the mechanism spares the ids of refused rows only, not a typo in the fleet
    folder = tmp_path / "typo"
    shutil.copytree(TINY, folder)
    add_pickup(folder)
    add_depot(folder, vehicle="VD1")
    with open(folder / "fleet.csv", "a", encoding="utf-8") as fh:
        fh.write("VD2,DQ,8,160,0.38,540,2026-07-01,2026-07-31\n")
    code, out = cli_run("validate", str(folder))
    assert code == 2 and "unknown foresteria or depot 'DQ'" in out, out


def test_a_worker_row_refused_is_not_unknown_to_the_referrals(tmp_path: Path) -> None:
    folder = with_referrals(tmp_path, "W02,2026-06-01,ASL Foggia,high,\n")
    text = (folder / "workers.csv").read_text(encoding="utf-8-sig")
    old = "W02,2026-07-06,2026-07-13,"
    assert old in text
    (folder / "workers.csv").write_text(
        text.replace(old, "W02,2026-07-13,2026-07-06,", 1), encoding="utf-8"
    )
    code, out = cli_run("validate", str(folder))
    assert code == 2
    errors = _problems(out)
    assert len(errors) == 1 and "workers.csv:3: departure" in errors[0], out
    assert "unknown worker" not in out


def test_a_referral_naming_nobody_is_still_told(tmp_path: Path) -> None:
    folder = with_referrals(tmp_path, "W99,2026-06-01,ASL Foggia,high,\n")
    code, out = cli_run("validate", str(folder))
    assert code == 2 and "unknown worker 'W99'" in out, out
