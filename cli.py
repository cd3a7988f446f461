"""Thin launcher: `python cli.py ...` from a checkout runs the same typer app as `foresterie`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from foresterie.cli import app

if __name__ == "__main__":
    app()
