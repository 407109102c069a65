"""write_atomic: the old file or the new one, never half of one, and nothing left behind."""

from __future__ import annotations

import os
import stat

import pytest

import evalkit.io.output as output
from evalkit.errors import FileAccessError
from evalkit.io.output import check_writable, write_atomic


def test_writes_text_as_utf8_and_bytes_as_given(tmp_path):
    path = tmp_path / "result.json"
    write_atomic(path, "总分 100\n")
    assert path.read_bytes() == "总分 100\n".encode()
    write_atomic(path, b"\x00\xffbinary")
    assert path.read_bytes() == b"\x00\xffbinary"
    assert os.listdir(tmp_path) == ["result.json"]


def test_replaces_an_existing_file_keeping_its_permissions(tmp_path):
    path = tmp_path / "result.csv"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)
    write_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_new_file_gets_the_usual_permissions_not_private_ones(tmp_path):
    path = tmp_path / "result.csv"
    old = os.umask(0o022)
    try:
        write_atomic(path, "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # mkstemp alone would give 0o600


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    path.write_bytes(b"previous")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full_disk)
    with pytest.raises(FileAccessError) as excinfo:
        write_atomic(path, "a new result that does not fit")
    assert str(excinfo.value) == f"{path}: cannot write the file: No space left on device"
    assert excinfo.value.exit_code == 5
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["result.json"]


def test_a_failing_rename_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    path.write_bytes(b"previous")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output.os, "replace", refuse)
    with pytest.raises(FileAccessError, match="Permission denied"):
        write_atomic(path, "new")
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["result.json"]


def test_an_interrupt_removes_the_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "result.json"

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new")
    assert os.listdir(tmp_path) == []


def test_readers_never_see_a_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    path.write_bytes(b"previous")
    seen = []
    real_replace = os.replace

    def look_then_replace(src, dst):
        seen.append(path.read_bytes())  # everything is written, nothing is visible yet
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", look_then_replace)
    write_atomic(path, "x" * 100_000)
    assert seen == [b"previous"]
    assert path.read_bytes() == b"x" * 100_000


def test_output_folder_problems(tmp_path):
    with pytest.raises(FileAccessError) as excinfo:
        write_atomic(tmp_path / "missing" / "out.json", "x")
    assert str(excinfo.value) == (f"{tmp_path / 'missing' / 'out.json'}: the output folder does not exist "
                                  f"(expected an existing folder; found {tmp_path / 'missing'})")
    with pytest.raises(FileAccessError, match="the output path is a folder"):
        write_atomic(tmp_path, "x")
    with pytest.raises(FileAccessError, match="the output folder does not exist"):
        check_writable(tmp_path / "missing" / "out.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_a_symbolic_link_keeps_pointing_at_the_new_result(tmp_path):
    target = tmp_path / "2025.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(FileAccessError, match="permission denied"):
            write_atomic(folder / "out.json", "x")
    finally:
        os.chmod(folder, 0o700)
