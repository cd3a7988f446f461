"""The daily operation's console lines count in the singular and the plural and follow the
command line's language (review 18, L5: "1 planned arrivals", "released 1 beds", English only
where the report is Italian)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from foresterie.ops.day import PreviousDay, SiteCheckins, not_back_line, short_rests_line
from foresterie.ops.monitor import superseded_lines
from tests.helpers import cli_ok

D = date(2026, 7, 16)


@pytest.fixture
def lang(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def use(code: str) -> None:
        for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("FORESTERIE_LANG", code)

    return use


def _site(n: int) -> SiteCheckins:
    return SiteCheckins(
        site="FR-BMZ",
        recorded_from=date(2026, 7, 13),
        counted_from=date(2026, 7, 13),
        not_checked_in=n,
        expected_as_planned=0,
    )


def test_checkin_lines_count_in_the_singular(lang) -> None:  # type: ignore[no-untyped-def]
    lang("en")
    assert _site(1).line(D) == (
        "FR-BMZ: check-ins recorded from 2026-07-13: 1 planned arrival from 2026-07-13 to "
        "2026-07-16 not checked in: not expected"
    )
    assert (
        _site(2)
        .line(D, released=1)
        .endswith(
            "2 planned arrivals from 2026-07-13 to 2026-07-16 not checked in: 1 bed held, 1 released"
        )
    )
    lang("it")
    assert _site(1).line(D) == (
        "FR-BMZ: check-in registrati dal 2026-07-13: 1 arrivo previsto dal 2026-07-13 al "
        "2026-07-16 senza check-in: non attesi"
    )
    assert _site(3).line(D, released=1).endswith("2 posti letto tenuti, 1 liberati")


def test_not_back_and_superseded_lines(lang) -> None:  # type: ignore[no-untyped-def]
    lang("en")
    assert not_back_line([("W1", "V1")], D) == (
        "out and not back on 2026-07-16: 1 rider went out and was not brought back: W1 (V1)"
    )
    inputs = {
        "day_runs": [{"day": "2026-07-16", "path": "/b"}],
        "day_runs_superseded": [{"day": "2026-07-16", "path": "/a"}],
    }
    assert superseded_lines(inputs)[1] == (
        "note: 2026-07-16: skipped 1 earlier day run a later one superseded: /a"
    )
    lang("it")
    assert not_back_line([("W1", "V1"), ("W2", "V1")], D).startswith(
        "andati e non tornati il 2026-07-16: 2 passeggeri sono andati"
    )
    assert superseded_lines(inputs)[1] == (
        "note: 2026-07-16: saltato 1 piano del giorno precedente, superato da uno successivo: /a"
    )


def test_the_ledger_commands_say_one_row_and_one_file(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    book = tmp_path / "bookings.csv"
    book.write_text("date,worker_id,action\n2026-07-09,W01,book\n", encoding="utf-8")
    led = str(tmp_path / "ledger.sqlite")

    def cli(code: str, *args: str) -> str:
        env["FORESTERIE_LANG"] = code
        r = subprocess.run(
            [sys.executable, "-m", "foresterie", *args, "--ledger", led],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert r.returncode == 0, r.stderr
        return r.stdout

    run = str(tiny_season_run)
    cli_ok("ledger", "init", run, "--ledger", led)
    said = cli("en", "ledger", "import", run, str(book))
    assert said == f"appended 1 row from 1 file to {led}\n"
    said = cli("it", "ledger", "import", run, str(book), "--again")
    assert said == f"aggiunta 1 riga da 1 file in {led} (importato di nuovo: --again)\n"


def test_the_short_rest_warning_in_italian(lang) -> None:  # type: ignore[no-untyped-def]
    previous = PreviousDay(day=date(2026, 7, 15), source="day run", spans={})
    lang("it")
    assert short_rests_line({"VA1": ("05:10", 545)}, previous, D) == (
        "warning: 1 mezzo parte il 2026-07-16 meno di 11 h dopo il suo ultimo rientro del "
        "2026-07-15 (il piano del giorno di quel giorno; Regolamento UE 561/2006): VA1 alle "
        "05:10 (9 h 05 min di riposo): un altro autista, o una partenza più tarda (lo dice il "
        "suo foglio autista)"
    )


def test_the_follow_up_count_is_the_files_rows(tiny_season_run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The day's last line counts every row of report/follow_up.csv: a rider out and not back
    is on it too (review 19 R, LOW-2: "0 on the no-show follow-up list" beside the first line's
    rider out and not back, listed in the same file)."""
    from tests.helpers import checked_in_season, cli_ok, import_rows

    run = checked_in_season(tiny_season_run, tmp_path)
    import_rows(
        run,
        tmp_path / "legs.csv",
        "date,vehicle_id,leg,worker_id,boarded,time\n"
        "2026-07-07,VA1,out,W01,yes,05:40\n2026-07-07,VA1,back,W01,no,\n",
    )
    out = cli_ok("day", str(run), "--date", "2026-07-08")
    rows = (run.parent / f"{run.name}.days" / "2026-07-08" / "report" / "follow_up.csv").read_text()
    assert "W01" in rows and "W01" in out.splitlines()[0], out
    n = len(rows.splitlines()) - 1
    assert n >= 1 and f"{n} on the follow-up list (report/follow_up.csv); verified" in out, out
