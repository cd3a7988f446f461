"""Files every stage writes or fingerprints: text written exactly (UTF-8, no newline
translation), atomic replacement, canonical JSON and CSV, and sha256 of a file's bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import stat
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any

from foresterie.core.errors import Msg, Problem, ScenarioError


def csv_text(rows: list[list[Any]], header: list[str]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def csv_cell(value: Any) -> Any:
    """A cell for a CSV a person opens in a spreadsheet: text that a spreadsheet would run as a
    formula (=, +, -, @, tab, CR first) gets a leading apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 exactly (no newline translation), atomically: a reader never sees half a
    file, an interrupt leaves the old one, and a symlink at `path` is replaced, not followed."""
    replace_file(path, text.encode("utf-8"))


def replace_file(path: Path, data: bytes) -> None:
    """Write beside, then rename over: a reader (a cache lookup, a resumed sweep) never sees
    half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # a stale one, or a planted link: never written through
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_new(path: str | Path, data: bytes) -> None:
    """Write a file that is not there yet, into a folder that exists and that no reader sees
    before it is published whole by one rename (`unpublished`): open, write, close. There
    replace_file's care buys nothing and costs 8 syscalls more a file (its mkdir, getpid, the
    unlink of a stale temporary name, the rename, and the buffered file object's fstat, ioctl
    and lseek), ~4,500 times for a season's driver sheets. O_EXCL: a file or a link already at
    `path` is FileExistsError, never written through; a failed write leaves a part file that
    the unpublished folder's removal takes with it. Permissions as open() gives (0o666 less
    the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:  # a regular file takes it all at once, unless a signal cuts it short
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


_UNPUBLISHED: ContextVar[tuple[str, ...]] = ContextVar("unpublished", default=())


@contextmanager
def unpublished(folder: Path) -> Iterator[None]:
    """Work called inside may write into `folder` with write_new (`is_unpublished`): `folder` is
    a new temporary folder that no reader sees until it is published whole by one rename
    (run/folders.atomic_dir, the pipeline's run folder while its report is written). Told to
    this process only: what it puts on a pool's workers says so in the job."""
    token = _UNPUBLISHED.set((*_UNPUBLISHED.get(), str(folder.resolve())))
    try:
        yield
    finally:
        _UNPUBLISHED.reset(token)


def is_unpublished(folder: Path) -> bool:
    """Whether `folder` is one that `unpublished` named to this process (or is inside one)."""
    real = folder.resolve()
    return any(real == Path(top) or real.is_relative_to(top) for top in _UNPUBLISHED.get())


def json_value(data: bytes | str, constants: bool = True) -> Any:
    """JSON read from an untrusted file: nesting too deep to parse (a RecursionError in the
    decoder) is a ValueError like any syntax error, so the caller's one-line message covers it.
    `constants` False: NaN and Infinity (not JSON, though Python writes them) are refused too."""
    try:
        if constants:
            return json.loads(data)
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


MAX_JSON_BYTES = 64 << 20  # far above any record foresterie writes (day.json, purged.json ...)


def read_json(root: Path, rel: str | Path, label: str | None = None) -> Any:
    """The JSON value of a file inside `root` that a user or an attacker may have handed us (a
    run folder's day.json, intake.json, purged.json ...): not a regular file, a link out of
    `root`, too large, not UTF-8, not JSON, nested too deeply: ScenarioError `label: file|json:
    message` (one line, exit 2). `label` names the file in that line (default root/rel). Its
    parts are then read with `json_at`, which checks their types."""
    where = label or str(root / rel)
    try:
        data = read_inside(root, rel, MAX_JSON_BYTES)
    except UnsafePath as exc:
        raise ScenarioError([Problem(where, None, "file", exc.reason)]) from None
    try:
        return json_value(data.decode("utf-8"), constants=False)
    except UnicodeDecodeError:
        raise ScenarioError([Problem(where, None, "encoding", Msg("not UTF-8"))]) from None
    except ValueError as exc:  # JSON syntax, a constant, nesting too deep
        why = str(exc).splitlines()[0][:200]
        raise ScenarioError([Problem(where, None, "json", why)]) from None


_KINDS: dict[type, str] = {dict: "an object", list: "a list", str: "text", bool: "true or false"}


def json_at(
    data: Any,
    label: str,
    path: str | tuple[str | int, ...],
    kind: type,
    *,
    optional: bool = False,
) -> Any:
    """`data` at the dotted `path` ("ledger.path"; "" is `data` itself; a tuple of keys when a
    key holds a dot or a list is indexed: ("trips", 3, "stops")), checked to be of `kind` (dict,
    list, str, int, float, bool; an int is no bool, a float may be an int): a missing key or
    index, or a value of another kind, is ScenarioError `label: path: message` (the path as
    "trips.3.stops"). `optional`: a missing key (or null) gives None."""
    value = data
    keys: list[str | int] = (
        [k for k in path.split(".") if k] if isinstance(path, str) else list(path)
    )
    path = ".".join(map(str, keys))
    for i, key in enumerate(keys):
        at = ".".join(map(str, keys[:i])) or "json"
        if isinstance(key, int):
            if not isinstance(value, list):
                raise ScenarioError([Problem(label, None, at, "not a JSON list")])
            if not 0 <= key < len(value):
                raise ScenarioError([Problem(label, None, path, Msg("missing"))])
            value = value[key]
            continue
        if not isinstance(value, dict):
            raise ScenarioError([Problem(label, None, at, "not a JSON object")])
        if key not in value:
            if optional:
                return None
            raise ScenarioError([Problem(label, None, path, Msg("missing"))])
        value = value[key]
    if value is None and optional:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if (kind is float and not number) or (kind is int and not (number and isinstance(value, int))):
        shown = _shown(value)
        what = "{value} is not a number" if kind is float else "{value} is not a whole number"
        raise ScenarioError([Problem(label, None, path or "json", Msg(what, value=shown))])
    if kind not in (int, float) and not isinstance(value, kind):
        shown = _shown(value)
        why = f"{shown} is not {_KINDS.get(kind, kind.__name__)}"
        raise ScenarioError([Problem(label, None, path or "json", why)])
    return value


def _shown(value: Any) -> str:
    """A JSON value as a message shows it: scalars as written (cut short), containers named."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    return json.dumps(value)[:40]


class CsvRow(dict[str, str]):
    """One data row of a file read by `read_csv`: its cells by column, and typed reads that
    name the file, row and field when a cell is not what is expected (ScenarioError, one line,
    exit 2). A column the file lacks is named too (`read_csv` checks the ones it is told of)."""

    def __init__(self, cells: dict[str, str], file: str, row: int):
        super().__init__(cells)
        self.file, self.row = file, row

    def __missing__(self, key: str) -> str:
        raise ScenarioError([Problem(self.file, 1, key, "missing column")])

    def _bad(self, field: str, message: str) -> ScenarioError:
        return ScenarioError([Problem(self.file, self.row, field, message)])

    def whole(self, field: str) -> int:
        v = self[field]
        if not re.fullmatch(r"[+-]?\d{1,18}", v.strip()):
            raise self._bad(field, Msg("{value} is not a whole number", value=repr(v[:40])))
        return int(v)

    def number(self, field: str) -> float:
        v = self[field]
        try:
            x = float(v)
        except ValueError:
            x = math.nan
        if not math.isfinite(x):
            raise self._bad(field, Msg("{value} is not a number", value=repr(v[:40])))
        return x

    def minutes(self, field: str) -> int:
        """A plan's clock time HH:MM (a return after midnight may pass 24:00) in minutes."""
        v = self[field]
        if not re.fullmatch(r"\d{2}:[0-5]\d", v) or int(v[:2]) > 47:
            raise self._bad(field, f"{v[:40]!r} is not a time HH:MM")
        return int(v[:2]) * 60 + int(v[3:])

    def one_of(self, field: str, allowed: Collection[str], what: str) -> str:
        """The cell, which must be one of `allowed` (ids the season knows, codes)."""
        v = self[field]
        if v not in allowed:
            raise self._bad(field, f"{v[:40]!r} is not {what}")
        return v

    def day(self, field: str) -> date:
        v = self[field]
        try:
            if len(v) == 10:
                return date.fromisoformat(v)
        except ValueError:
            pass
        raise self._bad(field, f"{v[:40]!r} is not a date YYYY-MM-DD")


def read_csv(path: Path, columns: tuple[str, ...] = (), label: str | None = None) -> list[CsvRow]:
    """The data rows of a CSV file that a user or an attacker may have handed us (a run
    folder's plan or inputs): not a regular file, too large, not UTF-8, not CSV, a row with
    more or fewer fields than the header, one of `columns` missing: ScenarioError `label:row:
    field: message` (one line, exit 2), never a traceback. A BOM is skipped; blank lines too."""
    where = label or str(path)
    why = unreadable_reason(path, MAX_CSV_BYTES)
    if why:
        raise ScenarioError([Problem(where, None, "file", why)])
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError:
        raise ScenarioError([Problem(where, None, "encoding", Msg("not UTF-8"))]) from None
    except csv.Error as exc:
        raise ScenarioError([Problem(where, None, "file", f"unreadable CSV: {exc}")]) from None
    header = rows[0] if rows else []
    for name in columns:
        if name not in header:
            raise ScenarioError([Problem(where, 1, name, "missing column")])
    out = []
    for n, r in enumerate(rows[1:], start=2):
        if not r:
            continue
        if len(r) != len(header):
            msg = f"{len(r)} fields, the header has {len(header)}"
            raise ScenarioError([Problem(where, n, "row", msg)])
        out.append(CsvRow(dict(zip(header, r, strict=True)), where, n))
    return out


MAX_CSV_BYTES = 1 << 30  # a plan file of a 50,000-worker season is well under 100 MB


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def unreadable_reason(path: Path, max_bytes: int) -> str | None:
    """Why `path` must not be read as an input file, or None: it must be a regular file (a FIFO
    would block, a device never ends) no larger than `max_bytes`."""
    try:
        st = path.stat()
    except OSError as exc:
        return Msg("cannot read: {why}", why=exc.strerror or str(exc))
    if not stat.S_ISREG(st.st_mode):
        return Msg("not a regular file")
    if st.st_size > max_bytes:
        return Msg("{n} bytes, more than {most}", n=f"{st.st_size:,}", most=f"{max_bytes:,}")
    return None


class UnsafePath(ValueError):
    """A path inside a folder that must not be read or written (it leads outside, is a link,
    a FIFO or a device, or is too large)."""

    def __init__(self, rel: str | Path, reason: str):
        self.rel, self.reason = str(rel), reason
        super().__init__(f"{rel}: {reason}")


def inside(root: Path, rel: str | Path) -> Path:
    """`root / rel`, refused unless it stays inside `root` once links are resolved."""
    path = root / rel
    real, top = path.resolve(), root.resolve()
    if real != top and not real.is_relative_to(top):
        raise UnsafePath(rel, f"leads outside {root}")
    return path


def read_inside(root: Path, rel: str | Path, max_bytes: int) -> bytes:
    """Bytes of a regular file inside `root` (links may not leave it), at most `max_bytes`."""
    path = inside(root, rel)
    why = unreadable_reason(path, max_bytes)
    if why:
        raise UnsafePath(rel, why)
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while read
        raise UnsafePath(rel, f"more than {max_bytes:,} bytes")
    return data


def real_dir(folder: Path) -> Path:
    """`folder` as a real directory with no symbolic link anywhere inside it: a link planted at
    it or below it (to a file or a folder elsewhere) is removed, so nothing written into the
    folder afterwards can land outside it."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for top, dirs, files in os.walk(folder):  # does not follow links
        for name in dirs + files:
            p = Path(top) / name
            if p.is_symlink():
                p.unlink()
    return folder
