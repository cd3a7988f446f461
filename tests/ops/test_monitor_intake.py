"""`monitor` of an intake re-plan says what it reads and which monitor to publish for the weeks
before the intake (review 16, "Smaller things": the reviewer published the intake's monitor and
found the season's weeks re-planned and none of the day runs). The season run's monitor says
nothing of the kind."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli_ok, cli_run, intake_of_tiny


def test_the_monitor_of_an_intake_says_which_to_publish(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    intake = intake_of_tiny(tiny_season_run, tmp_path)
    run = tmp_path / "tiny"  # the season run intake_of_tiny made the intake from
    said = cli_ok("monitor", str(intake), "--out", str(tmp_path / "m-intake"))
    assert (
        f"note: {intake} is an intake re-plan as of 2026-07-08: this monitor takes its beds for "
        "every week, the weeks before too, and reads only the day runs made from it: publish "
        f"the season run's monitor ({run}) for the weeks before the week of 2026-07-08, this "
        'one for the weeks after it (that week is whole in neither: README "Monitoring")'
    ) in said.splitlines()
    said = cli_ok("monitor", str(run), "--out", str(tmp_path / "m-season"))
    assert "note:" not in said
    # a damaged intake.json: one line naming it, exit 2, no monitor written
    (intake / "intake.json").write_text('{"date": 3}', encoding="utf-8")
    code, said = cli_run("monitor", str(intake), "--out", str(tmp_path / "m-bad"))
    assert code == 2 and "intake.json" in said and "Traceback" not in said
    assert not (tmp_path / "m-bad").exists()
