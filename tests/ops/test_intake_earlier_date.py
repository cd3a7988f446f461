"""An intake from an intake run, dated before that run's own date, is refused in one line against
what the user gave (review 19 R, LOW-6: it named a temporary scenario file the user never saw
and a move's date as the reason)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli_ok, cli_run, intake_of_tiny


def test_an_intake_before_its_runs_own_date_is_one_line(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    intake = intake_of_tiny(tiny_season_run, tmp_path)
    code, said = cli_run(
        "intake", str(intake), "--date", "2026-07-07", "--out", str(tmp_path / "x")
    )
    assert code == 2, said
    (line,) = [ln for ln in said.splitlines() if ln.startswith("error:")]
    assert line == (
        f"error: --date: 2026-07-07: before {intake}'s own date 2026-07-08: an intake goes on "
        "from a later date (or make it from the season run)"
    ), said
    assert not (tmp_path / "x").exists() and "Traceback" not in said
    cli_ok("intake", str(intake), "--date", "2026-07-09", "--out", str(tmp_path / "later"))
