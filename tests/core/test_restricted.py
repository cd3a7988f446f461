"""The restricted part of a run folder: priorities and referral records apart from everything
published, optionally encrypted (Fernet, key from FORESTERIE_RESTRICTED_KEY); verify checks
every constraint that involves them with the key, and says what it could not check without."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from foresterie.cli import app
from foresterie.core.errors import ScenarioError
from foresterie.core.restricted import KEY_ENV, SALT, read_restricted, write_restricted
from foresterie.verify import verify_report, verify_run
from tests.helpers import TINY, with_referrals

KEY = Fernet.generate_key().decode()


def _keyed(salt: bytes, data: bytes) -> str:
    """The manifest's digest of a restricted plaintext, computed here from the README's words."""
    return "hmac-sha256:" + hmac.new(salt, data, hashlib.sha256).hexdigest()


def test_plain_and_encrypted_parts_digest_the_plaintext_with_the_salt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"priority.csv": "worker_id,priority\nW01,3\n"}
    salt = b"ab" * 32
    monkeypatch.delenv(KEY_ENV, raising=False)
    plain = write_restricted(tmp_path / "a" / "restricted", files, salt)
    assert (tmp_path / "a" / "restricted" / "priority.csv").read_text() == files["priority.csv"]
    assert (tmp_path / "a" / "restricted" / SALT).read_bytes() == salt
    monkeypatch.setenv(KEY_ENV, KEY)
    sealed = write_restricted(tmp_path / "b" / "restricted", files, salt)
    again = write_restricted(tmp_path / "c" / "restricted", files, salt)
    blob = (tmp_path / "b" / "restricted" / "priority.csv.fernet").read_bytes()
    assert b"W01" not in blob and not (tmp_path / "b" / "restricted" / "priority.csv").exists()
    assert not (tmp_path / "b" / "restricted" / SALT).exists()  # sealed with the rest
    # Fernet is randomised: the bytes differ, the manifest's digest of the plaintext does not.
    assert blob != (tmp_path / "c" / "restricted" / "priority.csv.fernet").read_bytes()
    want = _keyed(salt, files["priority.csv"].encode())
    assert plain == sealed == again == {"priority.csv": want}
    other = write_restricted(tmp_path / "e" / "restricted", files, b"cd" * 32)
    assert other["priority.csv"] != want  # another run's salt: another digest
    # a run from before the salt (a purge rewrites its part): the plain sha256, no salt file
    old = write_restricted(tmp_path / "f" / "restricted", files, None)
    assert old == {"priority.csv": hashlib.sha256(files["priority.csv"].encode()).hexdigest()}
    assert read_restricted(tmp_path / "f") == {"priority.csv": files["priority.csv"].encode()}
    assert read_restricted(tmp_path / "b") == {
        "priority.csv": files["priority.csv"].encode(),
        SALT: salt,
    }
    monkeypatch.setenv(KEY_ENV, Fernet.generate_key().decode())
    with pytest.raises(ScenarioError, match="cannot be decrypted with this key"):
        read_restricted(tmp_path / "b")
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(ScenarioError, match=f"encrypted: set {KEY_ENV}"):
        read_restricted(tmp_path / "b")
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(ScenarioError, match="not a Fernet key"):
        write_restricted(tmp_path / "d", files, salt)


def _solve(scenario: Path, out: Path) -> Path:
    r = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve(TINY, tmp_path_factory.mktemp("plain") / "tiny")


def _referrals(tmp_path: Path) -> Path:
    return with_referrals(tmp_path, "W02,2026-07-01,Sportello Antitratta Foggia,high,FA;F1\n")


def test_priority_lives_only_in_the_restricted_part(plain_run: Path) -> None:
    for rel in ("inputs/workers.csv", "plan/waitlist.csv"):
        header = (plain_run / rel).read_text().splitlines()[0].split(",")
        assert "worker_id" in header and "priority" not in header, rel
    with open(plain_run / "restricted" / "priority.csv", newline="") as fh:
        prio = {r["worker_id"]: r["priority"] for r in csv.DictReader(fh)}
    assert prio == {"W01": "0", "W02": "3", "W03": "1", "W04": "2", "W05": "2", "W06": "0"} | {
        "W07": "0"
    }
    # No published file holds a priority column or value next to ids
    for p in plain_run.rglob("*.csv"):
        if "restricted" not in p.parts:
            assert "priority" not in p.read_text().splitlines()[0], p


def _rehash(run: Path, part: str, name: str, data: bytes) -> None:
    """As a forger who holds the restricted part (its salt, and the key if it is sealed)."""
    m = json.loads((run / "manifest.json").read_text())
    m[part][name] = _keyed(read_restricted(run)[SALT], data)
    (run / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("W02,3\n", "W02,0\n", "KPI differs from restricted/kpis.json: housing.housed_by_priority"),
        ("W01,0\n", "", "restricted/priority.csv wrong: W01 is not listed once per person"),
        ("W06,0\n", "W06,7\n", "priority out of 0..3: W06"),
    ],
)
def test_verify_catches_an_edited_priority(
    plain_run: Path, tmp_path: Path, old: str, new: str, expect: str
) -> None:
    copy = tmp_path / "forged"
    shutil.copytree(plain_run, copy)
    p = copy / "restricted" / "priority.csv"
    p.write_text(p.read_text().replace(old, new))
    found = verify_run(copy)
    assert (
        "restricted file changed after solving: priority.csv (hash differs from the manifest)"
        in (found)
    )
    _rehash(copy, "restricted", "priority.csv", p.read_bytes())  # as a forger would
    found = verify_run(copy)
    assert not any("hash differs" in v for v in found), found
    assert any(expect in v for v in found), found


def test_encrypted_part_verified_with_the_key_and_listed_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    run = _solve(_referrals(tmp_path), tmp_path / "sealed")
    assert sorted(p.name for p in (run / "restricted").iterdir()) == [
        "kpis.json.fernet",
        "priority.csv.fernet",
        "referrals.csv.fernet",
        "salt.txt.fernet",
        "tiers.json.fernet",
        "waitlist_reasons.csv.fernet",
    ]
    assert verify_report(run) == ([], [])
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0 and "identical" in r.stdout, r.output
    # Forged with the key: decrypt, edit, encrypt, re-hash the plaintext: verify still fails.
    box = Fernet(KEY.encode())
    sealed = run / "restricted" / "referrals.csv.fernet"
    text = box.decrypt(sealed.read_bytes())
    assert b",F1;FA\n" in text
    text = text.replace(b",F1;FA\n", b",F1;FB\n")
    sealed.write_bytes(box.encrypt(text))
    _rehash(run, "restricted", "referrals.csv", text)
    violations, _ = verify_report(run)
    assert any("site to avoid: W02 placed at FB" in v for v in violations), violations
    # Without the key: every other check runs, and a line per family it could not run.
    monkeypatch.delenv(KEY_ENV)
    violations, unchecked = verify_report(run)
    assert violations == []
    assert unchecked == [
        f"restricted/kpis.json: encrypted and {KEY_ENV} is not set: its hash and contents",
        f"restricted/priority.csv: encrypted and {KEY_ENV} is not set: its hash and contents",
        f"restricted/referrals.csv: encrypted and {KEY_ENV} is not set: its hash and contents",
        f"restricted/tiers.json: encrypted and {KEY_ENV} is not set: its hash and contents",
        f"restricted/waitlist_reasons.csv: encrypted and {KEY_ENV} is not set: its hash and "
        "contents",
        "ride order when seats are short (referred people first): needs each person's priority",
        "waitlist reasons 'full' and 'outranked' (beds held by people of equal or higher "
        "priority): needs each person's priority",
        "KPIs by priority (housed, waitlisted, unserved worker-days): needs each person's priority",
        "sites to avoid (no bed there, no ride there, nobody aboard past one): needs the "
        "referral records",
        "referral KPIs (referred, housed, days to a bed, waitlisted by code): needs the referral "
        "records",
        "the detailed waitlist reasons ('outranked' published as 'full'; 'no_section' and "
        "'no_accessible' as 'unsuitable'; 'placement', and the crowd drawn by the draw key, as "
        "'not_offered'): needs the restricted part",
        "the objective and bound of the housing tiers by priority (their claims): needs the "
        "restricted part",
    ]  # (no stand-in for W02's farm to avoid: the published inputs leave it out, review 12)
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 0, r.output
    assert r.output.count("not checked: ") == 12 and "every other check passed" in r.output
    # ... and still catches an edit of the publishable part.
    p = run / "plan" / "assignments.csv"
    p.write_text(p.read_text().replace("W03,FA,women", "W03,FB,women"))
    violations, _ = verify_report(run)
    assert any("beds exceeded: women at FB" in v for v in violations), violations
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(tmp_path / "nokey")])
    assert r.exit_code == 2 and f"set {KEY_ENV}" in r.output


def test_a_copy_without_the_restricted_part_says_it_was_withheld(
    plain_run: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "operator"
    shutil.copytree(plain_run, copy, ignore=shutil.ignore_patterns("restricted"))
    violations, unchecked = verify_report(copy)
    assert violations == []
    assert unchecked[:2] == [
        "restricted/kpis.json: withheld from this copy: its hash and contents",
        "restricted/priority.csv: withheld from this copy: its hash and contents",
    ]
    assert any("ride order" in u for u in unchecked)
    (copy / "restricted").mkdir()  # a part present but emptied is a violation, not a copy
    violations, _ = verify_report(copy)
    assert "restricted file changed after solving: priority.csv (missing)" in violations


# Every figure on priorities or referrals a run computes (README "KPIs"), by its manifest key.
SEALED_KEYS = (
    "housed_by_priority",
    "waitlisted_by_priority",
    "unserved_worker_days_by_priority",
    "referred",
    "referred_housed",
    "referral_days_to_bed_median",
    "referral_days_to_bed_p90",
    "referred_waitlisted_by_code",
)


@pytest.fixture(scope="module")
def referred_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("referred")
    return _solve(_referrals(tmp), tmp / "run")


def _copy(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    return to


def _published_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and "restricted" not in p.parts]


def test_referral_figures_live_only_in_the_restricted_part(
    referred_run: Path, tmp_path: Path
) -> None:
    """A small run's manifest travels beside its ids (the operator view): a count such as
    `referred: 1` next to one waitlisted id singles someone out. The figures on priorities and
    referrals are in restricted/kpis.json, hashed in the manifest; no published file (manifest,
    plan, report pages) and no operator export carries any of them."""
    manifest = json.loads((referred_run / "manifest.json").read_text())
    sealed = json.loads((referred_run / "restricted" / "kpis.json").read_text())
    salt = (referred_run / "restricted" / SALT).read_bytes()
    assert manifest["restricted"]["kpis.json"] == _keyed(
        salt, (referred_run / "restricted" / "kpis.json").read_bytes()
    )
    assert sealed["housing"]["referred"] == 1 and sealed["housing"]["referred_housed"] == 1
    assert (
        sum(sealed["housing"]["housed_by_priority"].values())
        == manifest["kpis"]["housing"]["housed"]
    )
    assert set(sealed["transport"]) == {"unserved_worker_days_by_priority"}
    for key in SEALED_KEYS:
        assert key not in manifest["kpis"]["housing"] and key not in manifest["kpis"]["transport"]
    for p in _published_files(referred_run):
        text = p.read_bytes()
        for key in SEALED_KEYS:
            assert key.encode() not in text, (p, key)
    assert verify_report(referred_run) == ([], [])
    out = tmp_path / "operator"
    r = CliRunner().invoke(
        app, ["export", str(referred_run), "--role", "operator", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert not (out / "restricted").exists()
    for p in _published_files(out):
        for key in SEALED_KEYS:
            assert key.encode() not in p.read_bytes(), (p, key)
    violations, unchecked = verify_report(out)
    assert (
        violations == []
        and "restricted/kpis.json: withheld from this copy: its hash and contents" in unchecked
    )
    # Whoever holds the restricted part compares them; an operator's copy has none to compare.
    r = CliRunner().invoke(app, ["compare", str(referred_run), str(out), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = {line.split(",")[0]: line.split(",")[1:] for line in r.stdout.splitlines()[1:]}
    assert rows["housing.referred"] == ["1", "–", ""]  # absent from the copy: shown so
    assert rows["housing.housed"][0] == rows["housing.housed"][1]


def test_verify_recomputes_the_restricted_figures_and_refuses_them_beside_ids(
    referred_run: Path, tmp_path: Path
) -> None:
    # A forged figure in restricted/kpis.json, re-hashed as a forger would: recomputed, caught.
    run = _copy(referred_run, tmp_path / "forged")
    p = run / "restricted" / "kpis.json"
    sealed = json.loads(p.read_text())
    sealed["housing"]["referred_housed"] = 0
    p.write_text(json.dumps(sealed))
    _rehash(run, "restricted", "kpis.json", p.read_bytes())
    assert "KPI differs from restricted/kpis.json: housing.referred_housed = 0, recomputed 1" in (
        verify_run(run)
    )
    sealed["housing"]["referred_housed"] = 1
    sealed["housing"]["housed"] = 5  # not a figure on priorities or referrals
    p.write_text(json.dumps(sealed))
    _rehash(run, "restricted", "kpis.json", p.read_bytes())
    assert verify_run(run) == [
        "restricted/kpis.json wrong: housing.housed is not a figure on priorities or referrals "
        "of this run"
    ]
    # A crafted manifest that carries a referral count beside the plan's ids: refused.
    run = _copy(referred_run, tmp_path / "crafted")
    m = json.loads((run / "manifest.json").read_text())
    m["kpis"]["housing"]["referred"] = 1
    (run / "manifest.json").write_text(json.dumps(m))
    assert verify_run(run) == [
        "manifest.json publishes kpis.housing.referred beside the plan's ids: a figure on "
        'priorities or referrals, kept in restricted/kpis.json (README, "Restricted part and '
        'encryption")'
    ]
    r = CliRunner().invoke(app, ["verify", str(run)])
    assert r.exit_code == 1, r.output


def test_the_tiers_by_priority_publish_no_count_and_verify_reads_them_sealed(
    referred_run: Path, tmp_path: Path
) -> None:
    """A tier by priority's objective is how many people of that priority were housed
    (`housed_priority_3`: the referred; its bound: how many could be): beside a small run's ids
    a count singles someone out. The manifest and plan/housing.json publish them null, whether
    the tier is proven still; restricted/tiers.json holds them, and verify checks them there."""
    manifest = json.loads((referred_run / "manifest.json").read_text())
    housing = json.loads((referred_run / "plan" / "housing.json").read_text())
    sealed = json.loads((referred_run / "restricted" / "tiers.json").read_text())["tiers"]
    kpis = json.loads((referred_run / "restricted" / "kpis.json").read_text())["housing"]
    by_name = {t["name"]: t for t in sealed}
    priority_tiers = [t for t in manifest["housing"]["tiers"] if "priority" in t["name"]]
    assert {t["name"] for t in priority_tiers} == set(by_name) and "housed_priority_3" in by_name
    for t in priority_tiers:
        assert (t["objective"], t["bound"], t["gap"]) == (None, None, None)
        assert isinstance(t["optimal"], bool) and t["proof"]
    for t in housing["tiers"]:
        assert (t["objective"] is None) == ("priority" in t["name"])
    assert by_name["housed_priority_3"]["objective"] == kpis["housed_by_priority"]["3"]
    assert verify_report(referred_run) == ([], [])
    # A forged sealed figure, re-hashed as a forger would: the plan recomputes it.
    run = _copy(referred_run, tmp_path / "forged")
    p = run / "restricted" / "tiers.json"
    doc = json.loads(p.read_text())
    for t in doc["tiers"]:
        if t["name"] == "housed_priority_3":
            t["objective"] += 1
            t["bound"] += 1
    p.write_text(json.dumps(doc))
    _rehash(run, "restricted", "tiers.json", p.read_bytes())
    n = by_name["housed_priority_3"]["objective"]
    assert verify_run(run) == [
        f"solver claim wrong: tier housed_priority_3 says objective {n + 1}, the plan gives {n}"
    ]
    # A crafted manifest that publishes the count beside the ids: refused.
    run = _copy(referred_run, tmp_path / "crafted")
    m = json.loads((run / "manifest.json").read_text())
    for t in m["housing"]["tiers"]:
        if t["name"] == "housed_priority_3":
            t |= {k: by_name["housed_priority_3"][k] for k in ("objective", "bound", "gap")}
    (run / "manifest.json").write_text(json.dumps(m))
    found = verify_run(run)
    assert (
        "manifest.json publishes tier housed_priority_3's objective, bound, gap beside the plan's "
        'ids: people of a priority housed, kept in restricted/tiers.json (README, "Restricted '
        'part and encryption")'
    ) in found
    # The operator's copy (no restricted part): the claims of those tiers are said unchecked.
    out = tmp_path / "operator"
    r = CliRunner().invoke(
        app, ["export", str(referred_run), "--role", "operator", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    violations, unchecked = verify_report(out)
    assert violations == []
    assert (
        "the objective and bound of the housing tiers by priority (their claims): needs the "
        "restricted part"
    ) in unchecked


def test_a_run_from_before_the_restricted_figures_is_read_but_not_handed_out(
    referred_run: Path, tmp_path: Path
) -> None:
    """A run written before restricted/kpis.json has the figures in its manifest: verify
    still checks them there (and says it is such a run), the report shows none of them, and
    the operator export is refused in one line (replay writes the run anew)."""
    run = _copy(referred_run, tmp_path / "older")
    m = json.loads((run / "manifest.json").read_text())
    sealed = json.loads((run / "restricted" / "kpis.json").read_text())
    for part, group in sealed.items():
        m["kpis"][part].update(group)
    del m["restricted"]["kpis.json"]
    del m["scenario"]["restricted_inputs"]  # written since (review 18 Q, H1)
    (run / "restricted" / "kpis.json").unlink()
    (run / "manifest.json").write_text(json.dumps(m))
    violations, unchecked = verify_report(run)
    assert violations == []
    assert unchecked == [
        "that manifest.json carries no figure on priorities or referrals: a run from before "
        "restricted/kpis.json (its operator export is refused; replay it)"
    ]
    m["kpis"]["housing"]["referred"] = 2  # still recomputed where it is
    (run / "manifest.json").write_text(json.dumps(m))
    assert verify_run(run) == ["KPI differs from the manifest: housing.referred = 2, recomputed 1"]
    m["kpis"]["housing"]["referred"] = 1
    (run / "manifest.json").write_text(json.dumps(m))
    r = CliRunner().invoke(app, ["report", str(run), "--no-sheets"])
    assert r.exit_code == 0, r.output
    for name in ("index.html", "summary.md"):
        text = (run / "report" / name).read_text()
        for key in SEALED_KEYS:
            assert key not in text, (name, key)
    out = tmp_path / "operator"
    r = CliRunner().invoke(app, ["export", str(run), "--role", "operator", "--out", str(out)])
    assert r.exit_code == 2 and not out.exists()
    assert (
        "manifest.json: kpis.housing.housed_by_priority: a figure on priorities or referrals, "
        "from before restricted/kpis.json: replay the run first"
    ) in r.output


def _edit_priority(run: Path, old: bytes, new: bytes) -> None:
    """Edit restricted/priority.csv in place (decrypted and encrypted again when sealed)."""
    plain, sealed = run / "restricted" / "priority.csv", run / "restricted" / "priority.csv.fernet"
    if sealed.exists():
        box = Fernet(KEY.encode())
        text = box.decrypt(sealed.read_bytes())
        assert old in text
        sealed.write_bytes(box.encrypt(text.replace(old, new)))
    else:
        assert old in plain.read_bytes()
        plain.write_bytes(plain.read_bytes().replace(old, new))


@pytest.mark.parametrize("sealed", [False, True], ids=["plain", "encrypted"])
def test_the_operator_view_cannot_confirm_a_guess_at_the_priorities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sealed: bool
) -> None:
    """The manifest travels without restricted/ beside every id (the operator view): a plain
    sha256 of priority.csv there was matched by trying priorities for those ids (a 30-person
    run in 0.2 CPU s). Each restricted plaintext is recorded keyed with the run's own salt, which
    only the restricted part holds: the sha256 of no restricted file is in the operator view,
    and another salt gives another digest. verify and replay still pass the run (the replay
    keeps the salt) and refuse an edited restricted file."""
    if sealed:
        monkeypatch.setenv(KEY_ENV, KEY)
    else:
        monkeypatch.delenv(KEY_ENV, raising=False)
    run = _solve(_referrals(tmp_path), tmp_path / "run")
    plain = read_restricted(run)
    salt = plain.pop(SALT)
    assert len(salt) == 64 and set(salt.decode()) <= set("0123456789abcdef")
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["restricted"] == {n: _keyed(salt, d) for n, d in plain.items()}
    assert set(plain) >= {"priority.csv", "referrals.csv", "kpis.json"}
    view = tmp_path / "operator"
    r = CliRunner().invoke(app, ["export", str(run), "--role", "operator", "--out", str(view)])
    assert r.exit_code == 0, r.output
    published = b"".join(p.read_bytes() for p in sorted(view.rglob("*")) if p.is_file())
    assert b"hmac-sha256:" in published  # the manifest is there, with its keyed digests
    for name, data in plain.items():  # the right guess, hashed as it was: confirmed by nothing
        assert hashlib.sha256(data).hexdigest().encode() not in published, name
        assert _keyed(b"0" * 64, data).encode() not in published, name
    assert verify_report(run) == ([], [])
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0 and "identical" in r.stdout, r.output
    again = json.loads((tmp_path / "again" / "manifest.json").read_text())
    assert again["restricted"] == manifest["restricted"]
    # The referred person put down to 0: the digest gives it away to whoever holds the salt.
    _edit_priority(run, b"W02,3\n", b"W02,0\n")
    found = verify_run(run)
    assert (
        "restricted file changed after solving: priority.csv (hash differs from the manifest)"
        in found
    ), found
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(tmp_path / "edited")])
    assert r.exit_code == 1, r.output
    assert r.stdout.splitlines()[0] == (
        "differs: restricted/priority.csv: edited after solving (digest differs from the manifest)"
    )
    assert not (tmp_path / "edited").exists()


def test_a_run_from_before_the_salt_still_verifies_and_replays(
    plain_run: Path, tmp_path: Path
) -> None:
    """A run written before the salt records each restricted plaintext's plain sha256 (a bare
    hex value: the prefix names the digest kind) and has no salt: verify and replay compare by
    sha256, and an edit is still caught. Keyed digests with the salt gone are named."""
    run = _copy(plain_run, tmp_path / "older")
    (run / "restricted" / SALT).unlink()
    m = json.loads((run / "manifest.json").read_text())
    m["restricted"] = {
        n: hashlib.sha256((run / "restricted" / n).read_bytes()).hexdigest()
        for n in m["restricted"]
    }
    (run / "manifest.json").write_text(json.dumps(m))
    assert verify_report(run) == ([], [])
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(tmp_path / "again")])
    assert r.exit_code == 0 and "identical" in r.stdout, r.output
    _edit_priority(run, b"W06,0\n", b"W06,1\n")
    assert (
        "restricted file changed after solving: priority.csv (hash differs from the manifest)"
        in verify_run(run)
    )
    r = CliRunner().invoke(app, ["replay", str(run), "--out", str(tmp_path / "edited")])
    assert r.exit_code == 1 and "restricted/priority.csv: edited after solving" in r.stdout
    unsalted = _copy(plain_run, tmp_path / "unsalted")
    (unsalted / "restricted" / SALT).unlink()
    found = verify_run(unsalted)
    missing = "restricted file missing: salt.txt (the manifest's digests of "
    assert any(v.startswith(missing) for v in found), found
    assert not any("hash differs" in v for v in found), found
    r = CliRunner().invoke(app, ["replay", str(unsalted), "--out", str(tmp_path / "re")])
    assert r.exit_code == 1, r.output  # review 13: said every restricted file was edited
    assert r.stdout.splitlines()[0] == (
        "differs: restricted/salt.txt: missing (the manifest's digests of the restricted part "
        "are keyed with it: they cannot be checked)"
    ), r.output
    assert "edited after solving" not in r.stdout
