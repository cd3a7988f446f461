"""`validate` warns of a dependant who stays past every working member of their group (session
19's leftover): an intake ends the dependant's stay with the last working member's (no bed is
kept for a child alone: ops/intake.py), so the season's workers.csv says a stay no intake keeps.
A warning, not an error: the season plan is still made as written.

Tiny's family G1 (W04, W05, F2, leaving on 07-11) with two children who do not ride: W12 leaves
with them, W13 four days after them."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli_run


def _with_children(tiny: Path) -> None:
    p = tiny / "workers.csv"
    head, *rows = p.read_text(encoding="utf-8-sig").splitlines()
    rows = [f"{r},true" for r in rows]
    rows += [
        "W12,2026-07-06,2026-07-11,family,G1,,0,false,,Fam Sow,false",
        "W13,2026-07-06,2026-07-15,family,G1,,0,false,,Fam Sow,false",
    ]
    p.write_text("\n".join([head + ",rides", *rows]) + "\n", encoding="utf-8")


def test_validate_warns_of_a_dependant_staying_past_the_group(tiny: Path) -> None:
    _with_children(tiny)
    code, out = cli_run("validate", str(tiny))
    assert code == 0, out
    warns = [line for line in out.splitlines() if "does not ride" in line]
    assert warns == [
        "warning: workers.csv:10: departure: W13 does not ride (a dependant) and leaves on "
        "2026-07-15, after every working member of group G1 (the last leaves on 2026-07-11): an "
        "intake ends their stay with the group's working members; check the departures"
    ], out


def test_a_group_without_a_working_member_is_not_warned(tiny: Path) -> None:
    """Without anyone who rides, the intake's rule does not apply (nobody to leave with)."""
    _with_children(tiny)
    p = tiny / "workers.csv"
    text = p.read_text(encoding="utf-8")
    text = text.replace("G1,F2,2,false,,Fam Sow,true", "G1,F2,2,false,,Fam Sow,false")
    p.write_text(text, encoding="utf-8")
    code, out = cli_run("validate", str(tiny))
    assert code == 0, out
    assert "does not ride" not in out, out
