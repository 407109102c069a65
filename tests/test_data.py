"""Checking and pivoting input data through the library API (evalkit.io.data, evalkit.io.inputs)."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

import evalkit
from evalkit.errors import DataError
from evalkit.io.data import DataSet, Units, read_observations, read_units
from evalkit.io.table import PercentCell, Table, UnsavedFormula, parse_number

INDICATORS = {"meetings_rate", "study_hours"}
UNITS = Units.from_ids(["U01", "U02", "U03"])


def table(columns, *rows, source="data.csv", style="row"):
    numbers = tuple(range(2, 2 + len(rows))) if style == "row" else tuple(range(len(rows)))
    return Table(source=source, columns=tuple(columns), rows=tuple(tuple(r) for r in rows), row_numbers=numbers,
                 row_style=style)


def observations(*rows, period="2025", columns=("unit", "indicator", "period", "value"), **kw):
    return read_observations(table(columns, *rows, **kw), UNITS, INDICATORS, period)


def problems_of(excinfo):
    return [str(p) for p in excinfo.value.problems]


# --- parse_number ---------------------------------------------------------------------------

@pytest.mark.parametrize("cell, expected", [
    ("83.3", 83.3), (" 12 ", 12.0), ("1,234.5", 1234.5), ("-1,234", -1234.0), ("９５", 95.0), ("１，２３４．５", 1234.5),
    ("\u22125", -5.0), ("1e308", 1e308), (".5", 0.5), (7, 7.0), (2.5, 2.5), (np.int64(3), 3.0), (np.float32(1.5), 1.5),
    (True, 1.0), (False, 0.0), (None, None), ("", None), ("   ", None),
])
def test_parse_number_accepts(cell, expected):
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell, expected_words", [
    ("abc", "a number"), ("95%", "write 95 for 95 %"), ("９５％", "write 95 for 95 %"),
    ("nan", "finite"), ("NaN", "finite"), ("inf", "finite"), ("-Infinity", "finite"), ("1e309", "too large"),
    (float("nan"), "finite"), (float("inf"), "finite"), ("#DIV/0!", "Excel error"), ("#N/A", "Excel error"),
    ("—", "empty cell for no value"), ("无", "empty cell for no value"), ("1 234", "a number"), ("1_000", "a number"),
    ("12,34", "a number"), ({"a": 1}, "a number"), ([1], "a number"),
    (datetime.date(2025, 1, 1), "not a date"), (PercentCell(0.95), "percentage"), (UnsavedFormula("=A1"), "never saved"),
])
def test_parse_number_refuses_with_what_to_write(cell, expected_words):
    with pytest.raises(ValueError) as excinfo:
        parse_number(cell)
    assert expected_words in str(excinfo.value)


# --- observations ---------------------------------------------------------------------------

def test_pivots_long_rows_into_one_column_per_indicator():
    data = observations(["U01", "meetings_rate", "2025", "80"], ["U03", "meetings_rate", "2025", "1,234.5"],
                        ["U02", "study_hours", "2025", "９５"], ["U01", "study_hours", "2025", ""])
    assert data.period == "2025"
    np.testing.assert_array_equal(data.columns["meetings_rate"], [80.0, np.nan, 1234.5])
    np.testing.assert_array_equal(data.columns["study_hours"], [np.nan, 95.0, np.nan])
    assert data.columns["meetings_rate"].dtype == np.float64 and data.columns["meetings_rate"].flags.c_contiguous


def test_only_rows_of_the_period_count_but_every_row_is_checked():
    data = observations(["U01", "meetings_rate", "2024", "10"], ["U01", "meetings_rate", "2025", "20"],
                        ["U02", "meetings_rate", "", "30"])  # a row without a period belongs to every period
    np.testing.assert_array_equal(data.columns["meetings_rate"], [20.0, 30.0, np.nan])
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2024", "abc"], ["U01", "meetings_rate", "2025", "20"])
    assert problems_of(excinfo) == ["data.csv, row 2, column 'value': the value is not usable (expected a number; found 'abc')"]


def test_message_names_file_row_column_expected_and_found():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2025", "80"], ["U01", "study_hours", "2025", "abc"])
    assert excinfo.value.exit_code == 3
    assert problems_of(excinfo) == ["data.csv, row 3, column 'value': the value is not usable (expected a number; found 'abc')"]


def test_every_problem_is_reported_not_only_the_first():
    with pytest.raises(DataError) as excinfo:
        observations(["U09", "meetings_rate", "2025", "1"], ["U01", "bogus", "2025", "1"], ["U02", "study_hours", "2025", "95%"],
                     ["", "study_hours", "2025", "1"], ["U03", "", "2025", "1"])
    found = problems_of(excinfo)
    assert found == [
        "data.csv, row 2, column 'unit': unknown unit (expected an id from the units file; found 'U09')",
        "data.csv, row 3, column 'indicator': unknown indicator (expected an indicator of the scorecard or of an installed plugin; found 'bogus')",
        "data.csv, row 4, column 'value': the value is not usable (expected a plain number (write 95 for 95 %, as the indicator's unit says); found '95%')",
        "data.csv, row 5, column 'unit': the unit is empty (expected a unit id)",
        "data.csv, row 6, column 'indicator': the indicator is empty (expected an indicator id)",
    ]


def test_unknown_ids_suggest_the_likely_one():
    with pytest.raises(DataError) as excinfo:
        observations(["u01", "Meetings_Rate", "2025", "1"], ["U02", "meetings_rat", "2025", "1"])
    found = problems_of(excinfo)
    assert "unknown unit; did you mean 'U01'?" in found[0]
    assert "unknown indicator; did you mean 'meetings_rate'?" in found[1]
    assert "unknown indicator; did you mean 'meetings_rate'?" in found[2]


def test_a_unit_name_written_for_its_id_is_named():
    units = Units.from_ids(["U01", "U02"], names=["县委办公室党支部", "县财政局党支部"])
    with pytest.raises(DataError) as excinfo:
        read_observations(table(("unit", "indicator", "value"), ["县财政局党支部", "meetings_rate", "1"]), units, INDICATORS, None)
    assert problems_of(excinfo) == ["data.csv, row 2, column 'unit': unknown unit; '县财政局党支部' is the name of 'U02', "
                                    "write its id (expected an id from the units file; found '县财政局党支部')"]


def test_duplicate_rows_name_both_rows():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2025", "1"], ["U02", "meetings_rate", "2025", "2"],
                     ["U01", "meetings_rate", "2025", "1"])
    assert problems_of(excinfo) == ["data.csv, row 4, column 'unit': duplicate row: this unit, indicator and period already "
                                    "have a value (expected one row per unit, indicator and period; found the same as row 2)"]


def test_same_unit_and_indicator_in_two_periods_is_not_a_duplicate():
    data = observations(["U01", "meetings_rate", "2024", "1"], ["U01", "meetings_rate", "2025", "2"], period="2024")
    assert data.columns["meetings_rate"][0] == 1.0


def test_a_row_without_period_and_a_row_for_the_period_clash():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "", "1"], ["U01", "meetings_rate", "2025", "2"])
    assert "row 3" in problems_of(excinfo)[0] and "also row 2" in problems_of(excinfo)[0]


def test_period_with_no_rows_lists_the_periods_found():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2023", "1"], ["U01", "meetings_rate", "2024", "2"], period="2025")
    assert problems_of(excinfo) == ["data.csv, column 'period': no rows for period '2025' "
                                    "(expected rows with period '2025'; found periods 2023, 2024)"]


def test_several_periods_without_a_chosen_one_are_refused_not_mixed():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2024", "1"], ["U01", "meetings_rate", "2025", "2"], period=None)
    assert "several periods" in problems_of(excinfo)[0]


def test_numbers_as_excel_stores_them():
    # Excel stores the unit code 101 and the period 2025 as numbers: 101.0 must mean "101".
    units = Units.from_ids(["101", "102"])
    data = read_observations(table(("unit", "indicator", "period", "value"), [101.0, "meetings_rate", 2025, 80],
                                   [102, "meetings_rate", 2025.0, 90.5]), units, INDICATORS, "2025")
    np.testing.assert_array_equal(data.columns["meetings_rate"], [80.0, 90.5])


def test_chinese_headers_and_header_case_and_spacing():
    data = observations(["U01", "meetings_rate", "2025", "80"], columns=("单位", "指标", "期间", "数值"))
    assert data.columns["meetings_rate"][0] == 80
    data = observations(["U01", "meetings_rate", "2025", "80"], columns=(" Unit ", "INDICATOR", "Period", "Value"))
    assert data.columns["meetings_rate"][0] == 80


def test_missing_and_duplicated_columns():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2025"], columns=("unit", "indicator", "period"))
    assert problems_of(excinfo) == ["data.csv: the column 'value' is missing (expected a column named 'value' or '值' or "
                                    "'数值' or '指标值'; found columns 'unit', 'indicator', 'period')"]
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2025", "1", "2"], columns=("unit", "indicator", "period", "value", "Value"))
    assert "the column 'Value' appears twice in the header" in problems_of(excinfo)[0]
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "U01", "meetings_rate", "1"], columns=("unit", "单位", "indicator", "value"))
    assert "several columns mean 'unit'" in problems_of(excinfo)[0]


def test_empty_table_and_header_only():
    with pytest.raises(DataError, match="the file is empty"):
        read_observations(table(()), UNITS, INDICATORS, "2025")
    with pytest.raises(DataError, match="header but no rows"):
        read_observations(table(("unit", "indicator", "value")), UNITS, INDICATORS, "2025")
    with pytest.raises(DataError, match="the file holds no rows"):
        read_observations(Table(source="d.json", columns=(), rows=(), row_numbers=(), row_style="index"),
                          UNITS, INDICATORS, "2025")


def test_units_file_given_as_data_is_named_as_such():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "x", "", ""], columns=("id", "name", "type", "parent"))
    assert problems_of(excinfo)[0].startswith("data.csv: this looks like a units file")


def test_json_rows_are_located_by_path():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2025", "abc"], style="index", source="data.json")
    assert problems_of(excinfo) == ["data.json, $[0].value: the value is not usable (expected a number; found 'abc')"]


def test_spreadsheet_markers_are_reported():
    with pytest.raises(DataError) as excinfo:
        observations(["U01", "meetings_rate", "2025", PercentCell(0.95)], ["U02", "meetings_rate", "2025", UnsavedFormula("=1+2")],
                     [UnsavedFormula("=A2"), "meetings_rate", "2025", 1],
                     ["U03", "meetings_rate", "2025", datetime.datetime(2025, 3, 1)])
    found = problems_of(excinfo)
    assert "row 2, column 'value'" in found[0] and "found '95%', stored by Excel as 0.95" in found[0]
    assert "row 3, column 'value'" in found[1] and "never saved" in found[1] and "'=1+2'" in found[1]
    assert "row 4, column 'unit'" in found[2] and "never saved" in found[2]
    assert "row 5, column 'value'" in found[3] and "the date 2025-03-01" in found[3]


def test_too_many_problems_stop_with_a_note():
    rows = [["U01", "meetings_rate", "2025", f"x{i}"] for i in range(80)]
    with pytest.raises(DataError) as excinfo:
        observations(*rows)
    found = problems_of(excinfo)
    assert len(found) == 51 and found[-1] == "data.csv: stopped after 50 problems; is this the right file?"


# --- units ----------------------------------------------------------------------------------

def units_table(*rows, columns=("id", "name", "type", "parent")):
    return table(columns, *rows, source="units.csv")


def test_units_in_file_order_with_chinese_headers():
    units = read_units(units_table(["U02", "乙", "t", ""], ["U01", "甲", "", "U02"], columns=("编号", "名称", "类型", "上级")))
    assert units.ids == ("U02", "U01") and units.names == ("乙", "甲")
    assert units.types == ("t", None) and units.parents == (None, "U02")
    assert units.index == {"U02": 0, "U01": 1}


@pytest.mark.parametrize("rows, expected", [
    ((["U01", "a", "", ""], ["U01", "b", "", ""]),
     "units.csv, row 3, column 'id': the unit id 'U01' is given twice (expected each unit once; found also at row 2)"),
    ((["U01", "a", "", ""], ["", "b", "", ""]), "units.csv, row 3, column 'id': the unit id is empty (expected an id)"),
    ((["U01", "", "", ""],), "units.csv, row 2, column 'name': the unit name is empty (expected a name)"),
    ((["U01", "a", "", "U77"],),
     "units.csv, row 2, column 'parent': the parent is not a unit in this file (expected an id from the id column; found 'U77')"),
    ((["U01", "a", "", "U02"], ["U02", "b", "", "U03"], ["U03", "c", "", "U01"]),
     "units.csv, row 2, column 'parent': units are each other's parents (a cycle) (expected a tree of units; found U01 -> U02 -> U03 -> U01)"),
    ((["U00", "r", "", ""], ["U01", "a", "", "U00"], ["U02", "b", "", "U02"]),
     "units.csv, row 4, column 'parent': units are each other's parents (a cycle) (expected a tree of units; found U02 -> U02)"),
])
def test_units_problems(rows, expected):
    with pytest.raises(DataError) as excinfo:
        read_units(units_table(*rows))
    assert problems_of(excinfo)[0] == expected


def test_a_long_chain_of_parents_is_checked_quickly():
    n = 20000
    rows = [[f"U{i}", "x", "", f"U{i - 1}" if i else ""] for i in range(n)]
    units = read_units(units_table(*rows))
    assert len(units) == n and units.parents[-1] == f"U{n - 2}"


def test_units_from_ids_is_checked():
    with pytest.raises(DataError) as excinfo:
        Units.from_ids(["a", "b", "a", ""])
    assert problems_of(excinfo) == ["units, $[2]: the unit id 'a' is given twice (expected each unit once; found also at $[0])",
                                    "units, $[3]: the unit id is empty (expected an id)",
                                    "units, $[3]: the unit name is empty (expected a name)"]


# --- in-memory data -------------------------------------------------------------------------

def test_from_columns_accepts_mappings_lists_and_arrays():
    data = DataSet.from_columns(["a", "b"], {"x": {"a": 1, "b": None}, "y": [None, "2"], "z": np.array([1, 2])})
    np.testing.assert_array_equal(data.columns["x"], [1.0, np.nan])
    np.testing.assert_array_equal(data.columns["y"], [np.nan, 2.0])
    assert data.columns["z"].dtype == np.float64


@pytest.mark.parametrize("columns, expected", [
    ({"x": {"a": "abc"}}, "data, $.x.a: the value is not usable (expected a number; found 'abc')"),
    ({"x": {"c": 1}}, "data, $.x.c: unknown unit (expected a unit in the units list; found 'c')"),
    ({"x": [1, math.inf]}, "data, $.x[1]: the value is not usable (expected a finite number; found inf)"),
    ({"x": np.array([1.0, -np.inf])}, "data, $.x[1]: the value is not usable (expected a finite number; found -inf for unit 'b')"),
    ({"x": [1, 2, 3]}, "data, $.x: a column must have one value per unit (expected 2 values; found 3)"),
    ({"x": 5}, "data, $.x: a column must be a list of values or a mapping of unit to value (expected 2 values; found 5)"),
])
def test_from_columns_problems(columns, expected):
    with pytest.raises(DataError) as excinfo:
        DataSet.from_columns(["a", "b"], columns)
    assert problems_of(excinfo) == [expected]


def test_from_columns_copies_the_callers_array():
    values = np.array([1.0, 2.0])
    data = DataSet.from_columns(["a", "b"], {"x": values})
    values[0] = 99
    assert data.columns["x"][0] == 1.0


# --- through evalkit.io.inputs -----------------------------------------------------------------

def test_load_data_reads_the_quickstart(quickstart):
    scorecard_path, data_path, units_path = quickstart
    scorecard = evalkit.load_scorecard(scorecard_path)
    units = evalkit.load_units(units_path, scorecard.registry)
    data = evalkit.load_data(data_path, units, scorecard)
    assert len(units) == 12 and data.period == "2025"
    assert data.columns["meetings_rate"][units.index["U01"]] == 83.3
    assert np.isnan(data.columns["study_hours"][units.index["U06"]])  # U06 has no study_hours row


def test_load_data_problems_name_the_file(tmp_path, quickstart):
    scorecard = evalkit.load_scorecard(quickstart[0])
    bad = tmp_path / "data.csv"
    bad.write_text("unit,indicator,period,value\nU01,meetings_rate,2025,abc\n", encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        evalkit.load_data(bad, quickstart[2], scorecard)
    assert problems_of(excinfo) == [f"{bad}, row 2, column 'value': the value is not usable (expected a number; found 'abc')"]
