"""Excel workbooks (.xlsx): the first sheet, header in its first non-empty row.

Cells come back as Excel holds them, with two cases marked for `evalkit.io.data` to report: a number
shown as a percentage (Excel stores 95% as 0.95, which must not be read as 0.95 points) and a
formula whose result was never saved (a workbook written by a program rather than by Excel).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

from evalkit.errors import DataError, EvalkitError, FileAccessError, Problem
from evalkit.io.limits import Limits, check_input_file, limits, over_limit
from evalkit.io.progress import counted, listening
from evalkit.io.table import Loader, PercentCell, Table, UnsavedFormula

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, escaped characters, [colours] in a number format


def _is_percent(number_format: str | None) -> bool:
    return bool(number_format) and "%" in _QUOTED.sub("", number_format or "")


def _not_a_workbook(path: Path, source: str) -> Problem | None:
    """A file that cannot be a workbook, said in words (a CSV renamed .xlsx, an old .xls, ...)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        found = "an old-format (.xls) or password-protected workbook"
    elif b"\x00" not in head and head.strip():
        found = "a text file (a CSV file with the ending .xlsx?)"
    else:
        found = "another kind of file"
    return Problem("not an Excel workbook", source=source,
                   expected="an Excel Workbook (.xlsx) without a password: in Excel, Save As 'Excel 工作簿 (*.xlsx)'",
                   found=found)


def read_xlsx(path: Path) -> Table:
    """The first sheet of a workbook as a Table, with percentages and unsaved formulas marked for the readers."""
    import openpyxl  # imported here: only Excel users pay for it

    source = str(path)
    limit = limits()
    check_input_file(path, limit)  # a regular file within the size limit
    try:
        if path.stat().st_size == 0:
            return Table(source=source, columns=(), rows=(), row_numbers=())
        problem = _not_a_workbook(path, source)
    except FileNotFoundError:
        raise FileAccessError(Problem("file not found", source=source)) from None
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=source)) from None
    if problem is not None:
        raise DataError(problem)
    check_unzipped_size(path, limit)
    try:
        numbered, sheet_title, unsaved, sheet_count = _read_cells(openpyxl, path, data_only=True, cells=limit.xlsx_cells)
        if unsaved:
            formulas, _, _, _ = _read_cells(openpyxl, path, data_only=False, only=unsaved, cells=limit.xlsx_cells)
            for n, row in numbered:
                for j in range(len(row)):
                    if (n, j) in formulas:
                        row[j] = UnsavedFormula(formulas[(n, j)])
    except EvalkitError:
        raise
    except PermissionError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=source)) from None
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged workbook
        raise DataError(Problem("not a readable Excel workbook", source=source,
                                expected="an Excel Workbook (.xlsx) that Excel opens",
                                found=f"{type(exc).__name__}: {exc}"[:120])) from None
    source = f"{path} (sheet {sheet_title})"
    numbered = [(n, row) for n, row in numbered if any(c is not None and str(c).strip() for c in row)]
    if not numbered:
        if sheet_count > 1:
            raise DataError(Problem("the first sheet is empty; evalkit reads only the first sheet", source=source,
                                    expected="the data on the first sheet (drag its tab to the left)"))
        return Table(source=source, columns=(), rows=(), row_numbers=())
    (_, header), body = numbered[0], numbered[1:]
    width = len(header)
    while width and (header[width - 1] is None or not str(header[width - 1]).strip()):
        width -= 1
    return Table(
        source=source,
        columns=tuple(_header_text(c) for c in header[:width]),
        rows=tuple(tuple(row[:width]) + (None,) * (width - len(row)) for _, row in body),
        row_numbers=tuple(n for n, _ in body),
    )


def _header_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def check_unzipped_size(path: Path, limit: Limits) -> None:
    """Refuse a workbook that would unzip past the limit (a sheet of gigabytes of blanks), before reading it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # reported as an unreadable workbook by openpyxl
    if total > limit.xlsx_unzipped_mb * 1024 * 1024:
        raise DataError(over_limit("the workbook's unzipped size", f"{total / 1048576:.0f} MB",
                                   f"{limit.xlsx_unzipped_mb} MB", "EVALKIT_MAX_XLSX_UNZIPPED_MB", str(path)))


def _too_many_cells(path: Path, cells: int, row: int) -> DataError:
    return DataError(over_limit("the number of cells in the first sheet", f"more by row {row}", f"{cells:,}",
                                "EVALKIT_MAX_XLSX_CELLS", str(path)))


def _read_cells(openpyxl: ModuleType, path: Path, data_only: bool,
                only: set[tuple[int, int]] | None = None,
                cells: int = 5_000_000) -> tuple[Any, str, set[tuple[int, int]], int]:
    """Rows of the first sheet as lists; with data_only, also the cells that might be unsaved formulas.

    With `only` (a set of (row, column) positions), return the formulas found at those positions. The
    sheet's declared size (its <dimension>) is ignored: a workbook that declares A1:D10 but holds 40 rows
    is read whole, and one that declares a million rows reads only those it holds. More than `cells`
    cells (empty ones inside a row counted) is an error.
    """
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        sheet = workbook.worksheets[0]
        title = sheet.title
        declared = (getattr(sheet, "max_row", None) or 0) if only is None and listening() is not None else 0
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # never trust <dimension>: it can be shorter (rows lost) or far larger
        seen = 0
        if only is not None:
            formulas: dict[tuple[int, int], str] = {}
            for n, row in enumerate(sheet.iter_rows(), start=1):
                seen += len(row)
                if seen > cells:
                    raise _too_many_cells(path, cells, n)
                for j, cell in enumerate(row):
                    if (n, j) in only and getattr(cell, "data_type", None) == "f":
                        formulas[(n, j)] = str(cell.value)
            return formulas, title, set(), len(workbook.worksheets)
        rows: list[tuple[int, list[Any]]] = []
        maybe_formula: set[tuple[int, int]] = set()
        # rows read are reported to a progress bar when one listens, against the sheet's declared size
        for n, row in enumerate(counted(sheet.iter_rows(), declared), start=1):
            seen += len(row)
            if seen > cells:
                raise _too_many_cells(path, cells, n)
            if not row:
                continue
            values: list[Any] = []
            for j, cell in enumerate(row):
                value = cell.value
                if value is None:
                    if type(cell).__name__ != "EmptyCell":
                        maybe_formula.add((n, j))  # a cell that exists but has no value
                elif isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and _is_percent(getattr(cell, "number_format", None)):
                    value = PercentCell(float(value))
                values.append(value)
            rows.append((n, values))
        return rows, title, maybe_formula, len(workbook.worksheets)
    finally:
        workbook.close()


XLSX_LOADER = Loader(name="xlsx", extensions=(".xlsx", ".xlsm"), read=read_xlsx,
                     description="Excel workbook, first sheet, header in the first row")
