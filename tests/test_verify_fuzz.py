"""A systematic attack on a solved run folder: every file (manifest, inputs, plan, restricted
part) damaged in every way a person, a broken disk or a forger would (a column deleted, renamed
or duplicated, a cell emptied or replaced by text, NaN, inf, a negative or huge number, a date
that is no date, a time like 25:61; rows duplicated, deleted or cut mid-row; a BOM, CRLF,
non-UTF-8 bytes; the file emptied, removed, replaced by a folder or by a link out of the run),
and the manifest's hashes recomputed after the edit, so that only the content can give it away.

What must hold (README "Run folders and verification"):
- `verify` exits 0, 1 or 2 only, never with a traceback; exit 2 is one line naming the file
  (and the row and field where there is one);
- an edit that changes what the plan says (plan/, restricted/, the manifest's figures) is never
  exit 0, unless it is one of HARMLESS below;
- `report`, `map`, `export`, `compare` on a damaged folder: exit 0 or 2, one line, and nothing
  half-written (no output folder or file left behind on exit 2).

Edits of inputs/ are held to the first rule only: changing an input the plan still satisfies
(more seats, a longer duty limit, a farm's name) leaves a consistent run, and the verifier judges
the plan against the inputs recorded beside it (the scenario's canonical hash in the manifest is
the solver's, which the verifier does not recompute: it shares no code with the loader).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.restricted import SALT, digest
from tests.helpers import displace, fuzz_settings, json_paths

# Edits that may leave `verify` at exit 0, and why each cannot change what the plan says:
# - "bom", "crlf": the same text to every reader (a BOM is skipped, csv reads either newline);
# - ("plan/fleet_days.csv", "vehicles_needed" / "vehicles_needed_proven"): the vehicles a plan
#   with every kind of vehicle unlimited would need, a figure of a plan that is not published
#   (like the solver's bounds, a claim the verifier cannot re-derive without solving again).
# - ("plan/housing.json", "moved_vs_previous"), ("plan/plan.json", "summary.engine"): the
#   re-plan's count of people moved (against a previous run not in the folder) and the name of
#   the route engine, records of how the plan was made, not what it says.
# A waitlist reason's words are checked since session 17 (`_check_reason_words`): an edited
# reason, or a cut inside the last one, is refused like any other cell (review 18 Q, L6).
HARMLESS_KINDS = {"bom", "crlf"}
HARMLESS_CELLS = {
    ("plan/fleet_days.csv", "vehicles_needed"),
    ("plan/fleet_days.csv", "vehicles_needed_proven"),
    ("plan/housing.json", "moved_vs_previous"),
    ("plan/plan.json", "summary.engine"),
}
HARMLESS_FILE_KINDS: set[tuple[str, str]] = set()
VALUES = [
    "",
    "abc",
    "nan",
    "inf",
    "-1",
    "-0.5",
    "1e309",
    "99999999999999999999",
    "2026-13-45",
    "2026-02-30",
    "25:61",
    "24:00",
    "0",
    "1",
    "yes",
    "W01",
    "FA",
    "F1",
    "<b>x</b>",
]
JSON_VALUES: list[Any] = ["abc", float("nan"), float("inf"), -1, 10**30, None, [], {}, "25:61", 0]


def _copy_without_report(solved: Path, run: Path) -> None:
    """The run without its report (these tests damage the plan's files, not the pages): no
    report/, no report.json and no manifest entry naming it, so verify reads a run whose
    report it was never told of (one "not checked" line) and every other finding is the
    damage's own. Copied with report/ missing but still named, every example failed."""
    shutil.copytree(
        solved, run, symlinks=True, ignore=shutil.ignore_patterns("report", "report.json")
    )
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m.pop("report_hashes", None) == "report.json"
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _files(run: Path) -> list[str]:
    out = ["manifest.json"]
    for part in ("inputs", "plan", "restricted"):
        out += sorted(f"{part}/{p.name}" for p in (run / part).iterdir())
    return out


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@st.composite
def edits(draw: st.DrawFn, files: list[str]) -> tuple[str, str, Any]:
    """(file, kind, argument): one damage to one file."""
    rel = draw(st.sampled_from(files))
    kinds = ["empty", "bom", "crlf", "latin1", "remove", "dir", "link_out", "truncate"]
    if rel.endswith(".csv"):
        kinds += ["cell"] * 8 + ["delcol", "rencol", "dupcol", "duprow", "delrow", "ragged"]
    elif rel.endswith((".json", ".geojson")):
        kinds += ["json"] * 8 + ["deep"]
    elif rel.endswith(".toml"):
        kinds += ["toml"] * 6
    kind = draw(st.sampled_from(kinds))
    if kind == "cell":
        arg: Any = (
            draw(st.integers(0, 99)),
            draw(st.integers(0, 99)),
            draw(st.sampled_from(VALUES)),
        )
    elif kind == "json":
        arg = (draw(st.integers(0, 10**6)), draw(st.sampled_from(["DEL", *JSON_VALUES])))
    elif kind == "toml":
        arg = (draw(st.integers(0, 99)), draw(st.sampled_from(['"abc"', "-1", "nan", "inf", "[]"])))
    else:
        arg = draw(st.integers(0, 99))
    return rel, kind, arg


def _apply(run: Path, outside: Path, rel: str, kind: str, arg: Any) -> tuple[str, str] | None:
    """Damage `rel`; returns the (file, column) of a cell edit, or None. Raises _Noop when the
    edit would leave the file as it was."""
    p = run / rel
    raw = p.read_bytes()
    text = raw.decode("utf-8")
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "bom":
        p.write_bytes(b"\xef\xbb\xbf" + raw)
    elif kind == "crlf":
        p.write_bytes(raw.replace(b"\n", b"\r\n"))
    elif kind == "latin1":
        at = arg * len(raw) // 100
        p.write_bytes(raw[:at] + b"\xe9\xff" + raw[at:])
    elif displace(p, kind, outside):
        pass
    elif kind == "truncate":  # cut mid-row (or mid-value)
        p.write_bytes(raw[: max(1, (arg + 1) * len(raw) // 101) - 1])
    elif kind == "deep":
        p.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif kind == "toml":
        lines = text.splitlines()
        keyed = [i for i, line in enumerate(lines) if " = " in line]
        i = keyed[arg[0] % len(keyed)]
        lines[i] = f"{lines[i].split(' = ')[0]} = {arg[1]}"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "json":
        data = json.loads(text)
        paths = json_paths(data)
        path = paths[arg[0] % len(paths)]
        obj = data
        for k in path[:-1]:
            obj = obj[k]
        before = json.dumps(obj[path[-1]], sort_keys=True)
        if arg[1] == "DEL":
            del obj[path[-1]]
        else:
            if json.dumps(arg[1], sort_keys=True) == before:
                raise _Noop
            obj[path[-1]] = arg[1]
        p.write_text(json.dumps(data), encoding="utf-8")
        return rel, ".".join(map(str, path))
    else:
        rows = list(csv.reader(io.StringIO(text)))
        head, body = rows[0], rows[1:]
        j = arg % len(head) if isinstance(arg, int) else arg[1] % len(head)
        if kind == "cell":
            if not body:
                raise _Noop
            i = arg[0] % len(body)
            if body[i][j] == arg[2]:
                raise _Noop
            if head[j] == "base_id" and not arg[2] and body[i][j] == body[i][1]:
                raise _Noop  # empty base_id: the boarding place's own base (README), as it is
            body[i][j] = arg[2]
            p.write_text(_csv_text([head, *body]), encoding="utf-8")
            return rel, head[j]
        if kind == "delcol":
            rows = [[c for k, c in enumerate(r) if k != j] for r in rows]
        elif kind == "rencol":
            rows[0][j] += "_x"
        elif kind == "dupcol":
            rows = [[*r, r[j]] for r in rows]
        elif kind in ("duprow", "delrow"):
            if not body:
                raise _Noop
            i = 1 + arg % len(body)
            rows = rows[: i + 1] + rows[i:] if kind == "duprow" else rows[:i] + rows[i + 1 :]
        elif kind == "ragged":
            rows[-1] = [*rows[-1], "extra"]
        p.write_text(_csv_text(rows), encoding="utf-8")
    return None


class _Noop(Exception):
    """The drawn edit would not change the file."""


def _rehash(run: Path) -> None:
    """What a forger does after an edit: the manifest's sha256 of every listed file that is still
    a regular file recomputed, a restricted file's digest keyed with the run's salt as the run
    keys it (session 20, C: a bare sha256 there was refused as "not keyed" whatever the edit, so
    no edit of restricted/ was ever judged by its content)."""
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    salt_file = run / "restricted" / SALT
    salt = salt_file.read_bytes() if salt_file.is_file() and not salt_file.is_symlink() else None
    for part in ("plan", "inputs", "restricted"):
        for name in m.get(part, {}):
            p = run / part / name
            if p.is_file() and not p.is_symlink():
                data = p.read_bytes()
                m[part][name] = (
                    digest(data, salt) if part == "restricted" else hashlib.sha256(data).hexdigest()
                )
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _no_traceback(r: Any) -> None:
    exc = r.exception
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    assert "Traceback" not in r.output


def _one_line(r: Any, run: Path) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0].replace(str(run), "RUN")


@pytest.fixture(scope="module")
def solved(tiny_season_run: Path) -> Path:
    return tiny_season_run


FILES = [
    "manifest.json",
    "inputs/farms.geojson",
    "inputs/fleet.csv",
    "inputs/foresterie.geojson",
    "inputs/matrix.csv",
    "inputs/scenario.toml",
    "inputs/workers.csv",
    "plan/assignments.csv",
    "plan/fleet_days.csv",
    "plan/housing.json",
    "plan/occupancy.csv",
    "plan/plan.json",
    "plan/riders.csv",
    "plan/routes.geojson",
    "plan/stops.csv",
    "plan/trips.csv",
    "plan/unserved.csv",
    "plan/waitlist.csv",
    "restricted/kpis.json",
    "restricted/priority.csv",
    "restricted/salt.txt",
    "restricted/tiers.json",
    "restricted/waitlist_reasons.csv",
]
# The manifest's record of the run's circumstances, not of the plan: timings, versions, the
# budgets and travel settings used, the scenario's name and hashes (the loader's canonical
# form, which the verifier does not share), the schema number, the re-planning record (checked
# for its date's kind), the route search's counters and engine name (its chaining_optimal claim
# is checked against fleet_days.csv when present: tests/run/test_crafted_runs.py).
RECORD_ONLY = re.compile(
    r"manifest\.json:(timings_s|versions|budgets|travel|scenario|seed|schema|replan|shuttles)\b"
)


def test_the_catalogue_covers_every_file(solved: Path) -> None:
    assert _files(solved) == FILES


@fuzz_settings(250)
@given(edit=edits(FILES))
def test_verify_on_a_damaged_or_forged_folder(edit: tuple[str, str, Any], solved: Path) -> None:
    rel, kind, arg = edit
    with tempfile.TemporaryDirectory() as tmp:
        run, outside = Path(tmp) / "run", Path(tmp) / "outside"
        _copy_without_report(solved, run)
        outside.mkdir()
        try:
            cell = _apply(run, outside, rel, kind, arg)
        except _Noop:
            return
        if rel != "manifest.json":
            _rehash(run)
        r = CliRunner().invoke(app, ["verify", str(run)])
        _no_traceback(r)
        assert r.exit_code in (0, 1, 2), (edit, r.output)
        if r.exit_code == 2:
            line = _one_line(r, run)
            # An id edited where it is defined reads as a reference to nothing where it is used:
            # the line names the using file's row, field and value (either file may be wrong).
            dangling = rel.startswith("inputs/") and line.endswith("is not in the run's inputs")
            assert dangling or line.startswith(f"error: RUN: unreadable run folder: {rel}"), (
                edit,
                line,
            )
        # (the salt keys the manifest's digests of the restricted files, which the forger has
        # just recomputed: an edit of it alone changes nothing the run says)
        meaning = (rel.startswith(("plan/", "restricted/")) and rel != "restricted/salt.txt") or (
            rel == "manifest.json"
            and kind == "json"
            and not RECORD_ONLY.match(f"{rel}:{cell[1] if cell else ''}")
        )
        harmless = (
            kind in HARMLESS_KINDS or cell in HARMLESS_CELLS or (rel, kind) in HARMLESS_FILE_KINDS
        )
        if meaning and not harmless:
            assert r.exit_code != 0, (edit, r.output)


@pytest.mark.parametrize("command", ["report", "map", "export", "compare"])
@fuzz_settings(15)
@given(edit=edits(FILES))
def test_other_commands_on_a_damaged_folder(
    command: str, edit: tuple[str, str, Any], solved: Path
) -> None:
    """Exit 0 or 2, one line on exit 2, and nothing half-written: no output left on exit 2,
    and a report rewritten whole or not at all."""
    rel, kind, arg = edit
    with tempfile.TemporaryDirectory() as tmp:
        run, outside, out = Path(tmp) / "run", Path(tmp) / "outside", Path(tmp) / "out"
        shutil.copytree(solved, run, symlinks=True)
        outside.mkdir()
        try:
            _apply(run, outside, rel, kind, arg)
        except _Noop:
            return
        before = {p: p.read_bytes() for p in sorted((run / "report").rglob("*")) if p.is_file()}
        args = {
            "report": ["report", str(run), "--no-sheets"],
            "map": ["map", str(run), "--out", str(out)],
            "export": ["export", str(run), "--role", "public", "--out", str(out)],
            "compare": ["compare", str(run), str(solved)],
        }[command]
        r = CliRunner().invoke(app, args)
        _no_traceback(r)
        assert r.exit_code in (0, 2), (edit, r.output)
        if r.exit_code == 2:
            _one_line(r, run)
            assert not out.exists(), edit
            after = {p: p.read_bytes() for p in sorted((run / "report").rglob("*")) if p.is_file()}
            assert after == before, edit  # the earlier report stays whole
        assert sorted(p.name for p in outside.iterdir()) in ([], [Path(rel).name])


INPUTS = ["manifest.json", *(f for f in FILES if f.startswith(("inputs/", "restricted/")))]


@fuzz_settings(6)
@given(edit=edits(INPUTS))
def test_replay_of_a_damaged_folder(edit: tuple[str, str, Any], solved: Path) -> None:
    """replay reads the manifest, inputs/ and restricted/: exit 0 (identical), 1 (differs) or 2
    (one line), and no replay folder left behind on exit 2."""
    rel, kind, arg = edit
    with tempfile.TemporaryDirectory() as tmp:
        run, outside, out = Path(tmp) / "run", Path(tmp) / "outside", Path(tmp) / "replay"
        _copy_without_report(solved, run)
        outside.mkdir()
        try:
            _apply(run, outside, rel, kind, arg)
        except _Noop:
            return
        r = CliRunner().invoke(app, ["replay", str(run), "--out", str(out)])
        _no_traceback(r)
        assert r.exit_code in (0, 1, 2), (edit, r.output)
        if r.exit_code == 2:  # the run's inputs are a scenario: one line per problem in it
            lines = r.stderr.strip().splitlines()
            assert lines and all(x.startswith("error: ") for x in lines), (edit, lines)
            assert sorted(p.name for p in Path(tmp).iterdir()) == ["outside", "run"], edit


def _edit_text(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def go(run: Path) -> None:
        text = (run / rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        (run / rel).write_text(text.replace(old, new, 1), encoding="utf-8")

    return go


def _edit_json(rel: str, edit: Callable[[Any], None]) -> Callable[[Path], None]:
    def go(run: Path) -> None:
        data = json.loads((run / rel).read_text(encoding="utf-8"))
        edit(data)
        (run / rel).write_text(json.dumps(data), encoding="utf-8")

    return go


E01 = "2026-07-06-FA-E01"
# The holes this attack found, each closed: a forged file, re-hashed, and its violation line.
FORGED: dict[str, tuple[Callable[[Path], None], str]] = {
    "occupancy_beds_forged": (
        _edit_text("plan/occupancy.csv", "FA,2026-07-01,men,3,0", "FA,2026-07-01,men,9,0"),
        "occupancy.csv wrong: FA/2026-07-01/men: says 9 beds, 0 used, inputs and plan give 3 "
        "beds, 0 used",
    ),
    "occupancy_row_dropped": (
        _edit_text("plan/occupancy.csv", "FA,2026-07-01,men,3,0\n", ""),
        "occupancy.csv wrong: FA/2026-07-01/men: says no row, inputs and plan give 3 beds, 0 used",
    ),
    "fleet_days_vehicles_available": (
        _edit_text("plan/fleet_days.csv", "2026-07-06,FA,1,1,1,0", "2026-07-06,FA,1,1,2,0"),
        "fleet_days.csv wrong: 2026-07-06/FA says 2 vehicles available, fleet.csv has 1",
    ),
    # review 14: the figure the vehicle table and a rental decision read, re-derived by nobody
    "fleet_days_vehicles_needed_below_bound": (
        _edit_text("plan/fleet_days.csv", "2026-07-06,FA,1,1,1,0", "2026-07-06,FA,0,1,1,0"),
        "fleet_days.csv wrong: 2026-07-06/FA says 0 vehicles needed, below its own lower bound 1",
    ),
    "fleet_days_no_vehicle_needed_on_a_day_of_trips": (
        _edit_text("plan/fleet_days.csv", "2026-07-06,FA,1,1,1,0", "2026-07-06,FA,0,0,1,0"),
        "fleet_days.csv wrong: 2026-07-06/FA says no vehicle needed, yet its vehicles run trips "
        "that day",
    ),
    "fleet_days_row_dropped": (
        _edit_text("plan/fleet_days.csv", "2026-07-06,FA,1,1,1,0,yes,yes\n", ""),
        "fleet_days.csv wrong: no row for 2026-07-06/FA, a base-day with riders and vehicles",
    ),
    "fleet_days_row_without_riders": (
        _edit_text("plan/fleet_days.csv", "\n", "\n2026-07-30,FA,0,0,1,0,yes,yes\n"),
        "fleet_days.csv wrong: a row for 2026-07-30/FA, a base-day with no rider within the "
        "ride cap or no vehicle available",
    ),
    "plan_json_start_load": (
        _edit_json("plan/plan.json", lambda d: d["routes"][0]["steps"][0].update(load=[3])),
        f"plan.json differs from the CSVs: {E01}: loads at the base or the departure point",
    ),
    "plan_json_unserved_one_leg": (
        _edit_json("plan/plan.json", lambda d: d["unassigned"][0].update(legs=["to_farm"])),
        "plan.json differs from the CSVs: unassigned (the unserved rows)",
    ),
    "plan_json_units": (
        _edit_json("plan/plan.json", lambda d: d["units"].update(distance="km")),
        "plan.json differs from the CSVs: code or units (the output contract)",
    ),
    "housing_json_blocks": (
        _edit_json("plan/housing.json", lambda d: d.update(blocks=4)),
        "housing.json differs from the CSVs: units, districts, blocks or backend differ from the "
        "manifest's",
    ),
    "manifest_tier_proof_dropped": (
        _edit_json("manifest.json", lambda d: d["housing"]["tiers"][1].pop("proof")),
        "housing.json differs from the CSVs: solver tiers differ from the manifest's",
    ),
    "plan_file_slipped_in": (
        lambda run: (run / "plan" / "extra.csv").write_text("x\n1\n", encoding="utf-8"),
        "plan file not in the manifest: plan/extra.csv",
    ),
    "waitlist_code_unknown": (
        _edit_text("plan/waitlist.csv", "W06,far,yes,", "W06,abc,yes,"),
        "unknown waitlist code: 'abc' (W06)",
    ),
    "rider_unknown_to_the_inputs": (
        _edit_text("plan/riders.csv", f"{E01},1,W01", f"{E01},1,W99"),
        "unknown worker in plan: W99",
    ),
}


def test_nan_in_a_published_copy_is_unreadable(solved: Path, tmp_path: Path) -> None:
    """NaN compares false with every number, so it would pass any tolerance check: refused."""
    run = tmp_path / "run"
    _copy_without_report(solved, run)
    _edit_text("plan/plan.json", '"distance":', '"distance":NaN,"x":')(run)
    _rehash(run)
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 2, r.output
    assert _one_line(r, run) == (
        "error: RUN: unreadable run folder: plan/plan.json: not JSON: NaN is not a number"
    )


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_file_fails_with_its_line(case: str, solved: Path, tmp_path: Path) -> None:
    forge, expected = FORGED[case]
    run = tmp_path / "run"
    _copy_without_report(solved, run)
    forge(run)
    _rehash(run)
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 1, r.output
    assert "hash differs" not in r.stdout
    assert f"violation: {expected}" in r.stdout.splitlines(), r.stdout
