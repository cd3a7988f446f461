"""`solve --force` over a season run whose ledger beside it records the daily operation is
refused (review 18, H3): the new run's manifest differs on every solve (timings, the
restricted part's salt), so the ledger would be bound to a run that no longer exists and
`day`, `intake` and `monitor` would refuse it from then on. One line, exit 2, nothing replaced."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_replacing_a_run_whose_ledger_records_its_operation_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "season"
    assert _cli("solve", str(TINY), "--out", str(run))[0] == 0
    ledger = tmp_path / "season.ledger.sqlite"  # the default ledger: beside the run
    checkins = tmp_path / "checkins.csv"
    checkins.write_text("date,worker_id,event\n2026-07-06,W02,departure\n", encoding="utf-8")
    code, out = _cli("ledger", "import", str(run), str(checkins))
    assert code == 0 and ledger.is_file(), out
    before = (run / "manifest.json").read_bytes()
    code, out = _cli("solve", str(TINY), "--out", str(run), "--force")
    assert code == 2, out
    lines = [x for x in out.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out, out
    assert str(ledger) in lines[0] and "foresterie intake" in lines[0]
    assert (run / "manifest.json").read_bytes() == before  # nothing replaced
    # the daily operation goes on with the run it records
    more = tmp_path / "more.csv"
    more.write_text("date,worker_id,event\n2026-07-07,W01,departure\n", encoding="utf-8")
    code, out = _cli("ledger", "import", str(run), str(more))
    assert code == 0, out


def test_a_ledger_of_another_run_or_none_does_not_stop_force(tmp_path: Path) -> None:
    run = tmp_path / "season"
    assert _cli("solve", str(TINY), "--out", str(run))[0] == 0
    assert _cli("solve", str(TINY), "--out", str(run), "--force")[0] == 0  # no ledger
    other = tmp_path / "other"
    assert _cli("solve", str(TINY), "--out", str(other))[0] == 0
    checkins = tmp_path / "checkins.csv"
    checkins.write_text("date,worker_id,event\n2026-07-06,W02,departure\n", encoding="utf-8")
    assert _cli("ledger", "import", str(other), str(checkins))[0] == 0
    shutil.copy(tmp_path / "other.ledger.sqlite", tmp_path / "season.ledger.sqlite")
    code, out = _cli("solve", str(TINY), "--out", str(run), "--force")  # not its ledger
    assert code == 0, out
