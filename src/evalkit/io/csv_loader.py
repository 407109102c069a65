"""CSV (and TSV) files, UTF-8 with or without the BOM that Excel's "CSV UTF-8" writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evalkit.definition.documents import read_text
from evalkit.errors import DataError, Problem
from evalkit.io.progress import counted, listening
from evalkit.io.table import MAX_PROBLEMS, Loader, Table


def _delimiter(path: Path, text: str) -> str:
    """Tab for .tsv, and for a .csv whose header has tabs but no commas (Excel's "Unicode Text")."""
    if str(path).lower().endswith(".tsv"):
        return "\t"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if "\t" in first and "," not in first else ","


def read_csv(path: Path) -> Table:
    return csv_table(path, read_text(path))


def csv_table(path: Path, text: str, source: str | None = None) -> Table:
    """A Table from the decoded text of a CSV/TSV file (`source` names it in messages; default the path)."""
    source = source or str(path)
    delimiter = _delimiter(path, text)
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        # rows read are reported to a progress bar when one listens (evalkit.io.progress); else one C call
        records = list(counted(rows, text.count("\n")) if listening() is not None else rows)
    except csv.Error:
        raise DataError(_csv_problem(text, delimiter, source)) from None
    # Row numbers are records, as Excel numbers the rows when it opens the file.
    # (most rows have a first cell, so the whole row is joined only for the few that do not)
    numbered = [(n, r) for n, r in enumerate(records, start=1) if r and (r[0].strip() or "".join(r).strip())]
    if not numbered:
        return Table(source=source, columns=(), rows=(), row_numbers=())
    (_, header), body = numbered[0], numbered[1:]
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1  # Excel keeps empty columns that were once used: ",,," at the end of every line
    problems = []
    for n, row in body:
        if len(row) == width:
            continue
        extra = [cell for cell in row[width:] if cell.strip()]
        if extra:
            problems.append(Problem("the row has more cells than the header; quote a number with a thousands comma, "
                                    'as in "1,234.5"', source=source, row=n,
                                    expected=f"{width} cells", found=f"{len(row)}"))
        elif len(row) < width:
            problems.append(Problem("the row has fewer cells than the header", source=source, row=n,
                                    expected=f"{width} cells", found=f"{len(row)}"))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise DataError(problems)
    return Table(
        source=source,
        columns=tuple(cell.strip() for cell in header[:width]),
        rows=tuple(tuple(r[:width]) for _, r in body),
        row_numbers=tuple(n for n, _ in body),
    )


def _csv_problem(text: str, delimiter: str, source: str) -> Problem:
    """Read again record by record (only when the file is broken) to say on which line the bad record starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1  # the line the next record starts on (a quoted cell can span lines)
    try:
        for _record in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = str(exc)
        if "end of data" in reason or "EOF" in reason:
            return Problem("a quoted cell is never closed", source=source, line=start,
                           expected='a closing quote "', found="the end of the file")
        return Problem(f"not a readable CSV line: {reason}", source=source, line=start)
    return Problem("not a readable CSV file", source=source)


CSV_LOADER = Loader(name="csv", extensions=(".csv", ".tsv"), read=read_csv,
                    description="Comma-separated (tab for .tsv), UTF-8 with or without BOM")
