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
