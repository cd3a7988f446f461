"""Shared fixtures: the tiny hand-checkable scenario, copied so tests may edit it. Helpers and
constants live in tests/helpers.py and are imported from there, never from a conftest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import TINY


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst
