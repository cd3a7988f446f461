"""Every file and every column of the tiny scenario, damaged one at a time (a column deleted,
renamed or duplicated, a cell emptied or replaced by text, NaN, inf, a negative or huge number,
a date that is no date, a time like 25:61, a row duplicated or deleted, the file cut mid-row,
emptied, removed or replaced by a folder), given to `validate` and `solve`: either the scenario
is still valid, or every line is `error: file:row: field: message` (or `file: field: ...`
without a row), exit 2, no traceback, and `solve` writes nothing.

tests/scenario/test_fuzz.py draws random bytes and cells; this one walks the columns, so that a
column that no reader checks is found (held-out scenarios are judged the same way)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY, displace

FILES = ("workers.csv", "fleet.csv", "farms.geojson", "foresterie.geojson", "scenario.toml")
VALUES: list[Any] = [
    "",
    "abc",
    "nan",
    "inf",
    "-1",
    "1e309",
    "99999999999999999999",
    "2026-13-45",
    "25:61",
    "0",
    None,
    [],
    {},
    -1,
    10**30,
]
# file:row: field: message, or file: field: message; the file one of the scenario's.
LINE = re.compile(r"^error: (\S+?)(:\d+)?: [^:]+: .+$")


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@st.composite
def damage(draw: st.DrawFn) -> tuple[str, str, int, int, Any]:
    name = draw(st.sampled_from(FILES))
    kinds = ["cell"] * 6 + ["delcol", "rencol", "dupcol", "duprow", "delrow", "truncate"]
    kinds += ["empty", "remove", "dir"]
    return (
        name,
        draw(st.sampled_from(kinds)),
        draw(st.integers(0, 999)),
        draw(st.integers(0, 999)),
        draw(st.sampled_from(VALUES)),
    )


def _damage(folder: Path, name: str, kind: str, i: int, j: int, value: Any) -> None:
    p = folder / name
    text = p.read_text(encoding="utf-8-sig")
    if kind == "empty":
        p.write_text("", encoding="utf-8")
    elif displace(p, kind):
        pass
    elif kind == "truncate":
        p.write_text(text[: i * len(text) // 1000], encoding="utf-8")
    elif name.endswith(".toml"):
        lines = text.splitlines()
        keyed = [k for k, line in enumerate(lines) if " = " in line]
        k = keyed[i % len(keyed)]
        key = lines[k].split(" = ")[0]
        if kind in ("delcol", "delrow"):
            del lines[k]
        elif kind in ("rencol",):
            lines[k] = lines[k].replace(key, key + "_x", 1)
        elif kind in ("dupcol", "duprow"):
            lines.insert(k, lines[k])
        else:
            lines[k] = f"{key} = " + (json.dumps(value) if value is not None else '""')
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif name.endswith(".geojson"):
        data = json.loads(text)
        feats = data["features"]
        f = feats[i % len(feats)]
        keys = sorted(f["properties"])
        key = keys[j % len(keys)]
        if kind == "delcol":
            for g in feats:
                g["properties"].pop(key, None)
        elif kind == "rencol":
            for g in feats:
                g["properties"][key + "_x"] = g["properties"].pop(key, None)
        elif kind == "duprow":
            feats.append(f)
        elif kind == "delrow":
            feats.remove(f)
        elif kind == "cell":
            f["properties"][key] = value
        p.write_text(json.dumps(data), encoding="utf-8")
    else:
        rows = list(csv.reader(io.StringIO(text)))
        head = rows[0]
        c = j % len(head)
        r = 1 + i % (len(rows) - 1)
        if kind == "delcol":
            rows = [[x for k, x in enumerate(row) if k != c] for row in rows]
        elif kind == "rencol":
            rows[0][c] += "_x"
        elif kind == "dupcol":
            rows = [[*row, row[c]] for row in rows]
        elif kind == "duprow":
            rows.insert(r, rows[r])
        elif kind == "delrow":
            del rows[r]
        else:
            rows[r][c] = value if isinstance(value, str) else json.dumps(value)
        p.write_text(_csv(rows), encoding="utf-8")


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(d=damage())
def test_a_damaged_column_is_one_line_per_problem_and_nothing_written(
    d: tuple[str, str, int, int, Any],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        folder = base / "s"
        shutil.copytree(TINY, folder)
        _damage(folder, *d)
        r = CliRunner().invoke(app, ["validate", str(folder)])
        assert r.exception is None or isinstance(r.exception, SystemExit), (d, repr(r.exception))
        assert r.exit_code in (0, 2), (d, r.output)
        if r.exit_code == 0:
            return  # still a valid scenario (tests/scenario/test_fuzz.py solves such ones)
        lines = r.stderr.strip().splitlines()
        assert lines, d
        names = {p.name for p in TINY.iterdir()}
        for line in lines:
            if line.startswith("warning: "):
                continue
            m = LINE.match(line)
            assert m and (m.group(1) in names or m.group(1) == str(folder)), (d, line)
        # solve refuses the same scenario with the same lines and writes nothing
        out = base / "run"
        s = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
        assert s.exit_code == 2, (d, s.output)
        assert s.stderr.strip().splitlines() == lines, d
        assert sorted(p.name for p in base.iterdir()) == ["s"]
