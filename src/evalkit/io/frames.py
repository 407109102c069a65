"""DataFrames in: pandas, polars and pyarrow tables (through narwhals), and Series aligned by their index.

A frame becomes a `Table` column by column (numbers as float arrays, text as lists; null, NaN and NA
become an empty cell), so it is read by the same readers as a file and gets the same messages; its
rows are then matched to units by id, never by position. narwhals is imported only when a frame
comes in; pandas, polars and pyarrow themselves are never imported here (the caller already has one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from evalkit.errors import DataError, Problem, describe
from evalkit.io.table import Table

if TYPE_CHECKING:
    from evalkit.definition.model import Indicator
    from evalkit.io.data import DataSet, Units

_FRAME_MODULES = ("pandas", "polars", "pyarrow", "modin", "cudf", "dask", "pyspark", "duckdb", "ibis")


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def is_frame(obj: Any) -> bool:
    """Whether `obj` is a dataframe (pandas, polars, pyarrow Table, or any narwhals supports)."""
    if isinstance(obj, (Mapping, str, bytes, np.ndarray, list, tuple)) or obj is None:
        return False
    if _module(obj) not in _FRAME_MODULES and not hasattr(obj, "__arrow_c_stream__"):
        return False
    import narwhals as nw

    return isinstance(nw.from_native(obj, pass_through=True), (nw.DataFrame, nw.LazyFrame))


def is_records(obj: Any) -> bool:
    """Whether `obj` is a list of rows as dicts (``df.to_dict("records")``, JSON rows)."""
    return isinstance(obj, (list, tuple)) and bool(obj) and all(isinstance(r, Mapping) for r in obj)


def frame_source(obj: Any) -> str:
    """How a frame is named in messages: 'pandas DataFrame', 'polars DataFrame', 'pyarrow Table'."""
    return f"{_module(obj)} {type(obj).__name__}"


def is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT: "no value", as an empty cell is."""
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _with_index(obj: Any) -> Any:
    """A pandas frame whose unit ids are its index (``df.set_index("unit")``): the index as a column.

    A named index becomes the column of its name; an unnamed index of text becomes the column 'unit'
    (unless there is one); an unnamed index of numbers is the rows' positions, and is left out."""
    index = getattr(obj, "index", None)
    if _module(obj) != "pandas" or index is None or type(index).__name__ == "RangeIndex":
        return obj
    names = [n for n in getattr(index, "names", [None]) if n is not None]
    columns = {str(c) for c in obj.columns}
    if names:
        return obj if set(map(str, names)) & columns else obj.reset_index()
    if getattr(index, "nlevels", 1) != 1 or (index.dtype.kind not in "OUST" and str(index.dtype) not in ("str", "string")):
        return obj
    if columns & {"unit", "id", "unit_id", "单位", "单位编号", "编号"}:
        return obj
    return obj.rename_axis("unit").reset_index()


def column_cells(series: Any) -> list[Any] | np.ndarray:
    """One narwhals Series as cells: a float64 array for numbers (NaN = no value), else a list (None = no value)."""
    import narwhals as nw

    dtype = series.dtype
    if dtype.is_integer():  # through numpy: the nearest float64, as a CSV's digits are read (pyarrow's cast
        # refuses an integer beyond 2**53, which is a value to read, not a plugin's failure)
        nulls = np.asarray(series.is_null().to_numpy(), dtype=bool)
        values = np.array(series.fill_null(0).to_numpy(), dtype=np.float64)
        values[nulls] = np.nan
        return values
    if dtype.is_numeric() and dtype != nw.Boolean:
        return np.ascontiguousarray(series.cast(nw.Float64).fill_null(float("nan")).to_numpy(), dtype=np.float64)
    if dtype == nw.Categorical or dtype == nw.Enum:
        series = series.cast(nw.String)
    cells = series.to_list()
    nulls = series.is_null().to_numpy()
    if nulls.any():
        for i in np.flatnonzero(nulls):
            cells[int(i)] = None
    if dtype == nw.Object or dtype == nw.Unknown:
        cells = [None if is_missing(c) else c for c in cells]
    return cells


def frame_columns(obj: Any) -> tuple[tuple[str, ...], list[list[Any] | np.ndarray]]:
    """The header and the cells of every column of a frame (or a list of dict rows)."""
    if is_records(obj):
        header: dict[str, None] = {}
        for row in obj:
            header.update(dict.fromkeys(str(k) for k in row))
        names = tuple(header)
        return names, [[None if is_missing(v := r.get(k)) else v for r in obj] for k in names]
    import narwhals as nw

    try:
        native = nw.from_native(_with_index(obj))
        frame = native.collect() if isinstance(native, nw.LazyFrame) else native  # a polars LazyFrame: collected once
    except nw.exceptions.DuplicateError:
        seen: set[str] = set()
        twice = next(str(c) for c in obj.columns if str(c) in seen or seen.add(str(c)))  # type: ignore[func-returns-value]
        raise DataError(Problem(f"the column {twice!r} appears twice in the header", source=frame_source(obj),
                                column=twice, expected="each column once")) from None
    names = tuple(str(c) for c in frame.columns)
    return names, [column_cells(frame[c]) for c in frame.columns]


def frame_table(obj: Any, source: str | None = None) -> Table:
    """A frame (or a list of dict rows) as a Table: row i is `$[i]` in messages; null cells are empty (None)."""
    return numeric_table(obj, source)[0]


def _nulls_as_none(values: np.ndarray) -> list[Any]:
    cells: list[Any] = values.tolist()
    missing = np.isnan(values)
    if missing.any():
        for i in np.flatnonzero(missing):
            cells[int(i)] = None
    return cells


def numeric_table(obj: Any, source: str | None = None) -> tuple[Table, dict[int, np.ndarray]]:
    """A frame as a Table plus its numeric columns as float arrays by position (NaN = no value), so a
    reader can take numbers column-wise without looking at a cell."""
    source = source or ("rows" if is_records(obj) else frame_source(obj))
    names, cells = frame_columns(obj)
    numeric = {pos: c for pos, c in enumerate(cells) if isinstance(c, np.ndarray)}
    lists = [_nulls_as_none(c) if isinstance(c, np.ndarray) else c for c in cells]
    n = len(lists[0]) if lists else 0
    rows = tuple(zip(*lists)) if lists else ()
    table = Table(source=source, columns=names, rows=rows, row_numbers=tuple(range(n)), row_style="index")
    return table, numeric


def has_index(values: Any) -> bool:
    """A pandas Series (or anything with an `index` of labels beside its values)."""
    return _module(values) == "pandas" and hasattr(values, "index") and hasattr(values, "to_numpy") \
        and not hasattr(values, "columns")


def series_mapping(values: Any, indicator: str) -> dict[str, Any]:
    """A Series as {unit id: value} by its index labels; a label given twice is an error naming it."""
    labels = [str(label) for label in values.index]
    import narwhals as nw

    cells = column_cells(nw.from_native(values, series_only=True))
    seen: set[str] = set()
    twice = [label for label in labels if label in seen or seen.add(label)]  # type: ignore[func-returns-value]
    if twice:
        raise DataError(Problem("a unit is given twice in the Series' index", source="data", path=f"$[{indicator!r}]",
                                expected="each unit once", found=describe(twice[0])))
    return dict(zip(labels, cells.tolist() if isinstance(cells, np.ndarray) else cells))


def align_columns(columns: Mapping[str, Any]) -> dict[str, Any]:
    """{indicator: Series | array | mapping}: every pandas Series turned into {unit: value} by its index."""
    return {str(k): series_mapping(v, str(k)) if has_index(v) else v for k, v in columns.items()}


def unit_ids_of(columns: Mapping[str, Any]) -> list[str]:
    """The unit ids named by mappings and Series' indexes, sorted (when no units are given)."""
    ids: set[str] = set()
    for column in columns.values():
        if isinstance(column, Mapping):
            ids.update(str(u) for u in column)
    return sorted(ids)


def frame_unit_ids(obj: Any) -> list[str]:
    """The distinct ids of a data frame's unit column, sorted (the units when none are given)."""
    from evalkit.io.data import OBSERVATION_COLUMNS
    from evalkit.io.table import cell_text, find_columns

    table = frame_table(obj, "data" if is_records(obj) else None)
    pos = find_columns(table, {"unit": OBSERVATION_COLUMNS["unit"]}, required=("unit",))["unit"]
    return sorted({t for t in (cell_text(row[pos]) for row in table.rows) if t})


def read_frame_data(obj: Any, units: Units, indicators: Mapping[str, Indicator], known: Iterable[str],
                    period: str | None, require_period: bool = True, wide: bool | None = None) -> DataSet:
    """A DataFrame (or list of dict rows) of data, long or wide, checked as a file is, matched to units by id."""
    from evalkit.io.wide import indicator_lookup, is_wide, read_data_table

    table, numeric = numeric_table(obj, "data" if is_records(obj) else None)
    known = set(known)
    if wide is None:
        wide = is_wide(table, indicator_lookup(indicators, known))
    if not wide:
        table = _without_empty_values(table, numeric, units, known) or table
    return read_data_table(table, units, indicators, known, period, require_period, wide=wide, numeric=numeric)


def _without_empty_values(table: Table, numeric: Mapping[int, np.ndarray], units: Units, known: set[str]) -> Table | None:
    """A long table without its rows of no value, when leaving them out changes nothing but speed.

    Those rows would make the reader go row by row; they are dropped only if their units and
    indicators are known, none of them repeats another row's unit, indicator and period, and the periods
    found stay the same. Otherwise None: the whole table is read, and every problem is reported.
    """
    from evalkit.io.data import OBSERVATION_COLUMNS
    from evalkit.io.table import cell_text, find_columns

    try:
        cols = find_columns(table, OBSERVATION_COLUMNS, required=("unit", "indicator", "value"))
    except DataError:
        return None
    values = numeric.get(cols["value"])
    if values is None:
        return None
    empty = np.isnan(values)
    if not empty.any():
        return None

    def texts(key: str) -> np.ndarray:
        if key not in cols:
            return np.full(len(values), "", dtype=object)
        pos = cols[key]
        return np.asarray([c.strip() if type(c) is str and c.isascii() else cell_text(c)
                           for c in (row[pos] for row in table.rows)], dtype=object)

    unit, indicator, period = texts("unit"), texts("indicator"), texts("period")
    if not all(u in units.index for u in set(unit[empty])) or not set(indicator[empty]) <= known:
        return None
    if set(period[~empty]) != set(period) or (set(period) != {""} and "" in set(period)):
        return None
    keys = unit + "\x00" + indicator + "\x00" + period
    if len(set(keys)) != len(keys):
        return None
    keep = np.flatnonzero(~empty)
    return Table(source=table.source, columns=table.columns, rows=tuple(table.rows[i] for i in keep),
                 row_numbers=tuple(table.row_numbers[i] for i in keep), row_style=table.row_style)
