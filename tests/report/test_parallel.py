"""The driver sheets written by a lent pool's workers (core/procs.lending, as `solve` lends the
verifier's pool) are the serial report's files, byte for byte; a failure among them is the
serial report's failure."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from foresterie.core.files import unpublished
from foresterie.core.i18n import lang
from foresterie.core.procs import lending, worker_pool
from foresterie.core.runfolder import report_files
from foresterie.report.html import SHEET_CHUNKS, write_report
from foresterie.report.rundata import load_run
from foresterie.report.sheets import SheetSeason, sheet_chunks, sheet_days, write_day_sheets


def _copy(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    shutil.rmtree(to / "report")
    (to / "report").mkdir()
    return to


def _files(run: Path) -> dict[str, bytes]:
    root = run / "report"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("fixture", ["lang_run", "pickup_run"])
def test_sheets_written_by_workers_are_the_serial_reports_bytes(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run: Path = request.getfixturevalue(fixture)
    serial, parallel = _copy(run, tmp_path / "serial"), _copy(run, tmp_path / "parallel")
    said_serial: list[str] = []
    said_parallel: list[str] = []
    write_report(serial, say=said_serial.append)
    chunks = sheet_chunks(sheet_days(load_run(parallel)), SHEET_CHUNKS)
    assert len(chunks) > 1  # the days really are cut among jobs
    with worker_pool(2) as pool, lending(pool):
        write_report(parallel, say=said_parallel.append)
    a, b = _files(serial), _files(parallel)
    assert any(name.startswith("drivers/") and name.endswith(".gpx") for name in a)
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []
    assert report_files(serial) == report_files(parallel)  # report.json's hashes
    assert (serial / "report.json").read_bytes() == (parallel / "report.json").read_bytes()
    assert said_serial == said_parallel and "driver sheets" in said_serial[0]


def test_chunks_cover_every_day_once_in_date_order(lang_run: Path) -> None:
    by_day = sheet_days(load_run(lang_run))
    for n in (1, 2, 3, len(by_day), len(by_day) + 5):
        chunks = sheet_chunks(by_day, n)
        assert [d for c in chunks for d in c] == list(by_day) == sorted(by_day)
        assert len(chunks) <= n and all(chunks)


def _sabotaged(run: Path, to: Path) -> tuple[Path, str]:
    """A copy whose last day's driver folder cannot be made: a file stands where it goes."""
    copy = _copy(run, to)
    last = list(sheet_days(load_run(copy)))[-1]
    (copy / "report" / "drivers").mkdir()
    (copy / "report" / "drivers" / last).write_text("in the way", encoding="utf-8")
    return copy, last


def test_a_failing_sheet_in_a_worker_fails_the_report_as_the_serial_one_does(
    lang_run: Path, tmp_path: Path
) -> None:
    serial, last = _sabotaged(lang_run, tmp_path / "serial")
    parallel, _ = _sabotaged(lang_run, tmp_path / "parallel")
    with pytest.raises(OSError) as in_line:
        write_report(serial)
    with worker_pool(2) as pool, lending(pool), pytest.raises(OSError) as in_worker:
        write_report(parallel)
    assert type(in_worker.value) is type(in_line.value)
    assert str(in_worker.value) == str(in_line.value).replace("/serial/", "/parallel/")
    assert last in str(in_worker.value)
    assert "Traceback" in str(in_worker.value.__cause__)  # the worker's own traceback
    for copy in (serial, parallel):  # the failed report is not vouched for
        assert (copy / "report.json").read_bytes() == (lang_run / "report.json").read_bytes()


@pytest.mark.parametrize("lent", [False, True])
def test_report_json_hashes_the_files_as_they_are_on_disk(
    lent: bool, lang_run: Path, tmp_path: Path
) -> None:
    """The sheets' hashes are taken from the bytes written (page.write_hashed), in this process
    or in the workers; report.json must still be every file's sha256 as read from disk, a file
    of an earlier report left in a day's folder included (read and hashed there)."""
    run = _copy(lang_run, tmp_path / "run")
    day = sorted(sheet_days(load_run(run)))[0]
    stale = run / "report" / "drivers" / day / "GONE.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<p>a vehicle of an earlier report</p>\n", encoding="utf-8")
    if lent:
        with worker_pool(2) as pool, lending(pool):
            write_report(run)
    else:
        write_report(run)
    files = json.loads((run / "report.json").read_text(encoding="utf-8"))["files"]
    on_disk = {
        p.relative_to(run / "report").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (run / "report").rglob("*")
        if p.is_file()
    }
    assert files == on_disk
    assert f"drivers/{day}/GONE.html" in files and len(files) > 20


@pytest.mark.parametrize("lent", [False, True])
def test_an_unpublished_reports_sheets_written_once_are_the_replaced_ones_bytes(
    lent: bool, lang_run: Path, tmp_path: Path
) -> None:
    """In an unpublished run folder (core/files.unpublished: solve's, before it is published)
    the new drivers/ is written with one open and one write per file (write_new) by this process
    or the lent pool's workers: the same files and report.json as an atomic replace per file,
    and as the report `solve` published."""
    replaced, once = _copy(lang_run, tmp_path / "replaced"), _copy(lang_run, tmp_path / "once")
    write_report(replaced)
    with unpublished(once):
        if lent:
            with worker_pool(2) as pool, lending(pool):
                write_report(once)
        else:
            write_report(once)
    a, b = _files(replaced), _files(once)
    assert sum(name.startswith("drivers/") for name in a) > 20
    assert sorted(a) == sorted(b) == sorted(_files(lang_run))
    assert [name for name in a if a[name] != b[name] or a[name] != _files(lang_run)[name]] == []
    assert (replaced / "report.json").read_bytes() == (once / "report.json").read_bytes()
    assert (once / "report.json").read_bytes() == (lang_run / "report.json").read_bytes()


def test_a_day_written_once_refuses_a_folder_already_there(lang_run: Path, tmp_path: Path) -> None:
    """`fresh` is for new folders only: a day's folder already there (an earlier report's) is an
    error, never written into; without `fresh` the day is replaced file by file, as before."""
    run = load_run(_copy(lang_run, tmp_path / "run"))
    out = run.root / "report" / "drivers"
    day, group = next(iter(sheet_days(run).items()))
    season = SheetSeason.of(run, lang(run.scenario.config.report.lang))
    (out / day).mkdir(parents=True)
    (out / day / "index.html").write_text("an earlier report's", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_day_sheets(run, season, out, day, group, fresh=True)
    written = write_day_sheets(run, season, out, day, group)
    pages = len(season.pages.get(day, []))  # each vehicle's three files, two of the day's, notices
    assert "index.html" in written and len(written) == 3 * len(group) + 2 + pages
    assert (out / day / "index.html").read_text(encoding="utf-8") != "an earlier report's"
