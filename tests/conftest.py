"""Shared fixtures: the tiny hand-checkable scenario, copied so tests may edit it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    dst = tmp_path / "tiny"
    shutil.copytree(TINY, dst)
    return dst


def write_workers(folder: Path, rows: list[str]) -> None:
    header = (
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,pinned_foresteria"
    )
    (folder / "workers.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def edit_features(path: Path, index: int, **props: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][index]["properties"].update(props)
    path.write_text(json.dumps(data), encoding="utf-8")


def set_toml(folder: Path, old: str, new: str) -> None:
    p = folder / "scenario.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new), encoding="utf-8")
