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
from typing import Any

from evalkit.io.safe_text import spreadsheet_row
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
