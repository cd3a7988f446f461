"""report/ is part of what a run vouches for (review 10, findings 1 and 11): the sheets, slips,
GPX, CSV and pages people act on are hashed in report.json once written, checked by `verify`,
refused by the exports that hand them out when they do not match, compared by `replay` (the
report is byte-stable), and refreshed by a legitimate `foresterie report RUN`."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY

SHEET = "report/drivers/2026-07-07/VA1.html"
SLIPS = "report/drivers/2026-07-07/VA1-notices.html"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "tiny"
    r = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


def _cli(*args: str | Path) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def _replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def go(run: Path) -> None:
        p = run / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new), encoding="utf-8")

    return go


def _first_departure_one_hour_late(run: Path) -> None:
    """The review's forgery: the sheet's first departure and the riders' slips an hour late."""
    _replace(SHEET, "05:08", "06:08")(run)
    _replace(SLIPS, "05:08", "06:08")(run)


def _move_gpx(run: Path) -> None:
    p = run / "report/drivers/2026-07-07/VA1.gpx"
    text = p.read_text(encoding="utf-8")
    at = text.index('lat="41.') + len('lat="4')
    p.write_text(text[:at] + "2" + text[at + 1 :], encoding="utf-8")  # 41.x -> 42.x: a degree


def _listing_lang(lang: str) -> Callable[[Path], None]:
    """report.json's language changed and nothing else (review 13: verify passed it)."""

    def go(run: Path) -> None:
        listing = json.loads((run / "report.json").read_text(encoding="utf-8"))
        listing["lang"] = lang
        (run / "report.json").write_text(json.dumps(listing), encoding="utf-8")

    return go


def test_a_solved_run_hashes_every_report_file(run_dir: Path) -> None:
    listing = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    here = sorted(
        p.relative_to(run_dir / "report").as_posix()
        for p in (run_dir / "report").rglob("*")
        if p.is_file()
    )
    assert sorted(listing["files"]) == here and len(here) > 40
    for rel, digest in listing["files"].items():
        assert hashlib.sha256((run_dir / "report" / rel).read_bytes()).hexdigest() == digest
    assert listing["lang"] == "it" and listing["sheets"] is True
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["report_hashes"] == "report.json"
    r = _cli("verify", run_dir)
    assert r.exit_code == 0 and r.stdout.strip() == f"ok: {run_dir}: every check passed"


@pytest.mark.parametrize(
    ("forge", "expect"),
    [
        (
            _listing_lang("en"),
            ["report.json: lang 'en' but report/index.html is in 'it' (and {more} more pages)"],
        ),
        (_listing_lang("de"), ["report.json: lang: 'de' is not one of it, en"]),
        (
            _first_departure_one_hour_late,
            [
                f"report file changed after it was written: {SLIPS} (hash differs from "
                "report.json)",
                f"report file changed after it was written: {SHEET} (hash differs from "
                "report.json)",
            ],
        ),
        (
            lambda run: (run / "report/drivers/2026-07-08/VB1.html").unlink(),
            ["report file missing: report/drivers/2026-07-08/VB1.html (listed in report.json)"],
        ),
        (
            lambda run: (run / "report/drivers/2026-07-08/extra.html").write_text("<p>pay me"),
            ["report file not in report.json: report/drivers/2026-07-08/extra.html"],
        ),
        (
            _replace("report/drivers/2026-07-09/drivers.csv", "VA1", "VZ1"),
            [
                "report file changed after it was written: report/drivers/2026-07-09/drivers.csv "
                "(hash differs from report.json)"
            ],
        ),
        (
            _move_gpx,
            [
                "report file changed after it was written: report/drivers/2026-07-07/VA1.gpx "
                "(hash differs from report.json)"
            ],
        ),
        (
            _replace("report/index.html", "<h1>", "<h1>1.903 accolti "),
            [
                "report file changed after it was written: report/index.html (hash differs from "
                "report.json)"
            ],
        ),
        (
            _replace("report/people.html", "W06", "W99"),
            [
                "report file changed after it was written: report/people.html (hash differs from "
                "report.json)"
            ],
        ),
        (
            lambda run: (run / "report/map2.html").symlink_to(run / "report/map.html"),
            ["report file not a regular file: report/map2.html (a link or special)"],
        ),
    ],
    ids=[
        "lang-other",
        "lang-unknown",
        "sheet-time",
        "sheet-deleted",
        "extra-file",
        "drivers-csv",
        "gpx",
        "index",
        "people",
        "link",
    ],
)
def test_verify_refuses_each_forgery_of_the_report(
    run_dir: Path, tmp_path: Path, forge: Callable[[Path], None], expect: list[str]
) -> None:
    run = _copy(run_dir, tmp_path)
    forge(run)
    r = _cli("verify", run)
    assert r.exit_code == 1, r.output
    more = sum(1 for _ in (run / "report").rglob("*.html")) - 1  # every page is in Italian
    assert [x for x in r.stdout.splitlines() if x.startswith("violation:")] == [
        f"violation: {e.replace('{more}', str(more))}" for e in expect
    ]


def test_exports_refuse_a_forged_report_and_hand_out_a_clean_one(
    run_dir: Path, tmp_path: Path
) -> None:
    run = _copy(run_dir, tmp_path)
    for role in ("driver", "operator"):
        assert _cli("export", run, "--role", role, "--out", tmp_path / role).exit_code == 0
    _first_departure_one_hour_late(run)
    for role in ("driver", "operator"):
        out = tmp_path / f"{role}-forged"
        r = _cli("export", run, "--role", role, "--out", out)
        assert r.exit_code == 2 and not out.exists()
        assert r.stderr.splitlines() == [
            f"error: {SLIPS}: report: changed (sha256 differs from report.json) (and 1 more): "
            "the report is not what the run vouches for; `foresterie verify RUN` lists every "
            "file; remove report/ and `foresterie report RUN` writes it anew"
        ]
    assert _cli("export", run, "--role", "public", "--out", tmp_path / "public").exit_code == 0


def test_report_in_another_language_is_vouched_for(run_dir: Path, tmp_path: Path) -> None:
    run = _copy(run_dir, tmp_path)
    r = _cli("report", run, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert (run / "report/index.html").read_text(encoding="utf-8") != (
        run_dir / "report/index.html"
    ).read_text(encoding="utf-8")
    assert json.loads((run / "report.json").read_text(encoding="utf-8"))["lang"] == "en"
    assert _cli("verify", run).stdout.strip() == f"ok: {run}: every check passed"
    # a map added to the report is vouched for too
    assert _cli("map", run, "--day", "2026-07-07").exit_code == 0
    assert "map-2026-07-07.html" in (run / "report.json").read_text(encoding="utf-8")
    assert "<html lang='en'" in (run / "report/map-2026-07-07.html").read_text(encoding="utf-8")
    assert _cli("verify", run).exit_code == 0
    # a map in another language than the report's is not added to it (replay would write it
    # in the report's), but may be written elsewhere
    r = _cli("map", run, "--day", "2026-07-08", "--lang", "it")
    assert r.exit_code == 2 and not (run / "report/map-2026-07-08.html").exists()
    assert r.stderr.startswith("error: --lang: lang: 'it': the report of ")
    assert _cli("map", run, "--lang", "it", "--out", tmp_path / "it.html").exit_code == 0
    assert _cli("verify", run).exit_code == 0


def test_rewriting_the_report_never_vouches_for_a_forgery(run_dir: Path, tmp_path: Path) -> None:
    """`report` and `map` hash what is there: a forged sheet (kept by --no-sheets) or a file
    slipped in must not become part of the run by the way."""
    run = _copy(run_dir, tmp_path)
    _first_departure_one_hour_late(run)
    r = _cli("report", run, "--no-sheets")
    assert r.exit_code == 2 and r.stderr.startswith(f"error: {SLIPS}: report: changed")
    assert _cli("map", run, "--day", "2026-07-07").exit_code == 0
    assert _cli("verify", run).exit_code == 1  # the forged sheet is still not vouched for
    shutil.rmtree(run / "report")  # the way out: the report written anew from the plan
    assert _cli("report", run, "--no-sheets").exit_code == 0
    r = _cli("verify", run)
    assert r.exit_code == 0 and r.stdout.splitlines() == [
        "not checked: report/drivers/: no driver sheets, worker slips or no-ride notices (the "
        "report was written with --no-sheets)",
        f"ok: {run}: every other check passed (1 not checked)",
    ]


def test_replay_catches_a_forgery_re_hashed_in_report_json(run_dir: Path, tmp_path: Path) -> None:
    """The report is byte-stable: a replay writes it again and compares every file, so a
    forger who also rewrites report.json (which verify then accepts) is caught."""
    r = _cli("replay", run_dir, "--out", tmp_path / "clean")
    assert r.exit_code == 0 and "report/: 55 files compared" in r.stdout
    run = _copy(run_dir, tmp_path)
    _replace(SHEET, "05:08", "06:08")(run)
    listing = json.loads((run / "report.json").read_text(encoding="utf-8"))
    rel = SHEET.removeprefix("report/")
    listing["files"][rel] = hashlib.sha256((run / SHEET).read_bytes()).hexdigest()
    (run / "report.json").write_text(json.dumps(listing), encoding="utf-8")
    assert _cli("verify", run).exit_code == 0
    r = _cli("replay", run, "--out", tmp_path / "re")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"differs: {SHEET}: line ") and "06:08" in lines[0]
    assert "1 report files differ" in lines


def test_a_run_without_report_json_says_what_it_has(run_dir: Path, tmp_path: Path) -> None:
    run = _copy(run_dir, tmp_path)
    (run / "report.json").unlink()
    r = _cli("verify", run)
    assert r.exit_code == 1 and r.stdout.splitlines()[0] == (
        "violation: report listing missing: report.json (the manifest says the report's hashes "
        "are there): nothing vouches for report/"
    )
    # A run from before report.json reads exactly like one whose listing and its name in the
    # manifest were both removed: a forged sheet there is vouched for by nothing.
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    del manifest["report_hashes"]
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _first_departure_one_hour_late(run)
    (run / "report/drivers/2026-07-07/extra.html").write_text("<p>forged</p>", encoding="utf-8")
    n = sum(1 for p in (run / "report").rglob("*") if p.is_file())
    r = _cli("verify", run)
    assert r.exit_code == 1 and r.stdout.splitlines()[0] == (
        f"violation: report/ not vouched for: {n} files and no report.json; `foresterie report "
        "RUN` writes the report anew and hashes it"
    )
    for role in ("driver", "operator"):  # nothing unvouched is handed out
        r = _cli("export", run, "--role", role, "--out", tmp_path / role)
        assert r.exit_code == 2 and "not listed (no report.json)" in r.output, r.output
    # `report` writes the whole report anew in an emptied folder: the forgeries are not adopted.
    r = _cli("report", run)
    assert r.exit_code == 0, r.output
    assert not (run / "report/drivers/2026-07-07/extra.html").exists()
    assert (run / SHEET).read_bytes() == (run_dir / SHEET).read_bytes()
    r = _cli("verify", run)
    assert r.exit_code == 0 and r.stdout.strip() == f"ok: {run}: every check passed", r.stdout


def test_an_empty_report_folder_without_listing_is_not_checked(
    run_dir: Path, tmp_path: Path
) -> None:
    run = _copy(run_dir, tmp_path)
    (run / "report.json").unlink()
    shutil.rmtree(run / "report")
    (run / "report").mkdir()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    del manifest["report_hashes"]
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    r = _cli("verify", run)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == (
        "not checked: report/: no report written yet (`foresterie report RUN` writes one)"
    )


def test_a_run_with_no_report_says_so(run_dir: Path, tmp_path: Path) -> None:
    """A replay writes no report of its own unless asked (pipeline.replay without a writer)."""
    from foresterie.run.pipeline import replay

    out = tmp_path / "bare"
    assert replay(run_dir, out) == []
    assert not any((out / "report").iterdir())
    r = _cli("verify", out)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == (
        "not checked: report/: no report written yet (`foresterie report RUN` writes one)"
    )


@pytest.mark.parametrize("schema", ["foresterie-run/99", None])
def test_verify_refuses_a_schema_it_does_not_read(
    run_dir: Path, tmp_path: Path, schema: str | None
) -> None:
    run = _copy(run_dir, tmp_path)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["schema"] = schema
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    r = _cli("verify", run)
    assert r.exit_code == 2 and r.stderr.splitlines() == [
        f"error: {run}: unreadable run folder: manifest.json: schema {str(schema)!r} is not one "
        "this verifier reads (foresterie-run/1)"
    ]
