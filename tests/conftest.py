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
