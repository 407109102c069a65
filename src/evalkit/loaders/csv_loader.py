"""CSV (and TSV) files, UTF-8 with or without the BOM that Excel's "CSV UTF-8" writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from evalkit.errors import DataError, Problem
from evalkit.loaders.base import Loader, Table
from evalkit.source import read_text


def read_csv(path: Path) -> Table:
    text = read_text(path)
    delimiter = "\t" if str(path).lower().endswith(".tsv") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise DataError(Problem(f"not a readable CSV file: {exc}", source=str(path))) from None
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(cell.strip() for cell in r)]
    if not numbered:
        return Table(source=str(path), columns=(), rows=(), row_numbers=())
    (_, header), body = numbered[0], numbered[1:]
    return Table(
        source=str(path),
        columns=tuple(cell.strip() for cell in header),
        rows=tuple(tuple(r) for _, r in body),
        row_numbers=tuple(n for n, _ in body),
    )


CSV_LOADER = Loader(name="csv", extensions=(".csv", ".tsv"), read=read_csv,
                    description="Comma-separated (tab for .tsv), UTF-8 with or without BOM")
