"""Perturbed small seasons cut from a shipped scenario, solved end to end: a campaign for held-out
inputs. Every case must either be refused as bad input with one line (ScenarioError, exit 2) or
solve, verify (`foresterie solve` refuses a plan its verifier rejects) and, when drawn, write its
report and replay byte for byte. A traceback or a refused plan is a defect; each is printed with
its seed, so `--seeds N --first SEED` reproduces it, and `--keep DIR` keeps its scenario folder.

Each case (seeded): a random whole-group subset of the workers (10-250 people), some of them not
riding, with another notice language or without their departure point; a random share of the
fleet, some vehicles with other seats (4, 9, 50) or duty limits (120, 240, 600 min); and
[housing]/[transport] rules drawn from what a planner may set (no partial stays or transfers,
fair shares, ride caps 30-120 min, commutes 20-120 min, early-arrival and after-shift waits,
heat-alert shift ends 10:00-14:00, no departure points, farms' shifts and workdays moved).

Found with it (session 7, each a regression test in tests/run/test_pipeline.py or a bad input):
riders beyond the ride cap missing from fleet_days.csv's count; a wait after the shift shorter
than boarding (a PyVRP traceback); a heat-alert end before a farm's shift start; an idle vehicle
too short on duty for any round trip read as a false "vehicles busy".

With `--generated` each case is instead a whole season from the generator (session 8): 5-400
people, 1-25 farms, 1-6 foresterie, both layouts ("crowded", "spread"), sourced or scaled beds
and fleets (oversubscription none, 1.0, 1.5, 3.0), the case's seed as the generator's.

Usage: python benchmarks/fuzz_season.py [--scenario scenarios/puglia-2027 | --generated]
       [--first 1] [--seeds 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from foresterie.core.errors import ScenarioError  # noqa: E402
from foresterie.report.html import write_report  # noqa: E402
from foresterie.run.pipeline import solve  # noqa: E402
from foresterie.verify import verify_run  # noqa: E402

RULES = (  # (what the shipped scenario.toml says, what the case says instead, tag, chance)
    ("partial_stays = true", lambda r: "partial_stays = false", "no-partial", 0.4),
    ("max_transfers = 1", lambda r: "max_transfers = 0", "no-transfer", 0.3),
    (
        "[transport]\n",
        lambda r: f'[transport]\nfair_share = "{r.choice(["order", "debt", "cap"])}"\n',
        "fair",
        0.4,
    ),
    ("max_ride_min = 75", lambda r: f"max_ride_min = {r.choice([30, 45, 120])}", "ride", 0.3),
    (
        "min_overlap_nights = 7",
        lambda r: f"min_overlap_nights = {r.choice([1, 3, 30])}",
        "overlap",
        0.3,
    ),
    (
        "max_commute_min = 60",
        lambda r: f"max_commute_min = {r.choice([20, 40, 120])}",
        "commute",
        0.3,
    ),
    (
        "arrive_early_max_min = 30",
        lambda r: f"arrive_early_max_min = {r.choice([0, 10, 90])}",
        "early",
        0.3,
    ),
    (
        "wait_after_shift_max_min = 30",
        lambda r: f"wait_after_shift_max_min = {r.choice([0, 10, 90])}",
        "wait",
        0.3,
    ),
    (
        'heat_alert_shift_end = "12:30"',
        lambda r: f'heat_alert_shift_end = "{r.choice(["10:00", "11:30", "14:00"])}"',
        "heat-end",
        0.3,
    ),
    ('pickups = "pickups.geojson"\n', lambda r: "", "no-pickups", 0.15),
)


def _hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def case(src: Path, seed: int, folder: Path) -> list[str]:
    """Write case `seed` into `folder`; return the tags of the rules it changed."""
    r = random.Random(seed)
    head, *rows = (src / "workers.csv").read_text("utf-8").splitlines()
    groups: dict[str, list[str]] = {}
    for line in rows:
        cells = line.split(",")
        groups.setdefault(cells[4] or cells[0], []).append(line)
    keys = sorted(groups)
    r.shuffle(keys)
    size, pick = r.randint(10, 250), []
    for g in keys:
        if len(pick) >= size:
            break
        pick += groups[g]
    cols = head.split(",")
    workers = []
    for line in sorted(pick):
        c = line.split(",")
        if "rides" in cols and r.random() < 0.1:
            c[cols.index("rides")] = "false"
        if "lang" in cols and r.random() < 0.2:
            c[cols.index("lang")] = r.choice(["it", "en", "fr", "ar", ""])
        if "pickup_id" in cols and r.random() < 0.2:
            c[cols.index("pickup_id")] = ""
        workers.append(c)
    fhead, *frows = (src / "fleet.csv").read_text("utf-8").splitlines()
    fleet = []
    for line in frows:
        if r.random() < r.choice([0.3, 0.7, 1.0]):
            c = line.split(",")
            if r.random() < 0.2:
                c[5] = str(r.choice([120, 240, 600]))
            if r.random() < 0.2:
                c[2] = str(r.choice([4, 9, 50]))
            fleet.append(",".join(c))
    toml, tags = (src / "scenario.toml").read_text("utf-8"), []
    for said, instead, tag, chance in RULES:
        if said in toml and r.random() < chance:
            toml, tags = toml.replace(said, instead(r), 1), [*tags, tag]
    if "no-pickups" in tags and "pickup_id" in cols:
        for c in workers:
            c[cols.index("pickup_id")] = ""
    farms = json.loads((src / "farms.geojson").read_text("utf-8"))
    if r.random() < 0.3:
        tags.append("shifts")
        for f in farms["features"]:
            if r.random() < 0.3:
                s = r.randint(4 * 60, 9 * 60)
                f["properties"]["shift_start"] = _hhmm(s)
                f["properties"]["shift_end"] = _hhmm(min(s + r.randint(180, 660), 23 * 60 + 59))
            if r.random() < 0.1:
                f["properties"]["workdays"] = r.choice(["Mon-Fri", "Mon-Sun", "Sat-Sun"])
    shutil.copytree(src, folder)
    (folder / "workers.csv").write_text(
        "\n".join([head, *(",".join(c) for c in workers)]) + "\n", "utf-8"
    )
    (folder / "fleet.csv").write_text("\n".join([fhead, *fleet]) + "\n", "utf-8")
    (folder / "scenario.toml").write_text(toml, "utf-8")
    (folder / "farms.geojson").write_text(json.dumps(farms), "utf-8")
    return tags


def generated_case(seed: int, folder: Path) -> list[str]:
    """Write a generated season of seed `seed` into `folder`; return its tags."""
    from foresterie.scenario.generator import generate

    r = random.Random(seed)
    people, farms, sites = r.randint(5, 400), r.randint(1, 25), r.randint(1, 6)
    over = r.choice([None, 1.0, 1.5, 3.0])
    layout = r.choice(["crowded", "spread"])
    gen = generate(f"gen-{seed}", people, farms, sites, seed, over, layout=layout)  # type: ignore[arg-type]
    folder.mkdir(parents=True)
    for name, text in gen.files.items():
        (folder / name).write_text(text, "utf-8")
    return [f"{people}p", f"{farms}f", f"{sites}s", f"over={over}", layout]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "puglia-2027")
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--keep", type=Path, help="keep each failing case's scenario folder here")
    ap.add_argument("--generated", action="store_true", help="generated seasons, not cut ones")
    a = ap.parse_args()
    defects = 0
    for seed in range(a.first, a.first + a.seeds):
        r = random.Random(-seed)  # what is done with the case, apart from what it is
        with tempfile.TemporaryDirectory() as tmp:
            folder, run = Path(tmp) / "scenario", Path(tmp) / "run"
            if a.generated:
                tags = generated_case(seed, folder)
            else:
                tags = case(a.scenario, seed, folder)
            t0, said = time.perf_counter(), ""
            try:
                report = r.random() < 0.3
                solve(folder, run, report=write_report if report else None)
                left = verify_run(run)
                said = "verified" if not left else f"VERIFY FAILED: {left[0]}"
                defects += bool(left)
                if report:
                    said += ", report"
                if r.random() < 0.25:
                    cmd = [sys.executable, "-m", "foresterie", "replay", str(run)]
                    rc = subprocess.run(cmd, capture_output=True, check=False).returncode
                    said += ", replayed" if rc == 0 else f", REPLAY DIFFERS (exit {rc})"
                    defects += rc != 0
            except ScenarioError as exc:  # bad input, refused with one line: not a defect
                said = f"refused: {str(exc).splitlines()[0]}"
            except Exception as exc:  # a campaign reports every failure, whatever it is
                defects += 1
                said = f"DEFECT {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                traceback.print_exc()
            if a.keep and ("DEFECT" in said or "FAILED" in said or "DIFFERS" in said):
                shutil.copytree(folder, a.keep / f"case-{seed}", dirs_exist_ok=True)
            took = time.perf_counter() - t0
            print(
                f"case {seed} [{' '.join(tags) or 'as shipped'}] {took:.0f} s: {said}", flush=True
            )
    print(f"{a.seeds} cases, {defects} defects")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
