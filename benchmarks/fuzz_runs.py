"""Crafted run folders: a solved run (the tiny scenario, or `--run RUN`) tampered with the ways a
forger or a broken disk would, each given to `foresterie verify` and `foresterie replay` in a
child process, twice: with the manifest's hashes left stale, and re-hashed as a forger would
(sha256 is public), so that only the plan checks can give it away.

What must hold: `verify` exits 1 (a violation) or 2 (unreadable, one line `error: ...`), never 0
and never a traceback; `replay` exits 1 or 2, never 0 (but for REPLAY_MAY_PASS), never a
traceback, and writes nothing on exit 2. A case that breaks this is printed as a DEFECT with its name.

Usage: python benchmarks/fuzz_runs.py [--run RUN] [--only NAME ...] [--no-replay]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
Tamper = Callable[[Path], None]


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")


def rows(name: str, change: Callable[[list[list[str]]], None]) -> Tamper:
    def go(run: Path) -> None:
        data = _rows(run / name)
        change(data)
        _write(run / name, data)

    return go


def _col(data: list[list[str]], column: str) -> int:
    return data[0].index(column)


def _swap_riders(data: list[list[str]]) -> None:
    """Two riders of two different trips of one day change places."""
    t, w = _col(data, "trip_id"), _col(data, "worker_id")
    for a in data[1:]:
        for b in data[1:]:
            if a[t][:10] == b[t][:10] and a[t] != b[t] and a[w] != b[w]:
                a[w], b[w] = b[w], a[w]
                return
    raise LookupError("no two trips of one day")


def _shift_time(column: str, minutes: int) -> Callable[[list[list[str]]], None]:
    def go(data: list[list[str]]) -> None:
        c = _col(data, column)
        h, m = map(int, data[1][c].split(":"))
        t = h * 60 + m + minutes
        data[1][c] = f"{t // 60:02d}:{t % 60:02d}"

    return go


def _drop_trip(direction: str) -> Tamper:
    """Remove one trip of `direction` and its stops and riders, consistently."""

    def go(run: Path) -> None:
        trips = _rows(run / "plan/trips.csv")
        d, t = _col(trips, "direction"), _col(trips, "trip_id")
        gone = next(r[t] for r in trips[1:] if r[d] == direction)
        _write(run / "plan/trips.csv", [r for r in trips if r[t] != gone])
        for name in ("plan/stops.csv", "plan/riders.csv"):
            data = _rows(run / name)
            _write(run / name, [r for r in data if r[0] != gone])
        routes = json.loads((run / "plan/routes.geojson").read_text("utf-8"))
        routes["features"] = [
            f for f in routes["features"] if f["properties"].get("trip_id") != gone
        ]
        (run / "plan/routes.geojson").write_text(json.dumps(routes), "utf-8")
        plan = json.loads((run / "plan/plan.json").read_text("utf-8"))
        plan["routes"] = [r for r in plan["routes"] if r.get("description") != gone]
        (run / "plan/plan.json").write_text(json.dumps(plan), "utf-8")

    return go


def _dup_first_row(data: list[list[str]]) -> None:
    data.insert(1, list(data[1]))


def _set(column: str, value: str, row: int = 1) -> Callable[[list[list[str]]], None]:
    def go(data: list[list[str]]) -> None:
        data[row][_col(data, column)] = value

    return go


def _understate(data: list[list[str]]) -> None:
    """The first night with a bed used said to have none used."""
    u = _col(data, "used")
    next(r for r in data[1:] if r[u] != "0")[u] = "0"


def _rider_not_housed(data: list[list[str]]) -> None:
    """A waitlisted person (W06 in the tiny run) added to the first trip's roll call."""
    data.insert(2, [data[1][0], data[1][1], "W06"])


def _farm_day_off(run: Path) -> None:
    """The first trip's farm made to rest on that day (inputs/farms.geojson)."""
    from datetime import date

    trips, stops = _rows(run / "plan/trips.csv"), _rows(run / "plan/stops.csv")
    day = trips[1][0]
    farm = next(r[2] for r in stops[1:] if r[0] == trips[1][3])
    weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][date.fromisoformat(day).weekday()]
    others = ",".join(d for d in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] if d != weekday)
    data = json.loads((run / "inputs/farms.geojson").read_text("utf-8"))
    for f in data["features"]:
        if f["properties"]["id"] == farm:
            f["properties"]["workdays"] = others
    (run / "inputs/farms.geojson").write_text(json.dumps(data), "utf-8")


def raw(name: str, change: Callable[[bytes], bytes]) -> Tamper:
    def go(run: Path) -> None:
        (run / name).write_bytes(change((run / name).read_bytes()))

    return go


def _manifest(change: Callable[[dict], None]) -> Tamper:  # type: ignore[type-arg]
    def go(run: Path) -> None:
        m = json.loads((run / "manifest.json").read_text("utf-8"))
        change(m)
        (run / "manifest.json").write_text(json.dumps(m), "utf-8")

    return go


def _huge(run: Path) -> None:
    with open(run / "plan/riders.csv", "ab") as fh:  # sparse: 3 GiB of NULs, no disk used
        fh.truncate(3 << 30)


def _link_sibling(run: Path) -> None:
    (run / "plan/stops.csv").unlink()
    (run / "plan/stops.csv").symlink_to(run / "plan/trips.csv")


CASES: dict[str, Tamper] = {
    "swap_a_worker_between_trips": rows("plan/riders.csv", _swap_riders),
    "move_a_pickup_time": rows("plan/stops.csv", _shift_time("depart", 45)),
    "move_a_trip_start": rows("plan/trips.csv", _shift_time("depart", -90)),
    "drop_a_return_trip": _drop_trip("to_foresteria"),
    "drop_a_morning_trip": _drop_trip("to_farm"),
    "rider_not_housed": rows("plan/riders.csv", _rider_not_housed),
    "overfill_a_vehicle": raw("inputs/fleet.csv", lambda b: b.replace(b",8,", b",1,", 1)),
    "ride_on_the_farms_day_off": _farm_day_off,
    "duplicate_a_trip_id": rows("plan/trips.csv", _dup_first_row),
    "duplicate_a_rider_row": rows("plan/riders.csv", _dup_first_row),
    "change_a_waitlist_code": rows("plan/waitlist.csv", _set("code", "full")),
    "change_an_unserved_code": rows("plan/unserved.csv", _set("code", "no_vehicle")),
    "unserved_proven": rows("plan/unserved.csv", _set("proven", "yes")),
    "trip_on_another_vehicle": rows("plan/trips.csv", _set("vehicle_id", "VB1")),
    "assignment_to_another_foresteria": rows("plan/assignments.csv", _set("foresteria_id", "FB")),
    "assignment_longer": rows("plan/assignments.csv", _set("to", "2026-07-30")),
    "occupancy_understated": rows("plan/occupancy.csv", _understate),
    "truncate_trips_mid_row": raw("plan/trips.csv", lambda b: b[: len(b) // 2]),
    "truncate_riders_mid_row": raw("plan/riders.csv", lambda b: b[: len(b) * 2 // 3]),
    "non_utf8_bytes_in_stops": raw("plan/stops.csv", lambda b: b[:100] + b"\xff\xfe" + b[100:]),
    "non_utf8_bytes_in_inputs": raw("inputs/workers.csv", lambda b: b[:60] + b"\xe9" + b[60:]),
    "nul_bytes_in_riders": raw("plan/riders.csv", lambda b: b[:50] + b"\x00\x00" + b[50:]),
    "manifest_names_dotdot": _manifest(lambda m: m["plan"].update({"../manifest.json": "0" * 64})),
    "manifest_drops_a_plan_file": _manifest(lambda m: m["plan"].pop("riders.csv")),
    "manifest_seed_changed": _manifest(lambda m: m.update(seed=m["seed"] + 1)),
    "plan_file_links_to_a_sibling": _link_sibling,
    "huge_plan_file": _huge,
    "extra_plan_file": lambda run: (run / "plan/extra.csv").write_text("a\n1\n", "utf-8"),
}


# Tamperings of the manifest's record of how the plan was made, not of the plan or the inputs:
# replay re-solves inputs/ and reproduces the plan, rightly "identical"; verify names them.
REPLAY_MAY_PASS = {"manifest_seed_changed"}


def _rehash(run: Path) -> None:
    m = json.loads((run / "manifest.json").read_text("utf-8"))
    for part in ("plan", "inputs", "restricted"):
        for name in list(m.get(part, {})):
            p = run / part / name
            if p.is_file() and p.stat().st_size < 1 << 30 and ".." not in name:
                m[part][name] = hashlib.sha256(p.read_bytes()).hexdigest()
    (run / "manifest.json").write_text(json.dumps(m), "utf-8")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "foresterie", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)


def judge(run: Path, scratch: Path, replay: bool, may_pass: bool = False) -> tuple[str, bool]:
    v = _cli("verify", str(run))
    out = (v.stdout + v.stderr).strip().splitlines()
    first = next((x for x in out if x.startswith(("violation", "error"))), (out or [""])[0])
    if "Traceback" in v.stdout + v.stderr or v.returncode not in (1, 2):
        return f"DEFECT verify exit {v.returncode}: {first[:160]}", True
    said = f"verify {v.returncode} ({first[:110]})"
    if replay:
        target = scratch / "replay"
        p = _cli("replay", str(run), "--out", str(target))
        if "Traceback" in p.stdout + p.stderr or p.returncode not in (
            (0, 1, 2) if may_pass else (1, 2)
        ):
            lines = (p.stdout + p.stderr).strip().splitlines()
            return f"{said}; DEFECT replay exit {p.returncode}: {(lines or [''])[-1][:160]}", True
        if p.returncode == 2 and target.exists():
            return f"{said}; DEFECT replay exit 2 left {target.name}", True
        said += f"; replay {p.returncode}"
    return said, False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", type=Path, help="a solved run folder (default: solve tests/data/tiny)")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--no-replay", action="store_true")
    a = ap.parse_args()
    defects = 0
    with tempfile.TemporaryDirectory() as tmp:
        base = a.run
        if base is None:
            base = Path(tmp) / "base"
            r = _cli("solve", str(TINY), "--out", str(base))
            assert r.returncode == 0, r.stderr
        names = a.only or sorted(CASES)
        for name in names:
            for mode in ("stale", "rehashed"):
                box = Path(tmp) / f"{name}-{mode}"
                run = box / "run"
                shutil.copytree(base, run, symlinks=True)
                try:
                    CASES[name](run)
                except (LookupError, StopIteration, ValueError) as exc:
                    print(f"{name} [{mode}]: skipped ({exc})")
                    break
                if mode == "rehashed":
                    _rehash(run)
                said, defect = judge(run, box, not a.no_replay, name in REPLAY_MAY_PASS)
                defects += defect
                print(f"{name} [{mode}]: {said}", flush=True)
                shutil.rmtree(box, ignore_errors=True)
                os.sync() if name == "huge_plan_file" else None
    print(f"{len(names)} tampers x 2 manifests, {defects} defects")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
