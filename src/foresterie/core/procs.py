"""Worker processes that never outlive the command that started them.

A process pool's workers hold the caller's pipes: when `foresterie solve` is killed (kill -9, or
SIGTERM, whose default action skips Python's clean-up), orphaned workers would keep searching
routes forever and keep a caller waiting on those pipes. On Linux each worker asks the kernel to
kill it when its parent dies (PR_SET_PDEATHSIG); it also exits at once if the parent is already
gone by the time it starts.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import functools
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")

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
    gc.freeze()  # what the fork copied is never collectable garbage to this worker's collector
    if initializer is not None:
        initializer(*initargs)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


class WorkerDied(RuntimeError):
    """A worker process ended without answering (killed, out of memory, a crash in C): the
    message names the work it was doing."""


@dataclass(frozen=True, kw_only=True)
class _Failed:
    """A job's exception on its way back to the parent. Our errors take their fields as
    arguments (ScenarioError's problems, RunFolderError's file, row, field and message), which
    pickle's rebuild of an exception does not pass: such a one travels as its class, args and
    attributes (`parts`) and is rebuilt without calling its __init__."""

    exc: BaseException | None
    parts: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]] | None
    trace: str

    def rebuilt(self) -> BaseException:
        if self.exc is not None:
            return self.exc
        assert self.parts is not None
        kind, args, state = self.parts
        exc = kind.__new__(kind)
        exc.args = args
        vars(exc).update(state)
        return exc


def submit(pool: Executor, fn: Callable[..., T], *args: Any) -> Future[T]:
    """`pool.submit(fn, *args)`, its exception carried back whole (read it with `results`)."""
    return pool.submit(_carried, fn, *args)  # type: ignore[arg-type]


def _carried(fn: Callable[..., T], *args: Any) -> T | _Failed:
    try:
        return fn(*args)
    except Exception as exc:
        trace = "".join(traceback.format_exception(exc))
        try:
            pickle.loads(pickle.dumps(exc))
            return _Failed(exc=exc, parts=None, trace=trace)
        except Exception:
            pass
        parts = (type(exc), exc.args, dict(vars(exc)))
        try:
            pickle.dumps(parts)
            return _Failed(exc=None, parts=parts, trace=trace)
        except Exception:  # an attribute that does not pickle: the message still travels
            return _Failed(
                exc=RuntimeError(f"{type(exc).__name__}: {exc}"), parts=None, trace=trace
            )


def results(futures: Sequence[Future[T]], what: str) -> list[T]:
    """The jobs' results in the order submitted, once every one has ended (none is left
    writing into a folder the caller may remove); the first failure in that order is raised,
    whichever finished first, with the worker's traceback as its cause. A worker that died
    raises WorkerDied naming `what`."""
    concurrent.futures.wait(futures)
    out: list[T] = []
    for future in futures:
        try:
            value = future.result()
        except BrokenProcessPool as exc:
            raise WorkerDied(f"{what}: a worker process ended abruptly") from exc
        if isinstance(value, _Failed):
            raise value.rebuilt() from _RemoteTrace(value.trace)
        out.append(value)
    return out


class _RemoteTrace(Exception):
    """The traceback of an exception raised in a worker, shown as the cause of its copy."""

    def __init__(self, trace: str) -> None:
        super().__init__(trace)
        self.trace = trace

    def __str__(self) -> str:
        return f'\n"""\n{self.trace}"""'


_LENT: ContextVar[tuple[int, Executor] | None] = ContextVar("lent_pool", default=None)


@contextmanager
def lending(pool: Executor) -> Iterator[None]:
    """Work called inside may put jobs on `pool` (`lent_pool()`). The pipeline lends the
    verifier's pool to the report hook, whose signature (a run folder, nothing else) is shared
    by the CLI, the daily operations and the benchmarks; a second pool forked beside the first
    one's manager thread would fork a multi-threaded process. Only this process borrows it: a
    process forked inside (ops' report process) holds a copy of the pool without its threads,
    and its jobs would never run."""
    token = _LENT.set((os.getpid(), pool))
    try:
        yield
    finally:
        _LENT.reset(token)


def lent_pool() -> Executor | None:
    """The pool lent by the caller (`lending`) in this process; None: do the work here."""
    lent = _LENT.get()
    return lent[1] if lent is not None and lent[0] == os.getpid() else None


@dataclass(frozen=True, kw_only=True)
class SharedBytes:
    """Bytes that every job of a pool reads, sent once: a job carries this small record and a
    worker reads the bytes (`read`) once per `key`, keeping what it made of them. On Linux they
    sit in an anonymous memory file of the parent (memfd), read at /proc/PID/fd/N: nothing on
    disk, and gone with the parent whatever ends it. The driver sheets' 16 jobs carried the
    2.7 MB run each (43.7 MB through the pipes, ~0.15-0.25 CPU s of pickling and copying on
    puglia-2027). Without memfd the bytes travel in the record (`data`)."""

    key: str
    path: str | None
    data: bytes | None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as fh:
            return fh.read()


@contextmanager
def shared_bytes(key: str, data: bytes) -> Iterator[SharedBytes]:
    """`data` held for the jobs of a pool (SharedBytes) while inside; read by none after."""
    if not hasattr(os, "memfd_create"):
        yield SharedBytes(key=key, path=None, data=data)
        return
    fd = os.memfd_create("foresterie-shared", os.MFD_CLOEXEC)
    try:
        with open(fd, "wb", closefd=False) as fh:
            fh.write(data)
        path = f"/proc/{os.getpid()}/fd/{fd}"
        if _readable(path):
            yield SharedBytes(key=key, path=path, data=None)
        else:  # no /proc, or one this user may not read: the bytes travel in the record
            yield SharedBytes(key=key, path=None, data=data)
    finally:
        os.close(fd)


def _readable(path: str) -> bool:
    """Whether `path` opens for reading here (a worker of this user opens it the same way)."""
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError:
        return False
    return True


class Forked(Generic[T]):
    """`fn(*args)` in a child process forked now, while this one goes on with other work (the
    CLI's solve imports the shuttles' and the report's modules while its child loads the
    scenario and plans housing). `fn` and `args` are inherited by the fork, never pickled; the
    answer comes back pickled when `result` is called. With `say`, the child calls
    `fn(*args, say=...)` and what it says is sent back as it is said, and said here with `say`,
    in order, when `result` reads the answer (a captured stdout, as a test's, is this
    process's: the child's copy of it would be lost); a failure's lines are said before it is
    raised. The child dies with this process (`_die_with_parent`), ignores Ctrl-C (this process
    is the one interrupted, and `close` ends the child), and an exception of `fn` is raised here
    as `results` raises a pool job's."""

    def __init__(
        self,
        what: str,
        fn: Callable[..., T],
        *args: Any,
        say: Callable[[str], None] | None = None,
    ) -> None:
        ctx = multiprocessing.get_context("fork")
        self.what, self._say = what, say
        self._reader, writer = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_forked, args=(os.getpid(), writer, fn, args, say is not None)
        )
        self._process.start()
        writer.close()
        self._answer: list[T] = []

    def result(self) -> T:
        """The child's answer (waited for once, then kept); WorkerDied if it ended without one."""
        while not self._answer:
            try:
                value = self._reader.recv()
            except EOFError:
                self.close()
                raise WorkerDied(f"{self.what}: the child process ended abruptly") from None
            if isinstance(value, _Said):
                if self._say is not None:
                    self._say(value.text)
                continue
            self.close()
            if isinstance(value, _Failed):
                raise value.rebuilt() from _RemoteTrace(value.trace)
            self._answer.append(value)
        return self._answer[0]

    def close(self) -> None:
        """End the child if it is still working (its answer will not be read), and reap it."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._reader.close()


@dataclass(frozen=True)
class _Said:
    """A line a Forked child said, on its way to be said by its parent."""

    text: str


def _forked(
    parent_pid: int,
    writer: Connection,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    says: bool,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    gc.freeze()  # as a pool's worker: what the fork copied is never this child's garbage
    if says:
        answer = _carried(functools.partial(fn, say=lambda text: writer.send(_Said(text))), *args)
    else:
        answer = _carried(fn, *args)
    writer.send(answer)
    writer.close()
