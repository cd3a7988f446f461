"""Files written once into an unpublished folder (core/files.write_new, `unpublished`) and bytes
sent once to a pool's jobs (core/procs.SharedBytes): what the report's driver sheets use in
`solve` instead of an atomic replace per file and the run pickled into every job."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from foresterie.core.files import is_unpublished, unpublished, write_new
from foresterie.core.procs import SharedBytes, results, shared_bytes, submit, worker_pool


def test_write_new_writes_the_bytes_and_never_over_a_file_or_through_a_link(
    tmp_path: Path,
) -> None:
    data = "é\r\n\0x".encode()
    write_new(tmp_path / "a.html", data)
    assert (tmp_path / "a.html").read_bytes() == data
    with pytest.raises(FileExistsError):
        write_new(tmp_path / "a.html", b"other")
    assert (tmp_path / "a.html").read_bytes() == data
    target = tmp_path / "target"
    target.write_bytes(b"kept")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(FileExistsError):
        write_new(str(tmp_path / "link"), b"through")
    assert target.read_bytes() == b"kept"
    with pytest.raises(FileNotFoundError):  # its folder is the caller's to make
        write_new(tmp_path / "no" / "b.html", data)


def test_a_folder_is_unpublished_only_inside_its_block(tmp_path: Path) -> None:
    run, other = tmp_path / "run", tmp_path / "other"
    for p in (run / "report", other):
        p.mkdir(parents=True)
    assert not is_unpublished(run)
    with unpublished(run):
        assert is_unpublished(run) and is_unpublished(run / "report")
        assert is_unpublished(tmp_path / "x" / ".." / "run")  # the same folder, spelled longer
        assert not is_unpublished(other) and not is_unpublished(tmp_path)
        with unpublished(other):
            assert is_unpublished(other) and is_unpublished(run)
        assert not is_unpublished(other)
    assert not is_unpublished(run) and not is_unpublished(run / "report")


def _read_shared(shared: SharedBytes) -> tuple[int, bytes]:  # module level: run in a worker
    return os.getpid(), shared.read()


def test_shared_bytes_reach_every_job_without_travelling_in_it() -> None:
    data = os.urandom(1 << 20)
    with shared_bytes("run-1", data) as shared, worker_pool(2) as pool:
        if hasattr(os, "memfd_create"):
            assert shared.data is None and len(pickle.dumps(shared)) < 1000  # not 1 MB a job
        answers = results([submit(pool, _read_shared, shared) for _ in range(6)], "shared")
        assert [a[1] == data for a in answers] == [True] * 6
        assert all(pid != os.getpid() for pid, _ in answers)
        assert shared.read() == data
    if shared.path is not None:
        with pytest.raises(OSError):  # let go once the block ends
            shared.read()


def test_shared_bytes_travel_in_the_record_where_proc_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A locked-down /proc (no procfs in a container, or one this user may not read): the
    memfd's path would fail in every job, so the bytes go in the record instead (session 17's
    note on helper W's change)."""
    import foresterie.core.procs as procs

    real_open = open

    def no_proc(path: object, *args: object, **kwargs: object) -> object:
        if isinstance(path, str) and path.startswith("/proc/"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", no_proc)
    data = os.urandom(1 << 10)
    with shared_bytes("run-2", data) as shared:
        assert shared.path is None and shared.data == data
    monkeypatch.setattr("builtins.open", real_open)
    assert procs._readable("/proc/self/status") is True
