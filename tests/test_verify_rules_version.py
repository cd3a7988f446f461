"""`verify` of a run made by another foresterie version says so beside its violations: the rules
may have changed between them (review 19 S, NEW-8: a season run made that morning read as 246
violations, nothing said why); a run of this version says nothing of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from foresterie import __version__
from tests.helpers import cli_run


def _broken_copy(run: Path, dest: Path, version: str | None) -> Path:
    shutil.copytree(run, dest)
    path = dest / "plan" / "assignments.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # one stay dropped: a violation
    if version is not None:
        m = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
        m["versions"]["foresterie"] = version
        (dest / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return dest


def test_an_older_runs_violations_come_with_the_versions(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    old = _broken_copy(tiny_season_run, tmp_path / "old", "0.2.0")
    code, said = cli_run("verify", str(old))
    assert code == 1, said
    assert (
        f"note: {old} was made by foresterie 0.2.0, this is {__version__}: the rules changed "
        "between them"
    ) in said, said
    same = _broken_copy(tiny_season_run, tmp_path / "same", None)
    code, said = cli_run("verify", str(same))
    assert code == 1 and "was made by foresterie" not in said, said
