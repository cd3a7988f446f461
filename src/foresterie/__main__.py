"""`python -m foresterie` and the console script: Ctrl-C anywhere is one line and exit 130.

Click's standalone mode turns an interrupt into "Aborted!" and exit 1, and an interrupt that
escapes to the interpreter ends the process by the signal (exit -2): both are avoided by running
click non-standalone, handling its exceptions here, and ignoring a second interrupt once the
outcome is decided (the run folder is published whole or not at all by then).
"""

from __future__ import annotations

import signal
import sys

INTERRUPTED = "interrupted: no run folder was left half-written"


def _settled(code: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # teardown must not turn the outcome into -2
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
    _settled(130)


def main() -> None:
    try:
        from .cli import app

        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        _interrupt()
    except Exception as exc:
        typer = sys.modules.get("typer")
        if _interrupted(exc) or (typer is not None and isinstance(exc, typer.Abort)):
            _interrupt()
        if typer is not None and isinstance(exc, typer.TyperException):
            exc.show()  # type: ignore[attr-defined]  # usage errors: click's message, exit 2
            _settled(getattr(exc, "exit_code", 2))
        raise
    _settled(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
