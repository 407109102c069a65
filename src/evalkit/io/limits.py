"""Limits on what evalkit reads, checked before the work starts, so a hostile or careless input fails fast.

Each limit has a default far above what a county's scorecard, data or ballots need, and an environment
variable that raises it (docs/security.md lists them). `check_input_file` is the one gate every reader
passes: only a regular file (a symbolic link is followed only to a regular file), no larger than the limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import attrs

from evalkit.errors import FileAccessError, Problem, UsageError


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise UsageError(f"the environment variable {name} must be a whole number, not {text!r}") from None
    if value < 1:
        raise UsageError(f"the environment variable {name} must be 1 or more, not {value}")
    return value


@attrs.frozen
class Limits:
    """The limits in force; `Limits.from_env()` reads the EVALKIT_MAX_* environment variables.

    file_mb: largest input file (EVALKIT_MAX_FILE_MB, 64).
    xlsx_cells: most cells read from a sheet, empty ones inside rows included (EVALKIT_MAX_XLSX_CELLS, 5,000,000).
    xlsx_unzipped_mb: largest workbook once unzipped (EVALKIT_MAX_XLSX_UNZIPPED_MB, 512).
    yaml_aliases: most YAML aliases (*name) in one file (EVALKIT_MAX_YAML_ALIASES, 1,000).
    yaml_nodes: most values a YAML file may expand to through its aliases (EVALKIT_MAX_YAML_NODES, 1,000,000).
    depth: deepest nesting of YAML or JSON lists and mappings (EVALKIT_MAX_DEPTH, 100).
    tree_depth: deepest scorecard tree (EVALKIT_MAX_TREE_DEPTH, 20 levels).
    matrix: largest pairwise-comparison matrix (EVALKIT_MAX_MATRIX, 100 criteria).
    samples: most sensitivity draws (EVALKIT_MAX_SAMPLES, 100,000).
    """

    file_mb: int = 64
    xlsx_cells: int = 5_000_000
    xlsx_unzipped_mb: int = 512
    yaml_aliases: int = 1000
    yaml_nodes: int = 1_000_000
    depth: int = 100
    tree_depth: int = 20
    matrix: int = 100
    samples: int = 100_000

    @classmethod
    def from_env(cls) -> Limits:
        d = cls()
        return cls(file_mb=_env_int("EVALKIT_MAX_FILE_MB", d.file_mb),
                   xlsx_cells=_env_int("EVALKIT_MAX_XLSX_CELLS", d.xlsx_cells),
                   xlsx_unzipped_mb=_env_int("EVALKIT_MAX_XLSX_UNZIPPED_MB", d.xlsx_unzipped_mb),
                   yaml_aliases=_env_int("EVALKIT_MAX_YAML_ALIASES", d.yaml_aliases),
                   yaml_nodes=_env_int("EVALKIT_MAX_YAML_NODES", d.yaml_nodes),
                   depth=_env_int("EVALKIT_MAX_DEPTH", d.depth),
                   tree_depth=_env_int("EVALKIT_MAX_TREE_DEPTH", d.tree_depth),
                   matrix=_env_int("EVALKIT_MAX_MATRIX", d.matrix),
                   samples=_env_int("EVALKIT_MAX_SAMPLES", d.samples))

    def to_dict(self) -> dict[str, int]:
        return attrs.asdict(self)


def limits() -> Limits:
    """The limits in force now (the defaults, raised or lowered by EVALKIT_MAX_* environment variables)."""
    return Limits.from_env()


def over_limit(what: str, found: str, limit: int | str, variable: str, source: str | None = None,
               **where: object) -> Problem:
    """A Problem for an input over a limit: names the limit and how to raise it."""
    return Problem(f"{what} is over evalkit's limit of {limit} (set {variable} to allow more)", source=source,
                   expected=f"at most {limit}", found=found, **where)  # type: ignore[arg-type]


def file_kind(mode: int) -> str | None:
    """What a file of this mode is when it is not a regular file, in words."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_not_stdin(path: str | Path) -> None:
    """FileAccessError for `-` as an input: inputs are read more than once and their kind comes from their
    ending, so standard input is not read (docs/security.md says why)."""
    if str(path) == "-":
        raise FileAccessError(Problem("evalkit reads inputs from files, not from standard input", source="-",
                                      expected="a file name (save standard input to a file first)",
                                      found="- (standard input)"))


def check_input_file(path: str | Path, limit: Limits | None = None) -> int:
    """Before reading `path`: it must be a regular file (after following links) within the size limit.

    Returns its size in bytes. A FIFO, a device (such as /dev/zero, directly or through a link) or a
    folder is refused without opening it, so nothing blocks and nothing endless is read.
    """
    limit = limit or limits()
    source = str(path)
    check_not_stdin(path)
    try:
        info = os.stat(path)  # follows links: a link is judged by what it points to
    except FileNotFoundError:
        raise FileAccessError(Problem("file not found", source=source)) from None
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=source)) from None
    kind = file_kind(info.st_mode)
    if kind == "a folder":
        raise FileAccessError(Problem("is a directory, expected a file", source=source))
    if kind is not None:
        raise FileAccessError(Problem("evalkit reads only regular files", source=source,
                                      expected="a regular file", found=kind))
    if info.st_size > limit.file_mb * 1024 * 1024:
        raise FileAccessError(over_limit("the file's size", f"{info.st_size / 1048576:.1f} MB", f"{limit.file_mb} MB",
                                         "EVALKIT_MAX_FILE_MB", source))
    return info.st_size


def read_input_bytes(path: str | Path, limit: Limits | None = None) -> bytes:
    """The bytes of an input file, after `check_input_file`; never more than the size limit plus one byte."""
    limit = limit or limits()
    check_input_file(path, limit)
    most = limit.file_mb * 1024 * 1024
    try:
        # O_NONBLOCK: a FIFO put in the file's place after the check cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            kind = file_kind(status.st_mode)
            if kind is not None:
                raise FileAccessError(Problem("evalkit reads only regular files", source=str(path),
                                              expected="a regular file", found=kind))
            # read() sets aside as many bytes as it is asked for: ask for what the file holds (one more,
            # to see growth after the check), never the whole limit, which may be gigabytes
            parts = [handle.read(min(most, status.st_size) + 1)]
            read = len(parts[0])
            while read > status.st_size and read <= most:  # the file grew after fstat: read on, up to the limit
                part = handle.read(min(most + 1 - read, 1 << 20))
                if not part:
                    break
                parts.append(part)
                read += len(part)
            raw = b"".join(parts) if len(parts) > 1 else parts[0]
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=str(path))) from None
    if len(raw) > most:  # grew after the check
        raise FileAccessError(over_limit("the file's size", f"over {limit.file_mb} MB", f"{limit.file_mb} MB",
                                         "EVALKIT_MAX_FILE_MB", str(path)))
    return raw
