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
