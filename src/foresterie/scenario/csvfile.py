"""CSV files of a scenario (workers, fleet, matrix): UTF-8, comma-separated, a header with the
required columns once each, every row as wide as the header; problems as file:row: field.

With `office` (the scenario's files), also what spreadsheets save when the reading is
unambiguous (README, "Scenario format"): Italian Excel's "CSV (delimitato dal separatore di
elenco)", semicolon-separated, whose `decimals` columns may use a decimal comma (one mark in the
whole file); a first line `sep=;` or `sep=,`; UTF-16 with a byte-order mark; header names in
upper case or padded with spaces. Refused with a hint: tab-separated text ("Unicode text"), UTF-16
without a byte-order mark, another `sep=`, a number with both marks or with the other mark.

Text that is not UTF-8 is read only in the code page its user declares (`encoding`: Italian
Excel on Windows saves "CSV (delimitato dal separatore di elenco)" in Windows-1252): which code
page a file uses is a guess, so an undeclared one is refused with how to declare it, and a
declared one is decoded strictly (a byte the code page does not map: file, line, field). A
byte-order mark is a declaration of its own (Excel's "CSV UTF-8" writes one) and wins."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresterie.core.errors import Msg, Problem
from foresterie.core.files import unreadable_reason
from foresterie.core.i18n import N_

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

MAX_BYTES = 64 * 2**20  # 64 MiB: a season of 250,000 rows fits in a fraction of it
MAX_CELL = 4096  # characters in one cell: ids and dates are short; names stop at 120
MAX_ROWS = 250_000  # per CSV file; Puglia's whole seasonal workforce is in the tens of thousands
SEPARATORS = (",", ";", "\t")  # in the order ties are broken; a tab is named, then refused
_ONE_MARK = re.compile(r"[+-]?[0-9]*([.,])[0-9]+")  # 0,38 or 0.38
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}\.[0-9]{3}")  # 1.200
_DIGITS = re.compile(r"[+-]?[0-9.,]+")
_WIDE = re.compile(rb"[\x80-\xff]")  # a byte beyond ASCII
# The code pages a user may declare (README "Scenario format"), and the codec of each.
ENCODINGS = {"utf-8": "utf-8", "windows-1252": "cp1252"}
# How a scenario declares one; `ledger import` says `--encoding windows-1252` instead.
DECLARE_IN_SCENARIO = '[data] encoding = "windows-1252" in scenario.toml'


def read_csv(
    path: Path,
    label: str,
    required: tuple[str, ...],
    probs: list[Problem],
    *,
    office: bool = False,
    decimals: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    encoding: str = "utf-8",
    declare: str = DECLARE_IN_SCENARIO,
    optional: tuple[str, ...] = (),
    empty_ok: bool = False,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream rows as dicts with their line number; UTF-8 (BOM allowed), comma-separated (with
    `office`, also the spreadsheet variants of the module's docstring; `decimals`: the columns
    whose numbers may have a decimal comma in a semicolon file, given back with a point;
    `dates`: the columns of days (or days and times), which a semicolon file gives as Italian
    Excel writes them (`06/07/2027`), given back as ISO (`2027-07-06`): `_ItalianExcel`;
    `encoding`: the code page the user declared, one of ENCODINGS; `declare`: how, for the
    message that refuses an undeclared one; `optional`: the file's other known columns, whose
    near-misses are refused as the required ones' are: `near_misses`; `empty_ok`: a header
    without rows is a file of no rows, not a mistake, as a fleet before its contract). A file
    of more than MAX_ROWS lines (`max_rows`; bytes: `max_bytes`) is refused at once, before
    any parsing (a matrix file's limits follow from the places the scenario names)."""
    why = unreadable_reason(path, max_bytes)
    if why:
        probs.append(Problem(label, None, "file", why))
        return
    yield from read_csv_bytes(
        path.read_bytes(),
        label,
        required,
        probs,
        office=office,
        decimals=decimals,
        dates=dates,
        encoding=encoding,
        declare=declare,
        optional=optional,
        empty_ok=empty_ok,
        max_rows=max_rows,
    )


def read_csv_bytes(
    raw: bytes,
    label: str,
    required: tuple[str, ...],
    probs: list[Problem],
    *,
    office: bool = False,
    decimals: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    encoding: str = "utf-8",
    declare: str = DECLARE_IN_SCENARIO,
    optional: tuple[str, ...] = (),
    empty_ok: bool = False,
    max_rows: int = MAX_ROWS,
) -> Iterator[tuple[int, dict[str, str]]]:
    """`read_csv` over bytes already read (a decrypted restricted file never touches disk)."""
    lines = raw.count(b"\n")
    if lines > max_rows:
        probs.append(
            Problem(
                label,
                None,
                "file",
                Msg(
                    "{lines} lines, more than {most}: the planner is sized for one region's "
                    "season; split the scenario",
                    lines=f"{lines:,}",
                    most=f"{max_rows:,}",
                ),
            )
        )
        return
    text = _decode(raw, label, probs, office, encoding, declare)
    if text is None:
        return
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    head = _header(text, label, probs, office)
    if head is None:
        return
    reader, names, sep, header_line = head
    # Columns with no name at the right end: a spreadsheet keeps a column in what it saves once
    # anything was typed there, and so writes a separator more on every line. Their cells must
    # be empty (checked per row below); they carry nothing.
    while len(names) > 1 and not names[-1].strip():
        names = names[:-1]
    if len(names) == 1 and ";" in names[0]:
        probs.append(
            Problem(label, 1, "header", Msg("semicolon-separated; export as comma-separated"))
        )
        return
    if office and len(names) == 1 and "\t" in names[0]:
        probs.append(_tab_separated(label, header_line))
        return
    typos = near_misses(names, (*required, *optional))
    if typos:
        probs.extend(
            Problem(
                label,
                header_line,
                given,
                Msg("unknown column; did you mean {column}?", column=meant),
            )
            for given, meant in typos
        )
        return
    missing = [c for c in required if c not in names]
    if missing:
        probs.append(
            Problem(
                label,
                header_line,
                missing[0],
                Msg("missing column(s): {columns}", columns=", ".join(missing)),
            )
        )
        return
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        probs.append(Problem(label, header_line, dupes[0], Msg("column appears twice")))
        return
    marked = [c for c in decimals if c in names] if sep == ";" else []
    excel = _ItalianExcel(names, dates) if office and sep == ";" else None
    pending: list[tuple[int, dict[str, str]]] = []  # rows held until the file's mark is known
    records = 0  # data rows, good or not: a file of bad rows is not "header only"
    line_no = header_line
    while True:
        start = reader.line_num + 1  # the physical line this record starts on
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell longer than the csv module's field limit
            probs.append(Problem(label, start, "row", Msg("unreadable CSV: {why}", why=str(exc))))
            return
        line_no = start
        if reader.line_num > start and not _cell_with_line_breaks(cells, len(names), sep):
            quote = (
                Msg('a quote (") opened here is never closed: remove it')
                if reader.line_num >= last_line
                else Msg(
                    'a quote (") opened here is closed only on line {line}: remove it',
                    line=reader.line_num,
                )
            )
            probs.append(Problem(label, start, "row", quote))
            return
        long = next((i for i, c in enumerate(cells) if len(c) > MAX_CELL), None)
        if long is not None:
            records += 1
            field = names[long] if long < len(names) else "row"
            probs.append(
                Problem(
                    label,
                    line_no,
                    field,
                    Msg(
                        "{n} characters, more than {most}", n=f"{len(cells[long]):,}", most=MAX_CELL
                    ),
                )
            )
            continue
        if not any(c.strip() for c in cells):
            continue
        records += 1
        if len(cells) > len(names) and not any(c.strip() for c in cells[len(names) :]):
            cells = cells[: len(names)]  # the separators of empty columns with no name
        if [c.strip().lower() if office else c.strip() for c in cells] == names:
            # the header again: daily sheets joined into one file (`cat`, copy and paste);
            # one line, not a refusal of each of its cells (session 20, S)
            probs.append(
                Problem(
                    label,
                    line_no,
                    "row",
                    Msg("the header again (files joined into one?): remove this line"),
                )
            )
            continue
        if len(cells) != len(names):
            probs.append(
                Problem(
                    label,
                    line_no,
                    "row",
                    Msg(
                        "{cells} cells, header has {columns}", cells=len(cells), columns=len(names)
                    ),
                )
            )
            continue
        row = dict(zip(names, cells, strict=True))
        if excel is not None:
            excel.read(row)
        if marked:
            pending.append((line_no, row))
        else:
            yield line_no, row
    if pending:
        marks = _DecimalMarks(label, marked, pending)
        yield from ((line, row) for line, row in pending if marks.read(line, row, probs))
    if records == 0 and not empty_ok:
        probs.append(Problem(label, None, "file", Msg("header only, no data rows")))


# What offices send instead of the CSV: the spreadsheet itself. A zip file is an .xlsx or an
# .ods (both zip archives); the OLE2 compound file, an .xls of Excel 97-2003.
_WORKBOOKS = (
    (
        b"PK\x03\x04",
        N_("a zip archive (an .xlsx or .ods workbook?), not CSV text: save it as CSV UTF-8"),
    ),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        N_("an Excel 97-2003 workbook (.xls), not CSV text: save it as CSV UTF-8"),
    ),
)


def _decode(
    raw: bytes,
    label: str,
    probs: list[Problem],
    office: bool,
    encoding: str = "utf-8",
    declare: str = DECLARE_IN_SCENARIO,
) -> str | None:
    """The text of a UTF-8 file (a BOM is dropped); with `office`, also of UTF-16 with a BOM
    (Excel's "Unicode text"). UTF-16 without one is refused: its byte order is a guess. Without
    a BOM, a declared `encoding` other than UTF-8 decodes the file strictly; a file that is
    UTF-8 with characters beyond ASCII contradicts it and is refused (read as the code page it
    would silently become `SocietÃ `)."""
    for magic, what in _WORKBOOKS:  # the workbook itself sent, not its CSV (session 20, S)
        if raw.startswith(magic):
            probs.append(
                Problem(
                    label,
                    None,
                    "file",
                    Msg(what),
                )
            )
            return None
    if office and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count("\n".encode("utf-16-le")) + 1
            probs.append(Problem(label, line, "encoding", Msg("broken UTF-16; save as CSV UTF-8")))
            return None
    if office and len(raw) >= 2 and (raw[0] == 0) != (raw[1] == 0):
        probs.append(
            Problem(
                label,
                1,
                "encoding",
                Msg("UTF-16 without a byte-order mark; save as CSV UTF-8"),
            )
        )
        return None
    codec = ENCODINGS[encoding]
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    if codec == "utf-8" or bom:
        try:
            return raw[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            at = bom + exc.start
            line, field = _where(raw, at, "utf-8-sig", office)
            probs.append(
                Problem(
                    label,
                    line,
                    field,
                    Msg(
                        "not UTF-8 (byte 0x{byte:02X}), yet it begins with UTF-8's byte-order "
                        "mark; save it again as CSV UTF-8",
                        byte=raw[at],
                    )
                    if bom
                    else Msg(
                        "not UTF-8 (byte 0x{byte:02X}); a spreadsheet saved it in a code page: "
                        "if Windows-1252 (Excel's CSV on Windows), declare it with {declare}, "
                        "or save it as CSV UTF-8",
                        byte=raw[at],
                        declare=declare,
                    ),
                )
            )
            return None
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        line, field = _where(raw, exc.start, codec, office)
        probs.append(
            Problem(
                label,
                line,
                field,
                Msg(
                    "byte 0x{byte:02X} is no character of {encoding}, the declared code page: "
                    "the file is in another one; save it as CSV UTF-8",
                    byte=raw[exc.start],
                    encoding=encoding,
                ),
            )
        )
        return None
    found = _WIDE.search(raw)
    if found is not None:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return text  # not UTF-8: the declared code page is the only reading
        line, field = _where(raw, found.start(), codec, office)
        sample = _word_at(raw, found.start())
        probs.append(
            Problem(
                label,
                line,
                field,
                Msg(
                    "the file is UTF-8 ({utf8}), not {encoding} as declared ({wrong}); "
                    "save it as CSV UTF-8 with a byte-order mark, or in {encoding}",
                    utf8=repr(sample),
                    encoding=encoding,
                    wrong=repr(sample.encode("utf-8").decode(codec, "replace")),
                ),
            )
        )
        return None
    return text


def _word_at(raw: bytes, pos: int) -> str:
    """The word of a UTF-8 text around the byte at `pos` (up to a space, a separator or a
    quote), to show in a message."""
    start = raw.rfind(b"\n", 0, pos) + 1
    end = raw.find(b"\n", pos)
    line = raw[start : len(raw) if end < 0 else end].decode("utf-8")
    at = len(raw[start:pos].decode("utf-8"))
    stop = set(' \t\r,;"')
    lo, hi = at, at
    while lo > 0 and line[lo - 1] not in stop:
        lo -= 1
    while hi < len(line) and line[hi] not in stop:
        hi += 1
    return line[lo:hi]


def _where(raw: bytes, pos: int, codec: str, office: bool) -> tuple[int, str]:
    """(line, field) of the byte at `pos`: its column by the header (read in `codec`, the
    earlier lines being readable in it), `header` on the header's own line."""
    line = raw[:pos].count(b"\n") + 1
    start = raw.rfind(b"\n", 0, pos) + 1
    before = raw[:start].decode(codec, "replace")
    head = _header(before, "", [], office) if before.strip() else None
    if head is None or line <= head[3]:
        return line, "header"
    _, names, sep, _ = head
    try:
        cells = next(csv.reader([raw[start:pos].decode(codec, "replace")], delimiter=sep), [""])
    except csv.Error:
        return line, "row"
    return line, names[len(cells) - 1] if len(cells) <= len(names) else "row"


def _squash(name: str) -> str:
    """A column name without case, spaces or separators: `Pickup-ID` and `pickup_id` alike."""
    return "".join(c for c in name.casefold() if c.isalnum())


def near_misses(names: list[str], known: tuple[str, ...]) -> list[tuple[str, str]]:
    """(column given, known column meant) for each header name that is not a known column but
    is close to one the header lacks: the same but for case or separators (`pickup-id`), a few
    letters added or dropped at the end (`ride`, `language` for `lang`), or a near spelling
    (difflib ratio 0.8 or more: `accesible`, `pinned_foresterie`). Such a column's data would be
    dropped on the quiet (an optional column) or its absence reported on every row; any other
    column (names, documents, phones) is ignored, as the README says. A known column the header
    has is never suggested: `arrival_note` beside `arrival` is another column."""
    absent = [k for k in known if k not in names]
    out = []
    for given in names:
        if given in known or not given:
            continue
        g = _squash(given)
        for k in absent:
            c = _squash(k)
            short, long = sorted((g, c), key=len)
            if (
                g == c
                or (len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 4)
                or difflib.SequenceMatcher(None, g, c).ratio() >= 0.8
            ):
                out.append((given, k))
                break
    return out


def csv_header(
    path: Path, label: str, *, office: bool = False, encoding: str = "utf-8"
) -> list[str] | None:
    """The header names as `read_csv` reads them (stripped; lower-cased with `office`), or None
    where it could not read one (`read_csv` names why)."""
    if unreadable_reason(path, MAX_BYTES):
        return None
    probs: list[Problem] = []
    text = _decode(path.read_bytes(), label, probs, office, encoding)
    head = _header(text, label, probs, office) if text is not None else None
    return head[1] if head is not None else None


def _header(
    text: str, label: str, probs: list[Problem], office: bool
) -> tuple[CsvReader, list[str], str, int] | None:
    """(the reader past the header, the header's names as read: stripped, lower-cased with
    `office`; the separator; the header's line), or None with the problem: a separator refused,
    a header the csv module cannot read, an empty file."""
    sep, header_line = ",", 1
    if office:
        found = _separator(text, label, probs)
        if found is None:
            return None
        sep, header_line = found
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        if header_line > 1:
            next(reader)  # the `sep=` line
        header = next(reader, None)
    except csv.Error as exc:  # a header cell longer than the csv module's field limit
        probs.append(
            Problem(label, header_line, "header", Msg("unreadable CSV: {why}", why=str(exc)))
        )
        return None
    if header is None or not any(h.strip() for h in header):
        probs.append(Problem(label, None, "file", Msg("empty file")))
        return None
    return reader, [h.strip().lower() if office else h.strip() for h in header], sep, header_line


def _separator(text: str, label: str, probs: list[Problem]) -> tuple[str, int] | None:
    """(separator, header line): a first line `sep=X` says it (Excel writes and reads it);
    else the one that splits the header line into the most cells, commas on a tie. A tab,
    either way, is refused with a hint."""
    first = re.split(r"\r\n?|\n", text, maxsplit=1)[0].strip(" ")  # not a tab: `sep=\t` names one
    if first.lower().startswith("sep="):
        sep = first[4:]
        if sep == "\t":
            probs.append(_tab_separated(label, 1))
            return None
        if sep not in (",", ";"):
            probs.append(
                Problem(
                    label,
                    1,
                    "header",
                    Msg(
                        "separator {sep} is not a comma or a semicolon; save as CSV UTF-8",
                        sep=repr(sep),
                    ),
                )
            )
            return None
        return sep, 2
    try:
        counts = [len(next(csv.reader([first], delimiter=s), [])) for s in SEPARATORS]
    except csv.Error:  # a cell beyond the csv module's field limit: the reader names it
        return ",", 1
    best = max(range(len(SEPARATORS)), key=lambda i: (counts[i], -i))
    if SEPARATORS[best] == "\t":
        probs.append(_tab_separated(label, 1))
        return None
    return SEPARATORS[best], 1


def _tab_separated(label: str, line: int) -> Problem:
    return Problem(
        label,
        line,
        "header",
        Msg('the file looks tab-separated (Excel "Unicode text"?); save as CSV UTF-8'),
    )


def clip(value: Any) -> str:
    """A value as a message shows it: at most about 40 characters (a 300-digit number, a
    cell of 4,000 characters is not read; its length is said)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= 40:
        return text
    unit = "digits" if isinstance(value, int) else "characters"
    return f"{text[:20]}... ({len(text):,} {unit})"


def ascii_digits(s: str) -> str:
    """A number's text with its digits 0-9 only: Python reads any script's digits (an
    Arabic-Indic ٣, a full-width ２８) as numbers, which a planner never meant to type."""
    bad = next((c for c in s if c.isdigit() and not c.isascii()), None)
    if bad is not None:
        fixed = "".join(
            str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in s
        )
        raise ValueError(
            Msg(
                "{value} has the digit {digit} ({code}), not one of 0-9; write {fixed}",
                value=repr(clip(s)),
                digit=bad,
                code=f"U+{ord(bad):04X}",
                fixed=clip(fixed),
            )
        )
    return s


class _DecimalMarks:
    """A semicolon file's numbers in `columns` (the whole file read first): the first mark no
    reading doubts is the file's decimal mark (Italian Excel writes `0,38`; some programs
    `0.38`), and each number is given back with a point. Refused, as no reading is sure: a
    number with the other mark, or with both (`1.234,50`), or, in a file without decimal points,
    a point before three digits (`1.200`: 1200 with a thousands point, or 1.2?)."""

    def __init__(self, label: str, columns: list[str], rows: list[tuple[int, dict[str, str]]]):
        self.label = label
        self.columns = columns
        self.mark: str | None = None  # the file's mark: the first one no reading doubts
        self.first = 0
        for line, row in rows:
            for col in columns:
                one = _ONE_MARK.fullmatch(row[col].strip())
                if one and self.mark is None and not _THOUSANDS.fullmatch(row[col].strip()):
                    self.mark, self.first = one.group(1), line

    def read(self, line: int, row: dict[str, str], probs: list[Problem]) -> bool:
        ok = True
        for col in self.columns:
            value = row[col].strip()
            why = None
            one = _ONE_MARK.fullmatch(value)
            if one is None:
                if "," in value and "." in value and _DIGITS.fullmatch(value):
                    why = Msg(
                        "{value} has a thousands separator; write the number without it",
                        value=repr(value),
                    )
            elif _THOUSANDS.fullmatch(value) and self.mark != ".":
                why = Msg(
                    "{value} may be {whole} (a thousands point) or a decimal; write {whole}, or "
                    "{comma} with a decimal comma",
                    value=repr(value),
                    whole=value.replace(".", ""),
                    comma=value.replace(".", ","),
                )
            elif one.group(1) != self.mark:
                why = (
                    Msg(
                        "{value} has a decimal point, row {row} a decimal comma: use one mark "
                        "in the whole file",
                        value=repr(value),
                        row=self.first,
                    )
                    if self.mark == ","
                    else Msg(
                        "{value} has a decimal comma, row {row} a decimal point: use one mark "
                        "in the whole file",
                        value=repr(value),
                        row=self.first,
                    )
                )
            if why is not None:
                probs.append(Problem(self.label, line, col, why))
                ok = False
            elif one is not None:
                row[col] = value.replace(",", ".")
        return ok


class _ItalianExcel:
    """A semicolon file is Italian Excel's "CSV (delimitato dal separatore di elenco)", and
    Excel rewrites the days it recognises as it saves (README "Scenario format"): a day typed
    `2027-07-06` comes back `06/07/2027` (Italy's short date: day first, four-digit year), a
    day and time `06/07/2027 06:12`. In the columns of days only, and only in such a file, a
    day-month-year with a four-digit year (`/`, `-` or `.` between) is read as the day it can
    only mean there; a two-digit year (`06/07/27`, LibreOffice's default) or a comma file's
    `06/07/2027` still reach the readers, which refuse them. A cell that is no day read so
    (`08/13/2027`: a month-first day; `31/02/2027`; `06/07/2027 25:10`) is left as written, so
    the reader's message quotes the cell as the file holds it, not a rewrite (`2027-13-08`:
    review 17)."""

    _DAY = re.compile(
        r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})(?:[ T]([0-9]{1,2}):([0-9]{2})(:[0-9]{2})?)?"
    )

    def __init__(self, names: list[str], dates: tuple[str, ...]):
        self.dates = [c for c in dates if c in names]

    def read(self, row: dict[str, str]) -> None:
        for c in self.dates:
            m = self._DAY.fullmatch(row[c].strip())
            if m:
                day, _sep, month, year, hh, mm, ss = m.groups()
                iso = f"{year}-{int(month):02d}-{int(day):02d}"
                if not _real_day(iso, hh, mm, ss):
                    continue  # the reader refuses it as written
                row[c] = iso if hh is None else f"{iso}T{int(hh):02d}:{mm}{ss or ''}"


def _real_day(iso: str, hh: str | None, mm: str | None, ss: str | None) -> bool:
    """Whether a rewritten day (and time) is one the calendar and the clock have."""
    try:
        date.fromisoformat(iso)
    except ValueError:
        return False
    if hh is None:
        return True
    return int(hh) < 24 and int(mm or 0) < 60 and int((ss or ":0")[1:]) < 60


def _cell_with_line_breaks(cells: list[str], width: int, sep: str = ",") -> bool:
    """Whether a record over several lines is a quoted cell holding line breaks, as spreadsheets
    write a cell with Alt+Enter (RFC 4180), rather than a stray quote that swallowed rows: the
    record is as wide as the header, and no line inside a cell holds a comma (a swallowed row
    would: every file has four columns or more)."""
    return len(cells) == width and not any(
        sep in part for c in cells if "\n" in c or "\r" in c for part in c.splitlines()
    )
