"""Writing output files atomically: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

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
    kind = _special_kind(path)
    if kind is not None:
        raise FileAccessError(Problem("evalkit writes only regular files", source=str(path),
                                      expected="a regular file name (or - for standard output)", found=kind))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise FileAccessError(Problem("cannot write in the output folder: permission denied", source=str(path)))


def _special_kind(path: Path) -> str | None:
    """What `path` is when it exists and is not a regular file (a device, a FIFO, a socket), else None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device node"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


TEMP_MARK = ".evalkit-tmp-"


def temp_name(path: Path, pid: int | None = None) -> Path:
    """The temporary file beside `path` that a write by process `pid` uses: .NAME.evalkit-tmp-PID."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid() if pid is None else pid}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def sweep_stale_temps(path: str | Path) -> list[Path]:
    """Remove the temporary files that killed writes to `path` left behind (their process is gone)."""
    path = _target(path)
    directory = path.parent if str(path.parent) else Path(".")
    prefix = f".{path.name}{TEMP_MARK}"
    removed = []
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix)]
    except OSError:
        return []
    for name in names:
        pid_text = name[len(prefix):]
        if not pid_text.isdigit() or (int(pid_text) != os.getpid() and _alive(int(pid_text))):
            continue
        try:
            os.unlink(directory / name)
        except OSError:
            continue
        removed.append(directory / name)
    return removed + _sweep_old_scheme(directory, path.name)


OLD_SCHEME_AGE = 60.0  # seconds: an older temporary file of the earlier naming scheme is a killed write's


def _sweep_old_scheme(directory: Path, name: str) -> list[Path]:
    """Remove temporary files of the naming scheme earlier evalkit versions used (tempfile.mkstemp beside the
    target: ".NAME." + eight characters of [a-z0-9_] + ".tmp") when they are clearly evalkit's and stale: a
    regular file of this user, private (mode 600, as mkstemp made it and a killed write left it), unchanged for
    OLD_SCHEME_AGE seconds. They carry no process id, so age stands in for "its process is gone"."""
    import re
    import time

    pattern = re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}\.tmp")
    removed = []
    try:
        names = [n for n in os.listdir(directory) if pattern.fullmatch(n)]
    except OSError:
        return []
    now = time.time()
    for found in names:
        candidate = directory / found
        try:
            info = os.lstat(candidate)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o600 \
                or (hasattr(os, "getuid") and info.st_uid != os.getuid()) or now - info.st_mtime < OLD_SCHEME_AGE:
            continue
        try:
            os.unlink(candidate)
        except OSError:
            continue
        removed.append(candidate)
    return removed


def check_output_path(output: str | Path, inputs: Iterable[tuple[str, str | None]], option: str = "output") -> None:
    """Before any work: `output` must be writable and must not be one of the `inputs` (evalkit never overwrites them).

    `inputs` are (what, file) pairs: what is an option name such as "--units" (the message says "the --units
    file"), or "an input"; `option` names the output in the message ("-o").
    """
    if str(output) == "-":
        return
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

    On any failure the temporary file is removed and an existing file at `path` is left as it was. Only a
    regular file is ever replaced (a device node, a FIFO or a folder is refused before anything is written).
    The temporary file is named .NAME.evalkit-tmp-PID, so a write killed before it could clean up leaves a
    file the next write to the same path removes (`sweep_stale_temps`).
    """
    if isinstance(content, str):
        data = content.encode("utf-8")
    elif isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
    else:
        raise TypeError(f"write_atomic needs str or bytes, not {type(content).__name__}")
    with atomic_file(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to stream an output into, put in place of `path` only when the block ends without error.

    The same guarantees as `write_atomic`: the content goes to .NAME.evalkit-tmp-PID beside `path`, is
    flushed to disk and renamed over `path` at the end; if the block raises, the temporary file is removed,
    an existing file at `path` is left as it was, and the error goes on (an OSError as a FileAccessError)::

        with atomic_file("result.json") as handle:
            evaluation.write_json(handle)
    """
    check_writable(path)
    path = _target(path)
    directory = path.parent if str(path.parent) else Path(".")
    sweep_stale_temps(path)
    tmp = temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot write here: {exc.strerror or exc}", source=str(path))) from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))  # created private (0o600); results are for sharing
        if _special_kind(path) is not None:  # became a device or FIFO while we wrote: never replace it
            raise FileAccessError(Problem("evalkit writes only regular files", source=str(path),
                                          found=_special_kind(path)))
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
