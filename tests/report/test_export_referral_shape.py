"""The operator export tells nobody's referral by what it publishes beside an id (review 19 R,
HIGH-3), in the reviewer's season shape:

- a referred man whose only foresteria within reach (by the published rules: his farm's
  commute) is his site to avoid, open, with men's beds free for his whole stay. main published
  him `unsuitable`, which the published inputs refute: now `not_offered`, with a crowd of
  people waitlisted `full` drawn into the same code by the draw key;
- four referred men whose site to avoid is their farm, in a season where every other rider
  names a farm: their blank farm cell stands out, and the export says so (a warning);
- a run that publishes a refutable code (forged back to main's `unsuitable`, or `full` beside
  a foresteria with room) is refused by the operator export and failed by `verify`.

The crowd is recomputed here with hmac, apart from housing.waitlist."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.verify import published_disclosures, verify_run
from tests.helpers import TINY, rehash, set_toml

KEY = "0f" * 32
SEED = 7
REFERRED = {"R1": "FA", "R2": "F3", "R3": "F3", "R4": "F3", "R5": "F3"}
FULL_MEN = [f"W{i:02d}" for i in range(1, 21)]  # 20 men for FA's 3 beds: 17 wait, full


def _season(folder: Path) -> Path:
    """FA (San Severo, 3 men's beds) within reach of farm F1 only; FZ (Salento, 6 men's beds)
    within reach of farm F3 only. 20 men of F1 in the same week (17 waitlisted, full); R1 of F1
    later, his site to avoid FA, which is empty then; R2-R5 of F3, their site to avoid F3."""
    shutil.copytree(TINY, folder)
    fs = json.loads((folder / "foresterie.geojson").read_text(encoding="utf-8"))
    fa, fz = fs["features"][0], json.loads(json.dumps(fs["features"][0]))
    fa["properties"] |= {"beds_men": 3, "beds_women": 0, "beds_accessible": 0}
    fz["properties"] |= {"id": "FZ", "name": "Salento", "beds_men": 6, "beds_women": 0}
    fz["properties"] |= {"beds_accessible": 0}
    fz["geometry"]["coordinates"] = [18.05, 40.20]
    fs["features"] = [fa, fz]
    (folder / "foresterie.geojson").write_text(json.dumps(fs), encoding="utf-8")
    rows = [f"{w},2026-07-06,2026-07-13,men,,F1,0,false,," for w in FULL_MEN]
    rows.append("R1,2026-07-20,2026-07-27,men,,F1,3,false,,")
    rows += [f"{w},2026-07-06,2026-07-13,men,,F3,3,false,," for w in ("R2", "R3", "R4", "R5")]
    (folder / "workers.csv").write_text(
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,"
        "pinned_foresteria\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    (folder / "fleet.csv").write_text(
        "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,max_duty_min,"
        "available_from,available_to\n"
        "VA1,FA,8,160,0.38,540,2026-07-01,2026-07-31\n"
        "VZ1,FZ,8,160,0.38,540,2026-07-01,2026-07-31\n",
        encoding="utf-8",
    )
    (folder / "referrals.csv").write_text(
        "worker_id,referral_date,referring_body,urgency,avoid_sites\n"
        + "".join(f"{w},2026-06-20,Rete antitratta,high,{s}\n" for w, s in REFERRED.items()),
        encoding="utf-8",
    )
    (folder / "draw_key.txt").write_text(KEY + "\n", encoding="utf-8")
    set_toml(
        folder,
        'fleet = "fleet.csv"',
        'fleet = "fleet.csv"\nreferrals = "referrals.csv"\ndraw_key = "draw_key.txt"',
    )
    return folder


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("shape")
    code, out = _cli("solve", str(_season(tmp / "scen")), "--out", str(tmp / "run"))
    assert code == 0, out
    return tmp / "run"


def _table(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["worker_id"]: r for r in csv.DictReader(fh)}


def _drawn(unit: str) -> bool:
    """The crowd's draw, as README "Waitlist reasons" states it."""
    text = f"{SEED}:not_offered:{unit}".encode()
    ticket = hmac.new(bytes.fromhex(KEY), text, hashlib.sha256).hexdigest()[:16]
    return int(ticket, 16) < (1 << 64) // 4


def test_the_referred_mans_code_is_neutral_and_shared_with_a_drawn_crowd(run: Path) -> None:
    published = _table(run / "plan" / "waitlist.csv")
    detail = _table(run / "restricted" / "waitlist_reasons.csv")
    assert detail["R1"]["code"] == "placement"
    assert published["R1"]["code"] == "not_offered"
    assert "restricted part" in published["R1"]["reason"]
    full = sorted(w for w in FULL_MEN if w in published)
    assert len(full) == 17 and all(detail[w]["code"] == "full" for w in full)
    crowd = {w for w in full if published[w]["code"] == "not_offered"}
    assert crowd == {w for w in full if _drawn(w)}
    assert crowd, "the draw of this key and seed puts somebody in the crowd"
    assert {published[w]["code"] for w in full} - {"not_offered"} == {"full"}
    assert verify_run(run) == []


def test_nothing_published_is_refuted_and_the_blank_farms_are_flagged(
    run: Path, tmp_path: Path
) -> None:
    refuted, flagged = published_disclosures(run)
    assert refuted == []
    workers = _table(run / "inputs" / "workers.csv")
    assert {w for w, x in workers.items() if not x["farm_id"]} == {"R2", "R3", "R4", "R5"}
    assert any("4 rider(s) not pinned by the office name no farm" in f for f in flagged), flagged
    # R1 is not offered a bed while FA, within reach by the published files, is empty for his
    # whole stay: no code hides that; said, not hidden
    assert any("R1 is not offered a bed while FA" in f for f in flagged), flagged
    code, out = _cli("export", str(run), "--role", "operator", "--out", str(tmp_path / "op"))
    assert code == 0, out
    assert "name no farm" in out and "R1 is not offered" in out
    ops = _table(tmp_path / "op" / "plan" / "waitlist.csv")
    assert ops["R1"]["code"] == "not_offered"


def _forge(run: Path, tmp_path: Path, code: str, words: str) -> Path:
    """The run with R1's published row as main's code (re-hashed in the manifest, as a run of
    main had it)."""
    old = tmp_path / f"old-{code}"
    shutil.copytree(run, old)
    p = old / "plan" / "waitlist.csv"
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [f'R1,{code},yes,"{words}"\n' if x.startswith("R1,") else x for x in lines]
    p.write_text("".join(lines), encoding="utf-8")
    rehash(old, ["plan/waitlist.csv"])
    return old


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (
            "unsuitable",
            "no foresteria within reach, open for the stay, has beds that suit this person",
        ),
        (
            "full",
            "men's beds full on some night of the stay at every foresteria within reach (held by "
            "people of equal or higher priority)",
        ),
    ],
)
def test_a_refutable_code_is_refused_by_the_export_and_failed_by_verify(
    run: Path, tmp_path: Path, code: str, words: str
) -> None:
    old = _forge(run, tmp_path, code, words)
    refuted, _flagged = published_disclosures(old)
    assert [(rel, text.split(" is ")[0]) for rel, _n, text in refuted] == [
        ("plan/waitlist.csv", "R1")
    ]
    assert "FA is within reach" in refuted[0][2]
    assert any(
        v.startswith("published waitlist code refuted: plan/waitlist.csv:") for v in verify_run(old)
    )
    out_dir = tmp_path / f"op-{code}"
    rc, out = _cli("export", str(old), "--role", "operator", "--out", str(out_dir))
    assert rc == 2 and f"R1 is '{code}'" in out and "Traceback" not in out, out
    assert not out_dir.exists()


def test_the_public_not_offered_row_is_hidden_whatever_its_size(run: Path, tmp_path: Path) -> None:
    """`not_offered` holds the referred man with the drawn crowd, which may be small: the public
    table hides its count at any size (here 1 + the crowd), with one more cell of the column."""
    published = _table(run / "plan" / "waitlist.csv")
    n = sum(1 for x in published.values() if x["code"] == "not_offered")
    assert n >= 2  # R1 and at least one drawn
    code, out = _cli("export", str(run), "--role", "public", "--out", str(tmp_path / "pub"))
    assert code == 0, out
    rows = _table_by(tmp_path / "pub" / "waitlist_by_reason.csv", "code")
    assert rows["not_offered"]["people"] in ("*", "<5")
    shown = [r["people"] for c, r in rows.items() if c != "not_offered"]
    assert any(p in ("*", "<5") for p in shown), rows  # not recoverable from the total


def _table_by(path: Path, key: str) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {r[key]: r for r in csv.DictReader(fh)}


def test_verify_redraws_the_crowd_both_ways(run: Path, tmp_path: Path) -> None:
    """With the restricted part `verify` recomputes who is `not_offered`: a crowd member put
    back to `full`, or a person the draw left out published `not_offered`, is refused."""
    published = _table(run / "plan" / "waitlist.csv")
    full = sorted(w for w in FULL_MEN if w in published)
    drawn = next(w for w in full if _drawn(w))
    left = next(w for w in full if not _drawn(w))
    words = {published[w]["code"]: published[w]["reason"] for w in full}
    for wid, code in ((drawn, "full"), (left, "not_offered")):
        forged = tmp_path / f"forged-{wid}"
        shutil.copytree(run, forged)
        p = forged / "plan" / "waitlist.csv"
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = [
            f'{wid},{code},yes,"{words[code]}"\n' if x.startswith(f"{wid},") else x for x in lines
        ]
        p.write_text("".join(lines), encoding="utf-8")
        rehash(forged, ["plan/waitlist.csv"])
        assert any(
            v.startswith(f"waitlist code published wrong: {wid} is {code!r}")
            for v in verify_run(forged)
        ), wid
