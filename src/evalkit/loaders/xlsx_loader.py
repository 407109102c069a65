"""Excel workbooks (.xlsx): the first sheet, header in its first non-empty row."""

from __future__ import annotations

import zipfile
from pathlib import Path

from evalkit.errors import DataError, FileAccessError, Problem
from evalkit.loaders.base import Loader, Table


def read_xlsx(path: Path) -> Table:
    import openpyxl  # imported here: only Excel users pay for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise FileAccessError(Problem("file not found", source=str(path))) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(Problem("not a readable .xlsx workbook", source=str(path),
                                expected="an Excel 2007+ workbook (.xlsx)", found=str(exc) or type(exc).__name__)) from None
    try:
        sheet = workbook.worksheets[0]
        numbered = [(n, row) for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
                    if any(cell is not None and str(cell).strip() for cell in row)]
    finally:
        workbook.close()
    if not numbered:
        return Table(source=str(path), columns=(), rows=(), row_numbers=())
    (_, header), body = numbered[0], numbered[1:]
    width = len(header)
    while width and (header[width - 1] is None or not str(header[width - 1]).strip()):
        width -= 1
    return Table(
        source=f"{path} (sheet {sheet.title})",
        columns=tuple("" if c is None else str(c).strip() for c in header[:width]),
        rows=tuple(tuple(row[:width]) for _, row in body),
        row_numbers=tuple(n for n, _ in body),
    )


XLSX_LOADER = Loader(name="xlsx", extensions=(".xlsx",), read=read_xlsx,
                     description="Excel workbook, first sheet, header in the first row")
