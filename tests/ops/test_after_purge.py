"""Operations after a retention purge (README "Retention", "Monitoring"): the next day run
does not need the purged day before it; the monitor publishes the weeks whose data is whole
(from the first Monday on or after the purge's day), each figure what it was before the purge,
verified, while the weeks the purge closed stay with the monitor published before it; the purge
reaches every day run; a purged run says so when asked for a report, a map or a replay.

Tiny season (2026-07-01..07-31); check-ins as in tests/ops/test_retention.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from foresterie.core.files import dumps_json
from tests.helpers import checked_in_season
from tests.helpers import cli_ok as _ok
from tests.helpers import cli_run as _cli


@pytest.fixture
def season(tiny_season_run: Path, tmp_path: Path) -> Path:
    return checked_in_season(tiny_season_run, tmp_path)


def _figures(monitor: Path) -> dict[tuple[str, str, str], list[str]]:
    with (monitor / "monitor.csv").open(newline="") as fh:
        return {
            (r["week"], r["indicator"], r["breakdown"]): [r["plan"], r["actual"], r["source"]]
            for r in csv.DictReader(fh)
        }


def test_the_day_after_a_purged_day_is_planned(season: Path) -> None:
    # Before: the day run read the purged day's riders.csv and stopped ("No such file").
    _ok("day", str(season), "--date", "2026-07-09")
    _ok("purge", str(season), "--before", "2026-07-10")
    assert (season.parent / "tiny.days" / "2026-07-09" / "purged.json").is_file()
    _ok("day", str(season), "--date", "2026-07-10")
    record = json.loads((season.parent / "tiny.days" / "2026-07-10" / "day.json").read_text())
    assert "stability_vs_previous_day" not in record  # nobody to compare with any more
    assert "stability_vs_season" in record


def test_the_monitor_after_a_mid_season_purge_publishes_the_whole_weeks(season: Path) -> None:
    """Purge on Tuesday 07-14: W01, W03, W04, W05 (stays ended) and W06 (waitlisted) go. The
    weeks from Monday 07-20 are recomputed, each figure as before the purge; earlier weeks and
    the season's total are not published (before: they were, with the purged people missing)."""
    _ok("monitor", str(season))
    before = _figures(season.parent / "tiny.monitor")
    assert "note closed" not in (season.parent / "tiny.monitor" / "index.html").read_text()
    out = _ok("purge", str(season), "--before", "2026-07-14")
    assert "5 people whose stay had ended" in out, out
    assert "monitor: the weeks before 2026-07-20 are closed" in out, out
    _ok("monitor", str(season), "--force")
    monitor = season.parent / "tiny.monitor"
    after = _figures(monitor)
    assert {wk for wk, _, _ in after} == {"2026-W30", "2026-W31"}
    counts = [k for k in after if k in before and "<5" not in after[k] + before[k]]
    counts = [k for k in counts if "*" not in after[k] + before[k]]
    assert len(counts) > 40
    assert [k for k in counts if after[k] != before[k]] == []
    inputs = json.loads((monitor / "manifest.json").read_text())["inputs"]
    assert inputs["closed_before"] == "2026-07-20"
    with (monitor / "days.csv").open(newline="") as fh:
        assert next(r["day"] for r in csv.DictReader(fh)) == "2026-07-20"
    assert _ok("monitor", "--verify", str(monitor)).startswith("ok:")
    assert _ok("verify", str(monitor)).startswith("ok:")  # `verify` knows a monitor folder
    page = (monitor / "index.html").read_text()
    assert "<p class='note closed'>Le settimane prima del 20 luglio 2026" in page  # Italian
    # A monitor that claims to close fewer weeks than the purges did is caught.
    m = json.loads((monitor / "manifest.json").read_text())
    m["inputs"]["closed_before"] = "2026-07-13"
    (monitor / "manifest.json").write_text(dumps_json(m))
    code, said = _cli("monitor", "--verify", str(monitor))
    assert code == 1 and "close the weeks before 2026-07-20" in said, said


def test_a_day_run_purged_before_the_monitor_is_left_to_the_closed_weeks(season: Path) -> None:
    # Before: the monitor read the purged day run's unserved.csv and stopped ("cannot read").
    _ok("day", str(season), "--date", "2026-07-08")
    _ok("purge", str(season), "--before", "2026-07-10")
    out = _ok("monitor", str(season))
    assert "0 day runs" in out, out
    assert _ok("monitor", "--verify", str(season.parent / "tiny.monitor")).startswith("ok:")


def test_the_monitor_of_a_season_purged_whole_is_one_line(season: Path) -> None:
    _ok("purge", str(season), "--before", "2026-08-15")
    code, out = _cli("monitor", str(season))
    assert code == 2, out
    assert "purged for retention after the season's end" in out
    assert len(out.strip().splitlines()) == 1


def test_a_day_with_nobody_to_carry_is_one_line(season: Path) -> None:
    # Before: "workers.csv: file: header only, no data rows", a file the user never wrote.
    code, out = _cli("day", str(season), "--date", "2026-07-22")
    assert code == 2 and "2026-07-22: nobody rides" in out, out
    assert not (season.parent / "tiny.days" / "2026-07-22").exists()


# Retention reaches every day run of the season: those published with `day --out` elsewhere
# (given to `purge --days`, as to `monitor --days`) and those in RUN.days under a name that is
# not their date; a day run the ledger records but nowhere found is said (not found, not purged).


def test_a_day_run_published_elsewhere_is_purged_when_given(season: Path) -> None:
    elsewhere = season.parent / "office" / "monday"
    _ok("day", str(season), "--date", "2026-07-06", "--out", str(elsewhere))
    out = _ok("purge", str(season), "--before", "2026-07-10")
    # Before: nothing said, and its riders.csv kept for ever.
    assert "not purged: 1 day run the ledger records was not found" in out, out
    assert "2026-07-06" in out and (elsewhere / "plan" / "riders.csv").is_file()
    out = _ok("purge", str(season), "--before", "2026-07-10", "--days", str(elsewhere.parent))
    assert "not purged" not in out, out
    assert (elsewhere / "purged.json").is_file()
    assert not (elsewhere / "plan" / "riders.csv").exists()
    assert "not checked: purged for retention" in _ok("verify", str(elsewhere))


def test_a_day_run_named_otherwise_in_run_days_is_purged_by_its_date(season: Path) -> None:
    named = season.parent / "tiny.days" / "first-monday"
    _ok("day", str(season), "--date", "2026-07-06", "--out", str(named))
    out = _ok("purge", str(season), "--before", "2026-07-10")
    # Before: its date was read from its folder's name, so it was never purged whole.
    assert "1 run (" in out and "not purged" not in out, out
    assert (named / "purged.json").is_file() and not (named / "plan" / "riders.csv").exists()


def test_a_purged_run_says_it_was_purged_when_asked_to_report_map_or_replay(season: Path) -> None:
    """Before: the first missing file was named ("data.workers: file 'workers.csv' not found")."""
    _ok("day", str(season), "--date", "2026-07-06")
    day = season.parent / "tiny.days" / "2026-07-06"
    _ok("purge", str(season), "--before", "2026-07-14")  # W01, W03, W04, W05 had left
    for args in (["report", str(day)], ["map", str(day)], ["replay", str(day)]):
        code, out = _cli(*args)
        assert code == 2, (args, out)
        assert "purged for retention (before 2026-07-14): its worker-level files are gone" in out
        assert len(out.strip().splitlines()) == 1
    code, out = _cli("replay", str(season))  # people were removed from the season run
    assert code == 2 and "people were removed" in out, out
    assert _ok("report", str(season))  # what remains is still reported
