"""Reading data and units files through the registered loaders, chosen by file ending."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.definition.model import Scorecard
from evalkit.errors import DataError, EvalkitError, FileAccessError, PluginError, Problem
from evalkit.io.data import OBSERVATION_COLUMNS, DataSet, Units, read_units
from evalkit.io.table import Table
from evalkit.plugins.manager import Registry

_ENDING_HINTS = {
    ".xls": "an old-format Excel file: in Excel, Save As 'Excel 工作簿 (*.xlsx)' or 'CSV UTF-8 (逗号分隔)'",
    ".et": "a WPS workbook: in WPS, Save As 'Excel 工作簿 (*.xlsx)'",
    ".ods": "an OpenDocument sheet: Save As 'Excel 2007-365 (.xlsx)'",
    ".txt": "if it is comma-separated text, give it the ending .csv; if tab-separated, .tsv",
    "": "give the file its ending, such as .csv or .xlsx",
}


def read_table(path: str | Path, registry: Registry) -> Table:
    """Read any supported file into a Table; the loader is picked by the file's ending."""
    from evalkit.io.limits import check_not_stdin

    check_not_stdin(path)
    path = Path(path)
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as exc:
        raise FileAccessError(Problem(f"cannot read the file: {exc.strerror or exc}", source=str(path))) from None
    if not exists:
        raise FileAccessError(Problem("file not found", source=str(path)))
    if is_dir:
        raise FileAccessError(Problem("is a directory, expected a file", source=str(path)))
    loader = registry.loader_for(path)
    if loader is None:
        endings = sorted({e for loader in registry.loaders.values() for e in loader.extensions})
        hint = _ENDING_HINTS.get(path.suffix.lower())
        raise DataError(Problem("unsupported file type" + (f"; {hint}" if hint else ""), source=str(path),
                                expected="a file ending in " + ", ".join(endings),
                                found=repr(path.suffix or "no ending")))
    try:
        table = loader.read(path)
    except EvalkitError:
        raise
    except Exception as exc:
        raise PluginError(Problem(f"loader {loader.name!r} from plugin {registry.owner('loaders', loader.name)!r} "
                                  f"failed: {type(exc).__name__}: {exc}", source=str(path))) from exc
    if not isinstance(table, Table):
        raise PluginError(Problem(f"loader {loader.name!r} from plugin {registry.owner('loaders', loader.name)!r} "
                                  f"returned {type(table).__name__}", source=str(path), expected="an evalkit Table"))
    return table


def load_units(path: str | Path | Any, registry: Registry | None = None) -> Units:
    """The units file (id, name, type, parent; Chinese headers accepted), or a DataFrame (pandas, polars,
    pyarrow) or list of dict rows with those columns."""
    from evalkit.io.frames import frame_table, is_frame, is_records

    if is_frame(path) or is_records(path):
        return read_units(frame_table(path, "units" if is_records(path) else None))
    return load_units_noted(path, registry)[0]


def load_units_noted(path: str | Path, registry: Registry | None = None,
                     encoding: str | None = None) -> tuple[Units, list[str]]:
    """The units file and notes on how it was read: a CSV in GB18030 (GBK) when it is not UTF-8, or in
    `encoding`; in a workbook, the header is the first row with the id and name columns."""
    from evalkit.io.data import UNIT_COLUMNS
    from evalkit.io.readers import header_test, read_tables

    if registry is None:
        from evalkit.plugins.manager import default_registry

        registry = default_registry()
    if _columnar(path, registry, encoding):  # a plain CSV or Parquet file: column by column, else None
        from evalkit.io.columnar import fast_units

        fast = fast_units(path)
        if fast is not None:
            return fast, []
    tables, notes = read_tables(path, registry, encoding=encoding,
                                is_header=header_test([UNIT_COLUMNS["id"], UNIT_COLUMNS["name"]]))
    return read_units(tables[0]), notes


def load_data(data_paths: str | Path | Sequence[str | Path] | Any, units: Units | str | Path | Any, scorecard: Scorecard,
              period: str | None = None, wide: bool | None = None, encoding: str | None = None,
              sheets: Sequence[str] = ()) -> DataSet:
    """The data of `period` (default: the scorecard's) for the scorecard's units.

    `data_paths` are files, or a DataFrame (pandas, polars, pyarrow) or a list of dict rows; each in long
    shape (unit, indicator, period, value) or wide (a unit column and a column per indicator, headed by
    its id or name): `wide` None detects the shape, True or False declares it. Rows are matched to
    units by id. A CSV file is read as UTF-8, or as GB18030 (GBK) when it is not UTF-8 but decodes
    cleanly as that, or in the `encoding` named. In a workbook the header is the first row with the
    columns wanted (below titles and notes), merged header cells count for every column they cover,
    and `sheets` names the sheets to read ("*": all of them, read as one). Parquet files are read
    column by column (pyarrow needed). Several files (one per department, or a review's output beside the data) are read as
    one: a unit, indicator and period given in two files is an error naming both.
    """
    from evalkit.io.frames import is_frame, is_records, read_frame_data
    from evalkit.io.wide import read_data_table

    registry = scorecard.registry
    if not isinstance(units, Units):
        units = load_units(units, registry)
    known = (set(scorecard.indicators) | set(registry.indicators)) - set(scorecard.derived)  # derived: computed
    indicators = {**registry.indicators, **scorecard.indicators}
    period = period or scorecard.period
    if is_frame(data_paths) or is_records(data_paths):
        return read_frame_data(data_paths, units, indicators, known, period, wide=wide)
    from evalkit.io.readers import header_test, read_tables
    from evalkit.io.wide import header_indicator, indicator_lookup, with_notes

    lookup = indicator_lookup(indicators, known)
    is_header = header_test([OBSERVATION_COLUMNS[k] for k in ("unit", "indicator", "value")],
                            lambda text: header_indicator(text, lookup) is not None)
    paths = [data_paths] if isinstance(data_paths, (str, Path)) else list(data_paths)
    paths = [f for p in paths for f in folder_files(p)]
    tables: list[tuple[str, Table | DataSet, list[str]]] = []
    for p in paths:
        if not sheets and _columnar(p, registry, encoding):  # a plain CSV or Parquet file: column by column
            from evalkit.io.columnar import fast_data

            fast = fast_data(p, units, indicators, known, period, require_period=len(paths) == 1, wide=wide)
            if fast is not None:
                tables.append((str(p), fast, []))
                continue
        found, notes = read_tables(p, registry, encoding=encoding, sheets=sheets, is_header=is_header)
        tables += [(t.source, t, notes) for t in found]
    if len(tables) == 1:
        _, table, notes = tables[0]
        if isinstance(table, DataSet):
            return table
        return with_notes(read_data_table(table, units, indicators, known, period, wide=wide), notes)
    # With several files one may hold only other periods (a baseline year); the period must be somewhere.
    sets = [(source, t if isinstance(t, DataSet) else
             with_notes(read_data_table(t, units, indicators, known, period, require_period=False, wide=wide), notes))
            for source, t, notes in tables]
    merged = merge_data(sets)
    if not merged.columns and merged.history:
        raise DataError(Problem(f"no rows for period {period!r} in any data file", source=", ".join(map(str, paths)),
                                expected=f"rows with period {period!r}", found="periods " + ", ".join(sorted(merged.history))))
    return merged


SMALL_CSV_BYTES = 256 * 1024
"""CSV files smaller than this are read row by row: as fast as the column reader at county scale, and the
CLI does not import pyarrow (about 50 ms of every start) for them. Both readers give the same DataSet."""


def small_csv(path: str | Path) -> bool:
    """Whether a CSV file is small enough that reading it row by row costs less than importing pyarrow."""
    try:
        return Path(path).stat().st_size < SMALL_CSV_BYTES
    except OSError:
        return False  # the reader words the problem


def _columnar(path: str | Path, registry: Registry, encoding: str | None) -> bool:
    """Whether the column reader may try the file: a .csv/.tsv read by the built-in CSV loader as UTF-8
    and not small, or a .parquet read by the built-in Parquet loader (a plugin's own loader for the ending
    reads it otherwise)."""
    import codecs

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv", ".parquet") or not path.is_file():
        return False
    if suffix != ".parquet" and small_csv(path):
        return False
    if encoding is not None:
        try:
            if codecs.lookup(encoding).name != "utf-8":
                return False
        except LookupError:
            return False  # the exact reader words the usage error
    loader = registry.loader_for(path)
    if suffix == ".parquet":
        return loader is None or loader.name == "parquet"
    return loader is not None and loader.name == "csv"


def folder_files(path: str | Path) -> list[str | Path]:
    """A folder's workbooks and CSV files (filled entry forms, one per unit), sorted; a file is itself."""
    folder = Path(path)
    if not folder.is_dir():
        return [path]
    found = sorted(str(f) for f in folder.iterdir()
                   if f.is_file() and f.suffix.lower() in (".xlsx", ".xlsm", ".csv") and not f.name.startswith(("~$", ".")))
    if not found:
        raise FileAccessError(Problem("is a directory, expected a file (or a folder of filled workbooks: this one holds "
                                      "no .xlsx or .csv file)", source=str(folder)))
    return list(found)


def merge_data(sets: Sequence[tuple[str, DataSet]]) -> DataSet:
    """One DataSet from several files' DataSets of the same units and period; overlaps are errors."""
    source, merged = sets[0]
    columns = dict(merged.columns)
    origins = dict(merged.origins)
    evidence = dict(merged.evidence)
    history = {p: dict(cols) for p, cols in merged.history.items()}
    owners = {("", k): source for k in columns} | {(p, k): source for p, cols in history.items() for k in cols}
    problems = []
    for source, data in sets[1:]:
        for period, cols in [("", data.columns), *data.history.items()]:
            target = columns if period == "" else history.setdefault(period, {})
            for indicator, values in cols.items():
                if indicator in target:
                    both = ~np.isnan(target[indicator]) & ~np.isnan(values)
                    if both.any():
                        unit = data.units.ids[int(np.flatnonzero(both)[0])]
                        problems.append(Problem(
                            f"{indicator!r} of unit {unit!r} ({period or data.period}) is given in two data files",
                            source=source, expected="each unit, indicator and period in one file",
                            found=f"also in {owners[(period, indicator)]}"))
                        continue
                    target[indicator] = np.where(np.isnan(target[indicator]), values, target[indicator])
                else:
                    target[indicator] = values
                    owners[(period, indicator)] = source
                    if period == "" and indicator in data.origins:
                        origins[indicator] = data.origins[indicator]
                    if period == "" and indicator in data.evidence:
                        evidence[indicator] = data.evidence[indicator]
    if problems:
        raise DataError(problems)
    return DataSet(units=merged.units, columns=columns, period=merged.period, history=history, origins=origins,
                   evidence=evidence,
                   notes=tuple(note for _, data in sets for note in data.notes))
