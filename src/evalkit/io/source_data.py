"""Data rows from several assessors (自评, 考评 ...): split by their source column into one data set each.

When the scorecard declares `sources:` (evalkit.definition.assessment_sources), every data row names its
assessor in a `source` column (also 来源 or 评价主体), by the assessor's id or its zh/en name. The rows of
each assessor are read as the data of that assessor alone (long or wide shape, as any data file), so each
can be scored alone and the values combined. An unknown or empty source is an error naming the row; data
without a source column is an error with a hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from evalkit.definition.assessment_sources import SourcesSpec
from evalkit.definition.model import Scorecard
from evalkit.errors import DataError, Problem
from evalkit.io.data import OBSERVATION_COLUMNS, DataSet, Units
from evalkit.io.table import Table, cell_text, header_key

SOURCE_COLUMN = ("source", "来源", "评价主体", "评分主体")


def source_column(table: Table) -> int | None:
    """The position of the table's source column, or None."""
    keys = {header_key(a) for a in SOURCE_COLUMN}
    for k, name in enumerate(table.columns):
        if header_key(str(name)) in keys:
            return k
    return None


def split_by_source(table: Table, spec: SourcesSpec) -> dict[str, Table]:
    """The table's rows per assessor (the source column removed), each keeping its rows' file numbers."""
    col = source_column(table)
    if col is None:
        raise DataError(Problem("the scorecard declares assessment sources (sources:), and the data has no source column",
                                source=table.source, expected="a column source (来源, 评价主体) naming one of "
                                + ", ".join(spec.ids) + " on every row (or remove sources: from the "
                                "scorecard to score the data as one assessor's values)",
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    lookup = spec.lookup()
    rows: dict[str, list[int]] = {s: [] for s in spec.ids}
    problems = []
    for i, row in enumerate(table.rows):
        text = cell_text(row[col] if col < len(row) else None).strip()
        if not any(cell_text(c).strip() for k, c in enumerate(row) if k != col):
            continue  # an empty row
        found = lookup.get(text.casefold())
        if found is None:
            problems.append(Problem("the source is empty" if not text else f"unknown assessment source {text!r}",
                                    **table.where(i, table.columns[col]),
                                    expected="one of " + ", ".join(spec.ids) + " (the scorecard's sources)",
                                    found=repr(text) if text else "an empty cell"))
            continue
        rows[found].append(i)
    if problems:
        raise DataError(problems)
    keep = [k for k in range(len(table.columns)) if k != col]

    def part(positions: list[int]) -> Table:
        return attrs.evolve(table, columns=tuple(table.columns[k] for k in keep),
                            rows=tuple(tuple(table.rows[i][k] if k < len(table.rows[i]) else None for k in keep)
                                       for i in positions),
                            row_numbers=tuple(table.row_numbers[i] for i in positions))

    return {s: part(positions) for s, positions in rows.items()}


def load_source_data(paths: Sequence[str | Path], units: Units, scorecard: Scorecard, spec: SourcesSpec,
                     period: str | None, wide: bool | None = None, encoding: str | None = None,
                     sheets: Sequence[str] = ()) -> dict[str, DataSet]:
    """Each assessor's data of `period` from the data files (every row names its assessor)."""
    from evalkit.io.inputs import folder_files, merge_data
    from evalkit.io.readers import header_test, read_tables
    from evalkit.io.wide import header_indicator, indicator_lookup, read_data_table, with_notes

    registry = scorecard.registry
    known = (set(scorecard.indicators) | set(registry.indicators)) - set(scorecard.derived)
    indicators = {**registry.indicators, **scorecard.indicators}
    lookup = indicator_lookup(indicators, known)
    is_header = header_test([OBSERVATION_COLUMNS[k] for k in ("unit", "indicator", "value")],
                            lambda text: header_indicator(text, lookup) is not None)
    files = [f for p in paths for f in folder_files(p)]
    per_source: dict[str, list[tuple[str, DataSet]]] = {s: [] for s in spec.ids}
    for path in files:
        tables, notes = read_tables(path, registry, encoding=encoding, sheets=sheets, is_header=is_header)
        for table in tables:
            for source, part in split_by_source(table, spec).items():
                if part.rows:
                    data = read_data_table(part, units, indicators, known, period, require_period=False, wide=wide)
                    per_source[source].append((part.source, with_notes(data, notes)))
    out = {}
    for source, sets in per_source.items():
        if not sets:
            raise DataError(Problem(f"no data rows of the assessment source {source!r}",
                                    source=", ".join(map(str, files)),
                                    expected=f"rows whose source is {source!r} (every assessor of the scorecard's sources)",
                                    found="none"))
        out[source] = sets[0][1] if len(sets) == 1 else merge_data(sets)
    return out
