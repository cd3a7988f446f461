"""`python -m foresterie` and the console script: Ctrl-C anywhere is one line and exit 130; a bug
is one line and exit 3 (the full traceback goes to a file named in that line), never exit 1,
which means "verification failed".

Click's standalone mode turns an interrupt into "Aborted!" and exit 1, and an interrupt that
escapes to the interpreter ends the process by the signal (exit -2): both are avoided by running
click non-standalone, handling its exceptions here, and ignoring a second interrupt once the
outcome is decided (the run folder is published whole or not at all by then).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
import traceback

from foresterie.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    redact_passwords,
)

INTERRUPTED = "interrupted: no run folder was left half-written"


def _settled(code: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # teardown must not turn the outcome into -2
    if code == EXIT_INTERRUPTED:
        # The outcome is decided and every file is closed: leave without interpreter teardown,
        # where a pending interrupt could still make Python die by the signal (exit -2).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _interrupted(exc: BaseException) -> bool:
    """An interrupt, or an error raised because of one (a native module whose import was
    interrupted reports "ImportError: initialization failed" with the interrupt as context)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print(INTERRUPTED, file=sys.stderr)
    _settled(EXIT_INTERRUPTED)


def main() -> None:
    try:
        from foresterie.cli import app

        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        _interrupt()
    except Exception as exc:
        typer = sys.modules.get("typer")
        if _interrupted(exc) or (typer is not None and isinstance(exc, typer.Abort)):
            _interrupt()
        if typer is not None and isinstance(exc, typer.TyperException):
            exc.show()  # type: ignore[attr-defined]  # usage errors: click's message, exit 2
            _settled(getattr(exc, "exit_code", EXIT_BAD_INPUT))
        _internal_error(exc)
    _settled(code if isinstance(code, int) else EXIT_OK)


def _internal_error(exc: BaseException) -> None:
    """One line naming the error and the file that holds its traceback; exit 3. Neither says a
    password given in a URL (`--ledger postgresql://user:PW@...`)."""
    folder = os.environ.get("FORESTERIE_CRASH_DIR") or tempfile.gettempdir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    where = os.path.join(folder, f"foresterie-crash-{stamp}-{os.getpid()}.txt")
    text = redact_passwords("".join(traceback.format_exception(exc)))
    try:
        os.makedirs(folder, exist_ok=True)
        with open(where, "w", encoding="utf-8") as fh:
            fh.write(f"foresterie {redact_passwords(' '.join(sys.argv[1:]))}\n{text}")
        said = f"full traceback in {where}"
    except OSError:
        said = "the traceback could not be saved"
    first = redact_passwords(str(exc)).splitlines()[0] if str(exc) else ""
    print(
        f"internal error (a bug, please report it): {type(exc).__name__}: {first[:200]}; {said}",
        file=sys.stderr,
    )
    _settled(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
