"""Worker processes that never outlive the command that started them.

A process pool's workers hold the caller's pipes: when `foresterie solve` is killed (kill -9, or
SIGTERM, whose default action skips Python's clean-up), orphaned workers would keep searching
routes forever and keep a caller waiting on those pipes. On Linux each worker asks the kernel to
kill it when its parent dies (PR_SET_PDEATHSIG); it also exits at once if the parent is already
gone by the time it starts.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def worker_pool(max_workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=max_workers, initializer=_die_with_parent, initargs=(os.getpid(),)
    )


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


class Beside:
    """Run `fn()` in a forked child while the caller goes on (e.g. the report is written while
    the verifier reads the same run folder). The child dies with its parent; `ok()` waits for it
    and says whether it finished without an exception (the caller then re-runs `fn` itself where
    it failed, so the error surfaces as usual); `stop()` kills it."""

    def __init__(self, fn: Callable[[], object]) -> None:
        ctx = multiprocessing.get_context("fork")
        self._proc = ctx.Process(target=_beside_main, args=(fn, os.getpid()), daemon=True)
        self._proc.start()

    def ok(self) -> bool:
        self._proc.join()
        return self._proc.exitcode == 0

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


def _beside_main(fn: Callable[[], object], parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    code = 0
    try:
        fn()
    except BaseException:  # the parent re-runs fn and reports the error itself
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)
