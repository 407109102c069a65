"""Reading clean data and units files column by column, through pyarrow, with no Python object per data row.

A CSV/TSV or Parquet file is read as a `ColumnarTable` (the header as the exact reader names it, and
the columns asked for as pyarrow arrays), then checked and pivoted with vectorised operations: ids are
matched to units and indicators with hash lookups, duplicates are found by scattering rows into one
slot per (indicator, unit), and values land in one float64 array per indicator.

This path never decides what is an error. Whenever a file holds anything it does not handle exactly as
the row-by-row readers of `evalkit.io.data` and `evalkit.io.wide` do (another encoding, quoted cells,
a NUL byte, a blank line, an unknown id, a value that is not a plain number, a duplicate, a period
clash, a cycle of parents ...), it returns None, and the caller reads the file with the exact reader,
which finds and words every problem as before. So results and messages are the same either way.

    from evalkit.io.columnar import read_columnar

    table = read_columnar("data.csv")  # None: read it with the exact reader
    if table is not None:
        table.columns        # the header, as the exact reader gives it
        table.column(3)      # the 4th column, a pyarrow ChunkedArray
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.errors import EvalkitError
from evalkit.io.table import Table, cell_text, find_columns

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

# pyarrow's own allocator (mimalloc) reserves over a gigabyte of address space at its first use, which a
# process run under an address-space limit (ulimit -v) cannot afford; the system allocator reserves none.
# Set before pyarrow allocates anything; a process that chose its allocator keeps it.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

STRICT = False  # True: an unexpected exception in the column reader is raised rather than read exactly (tests)
BLOCK = 1 << 24  # bytes scanned at a time, and pyarrow's CSV block size
THREADS_FROM = 1 << 23  # files larger than this are parsed by pyarrow's threads (each thread reserves address space)
_LINE_BLOCK = 1 << 16  # every aligned block this long holds a line end: no field reaches csv's 131,072 limit
_PADDED = r"^[\t\n\x0b\x0c\r\x1c-\x1f ]|[\t\n\x0b\x0c\r\x1c-\x1f ]$"  # what str.strip() removes, in ASCII
# Every character str.strip() removes (str.isspace), as an RE2 class; tests check it against Python.
PYTHON_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                 "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PYTHON_SPACES) + "]"
_EDGE_SPACE = f"^{_SPACE_CLASS}|{_SPACE_CLASS}$"
_LINE_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")  # str.splitlines() splits on these


@attrs.frozen
class ColumnarTable:
    """A file's header and the columns read, column by column.

    `columns` are the header names as the exact reader gives them; `arrays` holds the columns read
    (position -> pyarrow ChunkedArray); data row i is row `first_row + i` in messages (a CSV's header
    is row 1, so its first data row is 2; a Parquet file's first row is 1). `kind` is "csv" or
    "parquet": a CSV's empty value cell is null and its text "nan" is no number, while a Parquet
    float column's NaN is an empty cell, as the frame reader takes it.
    """

    source: str
    columns: tuple[str, ...]
    arrays: Mapping[int, Any]
    num_rows: int
    first_row: int
    kind: str

    def column(self, position: int) -> Any:
        """The column at `position` (a pyarrow ChunkedArray); KeyError if it was not read."""
        return self.arrays[position]

    def pop(self, position: int) -> Any:
        """The column at `position`, let go of by the table (so that its memory goes once it is converted)."""
        return self.arrays.pop(position)  # type: ignore[attr-defined]

    def header(self) -> Table:
        """The header alone, as a Table without rows, for `find_columns` and the shape tests."""
        return Table(source=self.source, columns=self.columns, rows=(), row_numbers=())

    def row_numbers(self) -> np.ndarray:
        """The row of each record as the exact reader numbers it (a CSV's header is row 1)."""
        return np.arange(self.first_row, self.first_row + self.num_rows, dtype=np.int64)


# --------------------------------------------------------------------------------------------------
# Reading files


@attrs.frozen
class PlainCsv:
    """What `plain_csv_header` found: the delimiter, the header cells (trimmed), and whether the body holds
    quote characters (then only quoted empty cells are taken: `read_csv_columns` checks)."""

    delimiter: str
    columns: tuple[str, ...]
    quoted: bool = False


def plain_csv_header(path: str | Path) -> PlainCsv | None:
    """The delimiter and header of a CSV/TSV file that the column reader takes exactly as Python's csv
    module would; None for anything else. These are the acceptance rules of every column-wise reading of
    a CSV file (data, units, rank matrices, ballots, Delphi rounds, roll-up tables, targets ...).

    Plain means: UTF-8 (with or without BOM; valid everywhere), no NUL byte, no quote character but in a
    quoted empty cell ("", as polars writes an empty text; checked when the body is read), no carriage
    return other than in CRLF line ends, no line of 131,072 bytes or more, and a first line that is the
    header (not blank, no quote, no line-breaking character, every header cell named). Blank lines and
    records with another number of cells than the header are refused by pyarrow when the body is read."""
    from evalkit.io.limits import check_input_file

    try:
        check_input_file(path)
        return _scan_csv(path)
    except (EvalkitError, OSError):
        return None


def _scan_csv(path: str | Path) -> PlainCsv | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    offset = 0
    ends_cr = False
    quoted = False
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(BLOCK)
            if not chunk:
                break
            if offset == 0:
                first = chunk
            if b"\x00" in chunk:
                return None
            quoted = quoted or b'"' in chunk
            if ends_cr and not chunk.startswith(b"\n"):
                return None
            if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n") + chunk.endswith(b"\r"):
                return None
            ends_cr = chunk.endswith(b"\r")
            if not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
            for start in range(0, len(chunk) - _LINE_BLOCK + 1, _LINE_BLOCK):
                if chunk.find(b"\n", start, start + _LINE_BLOCK) < 0:
                    return None
            offset += len(chunk)
    if ends_cr:
        return None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    end = first.find(b"\n")
    if end < 0:
        return None  # a header without rows: the exact reader says so
    line = first[:end].decode("utf-8-sig").removesuffix("\r")
    if not line.strip() or '"' in line or any(b in line for b in _LINE_BREAKS):
        return None
    delimiter = "\t" if str(path).lower().endswith(".tsv") or ("\t" in line and "," not in line) else ","
    cells = tuple(cell.strip() for cell in line.split(delimiter))
    if not all(cells):
        return None  # an unnamed column (or empty ones after the last header): the exact reader checks them
    return PlainCsv(delimiter=delimiter, columns=cells, quoted=quoted)


def read_csv_columns(path: str | Path, plain: PlainCsv, types: Mapping[int, Any]) -> ColumnarTable | None:
    """The columns `types` names (position -> pyarrow type) of a plain CSV file (see `plain_csv_header`);
    None if pyarrow cannot read it as one cell per header column in every row, a number column holds
    something else than a plain number or an empty cell, or a quote is not a quoted empty cell."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    header = plain.columns
    names = [f"c{k}" for k in range(len(header))]
    source: Any = path
    if plain.quoted:
        body = _without_empty_quotes(Path(path).read_bytes(), plain.delimiter.encode())
        if body is None:
            return None
        source = pa.BufferReader(pa.py_buffer(body))
    try:
        data = pa_csv.read_csv(
            source,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK,
                                            use_threads=os.path.getsize(path) > THREADS_FROM),
            parse_options=pa_csv.ParseOptions(delimiter=plain.delimiter, quote_char=False, ignore_empty_lines=False,
                                              newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types={names[k]: t for k, t in types.items()},
                                                  include_columns=[names[k] for k in sorted(types)],
                                                  null_values=[""], strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False, check_utf8=True))
    except (pa.ArrowException, OSError, ValueError):
        return None
    from evalkit.io.progress import listening

    listener = listening()
    if listener is not None:  # read at once: every line (the header included) reported at the end
        listener(data.num_rows + 1, data.num_rows + 1)
    arrays = {k: data.column(names[k]) for k in sorted(types)}
    return ColumnarTable(source=str(path), columns=tuple(header), arrays=arrays, num_rows=data.num_rows, first_row=2,
                         kind="csv")


def _without_empty_quotes(body: bytes, delimiter: bytes) -> bytes | None:
    """The file with every quoted empty cell ("", as polars writes an empty text) made an empty cell, as
    the csv module reads it; None when any other quote is left (a quoted text is read the exact way).

    A delimiter, two quotes and a delimiter (or a line end) is always an empty cell: a quote that opens a
    cell with text is never followed by a quote and a delimiter, so a cell with text keeps its quotes.
    The header holds no quote (`plain_csv_header`), so the file starts with no quoted cell."""
    d, q = delimiter, b'""'
    for _ in range(2):  # ,"","", : the first pass takes every other one
        body = body.replace(d + q + d, d + d)
    body = body.replace(d + q + b"\n", d + b"\n").replace(d + q + b"\r", d + b"\r").replace(b"\n" + q + d, b"\n" + d)
    if body.endswith(d + q):
        body = body[:-2]
    return None if b'"' in body else body


def parquet_schema(path: str | Path) -> tuple[str, ...] | None:
    """The column names of a Parquet file, or None (no such readable file, or a name given twice)."""
    from evalkit.io.limits import check_input_file

    try:
        check_input_file(path)
        import pyarrow.parquet as pq

        names = tuple(str(n) for n in pq.read_schema(path).names)
    except Exception:  # not a Parquet file, pyarrow missing ...: the exact reader says what is wrong
        return None
    if len(set(names)) != len(names):
        return None
    return names


def read_parquet_columns(path: str | Path, header: Sequence[str], positions: Iterable[int]) -> ColumnarTable | None:
    """The columns at `positions` of a Parquet file; None if pyarrow cannot read them."""
    try:
        import pyarrow.parquet as pq

        wanted = sorted(set(positions))
        schema = pq.read_schema(path)
        texts = [header[k] for k in wanted if _is_text(schema.field(header[k]).type)]
        data = pq.read_table(path, columns=[header[k] for k in wanted], read_dictionary=texts,
                             use_threads=os.path.getsize(path) > THREADS_FROM)
    except Exception:  # a damaged file: the exact reader words it
        return None
    return ColumnarTable(source=str(path), columns=tuple(header), arrays={k: data.column(i) for i, k in enumerate(wanted)},
                         num_rows=data.num_rows, first_row=1, kind="parquet")


def read_columnar(path: str | Path, positions: Iterable[int] | None = None, numbers: Iterable[int] = (),
                  codes: Iterable[int] = ()) -> ColumnarTable | None:
    """A plain CSV/TSV or a Parquet file as a ColumnarTable: the columns at `positions` (default all),
    those at `numbers` read as float64 numbers (a CSV's empty cell is null), those at `codes` (of a
    CSV) dictionary-encoded as they are parsed (for columns of few distinct texts); None when the file
    must be read by the exact reader."""
    import pyarrow as pa

    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        names = parquet_schema(path)
        if names is None:
            return None
        return read_parquet_columns(path, names, range(len(names)) if positions is None else {*positions, *numbers})
    if suffix not in (".csv", ".tsv"):
        return None
    plain = plain_csv_header(path)
    if plain is None:
        return None
    wanted = set(range(len(plain.columns)) if positions is None else positions) | set(numbers)
    floats, coded = set(numbers), set(codes)
    return read_csv_columns(path, plain, {k: pa.float64() if k in floats else
                                                      pa.dictionary(pa.int32(), pa.string()) if k in coded else pa.string()
                                                      for k in wanted})


# --------------------------------------------------------------------------------------------------
# Columns as codes, positions and numbers


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind))


def _is_number(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def _clean(texts: Any) -> bool:
    """Whether every string of a pyarrow array is its own cell_text: no null, ASCII, no whitespace around."""
    import pyarrow.compute as pc

    if texts.null_count:
        return False
    if not len(texts):
        return True
    odd = pc.or_(pc.invert(pc.string_is_ascii(texts)), pc.match_substring_regex(texts, _PADDED))
    return not pc.any(odd).as_py()


def _normalised(texts: Any) -> list[str]:
    """cell_text of every string of a pyarrow array (nulls as ''): Python per string only when some string
    has whitespace around it or is not in NFKC form."""
    values = texts.to_pylist()
    return values if _plain_texts(values, texts) else [cell_text(v) for v in values]


def _plain_texts(values: list[str], texts: Any) -> bool:
    """Whether `cell_text` leaves every string as it is: no null, no space at either end, NFKC already."""
    import pyarrow.compute as pc

    if texts.null_count:
        return False
    if not len(texts):
        return True
    if pc.any(pc.match_substring_regex(texts, _EDGE_SPACE)).as_py():
        return False
    if pc.all(pc.string_is_ascii(texts)).as_py():
        return True
    # NFKC works piecewise across a line feed (a character that never combines), so one call checks all
    return unicodedata.is_normalized("NFKC", "\n".join(values))


def _number_texts(values: np.ndarray) -> list[str]:
    """cell_text of number cells as the frame reader gives them (a float; NaN is an empty cell)."""
    return [cell_text(None if v != v else float(v)) for v in values.tolist()]


def text_codes(column: Any) -> tuple[np.ndarray, list[str]] | None:
    """Per row, the code of its cell's text (`cell_text`: trimmed, NFKC) among the distinct texts, and
    those texts; None for a column of another type than text or numbers."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind) and not _is_text(kind.value_type):
        return None
    if _is_number(kind) and not pa.types.is_boolean(kind):
        numbers = _floats(column)
        distinct, inverse = np.unique(numbers, return_inverse=True)
        return _canonical(inverse.reshape(-1), _number_texts(distinct))
    if not _is_text(kind) and not pa.types.is_dictionary(kind):
        return None
    found = _dictionary(column)
    if found is None:
        return np.zeros(0, dtype=np.int64), []
    dictionary, codes, used = found
    texts = _normalised(dictionary) + [""]
    assert used is not None
    return _canonical(codes, texts, used)


def _dictionary(column: Any, count: bool = True) -> tuple[Any, np.ndarray, np.ndarray | None] | None:
    """A text column dictionary-encoded: (its distinct strings, per row the code of its string (null: one past
    the last), which codes occur); None for a column without chunks."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if encoded.num_chunks == 0:
        return None
    dictionary = encoded.chunk(0).dictionary
    if any(not chunk.dictionary.equals(dictionary) for chunk in encoded.chunks[1:]):
        encoded = pa.table({"c": encoded}).unify_dictionaries().column("c")
        dictionary = encoded.chunk(0).dictionary
    null = len(dictionary)
    used = None
    if count:
        indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
        used = np.zeros(null + 1, dtype=bool)
        used[_numpy([pc.unique(indices)], null).astype(np.int64)] = True  # the distinct codes: few, found in C++
        if used.sum() == 1 and not used[null]:  # one text on every row (a single period): no array of codes to copy
            return dictionary, np.full(encoded.length(), int(np.flatnonzero(used)[0]), dtype=np.int8), used
    small = np.int8 if null < 2**7 else np.int16 if null < 2**15 else np.int32
    return dictionary, _numpy(encoded.chunks, null, lambda chunk: chunk.indices, small), used


def _canonical(codes: np.ndarray, texts: list[str], used: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """Codes of equal texts made equal, unused texts dropped: (codes, distinct texts in order of first code).
    `used` marks the codes that occur (counted from `codes` when not given)."""
    if used is None:
        used = np.bincount(codes, minlength=len(texts)) > 0 if len(codes) else np.zeros(len(texts), dtype=bool)
    position: dict[str, int] = {}
    remap = np.full(len(texts), -1, dtype=np.int64)
    for k in np.flatnonzero(used).tolist():
        remap[k] = position.setdefault(texts[k], len(position))
    if (remap[used] == np.flatnonzero(used)).all():  # codes already canonical (unused texts at the end only, if any)
        return codes, texts[:len(position)]
    small = np.int32 if len(position) > 32000 else np.int16
    return remap.astype(small)[codes], list(position)


def _small(found: tuple[np.ndarray, list[str]]) -> tuple[np.ndarray, list[str]]:
    """Codes in the smallest integer type that holds them."""
    codes, texts = found
    kind = np.int8 if len(texts) < 2**7 else np.int16 if len(texts) < 2**15 else np.int32
    return codes.astype(kind, copy=False), texts


def unit_positions(column: Any, units: Any) -> np.ndarray | None:
    """Per row, the position of its unit (matched by `cell_text`, as the exact reader does); None if a
    cell is empty or names no unit (or the units' ids are not in normalised form)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = _id_array(units)
    if ids is None:
        return None
    kind = column.type
    if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
        encoded = _dictionary(column, count=False)
        if encoded is None:
            return np.zeros(0, dtype=np.int32)
        dictionary, codes, _ = encoded
        if _clean(dictionary):  # matched in C++
            at = np.append(_numpy([pc.index_in(dictionary.cast(pa.string()), value_set=ids)], -1), -1).astype(np.int32)
        else:
            index = units.index
            at = np.asarray([index.get(t, -1) for t in _normalised(dictionary)] + [-1], dtype=np.int32)
        positions = at[codes]
        return None if (positions < 0).any() else positions  # an empty cell or one that names no unit
    if pa.types.is_dictionary(kind) or not _is_text(kind):
        found = text_codes(column)
        if found is None:
            return None
        codes, texts = found
        index = units.index
        at = np.asarray([index.get(t, -1) for t in texts], dtype=np.int64)
        if (at < 0).any():
            return None
        return at.astype(np.int32)[codes] if len(units) < 2**31 else at[codes]
    positions = pc.index_in(column, value_set=ids)
    if positions.null_count:  # a cell not exactly an id: maybe one that trims or normalises to an id
        missing = pc.unique(pc.filter(column, pc.is_null(positions)))
        if missing.null_count:
            return None
        index = units.index
        fixed = [index.get(t, -1) for t in _normalised(missing)]
        if min(fixed) < 0:
            return None
        fixes = pa.Array.from_buffers(pa.int32(), len(fixed), [None, pa.py_buffer(np.asarray(fixed, dtype=np.int32))])
        positions = pc.coalesce(positions, fixes.take(pc.index_in(column, value_set=missing)))
    if positions.num_chunks == 0:
        return np.zeros(0, dtype=np.int32)
    return _numpy(positions.chunks, -1).astype(np.int32, copy=False)


def _id_array(units: Any) -> Any:
    """The units' ids as a pyarrow array (built once per Units), or None when an id is not in the form
    cell_text gives (then exact matching of cells would differ from the exact reader's)."""
    cached = _ID_ARRAYS.get(id(units))
    if cached is not None and cached[0] is units:
        return cached[1]
    array = string_array(units.ids)
    if not _clean(array) and _normalised(array) != list(units.ids):
        array = None
    remember_ids(units, array)
    return array


def remember_ids(units: Any, array: Any) -> None:
    """Keep `array` (the units' ids, a pyarrow string array, or None) for matching cells to these units."""
    _ID_ARRAYS.clear()
    _ID_ARRAYS[id(units)] = (units, array)


_ID_ARRAYS: dict[int, tuple[Any, Any]] = {}


def string_array(texts: Sequence[str]) -> Any:
    """Python strings as one pyarrow string array, built from their UTF-8 bytes and offsets (pa.array on a
    list would import pandas, when installed, to check what the list is)."""
    import pyarrow as pa

    joined = "".join(texts)
    data = joined.encode("utf-8")
    n = len(texts)
    if len(data) == len(joined):
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    else:
        lengths = np.fromiter((len(t.encode("utf-8")) for t in texts), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]).cast(pa.string())


def _floats(column: Any) -> np.ndarray:
    """A numeric column as one float64 array, null as NaN."""
    import pyarrow as pa

    if column.num_chunks == 0:
        return np.zeros(0, dtype=np.float64)
    column = column.cast(pa.float64())
    return _numpy(column.chunks, float("nan"))


def _numpy(chunks: Sequence[Any], null: Any, part: Any = None, dtype: Any = None) -> np.ndarray:
    """The chunks (or `part(chunk)` of each) of a fixed-width pyarrow type as one numpy array (a copy, of
    `dtype` if given), nulls as `null`; read from the buffers (Array.to_numpy would import pandas for
    arrays with nulls), each chunk copied into its place."""
    arrays = [part(chunk) if part is not None else chunk for chunk in chunks]
    if not arrays:
        return np.zeros(0, dtype=dtype or np.float64)
    kind = np.dtype(arrays[0].type.to_pandas_dtype())
    out = np.empty(sum(len(a) for a in arrays), dtype=dtype or kind)
    at = 0
    for array in arrays:
        if array.null_count:
            array = array.fill_null(null)
        out[at:at + len(array)] = np.frombuffer(array.buffers()[1], dtype=kind, count=len(array), offset=array.offset * kind.itemsize)
        at += len(array)
    return out


def number_column(table: ColumnarTable, position: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, empty) of a number column; None when a cell is not a finite number or an empty cell
    (a CSV's "nan", infinity or text; a Parquet column of text)."""
    column = table.column(position)
    if not _is_number(column.type):
        return None
    values = _floats(column)
    empty = np.isnan(values)
    if table.kind == "csv" and column.null_count != int(empty.sum()):
        return None  # "nan" written in a CSV cell: not a number for the exact reader
    if np.isinf(values).any():
        return None
    return values, empty


# --------------------------------------------------------------------------------------------------
# Long data: unit, indicator, period, value


def long_dataset(table: ColumnarTable, cols: Mapping[str, int], headers: Mapping[str, str], units: Any, known: set,
                 period: str | None, require_period: bool) -> Any:
    """The DataSet `read_observations` gives for a long table, or None when that reader must decide."""
    from evalkit.io.data import DataSet, Origin

    n_rows = table.num_rows
    if n_rows == 0 or "evidence" in cols:
        return None
    got_indicators = text_codes(table.pop(cols["indicator"]))  # each column converted, then let go of
    if got_indicators is None or any(t not in known for t in got_indicators[1]):
        return None  # an unknown or empty indicator
    indicator_code, indicator_texts = _small(got_indicators)
    if "period" in cols:
        got_periods = text_codes(table.pop(cols["period"]))
        if got_periods is None:
            return None
        period_code, period_names = _small(got_periods)
    else:
        period_code, period_names = np.zeros(n_rows, dtype=np.int8), [""]
    unit_pos = unit_positions(table.pop(cols["unit"]), units)
    got_numbers = number_column(table, cols["value"])
    if unit_pos is None or got_numbers is None:
        return None
    table.pop(cols["value"])
    values, empty = got_numbers
    found = {p for p in period_names if p}
    if period is None and len(found) > 1:
        return None
    if require_period and period is not None and found and period not in found:
        return None
    n, n_ind = len(units), len(indicator_texts)
    current_codes = [c for c, p in enumerate(period_names) if p == "" or period is None or p == period]
    other_codes = [c for c, p in enumerate(period_names) if c not in current_codes]

    def rows_of(codes: list[int]) -> np.ndarray | None:
        """The rows of these period codes (None: every row)."""
        if len(codes) == len(period_names):
            return None
        if not codes:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.isin(period_code, codes))

    def scatter(selected: np.ndarray | None, slot: np.ndarray) -> bool:
        """Each selected row's row number into its (indicator, unit) slot; False if two rows share a slot."""
        starts = range(0, n_rows if selected is None else len(selected), 1 << 20)
        count = 0
        for start in starts:
            rows = np.arange(start, min(start + (1 << 20), n_rows), dtype=np.int64) if selected is None else \
                selected[start:start + (1 << 20)]
            key = indicator_code[rows].astype(np.int64) * n + unit_pos[rows]
            slot[key] = rows.astype(np.int32) + table.first_row
            count += len(rows)
        return int(np.count_nonzero(slot >= 0)) == count

    history: dict[str, dict[str, np.ndarray]] = {}
    for code in sorted(other_codes, key=lambda c: period_names[c]):
        selected = rows_of([code])
        slot = np.full(n_ind * n, -1, dtype=np.int32)
        if not scatter(selected, slot):
            return None
        past = _pivot(slot, selected, indicator_code, unit_pos, values, empty, n, indicator_texts)[0]
        if past:
            history[period_names[code]] = past
    # the current period: rows without a period and rows of the period, each (unit, indicator) once in each
    for code in current_codes if len(current_codes) > 1 else []:
        slot = np.full(n_ind * n, -1, dtype=np.int32)
        if not scatter(rows_of([code]), slot):
            return None
    selected = rows_of(current_codes)
    slot = np.full(n_ind * n, -1, dtype=np.int32)
    if not scatter(selected, slot):
        return None  # a duplicate, or a row without a period beside one for the period
    columns, where = _pivot(slot, selected, indicator_code, unit_pos, values, empty, n, indicator_texts)
    origins = {name: Origin(source=table.source, column=headers["value"], row_style="row", rows=rows)
               for name, rows in where.items()}
    return DataSet(units=units, columns=columns, period=period, history=history, origins=origins)


def _pivot(slot: np.ndarray, selected: np.ndarray | None, indicator_code: np.ndarray, unit_pos: np.ndarray,
           values: np.ndarray, empty: np.ndarray, n: int, names: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One float64 array per indicator with a value (NaN where none) and its row numbers (-1 where none),
    from the slots of the selected rows (`slot` is reused for the row numbers)."""
    n_ind = len(names)
    matrix = np.full((n_ind, n), np.nan)
    flat = matrix.reshape(-1)
    n_rows = len(values) if selected is None else len(selected)
    had_empty = False
    for start in range(0, n_rows, 1 << 20):
        stop = min(start + (1 << 20), n_rows)
        rows = slice(start, stop) if selected is None else selected[start:stop]
        key = indicator_code[rows].astype(np.int64) * n + unit_pos[rows]
        blank = empty[rows]
        if blank.any():
            had_empty = True
            key = key[~blank]
            flat[key] = values[rows][~blank]
        else:
            flat[key] = values[rows]
    if had_empty:  # a row whose value is empty has no origin: the exact reader keeps the rows of values only
        slot[np.isnan(flat)] = -1
    where = slot.reshape(n_ind, n)
    has = ~np.isnan(matrix).all(axis=1)
    columns = {names[k]: matrix[k] for k in range(n_ind) if has[k]}
    rows_out = {names[k]: where[k] for k in range(n_ind) if has[k]}
    return columns, rows_out


# --------------------------------------------------------------------------------------------------
# Wide data: a unit column, an optional period column, a column per indicator


def wide_dataset(table: ColumnarTable, cols: Mapping[str, int], indicator_at: Mapping[int, str], units: Any,
                 period: str | None, require_period: bool) -> Any:
    """The DataSet `read_wide` gives, or None when that reader must decide (any empty or unknown unit,
    a cell that is not a plain number, two rows of a unit and period ...)."""
    from evalkit.io.data import DataSet, Origin

    n_rows, n = table.num_rows, len(units)
    if n_rows == 0:
        return None
    positions = unit_positions(table.column(cols["unit"]), units)
    if positions is None:
        return None
    if "period" in cols:
        got = text_codes(table.column(cols["period"]))
        if got is None:
            return None
        period_code, period_names = got
    else:
        period_code, period_names = np.zeros(n_rows, dtype=np.int16), [""]
    found = sorted(p for p in period_names if p)
    if period is None and len(found) > 1:
        return None
    if require_period and period is not None and found and period not in found:
        return None
    is_current = np.asarray([p == "" or period is None or p == period for p in period_names], dtype=bool)
    current = is_current[period_code]
    # one row per unit and period: every current row is one period, every other row its own
    all_current = bool(current.all())
    if all_current:
        seen = np.zeros(n, dtype=bool)
        seen[positions] = True
        if int(np.count_nonzero(seen)) != n_rows:
            return None
    else:
        group = np.where(current, 0, period_code.astype(np.int64) + 1)
        if len(np.unique(group * n + positions)) != n_rows:
            return None
    rows_of = np.arange(table.first_row, table.first_row + n_rows, dtype=np.int64)
    # every row current and every unit in file order (the usual export): values taken as they are
    in_order = all_current and n_rows == n and bool((positions == np.arange(n)).all())
    shared_where: np.ndarray | None = None  # the rows of a column without empty cells: the same for each
    columns: dict[str, np.ndarray] = {}
    origins: dict[str, Origin] = {}
    history: dict[str, dict[str, np.ndarray]] = {}
    period_rows = {p: (period_code == c) & ~current for c, p in enumerate(period_names) if p and not is_current[c]}
    for pos, ind in indicator_at.items():
        got_values = number_column(table, pos)
        if got_values is None:
            return None
        values, empty = got_values
        have = ~empty
        if all_current and not empty.any():
            if shared_where is None:
                if in_order:
                    shared_where = rows_of
                else:
                    shared_where = np.full(n, -1, dtype=np.int64)
                    shared_where[positions] = rows_of
            if in_order:
                arr = values  # a fresh array of this column's numbers
            else:
                arr = np.full(n, np.nan)
                arr[positions] = values
            columns[ind] = arr
            origins[ind] = Origin(source=table.source, column=table.columns[pos], row_style="row", rows=shared_where)
            continue
        take = have & current
        arr = np.full(n, np.nan)
        arr[positions[take]] = values[take]
        columns[ind] = arr
        where = np.full(n, -1, dtype=np.int64)
        where[positions[take]] = rows_of[take]
        origins[ind] = Origin(source=table.source, column=table.columns[pos], row_style="row", rows=where)
        for p, rows_p in period_rows.items():
            mask = have & rows_p
            if mask.any():
                past = history.setdefault(p, {}).setdefault(ind, np.full(n, np.nan))
                past[positions[mask]] = values[mask]
    return DataSet(units=units, columns=columns, period=period, history=dict(sorted(history.items())), origins=origins)


# --------------------------------------------------------------------------------------------------
# Entry points: a data file, a units file


def fast_data(path: str | Path, units: Any, indicators: Mapping[str, Any], known: Iterable[str], period: str | None,
              require_period: bool = True, wide: bool | None = None) -> Any:
    """The DataSet of a plain CSV/TSV or Parquet data file read column by column, or None: then the file
    is read by the exact reader (`evalkit.io.wide.read_data_table`), which gives the same DataSet or
    the messages."""
    try:
        return _fast_data(path, units, indicators, known, period, require_period, wide)
    except Exception:  # a bug here must not stop a run: the exact reader reads the file (tests set STRICT)
        if STRICT:
            raise
        return None


def _fast_data(path: str | Path, units: Any, indicators: Mapping[str, Any], known: Iterable[str], period: str | None,
               require_period: bool, wide: bool | None) -> Any:
    from evalkit.errors import DataError
    from evalkit.io.data import OBSERVATION_COLUMNS, UNIT_COLUMNS
    from evalkit.io.wide import indicator_lookup, is_wide, wide_columns

    try:
        header = _header(path)
        if header is None:
            return None
        probe = Table(source=str(path), columns=header, rows=(), row_numbers=())
        known = set(known)
        lookup = indicator_lookup(indicators, known)
        if wide is None:
            wide = is_wide(probe, lookup)
        if wide:
            cols = find_columns(probe, {"unit": OBSERVATION_COLUMNS["unit"], "period": OBSERVATION_COLUMNS["period"]},
                                required=("unit",), other=(UNIT_COLUMNS, "this looks like a units file"))
            indicator_at = wide_columns(probe, cols, lookup)
            if indicator_at is None:
                return None
            table = read_columnar(path, positions=list(cols.values()), numbers=list(indicator_at))
            if table is None:
                return None
            return wide_dataset(table, cols, indicator_at, units, period, require_period)
        cols = find_columns(probe, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"),
                            other=(UNIT_COLUMNS, "this looks like a units file; the data file has the columns unit, "
                                                 "indicator, period, value"))
        if "evidence" in cols:
            return None
        table = read_columnar(path, positions=[cols[k] for k in ("unit", "indicator", "period") if k in cols],
                              numbers=[cols["value"]], codes=[cols[k] for k in ("unit", "indicator", "period") if k in cols])
        if table is None:
            return None
        headers = {key: header[pos] for key, pos in cols.items()}
        return long_dataset(table, cols, headers, units, known, period, require_period)
    except DataError:
        return None


def _header(path: str | Path) -> tuple[str, ...] | None:
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return parquet_schema(path)
    if suffix in (".csv", ".tsv"):
        found = plain_csv_header(path)
        return None if found is None else found.columns
    return None


def fast_units(path: str | Path) -> Any:
    """The Units of a plain CSV/TSV or Parquet units file read column by column, or None: then the exact
    reader (`evalkit.io.data.read_units`) reads it, with the same result or the messages."""
    try:
        return _fast_units(path)
    except Exception:  # as in fast_data
        if STRICT:
            raise
        return None


def _fast_units(path: str | Path) -> Any:
    import pyarrow as pa

    from evalkit.errors import DataError
    from evalkit.io.data import OBSERVATION_COLUMNS, UNIT_COLUMNS, Units

    try:
        header = _header(path)
        if header is None:
            return None
        probe = Table(source=str(path), columns=header, rows=(), row_numbers=())
        cols = find_columns(probe, UNIT_COLUMNS, required=("id", "name"),
                            other=(OBSERVATION_COLUMNS, "this looks like a data file; the units file has the columns id, "
                                                        "name, type, parent"))
    except DataError:
        return None
    table = read_columnar(path)
    if table is None or table.num_rows == 0:
        return None
    texts: dict[int, list[str]] = {}
    for pos in range(len(header)):
        got = _texts(table.column(pos))
        if got is None:
            return None
        texts[pos] = got
    empty = [""] * table.num_rows
    ids = texts[cols["id"]]
    names = texts[cols["name"]]
    types = texts[cols["type"]] if "type" in cols else empty
    parents = texts[cols["parent"]] if "parent" in cols else empty
    known_ids = set(ids)
    if "" in known_ids or "" in names or len(known_ids) != len(ids):
        return None
    if any(p and p not in known_ids for p in set(parents)):
        return None
    if any(parents) and _has_cycle(ids, parents):
        return None
    extra = {pos: name for pos, name in enumerate(header) if pos not in cols.values() and name.strip()}
    units = Units(ids=tuple(ids), names=tuple(names), types=_or_none(types), parents=_or_none(parents),
                  attributes={name: tuple(texts[pos]) for pos, name in extra.items()})
    column = table.column(cols["id"])
    if _is_text(column.type) and column.num_chunks:  # the ids as read, for matching the data's cells in C++
        array = pa.concat_arrays(column.chunks).cast(pa.string())
        if _clean(array):
            remember_ids(units, array)
    return units


def _or_none(texts: list[str]) -> tuple[str | None, ...]:
    """The texts, None for each empty one (as the units reader keeps a type or parent not given)."""
    if not any(texts):
        return (None,) * len(texts)
    if "" not in texts:
        return tuple(texts)
    return tuple(t or None for t in texts)


def _texts(column: Any) -> list[str] | None:
    """cell_text of every cell of a column (text or numbers), or None for another type."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        if not _is_text(kind.value_type):
            return None
        column = column.cast(kind.value_type)
        kind = column.type
    if _is_text(kind):
        out: list[str] = []
        for chunk in column.chunks:
            out += _normalised(chunk)
        return out
    if _is_number(kind):
        return _number_texts(_floats(column))
    return None


def _has_cycle(ids: Sequence[str], parents: Sequence[str]) -> bool:
    """Whether following parents from some unit never reaches a unit without one (pointer doubling)."""
    n = len(ids)
    index = {uid: i for i, uid in enumerate(ids)}
    up = np.asarray([index[p] if p else n for p in parents] + [n], dtype=np.int64)  # n: above the roots
    for _ in range(max(1, int(n).bit_length() + 1)):
        up = up[up]
    return bool((up[:n] != n).any())


# --------------------------------------------------------------------------------------------------
# The tables of the methods, reviews, roll-ups and targets: a plain CSV read column by column


def method_csv(path: str | Path, registry: Registry) -> PlainCsv | None:
    """The header of a CSV/TSV file that a method's reader may read column by column: read by evalkit's own
    CSV loader (a plugin's loader is never bypassed), not small (reading a small file row by row costs less
    than importing pyarrow) and plain (`plain_csv_header`); None otherwise: read it the exact way."""
    from evalkit.io.csv_loader import read_csv
    from evalkit.io.inputs import small_csv

    if str(path) == "-" or small_csv(path):
        return None
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".tsv"):
        return None
    loader = registry.loader_for(path)
    if loader is None or loader.read is not read_csv:
        return None
    return plain_csv_header(path)


def method_parquet(path: str | Path, registry: Registry) -> tuple[str, ...] | None:
    """The column names of a Parquet file that a method's reader may read column by column: one read by
    evalkit's own Parquet loader; None otherwise."""
    from evalkit.io.readers import read_parquet

    if str(path) == "-" or Path(path).suffix.lower() != ".parquet":
        return None
    loader = registry.loader_for(Path(path))
    if loader is None or loader.read is not read_parquet:
        return None
    return parquet_schema(path)


def read_table_columns(path: str | Path, registry: Registry, plain: PlainCsv | None = None,
                       numbers: Iterable[int] = ()) -> ColumnarTable | None:
    """Every column of a file `method_csv` takes (`plain`: what it found, when already asked) as text, those at
    `numbers` as float64 read by pyarrow's number parser (an empty cell null); None when the file has no row
    or pyarrow does not read it as plain CSV (then read it the exact way)."""
    import pyarrow as pa

    if plain is None:
        plain = method_csv(path, registry)
        if plain is None:
            return None
    floats = set(numbers)
    try:
        table = read_csv_columns(path, plain, {k: pa.float64() if k in floats else pa.string()
                                               for k in range(len(plain.columns))})
    except (EvalkitError, OSError, UnicodeDecodeError, ValueError, pa.ArrowException):
        return None
    return None if table is None or table.num_rows == 0 else table


def texts(column: Any) -> list[str]:
    """A text column as `cell_text` reads each cell (trimmed, NFKC-normalised)."""
    found = _texts(column)
    if found is None:
        raise ValueError(f"a column of {column.type}, not text")
    return found


def texts_and_array(column: Any) -> tuple[list[str], Any]:
    """`texts(column)`, and the column itself (a pyarrow array, as read) when every cell is already its own
    `cell_text`, else None: what a writer can take again without building it from Python strings."""
    import pyarrow as pa

    if isinstance(column, (pa.Array, pa.ChunkedArray)) and _is_text(column.type):
        values: list[str] = column.to_pylist()
        if _plain_texts(values, column):
            return values, column
        return [cell_text(v) for v in values], None
    return texts(column), None


def row_codes(column: Any, rows: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """For the `rows` (default all) of a text column: each cell's position (int64) among the distinct cell
    texts (`cell_text`, in order of first appearance), and those texts. Dictionary-encoded in C++; only the
    distinct values are read in Python: the way to read a column of codes (units, indicators, periods)."""
    found = text_codes(column)
    if found is None:
        raise ValueError(f"a column of {column.type}, not text")
    codes, distinct = found
    codes = codes.astype(np.int64, copy=False)
    return (codes if rows is None else codes[rows]), distinct


def numbers(column: Any) -> np.ndarray | None:
    """A column as `parse_number` reads it when every cell is a finite number (a text column: plain number
    text, as pyarrow parses it; a number column: no empty cell); None otherwise."""
    import pyarrow as pa

    if _is_text(column.type):
        try:
            column = column.cast(pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # not plain number text: the exact reader says what it is
    elif not _is_number(column.type):
        return None
    if column.null_count:
        return None
    try:
        values = _floats(column) if isinstance(column, pa.ChunkedArray) else primitive(column.cast(pa.float64()), np.float64)
    except pa.ArrowInvalid:
        return None  # an integer a float does not hold exactly: the exact path reads it
    return values if np.isfinite(values).all() else None  # NaN or too large for a float: the exact path says so


def optional_numbers(column: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, given) of a column whose cells are plain finite number text or exactly empty; None otherwise.
    An empty cell is 0.0 in `values` and False in `given`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if _is_text(column.type):
        given = _numpy(pc.binary_length(column).chunks, 0) > 0  # (no Python scalar: pyarrow would import pandas)
        mask = pa.Array.from_buffers(pa.uint8(), len(given), [None, pa.py_buffer(given.astype(np.uint8))]).cast(pa.bool_())
        values = np.zeros(len(column))
        picked = numbers(pc.filter(column, mask)) if given.any() else np.zeros(0)
        if picked is None:
            return None
        values[given] = picked
        return values, given
    if not _is_number(column.type):
        return None
    values = _floats(column)
    given = ~np.isnan(values)
    if column.null_count != int(np.count_nonzero(~given)) or np.isinf(values).any():
        return None
    values[~given] = 0.0
    return values, given


def primitive(array: Any, dtype: Any) -> np.ndarray:
    """A primitive pyarrow array without nulls as a numpy copy, read from its data buffer (pyarrow's own
    to_numpy imports pandas, half a second, when pandas is installed)."""
    if array.null_count:
        raise ValueError("a column with nulls")
    size = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * size).copy()


__all__ = ["PYTHON_SPACES", "ColumnarTable", "PlainCsv", "fast_data", "fast_units", "long_dataset", "method_csv", "method_parquet",
           "number_column", "numbers", "optional_numbers", "plain_csv_header", "primitive", "read_columnar",
           "read_csv_columns", "read_parquet_columns", "read_table_columns", "row_codes", "string_array", "text_codes", "texts", "texts_and_array",
           "unit_positions", "wide_dataset"]
