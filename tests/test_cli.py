"""Exit codes mean one thing: a bug is exit 3 with one line and its traceback in a file, never
exit 1 ("verification failed") and never a traceback on the terminal."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import TINY

# A command that fails the way a bug does, added to the real app before main() runs.
BOOM = """
import sys
import foresterie.cli as cli

@cli.app.command("boom")
def boom() -> None:
    raise RuntimeError("kaput: the unexpected happened")

sys.argv = ["foresterie", "boom"]
from foresterie.__main__ import main
main()
"""


def test_internal_error_is_exit_3_one_line_and_a_traceback_file(tmp_path: Path) -> None:
    env = {**os.environ, "FORESTERIE_CRASH_DIR": str(tmp_path / "crash")}
    r = subprocess.run([sys.executable, "-c", BOOM], capture_output=True, text=True, env=env)
    assert r.returncode == 3
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "internal error" in lines[0] and "RuntimeError: kaput" in lines[0]
    assert "Traceback" not in r.stderr
    m = re.search(r"full traceback in (\S+\.txt)", lines[0])
    assert m, lines[0]
    saved = Path(m.group(1))
    assert saved.parent == tmp_path / "crash"
    text = saved.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert text.rstrip().endswith("RuntimeError: kaput: the unexpected happened")


def test_bad_input_stays_exit_2(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "foresterie", "validate", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and r.stderr.strip()


def _cli(lang: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FORESTERIE_LANG": lang, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "foresterie", *args], capture_output=True, text=True, env=env
    )


def test_help_and_messages_speak_the_users_language(tmp_path: Path) -> None:
    """Help and messages in Italian under an Italian locale; `error:` and exit codes stay."""
    it = _cli("it", "report", "--help")
    assert "(Ri)scrive RUN/report/" in it.stdout and "Una cartella di run." in it.stdout
    assert "(Re)write RUN/report/" in _cli("en", "report", "--help").stdout
    r = _cli("it", "report", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path}: non è una cartella di run (manca manifest.json)"


def test_validation_explanations_are_translated_file_row_field_stay(tmp_path: Path) -> None:
    sc = tmp_path / "tiny"
    shutil.copytree(TINY, sc)
    text = (sc / "workers.csv").read_text(encoding="utf-8-sig")
    (sc / "workers.csv").write_text(text.replace("2026-07-06", "06/07/2026", 1), encoding="utf-8")
    it, en = _cli("it", "validate", str(sc)), _cli("en", "validate", str(sc))
    assert it.returncode == en.returncode == 2
    assert en.stderr.strip() == (
        "error: workers.csv:2: arrival: date '06/07/2026' is dd/mm/yyyy; write ISO 2026-07-06"
    )
    assert it.stderr.strip() == (
        "error: workers.csv:2: arrival: la data '06/07/2026' è gg/mm/aaaa; "
        "scrivi in formato ISO 2026-07-06"
    )


LEAKY = """
import sys
import foresterie.cli as cli

@cli.app.command("leak")
def leak(ledger: str) -> None:
    raise RuntimeError(f"kaput on {ledger}")

sys.argv = ["foresterie", "leak", "postgresql://ops:pw-Secr3t@db/season?password=pw-Other"]
from foresterie.__main__ import main
main()
"""


def test_a_crash_keeps_no_ledger_password(tmp_path: Path) -> None:
    """A bug while a PostgreSQL ledger URL is on the command line: the one line and the
    traceback file show the URL with *** for its passwords."""
    env = {**os.environ, "FORESTERIE_CRASH_DIR": str(tmp_path / "crash")}
    r = subprocess.run([sys.executable, "-c", LEAKY], capture_output=True, text=True, env=env)
    assert r.returncode == 3
    assert "kaput on postgresql://ops:***@db/season?password=***" in r.stderr
    (saved,) = (tmp_path / "crash").iterdir()
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("foresterie leak postgresql://ops:***@db/season?password=***\n")
    assert "pw-" not in r.stderr and "pw-" not in text


def test_map_replaces_an_earlier_map_only(tiny_season_run: Path, tmp_path: Path) -> None:
    """`map RUN --out notes.txt` overwrote notes.txt (a map has no --force): an --out that exists
    is replaced only when it is an .html file."""
    from tests.helpers import cli_run

    notes, folder, old = tmp_path / "notes.txt", tmp_path / "Documents", tmp_path / "old.html"
    notes.write_text("mine", encoding="utf-8")
    folder.mkdir()
    old.write_text("<p>an earlier map</p>", encoding="utf-8")
    for target in (notes, folder):
        code, out = cli_run("map", str(tiny_season_run), "--out", str(target))
        assert code == 2 and out.strip() == (
            f"error: {target}: exists and is not an .html file; choose another --out"
        )
    assert notes.read_text(encoding="utf-8") == "mine" and list(folder.iterdir()) == []
    code, out = cli_run("map", str(tiny_season_run), "--out", str(old))
    assert code == 0, out
    assert old.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
