"""The day run's report written by a process started before the day is planned.

`foresterie day` spends about a second loading the season run, the ledger and the day's scenario
on one core, then plans; its report (the day's map with folium, the driver sheets with their QR
codes) needs modules that take longer to import than the report takes to write. A process forked
when the command starts imports them on the other core meanwhile, waits, and writes the report
of the finished (still temporary) run folder when asked, while the verifier checks it in its own
process (run/pipeline.py). Nothing changes in what is written: the same function writes the same
files, in another process. A failure there is raised here, as the same exception where it can
travel (a bad run folder, a full disk), else as an internal error carrying the traceback.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any

from foresterie.core.errors import ScenarioError
from foresterie.core.procs import _die_with_parent as die_with_parent

Hook = Callable[[Path], None]


class ReportInBackground:
    """Call it with a run folder: the report is written there by the background process."""

    def __init__(self, make_hook: Callable[[], Hook]):
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe()
        self._process: BaseProcess = ctx.Process(
            target=_serve, args=(make_hook, theirs, os.getpid()), daemon=True
        )
        self._process.start()
        theirs.close()

    def __call__(self, run: Path) -> None:
        self.start(run)
        self.wait()

    def start(self, run: Path) -> None:
        """Ask for the report of `run` (the caller does other work meanwhile, then `wait`)."""
        with contextlib.suppress(OSError):  # it has ended: `wait` says so
            self._conn.send(str(run))

    def wait(self) -> None:
        """The report asked for is written (or its failure raised here)."""
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            raise RuntimeError(
                f"the report process ended (exit code {self._process.exitcode})"
            ) from None
        if kind == "problems":
            raise ScenarioError(payload)
        if kind == "exception":
            raise payload
        if kind == "crash":
            raise RuntimeError(f"the report process failed:\n{payload}")

    def close(self) -> None:
        """Stop the process (done, or the day was not published: bad input, interrupted)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()

    def __enter__(self) -> ReportInBackground:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _serve(make_hook: Callable[[], Hook], conn: Connection, parent: int) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers ctrl-C and stops us
    try:
        hook = make_hook()  # the imports: done while the parent plans the day
        run = conn.recv()
    except EOFError:  # the parent closed the pipe: nothing to write
        return
    except Exception as exc:  # an import that fails: said when the report is asked for
        conn.send(_failure(exc))
        return
    try:
        hook(Path(run))
        reply: tuple[str, Any] = ("ok", None)
    except Exception as exc:
        reply = _failure(exc)
    sys.stdout.flush()  # its lines before the parent's next ones
    sys.stderr.flush()
    conn.send(reply)


def _failure(exc: Exception) -> tuple[str, Any]:
    if isinstance(exc, ScenarioError):
        return ("problems", exc.problems)
    text = "".join(traceback.format_exception(exc))
    try:
        copy = pickle.loads(pickle.dumps(exc))
    except Exception:
        return ("crash", text)
    if type(copy) is not type(exc) or str(copy) != str(exc):
        return ("crash", text)
    copy.add_note(f"in the report process:\n{text}")
    return ("exception", copy)
