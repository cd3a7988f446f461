"""Ledger imports: every kind of file read into events; a catalogue of bad files (one folder per
defect under tests/ops/bad_imports/), each with its exact file:row: field: message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from foresterie.core.errors import ScenarioError
from foresterie.ops.imports import Season, file_kind, read_events
from foresterie.ops.ledger import Event

BAD = Path(__file__).resolve().parent / "bad_imports"
SEASON = Season(
    start=date(2026, 7, 1),
    end=date(2026, 7, 31),
    workers=frozenset({"W01", "W02"}),
    farms=frozenset({"F1", "F2"}),
    vehicles=frozenset({"VA1", "VB1"}),
    foresterie=frozenset({"FA", "FB"}),
    pickups=frozenset({"PX"}),
)

EXPECTED = {
    "bad_leg": "bookings.csv:2: leg: 'both' is not one of out, back, round",
    "bad_scan_time": "scans.csv:2: scanned_at: 'yesterday' is not a date and time YYYY-MM-DDTHH:MM",
    "bad_time": "boardings.csv:2: time: '6.10' is not a time HH:MM; write 06:10",
    "boarded_not_yes_no": "boardings.csv:2: boarded: 'forse' is not yes or no (sì/no, VERO/FALSO)",
    "date_ddmmyyyy": "bookings.csv:2: date: date '07/07/2026' is dd/mm/yyyy; write ISO 2026-07-07",
    "date_outside_season": "checkins.csv:2: date: 2026-08-02 is outside the season 2026-07-01..2026-07-31",
    "not_an_import_file": "notes.csv:1: header: not an import file; the columns must be "
    "checkins: date, worker_id, event; bookings: date, worker_id, action; boardings: date, "
    "vehicle_id, worker_id, boarded; scans: worker_id, scanned_at; incidents: date, "
    "vehicle_id, incident",
    "origin_not_a_foresteria": "bookings.csv:2: origin: 'F1' is not a foresteria or departure point of the season run",
    "ragged_row": "checkins.csv:3: row: 2 cells, header has 3",
    "tab_separated": 'boardings.csv:1: header: the file looks tab-separated (Excel "Unicode '
    'text"?); save as CSV UTF-8',
    "unknown_event": "checkins.csv:2: event: 'arrivo' is not one of arrival, departure, absent, move, "
    "move_without_ride",
    "move_to_unknown_foresteria": "checkins.csv:2: foresteria_id: 'FZ' is not a foresteria of the season run",
    "foresteria_on_an_arrival": "checkins.csv:3: foresteria_id: only a move request names a foresteria, not 'arrival'",
    "unknown_farm": "bookings.csv:2: farm_id: 'F9' is not a farm of the season run",
    "unknown_vehicle": "incidents.csv:2: vehicle_id: 'VZ9' is not a vehicle of the season run",
    "unknown_worker": "checkins.csv:3: worker_id: 'W99' is not a worker of the season run",
    # beyond the csv module's field limit (128 KiB): a crash before, now one line
    "header_cell_huge": "checkins.csv:1: header: unreadable CSV: field larger than field limit (131072)",
    "cell_huge": "checkins.csv:2: row: unreadable CSV: field larger than field limit (131072)",
    # session 20, S: a scan without its time was a boarding at 00:00 (Italian Excel's 06/07/2026
    # in a semicolon file, read as the day); an offset past year 1 on Puglia's clock a traceback
    "scan_without_time": "scans.csv:2: scanned_at: '2026-07-06' has no time; write YYYY-MM-DDTHH:MM",
    "scan_offset_beyond_the_calendar": "scans.csv:3: scanned_at: '0001-01-01T00:00+01:00' is "
    "outside the season 2026-07-01..2026-07-31",
    # daily sheets joined into one file: the header again is one line, not three cells refused
    "files_joined": "checkins.csv:3: row: the header again (files joined into one?): remove this line",
    # a required column misspelt: said as a near miss, not "not an import file"
    "required_column_misspelt": "checkins.csv:1: worker: unknown column; did you mean worker_id?",
    # the workbook sent instead of its CSV: "header only, no data rows" before
    "workbook_not_csv": "checkins.csv: file: an Excel 97-2003 workbook (.xls), not CSV text: "
    "save it as CSV UTF-8",
    # a NUL PostgreSQL refuses at the append, a line break that splits the ledger's one-line views
    "note_control_character": "incidents.csv:2: note: control character U+0000 in 'clutch\\x00 "
    "gone'; remove it",
}


def test_catalogue_is_complete() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_bad_import_file(defect: str) -> None:
    (path,) = (BAD / defect).iterdir()
    with pytest.raises(ScenarioError) as exc:
        read_events(path, SEASON)
    assert str(exc.value.problems[0]) == EXPECTED[defect]


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "checkins.csv"
    f.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n2026-07-40,W09,gone\n")
    with pytest.raises(ScenarioError) as exc:
        read_events(f, SEASON)
    assert [str(p) for p in exc.value.problems] == [
        "checkins.csv:3: date: date '2026-07-40': there is no day 40 in 2026-07",
        "checkins.csv:3: event: 'gone' is not one of arrival, departure, absent, move, "
        "move_without_ride",
        "checkins.csv:3: worker_id: 'W09' is not a worker of the season run",
    ]


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ("2026-07-06,VA1,breakdown,a,b\n", ["incidents.csv:2: row: 5 cells, header has 4"]),
        ("x" * 5000 + "\n", ["incidents.csv:2: date: 5,000 characters, more than 4096"]),
        ("\n ,,, \n", ["incidents.csv: file: header only, no data rows"]),
    ],
)
def test_a_file_whose_only_rows_are_bad_says_only_that(
    tmp_path: Path, rows: str, said: list[str]
) -> None:
    """Review 10, finding 6: a file whose one row is ragged said "header only, no data rows"
    first, which the next line contradicted; a file of blank rows is still "header only"."""
    f = tmp_path / "incidents.csv"
    f.write_text("date,vehicle_id,incident,note\n" + rows)
    with pytest.raises(ScenarioError) as exc:
        read_events(f, SEASON)
    assert [str(p) for p in exc.value.problems] == said


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_each_kind(tmp_path: Path) -> None:
    d = date(2026, 7, 7)
    cases = {
        "checkins": (
            "date,worker_id,event\n2026-07-07,W01,absent\n",
            Event(kind="absent", day=d, worker_id="W01", source="checkins.csv:2"),
        ),
        "bookings": (
            "date,worker_id,action,leg,farm_id,origin,booked_by\n2026-07-07,W02,book,out,F2,FB,farm\n",
            Event(
                kind="booking",
                day=d,
                worker_id="W02",
                farm_id="F2",
                origin="FB",
                leg="out",
                booked_by="farm",
                source="bookings.csv:2",
            ),
        ),
        "boardings": (
            "date,vehicle_id,worker_id,boarded,time\n2026-07-07,VA1,W01,no,\n",
            Event(
                kind="no_show", day=d, worker_id="W01", vehicle_id="VA1", source="boardings.csv:2"
            ),
        ),
        "scans": (
            "worker_id,scanned_at\nW01,2026-07-07T06:12:31\n",
            Event(kind="boarding", day=d, worker_id="W01", at_time="06:12", source="scans.csv:2"),
        ),
        "incidents": (
            "date,vehicle_id,incident,note\n2026-07-07,VB1,breakdown,gearbox\n",
            Event(
                kind="breakdown", day=d, vehicle_id="VB1", note="gearbox", source="incidents.csv:2"
            ),
        ),
    }
    for kind, (text, event) in cases.items():
        path = _write(tmp_path, f"{kind}.csv", text)
        assert file_kind(path) == kind
        assert read_events(path, SEASON) == [event]
        # ... and as Italian Excel saves it: `sep=;`, semicolons, upper-case header, UTF-16 BOM
        head, _, rest = text.partition("\n")
        office = f"sep=;\n{head.upper().replace(',', ' ; ')}\n{rest.replace(',', ';')}"
        path.write_bytes(office.encode("utf-16"))
        assert file_kind(path) == kind
        moved = replace(event, source=event.source.replace(":2", ":3"))  # the sep= line first
        assert read_events(path, SEASON) == [moved]


def test_booking_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, "b.csv", "date,worker_id,action\n2026-07-07,W01,cancel\n")
    (ev,) = read_events(path, SEASON)
    assert (ev.kind, ev.leg, ev.booked_by, ev.farm_id, ev.origin) == (
        "cancellation",
        "round",
        "worker",
        "",
        "",
    )


def test_booking_from_a_departure_point(tmp_path: Path) -> None:
    path = _write(tmp_path, "b.csv", "date,worker_id,action,origin\n2026-07-07,W01,book,PX\n")
    (ev,) = read_events(path, SEASON)
    assert (ev.kind, ev.origin) == ("booking", "PX")


def test_move_requests(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.csv",
        "date,worker_id,event,foresteria_id\n2026-07-07,W01,move,FB\n2026-07-08,W02,move,\n",
    )
    assert [(e.kind, e.worker_id, e.origin) for e in read_events(path, SEASON)] == [
        ("move_request", "W01", "FB"),
        ("move_request", "W02", ""),
    ]


# An incident noted in the office's spreadsheet, saved by Italian Excel on Windows (Windows-1252:
# à is 0xE0, € 0x80): README "Scenario format"; the code page is declared, never guessed.
NOTE = "gomma a terra – officina Lucà, € 80"
INCIDENTS = f"date;vehicle_id;incident;note\r\n2026-07-07;VB1;breakdown;{NOTE}\r\n"


def test_a_windows_1252_import_is_read_when_declared(tmp_path: Path) -> None:
    cp = _write(tmp_path, "cp.csv", "")
    cp.write_bytes(INCIDENTS.encode("cp1252"))
    twin = _write(tmp_path, "twin.csv", "")
    twin.write_bytes(INCIDENTS.encode("utf-8"))
    assert file_kind(cp, "windows-1252") == "incidents"
    got = read_events(cp, SEASON, "windows-1252")
    assert [replace(e, source="") for e in got] == [
        replace(e, source="") for e in read_events(twin, SEASON)
    ]
    assert got[0].note == NOTE
    with pytest.raises(ScenarioError) as exc:  # undeclared: refused, with how to declare it
        read_events(cp, SEASON)
    assert [str(p) for p in exc.value.problems] == [
        "cp.csv:2: note: not UTF-8 (byte 0x96); a spreadsheet saved it in a code page: if "
        "Windows-1252 (Excel's CSV on Windows), declare it with --encoding windows-1252, or save "
        "it as CSV UTF-8"
    ]
    cp.write_bytes(cp.read_bytes().replace(b"\x80", b"\x8d"))  # no character in Windows-1252
    with pytest.raises(ScenarioError) as exc:
        read_events(cp, SEASON, "windows-1252")
    assert [str(p) for p in exc.value.problems] == [
        "cp.csv:2: note: byte 0x8D is no character of windows-1252, the declared code page: "
        "the file is in another one; save it as CSV UTF-8"
    ]


def test_ledger_import_takes_the_declared_encoding(tiny_season_run: Path, tmp_path: Path) -> None:
    """`ledger import --encoding windows-1252` appends the note as the office wrote it; an
    undeclared file or an unknown code page: one line, exit 2, nothing written."""
    import shutil
    import sqlite3

    from typer.testing import CliRunner

    from foresterie.cli import app

    run = tmp_path / "tiny"
    shutil.copytree(tiny_season_run, run)
    led = tmp_path / "ledger.sqlite"
    f = tmp_path / "incidents.csv"
    f.write_bytes(INCIDENTS.replace("VB1", "VA1").encode("cp1252"))
    base = ["ledger", "import", str(run), str(f), "--ledger", str(led)]
    r = CliRunner().invoke(app, base)
    assert r.exit_code == 2 and "declare it with --encoding windows-1252" in r.output
    assert not led.exists()
    r = CliRunner().invoke(app, [*base, "--encoding", "latin-1"])
    assert r.exit_code == 2 and "'latin-1' is not one of utf-8, windows-1252" in r.output
    assert not led.exists()
    r = CliRunner().invoke(app, [*base, "--encoding", "windows-1252"])
    assert r.exit_code == 0, r.output
    with sqlite3.connect(led) as db:
        notes = [
            row[0]
            for row in db.execute(
                "SELECT note FROM ledger_events WHERE note != '' AND kind != 'file_import'"
            )
        ]
    assert notes == [NOTE]


def test_times_in_imports_take_ascii_digits_only() -> None:
    """Python's isdigit() and int() take any script's digits ("٠٦:٠٠", "０６:００"); an office
    file's time is read only in 0-9, as the scenario's readers do (review 10)."""
    from foresterie.ops.imports import _is_hhmm

    assert _is_hhmm("06:00") and _is_hhmm("23:59")
    for bad in ("٠٦:٠٠", "０６:００", "0٦:00", "24:00", "6:00"):
        assert not _is_hhmm(bad), bad


def test_a_rider_out_and_not_back_is_two_rows_told_apart(tmp_path: Path) -> None:
    """Review 14: the boarding list's two rows of a rider were identical, so "went out, did not
    come back" (the evening the coordinator must act) could not be recorded. With `leg`, the
    boarding and the no-show are each on their leg; the same leg twice is refused."""
    good = tmp_path / "list.csv"
    good.write_text(
        "date,vehicle_id,leg,worker_id,boarded,time\n"
        "2026-07-07,VA1,out,W01,yes,05:40\n2026-07-07,VA1,back,W01,no,\n"
    )
    events = read_events(good, SEASON)
    assert [(e.kind, e.leg) for e in events] == [("boarding", "out"), ("no_show", "back")]
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "date,vehicle_id,leg,worker_id,boarded,time\n"
        "2026-07-07,VA1,out,W01,yes,05:40\n2026-07-07,VA1,out,W01,no,\n"
    )
    with pytest.raises(ScenarioError) as exc:
        read_events(twice, SEASON)
    assert str(exc.value.problems[0]) == "twice.csv:3: leg: W01 on out is listed twice (row 2)"


def test_a_boarding_list_ticked_the_italian_way_is_read(tmp_path: Path) -> None:
    """`boarded` read as the scenario's booleans are (review 18, L6: an Italian Excel sheet's
    SI / sì / VERO / FALSO was refused, a retyped sheet per vehicle per day)."""
    f = tmp_path / "boardings.csv"
    ticks = ["SI", "sì", "VERO", "yes", "1", "NO", "FALSO", "no", "0"]
    f.write_text(
        "date;vehicle_id;worker_id;boarded\n" + "".join(f"2026-07-07;VA1;W01;{t}\n" for t in ticks),
        encoding="utf-8",
    )
    kinds = [e.kind for e in read_events(f, SEASON)]
    assert kinds == ["boarding"] * 5 + ["no_show"] * 4
    f.write_text("date,vehicle_id,worker_id,boarded\n2026-07-07,VA1,W01,\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        read_events(f, SEASON)
    assert (
        str(exc.value.problems[0])
        == "boardings.csv:2: boarded: '' is not yes or no (sì/no, VERO/FALSO)"
    )


def test_a_scan_with_a_utc_offset_is_read_on_puglias_clock(tmp_path: Path) -> None:
    """Phone scanner apps export UTC (`Z`) or an offset: the time and the day are Puglia's
    (review 19 R, LOW-5: 04:10Z was recorded 04:10, two hours early)."""
    f = tmp_path / "scans.csv"
    f.write_text(
        "worker_id,scanned_at\nW01,2026-07-13T04:10:00Z\nW02,2026-07-13T06:10:00+02:00\n"
        "W01,2026-07-12T23:30:00Z\nW02,2026-07-13T06:10\n"
    )
    got = [(e.worker_id, e.day, e.at_time) for e in read_events(f, SEASON)]
    assert got == [
        ("W01", date(2026, 7, 13), "06:10"),
        ("W02", date(2026, 7, 13), "06:10"),
        ("W01", date(2026, 7, 13), "01:30"),  # the night before in UTC, 13 July in Puglia
        ("W02", date(2026, 7, 13), "06:10"),  # no offset: Puglia's clock as written
    ]


@pytest.mark.parametrize(
    ("cell", "at"),
    [
        ("2026-07-13T04:10:00.123Z", "06:10"),  # milliseconds and Z, as scanner apps export
        ("2026-07-13 06:10", "06:10"),  # a space for the T
        ("2026-07-13T06:10:07+0200", "06:10"),  # an offset without its colon
    ],
)
def test_a_scan_as_apps_write_it_is_read(tmp_path: Path, cell: str, at: str) -> None:
    f = tmp_path / "scans.csv"
    f.write_text(f"worker_id,scanned_at\nW01,{cell}\n")
    (e,) = read_events(f, SEASON)
    assert (e.day, e.at_time) == (date(2026, 7, 13), at)


@pytest.mark.parametrize("cell", ["2026-07-13T06", "20260713T0610", "2026-07-13T06:10:00junk"])
def test_a_scan_time_beyond_the_documented_forms_is_refused(tmp_path: Path, cell: str) -> None:
    """Python's fromisoformat reads an hour without minutes and the basic forms; a scan is
    YYYY-MM-DDTHH:MM[:SS] (session 20, S: the hour alone was a boarding at 06:00)."""
    f = tmp_path / "scans.csv"
    f.write_text(f"worker_id,scanned_at\nW01,{cell}\n")
    with pytest.raises(ScenarioError) as exc:
        read_events(f, SEASON)
    assert str(exc.value.problems[0]) == (
        f"scans.csv:2: scanned_at: {cell!r} is not a date and time YYYY-MM-DDTHH:MM"
    )


def test_an_id_typed_in_another_case_is_told_the_season_runs_spelling(tmp_path: Path) -> None:
    """`w01` for `W01` (a clerk's keyboard, a spreadsheet's autocorrect): still refused, and
    the line says the id the season run has (session 20, S)."""
    f = tmp_path / "boardings.csv"
    f.write_text("date,vehicle_id,worker_id,boarded\n2026-07-06,va1,w01,yes\n")
    with pytest.raises(ScenarioError) as exc:
        read_events(f, SEASON)
    assert [str(p) for p in exc.value.problems] == [
        "boardings.csv:2: vehicle_id: 'va1' is not a vehicle of the season run (it has 'VA1': an "
        "id is written one way)",
        "boardings.csv:2: worker_id: 'w01' is not a worker of the season run (it has 'W01': an "
        "id is written one way)",
    ]


def test_a_file_name_too_long_for_the_ledger_is_refused(tmp_path: Path) -> None:
    """Each row records `NAME:ROW` in the ledger's 256-character `source` column: a longer name
    would fail the append on PostgreSQL, after the file was accepted (session 20, S)."""
    name = "c" * 210 + ".csv"
    f = tmp_path / name
    f.write_text("date,worker_id,event\n2026-07-06,W01,arrival\n")
    with pytest.raises(ScenarioError) as exc:
        read_events(f, SEASON)
    assert [str(p) for p in exc.value.problems] == [
        f"{'c' * 40}...: file: a file name of 214 characters, more than 200 (the ledger records "
        "it with each row): rename the file"
    ]
    (tmp_path / ("c" * 196 + ".csv")).write_text(f.read_text())
    assert len(read_events(tmp_path / ("c" * 196 + ".csv"), SEASON)) == 1  # 200: taken
