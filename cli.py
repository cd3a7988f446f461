"""Thin launcher: `python cli.py ...` from a checkout runs the same typer app as `foresterie`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from foresterie.__main__ import main

if __name__ == "__main__":
    main()
