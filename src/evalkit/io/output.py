"""Writing output files atomically: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from evalkit.errors import FileAccessError, Problem, UsageError


def _target(path: str | Path) -> Path:
    """The file to replace: a symbolic link is followed, so the link keeps pointing at the result."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_writable(path: str | Path) -> None:
    """Fail early, before any work, when `path` cannot be written: no such folder, or a folder itself."""
    path = _target(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileAccessError(Problem("the output folder does not exist", source=str(path),
                                      expected="an existing folder", found=str(directory)))
    if path.is_dir():
        raise FileAccessError(Problem("the output path is a folder", source=str(path), expected="a file name"))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise FileAccessError(Problem("cannot write in the output folder: permission denied", source=str(path)))


def check_output_path(output: str | Path, inputs: Iterable[tuple[str, str | None]], option: str = "output") -> None:
    """Before any work: `output` must be writable and must not be one of the `inputs` (evalkit never overwrites them).

    `inputs` are (what, file) pairs: what is an option name such as "--units" (the message says "the --units
    file"), or "an input"; `option` names the output in the message ("-o").
    """
    check_writable(output)
    for what, given in inputs:
        if not given:
            continue
        try:
            same = os.path.samefile(output, given)
        except OSError:
            same = False  # the output does not exist yet, or the input is missing (reported later)
        if same:
            which = "one of the input files" if what == "an input" else f"the {what} file"
            raise UsageError(f"{option} {output} is {which} ({given}); evalkit never overwrites its inputs "
                             "(choose another output file)")


def _mode_for(path: Path) -> int:
    """The permissions the file would get if written in place: the old file's, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`.

    On any failure the temporary file is removed and an existing file at `path` is left as it was.
    """
    check_writable(path)
    path = _target(path)
    directory = path.parent if str(path.parent) else Path(".")
    if isinstance(content, str):
        data = content.encode("utf-8")
    elif isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
    else:
        raise TypeError(f"write_atomic needs str or bytes, not {type(content).__name__}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot write here: {exc.strerror or exc}", source=str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))  # mkstemp makes the file private (0o600); results are for sharing
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise FileAccessError(Problem(f"cannot write the file: {exc.strerror or exc}", source=str(path))) from None
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
