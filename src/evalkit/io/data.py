"""Units and indicator values, held column by column, and the checks that make them trustworthy.

Input arrives in long format (unit, indicator, period, value), from a file or from memory; it is
checked once and pivoted once into one contiguous float64 array per indicator (NaN = no value), the
layout the scoring engine reads fastest. Every problem found is reported, not only the first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.definition.documents import json_path
from evalkit.errors import DataError, Problem, describe
from evalkit.io.table import (
    MAX_PROBLEMS,
    RowReader,
    Table,
    cell_found,
    cell_text,
    describe_where,
    parse_number,
    unknown_text,
)

# Header names accepted for each column, so that a sheet exported with Chinese headers loads as is.
OBSERVATION_COLUMNS = {
    "unit": ("unit", "unit_id", "单位", "单位编号", "考核对象"),
    "indicator": ("indicator", "indicator_id", "指标", "指标编号"),
    "period": ("period", "期间", "时期", "年度", "考核期"),
    "value": ("value", "值", "数值", "指标值"),
    "evidence": ("evidence", "佐证", "佐证材料", "依据"),  # optional: a reference to what supports the value
}
UNIT_COLUMNS = {
    "id": ("id", "unit", "unit_id", "编号", "单位编号"),
    "name": ("name", "名称", "单位名称"),
    "type": ("type", "类型", "单位类型"),
    "parent": ("parent", "上级", "上级单位"),
}


@attrs.frozen
class Units:
    """The units assessed, in a fixed order that every value column follows."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    types: tuple[str | None, ...]
    parents: tuple[str | None, ...]
    # Any other column of the units file (片区, 规模 ...), by header: a value per unit, for peer groups.
    attributes: Mapping[str, tuple] = attrs.field(factory=dict, eq=False, hash=False)
    _index: dict = attrs.field(init=False, repr=False, eq=False, hash=False)
    _groups: dict = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_index", dict(zip(self.ids, range(len(self.ids)))))  # (twice as fast as a comprehension)
        object.__setattr__(self, "_groups", {})

    def group_codes(self, by: str) -> np.ndarray:
        """An int code per unit for its peer group ("all", "type", "parent" or an attribute); built once."""
        if by not in self._groups:
            from evalkit.analysis.peers import group_codes

            self._groups[by] = group_codes(None if by == "all" else self.attribute(by), len(self.ids))
        return self._groups[by]

    @property
    def index(self) -> dict[str, int]:
        """Position of each unit id (built once; do not modify)."""
        return self._index

    def __len__(self) -> int:
        return len(self.ids)

    def attribute(self, name: str) -> tuple[Any, ...]:
        """The values of one attribute (a units-file column) per unit; DataError naming the columns there are."""
        if name == "type":
            return self.types
        if name == "parent":
            return self.parents
        if name == "level" and name not in self.attributes:  # depth in the tree of parents, unless a column says
            return tuple(str(v) for v in hierarchy_levels(self))
        if name not in self.attributes:
            raise DataError(Problem(f"the units have no attribute {name!r} to form peer groups", source="units",
                                    expected="type, parent, level, or a column of the units file: "
                                    + (", ".join(repr(a) for a in self.attributes) or "there are no other columns"),
                                    found=repr(name)))
        return self.attributes[name]

    @classmethod
    def from_ids(cls, ids: Sequence[str], names: Sequence[str] | None = None,
                 types: Sequence[str | None] | None = None, parents: Sequence[str | None] | None = None,
                 attributes: Mapping[str, Sequence[Any]] | None = None) -> Units:
        """Units from ids (names default to the ids), checked as a units file is: ids given once, parents known."""
        ids = tuple(str(i) for i in ids)
        n = len(ids)
        units = cls(ids=ids, names=tuple(names) if names is not None else ids,
                    types=tuple(types) if types is not None else (None,) * n,
                    parents=tuple(parents) if parents is not None else (None,) * n,
                    attributes={str(k): tuple(v) for k, v in (attributes or {}).items()})
        problems = _unit_problems(units, lambda i, col=None: {"source": "units", "path": f"$[{i}]"})
        if problems:
            raise DataError(problems)
        return units


def hierarchy_levels(units: Units) -> np.ndarray:
    """Depth of every unit in the tree of parents: 1 for a unit without a parent, 2 for its children ...

    Vectorised: parent positions are found with one sorted search, then every unit climbs one level
    per pass (as many passes as the tree is deep, never one per unit).
    """
    n = len(units)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ids = np.asarray(units.ids, dtype=str)
    parents = np.asarray(["" if p is None else str(p) for p in units.parents], dtype=str)
    order = np.argsort(ids, kind="stable")
    found = np.searchsorted(ids[order], parents)
    found = np.clip(found, 0, n - 1)
    known = (parents != "") & (ids[order][found] == parents)
    parent_pos = np.where(known, order[found], -1)
    level = np.ones(n, dtype=np.int64)
    current = parent_pos
    for _ in range(n):  # the depth bounds the passes; n bounds a cycle that slipped past validation
        has = current >= 0
        if not has.any():
            break
        level += has
        current = np.where(has, parent_pos[np.where(has, current, 0)], -1)
    return level


@attrs.frozen
class Origin:
    """The file an indicator's values came from and, per unit, the row as the file shows it (-1: none)."""

    source: str
    column: str
    row_style: str
    rows: np.ndarray


@attrs.frozen
class DataSet:
    """Values per indicator for one period: `columns[indicator]` is aligned with `units.ids`.

    `history` holds the other periods found in the same data (period -> columns), for rules that
    compare with a baseline period.
    """

    units: Units
    columns: Mapping[str, np.ndarray]
    period: str | None = None
    history: Mapping[str, Mapping[str, np.ndarray]] = attrs.field(factory=dict, eq=False, hash=False)
    # Where each value came from, for messages: indicator -> Origin (file, and the row of every unit's value).
    origins: Mapping[str, Origin] = attrs.field(factory=dict, eq=False, hash=False)
    # 佐证: indicator -> per unit, the reference (document number, file, hash) given with the value ("" none).
    evidence: Mapping[str, np.ndarray] = attrs.field(factory=dict, eq=False, hash=False)
    # What was converted on the way in (percent cells read as percent, the encoding of a text file), for the notes.
    notes: tuple[str, ...] = attrs.field(default=(), eq=False, hash=False)

    def where(self, indicator: str, unit_position: int) -> dict:
        """Problem fields locating one unit's value of an indicator: file and row (or JSON path) when known."""
        origin = self.origins.get(indicator)
        if origin is None or origin.rows[unit_position] < 0:
            return {"source": "data", "path": f"unit {self.units.ids[unit_position]!r}, indicator {indicator!r}"}
        row = int(origin.rows[unit_position])
        if origin.row_style == "index":
            return {"source": origin.source, "path": f"$[{row}].{origin.column}"}
        return {"source": origin.source, "row": row, "column": origin.column}

    def column(self, indicator: str, period: str | None = None) -> np.ndarray:
        """One indicator's values (NaN where missing), of this period or of another one in `history`."""
        columns = self.columns if period is None or period == self.period else self.history.get(str(period), {})
        if indicator in columns:
            return columns[indicator]
        return np.full(len(self.units), np.nan)

    @classmethod
    def from_columns(cls, units: Units | Sequence[str], columns: Mapping[str, Any], period: str | None = None,
                     history: Mapping[str, Mapping[str, Any]] | None = None, copy: bool = True) -> DataSet:
        """Build from in-memory columns: {indicator: array aligned with units} or {indicator: {unit: value}}.

        Values are checked as file cells are: numbers (or number text), None or NaN for "no value";
        infinity, text that is not a number and unknown units are reported with their JSON path.
        `history` gives other periods' columns the same way: {period: {indicator: ...}}.
        Numeric arrays are copied, so the caller's arrays stay theirs; with ``copy=False`` a contiguous
        float64 array is used as it is, through a read-only view (no second copy of large data; the data
        set then sees what the caller later writes into it).
        """
        if not isinstance(units, Units):
            units = Units.from_ids(units)
        index = units.index
        n = len(units)
        out: dict[str, np.ndarray] = {}
        problems: list[Problem] = []

        def check(indicator: str, key: str | int, value: Any) -> float:
            if isinstance(value, (float, np.floating)) and math.isnan(value):
                return math.nan
            if type(value).__name__ in ("NAType", "NaTType"):  # pandas' NA: no value, as NaN and None
                return math.nan
            try:
                number = parse_number(value)
            except ValueError as exc:
                problems.append(Problem("the value is not usable", source="data", path=json_path((indicator, key)),
                                        expected=str(exc), found=cell_found(value)))
                return math.nan
            return math.nan if number is None else number

        with np.errstate(over="ignore", invalid="ignore"):  # a column's sum may overflow: found as not finite
            for indicator, values in columns.items():
                indicator = str(indicator)
                if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
                    if copy:
                        arr = np.array(values, dtype=np.float64)  # a copy: the caller's array stays theirs
                    else:
                        arr = np.ascontiguousarray(values, dtype=np.float64).view()
                        arr.flags.writeable = False
                    if arr.shape != (n,):
                        problems.append(Problem("a column must have one value per unit", source="data", path=json_path((indicator,)),
                                                expected=f"{n} values", found=f"shape {arr.shape}"))
                        continue
                    total = np.add.reduce(arr)
                    if math.isfinite(total):
                        pass  # a finite sum: no infinity, no NaN (one pass over the column)
                    elif (bad := np.isinf(arr)).any():
                        first = int(np.flatnonzero(bad)[0])
                        problems.append(Problem("the value is not usable", source="data", path=json_path((indicator, first)),
                                                expected="a finite number", found=f"{arr[first]} for unit {units.ids[first]!r}"))
                    out[indicator] = arr  # contiguous already
                    continue
                elif isinstance(values, Mapping):
                    arr = np.full(n, np.nan)
                    for uid, value in values.items():
                        if str(uid) not in index:
                            problems.append(Problem("unknown unit", source="data", path=json_path((indicator, str(uid))),
                                                    expected="a unit in the units list", found=describe(uid)))
                            continue
                        arr[index[str(uid)]] = check(indicator, str(uid), value)
                elif isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                    problems.append(Problem("a column must be a list of values or a mapping of unit to value", source="data",
                                            path=json_path((indicator,)), expected=f"{n} values", found=describe(values)))
                    continue
                else:
                    values = list(values)
                    if len(values) != n:
                        problems.append(Problem("a column must have one value per unit", source="data", path=json_path((indicator,)),
                                                expected=f"{n} values", found=f"{len(values)}"))
                        continue
                    arr = np.array([check(indicator, i, v) for i, v in enumerate(values)], dtype=np.float64)
                out[indicator] = np.ascontiguousarray(arr)
        if problems:
            raise DataError(problems[:MAX_PROBLEMS])
        past = {str(p): cls.from_columns(units, cols, period=str(p), copy=copy).columns for p, cols in (history or {}).items()}
        return cls(units=units, columns=out, period=period, history=past)


def read_units(table: Table) -> Units:
    """Check a units table (id, name, type, parent) and build Units in file order."""
    reader = RowReader(table, UNIT_COLUMNS, required=("id", "name"),
                       other=(OBSERVATION_COLUMNS, "this looks like a data file; the units file has the columns id, name, type, parent"),
                       empty="units file", empty_rows="units", empty_expected="one row per unit")
    cols, headers = reader.columns, reader.headers
    ids: list[str] = []
    names: list[str] = []
    types: list[str | None] = []
    parents: list[str | None] = []
    extra = {pos: name for pos, name in enumerate(table.columns) if pos not in cols.values() and name.strip()}
    attributes: dict[str, list[str]] = {name: [] for name in extra.values()}
    for row in reader:
        ids.append(row.text("id"))
        names.append(row.text("name"))
        types.append(row.text("type") or None)
        parents.append(row.text("parent") or None)
        for pos, name in extra.items():
            attributes[name].append(cell_text(row.cells[pos]) if pos < len(row.cells) else "")
    reader.raise_problems()
    units = Units(ids=tuple(ids), names=tuple(names), types=tuple(types), parents=tuple(parents),
                  attributes={name: tuple(values) for name, values in attributes.items()})
    problems = _unit_problems(units, table.where, headers)
    if problems:
        raise DataError(problems[:MAX_PROBLEMS])
    return units


Where = Callable[..., dict[str, Any]]  # (row index, column=None) -> Problem fields, as Table.where


def _unit_problems(units: Units, where: Where, headers: Mapping[str, str] | None = None) -> list[Problem]:
    headers = headers or {"id": "id", "name": "name", "parent": "parent"}
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for i, uid in enumerate(units.ids):
        if not uid:
            problems.append(Problem("the unit id is empty", **where(i, headers["id"]), expected="an id"))
        elif uid in first_row:
            problems.append(Problem(f"the unit id {uid!r} is given twice", **where(i, headers["id"]),
                                    expected="each unit once", found=f"also at {describe_where(where(first_row[uid]))}"))
        else:
            first_row[uid] = i
        if not units.names[i]:
            problems.append(Problem("the unit name is empty", **where(i, headers.get("name", "name")), expected="a name"))
    for i, parent in enumerate(units.parents):
        if parent is not None and parent not in first_row:
            problems.append(Problem("the parent is not a unit in this file", **where(i, headers.get("parent", "parent")),
                                    expected="an id from the id column", found=describe(parent)))
    if not problems:
        problems.extend(_cycle_problems(units, where, headers.get("parent", "parent")))
    return problems


def _cycle_problems(units: Units, where: Where, parent_header: str) -> list[Problem]:
    """One problem per cycle of parents, each unit visited once (a chain of any length is linear)."""
    index = units.index
    state = [0] * len(units)  # 0 not visited, 1 on the current path, 2 known to reach a root
    problems: list[Problem] = []
    for start in range(len(units)):
        path: list[int] = []
        j: int | None = start
        while j is not None and state[j] == 0:
            state[j] = 1
            path.append(j)
            parent = units.parents[j]
            j = index[parent] if parent is not None else None
        if j is not None and state[j] == 1:  # back on the current path: a cycle from j
            cycle = path[path.index(j):]
            first = min(cycle)  # report the cycle at its first row in the file
            k = cycle.index(first)
            cycle = cycle[k:] + cycle[:k]
            chain = " -> ".join(units.ids[c] for c in cycle + [first])
            problems.append(Problem("units are each other's parents (a cycle)", **where(first, parent_header),
                                    expected="a tree of units", found=chain))
        for k in path:
            state[k] = 2
    return problems


def _fast_observations(table: Table, cols: Mapping[str, int], headers: Mapping[str, str], units: Units,
                       known: set, period: str | None, require_period: bool) -> DataSet | None:
    """The same DataSet as the row-by-row reader, column-wise, for a clean table of text cells; else None.

    Anything that would need a message (an unknown id, a cell that is not a plain number, a duplicate,
    a period clash, a formula, a number typed in a unit column ...) returns None, and the row-by-row
    reader then finds and reports every problem. So this path never decides what is an error.
    """
    n_rows = len(table.rows)
    width = max(cols.values()) + 1
    columns = list(zip(*table.rows))  # zip stops at the shortest row: then a column is missing
    if n_rows == 0 or len(columns) < width:
        return None
    period_cells = columns[cols["period"]] if "period" in cols else ("",) * n_rows

    def codes(cells: Sequence[Any], mapping: Callable[[str], Any]) -> tuple[np.ndarray, list[str]] | None:
        """Per cell, the code of its normalised text among the distinct texts (each normalised and
        mapped once); None if a cell is not text or `mapping` refuses one."""
        memo: dict[Any, int] = {}
        texts: list[str] = []

        def code(cell: Any) -> int:
            if type(cell) is not str:
                return -1
            text = cell_text(cell)
            if mapping(text) is None:
                return -1
            if text not in position:
                position[text] = len(texts)
                texts.append(text)
            return position[text]

        position: dict[str, int] = {}
        out = np.fromiter((memo[c] if c in memo else memo.setdefault(c, code(c)) for c in cells), dtype=np.int64,
                          count=n_rows)
        if (out < 0).any():
            return None
        return out, texts

    index = units.index
    got_units = codes(columns[cols["unit"]], lambda t: index.get(t) if t else None)
    got_indicators = codes(columns[cols["indicator"]], lambda t: t if t in known else None)
    got_periods = codes(period_cells, lambda t: t)
    if got_units is None or got_indicators is None or got_periods is None:
        return None
    unit_pos = np.asarray([index[t] for t in got_units[1]], dtype=np.int64)[got_units[0]]
    indicator_code, indicator_names = got_indicators
    period_code, period_names = got_periods
    raw = np.asarray(columns[cols["value"]])
    if raw.dtype.kind in "fi":  # numbers already (a spreadsheet's cells)
        values = raw.astype(np.float64)
        empty = np.zeros(n_rows, dtype=bool)
    elif raw.dtype.kind == "U":
        text = np.char.strip(raw)
        empty = text == ""
        if np.char.find(text, "_").max(initial=-1) >= 0:  # numpy reads "1_000"; people's files do not mean it
            return None
        try:
            values = np.where(empty, "0", text).astype(np.float64)
        except ValueError:
            return None
    else:
        return None
    if not np.isfinite(values[~empty]).all():
        return None
    # Duplicates of (unit, indicator, period), and a row without a period next to one for the period.
    n_units, n_indicators = len(units), len(indicator_names)
    key = (period_code * n_indicators + indicator_code) * n_units + unit_pos
    ordered = np.sort(key)
    if (ordered[1:] == ordered[:-1]).any():
        return None
    found = {p for p in period_names if p}
    no_period = np.asarray([p == "" for p in period_names], dtype=bool)[period_code]
    if period is None:  # one period at most (checked below): every row is the current one
        current = np.ones(n_rows, dtype=bool)
    else:
        current = no_period | np.asarray([p == period for p in period_names], dtype=bool)[period_code]
    if no_period.any() and not no_period.all():
        pair = indicator_code * n_units + unit_pos
        if np.intersect1d(pair[no_period], pair[current & ~no_period]).size:
            return None
    if period is None and len(found) > 1:
        return None
    if require_period and period is not None and found and period not in found:
        return None
    keep = ~empty
    rows = np.asarray(table.row_numbers, dtype=np.int64)
    n = len(units)

    def pivot(mask: np.ndarray, with_rows: bool) -> tuple[dict[str, np.ndarray], dict[str, Origin]]:
        out: dict[str, np.ndarray] = {}
        origins: dict[str, Origin] = {}
        selected = np.flatnonzero(mask & keep)
        by_indicator = selected[np.argsort(indicator_code[selected], kind="stable")]
        bounds = np.searchsorted(indicator_code[by_indicator], np.arange(len(indicator_names) + 1))
        for code in np.flatnonzero(np.diff(bounds)):
            these = by_indicator[bounds[code]:bounds[code + 1]]
            name = indicator_names[int(code)]
            arr = np.full(n, np.nan)
            arr[unit_pos[these]] = values[these]
            out[name] = arr
            if with_rows:
                where = np.full(n, -1, dtype=np.int64)
                where[unit_pos[these]] = rows[these]
                origins[name] = Origin(source=table.source, column=headers["value"], row_style=table.row_style, rows=where)
        return out, origins

    current_columns, origins = pivot(current, True)
    history = {}
    others = [] if period is None else [(c, p) for c, p in enumerate(period_names) if p and p != period]
    for code, name in sorted(others, key=lambda cp: cp[1]):
        past = pivot(period_code == code, False)[0]
        if past:  # a period whose cells are all empty holds nothing, as in the row-by-row reader
            history[name] = past
    return DataSet(units=units, columns=current_columns, period=period, history=history, origins=origins)


def read_observations(table: Table, units: Units, known_indicators: Iterable[str], period: str | None,
                      require_period: bool = True, fast: bool = True) -> DataSet:
    """Check a long-format table and pivot the rows of `period` into one array per indicator.

    Every row is checked, whatever its period. A row without a period belongs to every period. An
    empty value cell means "no value" (the item's missing-data policy applies), not zero.
    """
    reader = RowReader(table, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"),
                       other=(UNIT_COLUMNS, "this looks like a units file; the data file has the columns unit, indicator, period, value"),
                       empty="data file", empty_expected="one row per unit, indicator and period")
    cols, headers = reader.columns, reader.headers
    index = units.index
    known = set(known_indicators)
    if fast and "evidence" not in cols:  # an evidence column is read row by row
        clean = _fast_observations(table, cols, headers, units, known, period, require_period)
        if clean is not None:
            return clean
    n = len(units)
    picked: dict[str, tuple[list[int], list[float]]] = {}
    lines_of: dict[str, list[int]] = {}  # the file row of each picked value, for later messages
    evidence_of: dict[str, list[str]] = {}  # the evidence cell of each picked value
    other_periods: dict[str, dict[str, tuple[list[int], list[float]]]] = {}
    periods_found: set[str] = set()
    hints: dict[str, Any] = {}

    for row in reader:
        uid, indicator, row_period = row.text("unit"), row.text("indicator"), row.text("period") or None
        if not row.ok:  # a formula without a saved result: nothing else of the row is checked
            continue
        if row_period is not None:
            periods_found.add(row_period)
        if not uid:
            row.problem("the unit is empty", "unit", expected="a unit id")
        elif uid not in index:
            row.problem(unknown_text("unit", uid, units.ids, hints, units.names), "unit",
                        expected="an id from the units file", found=describe(uid))
        if not indicator:
            row.problem("the indicator is empty", "indicator", expected="an indicator id")
        elif indicator not in known:
            row.problem(unknown_text("indicator", indicator, known, hints), "indicator",
                        expected="an indicator of the scorecard or of an installed plugin", found=describe(indicator))
        value = row.number("value")
        if not row.ok or not reader.unique(row, (uid, indicator, row_period),
                                           "duplicate row: this unit, indicator and period already have a value",
                                           "one row per unit, indicator and period", "unit", found="the same as"):
            continue
        if value is None:
            continue
        if period is not None and row_period is not None and row_period != period:
            rows_of, values_of = other_periods.setdefault(row_period, {}).setdefault(indicator, ([], []))
        else:
            rows_of, values_of = picked.setdefault(indicator, ([], []))
            lines_of.setdefault(indicator, []).append(table.row_numbers[row.index])
            if "evidence" in cols:
                evidence_of.setdefault(indicator, []).append(cell_text(row.cell("evidence")))
        rows_of.append(index[uid])
        values_of.append(value)
    if reader.stopped:
        reader.problems.append(Problem(f"stopped after {MAX_PROBLEMS} problems; is this the right file?", source=table.source))
    reader.raise_problems(limit=None)
    problems = _period_clash_problems(reader.seen, table, headers, period)
    if problems:
        raise DataError(problems)
    if period is None and len(periods_found) > 1:
        raise DataError(Problem("the data holds several periods; choose one", source=table.source,
                                column=headers.get("period"), expected="one period (evalkit run --period P)",
                                found="periods " + ", ".join(sorted(periods_found))))
    if require_period and period is not None and periods_found and period not in periods_found:
        raise DataError(Problem(f"no rows for period {period!r}", source=table.source, column=headers.get("period"),
                                expected=f"rows with period {period!r}", found="periods " + ", ".join(sorted(periods_found))))
    history = {p: _pivot(found, n) for p, found in sorted(other_periods.items())}
    origins = {}
    for indicator, (rows_of, _values) in picked.items():
        rows = np.full(n, -1, dtype=np.int64)
        rows[np.asarray(rows_of, dtype=np.intp)] = lines_of[indicator]
        origins[indicator] = Origin(source=table.source, column=headers["value"], row_style=table.row_style, rows=rows)
    evidence = {}
    for indicator, texts in evidence_of.items():
        if any(texts):
            refs = np.full(n, "", dtype=object)
            refs[np.asarray(picked[indicator][0], dtype=np.intp)] = texts
            evidence[indicator] = refs
    return DataSet(units=units, columns=_pivot(picked, n), period=period, history=history, origins=origins,
                   evidence=evidence)


def _pivot(picked: Mapping[str, tuple[list[int], list[float]]], n: int) -> dict[str, np.ndarray]:
    """(unit positions, values) per indicator -> one array per indicator, NaN where no value."""
    columns = {}
    for indicator, (rows_of, values_of) in picked.items():
        arr = np.full(n, np.nan)
        arr[np.asarray(rows_of, dtype=np.intp)] = values_of
        columns[indicator] = arr
    return columns


def _period_clash_problems(first_seen: Mapping[tuple[Any, ...], int], table: Table, headers: Mapping[str, str], period: str | None) -> list[Problem]:
    """A row without a period and a row for the chosen period, same unit and indicator: which one counts?"""
    problems = []
    for (uid, indicator, row_period), i in first_seen.items():
        if row_period is None:
            for other in ([period] if period is not None else []):
                j = first_seen.get((uid, indicator, other))
                if j is not None:
                    problems.append(Problem("duplicate row: a row without a period and a row for the same period",
                                            **table.where(max(i, j), headers["unit"]),
                                            expected="one row per unit, indicator and period",
                                            found=f"also {describe_where(table.where(min(i, j)))}"))
    return problems
