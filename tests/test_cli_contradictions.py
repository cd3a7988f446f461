"""Review 17 #13: a command line that contradicts itself is one line, exit 2, nothing run or
written: a flag with its negation, an option of one value given two, options another makes
meaningless (`monitor --verify` with what it would write, `solve --previous` without `--as-of`,
`bench vrptw --check` with `--sol-out`)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import DATA, TINY


def _cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_a_flag_and_its_negation_are_one_line_exit_2(tiny_season_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "day"
    code, stdout, err = _cli(
        "day",
        str(tiny_season_run),
        "--date",
        "2026-07-07",
        "--ledger",
        str(tmp_path / "l"),
        "--out",
        str(out),
        "--heat-alert",
        "--no-heat-alert",
    )
    assert code == 2 and stdout == ""
    assert err == "error: --heat-alert, --no-heat-alert: contradict each other; give one of them\n"
    assert not out.exists() and not (tmp_path / "l").exists()  # nothing planned, no ledger
    code, _, err = _cli(
        "day", str(tiny_season_run), "--date", "2026-07-07", "--no-force", "--force"
    )
    assert (
        code == 2 and err == "error: --no-force, --force: contradict each other; give one of them\n"
    )


def test_one_value_given_twice_differently_is_refused_alike_is_not(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    code, _, err = _cli("day", str(tiny_season_run), "--date", "2026-07-07", "--date=2026-07-08")
    assert code == 2
    assert err == "error: --date: given 2 values (2026-07-07, 2026-07-08); give it once\n"
    # the same value twice says one thing: the command runs (and says its own error here)
    led = str(tmp_path / "none.sqlite")
    code, _, err = _cli("ledger", "verify", str(tiny_season_run), "--ledger", led, "--ledger", led)
    assert code == 2 and "give it once" not in err and "no such ledger" in err


def test_a_password_in_two_ledger_urls_is_not_said() -> None:
    code, _, err = _cli(
        "ledger",
        "verify",
        "run",
        "--ledger",
        "postgresql://u:SECRET@h/db",
        "--ledger",
        "postgresql://u:OTHER@h/db",
    )
    assert code == 2 and "--ledger: given 2 values" in err
    assert "SECRET" not in err and "OTHER" not in err


def test_monitor_verify_refuses_what_it_would_not_write(monitored_season: Path) -> None:
    code, stdout, err = _cli(
        "monitor", "--verify", str(monitored_season), "--out", "x", "--as-of", "2026-07-07"
    )
    assert code == 2 and stdout == ""
    assert err == "error: --verify: --out, --as-of: not used with --verify; leave them out\n"
    assert _cli("monitor", "--verify", str(monitored_season))[0] == 0


def test_solve_previous_without_as_of_is_refused(tiny_season_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, _, err = _cli("solve", str(TINY), "--previous", str(tiny_season_run), "--out", str(out))
    assert code == 2 and not out.exists()
    assert err.startswith("error: --previous: --as-of: a re-plan needs the day it starts")


def test_bench_check_with_sol_out_is_refused(tmp_path: Path) -> None:
    tiny = DATA / "vrptw" / "tiny.vrp"
    sol = tmp_path / "tiny.sol"
    sol.write_text("Route #1: 1 2\nCost 30\n", encoding="utf-8")
    code, _, err = _cli(
        "bench", "vrptw", str(tiny), "--check", str(sol), "--sol-out", str(tmp_path / "s")
    )
    assert code == 2 and err == "error: --check: --sol-out: not used with --check; leave it out\n"
    assert not (tmp_path / "s").exists()


def test_sweep_workers_with_a_scheduler_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    code, _, err = _cli(
        "sweep",
        str(tmp_path / "s.toml"),
        "--scheduler",
        "tcp://127.0.0.1:1",
        "--workers",
        "2",
        "--out",
        str(out),
    )
    assert code == 2 and not out.exists()
    assert err == "error: --scheduler: --workers: not used with --scheduler; leave it out\n"
