"""Raw records in, evalkit's long format out: the toolkit department plugins compute indicators with.

The four plugins under plugins/ and what `evalkit new-plugin` creates import it as
``from evalkit.io import records``.

A plugin reads a department's own records (meeting logs, dues ledgers, tax returns ...), one CSV file
per kind of record, and computes indicators from them. The records may be given as

- a folder holding the plugin's files under their usual names (``meetings.csv`` ...), or
- a mapping from the kind of record to a CSV path, to ``{column: [values]}`` or to a list of row
  dicts (what tests and other county systems pass in memory).

CSV files are UTF-8, with or without the BOM that Excel writes, with a header row. Every function
here works on whole columns (numpy arrays): nothing loops over units in Python. Problems raise
`RecordError` naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


class RecordError(ValueError):
    """A record file is missing, lacks a column, or holds a value that cannot be read."""


class Records(dict):
    """One kind of record as columns: {column name: numpy array}, plus `label` (the file) for messages."""

    label: str = "records"
    row_numbers: list | None = None  # the CSV row of each record (the header is row 1)

    def where(self, i: int) -> str:
        """Where record i is: "dues.csv, row 7", or "dues, record 5" for records given in memory."""
        if self.row_numbers is not None:
            return f"{self.label}, row {self.row_numbers[i]}"
        return f"{self.label}, record {i}"


def load(records: Any, files: Mapping[str, str], required: Mapping[str, Sequence[str]]) -> dict[str, Records]:
    """Read the plugin's record files: {kind: columns} for each kind that is present.

    `files` maps each kind of record to its file name in a folder; `required` to its columns. A kind
    left out of a mapping, or whose file is not in the folder, is not read (its indicators are not
    computed). Unknown kinds in a mapping are an error, so that a typo is not silently ignored.
    """
    if isinstance(records, (str, os.PathLike)):
        folder = Path(records)
        if not folder.is_dir():
            raise RecordError(f"{folder}: not a folder of record files (expected {', '.join(files.values())})")
        sources = {kind: folder / name for kind, name in files.items() if (folder / name).is_file()}
        if not sources:
            raise RecordError(f"{folder}: none of the record files is there (expected {', '.join(files.values())})")
    elif isinstance(records, Mapping):
        unknown = sorted(set(records) - set(files))
        if unknown:
            raise RecordError(f"unknown kind of record {', '.join(map(repr, unknown))} "
                              f"(expected {', '.join(map(repr, files))})")
        sources = dict(records)
    else:
        raise RecordError(f"records must be a folder or a mapping of {', '.join(map(repr, files))}, "
                          f"found {type(records).__name__}")
    return {kind: read_columns(source, required[kind], label=str(source) if isinstance(source, (str, os.PathLike)) else kind)
            for kind, source in sources.items()}


def read_columns(source: Any, required: Sequence[str], label: str = "records") -> Records:
    """One kind of record as columns: a CSV path, a {column: values} mapping, or a list of row dicts."""
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, encoding="utf-8-sig", newline="") as handle:
                numbered = [(n, row) for n, row in enumerate(csv.reader(handle), start=1) if any(c.strip() for c in row)]
        except OSError as exc:
            raise RecordError(f"{source}: cannot read the file: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise RecordError(f"{source}: not UTF-8 text; save it as 'CSV UTF-8'") from None
        if not numbered:
            raise RecordError(f"{source}: the file is empty (expected a header row: {', '.join(required)})")
        header = [cell.strip() for cell in numbered[0][1]]
        body = numbered[1:]
        short = [n for n, row in body if len(row) != len(header)]
        if short:
            raise RecordError(f"{source}, row {short[0]}: the row does not have {len(header)} cells like the header")
        cells = list(zip(*(row for _, row in body))) if body else [()] * len(header)
        columns = {name: np.char.strip(np.array(cells[i], dtype=str)) for i, name in enumerate(header)}
        row_numbers = [n for n, _ in body]
    elif isinstance(source, Mapping):
        columns = {str(k): np.asarray(v) for k, v in source.items()}
        row_numbers = None
    elif isinstance(source, Iterable):
        rows = list(source)
        names = list(dict.fromkeys(k for row in rows for k in row)) if rows else list(required)
        columns = {k: np.asarray([row.get(k, "") for row in rows]) for k in names}
        row_numbers = None
    else:
        raise RecordError(f"{label}: expected a CSV path, a mapping of columns or a list of rows, "
                          f"found {type(source).__name__}")
    missing = [name for name in required if name not in columns]
    if missing:
        raise RecordError(f"{label}: missing column {', '.join(map(repr, missing))} "
                          f"(expected the columns {', '.join(required)})")
    lengths = {len(columns[name]) for name in required}
    if len(lengths) > 1:
        raise RecordError(f"{label}: the columns have different lengths {sorted(lengths)}")
    table = Records(columns)
    table.label, table.row_numbers = label, row_numbers
    return table


def _text(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:  # in-memory records may hold None for "no value"
        column = np.array(["" if cell is None else str(cell) for cell in column], dtype=str)
    return np.char.strip(column.astype(str))


def numbers(table: Records, name: str) -> np.ndarray:
    """A column as float64; an empty cell is NaN. Thousands commas are accepted ("1,234.5")."""
    column = table[name]
    if column.dtype.kind in "fiub" or len(column) == 0:
        return column.astype(np.float64)
    text = np.char.replace(_text(column), ",", "")
    text = np.where(text == "", "nan", text)
    try:
        return text.astype(np.float64)
    except ValueError:
        bad = next(i for i, cell in enumerate(text) if not _is_number(cell))
        raise RecordError(f"{table.where(bad)}, column {name!r}: not a number: {str(column[bad])!r}") from None


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def dates(table: Records, name: str, unit: str = "D") -> np.ndarray:
    """A column of dates (2025-03-31 or 2025/3/31; unit "M" for months such as 2025-03) as datetime64.

    A time after the date (2025/3/31 14:05) is ignored. An empty cell is NaT (not a time), which
    compares False with everything: "not yet done".
    """
    if len(table[name]) == 0:
        return np.array([], dtype=f"datetime64[{unit}]")
    text = np.char.partition(np.char.replace(_text(table[name]), "/", "-"), " ")[:, 0]
    # 2025-3-1 -> 2025-03-01: numpy wants two-digit months and days.
    parts = np.char.partition(text, "-")
    rest = np.char.partition(parts[:, 2], "-")
    month = np.char.zfill(rest[:, 0], 2)
    day = np.char.zfill(rest[:, 2], 2)
    joined = np.char.add(np.char.add(parts[:, 0], np.where(rest[:, 0] == "", "", np.char.add("-", month))),
                         np.where(rest[:, 2] == "", "", np.char.add("-", day)))
    joined = np.where(text == "", "NaT", joined)
    try:
        return joined.astype(f"datetime64[{unit}]")
    except ValueError:
        for i, cell in enumerate(joined):
            try:
                np.datetime64(str(cell), unit)  # type: ignore[call-overload]  # unit is a run-time string
            except ValueError:
                raise RecordError(f"{table.where(i)}, column {name!r}: not a date: {str(table[name][i])!r}") from None
        raise


def codes(table: Records, name: str, words: Mapping[str, int]) -> np.ndarray:
    """A column of words (English codes or their Chinese names) as integer codes from `words`."""
    text = _text(table[name])
    keys = np.array(list(words), dtype=str)
    values = np.array(list(words.values()))
    order = np.argsort(keys)
    pos = np.clip(np.searchsorted(keys, text, sorter=order), 0, len(keys) - 1)
    found = keys[order[pos]] == text
    if not found.all():
        bad = int(np.flatnonzero(~found)[0])
        raise RecordError(f"{table.where(bad)}, column {name!r}: unknown value {str(text[bad])!r} "
                          f"(expected one of {', '.join(words)})")
    return values[order[pos]]


def year_of(period: Any) -> int:
    """The year a period names; these plugins compute yearly indicators ("2025")."""
    text = str(period).strip()
    if not re.fullmatch(r"\d{4}", text):
        raise RecordError(f"period {period!r}: expected a year such as 2025")
    return int(text)


def in_year(when: np.ndarray, year: int) -> np.ndarray:
    """Which dates (or months) fall in the year."""
    return when.astype("datetime64[Y]") == np.datetime64(str(year), "Y")


def unit_list(tables: Mapping[str, Records], units: Iterable[str] | None) -> tuple[str, ...]:
    """The units to report: those given, or every unit named in any record file (sorted)."""
    if units is not None:
        return tuple(str(u) for u in units)
    named = [_text(table["unit"]) for table in tables.values()]
    return tuple(np.unique(np.concatenate(named)).tolist()) if named else ()


def positions(unit_ids: Sequence[str], table: Records) -> np.ndarray:
    """For each record, the position of its unit in `unit_ids` (an error for a unit not listed)."""
    ids = np.array(unit_ids, dtype=str)
    text = _text(table["unit"])
    if len(ids) == 0:
        if len(text):
            raise RecordError(f"{table.where(0)}: unit {str(text[0])!r} is not in the units list")
        return np.zeros(0, dtype=np.intp)
    order = np.argsort(ids)
    pos = order[np.clip(np.searchsorted(ids, text, sorter=order), 0, len(ids) - 1)]
    unknown = ids[pos] != text
    if unknown.any():
        bad = int(np.flatnonzero(unknown)[0])
        raise RecordError(f"{table.where(bad)}: unit {str(text[bad])!r} is not in the units list")
    return pos


def per_unit(at: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Count (or sum `weights`) of the records per unit: one bincount, float64, length n."""
    return np.bincount(at, weights=weights, minlength=n).astype(np.float64)


def ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """100 x part / whole, NaN (no value) where the whole is zero."""
    out = np.full(part.shape, np.nan)
    np.divide(part * 100.0, whole, out=out, where=whole > 0)
    return out


def as_mapping(unit_ids: Sequence[str], column: np.ndarray) -> dict[str, float]:
    """{unit: value} for the units that have a value (NaN is left out: "no value")."""
    keep = ~np.isnan(column)
    return dict(zip(np.array(unit_ids, dtype=str)[keep].tolist(), column[keep].tolist()))


def fmt(value: float) -> str:
    """A value as it is written to the long CSV: up to 6 decimals, no trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def long_rows(values: Mapping[str, Mapping[str, float]], period: Any) -> list[tuple[str, str, str, str]]:
    """(unit, indicator, period, value) rows in evalkit's long format, sorted by unit then indicator."""
    rows = [(unit, indicator, str(period), fmt(value))
            for indicator, by_unit in values.items() for unit, value in by_unit.items()]
    return sorted(rows)


def write_long_csv(values: Mapping[str, Mapping[str, float]], period: Any, path: str | os.PathLike) -> Path:
    """Write the long-format CSV that `evalkit run --data` reads; the file is replaced atomically."""
    from evalkit.io.csv_text import csv_text
    from evalkit.io.output import write_atomic

    text = csv_text(long_rows(values, period), ("unit", "indicator", "period", "value"), bom=False, lineterminator="\n")
    write_atomic(Path(path), text)
    return Path(path)


def command_line(prog: str, compute: Callable[[str, str], Mapping[str, Mapping[str, float]]], files: str, argv: Sequence[str] | None = None) -> int:
    """`python -m PACKAGE RECORDS PERIOD -o OUT.csv` for a plugin: its records to evalkit's long format.

    `compute(records, period)` is the plugin's computation; `files` names the record files it reads,
    for the help text. Exit 3 with the file, row and column when a record cannot be read.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description="Records to evalkit's long format.")
    parser.add_argument("records", help=f"folder with {files}")
    parser.add_argument("period", help="the year, such as 2025")
    parser.add_argument("-o", "--output", required=True, help="the long-format CSV to write")
    args = parser.parse_args(argv)
    try:
        write_long_csv(compute(args.records, args.period), args.period, args.output)
    except RecordError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 3
    return 0
