"""The operator export of an intake warns of a blank farm cell as the season's does (review 20 R,
MEDIUM-5): an intake records its residents pinned where they sleep, and the count of riders who
name no farm skipped everyone pinned, so from the first intake on the warning was gone.

Tiny season (tests/data/tiny) with W01's farm cell left blank (as a referral record whose farm is
to avoid leaves it): one rider of six names no farm."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from foresterie.verify import published_disclosures
from tests.helpers import cli_ok

WARNING = "1 rider(s) not pinned by the office name no farm"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("blank")
    folder = base / "scen"
    shutil.copytree(Path(__file__).parents[1] / "data" / "tiny", folder)
    text = (folder / "workers.csv").read_text(encoding="utf-8-sig")
    (folder / "workers.csv").write_text(
        text.replace("W01,2026-07-06,2026-07-13,men,,F1,", "W01,2026-07-06,2026-07-13,men,,,"),
        encoding="utf-8",
    )
    cli_ok("solve", str(folder), "--out", str(base / "tiny"))
    return base / "tiny"


def test_an_intakes_resident_without_a_farm_is_still_counted(blank: Path, tmp_path: Path) -> None:
    run = tmp_path / "tiny"
    shutil.copytree(blank, run)
    assert any(WARNING in f for f in published_disclosures(run)[1])
    cli_ok("ledger", "init", str(run))
    (tmp_path / "c.csv").write_text(
        "date,worker_id,event\n" + "".join(f"2026-07-06,W0{k},arrival\n" for k in range(1, 6))
    )
    cli_ok("ledger", "import", str(run), str(tmp_path / "c.csv"))
    assert "verified" in cli_ok("intake", str(run), "--date", "2026-07-09")
    intake = tmp_path / "tiny.intake" / "2026-07-09"
    (w01,) = [w for w in _rows(intake / "inputs" / "workers.csv") if w["worker_id"] == "W01"]
    assert w01["farm_id"] == "" and w01["pinned_foresteria"]  # a resident, pinned
    assert any(WARNING in f for f in published_disclosures(intake)[1])
    said = cli_ok("export", str(intake), "--role", "operator", "--out", str(tmp_path / "op"))
    assert WARNING in said, said
