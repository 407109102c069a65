"""A columnar fast path for the tables of the methods and reviews: clean CSV read column by column.

The exact path reads a file into a `Table` of Python strings and checks it row by row with the table
toolkit (`evalkit.io.table.RowReader`): every problem is located by row and column. That costs a Python
object per cell, which at 10^6 units is most of a command's time. This module reads a CSV file with
pyarrow's C++ reader instead, every column as text, and hands the readers whole columns.

It only takes what it reads exactly as the exact path would, and says "no" (None) to everything else,
so the caller then reads the file the exact way and every message stays the same:

- the file is a ``.csv`` or ``.tsv`` read by evalkit's own CSV loader (a plugin's loader is never bypassed),
  UTF-8 with or without BOM, no NUL byte, no quote character but in a quoted empty cell ("", as polars
  writes an empty text), no blank first line, no empty header cell, and every record with as many cells
  as the header (an empty line is such a record);
- `texts` gives a column as `cell_text` would (trimmed, NFKC), checked for the whole column at once;
- `numbers` gives a column as `parse_number` would, and only when every cell is plain number text
  (no spaces, no thousands commas, no full-width digits, nothing empty) with a finite value.

Row numbers are those of the exact path: the header is row 1, the k-th record below it row k + 1.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.errors import EvalkitError
from evalkit.io.table import Table, cell_text
from evalkit.plugins.manager import Registry

__all__ = ["PYTHON_SPACES", "CsvColumns", "numbers", "optional_numbers", "primitive", "read_csv_columns", "text_codes", "texts"]

# Every character str.strip() removes (str.isspace), as an RE2 class; tests check it against Python.
PYTHON_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                 "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PYTHON_SPACES) + "]"
_EDGE_SPACE = f"^{_SPACE_CLASS}|{_SPACE_CLASS}$"
# parse_number's plain number text (its _NUMBER), with no space around it
_PLAIN_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


@attrs.frozen(eq=False)
class CsvColumns:
    """A CSV file's header (trimmed, as the exact path has it) and its columns as pyarrow text arrays."""

    source: str
    columns: tuple[str, ...]
    arrays: tuple[Any, ...]  # pyarrow.StringArray (or LargeStringArray) per column, no nulls
    rows: int

    def header_table(self) -> Table:
        """The header as a Table without rows: what the toolkit's column finding reads."""
        return Table(source=self.source, columns=self.columns, rows=(), row_numbers=())

    def row_numbers(self) -> np.ndarray:
        """The row of each record as the exact path numbers it (the header is row 1)."""
        return np.arange(2, self.rows + 2, dtype=np.int64)


def _csv_loader_reads(path: Path, registry: Registry) -> bool:
    from evalkit.io.csv_loader import read_csv

    loader = registry.loader_for(path)
    return loader is not None and loader.read is read_csv and path.suffix.lower() in (".csv", ".tsv")


def read_csv_columns(path: str | Path, registry: Registry) -> CsvColumns | None:
    """The file's columns when it is a clean CSV read by evalkit's CSV loader; None otherwise (read it exactly).

    A small file is read exactly too: that costs less than importing pyarrow."""
    from evalkit.io.inputs import small_csv

    if small_csv(path):
        return None
    import pyarrow as pa

    path = Path(path)
    try:
        if str(path) == "-" or not _csv_loader_reads(path, registry):
            return None
        from evalkit.io.limits import read_input_bytes

        raw = read_input_bytes(path)
        return _columns(path, raw)
    except (EvalkitError, OSError, UnicodeDecodeError, ValueError, pa.ArrowException):
        return None


def _columns(path: Path, raw: bytes) -> CsvColumns | None:
    import pyarrow as pa
    import pyarrow.csv as pv

    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        return None
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    end = raw.find(b"\n", start)
    if end < 0:
        return None  # a header alone: the exact path says what is missing
    line = raw[start:end]
    line = line[:-1] if line.endswith(b"\r") else line
    if b"\r" in line or b'"' in line:
        return None
    header = line.decode("utf-8")
    if not header.strip():
        return None
    delimiter = "\t" if str(path).lower().endswith(".tsv") or ("\t" in header and "," not in header) else ","
    columns = tuple(cell.strip() for cell in header.split(delimiter))
    if not all(columns):
        return None
    body: Any = memoryview(raw)[end + 1:]
    if raw.find(b'"', end) >= 0:
        body = _without_empty_quotes(raw[end + 1:], delimiter.encode())
        if body is None:
            return None
    names = [f"f{k}" for k in range(len(columns))]
    table = pv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pv.ReadOptions(column_names=names),
        parse_options=pv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False),
        convert_options=pv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                                          quoted_strings_can_be_null=False))
    if table.num_rows == 0:
        return None
    arrays = tuple(table.column(k).combine_chunks() for k in range(len(names)))
    return CsvColumns(source=str(path), columns=columns, arrays=arrays, rows=table.num_rows)


def _without_empty_quotes(body: bytes, delimiter: bytes) -> bytes | None:
    """The body with every quoted empty cell ("", as polars writes an empty text) made an empty cell, as
    the csv module reads it; None when any other quote is left (a quoted text is read the exact way).

    A delimiter, two quotes and a delimiter (or a line end) is always an empty cell: a quote that opens a
    cell with text is never followed by a quote and a delimiter, so a cell with text keeps its quotes."""
    d, q = delimiter, b'""'
    for _ in range(2):  # ,"","", : the first pass takes every other one
        body = body.replace(d + q + d, d + d)
    body = body.replace(d + q + b"\n", d + b"\n").replace(d + q + b"\r", d + b"\r").replace(b"\n" + q + d, b"\n" + d)
    if body.startswith(q + d):
        body = body[2:]
    if body.endswith(d + q):
        body = body[:-2]
    return None if b'"' in body else body


def _plain_text(values: list[str], array: Any) -> bool:
    """Whether `cell_text` leaves every value as it is: no space at either end and NFKC already."""
    import pyarrow.compute as pc

    if pc.any(pc.match_substring_regex(array, _EDGE_SPACE)).as_py():
        return False
    if pc.all(pc.string_is_ascii(array)).as_py():
        return True
    # NFKC works piecewise across a line feed (a character that never combines), so one call checks all
    return unicodedata.is_normalized("NFKC", "\n".join(values))


def texts(array: Any) -> list[str]:
    """A text column as `cell_text` reads each cell (trimmed, NFKC-normalised)."""
    values: list[str] = array.to_pylist()
    if not values or _plain_text(values, array):
        return values
    return [cell_text(v) for v in values]


def text_codes(array: Any, rows: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """For the `rows` (default all) of a text column: each cell's position among the distinct cell texts
    (`cell_text`), and those texts. The column is dictionary-encoded in C; only its distinct values are read
    in Python, so this is the way to read a column of codes (units, indicators, groups, periods)."""
    encoded = array.dictionary_encode()
    seen: dict[str, int] = {}
    remap = np.array([seen.setdefault(cell_text(v), len(seen)) for v in encoded.dictionary.to_pylist()] or [0],
                     dtype=np.int64)
    codes = primitive(encoded.indices, np.int32)
    return remap[codes if rows is None else codes[rows]], list(seen)


def numbers(array: Any) -> np.ndarray | None:
    """A column as `parse_number` reads it when every cell is plain, finite number text; None otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pc.all(pc.match_substring_regex(array, _PLAIN_NUMBER)).as_py():
        return None
    values = _floats(array.cast(pa.float64()))
    if not np.isfinite(values).all():
        return None  # too large for a float: the exact path says so
    return values


def optional_numbers(array: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, given) of a column whose cells are plain finite number text or exactly empty; None otherwise.

    An empty cell is 0.0 in `values` and False in `given`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pc.all(pc.match_substring_regex(array, _PLAIN_NUMBER.replace("^", "^(?:").replace("$", ")?$"))).as_py():
        return None
    nonempty = pc.match_substring_regex(array, "^.")  # no Python scalar: pyarrow would import pandas to convert one
    given = primitive(nonempty.cast(pa.uint8()), np.uint8).astype(bool)
    values = np.zeros(len(array))
    values[given] = _floats(array.filter(nonempty).cast(pa.float64()))
    if not np.isfinite(values).all():
        return None
    return values, given


def _floats(array: Any) -> np.ndarray:
    return primitive(array, np.float64)


def primitive(array: Any, dtype: Any) -> np.ndarray:
    """A primitive pyarrow array without nulls as a numpy copy, read from its data buffer (pyarrow's own
    to_numpy imports pandas, half a second, when pandas is installed)."""
    if array.null_count:
        raise ValueError("a column with nulls")
    size = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * size).copy()

