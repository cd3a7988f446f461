"""Random small valid scenarios: solve succeeds and the independent verifier passes."""

from __future__ import annotations

import json
import shutil

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from foresterie.run.pipeline import solve
from foresterie.verify import verify_run
from tests.helpers import TINY


@st.composite
def scenarios(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        a = draw(st.integers(1, 20))
        ln = draw(st.integers(1, 9))
        section = draw(st.sampled_from(["men", "women", "family"]))
        farm = draw(st.sampled_from(["F1", "F2", "F3", ""]))
        group = draw(st.sampled_from(["", "", "", f"G{section}"]))
        rows.append(
            f"W{i:02d},2026-07-{a:02d},2026-07-{a + ln:02d},{section},{group},{farm},"
            f"{draw(st.integers(0, 3))},{draw(st.sampled_from(['true', 'false']))},"
        )
    beds = [draw(st.integers(0, 4)) for _ in range(6)]
    seats = draw(st.sampled_from([4, 8, 28]))
    shift = draw(st.sampled_from(["04:30", "05:30", "07:00"]))
    return rows, beds, seats, shift


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=scenarios())
@example(  # found by this test: a family whose two accessible members never share a night needs
    # one accessible bed, not two (the verifier had summed them and refused a proven reason)
    case=(
        [
            "W00,2026-07-02,2026-07-03,family,Gfamily,F1,0,true,",
            "W01,2026-07-01,2026-07-02,family,Gfamily,F1,0,true,",
            "W02,2026-07-01,2026-07-02,men,,F1,0,true,",
            "W03,2026-07-01,2026-07-02,men,,F1,0,true,",
            "W04,2026-07-01,2026-07-02,men,,F1,0,true,",
            "W05,2026-07-01,2026-07-02,family,,F1,1,true,",
        ],
        [0, 0, 0, 0, 0, 1],
        4,
        "04:30",
    )
)
def test_random_scenarios_solve_and_verify(case, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    rows, beds, seats, shift = case
    folder = tmp_path_factory.mktemp("prop") / "s"
    shutil.copytree(TINY, folder)
    header = (
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,pinned_foresteria"
    )
    (folder / "workers.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    fo = json.loads((folder / "foresterie.geojson").read_text(encoding="utf-8"))
    for k, feat in enumerate(fo["features"]):
        feat["properties"].update(
            beds_men=beds[3 * k],
            beds_women=beds[3 * k + 1],
            beds_family=beds[3 * k + 2],
            beds_accessible=min(1, sum(beds[3 * k : 3 * k + 3])),
        )
    (folder / "foresterie.geojson").write_text(json.dumps(fo), encoding="utf-8")
    fa = json.loads((folder / "farms.geojson").read_text(encoding="utf-8"))
    fa["features"][0]["properties"]["shift_start"] = shift
    (folder / "farms.geojson").write_text(json.dumps(fa), encoding="utf-8")
    fleet = (folder / "fleet.csv").read_text(encoding="utf-8").replace(",8,160", f",{seats},160")
    (folder / "fleet.csv").write_text(fleet, encoding="utf-8")
    out = folder.parent / "run"
    summary = solve(folder, out)
    assert verify_run(out) == []
    k = summary.manifest["kpis"]["housing"]
    assert k["housed"] + k["waitlisted"] == len(rows)
