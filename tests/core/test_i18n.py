"""Languages: complete catalogues, no user-facing text outside them, CLDR formats.

The catalogue tests fail on any message of the sources missing from the Italian or English
catalogue, on any empty or fuzzy translation there, and on a translation whose {placeholders}
differ from its msgid's. The AST test fails on user-facing text written straight into an
f-string or string literal of the report, map, sheet and notice modules instead of going
through the catalogue.
"""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from foresterie.core.i18n import LANGS, Lang, cli_lang, lang, po_path
from foresterie.report.maps import MAP_STRINGS
from tests.helpers import ROOT

SRC = ROOT / "src" / "foresterie"
KEYWORDS = {"_": None, "N_": None, "Msg": None, "gettext": None, "ngettext": (1, 2)}
# Modules whose every human-facing string must come from the catalogue.
CHECKED = [
    "report/html.py",
    "report/maps.py",
    "report/sheets.py",
    "report/notices.py",
    "report/monitor.py",
    "report/boarding.py",
    "report/page.py",
    "sweep/report.py",
]
# Functions writing data files (GPX, CSV), which stay as they are (machine-readable, and
# byte-identical to earlier runs), and assignments of CSS and templates.
DATA_FUNCTIONS = {"sheet_gpx", "drivers_csv"}
NOT_TEXT_NAMES = {
    "CSS",
    "SHEET_CSS",
    "NOTICE_CSS",
    "BOARDING_CSS",
    "FIT_CSS",
    "VIEWPORT",
    "_template",
}
TRANSLATING_CALLS = {"_", "N_", "gettext", "ngettext"}
NOTICE_LANGS = ("fr", "ar")


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with po_path(code).open("rb") as fh:
        return read_po(fh, locale=code)


def _source_messages(paths: list[str] | None = None) -> set[str | tuple[str, ...]]:
    """Every message marked in the sources, as Babel's extractor sees it (`make messages`)."""
    found: set[str | tuple[str, ...]] = set()
    for filename, _lineno, message, _comments, _ctx in extract_from_dir(
        str(SRC), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if paths is None or filename in paths:
            found.add(message[0] if isinstance(message, tuple) and len(message) == 1 else message)
    return found


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


@pytest.mark.parametrize("code", ["it", "en"])
def test_catalogue_has_every_message_translated(code: str) -> None:
    cat = _catalog(code)
    ids = {m.id for m in cat if m.id}
    missing = sorted(str(m) for m in _source_messages() if m not in ids)
    assert missing == [], f"{code}: messages missing from the catalogue (make messages): {missing}"
    untranslated = [
        m.id
        for m in cat
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == [], f"{code}: untranslated or fuzzy: {untranslated}"
    assert len(ids) >= 150  # the report, map, sheets and notices


@pytest.mark.parametrize("code", LANGS)
def test_translations_keep_the_placeholders(code: str) -> None:
    for m in _catalog(code):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = _placeholders(ids[-1])
        for s in strings:
            if s:
                assert _placeholders(s) == want, (code, m.id, s)


@pytest.mark.parametrize("code", NOTICE_LANGS)
def test_notice_languages_cover_every_notice_message(code: str) -> None:
    cat = _catalog(code)
    done = {m.id for m in cat if m.id and m.string and not m.fuzzy}
    notice = _source_messages([str(Path("report") / "notices.py")])
    assert notice and notice <= done, sorted(str(m) for m in notice - done)


def test_map_script_messages_are_all_in_the_catalogue_list() -> None:
    js = (SRC / "report" / "assets" / "plan_map.js").read_text(encoding="utf-8")
    used = set(re.findall(r'\bt\("([^"]+)"', js))
    assert used == set(MAP_STRINGS)


def _is_user_text(text: str) -> bool:
    """Words meant for people: two words with letters, or a capitalised word; not markup,
    file names, codes or placeholders."""
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&#?\w+;", " ", text)
    words = [
        w
        for w in text.split()
        if re.search(r"[^\W\d_]{2,}", w) and not re.fullmatch(r"[\w/.-]+\.[a-z]{2,7}", w)
    ]  # file names (results.csv) are not words
    if len(words) >= 2:
        return True
    return any(re.fullmatch(r"[A-Z][a-z]+[:.]?", w) for w in words)


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            skip.add(id(body[0].value))  # docstring
        if isinstance(node, ast.FunctionDef) and node.name in DATA_FUNCTIONS:
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in NOT_TEXT_NAMES for t in targets):
                skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name in TRANSLATING_CALLS:
                for a in node.args:
                    skip.update(id(n) for n in ast.walk(a))
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            for v in node.values:
                skip.add(id(v))
            text = "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _is_user_text(text):
            out.append(f"{path.name}:{node.lineno}: {text[:60]!r}")
    return out


@pytest.mark.parametrize("module", CHECKED)
def test_no_user_text_bypasses_the_catalogue(module: str) -> None:
    assert _offences(SRC / module) == []


def test_the_check_catches_an_untranslated_f_string(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'def f(n, lg):\n    a = f"<h1>Vehicle {n}</h1>"\n    b = lg._("Vehicle {n}")\n'
        '    c = f"<td class=\'n\'>{n}</td>"\n    return "riders left unserved", a, b, c\n',
        encoding="utf-8",
    )
    assert [o.split(":")[1] for o in _offences(bad)] == ["2", "5"]


def test_italian_and_english_formats() -> None:
    it, en = lang("it"), lang("en")
    assert it.num(1120) == "1.120" and en.num(1120) == "1,120"
    assert it.eur(17.52) == "17,52\xa0€" and en.eur(17.52) == "€17.52"
    assert it.date(date(2026, 11, 26)) == "26 novembre 2026"
    assert en.date("2026-11-26") == "26 November 2026"  # day-month, as read in Italy (en_GB)
    assert en.date("2027-08-10", "full") == "Tuesday, 10 August 2027"
    assert it.pct(87.456) == "87,5%" and it.num(2.25, 1) in ("2,2", "2,3")
    assert it._("Departure") == "Partenza" and en._("Departure") == "Departure"
    one = "{n} worker-day was left without a round trip ({pct} of them with a proven reason)."
    many = "{n} worker-days were left without a round trip ({pct} of them with a proven reason)."
    assert it.ngettext(one, many, 2).startswith("{n} giornate-lavoratore sono")
    assert it.ngettext(one, many, 1).startswith("{n} giornata-lavoratore è")


@pytest.mark.parametrize("code", LANGS)
def test_numbers_and_dates_are_babels_own(code: str) -> None:
    """Lang.num parses the locale and the pattern once (i18n._num), then formats as
    Babel's format_decimal does from scratch: the same text for every kind of value (ties to
    even, thousands, a float's long tail, zero, a negative, an int) in every language; so do
    dates (the locale parsed once) as format_date."""
    lg = lang(code)
    values = [0, 1, 7, 999, 1000, 1120, 1234567, -3, -1234.5]
    values += [x / 20 for x in range(-40, 400)]  # every tie at 1 decimal: 0.05, 0.15, ...
    values += [0.1 + 0.2, 2.675, 1e-9, 123456.789, 98765.4321, 12.0, 0.5, 1.5, 2.5]
    for digits in (0, 1, 2):
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        for v in values:
            assert lg.num(v, digits) == format_decimal(v, format=pattern, locale=lg.fmt), (
                v,
                digits,
            )
    assert lang("it").num(1234.56, 1) == "1.234,6" and lang("en").num(1234.56, 1) == "1,234.6"
    for d in (date(2027, 5, 1) + timedelta(days=k) for k in range(0, 400, 7)):
        for fmt in ("full", "long", "medium", "short"):
            assert lg.date(d, fmt) == format_date(d, format=fmt, locale=lg.fmt), (d, fmt)


def test_arabic_is_right_to_left_and_unknown_messages_fall_back_to_english() -> None:
    ar = lang("ar")
    assert ar.rtl and ar.dir == "rtl" and not lang("fr").rtl
    assert ar._("Departure") != "Departure"
    assert ar._("Key figures") == "Key figures"  # not a notice message: English
    assert Lang(code="it").num(1) == "1"


@pytest.mark.parametrize(
    "env, code",
    [
        ({"FORESTERIE_LANG": "ar", "LANG": "it_IT.UTF-8"}, "ar"),
        ({"LANG": "it_IT.UTF-8"}, "it"),
        ({"LANGUAGE": "de:fr", "LANG": "it_IT.UTF-8"}, "fr"),
        ({"LC_ALL": "C", "LANG": "it_IT.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_command_line_follows_the_locale(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], code: str
) -> None:
    for var in ("FORESTERIE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert cli_lang().code == code
