"""Several offices appending to one season ledger at once: appends per second and `ledger verify`
time, on the embedded SQLite file and on PostgreSQL, 1 and 4 writer processes, each row its own
transaction (as `foresterie ledger import` of a one-row file would be), median of 3.

Usage: python benchmarks/ledger_writers.py [ROWS_PER_WRITER]; PostgreSQL from
$FORESTERIE_TEST_PG_URL (`bash .ci/postgres start DIR` prints one), skipped without it.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from foresterie.ops.ledger import Ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the writer processes: tests/helpers
from tests.helpers import run_writers, with_schema

SEASON = {"name": "bench", "run_manifest_sha256": "b" * 64}
REPEATS = 3


def _once(where: str, writers: int, rows: int) -> tuple[float, float]:
    """(wall seconds of all appends, seconds of one verify) on a fresh ledger at `where`."""
    with Ledger.open(Path(where) if "://" not in where else where, SEASON):
        pass
    exit_codes, wall = run_writers(where, writers, rows)
    assert exit_codes == [0] * writers
    with Ledger.open(Path(where) if "://" not in where else where) as led:
        t1 = time.perf_counter()
        problems = led.verify()
        verify_s = time.perf_counter() - t1
        assert problems == [] and led.head()[0] == writers * rows
    return wall, verify_s


def _fresh(engine: str, folder: Path, pg: str) -> tuple[str, Any]:
    """A new ledger location and how to remove it."""
    if engine == "sqlite":
        path = folder / f"{uuid.uuid4().hex}.sqlite"
        return str(path), lambda: None
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with psycopg.connect(pg, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")

    return with_schema(pg, schema), drop


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    pg = os.environ.get("FORESTERIE_TEST_PG_URL", "")
    engines = ["sqlite", *(["postgresql"] if pg else [])]
    load = os.getloadavg()[0]
    print(
        f"# Ledger writers, {rows} appends per writer, one row per transaction, median of "
        f"{REPEATS}, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.1f} at start"
    )
    if not pg:
        print("# PostgreSQL skipped: FORESTERIE_TEST_PG_URL is not set")
    print("| engine | writers | rows | wall s | appends/s | verify s |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines:
            for writers in (1, 4):
                walls, verifies = [], []
                for _ in range(REPEATS):
                    where, drop = _fresh(engine, Path(tmp), pg)
                    try:
                        wall, verify_s = _once(where, writers, rows)
                    finally:
                        drop()
                    walls.append(wall)
                    verifies.append(verify_s)
                wall = statistics.median(walls)
                print(
                    f"| {engine} | {writers} | {writers * rows} | {wall:.1f} | "
                    f"{writers * rows / wall:.0f} | {statistics.median(verifies):.2f} |"
                )


if __name__ == "__main__":
    main()
