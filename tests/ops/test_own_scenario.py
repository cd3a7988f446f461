"""A day run's or an intake's own scenario that cannot be planned is said as what it is (review
14, finding 4): who the plan and the ledger hold at the foresteria and what the coordinator can
record, never the rows of a workers.csv foresterie wrote nor "move the closing"; nothing is
written (no run folder, no ledger row)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from foresterie.ops.ledger import Ledger
from tests.helpers import TINY, cli_ok, cli_run, rehash


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_an_intake_move_to_a_foresteria_without_their_section(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """W03 (women's section, at FA) asks to move to FB, which has no women's beds at all: a
    request that cannot be made (review 17, finding 9), said in a line; W03 stays at FA and
    everyone else's intake goes on (it was `infeasible ... over by 1`, exit 2, every intake
    until another move row)."""
    run = str(tiny_season_run)
    led = tmp_path / "ledger.sqlite"
    moves = tmp_path / "moves.csv"
    moves.write_text(
        "date,worker_id,event,foresteria_id\n2026-07-06,W03,arrival,\n2026-07-08,W03,move,FB\n"
    )
    cli_ok("ledger", "import", run, str(moves), "--ledger", str(led))
    out = tmp_path / "intake"
    code, said = cli_run(
        "intake", run, "--date", "2026-07-08", "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, said
    assert (
        "note: W03: the move to FB asked on 2026-07-08 cannot be made (Borgo Mezzanone has no "
        "women's beds): stays at FA; record another `move` naming another foresteria"
    ) in said.splitlines()
    assert {r["worker_id"]: r["foresteria_id"] for r in _rows(out / "plan" / "assignments.csv")}[
        "W03"
    ] == "FA"


def test_an_intake_move_to_a_full_foresteria(tmp_path: Path) -> None:
    """FB with one men's bed: W01 and W02 (men, at FA) both ask to move there. Their requests
    are not met, each said in a line, and the intake re-plans everyone else (review 18 R,
    MEDIUM-1: it was exit 2 with the line below, nothing re-planned for anyone)."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    geo = folder / "foresterie.geojson"
    data = json.loads(geo.read_text(encoding="utf-8"))
    for f in data["features"]:
        if f["properties"]["id"] == "FB":
            f["properties"]["beds_men"] = 1
    geo.write_text(json.dumps(data), encoding="utf-8")
    run = tmp_path / "season"
    cli_ok("solve", str(folder), "--out", str(run))
    led = tmp_path / "ledger.sqlite"
    moves = tmp_path / "moves.csv"
    moves.write_text(
        "date,worker_id,event,foresteria_id\n2026-07-06,W01,arrival,\n2026-07-06,W02,arrival,\n"
        "2026-07-08,W01,move,FB\n2026-07-08,W02,move,FB\n"
    )
    cli_ok("ledger", "import", str(run), str(moves), "--ledger", str(led))
    out = tmp_path / "intake"
    code, said = cli_run(
        "intake", str(run), "--date", "2026-07-08", "--ledger", str(led), "--out", str(out)
    )
    assert code == 0, said
    notes = [x for x in said.splitlines() if "cannot be made (no bed for them there" in x]
    assert [x.split(":")[1].strip() for x in notes] == ["W01", "W02"], said
    assert all("stays at FA" in x for x in notes)
    assert "workers.csv row" not in said and "infeasible" not in said
    beds = {r["worker_id"]: r["foresteria_id"] for r in _rows(out / "plan" / "assignments.csv")}
    assert beds["W01"] == beds["W02"] == "FA"
    record = json.loads((out / "intake.json").read_text(encoding="utf-8"))
    assert record["move_requests"] == 2 and record["move_requests_cannot_be_made"] == 2
    with Ledger.open(led) as ledger:
        kinds = [r.event.kind for r in ledger.rows()]
    assert kinds[:5] == ["arrival", "arrival", "move_request", "move_request", "file_import"]
    assert kinds[5:] == ["intake_plan"]  # the intake is recorded


def test_a_day_run_whose_plan_holds_more_than_the_beds(
    tiny_season_run: Path, tmp_path: Path
) -> None:
    """A season run whose plan puts W03 (women's section) in a bed of FB, which has none (a plan
    crafted or made by an older foresterie): the day run says which riders the plan's beds hold
    there and what to record, not `workers.csv rows ...: move their departure, their pin`."""
    run = tmp_path / "season"
    shutil.copytree(tiny_season_run, run)
    path = run / "plan" / "assignments.csv"
    rows = _rows(path)
    for r in rows:
        if r["worker_id"] == "W03":
            r["foresteria_id"] = "FB"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    rehash(run, ["plan/assignments.csv"])  # sealed, as its crafter or older foresterie did
    led = tmp_path / "ledger.sqlite"
    cli_ok("ledger", "init", str(run), "--ledger", str(led))
    out = tmp_path / "day"
    code, said = cli_run(
        "day", str(run), "--date", "2026-07-07", "--ledger", str(led), "--out", str(out)
    )
    assert code == 2, said
    (line,) = [x for x in said.splitlines() if x.startswith("infeasible: people held exceed wo")]
    assert line.startswith(
        "infeasible: people held exceed women's beds (over by 1) at Borgo Mezzanone (FB) on "
        "2026-07-07: the plan's beds of that night and the check-ins hold "
    )
    assert "W03" in line and "record the departures of those who have left" in line
    assert "workers.csv row" not in said
    assert not out.exists()
    with Ledger.open(led) as ledger:
        assert ledger.rows() == []


def test_nights_a_foresteria_is_closed_are_said_without_rows() -> None:
    """The shape of review 14's message (a day run holding people after a closing): said by
    who holds them and what to record, not `workers.csv rows ...: move ... the closing`."""
    from datetime import date

    from foresterie.core.errors import InfeasibleError
    from foresterie.housing.waitlist import PinnedWhileClosed
    from foresterie.ops.own import own_scenario
    from tests.helpers import foresteria

    boncuri = foresteria("FR-NRD", men=10, open_to="2027-09-12")  # named "Foresteria FR-NRD"
    closed = PinnedWhileClosed(
        constraint="opening dates",
        where="Foresteria FR-NRD (FR-NRD)",
        nights="2027-09-14",
        excess=67,
        before=False,
        boundary=date(2027, 9, 12),
        rows="workers.csv rows 4-5, 23",
    )
    try:
        with own_scenario("the day run's", [boncuri], lambda f: f"held by {f}", "do this"):
            raise InfeasibleError([closed])
    except InfeasibleError as exc:
        (said,) = [str(s) for s in exc.shortfalls]
    assert said == (
        "67 people held at Foresteria FR-NRD (FR-NRD) on 2027-09-14, after its last open night "
        "(2027-09-12): held by FR-NRD; do this"
    )
