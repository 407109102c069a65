"""CSV as text, the way every evalkit command writes it: UTF-8 text with a BOM so that Excel shows Chinese.

The BOM is written because Excel reads a CSV without one in the system code page; evalkit's own readers
accept it. Text cells go through `evalkit.io.safe_text.spreadsheet_text` (no formula injection, no
control characters). Numbers go in at full precision (`csv_number`), never rounded for display.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from evalkit.io.safe_text import spreadsheet_column_joined, spreadsheet_row
from evalkit.scoring.rounding import json_number


def csv_text(rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None, *, bom: bool = True,
             lineterminator: str = "\r\n") -> str:
    """Rows (and a header) as CSV text: a BOM first unless `bom` is false, CRLF line ends by default."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    if header is not None:
        writer.writerow(spreadsheet_row(header))
    writer.writerows(spreadsheet_row(row) for row in rows)  # no formula, no control character (safe_text)
    return ("\ufeff" if bom else "") + buffer.getvalue()


def csv_number(value: float | int | None) -> str:
    """A number for a CSV cell: 12 significant digits (no binary noise such as 0.30000000000000004); '' for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{json_number(value):.12g}"


def write_csv_columns(handle: BinaryIO, header: Sequence[str] | None, blocks: Iterable[Sequence[Sequence[Any]]], *,
                      bom: bool = True, lineterminator: str = "\r\n") -> None:
    """Write a CSV to a binary `handle` from blocks of columns: the same bytes `csv_text` gives for the same
    rows, encoded as UTF-8, without building the rows in Python.

    Each block is a list of columns of one length (the next rows of the table). Every column goes through
    `spreadsheet_column` (formula prefixes and control characters, as `spreadsheet_text`, worked out per
    distinct text), then the block's rows are written in one call: joined with commas when no cell needs
    quotes (csv would write them the same), else by csv's C writer."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    try:
        if bom:
            text.write("\ufeff")
        writer = csv.writer(text, lineterminator=lineterminator)
        if header is not None:
            writer.writerow(spreadsheet_row(header))
        for columns in blocks:
            _write_block(text, writer, columns, lineterminator)
        text.flush()
    finally:
        text.detach()  # the handle stays open: it belongs to the caller


def csv_columns_text(header: Sequence[str] | None, blocks: Iterable[Sequence[Sequence[Any]]], *, bom: bool = True,
                     lineterminator: str = "\r\n") -> str:
    """`write_csv_columns` as text: the same as `csv_text` of the rows the columns hold."""
    buffer = io.BytesIO()
    write_csv_columns(buffer, header, blocks, bom=bom, lineterminator=lineterminator)
    return buffer.getvalue().decode("utf-8")


_QUOTED = (",", '"', "\r")  # what makes csv's writer (excel dialect, QUOTE_MINIMAL) quote a cell, with line feeds


def _write_block(text: io.TextIOWrapper, writer: Any, columns: Sequence[Sequence[Any]], lineterminator: str) -> None:
    safe = [spreadsheet_column_joined(column) for column in columns]
    rows = zip(*(column for column, _ in safe))
    plain = len(safe) > 1 and all(
        joined is not None and joined.count("\n") == len(column) - 1
        and not any(q in joined for q in (*_QUOTED, *lineterminator.replace("\n", "")))
        for column, joined in safe)
    if not plain:  # quotes, line breaks, non-text cells, or one column (csv writes an empty single cell as "")
        writer.writerows(rows)
        return
    lines = list(map(",".join, rows))
    if lines:
        text.write(lineterminator.join(lines))
        text.write(lineterminator)
