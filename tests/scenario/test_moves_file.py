"""A scenario's moves.csv (the moves on request an intake writes: housing/replan.py MOVES) is
read by re-plans only, by name (review 18 R, LOW-5): `validate` now checks it row by row (one
line file:row:field each, exit 2), `validate` and a season `solve` say that a season plan does
not apply it, and a re-plan it makes infeasible names its row, not a workers.csv pin nobody
wrote. The tiny scenario: W03 (a woman needing an accessible bed) is at FA; FB has neither
women's nor accessible beds."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import TINY, cli_run

NOTE = (
    "note: moves.csv: moves on request are applied by a re-plan only (solve --as-of DATE "
    "--previous RUN, or foresterie intake); a season solve plans without them"
)


def _with_moves(tmp_path: Path, rows: str) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(TINY, folder)
    (folder / "moves.csv").write_text("worker_id,foresteria_id,from\n" + rows, encoding="utf-8")
    return folder


def test_validate_names_each_bad_row_of_moves_csv(tmp_path: Path) -> None:
    folder = _with_moves(
        tmp_path,
        "W01,FB,2026-07-08\nW99,FA,2026-07-08\nW02,FX,2026-07-08\nW04,FA,2026-07-06\n"
        "W01,FA,2026-07-09\nW05,FA,soon\n",
    )
    code, said = cli_run("validate", str(folder))
    assert code == 2
    errors = [x for x in said.splitlines() if x.startswith("error: ")]
    assert errors == [
        "error: moves.csv:3: worker_id: 'W99' is not one of the scenario's people",
        "error: moves.csv:4: foresteria_id: unknown foresteria 'FX'",
        "error: moves.csv:5: from: 2026-07-06 is not inside W04's stay (2026-07-06..2026-07-11):"
        " a move is made after the arrival, before the departure",
        "error: moves.csv:6: worker_id: W01: a second row",
        "error: moves.csv:7: from: 'soon' is not a date YYYY-MM-DD",
    ]
    assert "Traceback" not in said and "ok:" not in said


def test_validate_and_a_season_solve_say_moves_are_not_applied(tmp_path: Path) -> None:
    folder = _with_moves(tmp_path, "W01,FB,2026-07-08\n")
    code, said = cli_run("validate", str(folder))
    assert code == 0, said
    assert any(x.startswith(NOTE) for x in said.splitlines())
    code, said = cli_run("solve", str(folder), "--out", str(tmp_path / "run"))
    assert code == 0, said
    assert any(x.startswith(NOTE) for x in said.splitlines())
    assert not (tmp_path / "run" / "inputs" / "moves.csv").exists()  # a season plan: not read
    shutil.copytree(TINY, tmp_path / "plain")
    code, said = cli_run("validate", str(tmp_path / "plain"))
    assert code == 0 and "moves.csv" not in said


def test_a_replan_its_move_makes_infeasible_names_the_moves_row(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    folder = _with_moves(tmp_path, "W01,FA,2026-07-07\nW03,FB,2026-07-08\n")
    out = tmp_path / "replan"
    code, said = cli_run(
        "solve",
        str(folder),
        "--as-of",
        "2026-07-08",
        "--previous",
        str(tiny_season_run),
        "--out",
        str(out),
    )
    assert code == 2
    (line,) = [x for x in said.splitlines() if "women's beds" in x]
    assert line.startswith(
        "infeasible: pinned people exceed women's beds at Borgo Mezzanone (FB) on "
        "2026-07-08..07-12: over by 1 (moves.csv row 3, moved there on request: "
    )
    assert "workers.csv" not in line and NOTE not in said  # a re-plan applies it
    assert not out.exists()
