"""Worker processes that never outlive the command that started them.

A process pool's workers hold the caller's pipes: when `foresterie solve` is killed (kill -9, or
SIGTERM, whose default action skips Python's clean-up), orphaned workers would keep searching
routes forever and keep a caller waiting on those pipes. On Linux each worker asks the kernel to
kill it when its parent dies (PR_SET_PDEATHSIG); it also exits at once if the parent is already
gone by the time it starts.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def worker_pool(
    max_workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A pool whose workers die with this process; `initializer(*initargs)` then runs once in
    each worker (as ProcessPoolExecutor's own: what every job of the pool shares is sent once
    per worker, not with each job)."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


def _start_worker(
    parent_pid: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    _die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)
