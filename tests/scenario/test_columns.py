"""Columns an office mistypes (review 11, finding 3): a header close to a known column the file
lacks is one line at row 1, exit 2, not data dropped on the quiet; a column missing is one line,
not one per row; one broken feature of a layer is one line, not one more per row naming it. And
referral records that name a departure point (finding 9): accepted, never boarded at, verified."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.scenario.csvfile import near_misses
from foresterie.scenario.load import WORKER_OPTIONAL, WORKER_REQUIRED, load_scenario
from foresterie.verify import verify_run
from tests.helpers import add_pickup, rehash, with_referrals


def _problems(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(folder)
    return [str(p) for p in exc.value.problems]


def _edit_header(path: Path, old: str, new: str) -> None:
    head, rest = path.read_text(encoding="utf-8-sig").split("\n", 1)
    cells = head.split(",")
    assert old in cells, (old, cells)
    path.write_text(",".join(new if c == old else c for c in cells) + "\n" + rest, "utf-8")


def _add_column(path: Path, name: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines = [f"{lines[0]},{name}"] + [f"{x},{value}" for x in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("ride", "rides"),  # the dependants would be planned as riders
        ("pickup-id", "pickup_id"),  # the people at a settlement would lose their point
        ("Pickup ID", "pickup_id"),
        ("language", "lang"),  # every notice would fall back to Italian
        ("contracts", "contract"),
    ],
)
def test_a_near_miss_of_an_optional_worker_column_is_one_line(
    tiny: Path, name: str, meant: str
) -> None:
    _add_column(tiny / "workers.csv", name, "false")
    given = name.lower()  # an office header is read in lower case
    assert _problems(tiny) == [f"workers.csv:1: {given}: unknown column; did you mean {meant}?"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("pinned_foresteria", "pinned_foresterie"),
        ("accessible", "accesible"),
        ("group_id", "group"),
        ("farm_id", "Farm-ID"),
    ],
)
def test_a_near_miss_of_a_required_worker_column_is_one_line_not_one_per_row(
    tiny: Path, old: str, new: str
) -> None:
    _edit_header(tiny / "workers.csv", old, new)
    assert _problems(tiny) == [f"workers.csv:1: {new.lower()}: unknown column; did you mean {old}?"]


def test_a_missing_worker_column_is_one_line_at_row_1(tiny: Path) -> None:
    path = tiny / "workers.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    at = rows[0].index("pinned_foresteria")
    path.write_text("\n".join(",".join(r[:at] + r[at + 1 :]) for r in rows) + "\n", "utf-8")
    assert _problems(tiny) == [
        "workers.csv:1: pinned_foresteria: missing column(s): pinned_foresteria"
    ]


def test_near_misses_in_the_other_csv_files(tiny: Path) -> None:
    """The same reader for every CSV file of a scenario: fleet, referrals, farm calendar."""
    _edit_header(tiny / "fleet.csv", "seats", "seat")
    assert _problems(tiny) == ["fleet.csv:1: seat: unknown column; did you mean seats?"]
    folder = with_referrals(tiny.parent / "r", "W02,2026-07-01,Sportello,high,F1\n")
    _edit_header(folder / "referrals.csv", "avoid_sites", "avoid-site")
    assert _problems(folder) == [
        "referrals.csv:1: avoid-site: unknown column; did you mean avoid_sites?"
    ]


@pytest.mark.parametrize(
    ("header", "given", "meant"),
    [
        ("date,worker_id,action,farm-id", "farm-id", "farm_id"),  # the farm would be dropped
        ("date,worker_id,action,orgin", "orgin", "origin"),  # the departure point too
    ],
)
def test_a_near_miss_in_a_ledger_import_is_one_line(
    tmp_path: Path, header: str, given: str, meant: str
) -> None:
    """The same reader for the office's ledger imports (a bookings file here)."""
    from datetime import date

    from foresterie.ops.imports import Season, read_events

    season = Season(
        start=date(2026, 7, 1),
        end=date(2026, 7, 31),
        workers=frozenset({"W01"}),
        farms=frozenset({"F1"}),
        vehicles=frozenset(),
        foresterie=frozenset({"FA"}),
        pickups=frozenset({"PX"}),
    )
    path = tmp_path / "bookings.csv"
    path.write_text(f"{header}\n2026-07-07,W01,book,F1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        read_events(path, season)
    assert [str(p) for p in exc.value.problems] == [
        f"bookings.csv:1: {given}: unknown column; did you mean {meant}?"
    ]
    path.write_text("date,worker_id,action,farm_id\n2026-07-07,W01,book,F1\n", "utf-8")
    assert [e.farm_id for e in read_events(path, season)] == ["F1"]


def test_columns_ignored_on_purpose_stay_accepted(tiny: Path) -> None:
    """Names, documents, phones (in English or Italian) are ignored, and a column beside a known
    one it resembles (`arrival_note` beside `arrival`) is another column, not a typo."""
    ignored = [
        "surname",
        "first_name",
        "last_name",
        "phone",
        "document",
        "document_id",
        "nationality",
        "notes",
        "email",
        "birth_date",
        "nome",
        "cognome",
        "telefono",
        "documento",
        "nazionalita",
        "arrival_note",
        "rides",  # and the known optional columns themselves, of course
        "contract",
    ]
    for name in ignored:
        _add_column(tiny / "workers.csv", name, "true" if name in ("rides", "contract") else "x")
    sc = load_scenario(tiny)
    assert len(sc.workers) == 7 and all(w.rides and w.contract for w in sc.workers)
    names = [*WORKER_REQUIRED, *ignored]
    assert near_misses(names, (*WORKER_REQUIRED, *WORKER_OPTIONAL)) == []


def test_validate_says_a_near_miss_in_one_line_exit_2(tiny: Path) -> None:
    _add_column(tiny / "workers.csv", "ride", "false")
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip().splitlines() == [
        "error: workers.csv:1: ride: unknown column; did you mean rides?"
    ]


def test_one_broken_feature_is_one_line_not_one_per_row_naming_it(tiny: Path) -> None:
    """A key written twice in the departure point's feature: the layer is refused in one line,
    and the workers who board there are not each told the point is unknown."""
    add_pickup(tiny, rider="W07")
    for w in ("W01", "W06"):  # more people at the point: more lines on main
        text = (tiny / "workers.csv").read_text(encoding="utf-8")
        (tiny / "workers.csv").write_text(
            "\n".join(x + "PX" if x.startswith(f"{w},") else x for x in text.splitlines()) + "\n",
            encoding="utf-8",
        )
    path = tiny / "pickups.geojson"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"kind": "settlement"', '"kind": "x", "kind": "settlement"'))
    assert _problems(tiny) == ["pickups.geojson:1: kind: key appears twice in this feature"]


# ---------------------------------------------------------------- finding 9: departure points


def _riders_and_unserved(run: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    def rows(name: str) -> list[dict[str, str]]:
        with open(run / "plan" / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    origin = {t["trip_id"]: t["origin_id"] or t["foresteria_id"] for t in rows("trips.csv")}
    rides = {(x["worker_id"], origin[x["trip_id"]]) for x in rows("riders.csv")}
    left = {(w, u["foresteria_id"]) for u in rows("unserved.csv") for w in u["worker_ids"].split()}
    return rides, left


def test_a_referral_may_keep_a_person_away_from_a_departure_point(tmp_path: Path) -> None:
    """W07 has no bed and boards at the settlement PX; a referral record naming PX is accepted,
    and then W07 is never planned to board there: no trip, and no unserved row either (a
    published file: "site to avoid" beside an id would tell the referral). verify passes the
    plan and refuses one where a forger puts W07 back at PX."""
    plain = tmp_path / "plain"
    plain.mkdir()
    folder = with_referrals(plain, "W07,2026-07-01,NIL Foggia,high,F1;PX\n")
    add_pickup(folder, rider="W07")
    sc = load_scenario(folder)
    assert {w.id: w.avoid for w in sc.workers}["W07"] == {"F1", "PX"}
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rides, left = _riders_and_unserved(out)
    assert not {x for x in rides | left if x[0] == "W07"}
    assert verify_run(out) == []
    # The same scenario without the record: W07 boards at PX (or is owed a ride from there).
    bare = tmp_path / "bare"
    shutil.copytree(folder, bare)
    (bare / "referrals.csv").unlink()
    toml = (bare / "scenario.toml").read_text(encoding="utf-8")
    (bare / "scenario.toml").write_text(toml.replace('referrals = "referrals.csv"\n', ""))
    run = tmp_path / "bare_run"
    r = CliRunner().invoke(app, ["solve", str(bare), "--out", str(run)])
    assert r.exit_code == 0, r.output
    rides, left = _riders_and_unserved(run)
    assert ("W07", "PX") in rides | left
    # A forger's record saying W07 avoids PX, slipped into that run: verify names the boarding.
    shutil.copyfile(out / "restricted" / "referrals.csv", run / "restricted" / "referrals.csv")
    rehash(run, ["restricted/referrals.csv"])
    found = verify_run(run)
    expect = "site to avoid: W07 boards at PX on " if ("W07", "PX") in rides else "site to avoid:"
    assert any(v.startswith(expect) and "PX" in v for v in found), found


def test_an_unknown_avoid_site_names_departure_points_too(tmp_path: Path) -> None:
    folder = with_referrals(tmp_path, "W07,2026-07-01,NIL Foggia,high,PK-NOWHERE\n")
    add_pickup(folder, rider="W07")
    assert _problems(folder) == [
        "referrals.csv:2: avoid_sites: unknown foresteria, farm or departure point 'PK-NOWHERE'"
    ]


def test_referrals_of_a_refused_workers_file_are_not_each_unknown(tmp_path: Path) -> None:
    folder = with_referrals(tmp_path, "W02,2026-07-01,Sportello,high,F1\n")
    _edit_header(folder / "workers.csv", "section", "sections")
    assert _problems(folder) == ["workers.csv:1: sections: unknown column; did you mean section?"]


def test_a_day_run_never_boards_a_person_at_a_departure_point_to_avoid(tmp_path: Path) -> None:
    """A booking from the settlement PX by W02, whose referral record names PX: W02 is not
    picked up there (re-routed to his bed, as the season plan has him board: review 17, finding
    13); W01's same booking boards at PX."""
    from datetime import date

    from foresterie.ops.day import day_demand, load_season_run
    from foresterie.ops.ledger import Event

    folder = with_referrals(tmp_path, "W02,2026-07-01,NIL Foggia,high,PX\n")
    add_pickup(folder, rider="W07")
    run = tmp_path / "season"
    r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(run)])
    assert r.exit_code == 0, r.output
    d = date(2026, 7, 7)
    events = [
        Event(kind="booking", day=d, worker_id=w, origin="PX", farm_id="F1") for w in ("W01", "W02")
    ]
    demand = day_demand(load_season_run(run), events, d)
    boards = {w.id: (w.pickup_id, w.pinned_foresteria) for w in demand.riders}
    assert boards["W01"] == ("PX", None) and boards["W02"] == (None, "FA")


def test_a_broken_foresterie_layer_is_one_line_not_one_per_reference(tmp_path: Path) -> None:
    """A key written twice in a foresteria: its vehicles, pinned people and referrals naming a
    foresteria are not each told the id is unknown."""
    folder = with_referrals(tmp_path, "W02,2026-07-01,Sportello,high,FA;F1\n")
    path = folder / "foresterie.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["name"] = "__NAME__"
    text = json.dumps(data).replace('"name": "__NAME__"', '"name": "A", "name": "B"')
    path.write_text(text, encoding="utf-8")
    assert _problems(folder) == ["foresterie.geojson:1: name: key appears twice in this feature"]
