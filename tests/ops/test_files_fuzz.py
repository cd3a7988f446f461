"""Damaged or crafted files handed to the daily-operations commands (`day`, `monitor`,
`intake`, `ledger`, `purge`): the JSON records they read (a day run's day.json, an intake
re-plan's intake.json, a purged run's purged.json, the season run's manifest.json) and the
season inputs `purge` reads itself, each damaged as a person, a broken disk or a forger would
(emptied, cut short, not UTF-8, NaN, nested 100,000 deep, the top level or any key deleted or
given a value of another kind, the file removed, made a folder or a link out of the run).

What must hold (README, "Bad input"): exit 0, 1 or 2, never a traceback (exit 3); on exit 2 one
line on stderr, and nothing written: no file of the folders changed, no ledger row added."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import displace, fuzz_settings, json_paths

SEASON = "tiny"
DAY = "tiny.days/2026-07-07"
INTAKE = "tiny.intake/2026-07-07"
LEDGER = "tiny.ledger.sqlite"
JSON_VALUES: list[Any] = ["abc", float("nan"), -1, 10**30, None, True, [], {}, "2026-13-45", 0]
CSV_VALUES = ["", "abc", "-1", "nan", "1e309", "2026-13-45", "25:61", "W99", "x,y"]


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _ok(*args: str) -> None:
    r = _cli(*args)
    assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def world(tiny_season_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny season run, its ledger (check-ins of 6 July), a day run of 7 July and an intake
    re-plan of 7 July, side by side; `purged/` the same after `purge --before 2026-07-12` (W04
    and W05 had left: removed from the runs still in use, so purged.json records it)."""
    base = tmp_path_factory.mktemp("ops-world")
    live = base / "live"
    live.mkdir()
    run = live / SEASON
    shutil.copytree(tiny_season_run, run)
    rows = base / "checkins.csv"
    rows.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n")
    _ok("ledger", "import", str(run), str(rows))
    _ok("day", str(run), "--date", "2026-07-07")
    _ok("intake", str(run), "--date", "2026-07-07")
    purged = base / "purged"
    shutil.copytree(live, purged, symlinks=True)
    _ok("purge", str(purged / SEASON), "--before", "2026-07-12")
    assert (purged / SEASON / "purged.json").is_file()
    return base


PLAN_READ_BY_MONITOR = ["assignments.csv", "trips.csv", "stops.csv", "unserved.csv", "waitlist.csv"]
# command -> (world, the files it reads that are damaged here, its arguments); {w} is the copy
COMMANDS: dict[str, tuple[str, list[str], list[str]]] = {
    "day": (
        "live",
        [
            f"{DAY}/day.json",
            f"{SEASON}/manifest.json",
            f"{SEASON}/plan/assignments.csv",
            f"{SEASON}/plan/riders.csv",
            f"{DAY}/plan/riders.csv",
            f"{DAY}/plan/trips.csv",
        ],
        ["day", "{w}/tiny", "--date", "2026-07-08"],
    ),
    "monitor": (
        "live",
        [
            f"{DAY}/day.json",
            f"{SEASON}/manifest.json",
            *(f"{run}/plan/{name}" for run in (SEASON, DAY) for name in PLAN_READ_BY_MONITOR),
        ],
        ["monitor", "{w}/tiny"],
    ),
    "intake": (
        "live",
        [
            f"{INTAKE}/intake.json",
            f"{SEASON}/manifest.json",
            f"{SEASON}/plan/assignments.csv",
            f"{SEASON}/plan/waitlist.csv",
        ],
        ["intake", "{w}/tiny", "--date", "2026-07-08"],
    ),
    "ledger verify": (
        "live",
        [f"{INTAKE}/intake.json"],
        ["ledger", "verify", "{w}/" + INTAKE],
    ),
    "purge": (
        "purged",
        [
            f"{SEASON}/purged.json",
            f"{INTAKE}/purged.json",
            f"{SEASON}/inputs/scenario.toml",
            f"{SEASON}/inputs/workers.csv",
            f"{SEASON}/plan/riders.csv",
            f"{INTAKE}/plan/assignments.csv",
        ],
        ["purge", "{w}/tiny", "--before", "2026-07-13"],
    ),
    "purge people": (
        "live",
        [
            f"{SEASON}/inputs/workers.csv",
            f"{SEASON}/plan/riders.csv",
            f"{SEASON}/plan/unserved.csv",
            f"{INTAKE}/plan/assignments.csv",
            f"{DAY}/plan/riders.csv",
        ],
        ["purge", "{w}/tiny", "--before", "2026-07-12"],
    ),
    "purge all": (
        "purged",
        [
            f"{SEASON}/purged.json",
            f"{DAY}/purged.json",
            f"{SEASON}/inputs/scenario.toml",
            f"{SEASON}/plan/trips.csv",
            f"{SEASON}/plan/riders.csv",
        ],
        ["purge", "{w}/tiny", "--before", "2026-08-01"],
    ),
}


class _Noop(Exception):
    """The drawn edit would leave the file as it was."""


KINDS = ["empty", "truncate", "latin1", "nan", "deep", "top", "remove", "dir", "link_out"]


@st.composite
def damages(draw: st.DrawFn, files: list[str]) -> tuple[str, str, Any]:
    rel = draw(st.sampled_from(files))
    kinds = KINDS + (
        ["key"] * 10
        if rel.endswith(".json")
        else ["cell"] * 8 + ["delcol", "ragged"]
        if rel.endswith(".csv")
        else ["line"] * 4
    )
    kind = draw(st.sampled_from(kinds))
    return rel, kind, (draw(st.integers(0, 10**6)), draw(st.sampled_from(["DEL", *JSON_VALUES])))


def _damage(root: Path, outside: Path, rel: str, kind: str, arg: tuple[int, Any]) -> None:
    p = root / rel
    raw = p.read_bytes()
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "truncate":
        p.write_bytes(raw[: arg[0] % max(1, len(raw))])
    elif kind == "latin1":
        at = arg[0] % max(1, len(raw))
        p.write_bytes(raw[:at] + b"\xe9\xff" + raw[at:])
    elif kind == "nan":
        p.write_bytes(b'{"season_run_manifest_sha256": NaN, "removed": Infinity}')
    elif kind == "deep":
        p.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    elif kind == "top":
        p.write_text(json.dumps(arg[1] if arg[1] != "DEL" else []), encoding="utf-8")
    elif displace(p, kind, outside):
        pass
    elif kind in ("cell", "delcol", "ragged"):
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        j = arg[0] % len(rows[0])
        if kind == "cell" and len(rows) > 1:
            rows[1 + arg[0] % (len(rows) - 1)][j] = CSV_VALUES[arg[0] % len(CSV_VALUES)]
        elif kind == "delcol":
            rows = [[c for k, c in enumerate(r) if k != j] for r in rows]
        else:
            rows[-1] = rows[-1][:j]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        p.write_text(buf.getvalue(), encoding="utf-8")
    elif kind == "line":  # a TOML line given a value of another kind
        lines = raw.decode("utf-8").splitlines()
        i = arg[0] % len(lines)
        value = json.dumps(arg[1]) if arg[1] != "DEL" else ""
        if " = " in lines[i]:
            lines[i] = f"{lines[i].split(' = ')[0]} = {value}"
        else:
            raise _Noop
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:  # "key": one key of the JSON deleted or given a value of another kind
        data = json.loads(raw)
        paths = json_paths(data)
        if not paths:
            raise _Noop
        path = paths[arg[0] % len(paths)]
        obj = data
        for k in path[:-1]:
            obj = obj[k]
        if arg[1] == "DEL":
            del obj[path[-1]]
        elif json.dumps(obj[path[-1]]) == json.dumps(arg[1]):
            raise _Noop
        else:
            obj[path[-1]] = arg[1]
        p.write_text(json.dumps(data), encoding="utf-8")
    if p.is_file() and not p.is_symlink() and p.read_bytes() == raw:
        raise _Noop


def _tree(root: Path) -> dict[str, str]:
    """Every file (and folder) below root with the sha256 of its bytes; ledgers by their rows."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.name.startswith(LEDGER):
            if p.name == LEDGER:
                with sqlite3.connect(p) as db:
                    out[rel] = str(db.execute("SELECT COUNT(*) FROM ledger_events").fetchone())
            continue
        if p.is_symlink() or p.is_dir():
            out[rel] = "link" if p.is_symlink() else "dir"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("command", sorted(COMMANDS))
@fuzz_settings(15)
@given(data=st.data())
def test_an_operations_command_on_a_damaged_file(command: str, data: Any, world: Path) -> None:
    kind_of_world, files, args = COMMANDS[command]
    rel, kind, arg = data.draw(damages(files))
    with tempfile.TemporaryDirectory() as tmp:
        w, outside = Path(tmp) / "w", Path(tmp) / "outside"
        shutil.copytree(world / kind_of_world, w, symlinks=True)
        outside.mkdir()
        try:
            _damage(w, outside, rel, kind, arg)
        except _Noop:
            return
        before = _tree(w)
        r = _cli(*(a.format(w=w) for a in args))
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.output and "internal error" not in r.output, r.output
        assert r.exit_code in (0, 1, 2), (rel, kind, arg, r.output)
        if r.exit_code == 2:
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), (rel, kind, arg, lines)
            assert _tree(w) == before, (rel, kind, arg, lines)
