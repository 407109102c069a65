"""A review as long-format data rows (unit, indicator, period, value), alone or after a data file's rows.

`review_data_csv` writes what ``evalkit review --format csv`` prints: the rows `evalkit run --data` reads,
optionally preceded by the rows of an existing data file (``--merge-with``), refusing data rows that the
review would duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.errors import UsageError
from evalkit.io.csv_text import csv_text
from evalkit.io.data import OBSERVATION_COLUMNS
from evalkit.io.table import RowReader, Table
from evalkit.reviews.review import ReviewResult

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

LONG_COLUMNS = ("unit", "indicator", "period", "value")


def review_indicators(result: ReviewResult, wanted: str | Sequence[str] | None = None) -> list[str]:
    """The review's indicators to write: all of them (the review score and each group's), or those in `wanted`
    (a list, or text "a,b" as --indicators takes it; a Chinese comma also separates). UsageError for others."""
    d = result.definition
    known = [d.indicator] + [d.group_indicator(g) for g in d.groups]
    if not wanted:
        return known
    text = wanted if isinstance(wanted, str) else ",".join(wanted)
    chosen = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    unknown = [w for w in chosen if w not in known]
    if unknown or not chosen:
        raise UsageError(f"--indicators {text!r}: expected some of {', '.join(known)}"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return chosen


def data_file_rows(table: Table, period: str | None, ours: Sequence[str]) -> list[list[str]]:
    """The rows of a long-format data table as text, refusing rows of the review's indicators (and period)."""
    reader = RowReader(table, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"))
    rows = []
    for row in reader:
        cells = [row.text(k) if row.has(k) else "" for k in LONG_COLUMNS]
        if cells[1] in ours and (not cells[2] or not period or cells[2] == period):
            row.problem(f"the data already holds {cells[1]!r}, which the review writes", "indicator",
                        expected="no review indicators in the data file (the review supplies them)",
                        found=f"{cells[1]!r} for unit {cells[0]!r}")
            continue
        rows.append(cells)
    reader.raise_problems()
    return rows


def _number_text(value: float) -> str:
    """A rounded value as data: 92 not 92.0, 92.13 as it is."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def review_data_csv(result: ReviewResult, indicators: str | Sequence[str] | None = None,
                    merge_with: str | Path | Table | None = None, registry: Registry | None = None) -> str:
    """CSV (with a BOM) of long-format rows: `merge_with`'s rows first, if given, then the review's (rounded)."""
    wanted = set(review_indicators(result, indicators))
    rows: list[list[str]] = []
    if merge_with is not None:
        if not isinstance(merge_with, Table):
            from evalkit.io.inputs import read_table
            from evalkit.plugins.manager import default_registry

            merge_with = read_table(merge_with, registry if registry is not None else default_registry())
        rows.extend(data_file_rows(merge_with, result.period or "", sorted(wanted)))
    rows.extend([u, ind, p, _number_text(v)] for u, ind, p, v in result.long_rows() if ind in wanted)
    return csv_text(rows, LONG_COLUMNS)
