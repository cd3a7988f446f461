"""The matrix file's fast reading of the usual file gives what the full reader gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from foresterie.core.errors import Problem
from foresterie.scenario import matrixfile
from foresterie.scenario.matrixfile import _parse_plain, parse_matrix_file

IDS = ["A", "B", "C"]
ROWS = [("A", "B", 60, 900), ("A", "C", 120, 1800), ("B", "A", 61, 901), ("B", "C", 90, 1200)]
ROWS += [("C", "A", 121, 1801), ("C", "B", 91, 1201)]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "matrix.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def full(path: Path) -> tuple[object, list[Problem]]:
    """The full reader alone (the fast path switched off)."""
    probs: list[Problem] = []
    saved = matrixfile._parse_plain
    matrixfile._parse_plain = lambda *_: None  # type: ignore[assignment]
    try:
        return parse_matrix_file(path, "matrix.csv", IDS, probs), probs
    finally:
        matrixfile._parse_plain = saved


def test_the_usual_file_read_fast_is_the_full_readers_arrays(tmp_path: Path) -> None:
    text = "from_id,to_id,seconds,metres\n" + "".join(f"{a}, {b},{s},{m}\n" for a, b, s, m in ROWS)
    path = write(tmp_path, text)
    fast = _parse_plain(path, IDS)
    slow, probs = full(path)
    assert fast is not None and isinstance(slow, tuple) and not probs
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])
    assert fast[0][0, 1] == 60 and fast[1][2, 1] == 1201 and fast[0][1, 1] == 0


def test_anything_unusual_is_left_to_the_full_reader_with_its_messages(tmp_path: Path) -> None:
    good = "".join(f"{a},{b},{s},{m}\n" for a, b, s, m in ROWS)
    unusual = {
        "quoted": 'from_id,to_id,seconds,metres\n"A",B,60,900\n' + good[good.index("\n") + 1 :],
        "bom": "\ufefffrom_id,to_id,seconds,metres\n" + good,
        "crlf": ("from_id,to_id,seconds,metres\n" + good).replace("\n", "\r\n"),
        "extra column": "from_id,to_id,seconds,metres,note\n" + good.replace("\n", ",x\n"),
        "blank line": "from_id,to_id,seconds,metres\n\n" + good,
        "unknown id": "from_id,to_id,seconds,metres\n" + good + "A,Z,1,1\n",
        "not a number": "from_id,to_id,seconds,metres\n" + good + "A,B,1.5,1\n",
        "pair missing": "from_id,to_id,seconds,metres\n" + good[: good.rindex("C,B")],
    }
    for name, text in unusual.items():
        path = write(tmp_path, text)
        assert _parse_plain(path, IDS) is None, name
        probs: list[Problem] = []
        got = parse_matrix_file(path, "matrix.csv", IDS, probs)
        slow, slow_probs = full(path)
        assert probs == slow_probs, name
        assert (got is None) == (slow is None), name
    # the messages are the full reader's: the unknown id is named on its row
    probs = []
    parse_matrix_file(write(tmp_path, unusual["unknown id"]), "matrix.csv", IDS, probs)
    assert [(p.row, p.field) for p in probs] == [(8, "to_id")]


def test_the_same_content_is_parsed_once_per_process_and_each_caller_gets_its_own_arrays(
    tmp_path: Path,
) -> None:
    text = "from_id,to_id,seconds,metres\n" + "".join(f"{a},{b},{s},{m}\n" for a, b, s, m in ROWS)
    first = _parse_plain(write(tmp_path, text), IDS)
    assert first is not None
    first[0][0, 1] = 999_999  # a caller's change stays its own
    other = tmp_path / "copy"
    other.mkdir()
    again = _parse_plain(write(other, text), IDS)  # the same bytes elsewhere: remembered
    assert again is not None and again[0][0, 1] == 60 and again[0] is not first[0]
    changed = _parse_plain(write(other, text.replace("A,B,60,", "A,B,61,")), IDS)
    assert changed is not None and changed[0][0, 1] == 61  # other bytes: read anew
    assert (
        _parse_plain(write(other, text), ["A", "B", "C", "D"]) is None
    )  # other ids: a pair missing


def test_the_file_written_from_arrays_is_to_csvs_and_reads_back_as_them(tmp_path: Path) -> None:
    """matrix_bytes writes what TravelMatrix.to_csv writes, byte for byte, and remembers it as
    read: the snapshot's reload (run/pipeline.py) gets the arrays the full parse gets, without
    parsing; a matrix `_parse_plain` would refuse (an id that is not plain, a value out of
    range) is not remembered, and the reload parses and refuses it as before."""
    from foresterie.travel.matrix import TravelMatrix

    secs = np.array([[0, 60, 120], [61, 0, 90], [121, 91, 0]], dtype=np.int64)
    mets = secs * 15 + 3
    matrix = TravelMatrix(ids=tuple(IDS), seconds=secs, metres=mets, backend="haversine")
    matrixfile._READ.clear()
    raw = matrixfile.matrix_bytes(IDS, secs, mets)
    assert raw == matrix.to_csv().encode("utf-8")
    assert len(matrixfile._READ) == 1
    path = write(tmp_path, raw.decode("utf-8"))
    remembered = _parse_plain(path, IDS)
    matrixfile._READ.clear()
    parsed = _parse_plain(path, IDS)
    assert remembered is not None and parsed is not None
    assert np.array_equal(remembered[0], parsed[0]) and np.array_equal(remembered[1], parsed[1])
    assert np.array_equal(parsed[0], secs) and np.array_equal(parsed[1], mets)
    secs[0, 1] = 99  # the caller's arrays changed after: what was remembered is the file's
    again = _parse_plain(path, IDS)
    assert again is not None and again[0][0, 1] == 60

    for ids, s in ((["A", "B", "C D"], secs), (IDS, secs * 10_000)):
        matrixfile._READ.clear()
        raw = matrixfile.matrix_bytes(ids, s, mets)
        assert not matrixfile._READ, ids
    probs: list[Problem] = []  # the last, a leg of 11 days: the reload refuses it
    assert parse_matrix_file(write(tmp_path, raw.decode("utf-8")), "m", IDS, probs) is None
    assert probs and probs[0].field == "seconds"
    matrixfile._READ.clear()
