"""Errors meant for people: one Problem per thing that is wrong, grouped in an exception.

Every error evalkit raises for bad input carries the file, where in it (JSON path and YAML line, or
row and column), what was expected and what was found. The CLI prints the problems and exits with
the error's exit code; it never shows a traceback for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs


@attrs.frozen
class Problem:
    """One thing wrong with one input, located precisely enough to fix it."""

    message: str
    source: str | None = None
    path: str | None = None
    line: int | None = None
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    found: str | None = None

    def location(self) -> str:
        parts = []
        where = self.source or ""
        if self.line is not None:
            where += f":{self.line}"
        if where:
            parts.append(where)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.found is not None:
            details.append(f"found {self.found}")
        if details:
            text += f" ({'; '.join(details)})"
        where = self.location()
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON: its fields that are set."""
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


class EvalkitError(Exception):
    """Base of all errors caused by input; `exit_code` is what the CLI returns."""

    exit_code = 1
    kind = "error"

    def __init__(self, problems: Iterable[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DefinitionError(EvalkitError):
    """A scorecard (or other definition file) is invalid."""

    exit_code = 2
    kind = "invalid definition"


class DataError(EvalkitError):
    """A data, units or ballot file is invalid."""

    exit_code = 3
    kind = "invalid data"


class PluginError(EvalkitError):
    """A plugin failed to load, registered something invalid, or raised."""

    exit_code = 4
    kind = "plugin error"


class FileAccessError(EvalkitError):
    """A file could not be read or written (missing, unreadable, unwritable)."""

    exit_code = 5
    kind = "file error"


class UsageError(EvalkitError):
    """The command line itself is wrong (unknown option, missing argument)."""

    exit_code = 64
    kind = "usage error"


def describe(value: object, limit: int = 60) -> str:
    """Show a found value the way a person typed it, shortened if long."""
    if isinstance(value, str):
        text = repr(value)
    elif value is None:
        text = "nothing (null)"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "an object"
    elif isinstance(value, list):
        text = f"a list of {len(value)}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
