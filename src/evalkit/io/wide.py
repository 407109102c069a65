"""Wide tables: one row per unit, one column per indicator, the sheet every county collects.

Headers name indicators by id or by name (Chinese or English, with or without the unit in brackets:
"党员大会召开率（%）"). A period column is optional; `period` picks its rows, and other periods go to
the history as in the long format. Numbers are taken column-wise; only a column with text in it is
read cell by cell, so a cell that is not a number is reported with its row and column. Percent cells
(Excel stores 95.4% as 0.954) are read as 95.4 for an indicator whose unit is '%', and said so.
`read_data_table` chooses between this reader and the long one (unit, indicator, period, value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from evalkit.definition.model import Indicator
from evalkit.errors import DataError, Problem, describe
from evalkit.io.data import OBSERVATION_COLUMNS, UNIT_COLUMNS, DataSet, Origin, Units, read_observations
from evalkit.io.table import (
    MAX_PROBLEMS,
    PercentCell,
    Table,
    UnsavedFormula,
    cell_found,
    cell_text,
    describe_where,
    find_columns,
    formula_problem,
    header_key,
    parse_number,
    unknown_text,
)

# Columns a wide sheet may have beside the units and indicators; they are not read.
WIDE_OTHER_COLUMNS = ("name", "名称", "单位名称", "序号", "no", "no.", "#", "备注", "note", "notes", "remark", "remarks",
                      "说明", "type", "类型", "单位类型", "parent", "上级", "上级单位", "evidence", "佐证", "佐证材料", "填报人",
                      "联系电话", "填报日期")
PERCENT_UNITS = ("%", "％", "百分比", "percent")
_BRACKETED_UNIT = re.compile(r"\s*[(（\[【][^()（）\[\]【】]*[)）\]】]\s*$")


def indicator_lookup(indicators: Mapping[str, Indicator], known: Iterable[str]) -> dict[str, str]:
    """Header text (as `header_key` folds it) -> indicator id, for ids and names of the known indicators.

    A name shared by two indicators is left out (the header must then be the id)."""
    lookup: dict[str, str] = {}
    shared: set[str] = set()
    known = set(known)
    for ind_id in sorted(known):
        lookup[header_key(ind_id)] = ind_id
    for ind_id in sorted(known):
        indicator = indicators.get(ind_id)
        if indicator is None:
            continue
        for name in {indicator.name.zh, indicator.name.en} - {None, ""}:
            key = header_key(str(name))
            if key in lookup and lookup[key] != ind_id:
                shared.add(key)
            else:
                lookup.setdefault(key, ind_id)
    for key in shared:
        if key not in {header_key(i) for i in known}:
            lookup.pop(key, None)
    return lookup


def header_indicator(header: str, lookup: Mapping[str, str]) -> str | None:
    """The indicator a header names: its id or name, maybe followed by its unit in brackets."""
    key = header_key(header)
    if key in lookup:
        return lookup[key]
    bare = header_key(_BRACKETED_UNIT.sub("", header))
    return lookup.get(bare) if bare else None


def is_wide(table: Table, lookup: Mapping[str, str]) -> bool:
    """No indicator column, and at least one header that names an indicator."""
    keys = {header_key(c) for c in table.columns}
    if keys & {header_key(a) for a in OBSERVATION_COLUMNS["indicator"]}:
        return False
    return any(header_indicator(c, lookup) is not None for c in table.columns)


def read_data_table(table: Table, units: Units, indicators: Mapping[str, Indicator], known: Iterable[str],
                    period: str | None, require_period: bool = True, wide: bool | None = None,
                    numeric: Mapping[int, np.ndarray] | None = None) -> DataSet:
    """A data table in long or wide shape (`wide`: None to detect, True/False to declare)."""
    known = set(known)
    lookup = indicator_lookup(indicators, known)
    if wide is None:
        wide = is_wide(table, lookup)
    if wide:
        return read_wide(table, units, indicators, lookup, period, require_period, numeric)
    table, notes = (table, []) if numeric is not None else percent_long(table, indicators)  # a frame has no percent cells
    keys = {header_key(c) for c in table.columns}
    if table.columns and not keys & {header_key(a) for a in OBSERVATION_COLUMNS["indicator"]} \
            and keys & {header_key(a) for a in OBSERVATION_COLUMNS["unit"]} \
            and not keys & {header_key(a) for a in OBSERVATION_COLUMNS["value"]}:
        raise DataError(Problem("this looks like a wide sheet (one column per indicator), but no column header names an "
                                "indicator of the scorecard", source=table.source,
                                expected="headers that are indicator ids or names, or the long columns unit, indicator, "
                                         "period, value",
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    data = read_observations(table, units, known, period, require_period=require_period)
    return with_notes(data, notes)


def with_notes(data: DataSet, notes: Sequence[str]) -> DataSet:
    """The DataSet with `notes` (what was converted on the way in) added."""
    if not notes:
        return data
    return DataSet(units=data.units, columns=data.columns, period=data.period, history=data.history,
                   origins=data.origins, notes=tuple(data.notes) + tuple(notes))


def _is_percent_indicator(indicator: Indicator | None) -> bool:
    return indicator is not None and header_key(indicator.unit) in PERCENT_UNITS


def as_percent(stored: float) -> float:
    """0.954 -> 95.4 exactly as written (a decimal shift, not a float product: 0.29 * 100 is 28.999999999999996)."""
    return float(Decimal(repr(stored)).scaleb(2))


def percent_note(source: str, indicator: str, count: int) -> str:
    return (f"{source}: {count} cell(s) of {indicator!r} shown as percentages were read as percent "
            "(Excel's 0.954 as 95.4, the indicator's unit being '%')")


def percent_long(table: Table, indicators: Mapping[str, Indicator]) -> tuple[Table, list[str]]:
    """Percent cells in the value column of a long table, as the percentage a '%' indicator expects."""
    try:
        cols = find_columns(table, {k: OBSERVATION_COLUMNS[k] for k in ("indicator", "value")}, required=("indicator", "value"))
    except DataError:
        return table, []
    vi, ii = cols["value"], cols["indicator"]
    if not any(type(row[vi]) is PercentCell for row in table.rows if vi < len(row)):
        return table, []
    counts: dict[str, int] = {}
    rows = []
    for row in table.rows:
        cell = row[vi] if vi < len(row) else None
        indicator = cell_text(row[ii]) if ii < len(row) else ""
        if isinstance(cell, PercentCell) and _is_percent_indicator(indicators.get(indicator)):
            row = row[:vi] + (as_percent(cell.stored),) + row[vi + 1:]
            counts[indicator] = counts.get(indicator, 0) + 1
        rows.append(row)
    converted = Table(source=table.source, columns=table.columns, rows=tuple(rows), row_numbers=table.row_numbers,
                      row_style=table.row_style)
    return converted, [percent_note(table.source, k, v) for k, v in sorted(counts.items())]


def _text_values(cells: Sequence[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Plain number text or numbers, column-wise: (values, empty); None if any cell needs a closer look."""
    raw = np.asarray(cells)
    n = len(cells)
    if raw.dtype.kind in "fiu":
        values = raw.astype(np.float64)
        return values, np.isnan(values)
    if raw.dtype.kind != "U" or n == 0:
        return None
    text = np.char.strip(raw)
    empty = text == ""
    if np.char.find(text, "_").max(initial=-1) >= 0:
        return None
    try:
        values = np.where(empty, "0", text).astype(np.float64)
    except ValueError:
        return None
    if not np.isfinite(values[~empty]).all():
        return None
    return values, empty


def _indicator_columns(table: Table, cols: Mapping[str, int], lookup: Mapping[str, str]) -> tuple[dict[int, str], list[Problem]]:
    """The indicator of each indicator column of a wide header (position -> id), and the problems of the header."""
    problems: list[Problem] = []
    skip = {header_key(a) for a in WIDE_OTHER_COLUMNS} | {header_key(a) for a in UNIT_COLUMNS["name"]}
    taken: dict[str, int] = {}
    indicator_at: dict[int, str] = {}
    hints: dict[str, Any] = {}
    for pos, header in enumerate(table.columns):
        if pos in cols.values() or not header.strip() or header_key(header) in skip:
            continue
        ind = header_indicator(header, lookup)
        if ind is None:
            problems.append(Problem(unknown_text("indicator column", header, sorted(set(lookup.values())), hints),
                                    source=table.source, column=header,
                                    expected="a column per indicator, headed by its id or name", found=repr(header)))
        elif ind in taken:
            problems.append(Problem(f"two columns hold the indicator {ind!r}", source=table.source, column=header,
                                    expected="one column per indicator", found=f"also column {table.columns[taken[ind]]!r}"))
        else:
            taken[ind] = pos
            indicator_at[pos] = ind
    return indicator_at, problems


def wide_columns(table: Table, cols: Mapping[str, int], lookup: Mapping[str, str]) -> dict[int, str] | None:
    """The indicator of each indicator column of a wide header (position -> id); None if the header has a problem."""
    indicator_at, problems = _indicator_columns(table, cols, lookup)
    return None if problems else indicator_at


def read_wide(table: Table, units: Units, indicators: Mapping[str, Indicator], lookup: Mapping[str, str],
              period: str | None, require_period: bool = True, numeric: Mapping[int, np.ndarray] | None = None) -> DataSet:
    """Check a wide table (a unit column, an optional period column, a column per indicator) into a DataSet."""
    cols = find_columns(table, {"unit": OBSERVATION_COLUMNS["unit"], "period": OBSERVATION_COLUMNS["period"]},
                        required=("unit",), other=(UNIT_COLUMNS, "this looks like a units file"))
    source = table.source
    indicator_at, problems = _indicator_columns(table, cols, lookup)
    hints: dict[str, Any] = {}
    if problems:
        raise DataError(problems[:MAX_PROBLEMS])
    if not table.rows:
        raise DataError(Problem("the data file has a header but no rows", source=source, expected="one row per unit"))
    unit_header = table.columns[cols["unit"]]
    period_header = table.columns[cols["period"]] if "period" in cols else None
    n_rows, n = len(table.rows), len(units)
    index = units.index
    positions = np.full(n_rows, -1, dtype=np.int64)
    row_periods: list[str | None] = []
    for i, row in enumerate(table.rows):
        cell = row[cols["unit"]] if cols["unit"] < len(row) else None
        if isinstance(cell, UnsavedFormula):
            problems.append(formula_problem(table, i, unit_header, cell))
            row_periods.append(None)
            continue
        uid = cell_text(cell)
        if not uid:
            if any(cell_text(c) for j, c in enumerate(row) if j in indicator_at):
                problems.append(Problem("the unit is empty", **table.where(i, unit_header), expected="a unit id"))
        elif uid not in index:
            problems.append(Problem(unknown_text("unit", uid, units.ids, hints, units.names), **table.where(i, unit_header),
                                    expected="an id from the units file", found=describe(uid)))
        else:
            positions[i] = index[uid]
        p = cell_text(row[cols["period"]]) if "period" in cols and cols["period"] < len(row) else ""
        row_periods.append(p or None)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise DataError(problems[:MAX_PROBLEMS])
    found = sorted({p for p in row_periods if p is not None})
    if period is None and len(found) > 1:
        raise DataError(Problem("the data holds several periods; choose one", source=source, column=period_header,
                                expected="one period (evalkit run --period P)", found="periods " + ", ".join(found)))
    if require_period and period is not None and found and period not in found:
        raise DataError(Problem(f"no rows for period {period!r}", source=source, column=period_header,
                                expected=f"rows with period {period!r}", found="periods " + ", ".join(found)))
    # One row per unit and period (a row without a period counts for the chosen one).
    current = np.asarray([p is None or period is None or p == period for p in row_periods], dtype=bool)
    first: dict[tuple[int, str | None], int] = {}
    for i in range(n_rows):
        key = (int(positions[i]), None if current[i] else row_periods[i])
        if key[0] < 0:
            continue
        if key in first:
            problems.append(Problem("the unit has two rows" + (f" for period {key[1]!r}" if key[1] else ""),
                                    **table.where(i, unit_header), expected="one row per unit and period",
                                    found=f"also {describe_where(table.where(first[key]))}"))
        else:
            first[key] = i
    if problems:
        raise DataError(problems[:MAX_PROBLEMS])
    rows_of = np.asarray(table.row_numbers, dtype=np.int64)
    notes: list[str] = []
    columns: dict[str, np.ndarray] = {}
    origins: dict[str, Origin] = {}
    history: dict[str, dict[str, np.ndarray]] = {}
    used = positions >= 0
    period_rows = {p: np.asarray([rp == p for rp in row_periods], dtype=bool) & ~current for p in found if p != period}
    for pos, ind in indicator_at.items():
        values, empty = _column(table, pos, ind, indicators.get(ind), numeric, problems, notes)
        if values is None:
            continue
        have = used & ~empty
        take = have & current
        arr = np.full(n, np.nan)
        arr[positions[take]] = values[take]
        columns[ind] = arr
        where = np.full(n, -1, dtype=np.int64)
        where[positions[take]] = rows_of[take]
        origins[ind] = Origin(source=source, column=table.columns[pos], row_style=table.row_style, rows=where)
        for p, rows_of_p in period_rows.items():
            mask = have & rows_of_p
            if mask.any():
                past = history.setdefault(p, {}).setdefault(ind, np.full(n, np.nan))
                past[positions[mask]] = values[mask]
    if problems:
        raise DataError(problems[:MAX_PROBLEMS])
    return DataSet(units=units, columns=columns, period=period, history=dict(sorted(history.items())), origins=origins,
                   notes=tuple(notes))


def _column(table: Table, pos: int, ind: str, indicator: Indicator | None, numeric: Mapping[int, np.ndarray] | None,
            problems: list[Problem], notes: list[str]) -> tuple[np.ndarray | None, np.ndarray]:
    """The values of one indicator column and where it is empty; cells that are no number become problems."""
    n_rows = len(table.rows)
    if numeric is not None and pos in numeric:
        values = np.asarray(numeric[pos], dtype=np.float64)
        bad = np.isinf(values)
        if not bad.any():
            return values, np.isnan(values)
    cells = [row[pos] if pos < len(row) else None for row in table.rows]
    fast = _text_values(cells)
    if fast is not None and not np.isinf(fast[0]).any():
        return fast
    values = np.full(n_rows, np.nan)
    empty = np.zeros(n_rows, dtype=bool)
    header = table.columns[pos]
    percent = 0
    for i, cell in enumerate(cells):
        if isinstance(cell, PercentCell) and _is_percent_indicator(indicator):
            values[i] = as_percent(cell.stored)
            percent += 1
            continue
        if isinstance(cell, UnsavedFormula):
            problems.append(formula_problem(table, i, header, cell))
            continue
        if isinstance(cell, float) and cell != cell:  # NaN from a frame: no value
            empty[i] = True
            continue
        try:
            number = parse_number(cell)
        except ValueError as exc:
            problems.append(Problem(f"the value of {ind!r} is not usable", **table.where(i, header), expected=str(exc),
                                    found=cell_found(cell)))
            continue
        if number is None:
            empty[i] = True
        else:
            values[i] = number
    if percent:
        notes.append(percent_note(table.source, ind, percent))
    return values, empty | np.isnan(values)
