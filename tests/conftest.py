"""Shared fixtures: the tiny hand-checkable scenario, copied so tests may edit it. Helpers and
constants live in tests/helpers.py and are imported from there, never from a conftest."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import TINY

# The command line speaks the user's locale (core/i18n.py, cli_lang); the tests read its English
# messages whatever the machine's locale. tests/test_cli.py checks Italian in a subprocess.
os.environ["FORESTERIE_LANG"] = "en"
# A developer's shared ledger must not stand in for the tests' own ledger files.
os.environ.pop("FORESTERIE_LEDGER_URL", None)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst


@pytest.fixture(scope="session")
def tiny_season_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario solved once per session (read only: ledgers and day runs go elsewhere)."""
    from typer.testing import CliRunner

    from foresterie.cli import app

    out = tmp_path_factory.mktemp("runs") / "tiny"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to an empty schema of its own on the test PostgreSQL server (skips without one)."""
    import uuid

    import psycopg

    from tests.helpers import pg_server_url, with_schema

    server = pg_server_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    yield with_schema(server, schema)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def monitored_season(tiny_season_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hand-made fortnight on the tiny season run, through the real CLI (README "Monitoring";
    tests/ops/test_monitor.py lists the hand-computed figures): check-ins (W02 two days late,
    W05 leaves on the 9th, the waitlisted W06 turns up anyway), a day run of Tuesday 7 July and
    its boarding lists (W04 did not show), then `foresterie monitor`. Returns the monitor
    folder; the ledger and the day run sit beside it (read only)."""
    from typer.testing import CliRunner

    from foresterie.cli import app

    base = tmp_path_factory.mktemp("monitored")
    led = base / "ledger.sqlite"
    checkins = base / "checkins.csv"
    checkins.write_text(
        "date,worker_id,event\n"
        "2026-07-06,W01,arrival\n2026-07-06,W03,arrival\n2026-07-06,W04,arrival\n"
        "2026-07-06,W05,arrival\n2026-07-06,W06,arrival\n2026-07-08,W02,arrival\n"
        "2026-07-09,W05,departure\n"
    )

    def cli(*args: str) -> None:
        r = CliRunner().invoke(app, list(args))
        assert r.exit_code == 0, r.output

    run = str(tiny_season_run)
    cli("ledger", "import", run, str(checkins), "--ledger", str(led))
    cli(
        "day",
        run,
        "--date",
        "2026-07-07",
        "--ledger",
        str(led),
        "--out",
        str(base / "days" / "2026-07-07"),
    )
    lists = base / "boardings.csv"
    lists.write_text(
        "date,vehicle_id,worker_id,boarded,time\n"
        "2026-07-07,VA1,W01,yes,05:10\n2026-07-07,VA1,W03,yes,05:10\n"
        "2026-07-07,VB1,W04,no,\n2026-07-07,VB1,W05,yes,05:20\n"
    )
    cli("ledger", "import", run, str(lists), "--ledger", str(led))
    out = base / "monitor"
    cli("monitor", run, "--ledger", str(led), "--days", str(base / "days"), "--out", str(out))
    return out
