"""The column-wise reader of clean long-format tables gives exactly what the row-by-row checker gives."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import DataError
from evalkit.io.data import DataSet, Units, read_observations
from evalkit.io.table import Table

UNITS = Units.from_ids(["U1", "U2", "U3", "单位4"], names=["甲", "乙", "丙", "丁"])
KNOWN = {"a", "b", "c"}
cell = st.one_of(
    st.sampled_from(["95", " 80.5 ", "0", "1e2", "", "12.", "+3", "1,234", "９５", "abc", "nan", "1_000", "-2"]),
    st.floats(-1000, 1000, allow_nan=False).map(lambda x: f"{x:.3f}"),
)
row = st.tuples(st.sampled_from(["U1", "U2", "U3", "单位4", " U1", "U9"]), st.sampled_from(["a", "b", "c", "d", " b"]),
                st.sampled_from(["2024", "2025", ""]), cell)


def same(x: DataSet, y: DataSet) -> bool:
    def cols(columns):
        return {k: np.nan_to_num(v, nan=-1e300).tolist() for k, v in columns.items()}

    return (cols(x.columns) == cols(y.columns) and x.period == y.period
            and {p: cols(c) for p, c in x.history.items()} == {p: cols(c) for p, c in y.history.items()}
            and {k: o.rows.tolist() for k, o in x.origins.items()} == {k: o.rows.tolist() for k, o in y.origins.items()})


def read(table, period, fast):
    try:
        return read_observations(table, UNITS, KNOWN, period, fast=fast)
    except DataError as exc:
        return [str(p) for p in exc.problems]


@settings(max_examples=300)
@given(rows=st.lists(row, min_size=1, max_size=25), period=st.sampled_from(["2025", "2024", None]))
def test_fast_and_row_by_row_readers_agree(rows, period):
    table = Table(source="d.csv", columns=("unit", "indicator", "period", "value"), rows=tuple(rows),
                  row_numbers=tuple(range(2, len(rows) + 2)))
    fast, slow = read(table, period, True), read(table, period, False)
    if isinstance(slow, list):
        assert fast == slow  # problems are always found and worded by the row-by-row checker
    else:
        assert same(fast, slow)


def test_a_large_clean_file_takes_the_column_wise_path(monkeypatch):
    import evalkit.io.data as data

    rows = tuple((u, i, "2025", f"{k % 97}.5") for k, (u, i) in enumerate((u, i) for u in ["U1", "U2", "U3", "单位4"]
                                                                        for i in ["a", "b", "c"]))
    table = Table(source="d.csv", columns=("unit", "indicator", "period", "value"), rows=rows,
                  row_numbers=tuple(range(2, len(rows) + 2)))
    monkeypatch.setattr(data, "parse_number", lambda cell: pytest.fail("the row-by-row path was taken"))
    result = read_observations(table, UNITS, KNOWN, "2025")
    assert result.columns["a"].tolist() == [0.5, 3.5, 6.5, 9.5]
