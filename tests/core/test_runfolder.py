"""report_files: what report.json vouches for, listed without Path objects (core/runfolder)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from foresterie.core.runfolder import report_files


def test_report_files_lists_regular_files_only_in_path_order(tmp_path: Path) -> None:
    report = tmp_path / "report"
    (report / "a-b").mkdir(parents=True)
    (report / "a" / "deeper").mkdir(parents=True)
    files = {"a/x.html": b"1", "a-b/x.html": b"2", "top.md": b"3", "a/deeper/y.gpx": b"4"}
    for rel, data in files.items():
        (report / rel).write_bytes(data)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not ours", encoding="utf-8")
    os.symlink(outside, report / "linked")  # a linked folder: not walked into
    os.symlink(outside / "secret.txt", report / "a" / "link.txt")  # a link: not a file
    os.mkfifo(report / "fifo")  # a special file: not read (it would block)
    listed = report_files(tmp_path)
    assert listed == {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}
    # the order sorting Paths gave (by part: "a" before "a-b"), not the strings' ("a-b" < "a/")
    assert list(listed) == ["a/deeper/y.gpx", "a/x.html", "a-b/x.html", "top.md"]
    assert report_files(tmp_path, known={"top.md": "f" * 64})["top.md"] == "f" * 64
    assert report_files(tmp_path / "none") == {}


def test_regular_files_lists_what_os_walk_would_in_its_order(tmp_path: Path) -> None:
    """The scandir walk (no stat per file) against os.walk with isfile/islink, the old way."""
    from foresterie.core.runfolder import regular_files

    for rel in ["b/z.txt", "b/c/y.txt", "a.txt", "d/e/f/g.txt", "d/x.csv"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    os.symlink(tmp_path / "b", tmp_path / "d" / "linked")
    os.symlink(tmp_path / "a.txt", tmp_path / "b" / "a-link.txt")
    os.mkfifo(tmp_path / "d" / "pipe")
    old = []
    for top, _dirs, names in os.walk(tmp_path):
        prefix = os.path.relpath(top, tmp_path).replace(os.sep, "/")
        for name in names:
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path):
                old.append((name if prefix == "." else f"{prefix}/{name}", path))
    assert regular_files(tmp_path) == old
    assert sorted(rel for rel, _ in old) == [
        "a.txt",
        "b/c/y.txt",
        "b/z.txt",
        "d/e/f/g.txt",
        "d/x.csv",
    ]
