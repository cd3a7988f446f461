"""fleet.csv's driver's-day columns (README "fleet.csv"): optional, empty = one driver's limits,
a bad value refused in one line (file, row, field, exit 2); a duty above one driver's 9 h of
driving a day is a warning at validate."""

from __future__ import annotations

from pathlib import Path

from foresterie.scenario.load import load_scenario
from tests.helpers import cli_run

HEADER = (
    "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
    "available_from,available_to"
)


def _fleet(tiny: Path, extra: str, rows: list[str]) -> None:
    (tiny / "fleet.csv").write_text("\n".join([HEADER + extra, *rows]) + "\n", encoding="utf-8")


def test_the_columns_are_read_and_an_empty_cell_is_one_drivers_day(tiny: Path) -> None:
    _fleet(
        tiny,
        ",max_span_min,max_stretch_min",
        [
            "VA1,FA,8,160,0.38,540,2026-07-01,2026-07-31,1080,",
            "VB1,FB,8,160,0.38,540,2026-07-01,2026-07-31,,200",
        ],
    )
    sc = load_scenario(tiny)
    assert [(v.id, v.max_span_min, v.max_stretch_min) for v in sc.fleet] == [
        ("VA1", 1080, 270),
        ("VB1", 780, 200),
    ]


def test_without_the_columns_every_vehicle_has_one_drivers_day(tiny: Path) -> None:
    assert {(v.max_span_min, v.max_stretch_min) for v in load_scenario(tiny).fleet} == {(780, 270)}


def test_a_bad_span_is_refused_in_one_line(tiny: Path) -> None:
    _fleet(tiny, ",max_span_min", ["VA1,FA,8,160,0.38,540,2026-07-01,2026-07-31,0"])
    code, out = cli_run("validate", str(tiny))
    assert code == 2
    assert out.strip().splitlines() == ["error: fleet.csv:2: max_span_min: 0 must be at least 1"]
    _fleet(tiny, ",max_stretch_min", ["VA1,FA,8,160,0.38,540,2026-07-01,2026-07-31,4h"])
    code, out = cli_run("validate", str(tiny))
    assert code == 2 and out.strip().startswith("error: fleet.csv:2: max_stretch_min: ")
    assert len(out.strip().splitlines()) == 1


def test_a_near_miss_of_a_drivers_column_is_refused(tiny: Path) -> None:
    _fleet(tiny, ",max_span", ["VA1,FA,8,160,0.38,540,2026-07-01,2026-07-31,800"])
    code, out = cli_run("validate", str(tiny))
    assert code == 2 and "did you mean max_span_min?" in out


def test_validate_warns_of_a_duty_beyond_one_drivers_day(tiny: Path) -> None:
    _fleet(
        tiny,
        "",
        [
            "VA1,FA,8,160,0.38,600,2026-07-01,2026-07-31",
            "VB1,FB,8,160,0.38,540,2026-07-01,2026-07-31",
        ],
    )
    code, out = cli_run("validate", str(tiny))
    assert code == 0, out
    warns = [line for line in out.splitlines() if "max_duty_min" in line]
    assert warns == [
        "warning: fleet.csv:2: max_duty_min: 600 minutes on trips is more than one driver may "
        "drive in a day (540): give the vehicle a second driver in shifts and raise its "
        "max_span_min, or lower the duty"
    ]


def test_two_drivers_in_shifts_are_not_warned(tiny: Path) -> None:
    # README's recipe for a vehicle driven by two drivers in shifts: span raised with the duty
    # (review 16, finding 7); a duty beyond one driver's with the default span still is warned
    _fleet(
        tiny,
        ",max_span_min",
        [
            "VA1,FA,8,160,0.38,960,2026-07-01,2026-07-31,1080",
            "VB1,FB,8,160,0.38,600,2026-07-01,2026-07-31,",
        ],
    )
    code, out = cli_run("validate", str(tiny))
    assert code == 0, out
    warns = [line for line in out.splitlines() if "max_duty_min" in line]
    assert len(warns) == 1 and warns[0].startswith("warning: fleet.csv:3: max_duty_min: 600"), out
