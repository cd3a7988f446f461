"""The matrix file (`[data] matrix`, backend "matrix"): from_id,to_id,seconds,metres for every
ordered pair. Read here, with the scenario's own CSV rules, so that validation can check it
without the travel stage; travel wraps the arrays into its TravelMatrix."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from foresterie.core.errors import Msg, Problem
from foresterie.scenario.csvfile import MAX_BYTES, MAX_CELL, MAX_ROWS, ascii_digits, clip, read_csv


def check_matrix_file(path: Path, label: str, ids: list[str], probs: list[Problem]) -> None:
    parse_matrix_file(path, label, ids, probs)


def parse_matrix_file(
    path: Path, label: str, ids: list[str], probs: list[Problem]
) -> tuple[np.ndarray, np.ndarray] | None:
    """A CSV of from_id,to_id,seconds,metres; every ordered pair of distinct ids must be present,
    once."""
    plain = _parse_plain(path, ids)
    if plain is not None:
        return plain
    index, secs, mets = _blank(ids)
    start = len(probs)
    first: dict[tuple[str, str], int] = {}  # pair -> its row: a pair given twice is refused
    rows, size = matrix_limits(len(ids))
    for r, row in read_csv(
        path, label, tuple(HEADER), probs, office=True, max_rows=rows, max_bytes=size
    ):
        a, b = row["from_id"].strip(), row["to_id"].strip()
        bad = False
        for fld, key in (("from_id", a), ("to_id", b)):
            if key not in index:
                probs.append(Problem(label, r, fld, Msg("unknown location {id}", id=repr(key))))
                bad = True
        vals = []
        for fld in ("seconds", "metres"):
            s = row[fld].strip()
            try:
                ascii_digits(s)
            except ValueError as exc:
                probs.append(Problem(label, r, fld, exc.args[0]))
                bad = True
                continue
            if not s.isdigit():
                probs.append(
                    Problem(
                        label,
                        r,
                        fld,
                        Msg("{value} is not a whole number >= 0", value=repr(clip(s))),
                    )
                )
                bad = True
            elif int(s) > MATRIX_MAX[fld]:
                probs.append(
                    Problem(
                        label,
                        r,
                        fld,
                        Msg("{value} is more than {most}", value=clip(s), most=MATRIX_MAX[fld]),
                    )
                )
                bad = True
            else:
                vals.append(int(s))
        if not bad and (a, b) in first:  # two routers' answers: which one is meant?
            probs.append(
                Problem(
                    label,
                    r,
                    "to_id",
                    Msg(
                        "duplicate id {id} (first at row {row})",
                        id=repr(f"{a} -> {b}"),
                        row=first[a, b],
                    ),
                )
            )
        elif not bad:
            first[a, b] = r
            secs[index[a], index[b]], mets[index[a], index[b]] = vals
    if len(probs) > start:
        return None
    missing = np.argwhere(secs < 0)
    if len(missing):
        i, j = missing[0]
        probs.append(
            Problem(
                label,
                None,
                "pairs",
                Msg(
                    "{n} ordered pairs missing, e.g. {a} -> {b}", n=len(missing), a=ids[i], b=ids[j]
                ),
            )
        )
        return None
    return secs, mets


HEADER = ["from_id", "to_id", "seconds", "metres"]
# A row is two ids (at most 64 characters: load.ID_RE), two numbers (MATRIX_MAX: at most 8
# digits), separators, quotes and a CRLF: 168 bytes at most.
MATRIX_ROW_BYTES = 2 * 64 + 40


def matrix_limits(places: int) -> tuple[int, int]:
    """(rows, bytes) a matrix file of these places may have: every ordered pair once and a
    header (a season of 20,000 workers has ~1,600 places: 2.5 million rows, 70 MB), never less
    than any CSV file may have. The limit follows from what the scenario names, so a file
    larger than its own pairs is still refused before it is parsed."""
    rows = places * places + 1
    return max(MAX_ROWS, rows), max(MAX_BYTES, rows * MATRIX_ROW_BYTES)


# A leg longer than a week or 10,000 km is no leg in Puglia: a typo, and a number that would
# overflow the solvers' integers.
MATRIX_MAX = {"seconds": 7 * 86_400, "metres": 10_000_000}


def _blank(ids: list[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Index of each id; seconds and metres arrays, -1 (missing) off the diagonal, 0 on it."""
    n = len(ids)
    secs = np.full((n, n), -1, dtype=np.int64)
    mets = np.full((n, n), -1, dtype=np.int64)
    np.fill_diagonal(secs, 0)
    np.fill_diagonal(mets, 0)
    return {k: i for i, k in enumerate(ids)}, secs, mets


def _parse_plain(path: Path, ids: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """The usual file fast (a day run reads the season's matrix several times): exactly these
    four columns, no quotes, BOM or CR, every row four cells of known ids and ASCII digits, every
    pair present. Anything else gives None, and the full reader above decides and reports.
    A content read before in this process (with the same ids) is not parsed again."""
    rows, size = matrix_limits(len(ids))
    try:
        if not path.is_file() or path.stat().st_size > size:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    if raw.count(b"\n") > rows or b'"' in raw or b"\r" in raw or raw.startswith(b"\xef\xbb\xbf"):
        return None
    key = (hashlib.sha256(raw).digest(), tuple(ids))
    if key in _READ:
        secs, mets = _READ[key]
        return secs.copy(), mets.copy()
    try:
        lines = raw.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if lines[-1] == "":
        lines.pop()
    if len(lines) < 2 or [h.strip() for h in lines[0].split(",")] != HEADER:
        return None
    index, secs, mets = _blank(ids)
    seen = np.zeros(secs.shape, dtype=bool)
    for line in lines[1:]:
        cells = line.split(",")
        if len(cells) != 4 or len(line) > MAX_CELL:
            return None
        a, b, s, m = (c.strip() for c in cells)
        i, j = index.get(a), index.get(b)
        if (
            i is None
            or j is None
            or not (s.isascii() and s.isdigit() and m.isascii() and m.isdigit())
            or int(s) > MATRIX_MAX["seconds"]
            or int(m) > MATRIX_MAX["metres"]
            or seen[i, j]  # a pair given twice: the full reader names it
        ):
            return None
        seen[i, j] = True
        secs[i, j], mets[i, j] = int(s), int(m)
    if (secs < 0).any():
        return None
    _READ.clear()  # the last one only: a matrix can be large, and a day run reads one
    _READ[key] = (secs.copy(), mets.copy())
    return secs, mets


# The usual file last read in this process, by content and ids: a day run reads the season's
# matrix four times (the season run, the day scenario, the travel stage, the snapshot).
_READ: dict[tuple[bytes, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = {}


def matrix_bytes(ids: Sequence[str], secs: np.ndarray, mets: np.ndarray) -> bytes:
    """The matrix file of these arrays (row = from, column = to, over `ids`), byte for byte as
    TravelMatrix.to_csv writes it, remembered as read (`_READ`) when `_parse_plain` would read
    it back as these arrays: a run's snapshot reloads the file it has just written
    (run/pipeline.py), and parsed the square of the places again (3 million rows, ~6 CPU s at
    20,000 workers). Anything `_parse_plain` would not take (an id that is not plain, a value
    out of range) is not remembered: the reload parses it and says what is wrong."""
    secs, mets = secs.astype(np.int64), mets.astype(np.int64)  # to_csv's int(): copies
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    s_rows, m_rows = secs.tolist(), mets.tolist()
    for a, s_row, m_row in zip(ids, s_rows, m_rows, strict=True):
        out.write(
            "".join([f"{a},{b},{s},{m}\n" for b, s, m in zip(ids, s_row, m_row, strict=True)])
        )
    raw = out.getvalue().encode("utf-8")
    n = len(ids)
    plain = (
        secs.shape == mets.shape == (n, n)
        and n > 0
        and len(set(ids)) == n
        and all(PLAIN_ID.fullmatch(x) for x in ids)
        and bool((secs >= 0).all() and (mets >= 0).all())
        and int(secs.max()) <= MATRIX_MAX["seconds"]
        and int(mets.max()) <= MATRIX_MAX["metres"]
    )
    if plain:
        _READ.clear()
        _READ[hashlib.sha256(raw).digest(), tuple(ids)] = (secs, mets)
    return raw


# An id `_parse_plain` reads as written (no comma, quote, space or line end; at most 64
# characters, so that no line is longer than a cell may be): the scenario's ids (load.ID_RE).
PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
