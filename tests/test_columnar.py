"""The column reader (evalkit.io.columnar) gives exactly what the exact row-by-row readers give, or steps aside.

For generated files (clean ones and every kind of odd cell and file: other encodings, BOM, CRLF, blank
lines, quotes, NUL, full-width digits, thousands commas, percent signs, NaN, infinity, unknown ids,
duplicates, period clashes, cycles of parents ...), the column reader's DataSet or Units equals the
exact reader's (values, NaN, origins, history, attributes), and wherever the exact reader reports a
problem or a note the column reader returns None, so the exact reader's message is what the user sees.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.errors import EvalkitError
from evalkit.io import columnar
from evalkit.io.data import DataSet, Units, read_units
from evalkit.io.readers import read_tables
from evalkit.io.wide import read_data_table, with_notes
from evalkit.plugins.manager import default_registry


@pytest.fixture(autouse=True)
def column_reader_for_small_files(monkeypatch):
    """These files are small; the column reader must read them anyway (it leaves files under
    evalkit.io.inputs.SMALL_CSV_BYTES to the row reader in normal use)."""
    import evalkit.io.inputs

    monkeypatch.setattr(evalkit.io.inputs, "SMALL_CSV_BYTES", 0)

UNITS = Units.from_ids(["U1", "U2", "U3", "单位4", "101"], names=["甲", "乙", "丙", "丁", "戊"])
KNOWN = {"a", "b", "c"}
REGISTRY = default_registry()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "STRICT", True)  # a bug in the column reader fails the test instead of falling back


def exact_data(path: Path, period: str | None, require_period: bool = True, wide: bool | None = None) -> DataSet | list[str]:
    try:
        (table, *_), notes = read_tables(path, REGISTRY)
        return with_notes(read_data_table(table, UNITS, {}, KNOWN, period, require_period, wide=wide), notes)
    except EvalkitError as exc:
        return [str(p) for p in exc.problems]


def same_data(x: DataSet, y: DataSet) -> None:
    def cols(columns):  # type: ignore[no-untyped-def]
        return {k: [("nan" if math.isnan(v) else (v, math.copysign(1, v))) for v in np.asarray(a).tolist()]
                for k, a in columns.items()}

    assert cols(x.columns) == cols(y.columns)
    assert x.period == y.period
    assert {p: cols(c) for p, c in x.history.items()} == {p: cols(c) for p, c in y.history.items()}
    assert list(x.history) == list(y.history)
    assert {k: (o.source, o.column, o.row_style, o.rows.tolist()) for k, o in x.origins.items()} == \
        {k: (o.source, o.column, o.row_style, o.rows.tolist()) for k, o in y.origins.items()}
    assert {k: v.tolist() for k, v in x.evidence.items()} == {k: v.tolist() for k, v in y.evidence.items()}
    assert x.notes == y.notes


def agree(path: Path, period: str | None, require_period: bool = True, wide: bool | None = None) -> DataSet | None:
    """The column reader's result where it reads the file; it must equal the exact reader's, and it must
    step aside wherever the exact reader reports a problem or a note."""
    fast = columnar.fast_data(path, UNITS, {}, KNOWN, period, require_period, wide)
    exact = exact_data(path, period, require_period, wide)
    if fast is not None:
        assert not isinstance(exact, list), exact
        assert not exact.notes
        same_data(fast, exact)
    return fast


# -- long CSV ------------------------------------------------------------------------------------------------

UNIT_CELLS = ["U1", "单位4", "101", "U2", "U3", " U1", "U9", "", "101", "１０１", "u1"]
INDICATOR_CELLS = ["a", "b", "c", "d", " b", "", "Ａ"]
PERIOD_CELLS = ["2025", "2024", "", " 2025"]
VALUE_CELLS = ["95", " 80.5 ", "0", "1e2", "", "12.", "+3", ".5", "-0", "1,234", "９５", "abc", "nan", "inf", "1_000", "-2",
               "1e309", "95%", "  ", '"7"', "−5", "1e-320", "true", "0x10", "1.5e", "--", "#N/A"]


def mostly(clean: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """Clean nine times in ten, so that most files are read by the column reader and some are not."""
    return st.integers(0, 9).flatmap(lambda k: odd if k == 0 else clean)


clean_value = st.one_of(st.floats(-1e6, 1e6, allow_nan=False).map(repr), st.floats(-1000, 1000).map(lambda x: f"{x:.2f}"),
                        st.just(""))
value_cell = mostly(clean_value, st.sampled_from(VALUE_CELLS))


def long_rows(value: st.SearchStrategy[str], units: list[str], indicators: list[str], periods: list[str]):  # type: ignore[no-untyped-def]
    """Rows of a long file; the ids after the first three of each list are odd ones, drawn one time in ten."""
    rows = st.lists(st.tuples(mostly(st.sampled_from(units[:3]), st.sampled_from(units)),
                              mostly(st.sampled_from(indicators[:3]), st.sampled_from(indicators)),
                              mostly(st.sampled_from(periods[:1]), st.sampled_from(periods)), value), min_size=1, max_size=30)
    return st.tuples(rows, st.integers(0, 3)).map(lambda r: _unique(r[0]) if r[1] else r[0])


def _unique(rows: list) -> list:  # type: ignore[type-arg]
    seen: dict = {}  # type: ignore[type-arg]
    return [seen.setdefault(r[:3], r) for r in rows if r[:3] not in seen]


def write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]], *, bom: bool = False, crlf: bool = False,
              encoding: str = "utf-8", delimiter: str = ",", extra: str = "") -> Path:
    end = "\r\n" if crlf else "\n"
    text = end.join(delimiter.join(r) for r in [tuple(header), *rows]) + end + extra
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding, errors="replace"))
    return path


@SETTINGS
@given(rows=long_rows(value_cell, UNIT_CELLS, INDICATOR_CELLS, PERIOD_CELLS), period=st.sampled_from(["2025", "2024", None]),
       bom=st.booleans(), crlf=st.booleans(), require=st.booleans(),
       extra=st.sampled_from([""] * 12 + ["\n", "U1,a,2025,1\n\n", "U2,a,,3\x00\n", ",,,\n", "U3,b,2025\n", "U3,b,2025,1,\n"]))
def test_long_csv_same_as_exact(tmp_path: Path, rows, period, bom, crlf, require, extra) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "d.csv", ["unit", "indicator", "period", "value"], rows, bom=bom, crlf=crlf, extra=extra)
    agree(path, period, require)


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["U1", "U2", "U3", "单位4", "101"]), st.sampled_from(["a", "b", "c"]),
                               st.just("2025"), clean_value), min_size=1, max_size=30))
def test_clean_long_csv_is_read_column_by_column(tmp_path: Path, rows) -> None:  # type: ignore[no-untyped-def]
    rows = _unique(rows)
    if all(r[3] == "" for r in rows):
        rows[0] = (*rows[0][:3], "1")
    path = write_csv(tmp_path / "d.csv", ["unit", "indicator", "period", "value"], rows)
    assert agree(path, "2025") is not None


@SETTINGS
@given(rows=long_rows(value_cell, ["U1", "U2", "单位4"], ["a", "b"], ["2025"]), encoding=st.sampled_from(["gb18030", "utf-16"]))
def test_other_encodings_go_to_the_exact_reader(tmp_path: Path, rows, encoding) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "d.csv", ["unit", "indicator", "period", "value"], rows, encoding=encoding)
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert columnar.fast_data(path, UNITS, {}, KNOWN, "2025") is None
    agree(path, "2025")


def test_tsv_and_chinese_headers(tmp_path: Path) -> None:
    rows = [("U1", "a", "2025", "1.5"), ("单位4", "b", "", "2")]
    path = write_csv(tmp_path / "d.tsv", ["单位", "指标", "年度", "值"], rows, delimiter="\t")
    data = agree(path, "2025")
    assert data is not None and data.columns["a"][0] == 1.5 and data.origins["b"].rows.tolist() == [-1, -1, -1, 3, -1]


def test_a_duplicate_row_is_reported_by_the_exact_reader(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["unit", "indicator", "period", "value"],
                     [("U1", "a", "2025", "1"), ("U2", "a", "2025", "2"), ("U1", "a", "2025", "3")])
    assert columnar.fast_data(path, UNITS, {}, KNOWN, "2025") is None
    assert any("duplicate row" in p and "row 4" in p for p in exact_data(path, "2025"))  # type: ignore[union-attr]


# -- Parquet, long and wide --------------------------------------------------------------------------------------

parquet_value = mostly(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False), st.integers(-10**6, 10**6).map(float)),
                       st.floats(allow_nan=True, allow_infinity=True))


@SETTINGS
@given(rows=st.lists(st.tuples(mostly(st.sampled_from(["U1", "U2", "单位4"]), st.sampled_from([" U3", "U9", None, "101", "１０１"])),
                               mostly(st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", None, " a"])),
                               mostly(st.just("2025"), st.sampled_from(["2024", None])), parquet_value),
                     min_size=1, max_size=30).map(_unique),
       period=st.sampled_from(["2025", None]), ints=st.booleans())
def test_long_parquet_same_as_exact(tmp_path: Path, rows, period, ints) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.parquet as pq

    units, inds, periods, values = zip(*rows)
    period_column = pa.array([None if p is None else int(p) for p in periods], pa.int64()) if ints else pa.array(periods, pa.string())
    pq.write_table(pa.table({"unit": pa.array(units, pa.string()), "indicator": pa.array(inds, pa.string()),
                             "period": period_column, "value": pa.array(values, pa.float64())}), tmp_path / "d.parquet")
    agree(tmp_path / "d.parquet", period)


@SETTINGS
@given(n_rows=st.integers(1, 8), data=st.data(), period=st.sampled_from(["2025", None]), kind=st.sampled_from(["csv", "parquet"]))
def test_wide_same_as_exact(tmp_path: Path, n_rows, data, period, kind) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.parquet as pq

    units = data.draw(st.lists(mostly(st.sampled_from(["U1", "U2", "U3", "单位4", "101"]), st.sampled_from(["U9", "", " U2", "１０１"])),
                               min_size=n_rows, max_size=n_rows, unique=data.draw(st.booleans())))
    periods = data.draw(st.lists(mostly(st.just("2025"), st.sampled_from(["2024", ""])), min_size=n_rows, max_size=n_rows))
    if kind == "csv":
        cells = {k: data.draw(st.lists(value_cell, min_size=n_rows, max_size=n_rows)) for k in ("a", "c")}
        path = write_csv(tmp_path / "w.csv", ["unit", "period", "名称", "a", "c"],
                         [(u, p, "x", cells["a"][i], cells["c"][i]) for i, (u, p) in enumerate(zip(units, periods))])
    else:
        numbers = {k: data.draw(st.lists(parquet_value, min_size=n_rows, max_size=n_rows)) for k in ("a", "c")}
        path = tmp_path / "w.parquet"
        pq.write_table(pa.table({"unit": units, "period": periods, "a": pa.array(numbers["a"], pa.float64()),
                                 "c": pa.array(numbers["c"], pa.float64())}), path)
    agree(path, period, wide=None)


def test_clean_wide_parquet_is_read_column_by_column(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"unit": ["U2", "单位4"], "a": [1.25, None], "b": [3, 4]}), tmp_path / "w.parquet")
    data = agree(tmp_path / "w.parquet", "2025")
    assert data is not None and data.columns["b"].tolist()[1::2] == [3.0, 4.0]


# -- units files ---------------------------------------------------------------------------------------------

def exact_units(path: Path) -> Units | list[str]:
    try:
        (table, *_), _notes = read_tables(path, REGISTRY)
        return read_units(table)
    except EvalkitError as exc:
        return [str(p) for p in exc.problems]


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["U1", "U2", "U3", " U4", "单位5", "", "１０１"]),
                               st.sampled_from(["甲", "乙", "", " 丙 "]),
                               st.sampled_from(["", "U1", "U2", "U3", "U9"]), st.sampled_from(["东", "西", ""])),
                     min_size=1, max_size=8),
       kind=st.sampled_from(["csv", "parquet"]))
def test_units_same_as_exact(tmp_path: Path, rows, kind) -> None:  # type: ignore[no-untyped-def]
    if kind == "csv":
        path = write_csv(tmp_path / "u.csv", ["id", "name", "parent", "片区"], rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "u.parquet"
        pq.write_table(pa.table(dict(zip(["id", "name", "parent", "片区"], map(list, zip(*rows))))), path)
    fast, exact = columnar.fast_units(path), exact_units(path)
    if fast is not None:
        assert isinstance(exact, Units), exact
        assert (fast.ids, fast.names, fast.types, fast.parents, dict(fast.attributes)) == \
            (exact.ids, exact.names, exact.types, exact.parents, dict(exact.attributes))


def test_a_cycle_of_parents_is_reported_by_the_exact_reader(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u.csv", ["id", "name", "parent"], [("A", "a", "B"), ("B", "b", "C"), ("C", "c", "A"), ("D", "d", "")])
    assert columnar.fast_units(path) is None
    assert any("cycle" in p for p in exact_units(path))  # type: ignore[union-attr]
    tree = write_csv(tmp_path / "t.csv", ["id", "name", "parent"], [("A", "a", ""), ("B", "b", "A"), ("C", "c", "B")])
    units = columnar.fast_units(tree)
    assert units is not None and units.parents == (None, "A", "B")


def test_a_wide_file_of_every_unit_in_order(tmp_path: Path) -> None:
    ids = list(UNITS.ids)
    path = write_csv(tmp_path / "w.csv", ["unit", "a", "b"], [(u, f"{k}.5", str(10 * k)) for k, u in enumerate(ids)])
    data = agree(path, "2025")
    assert data is not None and data.columns["a"].tolist() == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert data.where("b", 4) == {"source": str(path), "row": 6, "column": "b"}


# -- the one set of acceptance rules: quoted empty cells ("", as polars writes an empty text) ----------------------

QUOTED_CELLS = ['""', '"7"', '"U1"', '""""', '"a""b"', '"x"y']


@SETTINGS
@given(rows=long_rows(mostly(clean_value, st.sampled_from(QUOTED_CELLS)), ["U1", "U2", "单位4", '""', '"U3"'],
                      ["a", "b", '""'], ["2025", '""', '"2025"']), crlf=st.booleans())
def test_quoted_cells_in_a_data_file(tmp_path: Path, rows, crlf) -> None:  # type: ignore[no-untyped-def]
    """Quoted empty cells are read column by column, as in the method and ballot tables; any other quote
    goes to the exact reader. Either way the result is the exact reader's."""
    path = write_csv(tmp_path / "d.csv", ["unit", "indicator", "period", "value"], rows, crlf=crlf)
    fast = agree(path, "2025")
    text = path.read_text(encoding="utf-8")
    if fast is not None:
        assert all(q not in text for q in QUOTED_CELLS[1:] + ['"U3"', '"2025"'])


def test_a_data_file_with_quoted_empty_values_is_read_column_by_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["unit", "indicator", "period", "value"],
                     [("U1", "a", "2025", '""'), ("U2", "a", "2025", "3"), ("U1", "b", '""', "4"), ("U2", "b", "2025", '""')])
    fast = agree(path, "2025")
    assert fast is not None and fast.columns["b"][0] == 4.0 and math.isnan(fast.columns["a"][0])
