"""Review 17 #13: `monitor --as-of` outside the season is one line naming the season's dates
(exit 2, nothing written); a day run that a later day run of the same day superseded is never
read, and the monitor says which day run it read and which it skipped."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app


def _cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _days(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "days.csv", encoding="utf-8", newline="") as fh:
        return {r["day"]: r for r in csv.DictReader(fh)}


def test_as_of_outside_the_season_is_refused(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    led = str(monitored_season.parent / "ledger.sqlite")
    for day in ("2026-06-30", "2026-08-01", "2027-07-07"):
        out = tmp_path / day
        code, stdout, err = _cli(
            "monitor", str(tiny_season_run), "--ledger", led, "--as-of", day, "--out", str(out)
        )
        assert code == 2 and stdout == "" and not out.exists()
        assert err == (
            f"error: --as-of: date: {day} is outside the season (2026-07-01 to 2026-07-31)\n"
        )
    code, _, _ = _cli(  # the season's last day is in it
        "monitor",
        str(tiny_season_run),
        "--ledger",
        led,
        "--as-of",
        "2026-07-31",
        "--out",
        str(tmp_path / "last"),
    )
    assert code == 0


def test_a_superseded_day_run_is_skipped_and_said(
    monitored_season: Path, tiny_season_run: Path, tmp_path: Path
) -> None:
    led = tmp_path / "ledger.sqlite"
    shutil.copyfile(monitored_season.parent / "ledger.sqlite", led)
    first = monitored_season.parent / "days" / "2026-07-07"
    later = tmp_path / "again" / "2026-07-07"
    code, _, err = _cli(  # the same day planned again (a heat alert declared), elsewhere
        "day",
        str(tiny_season_run),
        "--date",
        "2026-07-07",
        "--ledger",
        str(led),
        "--out",
        str(later),
        "--heat-alert",
    )
    assert code == 0, err
    run = str(tiny_season_run)
    # only the earlier one found: it is not read in the later one's place
    m1 = tmp_path / "m1"
    code, stdout, _ = _cli(
        "monitor", run, "--ledger", str(led), "--days", str(first.parent), "--out", str(m1)
    )
    assert code == 0
    assert "day plans recorded but not found: 2026-07-07" in stdout
    assert (
        "note: 2026-07-07: the day's latest day plan was not found (give its folder with --days)"
        in stdout
    )
    assert f"note: 2026-07-07: skipped 1 earlier day run a later one superseded: {first}" in stdout
    assert _days(m1)["2026-07-07"]["day_run_manifest_sha256"] == ""
    manifest = json.loads((m1 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["day_runs"] == []
    assert [r["path"] for r in manifest["inputs"]["day_runs_superseded"]] == [str(first)]
    assert _cli("monitor", "--verify", str(m1))[0] == 0
    # both found: the later one is read, the earlier one skipped, each said once
    m2 = tmp_path / "m2"
    code, stdout, _ = _cli(
        "monitor",
        run,
        "--ledger",
        str(led),
        "--days",
        str(first.parent),
        "--days",
        str(later.parent),
        "--out",
        str(m2),
    )
    assert code == 0
    lines = [x for x in stdout.splitlines() if x.startswith("note: 2026-07-07")]
    assert lines == [
        f"note: 2026-07-07: read the day run {later.resolve()}, the day's latest day plan",
        f"note: 2026-07-07: skipped 1 earlier day run a later one superseded: {first}",
    ]
    manifest = json.loads((m2 / "manifest.json").read_text(encoding="utf-8"))
    read = manifest["inputs"]["day_runs"]
    assert [r["path"] for r in read] == [str(later.resolve())]
    assert _days(m2)["2026-07-07"]["day_run_manifest_sha256"] == read[0]["manifest_sha256"]
    assert _cli("monitor", "--verify", str(m2))[0] == 0
