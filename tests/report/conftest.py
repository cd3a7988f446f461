"""Fixtures shared by the report and browser tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import (
    QUOTED_FARM,
    TINY,
    XSS_FARM,
    XSS_HOME,
    XSS_POINT,
    add_depot,
    add_pickup,
    edit_features,
    set_toml,
)

NOTICE_LANGS = ("ar", "fr", "", "en")  # per worker, in turn ("": the scenario's language)


@pytest.fixture(scope="module")
def xss_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with hostile and quoted names, solved through the CLI."""
    base = tmp_path_factory.mktemp("xss")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    edit_features(sc / "farms.geojson", 0, name=XSS_FARM)
    edit_features(sc / "farms.geojson", 1, name=QUOTED_FARM, comune="L'Aquila")
    edit_features(sc / "foresterie.geojson", 0, name=XSS_HOME)
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def pickup_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with a departure point (hostile name) where W07, who has no bed, boards."""
    base = tmp_path_factory.mktemp("pickup")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    add_pickup(sc, name=XSS_POINT)
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def depot_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pickup_run's scenario plus a vehicle depot DP by the point, whose vehicle VD1 serves it."""
    base = tmp_path_factory.mktemp("depot")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    add_depot(sc)
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def lang_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with a `lang` column in workers.csv (ar, fr, none, en in turn)."""
    base = tmp_path_factory.mktemp("lang")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    lines = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ",lang"] + [
        f"{row},{NOTICE_LANGS[i % len(NOTICE_LANGS)]}" for i, row in enumerate(lines[1:])
    ]
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def bed_end_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lang scenario with partial stays, where Borgo Mezzanone (FB, the only family beds)
    closes after the night of 8 July: the family G1 (W04 en, W05 ar; 6-11 July) keeps its beds
    there for the nights of 6, 7 and 8 July and has none for the 9th and 10th."""
    base = tmp_path_factory.mktemp("bed-end")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    lines = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ",lang"] + [
        f"{row},{NOTICE_LANGS[i % len(NOTICE_LANGS)]}" for i, row in enumerate(lines[1:])
    ]
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    edit_features(sc / "foresterie.geojson", 1, open_to="2026-07-08")
    set_toml(sc, "max_commute_min = 60", "max_commute_min = 60\npartial_stays = true")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def two_seat_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with two seats a vehicle: riders are left behind (unserved.csv)."""
    base = tmp_path_factory.mktemp("two-seat")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    (sc / "fleet.csv").write_text(
        (sc / "fleet.csv").read_text(encoding="utf-8").replace(",8,160,", ",2,160,"),
        encoding="utf-8",
    )
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out
