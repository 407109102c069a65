"""What a loader produces: a table of named columns whose rows remember where they came from.

Loaders only read a format; every check of content (numbers, known units, duplicates) happens once,
in `evalkit.io.data`, so a CSV, an Excel sheet and a JSON file get the same messages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

MAX_PROBLEMS = 50  # more than this in one file says "the wrong file", not fifty typos


@attrs.frozen
class UnsavedFormula:
    """A spreadsheet cell holding a formula whose result was never saved (a program wrote the file)."""

    formula: str

    def __str__(self) -> str:
        return self.formula


@attrs.frozen
class PercentCell:
    """A spreadsheet number shown as a percentage: Excel stores what reads 95% as 0.95."""

    stored: float

    def __str__(self) -> str:
        return f"{self.stored * 100:.10g}%"


@attrs.frozen
class Table:
    """Rows of cells under a header. `row_numbers[i]` is the row as the user sees it in the file."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    row_numbers: tuple[int, ...]
    # "row": spreadsheet/CSV row numbers (header is row 1); "index": position in a JSON array.
    row_style: str = "row"

    def where(self, i: int, column: str | None = None) -> dict:
        """Problem fields that locate row i (and a column) the way the user's file shows it."""
        if self.row_style == "index":
            path = f"$[{self.row_numbers[i]}]" + (f".{column}" if column else "")
            return {"source": self.source, "path": path}
        return {"source": self.source, "row": self.row_numbers[i], "column": column}


@attrs.frozen
class Loader:
    """A file format: its name (as in --format), the file endings it reads, and the reader."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[Path], Table]
    description: str = ""
