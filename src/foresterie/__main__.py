"""`python -m foresterie` and the console script: Ctrl-C anywhere is one line and exit 130."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import app

        app()
    except KeyboardInterrupt:
        print("interrupted: no run folder was left half-written", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
