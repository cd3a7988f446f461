"""CSV files as spreadsheets save them (scenario/csvfile.py): the readings that are sure give the
rows of the clean file, and a scenario saved that way plans byte for byte as the clean one, with
the canonical files in the run's inputs/. The refusals are in tests/bad_inputs/ (test_load.py)."""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from foresterie.core.errors import Problem
from foresterie.scenario.csvfile import read_csv_bytes
from foresterie.scenario.load import FLEET_COLUMNS, FLEET_DECIMALS, WORKER_REQUIRED
from tests.helpers import TINY, cli_ok

FLEET = (TINY / "fleet.csv").read_text("utf-8")
WORKERS = (TINY / "workers.csv").read_text("utf-8-sig")


def semicolons(text: str, decimal_comma: bool = True) -> str:
    """As Italian Excel saves "CSV (delimitato dal separatore di elenco)": `;`, CRLF, and
    `0,38` for 0.38 (the tiny files have no quoted cells, no commas inside a cell)."""
    rows = []
    for line in text.splitlines():
        cells = line.split(",")
        if decimal_comma:
            cells = [c.replace(".", ",") if c.replace(".", "").isdigit() else c for c in cells]
        rows.append(";".join(cells))
    return "\r\n".join(rows) + "\r\n"


def header(text: str, change: Callable[[str], str]) -> str:
    first, rest = text.split("\n", 1)
    return ",".join(change(c) for c in first.split(",")) + "\n" + rest


# name -> (the clean text's variant as bytes, how many lines come before the header)
VARIANTS: dict[str, Callable[[str], tuple[bytes, int]]] = {
    "semicolons_decimal_comma": lambda t: (semicolons(t).encode("utf-8"), 0),
    "semicolons_decimal_point": lambda t: (semicolons(t, False).encode("utf-8"), 0),
    "semicolons_bom": lambda t: (codecs.BOM_UTF8 + semicolons(t).encode("utf-8"), 0),
    "sep_line_semicolon": lambda t: (("sep=;\r\n" + semicolons(t)).encode("utf-8"), 1),
    "sep_line_comma": lambda t: (("sep=,\n" + t).encode("utf-8"), 1),
    "bom_then_sep_line": lambda t: (codecs.BOM_UTF8 + ("sep=;\n" + semicolons(t)).encode(), 1),
    "utf16_le_bom": lambda t: (codecs.BOM_UTF16_LE + t.encode("utf-16-le"), 0),
    "utf16_be_bom": lambda t: (codecs.BOM_UTF16_BE + t.encode("utf-16-be"), 0),
    "utf16_semicolons": lambda t: (codecs.BOM_UTF16_LE + semicolons(t).encode("utf-16-le"), 0),
    "header_upper_case": lambda t: (header(t, str.upper).encode("utf-8"), 0),
    "sep_line_cr_only": lambda t: (("sep=;\r" + semicolons(t).replace("\r\n", "\r")).encode(), 1),
    "header_padded": lambda t: (header(t, lambda c: f"  {c} ").encode("utf-8"), 0),
}


def rows(raw: bytes, required: tuple[str, ...], decimals: tuple[str, ...] = ()) -> list:  # type: ignore[type-arg]
    probs: list[Problem] = []
    got = list(read_csv_bytes(raw, "f.csv", required, probs, office=True, decimals=decimals))
    assert probs == []
    return got


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_sure_reading_gives_the_clean_rows(variant: str) -> None:
    for text, required, decimals in (
        (FLEET, FLEET_COLUMNS, FLEET_DECIMALS),
        (WORKERS, WORKER_REQUIRED, ()),
    ):
        clean = rows(text.encode("utf-8"), required, decimals)
        raw, before = VARIANTS[variant](text)
        got = rows(raw, required, decimals)
        # the same cells, on the same physical lines (a `sep=` line moves them by one)
        assert [(r - before, cells) for r, cells in got] == clean


def test_a_decimal_comma_is_given_back_with_a_point() -> None:
    (_, row), _ = rows(semicolons(FLEET).encode(), FLEET_COLUMNS, FLEET_DECIMALS)
    assert row["cost_eur_per_km"] == "0.38" and row["seats"] == "8"
    # only the decimal columns: a cell elsewhere keeps its comma (and is judged by its own check)
    raw = semicolons(FLEET).replace("VA1;FA;8;", "VA1;FA;8,5;").encode()
    assert rows(raw, FLEET_COLUMNS, FLEET_DECIMALS)[0][1]["seats"] == "8,5"


def test_a_decimal_point_in_a_file_of_points_is_not_ambiguous() -> None:
    raw = semicolons(FLEET, False).replace(";160;", ";1.160;").encode()
    assert rows(raw, FLEET_COLUMNS, FLEET_DECIMALS)[0][1]["fixed_cost_eur_per_day"] == "1.160"


def test_without_office_a_semicolon_file_is_still_refused() -> None:
    """Import files (ops/imports.py) read strictly: the lead decides there."""
    probs: list[Problem] = []
    assert list(read_csv_bytes(semicolons(FLEET).encode(), "f.csv", FLEET_COLUMNS, probs)) == []
    assert [str(p) for p in probs] == [
        "f.csv:1: header: semicolon-separated; export as comma-separated"
    ]


def test_a_semicolon_cell_with_line_breaks_is_not_a_stray_quote() -> None:
    raw = semicolons(WORKERS).replace("Mario Rossì", '"Mario\r\nRossì, detto Mimmo"').encode()
    got = rows(raw, WORKER_REQUIRED)
    assert got[0][1]["name"] == "Mario\r\nRossì, detto Mimmo" and got[1][0] == 4


def test_a_scenario_saved_by_a_spreadsheet_plans_as_the_clean_one(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """workers.csv as UTF-16 with a `sep=;` line and an upper-case header, fleet.csv as Italian
    Excel's semicolons and decimal commas: the plan files and the run's inputs/ (the canonical
    files verify and replay read) are byte for byte the clean run's; verify and replay pass."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    workers = "sep=;\r\n" + semicolons(header(WORKERS, str.upper), decimal_comma=False)
    (folder / "workers.csv").write_bytes(codecs.BOM_UTF16_LE + workers.encode("utf-16-le"))
    (folder / "fleet.csv").write_bytes(semicolons(FLEET).encode("cp1252"))
    run = tmp_path / "run"
    cli_ok("solve", str(folder), "--out", str(run))
    for part in ("plan", "inputs"):
        ours = sorted(p.relative_to(run) for p in (run / part).rglob("*") if p.is_file())
        clean = sorted(p.relative_to(tiny_season_run) for p in (tiny_season_run / part).rglob("*"))
        assert ours == [p for p in clean if (tiny_season_run / p).is_file()]
        for rel in ours:
            assert (run / rel).read_bytes() == (tiny_season_run / rel).read_bytes(), rel
    assert (
        (run / "inputs" / "fleet.csv")
        .read_text("utf-8")
        .splitlines()[1]
        .endswith(",0.38,540,2026-07-01,2026-07-31")
    )
    cli_ok("verify", str(run))
    cli_ok("replay", str(run), "--out", str(tmp_path / "replayed"))


# Windows-1252 (README "Scenario format"): the code page is declared, never guessed.
FARM_NAME = "Società Agricola Lucà"  # à is 0xE0 in Windows-1252
COST_NOTE = "noleggio € 160 al giorno – Lucà"  # € is 0x80, the dash 0x96
REFERRAL = 'W02,2026-07-01,Sportello Antitratta – Lucà,high,"FA;F1"\n'  # quoted: a ; inside


def _office_twin(tmp_path: Path, name: str, encode: Callable[[str], bytes]) -> Path:
    """The tiny scenario with an employer column in workers.csv, a note in fleet.csv (both
    ignored) and a referral record whose body is kept (restricted/referrals.csv), saved by
    Italian Excel: semicolons and decimal commas, each file encoded by `encode`."""
    folder = tmp_path / name
    shutil.copytree(TINY, folder)
    workers = WORKERS.splitlines()
    workers = [workers[0] + ",employer"] + [w + "," + FARM_NAME for w in workers[1:]]
    (folder / "workers.csv").write_bytes(encode(semicolons("\n".join(workers) + "\n", False)))
    fleet = FLEET.splitlines()
    fleet = [fleet[0] + ",note"] + [f + "," + COST_NOTE for f in fleet[1:]]
    (folder / "fleet.csv").write_bytes(encode(semicolons("\n".join(fleet) + "\n")))
    header = "worker_id,referral_date,referring_body,urgency,avoid_sites\n"
    (folder / "referrals.csv").write_bytes(encode(semicolons(header + REFERRAL, False)))
    toml = (folder / "scenario.toml").read_text("utf-8")
    (folder / "scenario.toml").write_text(
        toml.replace('fleet = "fleet.csv"\n', 'fleet = "fleet.csv"\nreferrals = "referrals.csv"\n')
    )
    return folder


def _declare(folder: Path, encoding: str = "windows-1252") -> None:
    toml = (folder / "scenario.toml").read_text("utf-8")
    (folder / "scenario.toml").write_text(
        toml.replace('fleet = "fleet.csv"\n', f'fleet = "fleet.csv"\nencoding = "{encoding}"\n')
    )


def test_a_windows_1252_scenario_plans_as_its_utf8_twin(tmp_path: Path) -> None:
    """Italian Excel on Windows saves its CSV in Windows-1252: declared, it reads to the same
    scenario as its UTF-8 twin (a file with UTF-8's byte-order mark, as Excel's "CSV UTF-8"
    saves, is read as UTF-8 whatever is declared): the plan files, the run's inputs/ (canonical
    UTF-8) and the restricted part are byte for byte the twin's."""
    utf8 = _office_twin(tmp_path, "utf8", lambda t: t.encode("utf-8"))
    cp = _office_twin(tmp_path, "cp1252", lambda t: t.encode("cp1252"))
    assert "é".encode("cp1252") == b"\xe9" and b"\x80" in (cp / "fleet.csv").read_bytes()
    (cp / "referrals.csv").write_bytes(codecs.BOM_UTF8 + (utf8 / "referrals.csv").read_bytes())
    _declare(cp)
    runs = {}
    for folder in (utf8, cp):
        runs[folder.name] = tmp_path / f"run-{folder.name}"
        cli_ok("solve", str(folder), "--out", str(runs[folder.name]))
    a, b = runs["utf8"], runs["cp1252"]
    for part in ("plan", "inputs", "restricted"):
        names = sorted(p.relative_to(a) for p in (a / part).rglob("*") if p.is_file())
        assert names == sorted(p.relative_to(b) for p in (b / part).rglob("*") if p.is_file())
        for rel in names:
            if rel.name == "salt.txt":  # each run draws its own (the key of its digests)
                continue
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    kept = (b / "restricted" / "referrals.csv").read_text("utf-8")
    assert "Sportello Antitratta – Lucà" in kept
    assert "encoding" not in (b / "inputs" / "scenario.toml").read_text("utf-8")
    cli_ok("verify", str(b))
    cli_ok("replay", str(b), "--out", str(tmp_path / "replayed"))


def _without_referrals(folder: Path) -> None:
    """(Their records name workers.csv's ids: an unreadable workers.csv would add a line.)"""
    toml = (folder / "scenario.toml").read_text("utf-8")
    (folder / "scenario.toml").write_text(toml.replace('referrals = "referrals.csv"\n', ""))


def _validate(folder: Path) -> tuple[int, list[str]]:
    from typer.testing import CliRunner

    from foresterie.cli import app

    r = CliRunner().invoke(app, ["validate", str(folder)])
    return r.exit_code, r.stderr.strip().splitlines()


def test_an_undeclared_windows_1252_file_is_refused_with_how_to_declare(tmp_path: Path) -> None:
    folder = _office_twin(tmp_path, "cp1252", lambda t: t.encode("cp1252"))
    code, lines = _validate(folder)
    assert code == 2
    assert lines[0] == (
        "error: fleet.csv:2: note: not UTF-8 (byte 0x80); a spreadsheet saved it in a code page: "
        "if Windows-1252 (Excel's CSV on Windows), declare it with [data] encoding = "
        '"windows-1252" in scenario.toml, or save it as CSV UTF-8'
    )


def test_a_declared_file_with_a_byte_windows_1252_does_not_map_is_refused(
    tmp_path: Path,
) -> None:
    """0x81, 0x8D, 0x8F, 0x90 and 0x9D are no character in Windows-1252: such a file is in
    another code page, named by its line and field, not read into something else."""
    folder = _office_twin(tmp_path, "cp1252", lambda t: t.encode("cp1252"))
    _declare(folder)
    raw = (folder / "workers.csv").read_bytes().split(b"\r\n")
    raw[3] = raw[3].replace(b"Luc\xe0", b"Luc\x81")
    (folder / "workers.csv").write_bytes(b"\r\n".join(raw))
    _without_referrals(folder)
    code, lines = _validate(folder)
    assert (code, lines) == (
        2,
        [
            "error: workers.csv:4: employer: byte 0x81 is no character of windows-1252, the "
            "declared code page: the file is in another one; save it as CSV UTF-8"
        ],
    )


def test_a_utf8_file_declared_windows_1252_is_refused(tmp_path: Path) -> None:
    """UTF-8 without a byte-order mark under a Windows-1252 declaration would read as
    'SocietÃ\xa0': the declaration and the file disagree, and neither reading is sure."""
    folder = _office_twin(tmp_path, "utf8", lambda t: t.encode("utf-8"))
    (folder / "fleet.csv").write_bytes(
        (folder / "fleet.csv").read_bytes().replace(b"\xe2\x82\xac", b"EUR")
    )
    (folder / "fleet.csv").write_bytes(
        (folder / "fleet.csv").read_bytes().replace("–".encode(), b"-").replace("à".encode(), b"a")
    )
    (folder / "referrals.csv").write_bytes(
        (folder / "referrals.csv")
        .read_bytes()
        .replace("–".encode(), b"-")
        .replace("à".encode(), b"a")
    )
    _declare(folder)
    _without_referrals(folder)
    code, lines = _validate(folder)
    assert (code, lines) == (
        2,
        [
            "error: workers.csv:2: name: the file is UTF-8 ('Rossì'), not windows-1252 as "
            "declared ('RossÃ¬'); save it as CSV UTF-8 with a byte-order mark, or in "
            "windows-1252"
        ],
    )


@pytest.mark.parametrize(
    ("bom", "encoding", "expect"),
    [
        (False, "windows-1252", "éx"),
        (
            False,
            "utf-8",
            "f.csv:2: name: not UTF-8 (byte 0xE9); a spreadsheet saved it in a code page: if "
            "Windows-1252 (Excel's CSV on Windows), declare it with [data] encoding = "
            '"windows-1252" in scenario.toml, or save it as CSV UTF-8',
        ),
        # UTF-8's byte-order mark says UTF-8, whatever is declared: bytes that are not are a
        # broken file, not another code page
        *(
            (
                True,
                enc,
                "f.csv:2: name: not UTF-8 (byte 0xE9), yet it begins with UTF-8's byte-order "
                "mark; save it again as CSV UTF-8",
            )
            for enc in ("utf-8", "windows-1252")
        ),
    ],
)
def test_the_declared_code_page_and_the_byte_order_mark(
    bom: bool, encoding: str, expect: str
) -> None:
    raw = (codecs.BOM_UTF8 if bom else b"") + "worker_id,name\nW1,éx\n".encode("cp1252")
    probs: list[Problem] = []
    got = list(read_csv_bytes(raw, "f.csv", ("worker_id",), probs, office=True, encoding=encoding))
    if expect == "éx":  # read, in the code page declared
        assert probs == [] and got[0][1]["name"] == expect
    else:
        assert [str(p) for p in probs] == [expect] and got == []
