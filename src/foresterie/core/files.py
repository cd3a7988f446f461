"""Files every stage writes or fingerprints: text written exactly (UTF-8, no newline
translation), atomic replacement, canonical JSON and CSV, and sha256 of a file's bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

from foresterie.core.errors import Msg


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


def json_value(data: bytes | str) -> Any:
    """JSON read from an untrusted file: nesting too deep to parse (a RecursionError in the
    decoder) is a ValueError like any syntax error, so the caller's one-line message covers it."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deeply to read") from None


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
