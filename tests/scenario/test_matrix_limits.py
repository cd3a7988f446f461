"""A matrix file's size follows from the places the scenario names (session 15: a season of
20,000 workers has ~1,600 places, a 70 MB inputs/matrix.csv its own run could not read again
under the 64 MiB and 250,000-row limits of every other CSV file)."""

from __future__ import annotations

from pathlib import Path

from foresterie.core.errors import Problem
from foresterie.scenario.csvfile import MAX_BYTES, MAX_ROWS
from foresterie.scenario.matrixfile import matrix_limits, parse_matrix_file


def _matrix(path: Path, ids: list[str], extra: int = 0, quoted: bool = False) -> None:
    q = '"' if quoted else ""
    rows = [
        f"{q}{a}{q},{q}{b}{q},{60 + i % 7},{1000 + j}"
        for i, a in enumerate(ids)
        for j, b in enumerate(ids)
        if a != b
    ]
    rows += [f"{ids[0]},{ids[1]},60,1000"] * extra
    path.write_text("from_id,to_id,seconds,metres\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_limits_grow_with_the_places_and_never_fall_below_a_csv_files() -> None:
    assert matrix_limits(10) == (MAX_ROWS, MAX_BYTES)
    rows, size = matrix_limits(1_600)
    assert rows == 1_600 * 1_600 + 1 and size >= 70 * 2**20


def test_a_matrix_of_more_pairs_than_any_csv_file_is_read(tmp_path: Path) -> None:
    ids = [f"P{i:04d}" for i in range(520)]  # 269,880 pairs: more rows than MAX_ROWS
    assert len(ids) * (len(ids) - 1) > MAX_ROWS
    for quoted in (False, True):  # the fast reader and the full one
        path = tmp_path / f"m{quoted}.csv"
        _matrix(path, ids, quoted=quoted)
        probs: list[Problem] = []
        got = parse_matrix_file(path, "matrix.csv", ids, probs)
        assert probs == [] and got is not None
        secs, mets = got
        assert secs[3, 5] == 63 and mets[3, 5] == 1005 and secs[4, 4] == 0


def test_a_matrix_longer_than_its_places_allow_is_refused_unparsed(tmp_path: Path) -> None:
    ids = [f"P{i:04d}" for i in range(520)]
    path = tmp_path / "m.csv"
    rows, _ = matrix_limits(len(ids))
    _matrix(path, ids, extra=rows - len(ids) * (len(ids) - 1))  # one line over, header counted
    probs: list[Problem] = []
    assert parse_matrix_file(path, "matrix.csv", ids, probs) is None
    assert [(p.field, str(p.message)[:40]) for p in probs] == [
        ("file", f"{rows + 1:,} lines, more than {rows:,}: the pla"[:40])
    ]
