"""What a fleet lacks is said, not refused (review 12, finding 13): a fleet of no rows (beds planned
before the shuttle contract), a foresteria whose coaches sit at a contractor's depot, a vehicle
whose dates miss the season. Each is one warning line; the scenario loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.scenario.load import load_scenario
from tests.helpers import add_depot, add_pickup

FLEET_HEADER = (
    "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
    "available_from,available_to\n"
)
NO_VEHICLES = (
    "fleet.csv: file: no vehicles: housing is planned, and every ride is listed unserved "
    "(no_vehicle)"
)


def _warnings(folder: Path) -> list[str]:
    return [str(w) for w in load_scenario(folder).warnings if w.field != "data.draw_key"]


def test_a_fleet_of_a_header_only_loads_with_one_warning(tiny: Path) -> None:
    (tiny / "fleet.csv").write_text(FLEET_HEADER, encoding="utf-8")
    sc = load_scenario(tiny)
    said = [str(w) for w in sc.warnings if w.field != "data.draw_key"]  # tiny has no draw key
    assert sc.fleet == () and said == [NO_VEHICLES]
    r = CliRunner().invoke(app, ["validate", str(tiny)])
    assert r.exit_code == 0, r.output
    assert [x for x in r.stderr.splitlines() if "data.draw_key" not in x] == [
        f"warning: {NO_VEHICLES}"
    ]


def test_a_fleet_file_of_nothing_at_all_is_still_refused(tiny: Path) -> None:
    """No header is not "no vehicles": the file was not written (tests/bad_inputs/empty_file)."""
    (tiny / "fleet.csv").write_text("", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fleet\.csv: file: empty file"):
        load_scenario(tiny)


def test_nobody_riding_needs_no_vehicle_and_no_warning(tiny: Path) -> None:
    (tiny / "fleet.csv").write_text(FLEET_HEADER, encoding="utf-8")
    lines = (tiny / "workers.csv").read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    k = head.index("farm_id")
    rows = [",".join(c if i != k else "" for i, c in enumerate(x.split(","))) for x in lines[1:]]
    (tiny / "workers.csv").write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    assert _warnings(tiny) == []


def test_a_foresteria_whose_vehicles_are_at_a_depot_is_a_warning_not_an_error(tiny: Path) -> None:
    """FB's only vehicle moved to the depot DP: one line naming FB, no advice to set its beds
    to 0 (which would waitlist every guest)."""
    add_pickup(tiny)
    add_depot(tiny)
    fleet = tiny / "fleet.csv"
    fleet.write_text(
        "".join(x for x in fleet.read_text(encoding="utf-8").splitlines(True) if ",FB," not in x),
        encoding="utf-8",
    )
    assert _warnings(tiny) == [
        "fleet.csv: foresteria_id: no vehicle based at 'FB': its riders are served from the "
        "nearest base that has vehicles"
    ]


def test_a_vehicle_whose_dates_miss_the_season_is_a_warning_naming_its_row(tiny: Path) -> None:
    fleet = tiny / "fleet.csv"
    text = fleet.read_text(encoding="utf-8").replace(
        "VB1,FB,8,160,0.38,540,2026-07-01,2026-07-31", "VB1,FB,8,160,0.38,540,2026-08-01,2026-08-30"
    )
    fleet.write_text(text, encoding="utf-8")
    assert _warnings(tiny) == [
        "fleet.csv:3: available_from: 2026-08-01..2026-08-30 is outside the season "
        "2026-07-01..2026-07-31: this vehicle never runs"
    ]
    # a vehicle available for part of the season is not warned about
    fleet.write_text(text.replace("2026-08-01,2026-08-30", "2026-07-30,2026-08-30"), "utf-8")
    assert _warnings(tiny) == []


def test_an_unknown_base_is_still_refused_with_its_row(tiny: Path) -> None:
    fleet = tiny / "fleet.csv"
    fleet.write_text(
        fleet.read_text(encoding="utf-8").replace("VB1,FB,", "VB1,FZ,"), encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tiny)
    assert [str(p) for p in exc.value.problems] == [
        "fleet.csv:3: foresteria_id: unknown foresteria or depot 'FZ'"
    ]
