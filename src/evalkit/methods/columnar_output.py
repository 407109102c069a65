"""The per-unit parts of the methods' JSON and CSV written column by column, byte for byte as before.

`json.dumps(..., indent=1)` runs Python's pure-Python encoder (the C encoder only writes compact JSON), a
generator call per value: at 10^6 units most of `evalkit rank --format json`. `csv.writer` with
`evalkit.io.safe_text.spreadsheet_row` costs a Python call per cell. Here the long parts (a list of one
object per unit, a mapping unit -> row of numbers) are formatted from whole columns with the same
encoders json uses (`encode_basestring`, `float.__repr__`, `int.__repr__`) and spliced into the small
rest of the document, which `json.dumps` still writes. Text that a spreadsheet could read as a formula,
or that CSV must quote, is left to the exact writers: `plain_csv` then answers None.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring  # the C encoder json.dumps uses
from typing import Any

import numpy as np

__all__ = ["float_array", "float_texts", "indented_json", "int_texts", "json_rows", "json_rows_by_key", "part_mark", "plain_csv", "plain_texts"]

_UNSAFE = re.compile('[\x01-\x1f\x7f-\x9f,"]')  # controls, and what CSV quotes (comma, quote, line breaks)
_FORMULA_START = re.compile("\x00[=+\\-@]")  # safe_text.FORMULA_PREFIXES after a separator (tab and CR are controls)
_UNSAFE_RE2 = '[\\x00-\\x1f\\x{7f}-\\x{9f},"]|^[=+\\-@]'  # both of them (and NUL) as one RE2 pattern, for pyarrow


def part_mark(key: str) -> str:
    """The placeholder a document holds where `indented_json` puts the part `key`."""
    return f"\x00evalkit-part:{key}\x00"


def float_texts(values: Any) -> list[str]:
    """``[repr(float(x)) for x in values]``, formatted in C++ by pyarrow (see `float_array`)."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    if x.size == 0:
        return []
    texts: list[str] = float_array(x).to_pylist()
    return texts


def float_array(values: Any) -> Any:
    """``[repr(float(x)) for x in values]`` as a pyarrow string array, formatted in C++ by pyarrow: its shortest
    round-trip digits are Python's, and where the two may write them differently (a whole number: "100" for
    "100.0"; below 1e-4 or from 1e16 on, where Python switches to an exponent; any text pyarrow writes with
    an exponent; NaN, infinity) the value is written by repr()."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from evalkit.io.columnar import primitive, string_array

    x = np.ascontiguousarray(values, dtype=np.float64)
    arrow = pa.Array.from_buffers(pa.float64(), x.size, [None, pa.py_buffer(x)]).cast(pa.string())
    if x.size == 0:
        return arrow
    magnitude = np.abs(x)
    with np.errstate(invalid="ignore"):
        by_repr = ~((magnitude >= 1e-4) & (magnitude < 1e16)) | (x == np.floor(x))
    by_repr |= primitive(pc.match_substring(arrow, "e").cast(pa.uint8()), np.uint8).astype(bool)
    at = np.flatnonzero(by_repr)
    if at.size == 0:
        return arrow
    fixes = string_array([repr(v) for v in x[at].tolist()])
    mask = pa.Array.from_buffers(pa.uint8(), x.size, [None, pa.py_buffer(by_repr.astype(np.uint8))]).cast(pa.bool_())
    return pc.replace_with_mask(arrow, mask, fixes)


def int_texts(values: np.ndarray) -> list[str]:
    """``[str(int(x)) for x in values]`` of an integer array, formatted by pyarrow."""
    import pyarrow as pa

    x = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), x.size, [None, pa.py_buffer(x)]).cast(pa.string()).to_pylist()


def _encoded(column: Sequence[Any]) -> list[str]:
    if len(column) == 0:
        return []
    if isinstance(column, np.ndarray):
        return float_texts(column) if column.dtype.kind == "f" else int_texts(column)
    first = column[0]
    if isinstance(first, str):
        return list(map(encode_basestring, column))
    if isinstance(first, float):
        return float_texts(column)
    return list(map(int.__repr__, column))


def json_rows(keys: Sequence[str], columns: Sequence[Sequence[Any]], depth: int) -> str:
    """A JSON list of objects {key: column[i]} as ``json.dumps(indent=1)`` writes it as the value of a key
    indented by `depth` spaces. Columns hold str, int or finite float values, one type per column."""
    n = len(columns[0]) if columns else 0
    if n == 0:
        return "[]"
    item, field = " " * (depth + 1), " " * (depth + 2)
    template = (item + "{\n" + ",\n".join(f"{field}{encode_basestring(k).replace('%', '%%')}: %s" for k in keys)
                + "\n" + item + "}")
    return "[\n" + ",\n".join(map(template.__mod__, zip(*map(_encoded, columns)))) + "\n" + " " * depth + "]"


def json_rows_by_key(keys: Sequence[str], matrix: np.ndarray, depth: int) -> str:
    """A JSON object {keys[i]: matrix[i] as a list} as ``json.dumps(indent=1)`` writes it at `depth`."""
    n, m = matrix.shape
    if n == 0:
        return "{}"
    entry, value = " " * (depth + 1), " " * (depth + 2)
    flat = float_texts(np.asarray(matrix, dtype=np.float64).ravel())
    names = list(map(encode_basestring, keys))
    if m == 0:
        rows = [f"{entry}{name}: []" for name in names]
    else:
        sep = ",\n" + value
        rows = [f"{entry}{name}: [\n{value}{sep.join(flat[i * m:(i + 1) * m])}\n{entry}]" for i, name in enumerate(names)]
    return "{\n" + ",\n".join(rows) + "\n" + " " * depth + "}"


def indented_json(doc: Any, parts: Mapping[str, str]) -> str | None:
    """``json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)`` with each `part_mark(key)` value
    replaced by ``parts[key]``; None when a mark is not found exactly once (write the document exactly)."""
    text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)
    for key, part in parts.items():
        mark = encode_basestring(part_mark(key))
        if text.count(mark) != 1:
            return None
        text = text.replace(mark, part, 1)
    return text


def plain_texts(values: Sequence[str]) -> bool:
    """Whether csv.writer and `spreadsheet_text` write every value as it is: no control character, no comma
    or quote, nothing that starts like a formula."""
    joined = "\x00" + "\x00".join(values)
    if joined.count("\x00") != len(values):
        return False
    return _UNSAFE.search(joined) is None and _FORMULA_START.search(joined) is None


def plain_csv(header: Sequence[str], texts: Sequence[Sequence[Any]], floats: Sequence[Any]) -> str | None:
    """`csv_text(rows, header)` (BOM, CRLF) of rows made of the `texts` columns (str or int cells) and then the
    `floats` columns written as repr(); None when a text needs the exact writer (quoting, formula, control).
    The rows are joined by pyarrow in C++, column by column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from evalkit.io.columnar import string_array

    if not plain_texts(list(header)):
        return None
    columns: list[Any] = []
    for column in texts:
        if isinstance(column, (pa.Array, pa.ChunkedArray)):
            array = column
        elif isinstance(column, np.ndarray) or (len(column) and not isinstance(column[0], str)):
            x = np.ascontiguousarray(column, dtype=np.int64)
            array = pa.Array.from_buffers(pa.int64(), x.size, [None, pa.py_buffer(x)]).cast(pa.string())
        else:
            array = string_array(list(column))
        if len(array) and pc.any(pc.match_substring_regex(array, _UNSAFE_RE2)).as_py():
            return None
        columns.append(array)
    columns += [float_array(column) for column in floats]
    head = "\ufeff" + ",".join(header) + "\r\n"
    if not columns or len(columns[0]) == 0:
        return head
    n = len(columns[0])
    size = sum(_data_size(c) for c in columns) + 2 * n * len(columns)
    kind = pa.string() if size < 2**31 - 1 else pa.large_string()  # 64-bit offsets only where the text needs them
    comma, crlf, empty = string_array([",", "\r\n", ""]).cast(kind)  # scalars: pa.scalar would import pandas
    cells = [c.cast(kind) for c in columns]
    cells[-1] = pc.binary_join_element_wise(cells[-1], empty, crlf)  # each row's line end, on the last (short) cells
    lines = pc.binary_join_element_wise(*cells, comma)
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    width = 8 if kind == pa.large_string() else 4
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64 if width == 8 else np.int32, count=len(lines) + 1,
                            offset=lines.offset * width)
    body = memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])]  # every line, end to end: no copy
    return head + str(body, "utf-8")


def _data_size(array: Any) -> int:
    """The bytes of a pyarrow string array's (or chunked array's) text."""
    import pyarrow as pa

    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return sum(chunk.buffers()[2].size if chunk.buffers()[2] is not None else 0 for chunk in chunks)
