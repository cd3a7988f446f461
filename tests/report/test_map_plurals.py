"""The map's counts take the plural their number calls for (review 16: "1 mezzi", "1
passeggeri"): plan_map.js's `tn` picks each counted message's form by the catalogue's own
Plural-Forms rule (maps.py `map_plurals`, `plural_index`), checked here by running the script's
function in Node against gettext's `ngettext` for the same numbers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from foresterie.core.i18n import REPORT_LANGS, Lang
from foresterie.report.maps import PLURAL_TABLE, map_plurals, plural_index
from tests.helpers import ROOT

JS = ROOT / "src" / "foresterie" / "report" / "assets" / "plan_map.js"
COUNTS = [*range(0, 130), 199, 200, 201, 202, 211, 1001, 123_456, 1_000_001]
# each key's message, as maps.py asks gettext for it
MESSAGES = {
    "riders": ("{km} km, {n} rider", "{km} km, {n} riders"),
    "trips": ("{n} trip", "{n} trips"),
    "vehicles": ("{n} vehicle", "{n} vehicles"),
    "unserved_day": ("{n} worker-day unserved (both legs)", "{n} worker-days unserved (both legs)"),
    "unserved_farm": (
        "unserved: {n} worker-day, both legs",
        "unserved: {n} worker-days, both legs",
    ),
}


def test_the_scripts_counted_messages_are_the_listed_ones() -> None:
    used = set(re.findall(r'\btn\("([^"]+)"', JS.read_text(encoding="utf-8")))
    assert used == set(map_plurals(Lang(code="it"))) == set(MESSAGES)


def test_italian_says_one_vehicle_and_two_vehicles() -> None:
    lg = Lang(code="it")
    forms, index = map_plurals(lg), plural_index(lg)
    assert len(index) == PLURAL_TABLE
    assert forms["vehicles"][index[1]] == "{n} mezzo"
    assert forms["vehicles"][index[2]] == "{n} mezzi"
    assert forms["riders"][index[1]] == "{km} km, {n} passeggero"
    assert forms["riders"][index[0]] == "{km} km, {n} passeggeri"


@pytest.mark.parametrize("code", REPORT_LANGS)
def test_the_scripts_plural_agrees_with_gettext(code: str) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    src = JS.read_text(encoding="utf-8")
    body = re.search(r"\n  function tn\(key, n, args\) \{\n.*?\n  \}\n", src, re.S)
    assert body is not None
    lg = Lang(code=code)
    data = {"tn": map_plurals(lg), "pl": plural_index(lg)}
    script = (
        f"var D = {json.dumps(data)};\n{body.group(0)}\n"
        f"var out = {{}}; var keys = {json.dumps(sorted(MESSAGES))};\n"
        f"keys.forEach(function (k) {{ out[k] = {json.dumps(COUNTS)}.map("
        "function (n) { return tn(k, n, {km: '1,5'}); }); });\n"
        "process.stdout.write(JSON.stringify(out));\n"
    )
    done = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)
    got = json.loads(done.stdout)
    for key, (singular, plural) in MESSAGES.items():
        want = [lg.ngettext(singular, plural, n).format(n=n, km="1,5") for n in COUNTS]
        assert got[key] == want, key
