"""Reading files as counties make them: GBK CSV, workbooks with title rows, merged headers and several
sheets, and Parquet; each into the Tables the readers of `evalkit.io.data` check.

`read_tables(path, registry, ...)` gives one Table per sheet read, and notes on what was converted on
the way (the encoding of a text file). A file with nothing unusual is read by its registered loader,
exactly as before; the rest goes through the functions here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import DataError, Problem
from evalkit.io.table import Loader, PercentCell, Table, header_key

HeaderTest = Callable[[Sequence[str]], bool]  # does this row of header texts hold the columns wanted?
ALL_SHEETS = "*"


def read_tables(path: str | Path, registry: Any, encoding: str | None = None, sheets: Sequence[str] = (),
                is_header: HeaderTest | None = None) -> tuple[list[Table], list[str]]:
    """The Tables of a data file (one per sheet read) and notes; `sheets` names sheets ("*": every one)."""
    from evalkit.io.inputs import read_table

    path = Path(path)
    suffix = path.suffix.lower()
    loader = registry.loader_for(path) if path.is_file() else None
    if loader is not None and loader.name == "csv" and suffix in (".csv", ".tsv"):
        from evalkit.io.csv_loader import csv_table
        from evalkit.io.encodings import decode_table_text, encoding_note

        text, used = decode_table_text(path, encoding)
        table = csv_table(path, text)
        return [table], ([] if used == "utf-8" else [encoding_note(str(path), used)])
    if suffix == ".parquet" and path.is_file() and (loader is None or loader.name == "parquet"):
        return [read_parquet(path)], []
    if loader is not None and loader.name == "xlsx":
        if sheets:
            return read_sheets(path, sheets, is_header), []
        table = read_table(path, registry)
        if is_header is None or not table.columns or is_header(table.columns):
            return [table], []
        found = read_sheets(path, (), is_header, required=False)
        return found or [table], []  # no header further down either: the long reader says what is missing
    return [read_table(path, registry)], []


def read_parquet(path: Path) -> Table:
    """A Parquet file as a Table, column by column through pyarrow (installed with `pip install evalkit[parquet]`)."""
    from evalkit.io.limits import check_input_file

    check_input_file(path)  # a regular file within the size limit, like every input
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(Problem("reading Parquet files needs pyarrow", source=str(path),
                                expected="pyarrow: pip install 'evalkit[parquet]' (or pip install pyarrow)",
                                found="pyarrow is not installed")) from None
    from evalkit.io.frames import frame_table

    try:
        data = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError ... on a damaged file
        raise DataError(Problem("not a readable Parquet file", source=str(path), expected="a Parquet file",
                                found=f"{type(exc).__name__}: {exc}"[:120])) from None
    table = frame_table(data, str(path))
    return Table(source=str(path), columns=table.columns, rows=table.rows,
                 row_numbers=tuple(n + 1 for n in table.row_numbers), row_style="row")


PARQUET_LOADER = Loader(name="parquet", extensions=(".parquet",), read=read_parquet,
                        description="Parquet file (columnar; needs pyarrow: pip install 'evalkit[parquet]')")

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, escaped characters, [colours] in a number format


def _cell(cell: Any) -> Any:
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in _QUOTED.sub("", cell.number_format or ""):
        return PercentCell(float(value))
    if isinstance(value, str) and not value.strip():
        return None
    return value


def read_sheets(path: Path, sheets: Sequence[str], is_header: HeaderTest | None, required: bool = True) -> list[Table]:
    """The named sheets (all for "*", else the first with a header) as Tables: the header row is the first
    row that `is_header` accepts (below titles and notes), and merged cells hold their value in every cell."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged workbook
        raise DataError(Problem("not a readable Excel workbook", source=str(path),
                                expected="an Excel Workbook (.xlsx) that Excel opens",
                                found=f"{type(exc).__name__}: {exc}"[:120])) from None
    try:
        titles = [ws.title for ws in workbook.worksheets]
        if ALL_SHEETS in sheets:
            chosen = titles
        elif sheets:
            unknown = [s for s in sheets if s not in titles]
            if unknown:
                raise DataError(Problem(f"no sheet named {unknown[0]!r}", source=str(path),
                                        expected="one of " + ", ".join(repr(t) for t in titles), found=repr(unknown[0])))
            chosen = list(sheets)
        else:
            chosen = titles
        tables = []
        for title in chosen:
            table = _sheet_table(path, workbook[title], is_header)
            if table is not None:
                tables.append(table)
                if not sheets:
                    break  # no sheet named: the first sheet with a header
        if not tables and required:
            raise DataError(Problem("no row of the workbook looks like the header", source=str(path),
                                    expected="a row with the columns the file needs (unit, indicator, period, value; or "
                                             "a unit column and a column per indicator)",
                                    found="sheets " + ", ".join(repr(t) for t in chosen)))
        return tables
    finally:
        workbook.close()


def _sheet_table(path: Path, sheet: Any, is_header: HeaderTest | None) -> Table | None:
    rows = [[_cell(c) for c in row] for row in sheet.iter_rows()]
    for merged in sheet.merged_cells.ranges:  # a merged cell's value in every cell it covers
        value = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_row - 1 < len(rows) else None
        for r in range(merged.min_row - 1, min(merged.max_row, len(rows))):
            for c in range(merged.min_col - 1, min(merged.max_col, len(rows[r]))):
                rows[r][c] = value
    source = f"{path} (sheet {sheet.title})"
    for i, row in enumerate(rows):
        texts = [_header_text(c) for c in row]
        if not any(texts):
            continue
        if is_header is None or is_header(texts):
            width = len(texts)
            while width and not texts[width - 1]:
                width -= 1
            body = [(n, r) for n, r in enumerate(rows[i + 1:], start=i + 2)
                    if any(c is not None and str(c).strip() for c in r[:width])]
            # a header merged over two rows (单位 over 单位 in the row below) repeats itself: not a data row
            body = [(n, r) for n, r in body if [_header_text(c) for c in r[:width]] != texts[:width]]
            return Table(source=source, columns=tuple(texts[:width]),
                         rows=tuple(tuple(r[:width]) + (None,) * (width - len(r[:width])) for _, r in body),
                         row_numbers=tuple(n for n, _ in body))
    return None


def _header_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())


def header_test(wanted: Sequence[Sequence[str]], indicator_headers: Callable[[str], bool] | None = None) -> HeaderTest:
    """A row is the header when it holds one alias of every wanted column, or a unit column and an indicator."""
    keys = [{header_key(a) for a in aliases} for aliases in wanted]

    def test(texts: Sequence[str]) -> bool:
        found = {header_key(t) for t in texts if t}
        if all(found & k for k in keys):
            return True
        return indicator_headers is not None and bool(found & keys[0]) and any(indicator_headers(t) for t in texts if t)

    return test
