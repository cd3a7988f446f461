"""Jobs on a worker pool: their failures come back as the same error (our errors do not survive
plain pickling), the first in the order submitted, and a worker that dies names the work."""

from __future__ import annotations

import os
import pickle
import time

import pytest

from foresterie.core.errors import Problem, ScenarioError
from foresterie.core.files import UnsafePath
from foresterie.core.procs import WorkerDied, lending, lent_pool, results, submit, worker_pool
from foresterie.core.runfolder import RunFolderError

ERRORS: list[Exception] = [
    ScenarioError([Problem("workers.csv", 3, "arrival", "not a date")]),
    RunFolderError("plan/trips.csv", 7, "depart", "not HH:MM"),
    UnsafePath("report/drivers", "a link out of the run"),
    OSError(28, "No space left on device"),
    KeyError("W01"),
]


def _raise(i: int) -> None:  # module level: run in a worker
    raise ERRORS[i]


def _slow_then(i: int) -> int:
    time.sleep(0.2 * (3 - i))  # the later jobs end first
    if i in (1, 2):
        raise ValueError(f"job {i}")
    return i


def _die() -> None:
    os._exit(3)


def test_our_errors_do_not_survive_plain_pickling() -> None:
    # why submit() carries them: without it a job's ScenarioError breaks the whole pool
    for exc in ERRORS[:3]:
        with pytest.raises((TypeError, AttributeError)):
            pickle.loads(pickle.dumps(exc))


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_a_jobs_error_comes_back_as_the_same_error(i: int) -> None:
    with worker_pool(1) as pool:
        job = submit(pool, _raise, i)
        with pytest.raises(type(ERRORS[i])) as raised:
            results([job], "the test job")
    assert type(raised.value) is type(ERRORS[i])
    assert str(raised.value) == str(ERRORS[i])
    assert vars(raised.value) == vars(ERRORS[i])  # problems, rel and reason travel too
    assert f"{type(ERRORS[i]).__name__}" in str(raised.value.__cause__)  # the worker's trace


def test_the_first_failure_in_submission_order_wins_whoever_ends_first() -> None:
    with worker_pool(2) as pool:
        jobs = [submit(pool, _slow_then, i) for i in range(4)]
        with pytest.raises(ValueError, match="job 1"):
            results(jobs, "the test jobs")
        assert all(j.done() for j in jobs)  # none left running when the error is raised
    with worker_pool(2) as pool:
        assert results([submit(pool, _slow_then, i) for i in (0, 3)], "the test jobs") == [0, 3]


def test_a_worker_that_dies_is_named_by_its_work() -> None:
    with worker_pool(1) as pool:
        job = submit(pool, _die)
        with pytest.raises(WorkerDied, match=r"^report/drivers: a worker process"):
            results([job], "report/drivers")


def test_a_pool_is_lent_only_inside_lending() -> None:
    assert lent_pool() is None
    with worker_pool(1) as pool:
        with lending(pool):
            assert lent_pool() is pool
        assert lent_pool() is None


def _frozen_count() -> int:
    import gc

    return gc.get_freeze_count()


def test_a_worker_freezes_what_it_inherited() -> None:
    # the parent's objects, copied by the fork, are never walked by the worker's collector
    with worker_pool(1) as pool:
        assert results([submit(pool, _frozen_count)], "the test job")[0] > 0


def _lent_here() -> bool:
    return lent_pool() is not None


def test_a_process_forked_inside_lending_does_not_borrow_the_pool() -> None:
    import multiprocessing

    with worker_pool(1) as pool, lending(pool):
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(1) as child:  # forked inside: it sees the lent pool's copy, not the pool
            assert child.apply(_lent_here) is False
        assert lent_pool() is pool
