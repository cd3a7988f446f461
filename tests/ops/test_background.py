"""The day run's report written by a process forked when `foresterie day` starts: the same files,
its failures raised in the command as their own errors, nothing published when the report or the
verifier fails."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from foresterie.core.errors import Problem, ScenarioError
from foresterie.ops.background import ReportInBackground
from foresterie.ops.day import load_season_run, run_day
from foresterie.ops.ledger import Ledger
from tests.helpers import previous_day_run

D = date(2026, 7, 7)
IMPORTED: list[int] = []  # the factory's side effect: where the imports were done


def _writes_its_pid() -> Callable[[Path], None]:
    IMPORTED.append(os.getpid())

    def hook(run: Path) -> None:
        (run / "report").mkdir(exist_ok=True)
        (run / "report" / "pid.txt").write_text(f"{os.getpid()} {IMPORTED}")

    return hook


def _raises(exc: BaseException) -> Callable[[], Callable[[Path], None]]:
    def make() -> Callable[[Path], None]:
        def hook(run: Path) -> None:
            raise exc

        return hook

    return make


def test_the_report_is_written_by_the_process_started_first(tmp_path: Path) -> None:
    with ReportInBackground(_writes_its_pid) as report:
        report(tmp_path)
    pid, imported = (tmp_path / "report" / "pid.txt").read_text().split(" ", 1)
    assert int(pid) != os.getpid() and imported == f"[{pid}]"  # imports and report: there
    assert IMPORTED == []  # not here


def test_its_failures_are_raised_here_as_their_own_errors(tmp_path: Path) -> None:
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "map.html"))
    with ReportInBackground(_raises(full)) as report, pytest.raises(OSError) as got:
        report(tmp_path)
    assert (got.value.errno, got.value.filename) == (errno.ENOSPC, full.filename)
    assert "in the report process" in "".join(getattr(got.value, "__notes__", []))
    bad = ScenarioError([Problem("inputs/farms.geojson", 3, "geometry", "no geometry")])
    with ReportInBackground(_raises(bad)) as report, pytest.raises(ScenarioError) as got_bad:
        report(tmp_path)
    assert got_bad.value.problems == bad.problems
    odd = ValueError(threading.Lock())  # cannot travel between processes
    with ReportInBackground(_raises(odd)) as report, pytest.raises(RuntimeError) as crash:
        report(tmp_path)
    assert "Traceback" in str(crash.value) and "ValueError" in str(crash.value)


def test_a_report_process_gone_is_an_internal_error(tmp_path: Path) -> None:
    with ReportInBackground(_writes_its_pid) as report:
        report._process.kill()
        report._process.join()
        with pytest.raises(RuntimeError, match="the report process ended"):
            report(tmp_path)
    assert not (tmp_path / "report").exists()


def _always_rejects(run: Path, report: bool = True) -> list[str]:  # module level: in a process
    return [f"forged violation in {run.name}"]


def test_a_day_whose_report_or_verification_fails_publishes_nothing(
    tiny_season_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import foresterie.run.pipeline as pipeline

    led = tmp_path / "ledger.sqlite"
    days = tmp_path / "days"
    full = OSError(errno.ENOSPC, "No space left on device", "map.html")
    binding = load_season_run(tiny_season_run).binding
    with Ledger.open(led, binding) as ledger:
        with ReportInBackground(_raises(full)) as report, pytest.raises(OSError):
            run_day(tiny_season_run, ledger, D, days / "a", report=report)
        monkeypatch.setattr(pipeline, "verify_run", _always_rejects)
        with ReportInBackground(_writes_its_pid) as report, pytest.raises(pipeline.PlanRejected):
            run_day(tiny_season_run, ledger, D, days / "b", report=report)
        monkeypatch.undo()
        assert not days.exists()  # no day run, no temporary folder, no empty folder left
        assert [r.event.kind for r in ledger.rows()] == []  # no day plan recorded
        with ReportInBackground(_writes_its_pid) as report:
            run_day(tiny_season_run, ledger, D, days / "c", report=report)
        assert (days / "c" / "report" / "pid.txt").is_file()
        assert [r.event.kind for r in ledger.rows()] == ["day_plan"]


def test_a_day_failing_while_its_report_is_written_stops_the_report_first(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """The report is asked for as soon as the plan is verified-ready; the day's own figures are
    computed meanwhile. A failure there (a damaged previous day run beside it) stops the report
    process before the temporary run folder is removed: nothing is left half-written."""
    led = tmp_path / "ledger.sqlite"
    days = tmp_path / "days"
    previous_day_run(days, load_season_run(tiny_season_run).manifest_sha256, "no,dia,column\n")
    with Ledger.open(led, load_season_run(tiny_season_run).binding) as ledger:
        with ReportInBackground(_writes_its_pid) as report, pytest.raises(ValueError):
            run_day(tiny_season_run, ledger, D, days / D.isoformat(), report=report)
        assert not report._process.is_alive()
        assert sorted(p.name for p in days.iterdir()) == ["2026-07-06"]
        assert ledger.rows() == []
