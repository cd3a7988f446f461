"""`intake --force` replacing an intake that day runs were made from says so (review 20 T,
MEDIUM-2: they kept the old plan, silently; a day run from it dropped a man the new intake
housed)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli_ok, cli_run, intake_of_tiny


def test_replacing_an_intake_names_the_runs_made_from_it(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    intake = intake_of_tiny(tiny_season_run, tmp_path)
    run = tmp_path / "tiny"
    args = ("intake", str(run), "--date", "2026-07-08", "--out", str(intake), "--force")
    assert "still hold" not in cli_ok(*args)  # nothing made from it yet: nothing said
    cli_ok("day", str(intake), "--date", "2026-07-09")
    day = intake.parent / f"{intake.name}.days" / "2026-07-09"
    assert (day / "manifest.json").is_file()
    code, said = cli_run(*args)
    assert code == 0, said
    assert (
        f"warning: 1 run made from the re-plan replaced still holds its old plan ({day}): make "
        "it again from this one"
    ) in said, said
