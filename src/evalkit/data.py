"""Units and indicator values, held column by column, and the checks that make them trustworthy.

Input arrives in long format (unit, indicator, period, value), from a file or from memory; it is
checked once and pivoted once into one contiguous float64 array per indicator (NaN = no value), the
layout the scoring engine reads fastest. Every problem found is reported, not only the first.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Iterable, Mapping, Sequence

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, describe
from evalkit.loaders.base import Table

# Header names accepted for each column, so that a sheet exported with Chinese headers loads as is.
OBSERVATION_COLUMNS = {
    "unit": ("unit", "unit_id", "单位", "单位编号", "考核对象"),
    "indicator": ("indicator", "indicator_id", "指标", "指标编号"),
    "period": ("period", "期间", "时期", "年度", "考核期"),
    "value": ("value", "值", "数值", "指标值"),
}
UNIT_COLUMNS = {
    "id": ("id", "unit", "unit_id", "编号", "单位编号"),
    "name": ("name", "名称", "单位名称"),
    "type": ("type", "类型", "单位类型"),
    "parent": ("parent", "上级", "上级单位"),
}
MAX_PROBLEMS = 50  # more than this in one file says "the wrong file", not fifty typos

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@attrs.frozen
class Units:
    """The units assessed, in a fixed order that every value column follows."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    types: tuple[str | None, ...]
    parents: tuple[str | None, ...]

    @property
    def index(self) -> dict[str, int]:
        return {uid: i for i, uid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_ids(cls, ids: Sequence[str], names: Sequence[str] | None = None,
                 types: Sequence[str | None] | None = None, parents: Sequence[str | None] | None = None) -> "Units":
        ids = tuple(str(i) for i in ids)
        n = len(ids)
        units = cls(ids=ids, names=tuple(names) if names is not None else ids,
                    types=tuple(types) if types is not None else (None,) * n,
                    parents=tuple(parents) if parents is not None else (None,) * n)
        problems = _unit_problems(units, lambda i, col: {"source": "units", "path": f"$[{i}]"})
        if problems:
            raise DataError(problems)
        return units


@attrs.frozen
class DataSet:
    """Values per indicator for one period: `columns[indicator]` is aligned with `units.ids`."""

    units: Units
    columns: Mapping[str, np.ndarray]
    period: str | None = None

    def column(self, indicator: str) -> np.ndarray:
        if indicator in self.columns:
            return self.columns[indicator]
        return np.full(len(self.units), np.nan)

    @classmethod
    def from_columns(cls, units: Units | Sequence[str], columns: Mapping[str, Any], period: str | None = None) -> "DataSet":
        """Build from in-memory columns: {indicator: array aligned with units} or {indicator: {unit: value}}."""
        if not isinstance(units, Units):
            units = Units.from_ids(units)
        index = units.index
        n = len(units)
        out: dict[str, np.ndarray] = {}
        problems = []
        for indicator, values in columns.items():
            if isinstance(values, Mapping):
                arr = np.full(n, np.nan)
                for uid, value in values.items():
                    if str(uid) not in index:
                        problems.append(Problem("unknown unit", source="data", path=f"$[{indicator!r}][{uid!r}]",
                                                expected="a unit in the units list", found=describe(uid)))
                        continue
                    arr[index[str(uid)]] = np.nan if value is None else value
            else:
                try:
                    arr = np.array([np.nan if v is None else v for v in values] if not isinstance(values, np.ndarray)
                                   else values, dtype=np.float64)
                except (TypeError, ValueError):
                    problems.append(Problem("values must be numbers", source="data", path=f"$[{indicator!r}]"))
                    continue
                if arr.shape != (n,):
                    problems.append(Problem("a column must have one value per unit", source="data", path=f"$[{indicator!r}]",
                                            expected=f"{n} values", found=f"shape {arr.shape}"))
                    continue
            bad = np.isinf(arr)
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                problems.append(Problem("infinite value", source="data", path=f"$[{indicator!r}]",
                                        expected="a finite number", found=f"{arr[first]} for unit {units.ids[first]!r}"))
            out[str(indicator)] = np.ascontiguousarray(arr)
        if problems:
            raise DataError(problems)
        return cls(units=units, columns=out, period=period)


def _find_columns(table: Table, wanted: Mapping[str, tuple[str, ...]], required: Iterable[str]) -> dict[str, int]:
    """Map each wanted column to its position, by any accepted header name (case-insensitive)."""
    if not table.columns:
        raise DataError(Problem("the file is empty", source=table.source,
                                expected=f"a header row with columns {', '.join(wanted)}", found="no rows"))
    lowered = [c.strip().lower() for c in table.columns]
    problems = []
    seen: dict[str, int] = {}
    for pos, name in enumerate(lowered):
        if name and name in seen:
            problems.append(Problem(f"the column {table.columns[pos]!r} appears twice in the header", source=table.source,
                                    column=table.columns[pos], expected="each column once"))
        seen.setdefault(name, pos)
    found: dict[str, int] = {}
    for key, aliases in wanted.items():
        hits = [seen[a.lower()] for a in aliases if a.lower() in seen]
        if len(hits) > 1:
            problems.append(Problem(f"several columns mean {key!r}", source=table.source,
                                    expected="one of " + ", ".join(aliases),
                                    found=", ".join(table.columns[h] for h in hits)))
        elif hits:
            found[key] = hits[0]
        elif key in required:
            problems.append(Problem(f"the column {key!r} is missing", source=table.source,
                                    expected="a column named " + " or ".join(repr(a) for a in aliases),
                                    found="columns " + ", ".join(repr(c) for c in table.columns)))
    if problems:
        raise DataError(problems)
    return found


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel stores the unit code 101 as 101.0
    return unicodedata.normalize("NFKC", str(cell)).strip()


def parse_number(cell: Any) -> float | None:
    """A cell as a float, None for an empty cell; raises ValueError with what a person should write."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return 1.0 if cell else 0.0
    if isinstance(cell, (int, float)):
        value = float(cell)
    else:
        text = unicodedata.normalize("NFKC", str(cell)).strip()  # full-width digits from Chinese input
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if text.endswith("%"):
            raise ValueError("a plain number (write 95 for 95 %, as the indicator's unit says)")
        try:
            value = float(text)
        except ValueError:
            raise ValueError("a number") from None
    if math.isnan(value) or math.isinf(value):
        raise ValueError("a finite number")
    return value


def read_units(table: Table) -> Units:
    """Check a units table (id, name, type, parent) and build Units in file order."""
    cols = _find_columns(table, UNIT_COLUMNS, required=("id", "name"))
    if not table.rows:
        raise DataError(Problem("the units file has a header but no units", source=table.source))
    ids, names, types, parents = [], [], [], []
    problems: list[Problem] = []

    def cell(row, key):
        pos = cols.get(key)
        return _text(row[pos]) if pos is not None and pos < len(row) else ""

    for row in table.rows:
        ids.append(cell(row, "id"))
        names.append(cell(row, "name"))
        types.append(cell(row, "type") or None)
        parents.append(cell(row, "parent") or None)
    units = Units(ids=tuple(ids), names=tuple(names), types=tuple(types), parents=tuple(parents))
    problems = _unit_problems(units, table.where, {k: table.columns[v] for k, v in cols.items()})
    if problems:
        raise DataError(problems[:MAX_PROBLEMS])
    return units


def _unit_problems(units: Units, where, headers: Mapping[str, str] | None = None) -> list[Problem]:
    headers = headers or {"id": "id", "name": "name", "parent": "parent"}
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for i, uid in enumerate(units.ids):
        if not uid:
            problems.append(Problem("the unit id is empty", **where(i, headers["id"]), expected="an id"))
        elif uid in first_row:
            problems.append(Problem(f"the unit id {uid!r} is given twice", **where(i, headers["id"]),
                                    expected="each unit once", found=f"also at {_describe_where(where(first_row[uid]))}"))
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


def _cycle_problems(units: Units, where, parent_header: str) -> list[Problem]:
    index = units.index
    for start, parent in enumerate(units.parents):
        seen = {start}
        current = parent
        while current is not None:
            j = index[current]
            if j in seen:
                chain = " -> ".join(units.ids[k] for k in sorted(seen))
                return [Problem("units are each other's parents (a cycle)", **where(start, parent_header),
                                expected="a tree of units", found=chain)]
            seen.add(j)
            current = units.parents[j]
    return []


def _describe_where(fields: dict) -> str:
    if "row" in fields and fields["row"] is not None:
        return f"row {fields['row']}"
    return fields.get("path", "?")


def read_observations(table: Table, units: Units, known_indicators: Iterable[str], period: str | None) -> DataSet:
    """Check a long-format table and pivot the rows of `period` into one array per indicator.

    Every row is checked, whatever its period. A row without a period belongs to every period. An
    empty value cell means "no value" (the item's missing-data policy applies), not zero.
    """
    cols = _find_columns(table, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"))
    if not table.rows:
        raise DataError(Problem("the data file has a header but no rows", source=table.source,
                                expected="one row per unit, indicator and period"))
    headers = {k: table.columns[v] for k, v in cols.items()}
    index = units.index
    known = set(known_indicators)
    n = len(units)
    problems: list[Problem] = []
    first_seen: dict[tuple, int] = {}
    picked: dict[str, tuple[list[int], list[float]]] = {}
    periods_found: set[str] = set()

    def cell(row, key):
        pos = cols.get(key)
        return row[pos] if pos is not None and pos < len(row) else None

    for i, row in enumerate(table.rows):
        if len(problems) >= MAX_PROBLEMS:
            break
        uid = _text(cell(row, "unit"))
        indicator = _text(cell(row, "indicator"))
        row_period = _text(cell(row, "period")) or None
        if row_period is not None:
            periods_found.add(row_period)
        ok = True
        if not uid:
            problems.append(Problem("the unit is empty", **table.where(i, headers["unit"]), expected="a unit id"))
            ok = False
        elif uid not in index:
            problems.append(Problem("unknown unit", **table.where(i, headers["unit"]),
                                    expected="an id from the units file", found=describe(uid)))
            ok = False
        if not indicator:
            problems.append(Problem("the indicator is empty", **table.where(i, headers["indicator"]), expected="an indicator id"))
            ok = False
        elif indicator not in known:
            problems.append(Problem("unknown indicator", **table.where(i, headers["indicator"]),
                                    expected="an indicator of the scorecard or of an installed plugin", found=describe(indicator)))
            ok = False
        try:
            value = parse_number(cell(row, "value"))
        except ValueError as exc:
            problems.append(Problem("the value is not usable", **table.where(i, headers["value"]),
                                    expected=str(exc), found=describe(cell(row, "value"))))
            ok = False
        if not ok:
            continue
        key = (uid, indicator, row_period)
        if key in first_seen:
            problems.append(Problem("duplicate row: this unit, indicator and period already have a value",
                                    **table.where(i, headers["unit"]), expected="one row per unit, indicator and period",
                                    found=f"the same as {_describe_where(table.where(first_seen[key]))}"))
            continue
        first_seen[key] = i
        if period is not None and row_period is not None and row_period != period:
            continue
        if value is not None:
            rows_of, values_of = picked.setdefault(indicator, ([], []))
            rows_of.append(index[uid])
            values_of.append(value)
    if problems:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(f"stopped after {MAX_PROBLEMS} problems; is this the right file?", source=table.source))
        raise DataError(problems)
    problems.extend(_period_clash_problems(first_seen, table, headers, period))
    if problems:
        raise DataError(problems)
    if period is not None and periods_found and period not in periods_found:
        raise DataError(Problem(f"no rows for period {period!r}", source=table.source, column=headers.get("period"),
                                expected=f"rows with period {period!r}", found="periods " + ", ".join(sorted(periods_found))))
    columns = {}
    for indicator, (rows_of, values_of) in picked.items():
        arr = np.full(n, np.nan)
        arr[np.asarray(rows_of, dtype=np.intp)] = values_of
        columns[indicator] = arr
    return DataSet(units=units, columns=columns, period=period)


def _period_clash_problems(first_seen: dict, table: Table, headers: Mapping[str, str], period: str | None) -> list[Problem]:
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
                                            found=f"also {_describe_where(table.where(min(i, j)))}"))
    return problems
