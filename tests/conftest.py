"""Shared fixtures: the tiny hand-checkable scenario, copied so tests may edit it. Helpers and
constants live in tests/helpers.py and are imported from there, never from a conftest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import TINY

# The command line speaks the user's locale (core/i18n.py, cli_lang); the tests read its English
# messages whatever the machine's locale. tests/test_cli.py checks Italian in a subprocess.
os.environ["FORESTERIE_LANG"] = "en"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst
