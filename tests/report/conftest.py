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


def _add_langs(sc: Path) -> None:
    """A `lang` column in the scenario's workers.csv: NOTICE_LANGS in turn."""
    lines = (sc / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0] + ",lang"] + [
        f"{row},{NOTICE_LANGS[i % len(NOTICE_LANGS)]}" for i, row in enumerate(lines[1:])
    ]
    (sc / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def lang_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario with a `lang` column in workers.csv (ar, fr, none, en in turn)."""
    base = tmp_path_factory.mktemp("lang")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    _add_langs(sc)
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _partial_stays_run(base: Path, **fb_dates: str) -> Path:
    """The lang scenario with partial stays and Borgo Mezzanone (FB) open on `fb_dates`,
    solved through the CLI."""
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    _add_langs(sc)
    edit_features(sc / "foresterie.geojson", 1, **fb_dates)
    set_toml(sc, "max_commute_min = 60", "max_commute_min = 60\npartial_stays = true")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def bed_end_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lang scenario with partial stays, where Borgo Mezzanone (FB, the only family beds)
    closes after the night of 8 July: the family G1 (W04 en, W05 ar; 6-11 July) keeps its beds
    there for the nights of 6, 7 and 8 July and has none for the 9th and 10th."""
    return _partial_stays_run(tmp_path_factory.mktemp("bed-end"), open_to="2026-07-08")


@pytest.fixture(scope="module")
def bed_start_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lang scenario with partial stays, where Borgo Mezzanone (FB, the only family beds)
    opens on 8 July: the family G1 (W04 en, W05 ar; 6-11 July) has no bed for the nights of 6
    and 7 July and its beds there from the night of the 8th."""
    return _partial_stays_run(tmp_path_factory.mktemp("bed-start"), open_from="2026-07-08")


@pytest.fixture(scope="module")
def day_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day run of the tiny season with a departure point PX, on Tuesday 7 July 2026: W01,
    W02, W03 ride from FA, the family W04, W05 from FB, whose only vehicle VB1 broke down (FB
    is served from FA that day, whose van runs its season trips: left without a ride), and W06
    (no bed) booked a ride to F1 from PX: 6 riders, 5 from a foresteria, 1 from a departure
    point."""
    base = tmp_path_factory.mktemp("day")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    add_pickup(sc)
    season = base / "season"
    runner = CliRunner()
    r = runner.invoke(app, ["solve", str(sc), "--out", str(season)])
    assert r.exit_code == 0, r.output
    (base / "bookings.csv").write_text(
        "date,worker_id,action,origin,farm_id\n2026-07-07,W06,book,PX,F1\n", encoding="utf-8"
    )
    (base / "incidents.csv").write_text(
        "date,vehicle_id,incident,note\n2026-07-07,VB1,breakdown,tyre\n", encoding="utf-8"
    )
    ledger = str(base / "ledger.sqlite")
    for name in ("bookings.csv", "incidents.csv"):
        r = runner.invoke(
            app, ["ledger", "import", str(season), str(base / name), "--ledger", ledger]
        )
        assert r.exit_code == 0, r.output
    out = base / "2026-07-07"
    r = runner.invoke(
        app, ["day", str(season), "--date", "2026-07-07", "--ledger", ledger, "--out", str(out)]
    )
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


@pytest.fixture(scope="module")
def no_ride_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lang scenario (W01 ar, W02 fr, W03 the report's, W04 en, W05 ar) with Tenuta Ficora
    (F2) named with markup, where FB's only vehicle VB1 runs from 8 to 10 July and FA's VA1
    leaves after 10 July: on 6 and 7 July FB is served from FA, whose van carries FA's three,
    so the family W04, W05 (F2) has no ride (vehicles busy) and rides from the 8th; with no
    vehicle anywhere from the 11th, W01, W02 (F1) and W03 (F2) have none on 11 July, nor later
    (F1 rests on Sunday the 12th)."""
    base = tmp_path_factory.mktemp("no-ride")
    sc = base / "tiny"
    shutil.copytree(TINY, sc)
    _add_langs(sc)
    edit_features(sc / "farms.geojson", 1, name=XSS_FARM)
    fleet = (sc / "fleet.csv").read_text(encoding="utf-8")
    fleet = fleet.replace(
        "FA,8,160,0.38,540,2026-07-01,2026-07-31", "FA,8,160,0.38,540,2026-07-01,2026-07-10"
    )
    fleet = fleet.replace(
        "FB,8,160,0.38,540,2026-07-01,2026-07-31", "FB,8,160,0.38,540,2026-07-08,2026-07-10"
    )
    (sc / "fleet.csv").write_text(fleet, encoding="utf-8")
    out = base / "run"
    r = CliRunner().invoke(app, ["solve", str(sc), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out
