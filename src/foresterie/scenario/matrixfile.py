"""The matrix file (`[data] matrix`, backend "matrix"): from_id,to_id,seconds,metres for every
ordered pair. Read here, with the scenario's own CSV rules, so that validation can check it
without the travel stage; travel wraps the arrays into its TravelMatrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from foresterie.core.errors import Msg, Problem
from foresterie.scenario.csvfile import read_csv


def check_matrix_file(path: Path, label: str, ids: list[str], probs: list[Problem]) -> None:
    parse_matrix_file(path, label, ids, probs)


def parse_matrix_file(
    path: Path, label: str, ids: list[str], probs: list[Problem]
) -> tuple[np.ndarray, np.ndarray] | None:
    """A CSV of from_id,to_id,seconds,metres; every ordered pair of distinct ids must be present."""
    index = {k: i for i, k in enumerate(ids)}
    n = len(ids)
    secs = np.full((n, n), -1, dtype=np.int64)
    mets = np.full((n, n), -1, dtype=np.int64)
    np.fill_diagonal(secs, 0)
    np.fill_diagonal(mets, 0)
    start = len(probs)
    for r, row in read_csv(path, label, ("from_id", "to_id", "seconds", "metres"), probs):
        a, b = row["from_id"].strip(), row["to_id"].strip()
        bad = False
        for fld, key in (("from_id", a), ("to_id", b)):
            if key not in index:
                probs.append(Problem(label, r, fld, Msg("unknown location {id}", id=repr(key))))
                bad = True
        vals = []
        for fld in ("seconds", "metres"):
            s = row[fld].strip()
            if not s.isdigit():
                probs.append(
                    Problem(label, r, fld, Msg("{value} is not a whole number >= 0", value=repr(s)))
                )
                bad = True
            else:
                vals.append(int(s))
        if not bad:
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
