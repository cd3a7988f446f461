"""Killing solve at random moments never leaves a half run and never touches an earlier run."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foresterie.run.folders import FAULT_ENV, sweep_partials
from foresterie.verify import verify_run
from tests.helpers import TINY

CMD = [sys.executable, "-m", "foresterie", "solve", str(TINY)]


def _tree(p: Path) -> dict[str, bytes]:
    """Every file but the manifest, whose timings differ from run to run, and the salt of the
    restricted part's digests, which each run draws anew."""
    return {
        str(f.relative_to(p)): f.read_bytes()
        for f in sorted(p.rglob("*"))
        if f.is_file() and f.name not in ("manifest.json", "salt.txt")
    }


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crash") / "run"
    subprocess.run([*CMD, "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_during_solve(earlier: Path, sig: int, seed: int) -> None:
    before = _tree(earlier)
    # Measure a full run once, then kill at a random moment inside it.
    t0 = time.monotonic()
    subprocess.run(
        [*CMD, "--out", str(earlier.parent / "timing"), "--force"], check=True, capture_output=True
    )
    full = time.monotonic() - t0
    proc = subprocess.Popen(
        [*CMD, "--out", str(earlier), "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # SIGKILL at a random moment; SIGINT in the middle of the work (at interpreter start-up or
    # teardown Python itself restores the default handler and dies by the signal, run untouched).
    frac = random.Random(seed).uniform(0.2, 0.95) if sig == signal.SIGKILL else 0.2 + 0.15 * seed
    deadline = frac * full
    try:
        proc.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # finished first: the run was replaced whole (--force), and valid
        assert (earlier / "manifest.json").is_file()
        return
    # The run folder is whole: the earlier run, or (killed after the rename) the new one, which
    # has the same bytes since the inputs are the same.
    assert _tree(earlier) == before
    assert verify_run(earlier) == []
    if sig == signal.SIGINT:  # one line, exit 130, nothing half-written
        assert proc.returncode == 130, (proc.returncode, err.decode()[-500:])
        assert err.decode().strip().splitlines()[-1] == (
            "interrupted: no run folder was left half-written"
        )
        assert not list(earlier.parent.glob(".run.partial-*"))
    else:
        assert proc.returncode == -signal.SIGKILL
    # Whatever a kill -9 left behind is hidden, and the next run sweeps it away.
    subprocess.run(
        [*CMD, "--out", str(earlier.parent / "run"), "--force"], check=True, capture_output=True
    )
    assert not list(earlier.parent.glob(".run.partial-*"))
    assert sorted(os.listdir(earlier.parent)) == ["run", "timing"]


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux) to find the workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_no_route_worker_outlives_a_killed_solve(tmp_path: Path, sig: int) -> None:
    """Kill `solve` while its process pool searches routes: every worker goes with it."""
    sc = tmp_path / "s"
    shutil.copytree(TINY, sc)
    toml = (sc / "scenario.toml").read_text(encoding="utf-8")
    toml = (
        toml.replace("shuttle_iterations = 300", "shuttle_iterations = 5000000")
        .replace("shuttle_patience = 50", "shuttle_patience = 5000000")
        .replace("shuttle_processes = 1", "shuttle_processes = 2")
    )
    (sc / "scenario.toml").write_text(toml, encoding="utf-8")
    proc = subprocess.Popen(
        [*CMD[:-1], str(sc), "--out", str(tmp_path / "run")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the route search never started its worker processes"
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "route workers outlived their solve"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:
            if _alive(w):  # leave no stray process behind, even when the test fails
                os.kill(w, signal.SIGKILL)


def _variant(tmp: Path, name: str) -> Path:
    """TINY under another scenario name: a different scenario hash, to tell two runs apart."""
    sc = tmp / name
    shutil.copytree(TINY, sc)
    toml = (sc / "scenario.toml").read_text(encoding="utf-8")
    (sc / "scenario.toml").write_text(
        toml.replace('name = "tiny"', f'name = "{name}"'), encoding="utf-8"
    )
    return sc


def _hash(run: Path) -> str:
    return str(json.loads((run / "manifest.json").read_text(encoding="utf-8"))["scenario"]["hash"])


@pytest.mark.parametrize(
    ("faults", "whole"),
    [
        ("kill:before-swap", "earlier"),  # killed with the new run ready, before publishing
        ("kill:after-swap", "new"),  # killed with the earlier run not yet removed
        ("no-exchange,kill:between-renames", "restored"),  # the fallback's two renames
    ],
)
def test_kill_while_publishing_with_force(tmp_path: Path, faults: str, whole: str) -> None:
    """SIGKILL at a publishing step of `solve --force` (the process kills itself at the fault
    point the test names): the folder holds a whole, verifiable run, the earlier or the new."""
    out = tmp_path / "runs" / "run"
    first, second = _variant(tmp_path, "first"), _variant(tmp_path, "second")
    subprocess.run([*CMD[:-1], str(first), "--out", str(out)], check=True, capture_output=True)
    before = _hash(out)
    proc = subprocess.run(
        [*CMD[:-1], str(second), "--out", str(out), "--force"],
        capture_output=True,
        env={**os.environ, FAULT_ENV: faults},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    if whole == "restored":  # the kill came between the renames: the next start puts it back
        assert not out.exists() and list(out.parent.glob(".run.old-*"))
        sweep_partials(out)
    assert verify_run(out) == []
    assert (_hash(out) == before) == (whole in ("earlier", "restored"))
    # Whatever the kill left behind is hidden, and the next run sweeps it away.
    subprocess.run(
        [*CMD[:-1], str(second), "--out", str(out), "--force"], check=True, capture_output=True
    )
    assert sorted(os.listdir(out.parent)) == ["run"] and _hash(out) != before


def test_two_concurrent_force_solves_leave_one_whole_run(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "run"
    first, second = _variant(tmp_path, "first"), _variant(tmp_path, "second")
    subprocess.run([*CMD[:-1], str(first), "--out", str(out)], check=True, capture_output=True)
    procs = [
        subprocess.Popen(
            [*CMD[:-1], str(sc), "--out", str(out), "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for sc in (first, second)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-500:]
    assert verify_run(out) == []
    assert sorted(os.listdir(out.parent)) == ["run"]
