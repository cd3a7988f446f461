"""Where a core stands idle during `foresterie solve`: each process's CPU, sampled from /proc.

Runs `foresterie solve SCENARIO --out OUT --force` (the real command, its imports included) and
every `--every` seconds (default 0.1) reads, for the command's process and every process forked
under it (the housing pool, the shuttles' pool, the pool of the stretch after the shuttles),
the CPU its threads ran (/proc/PID/task/TID/schedstat: run ns) and the time they were runnable
but waited for a core (same file: run-queue wait ns). Prints

- a timeline in bins (`--bin`, default 0.5 s): each process's share of a core, the cores the run
  used, and the cores it *wanted* (ran + waited, at most the machine's 2);
- a table by stage: the stage marks are the command's own progress lines (travel, housing,
  shuttles, report) timed as they arrive, the manifest's `timings_s` (load, travel) and the
  pools' workers appearing and ending.

On a shared machine the wall of a stage is stretched by the others' load, so the idle core-seconds
are given twice: as measured (cores x wall - CPU; meaningless under load), and projected to an
idle machine of `--cores` cores: a stage of CPU B whose processes wanted on average p cores
(p = run + wait over the wall, capped at the cores, the queue wait being what the others' load
added) would take B / p of wall there and leave cores x B / p - B core-seconds idle. The
projection assumes the load slows every process of the run alike (a fair scheduler), which the
run-queue wait measures rather than guesses.

Usage: python benchmarks/cores_timeline.py [SCENARIO] [--out DIR] [--every S] [--bin S]
       [--cores N] [--foresterie PATH] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Proc:
    """One process of the run: its label, when it was first and last seen, and its samples
    (time, run s, wait s) summed over its threads."""

    pid: int
    ppid: int
    label: str
    first: float
    last: float = 0.0
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    threads: dict[int, tuple[float, float]] = field(default_factory=dict)
    gone: bool = False


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return int(stat[stat.rindex(b")") + 2 :].split()[1])


def _sched(pid: int, threads: dict[int, tuple[float, float]]) -> bool:
    """Each live thread's run and run-queue wait seconds, kept in `threads` (a thread that ended
    keeps its last reading: the process's sum never goes back). False: the process is gone."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                r, w, _ = f.read().split()
        except (OSError, ValueError):
            continue
        threads[int(tid)] = (int(r) / 1e9, int(w) / 1e9)
    return True


class Sampler:
    """The run's process tree, sampled until the root ends."""

    def __init__(self, root: int, t0: float) -> None:
        self.root, self.t0 = root, t0
        self.procs: dict[int, Proc] = {root: Proc(pid=root, ppid=0, label="parent", first=0.0)}
        self.others: set[int] = set()  # pids seen that are not the run's
        self.cpu = 0.0  # this sampler's own CPU, said in the header

    def scan(self) -> None:
        """New processes under the tree. Each pid is looked at once (`others`: not ours), until
        it is gone from /proc: pids wrap around, so a child may have a smaller pid than its
        parent."""
        pids = {int(name) for name in os.listdir("/proc") if name.isdigit()}
        self.others &= pids
        new = {pid: _ppid(pid) for pid in pids - self.others - self.procs.keys()}
        t = time.monotonic() - self.t0
        while mine := [pid for pid, ppid in new.items() if ppid in self.procs]:
            for pid in mine:  # again: a grandchild may come before its parent in this scan
                self.procs[pid] = Proc(pid=pid, ppid=new.pop(pid) or 0, label="child", first=t)
        self.others |= new.keys()

    def sample(self) -> None:
        c0 = time.process_time()
        self.scan()
        t = time.monotonic() - self.t0
        for p in self.procs.values():
            if p.gone:
                continue
            if not _sched(p.pid, p.threads):
                p.gone = True
                continue
            runs, waits = zip(*p.threads.values(), strict=True) if p.threads else ((0.0,), (0.0,))
            p.samples.append((t, sum(runs), sum(waits)))
            p.last = t
        self.cpu += time.process_time() - c0


def _delta(p: Proc, a: float, b: float) -> tuple[float, float]:
    """(run, wait) seconds of `p` between times a and b, from its samples (linear between)."""

    def at(t: float) -> tuple[float, float]:
        s = p.samples
        if not s:
            return 0.0, 0.0
        if t <= s[0][0]:
            return s[0][1], s[0][2]
        if t >= s[-1][0]:
            return s[-1][1], s[-1][2]
        lo, hi = 0, len(s) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if s[mid][0] <= t:
                lo = mid
            else:
                hi = mid
        (ta, ra, wa), (tb, rb, wb) = s[lo], s[hi]
        f = (t - ta) / (tb - ta) if tb > ta else 0.0
        return ra + f * (rb - ra), wa + f * (wb - wa)

    (ra, wa), (rb, wb) = at(a), at(b)
    return rb - ra, wb - wa


def _first_counts(p: Proc, every: float) -> None:
    """A process's counters start at zero when it starts (the command's at 0, a fork between two
    samples): a zero sample is put there, so its CPU before it was first seen is counted."""
    if p.samples:
        t = p.samples[0][0]
        p.samples.insert(0, (0.0 if p.label == "parent" else max(0.0, t - every), 0.0, 0.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "puglia-2027"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--every", type=float, default=0.1)
    ap.add_argument("--bin", type=float, default=0.5)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--foresterie", default=str(ROOT / ".venv" / "bin" / "foresterie"))
    ap.add_argument("--quiet", action="store_true", help="no timeline, the stage table only")
    ap.add_argument("--json", type=Path, default=None, help="also write the samples here")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="cores-timeline-")) / "run"
    cmd = [args.foresterie, "solve", args.scenario, "--out", str(out), "--force"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    load0 = os.getloadavg()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.append((time.monotonic() - t0, raw.decode("utf-8", "replace").rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sampler = Sampler(proc.pid, t0)
    while proc.poll() is None:
        sampler.sample()
        time.sleep(args.every)
    wall = time.monotonic() - t0
    reader.join()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    tree_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    load1 = os.getloadavg()
    if proc.returncode != 0:
        sys.exit("\n".join(t for _, t in lines) + f"\nfailed with exit code {proc.returncode}")
    procs = list(sampler.procs.values())
    for p in procs:
        _first_counts(p, args.every)
    marks = _stages(lines, procs, out, wall)
    _label(procs, marks)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "lines": lines,
                    "marks": marks,
                    "procs": [[p.pid, p.label, p.first, p.last, p.samples] for p in procs],
                }
            )
        )
    print(
        f"# cores timeline: {Path(args.scenario).name}, {os.cpu_count()} cores, load "
        f"{load0[0]:.2f} before, {load1[0]:.2f} after; sampled every {args.every} s "
        f"(sampler {sampler.cpu:.2f} CPU s)"
    )
    print(
        f"wall {wall:.2f} s; CPU of the process tree {tree_cpu:.2f} s (rusage: user "
        f"{ru1.ru_utime - ru0.ru_utime:.2f}, sys {ru1.ru_stime - ru0.ru_stime:.2f}); sampled "
        f"{sum(p.samples[-1][1] for p in procs if p.samples):.2f} s; run {out}"
    )
    if not args.quiet:
        _timeline(procs, marks, wall, args.bin, args.cores)
    _stage_table(procs, marks, args.cores)
    if args.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)


Mark = tuple[str, float, float]  # (stage, from s, to s)


def _stages(
    lines: list[tuple[float, str]], procs: list[Proc], out: Path, wall: float
) -> list[Mark]:
    """The stages, from the progress lines, the manifest's timings and the pools' lifetimes."""

    def when(pattern: str) -> float | None:
        return next((t for t, s in lines if re.match(pattern, s)), None)

    timings = json.loads((out / "manifest.json").read_text())["timings_s"]
    t_travel = when(r"travel: ")
    t_housing = when(r"housing: \d")
    t_shuttles = when(r"shuttles: \d")
    t_report = when(r"report: ")
    assert t_travel is not None and t_housing is not None and t_shuttles is not None
    kids = [p for p in procs if p.label != "parent"]
    # The CLI's child that loads and houses (it has children: housing's pool) says its lines
    # through the parent once the parent reads its answer: its stages are placed from its end.
    early = [p for p in kids if p.ppid == procs[0].pid and any(q.ppid == p.pid for q in kids)]
    if early:
        t_housing = early[0].last
        t_travel = t_housing - timings["housing_s"]
    t_load = t_travel - timings["travel_s"] - timings["load_s"]
    shuttle_pool = [p for p in kids if t_housing <= p.first <= t_shuttles and p not in early]
    after_pool = [p for p in kids if p.first >= t_shuttles]
    marks: list[Mark] = [
        ("imports and start", 0.0, t_load),
        ("load the scenario", t_load, t_load + timings["load_s"]),
        ("travel matrix", t_load + timings["load_s"], t_travel),
        ("housing" + (" (in the child, with its answer)" if early else ""), t_travel, t_housing),
    ]
    if shuttle_pool:
        s0 = min(p.first for p in shuttle_pool)
        s1 = max(p.last for p in shuttle_pool)
        marks += [
            ("shuttles: set-up, parent alone", t_housing, s0),
            ("shuttles: the pool's phases", s0, s1),
            ("shuttles: after the pool", s1, t_shuttles),
        ]
    else:
        marks.append(("shuttles", t_housing, t_shuttles))
    a0 = min((p.first for p in after_pool), default=t_shuttles)
    t_wrote = when(r"wrote ") or wall
    marks.append(("after: until the pool starts", t_shuttles, a0))
    if t_report is not None and t_report > a0:
        marks.append(("after: files, verifier, report", a0, t_report))
        marks.append(("after: seal, publish", t_report, t_wrote))
    else:
        marks.append(("after: files, verifier, report, publish", a0, t_wrote))
    marks.append(("exit (after the last line)", t_wrote, wall))
    return [m for m in marks if m[2] > m[1]]


def _label(procs: list[Proc], marks: list[Mark]) -> None:
    """Children named by the stage they were forked in: before housing c1 (the CLI's child that
    loads and houses), in housing h1.. (housing's pool), in the shuttles s1.., after a1.."""
    counts: dict[str, int] = {}
    for p in sorted(procs, key=lambda p: p.first):
        if p.label != "parent":
            stage = next((m[0] for m in marks if m[1] <= p.first < m[2]), marks[-1][0])
            key = (
                "h"
                if stage.startswith("housing")
                else "s"
                if stage.startswith("shuttles")
                else "a"
                if stage.startswith("after")
                else "c"
            )
            counts[key] = counts.get(key, 0) + 1
            p.label = f"{key}{counts[key]}"


def _timeline(procs: list[Proc], marks: list[Mark], wall: float, step: float, cores: int) -> None:
    order = [p for p in sorted(procs, key=lambda p: p.first)]
    print(
        f"\n| t s | stage | {' | '.join(p.label for p in order)} | used | wanted | idle (wanted) |"
    )
    print("| --- " * (len(order) + 5) + "|")
    t = 0.0
    while t < wall:
        b = min(wall, t + step)
        runs = [_delta(p, t, b) for p in order]
        used = sum(r for r, _ in runs) / (b - t)
        wanted = min(cores, sum(r + w for r, w in runs) / (b - t))
        stage = next((m[0] for m in marks if m[1] <= t < m[2]), "")
        cells = " | ".join(f"{r / (b - t):.2f}" if r > 0.005 else "" for r, _ in runs)
        print(f"| {t:.1f} | {stage} | {cells} | {used:.2f} | {wanted:.2f} | {cores - wanted:.2f} |")
        t = b


def _stage_table(procs: list[Proc], marks: list[Mark], cores: int) -> None:
    print(
        "\n| stage | wall s | CPU s (by process) | CPU s | cores wanted | idle core-s measured "
        "| wall s idle (projected) | idle core-s (projected) |"
    )
    print("| --- " * 8 + "|")
    tot = {"wall": 0.0, "cpu": 0.0, "idle": 0.0, "pwall": 0.0, "pidle": 0.0}
    for name, a, b in marks:
        runs = {p.label: _delta(p, a, b) for p in procs}
        cpu = sum(r for r, _ in runs.values())
        # wanted: per sample step, capped at the cores
        wanted = _wanted(procs, a, b, cores)
        p_avg = wanted / (b - a)
        pwall = cpu / p_avg if p_avg > 0 else 0.0
        by = ", ".join(f"{k} {r:.2f}" for k, (r, _) in runs.items() if r >= 0.01)
        print(
            f"| {name} | {b - a:.2f} | {by} | {cpu:.2f} | {p_avg:.2f} | "
            f"{cores * (b - a) - cpu:.2f} | {pwall:.2f} | {cores * pwall - cpu:.2f} |"
        )
        tot["wall"] += b - a
        tot["cpu"] += cpu
        tot["idle"] += cores * (b - a) - cpu
        tot["pwall"] += pwall
        tot["pidle"] += cores * pwall - cpu
    print(
        f"| whole run | {tot['wall']:.2f} | | {tot['cpu']:.2f} | | {tot['idle']:.2f} | "
        f"{tot['pwall']:.2f} | {tot['pidle']:.2f} |"
    )


def _wanted(procs: list[Proc], a: float, b: float, cores: int, step: float = 0.1) -> float:
    """Core-seconds the run's processes wanted between a and b (ran + waited in the run queue),
    capped at `cores` in each step."""
    total, t = 0.0, a
    while t < b - 1e-9:
        u = min(b, t + step)
        want = sum(sum(_delta(p, t, u)) for p in procs)
        total += min(cores * (u - t), want)
        t = u
    return total


if __name__ == "__main__":
    main()
