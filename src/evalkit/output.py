"""Writing output files atomically: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from evalkit.errors import FileAccessError, Problem


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileAccessError(Problem("the output folder does not exist", source=str(path),
                                      expected="an existing folder", found=str(directory)))
    if path.is_dir():
        raise FileAccessError(Problem("the output path is a folder", source=str(path), expected="a file name"))
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot write here: {exc.strerror}", source=str(path))) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise FileAccessError(Problem(f"cannot write the file: {exc.strerror}", source=str(path))) from None
