"""CPU seconds of the verifier alone on a solved run, optionally alternated with another source
tree (e.g. `git archive` of main unpacked in /tmp/base: `--base /tmp/base/src`).

Each measurement is a fresh process: `verify_report(RUN, report)` timed with
time.process_time (user + system CPU of that process, the import excluded), so the figures
stand beside other load on the machine; the wall clock is printed for the record only. The
answers of both trees are compared (the number of violations and of unchecked families).

Usage: python benchmarks/verify_cpu.py RUN [--rounds 3] [--report] [--base SRC]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = """
import json, sys, time
from pathlib import Path
import foresterie.verify as v
t0, w0 = time.process_time(), time.perf_counter()
violations, unchecked = v.verify_report(Path(sys.argv[1]), sys.argv[2] == "1")
print(json.dumps({"cpu": time.process_time() - t0, "wall": time.perf_counter() - w0,
                  "violations": len(violations), "unchecked": len(unchecked), "file": v.__file__}))
"""


def measure(run: Path, report: bool, src: str | None) -> dict[str, object]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(run), "1" if report else "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("run", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--report", action="store_true", help="compare report/ with report.json too")
    ap.add_argument("--base", help="another source tree (its src/), measured before each round")
    a = ap.parse_args()
    trees = ([("base", a.base)] if a.base else []) + [("this", None)]
    cpu: dict[str, list[float]] = {name: [] for name, _ in trees}
    answers: dict[str, set[tuple[object, object]]] = {name: set() for name, _ in trees}
    for k in range(a.rounds):
        for name, src in trees:
            got = measure(a.run, a.report, src)
            cpu[name].append(float(got["cpu"]))  # type: ignore[arg-type]
            answers[name].add((got["violations"], got["unchecked"]))
            print(
                f"round {k + 1} {name}: {got['cpu']:.2f} CPU s, {got['wall']:.2f} s wall, "
                f"{got['violations']} violations, {got['unchecked']} not checked ({got['file']})",
                flush=True,
            )
    for name, _ in trees:
        print(f"{name}: median {statistics.median(cpu[name]):.2f} CPU s of {cpu[name]}")
    if a.base and answers["base"] != answers["this"]:
        print(f"ANSWERS DIFFER: base {answers['base']}, this {answers['this']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
