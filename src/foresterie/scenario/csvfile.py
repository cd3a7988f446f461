"""CSV files of a scenario (workers, fleet, matrix): UTF-8, comma-separated, a header with the
required columns once each, every row as wide as the header; problems as file:row: field."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from foresterie.core.errors import Msg, Problem
from foresterie.core.files import unreadable_reason

MAX_BYTES = 64 * 2**20  # 64 MiB: a season of 250,000 rows fits in a fraction of it
MAX_CELL = 4096  # characters in one cell: ids and dates are short; names stop at 120
MAX_ROWS = 250_000  # per CSV file; Puglia's whole seasonal workforce is in the tens of thousands


def read_csv(
    path: Path, label: str, required: tuple[str, ...], probs: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Stream rows as dicts with their line number; UTF-8 (BOM allowed), comma-separated.
    A file of more than MAX_ROWS lines is refused at once, before any parsing."""
    why = unreadable_reason(path, MAX_BYTES)
    if why:
        probs.append(Problem(label, None, "file", why))
        return
    yield from read_csv_bytes(path.read_bytes(), label, required, probs)


def read_csv_bytes(
    raw: bytes, label: str, required: tuple[str, ...], probs: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """`read_csv` over bytes already read (a decrypted restricted file never touches disk)."""
    lines = raw.count(b"\n")
    if lines > MAX_ROWS:
        probs.append(
            Problem(
                label,
                None,
                "file",
                Msg(
                    "{lines} lines, more than {most}: the planner is sized for one region's "
                    "season; split the scenario",
                    lines=f"{lines:,}",
                    most=f"{MAX_ROWS:,}",
                ),
            )
        )
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        probs.append(
            Problem(label, line, "encoding", Msg("not UTF-8 (Latin-1?): save as UTF-8 CSV"))
        )
        return
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:  # a header cell longer than the csv module's field limit
        probs.append(Problem(label, 1, "header", Msg("unreadable CSV: {why}", why=str(exc))))
        return
    if header is None or not any(h.strip() for h in header):
        probs.append(Problem(label, None, "file", Msg("empty file")))
        return
    names = [h.strip() for h in header]
    if len(names) == 1 and ";" in names[0]:
        probs.append(
            Problem(label, 1, "header", Msg("semicolon-separated; export as comma-separated"))
        )
        return
    missing = [c for c in required if c not in names]
    if missing:
        probs.append(
            Problem(
                label,
                1,
                missing[0],
                Msg("missing column(s): {columns}", columns=", ".join(missing)),
            )
        )
        return
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        probs.append(Problem(label, 1, dupes[0], Msg("column appears twice")))
        return
    n = 0
    line_no = 1
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
        if reader.line_num > start and not _cell_with_line_breaks(cells, len(names)):
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
        n += 1
        yield line_no, dict(zip(names, cells, strict=True))
    if n == 0:
        probs.append(Problem(label, None, "file", Msg("header only, no data rows")))


def _cell_with_line_breaks(cells: list[str], width: int) -> bool:
    """Whether a record over several lines is a quoted cell holding line breaks, as spreadsheets
    write a cell with Alt+Enter (RFC 4180), rather than a stray quote that swallowed rows: the
    record is as wide as the header, and no line inside a cell holds a comma (a swallowed row
    would: every file has four columns or more)."""
    return len(cells) == width and not any(
        "," in part for c in cells if "\n" in c or "\r" in c for part in c.splitlines()
    )
