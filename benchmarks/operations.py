"""Thirty days of daily operations on the default season, day by day through the command line.

Usage: python benchmarks/operations.py [RUN] [--start 2027-08-01] [--days 30] [--seed 1] [--resume]
(RUN defaults to runs/puglia-2027, the default season; `make demo` makes it. `--resume` continues
a stopped simulation: the days in OUT/days.jsonl are kept, their random draws replayed.)

Each simulated day D, with a seeded random generator:
- check-ins: everyone the season plan houses from D arrives on D, except 20 % who arrive 1-3
  days late (their arrival row is written on the day they come);
- 10 % of the riders the plan expects on D cancel the evening before (no-shows known in advance);
- new bookings: 5 % as many as the expected riders, from housed people not riding that day (a day
  off at their farm, or no farm), to a farm their foresteria's riders go to that day;
- one vehicle breaks down on day 10 (the foresteria with the most riders: its first vehicle);
- `foresterie ledger import` of those files, `foresterie day RUN --date D`, `foresterie verify`;
- the drivers' boarding lists come back: every planned rider boarded, except a fixed 1 % of the
  workers who never show (they reach the follow-up list), imported into the ledger.

Per day: riders, demand changes, unserved rider-trips, riders whose vehicle or departure (+-10
min) changed against the season plan and against the previous day, vehicles used against the
season plan, wall and CPU time of `foresterie day` (CPU: user + system of the command and the
processes it waited for), the 1-minute load average when the day started (a shared machine). Then the busiest day of the window is re-planned 3
times (median wall) and replayed byte for byte. Last, `foresterie monitor` sets the weeks of
the window against the season plan (README "Monitoring") and `foresterie monitor --verify`
recomputes every figure; the weekly table is printed (plan / actual per indicator).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from foresterie.ops.day import load_season_run

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "foresterie"


def cli(*args: str) -> tuple[float, str]:
    wall, _, out = timed_cli(*args)
    return wall, out


def timed_cli(*args: str) -> tuple[float, float, str]:
    """Run `foresterie ARGS`: (wall s, CPU s of the command and the processes it waited for,
    stdout); exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    r = subprocess.run([str(BIN), *args], capture_output=True, text=True, check=False)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        sys.exit(f"foresterie {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}")
    return wall, cpu, r.stdout


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", nargs="?", type=Path, default=ROOT / "runs" / "puglia-2027")
    ap.add_argument("--start", type=date.fromisoformat, default=date(2027, 8, 1))
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "operations-sim")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="continue a stopped simulation in --out: days already recorded in days.jsonl are "
        "kept (the random draws are replayed, nothing is imported again)",
    )
    a = ap.parse_args()
    if not (a.run / "manifest.json").is_file():
        sys.exit(f"{a.run}: no run folder; run `make demo` first")
    rng = random.Random(a.seed)
    done: dict[str, dict] = {}  # type: ignore[type-arg]
    if a.resume and (a.out / "days.jsonl").is_file():
        with open(a.out / "days.jsonl", encoding="utf-8") as fh:
            done = {r["day"]: r for r in map(json.loads, fh)}
    else:
        shutil.rmtree(a.out, ignore_errors=True)
    (a.out / "imports").mkdir(parents=True, exist_ok=True)
    ledger = a.out / "ledger.sqlite"
    days_dir = a.out / "days"
    season = load_season_run(a.run)
    sc = season.scenario
    farms = {f.id: f for f in sc.farms}
    housed = [w for w in sc.workers if w.id in season.assigned]
    never_show = {w.id for w in housed if rng.random() < 0.01}
    arrive_on: dict[date, list[str]] = defaultdict(list)
    for w in housed:
        if a.start <= w.arrival < a.start + timedelta(days=a.days):
            late = rng.randint(1, 3) if rng.random() < 0.2 else 0
            arrive_on[w.arrival + timedelta(days=late)].append(w.id)
    busiest_fid = max(
        {season.assigned[w.id] for w in housed},
        key=lambda f: sum(1 for w in housed if season.assigned[w.id] == f),
    )
    broken_vehicle = sorted(v.id for v in sc.fleet if v.foresteria_id == busiest_fid)[0]
    if not a.resume:
        cli("ledger", "init", str(a.run), "--ledger", str(ledger))
    table = []
    for k in range(a.days):
        d = a.start + timedelta(days=k)
        tag = d.isoformat()
        files = []
        rows = [[tag, wid, "arrival"] for wid in sorted(arrive_on.get(d, []))]
        if rows:
            files.append(
                write_csv(
                    a.out / "imports" / f"checkins-{tag}.csv", ["date", "worker_id", "event"], rows
                )
            )
        present = [w for w in housed if w.arrival <= d < w.departure]
        expected = [w for w in present if w.farm_id and d.weekday() in farms[w.farm_id].workdays]
        idle = [w for w in present if not (w.farm_id and d.weekday() in farms[w.farm_id].workdays)]
        cancel = rng.sample(expected, round(0.10 * len(expected)))
        goes_to: dict[str, list[str]] = defaultdict(list)
        for w in expected:
            goes_to[season.assigned[w.id]].append(w.farm_id or "")
        new = [w for w in idle if goes_to.get(season.assigned[w.id])]
        new = rng.sample(new, min(len(new), round(0.05 * len(expected))))
        brows = [[tag, w.id, "cancel", "round", "", "worker"] for w in cancel] + [
            [tag, w.id, "book", "round", rng.choice(sorted(goes_to[season.assigned[w.id]])), "farm"]
            for w in new
        ]
        if brows:
            files.append(
                write_csv(
                    a.out / "imports" / f"bookings-{tag}.csv",
                    ["date", "worker_id", "action", "leg", "farm_id", "booked_by"],
                    brows,
                )
            )
        if k == 9:
            files.append(
                write_csv(
                    a.out / "imports" / f"incidents-{tag}.csv",
                    ["date", "vehicle_id", "incident", "note"],
                    [[tag, broken_vehicle, "breakdown", "simulated"]],
                )
            )
        if tag in done:  # resumed: this day ran before (its draws were replayed above)
            table.append(done[tag])
            continue
        imported = a.out / "imports" / f".imported-{tag}"
        if files and not imported.is_file():
            cli("ledger", "import", str(a.run), *map(str, files), "--ledger", str(ledger))
            imported.touch()
        day_dir = days_dir / tag
        load = os.getloadavg()[0]
        wall, cpu, _ = timed_cli(
            "day", str(a.run), "--date", tag, "--ledger", str(ledger), "--out", str(day_dir)
        )
        cli("verify", str(day_dir))
        record = json.loads((day_dir / "day.json").read_text(encoding="utf-8"))
        manifest = json.loads((day_dir / "manifest.json").read_text(encoding="utf-8"))
        # the drivers' lists come back
        back = []
        for sheet in sorted((day_dir / "report" / "boarding").rglob("*.csv")):
            with open(sheet, encoding="utf-8", newline="") as fh:
                for r in csv.DictReader(fh):
                    shown = r["worker_id"] not in never_show
                    back.append(
                        [
                            r["date"],
                            r["vehicle_id"],
                            r["worker_id"],
                            "yes" if shown else "no",
                            "06:00" if shown else "",
                        ]
                    )
        if back:
            lst = write_csv(
                a.out / "imports" / f"boardings-{tag}.csv",
                ["date", "vehicle_id", "worker_id", "boarded", "time"],
                back,
            )
            cli("ledger", "import", str(a.run), str(lst), "--ledger", str(ledger))
        st = record["stability_vs_season"]
        prev = record.get("stability_vs_previous_day") or {}
        table.append(
            {
                "day": tag,
                "riders": record["riders"],
                "cancelled": record["demand"].get("cancelled", 0),
                "new_bookings": record["demand"].get("booked", 0),
                "late_or_absent": record["demand"].get("not_present", 0),
                "unserved_rider_trips": manifest["kpis"]["transport"]["unserved_rider_trips"],
                "changed_vs_season": st["changed"],
                "kept_vs_season": st["share_kept"],
                "kept_vs_previous_day": prev.get("share_kept"),
                "vehicles": record["vehicles_used"],
                "vehicles_season": record["vehicles_used_season_plan"],
                "follow_up": record["follow_up_no_shows"],
                "wall_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "load_1min": round(load, 1),
                "plan": _how(manifest),
            }
        )
        print(json.dumps(table[-1]), flush=True)
        with open(a.out / "days.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(table[-1]) + "\n")
    # the busiest day of the window: re-planned 3 times, replayed
    busiest = max(table, key=lambda r: r["riders"])["day"]
    walls, solve, cpus, loads = [], [], [], []
    for i in range(3):
        out = a.out / "busiest" / str(i)
        loads.append(os.getloadavg()[0])
        wall, cpu, _ = timed_cli(
            "day", str(a.run), "--date", busiest, "--ledger", str(ledger), "--out", str(out)
        )
        walls.append(wall)
        cpus.append(cpu)
        t = json.loads((out / "day.json").read_text(encoding="utf-8"))["timings_s"]
        solve.append(t["ledger_and_demand_s"] + t["solve_s"])  # up to the plan files written
    _, out = cli("replay", str(days_dir / busiest), "--out", str(a.out / "busiest-replay"))
    _, lv = cli("ledger", "verify", str(a.run), "--ledger", str(ledger))
    same = all(
        _plan_files(a.out / "busiest" / str(i)) == _plan_files(days_dir / busiest) for i in range(3)
    )
    print_table(
        table, a, busiest, walls, solve, out.strip().splitlines()[-1], lv.strip(), season, days_dir
    )
    print(
        f"busiest day {busiest}, 3 more runs: CPU {', '.join(f'{c:.1f}' for c in cpus)} s "
        f"(median {statistics.median(cpus):.1f}), load average at their start "
        f"{', '.join(f'{x:.1f}' for x in loads)}; plan files byte-identical to the day's run: {same}"
    )
    monitor(a, ledger, days_dir)


# The monitor's weekly table (README "Monitoring"): these indicators' totals, plan / actual.
MONITOR_COLUMNS = (
    ("worker_days", "worker-days"),
    ("no_show_rate", "no-show %"),
    ("unserved", "unserved w-d"),
    ("taken_in", "taken in"),
    ("occupancy", "occupancy %"),
    ("overflow", "overflow p-n"),
    ("cost_per_worker_day", "EUR / w-d"),
)


def monitor(a: argparse.Namespace, ledger: Path, days_dir: Path) -> None:
    """`foresterie monitor` over the season run, the ledger and the window's day runs, then
    `foresterie monitor --verify`; the weeks of the window and the season, plan / actual."""
    out = a.out / "monitor"
    wall, text = cli(
        "monitor", str(a.run), "--ledger", str(ledger), "--days", str(days_dir), "--out", str(out)
    )
    vwall, _ = cli("monitor", "--verify", str(out))
    with open(out / "monitor.csv", encoding="utf-8", newline="") as fh:
        rows = {(r["week"], r["indicator"]): r for r in csv.DictReader(fh) if not r["breakdown"]}
    first, last = a.start, a.start + timedelta(days=a.days - 1)
    weeks = [
        *sorted({w for w, _ in rows if w != "season" and _in_window(w, first, last)}),
        "season",
    ]
    print(
        f"\n# Monitor of the simulated operation: {text.strip()} ({wall:.1f} s); "
        f"`foresterie monitor --verify`: every figure recomputed ({vwall:.1f} s)\n"
    )
    print("| week | source | " + " | ".join(label for _, label in MONITOR_COLUMNS) + " |")
    print("|" + " --- |" * (len(MONITOR_COLUMNS) + 2))
    for w in weeks:
        cells = [
            f"{rows[w, ind]['plan'] or '-'} / {rows[w, ind]['actual'] or '-'}"
            for ind, _ in MONITOR_COLUMNS
        ]
        print(f"| {w} | {rows[w, 'worker_days']['source']} | " + " | ".join(cells) + " |")


def _plan_files(run: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run)): p.read_bytes() for p in sorted((run / "plan").rglob("*"))}


def _how(manifest: dict) -> str:  # type: ignore[type-arg]
    """How the day was planned (manifest `shuttles.stability`), in a few words."""
    st = manifest["shuttles"].get("stability") or {}
    parts = [st.get("mode", "")]
    if st.get("repaired_foresterie"):
        parts.append("repaired " + " ".join(st["repaired_foresterie"]))
    if st.get("fresh_foresterie"):
        parts.append("fresh " + " ".join(st["fresh_foresterie"]))
    return "; ".join(parts)


def _in_window(week: str, first: date, last: date) -> bool:
    y, n = week.split("-W")
    monday = date.fromisocalendar(int(y), int(n), 1)
    return monday <= last and monday + timedelta(days=6) >= first


def print_table(table, a, busiest, walls, solve, replay, lv, season, days_dir) -> None:  # type: ignore[no-untyped-def]
    cols = list(table[0])
    print(
        f"\n# Daily operations, {season.scenario.name}, {a.start} + {a.days} days, seed {a.seed}, "
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, 2 cores shared\n"
    )
    print("| " + " | ".join(cols) + " |")
    print("|" + " --- |" * len(cols))
    for r in table:
        print("| " + " | ".join("" if r[c] is None else str(r[c]) for c in cols) + " |")
    kept = [r["kept_vs_season"] for r in table if r["kept_vs_season"] is not None]
    kept_prev = [r["kept_vs_previous_day"] for r in table if r["kept_vs_previous_day"] is not None]
    extra = [r["vehicles"] - r["vehicles_season"] for r in table]
    print(
        f"\nevery day verified ({len(table)} of {len(table)}); busiest day {busiest}: "
        f"`foresterie day` wall {statistics.median(walls):.1f} s (median of 3: "
        f"{', '.join(f'{w:.1f}' for w in walls)}), of which ledger + demand + solve + verify "
        f"{statistics.median(solve):.1f} s (the rest: report, map, sheets, QR codes, start-up); "
        f"{replay}\nkept vehicle and departure +-10 min vs the season plan: median "
        f"{statistics.median(kept):.1%}, min {min(kept):.1%}; vs the previous day: median "
        f"{statistics.median(kept_prev) if kept_prev else float('nan'):.1%}; vehicles used minus "
        f"the season plan's: {sum(extra)} over the window (max {max(extra)} a day)\n{lv}"
    )


if __name__ == "__main__":
    main()
