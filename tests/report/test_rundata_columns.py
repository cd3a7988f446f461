"""The report reads a plan file column by column (session 20: riders.csv and unserved.csv hold
about 2 million cells at 20,000 workers) and gets what reading it row by row gets: the same
rows, and for a faulty file the same refusal naming its first faulty row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from foresterie.core.runfolder import RunFolderError
from foresterie.report import rundata

FIELDS = {"trip_id": rundata._id, "seq": rundata._count, "worker_id": rundata._id}


def _answer(root: Path, monkeypatch: pytest.MonkeyPatch, by_rows: bool) -> object:
    with monkeypatch.context() as m:
        if by_rows:
            m.setattr(rundata, "_by_columns", lambda *_: None)
        try:
            return rundata._rows(root, "plan/riders.csv", FIELDS)
        except RunFolderError as exc:
            return f"refused: {exc}"


@pytest.mark.parametrize(
    "body",
    [
        "T1,1,P1\nT1,1,P2\nT2,2,P1\n",  # sound
        "T1,1,P1\n\nT1,1,P2\n\n",  # blank lines: skipped, not counted
        "T1,1,P1,extra\nT1,2,P2\n",  # a wider row
        "",  # the header alone
        "T1,1,P1\nT1,x,P2\nT1,1,bad id\n",  # the first faulty cell is named
        "T1,1,P1\nT1,1\n",  # a short row: its missing cell is empty
        "T1,1,P1\nT1,-1,P2\n",  # out of range
        'T1,1,P1\nT1,1,"P2\n',  # unreadable CSV after a sound row
        'T1,x,P1\nT1,1,"P2\n',  # a faulty row before an unreadable line: the row first
    ],
)
def test_plan_rows_by_column_are_the_rows_read_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "riders.csv").write_text("trip_id,seq,worker_id\n" + body, "utf-8")
    got = _answer(tmp_path, monkeypatch, by_rows=False)
    assert got == _answer(tmp_path, monkeypatch, by_rows=True)
    if body.startswith("T1,1,P1\nT1,1,P2"):
        assert isinstance(got, list) and got[1] == {"trip_id": "T1", "seq": 1, "worker_id": "P2"}
