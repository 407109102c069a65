"""Reading a wide decision matrix (决策矩阵) for `evalkit rank`: one row per unit, one column per criterion.

The file is any table the registered loaders read (CSV, XLSX, JSON array of objects). One column names
the unit: ``unit``, ``unit_id``, ``id``, ``单位``, ``编号``, ``单位编号`` or ``考核对象`` (headers are
compared after NFKC normalisation, case-insensitively); an optional ``name`` / ``名称`` / ``单位名称``
column gives display names. Every other column is a criterion, in file order (or only the ones named
by ``criteria``). Every criterion needs a number for every unit: the ranking methods cannot rank with
gaps, so an empty cell is an error, and so is text that is not a number (the same number syntax as
the long-format data files: thousands commas and full-width digits accepted; percentages, dates,
Excel errors and formulas without a saved result refused). Each problem names the file, the row and
the column (or the JSON path).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, UsageError
from evalkit.io.table import Table, header_key
from evalkit.methods.inputs import (
    NAME_HEADERS,
    UNIT_HEADERS,
    cell_number,
    missing_column,
    raise_row_problems,
    role_reader,
    unique_row,
)
from evalkit.plugins.manager import Registry

__all__ = ["NAME_HEADERS", "UNIT_HEADERS", "DecisionMatrix", "decision_matrix", "fast_matrix", "read_matrix", "same_header"]


@attrs.frozen(eq=False)
class DecisionMatrix:
    """Units (rows) by criteria (columns) as float64, with where it came from."""

    source: str
    units: tuple[str, ...]
    names: tuple[str, ...]
    criteria: tuple[str, ...]
    values: np.ndarray
    arrays: Any = None  # {"unit": ..., "name": ...}: the columns as read (pyarrow), when the column reader read them as they are


def same_header(a: str, b: str) -> bool:
    """Whether two column names are the same after NFKC normalisation, trimming and case folding."""
    return header_key(a) == header_key(b)


def read_matrix(path: str | Path, registry: Registry, criteria: Sequence[str] | None = None) -> DecisionMatrix:
    """Read a wide table file through the registered loaders into a checked DecisionMatrix.

    A clean CSV or a Parquet file is read column by column (`fast_matrix`); anything else, and any file with a problem,
    the exact way, row by row, so that every message names its row and column.
    """
    from evalkit.io.inputs import read_table

    fast = fast_matrix(path, registry, criteria)
    if fast is not None:
        return fast
    return decision_matrix(read_table(path, registry), criteria)


def fast_matrix(path: str | Path, registry: Registry, criteria: Sequence[str] | None = None) -> DecisionMatrix | None:
    """The DecisionMatrix of a clean CSV or a Parquet file read column by column, as `decision_matrix` would build it; None when
    the file is not one the columnar path reads exactly or when it has anything to report (read it exactly)."""
    import pyarrow.compute as pc

    from evalkit.io.columnar import method_csv, method_parquet, numbers, read_parquet_columns, read_table_columns, texts_and_array

    plain = method_csv(path, registry)
    header = plain.columns if plain is not None else method_parquet(path, registry)
    if header is None:
        return None
    table = Table(source=str(path), columns=header, rows=(), row_numbers=())
    try:
        reader, others = role_reader(table, {"unit": UNIT_HEADERS, "name": NAME_HEADERS}, empty="", unnamed="")
    except DataError:
        return None
    if "unit" not in reader.columns:
        return None
    if criteria is None:
        keys = list(others)
    else:
        by_header = {header_key(reader.headers[key]): key for key in others}
        keys = [by_header.get(header_key(name), "") for name in criteria]
        if "" in keys or len(set(keys)) != len(keys):
            return None
    if not keys:
        return None
    if plain is not None:  # numbers parsed by pyarrow as it reads the CSV
        columns = read_table_columns(path, registry, plain, numbers=[int(key[1:]) for key in keys])
    else:
        columns = read_parquet_columns(path, header, range(len(header)))
    if columns is None or columns.num_rows == 0:
        return None
    try:
        units, unit_array = texts_and_array(columns.column(reader.columns["unit"]))
        names, name_array = units, unit_array
        if "name" in reader.columns:
            names, name_array = texts_and_array(columns.column(reader.columns["name"]))
    except ValueError:
        return None  # a Parquet column of another type than text or numbers: the exact path reads it
    if "" in units:
        return None  # an empty unit: the exact path names the row
    if len(set(units) if unit_array is None else range(pc.count_distinct(unit_array).as_py())) != len(units):
        return None  # a repeated unit: the exact path names the rows (counted in C++ when read as they are)
    X = np.empty((columns.num_rows, len(keys)))
    for j, key in enumerate(keys):
        values = numbers(columns.column(int(key[1:])))
        if values is None:
            return None
        X[:, j] = values
    if "" in names:  # (never without a name column: the units are checked above)
        names, name_array = [name or uid for name, uid in zip(names, units)], None
    return DecisionMatrix(source=columns.source, units=tuple(units), names=tuple(names),
                          criteria=tuple(reader.headers[key] for key in keys), values=X,
                          arrays={"unit": unit_array, "name": name_array})


def decision_matrix(table: Table, criteria: Sequence[str] | None = None) -> DecisionMatrix:
    """Check a loaded wide table and build the matrix; every problem is reported at once."""
    source = table.source
    reader, others = role_reader(table, {"unit": UNIT_HEADERS, "name": NAME_HEADERS},
                                 empty="a header row: a unit column (unit or 单位) and one column per criterion",
                                 unnamed="a criterion name in the header row")
    if "unit" not in reader.columns:
        raise DataError(missing_column(table, "unit", UNIT_HEADERS))
    if criteria is None:
        keys = list(others)
    else:
        by_header = {header_key(reader.headers[key]): key for key in others}
        keys = []
        for name in criteria:
            key = by_header.get(header_key(name))
            if key is None:
                raise UsageError(f"--criteria: the data file {source} has no criterion column {name!r} "
                                 f"(its columns: {', '.join(table.columns)})")
            if key in keys:
                raise UsageError(f"--criteria: {name!r} is named twice")
            keys.append(key)
    if not keys:
        raise DataError(Problem("the file has no criterion columns", source=source,
                                expected="one numeric column per criterion besides the unit column",
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    if not table.rows:
        raise DataError(Problem("the file has a header but no units", source=source, expected="one row per unit"))

    X = np.zeros((len(table.rows), len(keys)))
    units: list[str] = []
    names: list[str] = []
    last = -1
    for row in reader:
        last = row.index
        uid = row.text("unit", required=True, expected="a unit id or name")
        if uid:
            unique_row(reader, row, (uid,), f"the unit {uid!r} is given twice", "one row per unit", "unit")
        units.append(uid)
        name = row.text("name") if row.has("name") else ""
        names.append(name or uid)
        for j, key in enumerate(keys):
            value = cell_number(row, key, "value", "a number: every unit needs a value on every criterion to be ranked")
            if value is not None:
                X[row.index, j] = value
    raise_row_problems(reader, last)
    return DecisionMatrix(source=source, units=tuple(units), names=tuple(names),
                          criteria=tuple(reader.headers[key] for key in keys), values=X)
