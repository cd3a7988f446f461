"""A monitor folder or a road graph given where a run is expected is named as such, one line,
exit 2 (review 20 R, LOW-5: "manifest.json: seed: Field required")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app


@pytest.mark.parametrize(
    ("manifest", "said"),
    [
        ({"kind": "monitor", "season": "tiny"}, "a monitor folder, not a run folder"),
        ({"schema": "foresterie-graph/1"}, "a road graph"),
    ],
)
@pytest.mark.parametrize("command", ["export", "report"])
def test_another_output_is_named(
    tmp_path: Path, manifest: dict[str, str], said: str, command: str
) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    args = [command, str(folder)]
    if command == "export":
        args += ["--role", "public", "--out", str(tmp_path / "out")]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    [line] = r.stderr.strip().splitlines()
    assert "manifest.json" in line and said in line and "Field required" not in line
    assert not (tmp_path / "out").exists()
