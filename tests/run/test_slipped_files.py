"""Files slipped into a run folder (review 13, finding 3): a dot-file of ids and flags in plan/
or inputs/, a file or folder at the top. Nothing vouches for them: verify names each one, and
the clean run and its operator view (with its OPERATOR.md) still verify."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import verify_run

SLIPPED = "worker_id,referred\nW01,yes\n"


@pytest.mark.parametrize(
    ("rel", "said"),
    [
        ("plan/.referred.csv", "plan file not in the manifest: plan/.referred.csv"),
        ("inputs/.referred.csv", "input not in the manifest: inputs/.referred.csv"),
        ("names.csv", "not part of a run: 'names.csv' at the run folder's top"),
        (".names.csv", "not part of a run: '.names.csv' at the run folder's top"),
        ("extra/ids.csv", "not part of a run: 'extra' at the run folder's top"),
    ],
)
def test_a_slipped_file_is_named(
    tiny_season_run: Path, tmp_path: Path, rel: str, said: str
) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_season_run, run)
    assert verify_run(run) == []
    (run / rel).parent.mkdir(exist_ok=True)
    (run / rel).write_text(SLIPPED, encoding="utf-8")
    found = verify_run(run)
    assert [v for v in found if v.startswith(said)] and len(found) == 1, found
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 1 and said in r.output


def test_an_operator_view_is_a_run(tiny_season_run: Path, tmp_path: Path) -> None:
    view = tmp_path / "operator"
    r = CliRunner().invoke(
        app, ["export", str(tiny_season_run), "--role", "operator", "--out", str(view)]
    )
    assert r.exit_code == 0, r.output
    assert (view / "OPERATOR.md").is_file()
    r = CliRunner().invoke(app, ["verify", str(view)])
    assert r.exit_code == 0 and "not part of a run" not in r.output, r.output
