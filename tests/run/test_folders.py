"""Publishing a run folder: concurrent writers of the same folder leave one whole run, never a
mix of two, and (with the atomic exchange) the folder is never missing while they publish."""

from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import pytest

from foresterie.run.folders import FAULT_ENV, atomic_dir, exchange, sweep_partials

FILES = ("a.csv", "b.csv", "c.csv", "manifest.json")


def _writer(out: str, tag: str, faults: str, barrier: object) -> None:
    """Write a whole run tagged `tag`, meet the other writers, then publish with --force."""
    os.environ[FAULT_ENV] = faults
    with atomic_dir(Path(out), force=True) as tmp:
        for name in FILES:
            (tmp / name).write_text(tag, encoding="utf-8")
        barrier.wait(timeout=60)  # type: ignore[attr-defined]


def _tags(out: Path) -> set[str]:
    return {(out / name).read_text(encoding="utf-8") for name in FILES}


@pytest.mark.parametrize("faults", ["", "no-exchange"])
def test_concurrent_force_writers_leave_one_whole_run(tmp_path: Path, faults: str) -> None:
    out = tmp_path / "run"
    out.mkdir()
    for name in FILES:
        (out / name).write_text("earlier", encoding="utf-8")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [
        ctx.Process(target=_writer, args=(str(out), f"w{i}", faults, barrier)) for i in range(4)
    ]
    for p in procs:
        p.start()
    seen_missing = 0
    while any(p.is_alive() for p in procs):
        seen_missing += not (out / "manifest.json").is_file()
        os.sched_yield()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(_tags(out)) == 1 and _tags(out) <= {"w0", "w1", "w2", "w3"}  # one whole run
    assert sorted(os.listdir(tmp_path)) == ["run"]  # no temporary or set-aside folder left
    if not faults:  # the exchange: the run is there at every instant
        assert seen_missing == 0


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("A", encoding="utf-8")
    (b / "x").write_text("B", encoding="utf-8")
    if not exchange(a, b):
        pytest.skip("no RENAME_EXCHANGE on this system")
    assert (a / "x").read_text(encoding="utf-8") == "B"
    assert (b / "x").read_text(encoding="utf-8") == "A"


def test_a_set_aside_run_is_put_back_at_the_next_start(tmp_path: Path) -> None:
    """The two-rename fallback killed between its renames: the next start restores the run."""
    out = tmp_path / "run"
    dead = mp.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    old = tmp_path / f".run.old-{dead.pid}"
    old.mkdir()
    (old / "manifest.json").write_text("earlier", encoding="utf-8")
    sweep_partials(out)
    assert (out / "manifest.json").read_text(encoding="utf-8") == "earlier"
    assert sorted(os.listdir(tmp_path)) == ["run"]
