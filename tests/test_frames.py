"""DataFrames in (pandas, polars, pyarrow, dicts of Series, lists of rows): rows matched to units by id.

The reference is the same example read from its files (examples/civil-servants), so every shape of
in-memory input must give exactly the file's result, however its rows are ordered.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "civil-servants"


@pytest.fixture(scope="module")
def example():
    scorecard = evalkit.load_scorecard(EXAMPLE / "scorecard.yaml")
    units = pd.read_csv(EXAMPLE / "units.csv", dtype={"id": str})
    data = pd.read_csv(EXAMPLE / "data.csv", dtype={"unit": str, "period": str})
    adjustments = pd.read_csv(EXAMPLE / "adjustments.csv", dtype={"unit": str})
    reference = evalkit.evaluate_files(evalkit.InputFiles(EXAMPLE / "scorecard.yaml", units=EXAMPLE / "units.csv",
                                                          data=[EXAMPLE / "data.csv"],
                                                          adjustments=EXAMPLE / "adjustments.csv"))
    return scorecard, units, data, adjustments, reference


def same(evaluation, reference) -> bool:
    return (evaluation.units.ids == reference.units.ids and np.array_equal(evaluation.totals, reference.totals)
            and np.array_equal(evaluation.grades, reference.grades) and np.array_equal(evaluation.ranks, reference.ranks))


def wide_of(data):
    wide = data.pivot(index="unit", columns="indicator", values="value").reset_index()
    wide.columns.name = None
    return wide


SHAPES = ["pandas long", "pandas wide", "pandas wide indexed", "polars long", "polars wide", "pyarrow long",
          "pyarrow wide", "dict of Series", "list of rows"]


def shaped(shape: str, data, order):
    """The example's data in `shape`, its rows in `order` (a permutation)."""
    long = data.iloc[order].reset_index(drop=True)
    wide = wide_of(data)
    wide = wide.iloc[np.argsort(order[:len(wide)])].reset_index(drop=True)  # the first k of a permutation, ranked
    if shape == "pandas long":
        return long
    if shape == "pandas wide":
        return wide
    if shape == "pandas wide indexed":
        return wide.set_index("unit")
    if shape == "polars long":
        return pl.from_pandas(long)
    if shape == "polars wide":
        return pl.from_pandas(wide)
    if shape == "pyarrow long":
        return pa.Table.from_pandas(long, preserve_index=False)
    if shape == "pyarrow wide":
        return pa.Table.from_pandas(wide, preserve_index=False)
    if shape == "dict of Series":
        indexed = wide.set_index("unit")
        return {column: indexed[column].iloc[np.roll(np.arange(len(indexed)), k)]
                for k, column in enumerate(indexed.columns)}
    return long.to_dict("records")


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_gives_the_files_result(example, shape):
    scorecard, units, data, adjustments, reference = example
    order = np.random.default_rng(7).permutation(len(data))
    evaluation = evalkit.evaluate(scorecard, shaped(shape, data, order), units=units, adjustments=adjustments)
    assert same(evaluation, reference)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SHAPES), st.randoms(use_true_random=False))
def test_shuffled_rows_give_the_same_result(example, shape, rnd):
    scorecard, units, data, adjustments, reference = example
    order = np.arange(len(data))
    rnd.shuffle(order)
    shuffled_units = units.iloc[rnd.sample(range(len(units)), len(units))]
    evaluation = evalkit.evaluate(scorecard, shaped(shape, data, order), units=units, adjustments=adjustments)
    assert same(evaluation, reference)
    # units given as a shuffled frame: the units are then in that order, each with its own result
    again = evalkit.evaluate(scorecard, shaped(shape, data, order), units=shuffled_units, adjustments=adjustments)
    by_id = dict(zip(again.units.ids, again.totals))
    assert all(by_id[uid] == total for uid, total in zip(reference.units.ids, reference.totals))


def same_data(a, b) -> bool:
    return a.units.ids == b.units.ids and set(a.columns) == set(b.columns) and all(
        np.array_equal(a.columns[k], b.columns[k], equal_nan=True) for k in a.columns)


def test_blank_values_are_no_value_in_every_shape(example, tmp_path):
    scorecard, _units, data, _adjustments, _reference = example
    holed = data.copy()
    holed.loc[holed.index % 7 == 0, "value"] = np.nan
    path = tmp_path / "data.csv"
    holed.to_csv(path, index=False)
    the_units = evalkit.load_units(EXAMPLE / "units.csv")
    from_file = evalkit.load_data(path, the_units, scorecard)
    assert sum(int(np.isnan(c).sum()) for c in from_file.columns.values()) == int((holed.index % 7 == 0).sum())
    na = holed.astype({"value": "Float64"})
    na["value"] = na["value"].where(na.index % 7 != 0, pd.NA)
    for frame in (holed, pl.from_pandas(holed), pa.Table.from_pandas(holed), wide_of(holed), na,
                  pl.from_pandas(wide_of(holed)), holed.to_dict("records")):
        assert same_data(evalkit.load_data(frame, the_units, scorecard), from_file)


def test_units_and_adjustments_read_with_pandas(example):
    """pd.read_csv gives NaN for the blank points of a veto, and float unit codes: both read as in the file."""
    scorecard, units, data, adjustments, reference = example
    assert adjustments["points"].isna().any()
    loaded = evalkit.load_units(units)
    assert loaded.ids == reference.units.ids and loaded.attribute("部门") == reference.units.attribute("部门")
    records = [dict(r) for r in adjustments.to_dict("records")]  # NaN in dict rows is no value too
    assert same(evalkit.evaluate(scorecard, data, units=units, adjustments=records), reference)
    assert same(evalkit.evaluate(scorecard, data, units=units, adjustments=pl.from_pandas(adjustments)), reference)


def test_load_data_takes_a_frame(example):
    scorecard, units, data, _adjustments, reference = example
    loaded = evalkit.load_data(pl.from_pandas(data), evalkit.load_units(units), scorecard)
    for indicator, column in loaded.columns.items():
        assert np.array_equal(column, reference.items[next(i for i, r in reference.items.items()
                                                           if r.item.indicator == indicator)].values, equal_nan=True) \
            or indicator not in {r.item.indicator for r in reference.items.values()}


def problems_of(call) -> list[str]:
    with pytest.raises(evalkit.DataError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


def test_bad_frames_name_what_does_not_fit(example):
    scorecard, units, data, _adjustments, _reference = example
    wide = wide_of(data)
    unknown_unit = wide.assign(unit=wide["unit"].where(wide.index != 3, "X-9"))
    assert problems_of(lambda: evalkit.evaluate(scorecard, unknown_unit, units=units)) == [
        "pandas DataFrame, $[3].unit: unknown unit (expected an id from the units file; found 'X-9')"]
    extra = problems_of(lambda: evalkit.evaluate(scorecard, pl.from_pandas(wide.assign(poll_dee=1.0)), units=units))
    assert extra == ["polars DataFrame, column 'poll_dee': unknown indicator column; did you mean 'poll_de'? "
                     "(expected a column per indicator, headed by its id or name; found 'poll_dee')"]
    twice = problems_of(lambda: evalkit.evaluate(scorecard, pd.concat([wide, wide.iloc[[5]]]), units=units))
    assert twice == [f"pandas DataFrame, $[{len(wide)}].unit: the unit has two rows (expected one row per unit and period; "
                     "found also $[5])"]
    long_twice = problems_of(lambda: evalkit.evaluate(scorecard, pd.concat([data, data.iloc[[2]]]), units=units))
    assert long_twice[0].startswith(f"pandas DataFrame, $[{len(data)}].unit: duplicate row")
    text = wide.astype({"poll_de": object})
    text.loc[4, "poll_de"] = "九十"
    assert problems_of(lambda: evalkit.evaluate(scorecard, text, units=units)) == [
        "pandas DataFrame, $[4].poll_de: the value of 'poll_de' is not usable (expected a number; found '九十')"]
    positional = {"poll_de": pd.Series(wide["poll_de"].to_numpy())}  # a RangeIndex is not unit ids
    assert problems_of(lambda: evalkit.evaluate(scorecard, positional, units=units))[0].startswith(
        'data, $.poll_de["0"]: unknown unit')


def test_without_units_the_frames_unit_ids_are_the_units():
    scorecard = evalkit.load_scorecard(EXAMPLE.parent / "quickstart" / "scorecard.yaml")
    data = pd.read_csv(EXAMPLE.parent / "quickstart" / "data.csv", dtype={"period": str})
    evaluation = evalkit.evaluate(scorecard, data.iloc[::-1])
    assert evaluation.units.ids == tuple(sorted(set(data["unit"])))
    by_file = evalkit.evaluate(scorecard, evalkit.load_data(EXAMPLE.parent / "quickstart" / "data.csv",
                                                            evalkit.Units.from_ids(evaluation.units.ids), scorecard))
    assert np.array_equal(evaluation.totals, by_file.totals)
    with pytest.raises(evalkit.DataError, match="the column 'unit' is missing"):
        evalkit.evaluate(scorecard, data.drop(columns="unit"))


def test_nan_is_never_a_number_zero(example):
    scorecard, units, data, _adjustments, _reference = example
    wide = wide_of(data)
    wide.loc[0, "poll_de"] = math.nan
    loaded = evalkit.load_data(wide, evalkit.load_units(units), scorecard)
    assert math.isnan(loaded.columns["poll_de"][loaded.units.index[wide.loc[0, "unit"]]])
    assert int(np.isnan(loaded.columns["poll_de"]).sum()) == 1


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow"])
def test_results_out_as_frames(example, kind):
    _scorecard, _units, _data, _adjustments, reference = example
    frame = pl.from_pandas(reference.to_frame("pandas")) if kind == "pandas" else pl.DataFrame(reference.to_frame(kind))
    order = reference.order()
    assert frame["unit"].to_list() == [reference.units.ids[i] for i in order]
    assert frame["total"].to_list() == reference.totals[order].tolist()
    assert frame["rank"].to_list() == reference.ranks[order].tolist()
    expected = [entry["grade"] for entry in reference.to_dict()["units"]]
    assert frame["grade"].to_list() == expected
    detail = reference.to_frame(kind, detail=True)
    detail = pl.from_pandas(detail) if kind == "pandas" else pl.DataFrame(detail)
    assert detail.height == len(reference.units) * len(reference.items)
    first = reference.units.ids[order[0]]
    for item_id, result in reference.items.items():
        row = detail.filter((pl.col("unit") == first) & (pl.col("item") == item_id))
        assert row["points"].item() == result.points[order[0]] and row["score"].item() == result.score[order[0]]


def test_to_frame_of_an_unknown_kind_is_a_usage_error(example):
    with pytest.raises(evalkit.EvalkitError, match="expected one of 'pandas', 'polars', 'arrow'"):
        example[4].to_frame("excel")


def test_a_lazy_frame_is_collected_and_anything_else_is_named(example):
    scorecard, units, data, _adjustments, reference = example
    assert same(evalkit.evaluate(scorecard, pl.from_pandas(data).lazy(), units=units,
                                 adjustments=example[3]), reference)
    assert problems_of(lambda: evalkit.evaluate(scorecard, 42, units=units)) == [
        "data: the data is not something evalkit reads (expected a DataSet, a DataFrame (pandas, polars, pyarrow), "
        "a list of dict rows, or {indicator: {unit: value} | Series | array}; found int)"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), min_size=1, max_size=8))
def test_integer_columns_read_as_their_digits_in_a_csv(values):
    """An integer beyond 2**53 is a value (the nearest float64, as a CSV's digits are read), never a plugin failure;
    an empty cell is no value, in every kind of integer column."""
    import narwhals as nw

    from evalkit.io.frames import column_cells
    from evalkit.io.table import parse_number

    expected = np.array([np.nan if v is None else parse_number(str(v)) for v in values], dtype=np.float64)
    for frame in (pl.DataFrame({"x": values}, schema={"x": pl.Int64}), pa.table({"x": pa.array(values, pa.int64())}),
                  pd.DataFrame({"x": pd.array(values, dtype="Int64")})):
        cells = column_cells(nw.from_native(frame, eager_only=True)["x"])
        assert np.array_equal(cells, expected, equal_nan=True), type(frame)


def test_a_parquet_matrix_with_a_huge_integer_is_ranked_not_refused(tmp_path):
    import pyarrow.parquet as pq

    from evalkit.cli import main

    path = tmp_path / "m.parquet"
    pq.write_table(pa.table({"unit": ["a", "b", "c"], "c1": pa.array([1, 2**60 + 1, 3], pa.int64()), "c2": [1.0, 2.0, 3.0]}),
                   path)
    assert main(["rank", str(path), "--method", "saw", "--weights", "0.5,0.5", "--format", "json",
                 "-o", str(tmp_path / "out.json")]) == 0
