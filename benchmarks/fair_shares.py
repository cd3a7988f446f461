"""Fair shares across farms when seats are short (#15 item 2): the default season (or a window of
it) planned with `[transport] fair_debt_weight` = each given value (0 = off), the same housing
for every variant. Prints one row per weight: worker-days served and unserved, the most days any
one person was left behind (total, in a row), the 90th percentile of days left behind among the
people left behind at least once, trips, vehicle-km, and the shuttles' wall and CPU seconds.

Usage: python benchmarks/fair_shares.py [SCENARIO] [--from YYYY-MM-DD --to YYYY-MM-DD]
       [--variants off:0:2,debt:10:2] [--processes N]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import shutil
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import foresterie.shuttles.routes as routes
from foresterie.housing.release import release_days, without_released_nights
from foresterie.housing.tiers import plan_housing
from foresterie.run.kpi import nearest_rank, transport_kpis
from foresterie.scenario.load import load_scenario
from foresterie.travel.matrix import build_matrix

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "puglia-2027"))
    ap.add_argument("--from", dest="start", type=date.fromisoformat)
    ap.add_argument("--to", dest="end", type=date.fromisoformat)
    ap.add_argument(
        "--variants",
        default="off:0:2,debt:10:2,cap:5:2",
        help="rule:k:slack_pct,... (k: fair_debt_pct for debt, fair_cap_days for cap)",
    )
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "scenario"
        shutil.copytree(args.scenario, src)
        toml = src / "scenario.toml"
        text = toml.read_text()
        if args.start:
            text = _set(text, "season_start", args.start.isoformat())
        if args.end:
            text = _set(text, "season_end", args.end.isoformat())
        if args.start and args.end:  # heat alert days must lie inside the season
            heat = tomllib.loads(text).get("transport", {}).get("heat_alert_days", [])
            inside = [d.isoformat() for d in heat if args.start <= d <= args.end]
            text = _set(text, "heat_alert_days", f"[{', '.join(inside)}]")
        toml.write_text(text)
        if args.start and args.end:
            _clip(src / "workers.csv", "arrival", "departure", args.start, args.end, True)
            _clip(src / "fleet.csv", "available_from", "available_to", args.start, args.end, False)
        base = load_scenario(src)
        matrix = build_matrix(base, None)
        housing = plan_housing(
            without_released_nights(base, release_days(base)), matrix, None, progress=None
        )
        print(f"# {platform.node()} {os.cpu_count()} cores, {platform.python_version()}")
        print(f"# {args.scenario} {base.config.scenario.season_start}..", end="")
        print(f"{base.config.scenario.season_end}, processes {args.processes}")
        print(
            "| rule | slack % | worker-days served | unserved | max left behind (total / in a row) "
            "| p90 left behind | trips | vehicle-km | shuttles wall s | CPU s |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for variant in args.variants.split(","):
            rule, k_txt, slack_txt, *factor = variant.split(":")
            k_n, slack = int(k_txt), int(slack_txt)
            routes.FAIR_CAP_FACTOR = int(factor[0]) if factor else 20  # type: ignore[misc]
            transport = base.config.transport.model_copy(
                update={
                    "fair_share": rule,
                    "fair_debt_pct": k_n,
                    "fair_cap_days": k_n,
                    "fair_slack_pct": slack,
                }
            )
            config = base.config.model_copy(update={"transport": transport})
            scenario = replace(base, config=config)
            t, c = time.monotonic(), _cpu()
            sp = routes.plan_shuttles(
                scenario, matrix, housing.assignments, processes=args.processes
            )
            wall, cpu = time.monotonic() - t, _cpu() - c
            k = transport_kpis(scenario, sp)
            missed = Counter(wid for u in sp.unserved for wid in u.worker_ids)
            p90 = nearest_rank(sorted(missed.values()), 0.9) if missed else 0
            print(
                f"| {rule} {k_n} {factor} | {slack} | {k['worker_days_transported']} | {k['unserved_worker_days']} "
                f"| {k['left_behind_max_days']} / {k['left_behind_max_in_a_row']} | {p90} "
                f"| {k['trips']} | {k['vehicle_km']:.0f} | {wall:.0f} | {cpu:.0f} |",
                flush=True,
            )


def _clip(path: Path, lo: str, hi: str, start: date, end: date, nights: bool) -> None:
    """Keep the rows that overlap the window, their dates clipped to it (a stay's departure is
    the morning after its last night)."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    last = end + timedelta(days=1) if nights else end
    kept = []
    for r in rows:
        a, b = max(date.fromisoformat(r[lo]), start), min(date.fromisoformat(r[hi]), last)
        if a < b or (a == b and not nights):
            kept.append({**r, lo: a.isoformat(), hi: b.isoformat()})
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(kept)


def _set(text: str, key: str, value: str) -> str:
    out = []
    for line in text.splitlines():
        out.append(f"{key} = {value}" if line.startswith(f"{key} =") else line)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
