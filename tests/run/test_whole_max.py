"""The scenario format's top value for a whole number, 1,000,000,000 (README, "Scenario format";
a "no limit" capacity typed as such), is read by the loader, solved and verified: the verifier's
own reader (and the report's) stopped at 999,999,999 and refused the run as unreadable, an internal error after
the whole solve (review 13, finding 2)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run
from tests.helpers import edit_features


def test_the_documented_top_value_is_solved_and_verified(tiny: Path, tmp_path: Path) -> None:
    edit_features(tiny / "foresterie.geojson", 0, beds_men=1_000_000_000)
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(tiny), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "verified" in r.output
    occupancy = (out / "plan" / "occupancy.csv").read_text(encoding="utf-8")
    assert ",1000000000," in occupancy
    assert verify_run(out) == []
