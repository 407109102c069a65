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

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, UsageError, describe
from evalkit.io.table import Table, cell_text, parse_number

__all__ = ["NAME_HEADERS", "UNIT_HEADERS", "DecisionMatrix", "decision_matrix", "read_matrix", "same_header"]

UNIT_HEADERS = ("unit", "unit_id", "id", "单位", "编号", "单位编号", "考核对象")
NAME_HEADERS = ("name", "名称", "单位名称")
_MAX_PROBLEMS = 50


@attrs.frozen(eq=False)
class DecisionMatrix:
    """Units (rows) by criteria (columns) as float64, with where it came from."""

    source: str
    units: tuple[str, ...]
    names: tuple[str, ...]
    criteria: tuple[str, ...]
    values: np.ndarray


def header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def same_header(a: str, b: str) -> bool:
    """Whether two column names are the same after NFKC normalisation, trimming and case folding."""
    return header_key(a) == header_key(b)


def read_matrix(path: str | Path, registry, criteria: Sequence[str] | None = None) -> DecisionMatrix:
    """Read a wide table file through the registered loaders into a checked DecisionMatrix."""
    from evalkit.io.inputs import read_table

    return decision_matrix(read_table(path, registry), criteria)


def decision_matrix(table: Table, criteria: Sequence[str] | None = None) -> DecisionMatrix:
    """Check a loaded wide table and build the matrix; every problem is reported at once."""
    source = table.source
    if not table.columns:
        raise DataError(Problem("the file is empty", source=source,
                                expected="a header row: a unit column (unit or 单位) and one column per criterion"))
    headers = [header_key(c) for c in table.columns]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for pos, h in enumerate(headers):
        if not h:
            problems.append(Problem("a column has no header", source=source, column=f"#{pos + 1}",
                                    expected="a criterion name in the header row"))
        elif h in seen:
            problems.append(Problem(f"the column {table.columns[pos]!r} appears twice in the header", source=source,
                                    column=table.columns[pos], expected="each column once"))
        else:
            seen[h] = pos
    unit_hits = [seen[header_key(a)] for a in UNIT_HEADERS if header_key(a) in seen]
    name_hits = [seen[header_key(a)] for a in NAME_HEADERS if header_key(a) in seen]
    if not unit_hits:
        problems.append(Problem("the unit column is missing", source=source,
                                expected="a column named " + " or ".join(repr(a) for a in UNIT_HEADERS),
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    elif len(unit_hits) > 1:
        problems.append(Problem("several columns name the unit", source=source, expected="one of " + ", ".join(UNIT_HEADERS),
                                found=", ".join(repr(table.columns[h]) for h in unit_hits)))
    if len(name_hits) > 1:
        problems.append(Problem("several columns name the unit's name", source=source,
                                expected="one of " + ", ".join(NAME_HEADERS),
                                found=", ".join(repr(table.columns[h]) for h in name_hits)))
    if problems:
        raise DataError(problems)
    unit_col = unit_hits[0]
    name_col = name_hits[0] if name_hits else None
    if criteria is None:
        crit_cols = [p for p in range(len(table.columns)) if p not in (unit_col, name_col)]
    else:
        crit_cols = []
        for name in criteria:
            pos = seen.get(header_key(name))
            if pos is None or pos in (unit_col, name_col):
                raise UsageError(f"--criteria: the data file {source} has no criterion column {name!r} "
                                 f"(its columns: {', '.join(table.columns)})")
            if pos in crit_cols:
                raise UsageError(f"--criteria: {name!r} is named twice")
            crit_cols.append(pos)
    if not crit_cols:
        raise DataError(Problem("the file has no criterion columns", source=source,
                                expected="one numeric column per criterion besides the unit column",
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    if not table.rows:
        raise DataError(Problem("the file has a header but no units", source=source, expected="one row per unit"))

    n, m = len(table.rows), len(crit_cols)
    X = np.zeros((n, m))
    units: list[str] = []
    names: list[str] = []
    first_row: dict[str, int] = {}
    unit_header = table.columns[unit_col]

    def cell(row, pos):
        return row[pos] if pos < len(row) else None

    for i, row in enumerate(table.rows):
        if len(problems) >= _MAX_PROBLEMS:
            problems.append(Problem(f"stopped after {_MAX_PROBLEMS} problems; is this the right file?", source=source))
            break
        uid = cell_text(cell(row, unit_col))
        if not uid:
            problems.append(Problem("the unit is empty", **table.where(i, unit_header), expected="a unit id or name"))
        elif uid in first_row:
            where = table.where(first_row[uid])
            problems.append(Problem(f"the unit {uid!r} is given twice", **table.where(i, unit_header),
                                    expected="one row per unit",
                                    found="also at " + (f"row {where['row']}" if where.get("row") is not None else where.get("path", "?"))))
        else:
            first_row[uid] = i
        units.append(uid)
        name = cell_text(cell(row, name_col)) if name_col is not None else ""
        names.append(name or uid)
        for j, pos in enumerate(crit_cols):
            raw = cell(row, pos)
            try:
                value = parse_number(raw)
            except ValueError as exc:
                problems.append(Problem("the value is not a number", **table.where(i, table.columns[pos]),
                                        expected=str(exc), found=describe(str(raw)) if not isinstance(raw, (int, float, str)) else describe(raw)))
                continue
            if value is None:
                problems.append(Problem("the value is empty", **table.where(i, table.columns[pos]),
                                        expected="a number: every unit needs a value on every criterion to be ranked",
                                        found="an empty cell"))
                continue
            X[i, j] = value
    if problems:
        raise DataError(problems)
    return DecisionMatrix(source=source, units=tuple(units), names=tuple(names),
                          criteria=tuple(table.columns[p] for p in crit_cols), values=X)
