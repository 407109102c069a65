"""Every supported file format gives the same DataSet, and format-level problems are named."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import evalkit
from evalkit.errors import DataError, FileAccessError
from evalkit.io.inputs import read_table
from evalkit.io.table import PercentCell, UnsavedFormula

HEADER = ["unit", "indicator", "period", "value"]
ROWS = [
    ["U01", "meetings_rate", "2025", "83.3"],
    ["U02", "meetings_rate", "2025", "100"],
    ["U01", "satisfaction", "2025", "88.6"],
    ["U02", "satisfaction", "2025", ""],
    ["U01", "meetings_rate", "2024", "50"],
]
UNIT_HEADER = ["id", "name", "type", "parent"]
UNIT_ROWS = [["U01", "县委办公室党支部", "党委部门", ""], ["U02", "县财政局党支部", "政府部门", "U01"]]


def write_csv(path, header, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows, typed=True):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        if typed:  # as a person types them in Excel: numbers are numbers, empty cells are empty
            row = [(float(c) if c.replace(".", "").isdigit() else c) if c != "" else None for c in row]
        sheet.append(row)
    workbook.save(path)
    return path


def write_json(path, header, rows):
    records = [{k: (v if v != "" else None) for k, v in zip(header, row)} for row in rows]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scorecard():
    return evalkit.load_scorecard(Path(__file__).resolve().parent.parent / "examples" / "quickstart" / "scorecard.yaml")


def load(scorecard, data_path, units_path):
    units = evalkit.load_units(units_path, scorecard.registry)
    return evalkit.load_data(data_path, units, scorecard)


def same(a, b):
    assert a.units == b.units
    assert a.period == b.period
    assert sorted(a.columns) == sorted(b.columns)
    for name in a.columns:
        np.testing.assert_array_equal(a.columns[name], b.columns[name])


def test_every_format_gives_the_same_dataset(tmp_path, scorecard):
    units = write_csv(tmp_path / "units.csv", UNIT_HEADER, UNIT_ROWS)
    reference = load(scorecard, write_csv(tmp_path / "data.csv", HEADER, ROWS), units)
    np.testing.assert_array_equal(reference.columns["meetings_rate"], [83.3, 100.0])
    np.testing.assert_array_equal(reference.columns["satisfaction"], [88.6, np.nan])
    variants = {
        "bom.csv": lambda p: write_csv(p, HEADER, ROWS, encoding="utf-8-sig"),
        "zh.csv": lambda p: write_csv(p, ["单位", "指标", "期间", "数值"], ROWS, encoding="utf-8-sig"),
        "data.tsv": lambda p: write_csv(p, HEADER, ROWS, delimiter="\t"),
        "typed.xlsx": lambda p: write_xlsx(p, HEADER, ROWS),
        "text.xlsx": lambda p: write_xlsx(p, HEADER, ROWS, typed=False),
        "data.json": lambda p: write_json(p, HEADER, ROWS),
        "utf16.csv": lambda p: p.write_bytes("\n".join("\t".join(r) for r in [HEADER] + ROWS).encode("utf-16")),
    }
    for name, write in variants.items():
        path = tmp_path / name
        write(path)
        same(load(scorecard, path, units), reference)
    for name, write in {"u.xlsx": write_xlsx, "u.json": write_json}.items():
        same(load(scorecard, tmp_path / "data.csv", write(tmp_path / name, UNIT_HEADER, UNIT_ROWS)), reference)
    zh_units = write_csv(tmp_path / "zh_units.csv", ["编号", "名称", "类型", "上级"], UNIT_ROWS, encoding="utf-8-sig")
    same(load(scorecard, tmp_path / "data.csv", zh_units), reference)


def test_xlsx_numeric_unit_codes_become_text(tmp_path, scorecard):
    units = tmp_path / "units.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(UNIT_HEADER)
    workbook.active.append([101, "甲", None, None])
    workbook.active.append([102.0, "乙", None, 101])
    workbook.save(units)
    data = tmp_path / "data.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([101.0, "meetings_rate", 2025, 80])
    workbook.active.append([102, "meetings_rate", 2025.0, 90])
    workbook.save(data)
    result = load(scorecard, data, units)
    assert result.units.ids == ("101", "102") and result.units.parents == (None, "101")
    np.testing.assert_array_equal(result.columns["meetings_rate"], [80.0, 90.0])


def test_xlsx_marks_percent_cells_and_unsaved_formulas(tmp_path, registry):
    path = tmp_path / "marks.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["U01", "meetings_rate", 2025, 0.95])
    sheet["D2"].number_format = "0.0%"
    sheet.append(["U02", "meetings_rate", 2025, "=1+2"])
    sheet.append(["U03", "meetings_rate", 2025, 7])
    sheet["D4"].number_format = '0.0"%"'  # a literal percent sign: the number is as typed
    workbook.save(path)
    table = read_table(path, registry)
    assert table.source == f"{path} (sheet Sheet)"
    assert table.rows[0][3] == PercentCell(0.95) and str(table.rows[0][3]) == "95%"
    assert table.rows[1][3] == UnsavedFormula("=1+2")
    assert table.rows[2][3] == 7
    assert table.row_numbers == (2, 3, 4)


def test_xlsx_formula_with_a_saved_result_gives_the_result(tmp_path, registry):
    path = tmp_path / "formula.xlsx"
    write_xlsx(path, HEADER, [["U01", "meetings_rate", "2025", "=40+2"]], typed=False)
    # openpyxl cannot save a formula's result; Excel does. Write the result in as Excel would.
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<f>40+2</f><v /></c>" in content
                content = content.replace(b"<f>40+2</f><v /></c>", b"<f>40+2</f><v>42</v></c>")
            dst.writestr(item, content)
    assert read_table(patched, registry).rows[0][3] == 42


def test_xlsx_reads_the_first_sheet_and_says_so_when_it_is_empty(tmp_path, registry):
    path = tmp_path / "sheets.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.create_sheet("数据").append(HEADER)
    workbook.save(path)
    with pytest.raises(DataError) as excinfo:
        read_table(path, registry)
    assert str(excinfo.value) == (f"{path} (sheet 说明): the first sheet is empty; evalkit reads only the first sheet "
                                  "(expected the data on the first sheet (drag its tab to the left))")


@pytest.mark.parametrize("content, found", [
    (b"unit,indicator,period,value\nU01,x,2025,1\n", "a text file (a CSV file with the ending .xlsx?)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "an old-format (.xls) or password-protected workbook"),
    (b"PK\x03\x04broken", "BadZipFile"),
])
def test_not_a_workbook(tmp_path, registry, content, found):
    path = tmp_path / "data.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataError) as excinfo:
        read_table(path, registry)
    assert str(excinfo.value).startswith(str(path)) and found in str(excinfo.value)


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty.json", "empty.tsv"])
def test_zero_byte_files_read_as_empty_tables(tmp_path, registry, name):
    path = tmp_path / name
    path.write_bytes(b"")
    table = read_table(path, registry)
    assert table.columns == () and table.rows == ()


def test_csv_rows_are_numbered_as_excel_numbers_them(tmp_path, registry):
    path = tmp_path / "d.csv"
    path.write_text('unit,indicator,period,value\n\nU01,x,2025,"multi\nline"\nU02,x,2025,1\n', encoding="utf-8")
    table = read_table(path, registry)
    assert table.row_numbers == (3, 4)
    assert table.rows[0][3] == "multi\nline"


def test_csv_trailing_empty_columns_are_ignored(tmp_path, registry):
    path = tmp_path / "d.csv"
    path.write_text("unit,indicator,period,value,,\nU01,x,2025,1,,\nU02,x,2025,2\n", encoding="utf-8")
    table = read_table(path, registry)
    assert table.columns == ("unit", "indicator", "period", "value")
    assert table.rows == (("U01", "x", "2025", "1"), ("U02", "x", "2025", "2"))


@pytest.mark.parametrize("body, expected", [
    ("U01,meetings_rate,2025,1,234.5\n",
     "d.csv, row 2: the row has more cells than the header; quote a number with a thousands comma, as in \"1,234.5\" "
     "(expected 4 cells; found 5)"),
    ("U01,meetings_rate,83.3\n", "d.csv, row 2: the row has fewer cells than the header (expected 4 cells; found 3)"),
    ('U01,meetings_rate,2025,"83.3\nU02,meetings_rate,2025,1\n',
     "d.csv:2: a quoted cell is never closed (expected a closing quote \"; found the end of the file)"),
])
def test_csv_shape_problems(tmp_path, registry, body, expected):
    path = tmp_path / "d.csv"
    path.write_text("unit,indicator,period,value\n" + body, encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        read_table(path, registry)
    assert [str(p) for p in excinfo.value.problems] == [f"{tmp_path}/{expected}"]


def test_gbk_csv_says_how_to_save_it(tmp_path, registry):
    path = write_csv(tmp_path / "d.csv", ["单位", "指标", "期间", "数值"], [["U01", "meetings_rate", "2025", "1"]], encoding="gbk")
    with pytest.raises(FileAccessError) as excinfo:
        read_table(path, registry)
    message = str(excinfo.value)
    assert excinfo.value.exit_code == 5
    assert message.startswith(f"{path}:1: the file is not UTF-8 text")
    assert "CSV UTF-8" in message and "GBK" in message


def test_a_workbook_with_the_ending_csv_is_named(tmp_path, registry):
    path = tmp_path / "d.csv"
    write_xlsx(tmp_path / "real.xlsx", HEADER, ROWS)
    path.write_bytes((tmp_path / "real.xlsx").read_bytes())
    with pytest.raises(FileAccessError, match="zip archive, such as an Excel workbook"):
        read_table(path, registry)


@pytest.mark.parametrize("text, expected", [
    ('{"unit": "U01"}', "d.json, $: the file must hold a JSON array of rows "
                        "(expected an array of objects, as in [{\"unit\": ..., \"value\": ...}]; found an object with keys 'unit')"),
    ("null", "d.json, $: the file must hold a JSON array of rows "
             "(expected an array of objects, as in [{\"unit\": ..., \"value\": ...}]; found null)"),
    ('[["U01"], 5]', "d.json, $[0]: each row must be an object (expected an object like {\"unit\": ..., \"value\": ...}; found an array)"),
    ('[{"unit": "U01", "value": 1, "value": 2}]', "d.json, $[0].value: the key 'value' is given twice in this row (expected each key once)"),
    ('[{"unit": "U01",}]', "d.json:1: not valid JSON: Expecting property name enclosed in double quotes (found column 17)"),
])
def test_json_shape_problems(tmp_path, registry, text, expected):
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as excinfo:
        read_table(path, registry)
    assert str(excinfo.value.problems[0]) == f"{tmp_path}/{expected}"


def test_json_rows_keep_their_index_and_null_is_empty(tmp_path, registry):
    path = tmp_path / "d.json"
    path.write_text('[{"unit": "U01", "value": null}, {"value": 2, "unit": "U02", "note": "x"}]', encoding="utf-8")
    table = read_table(path, registry)
    assert table.columns == ("unit", "value", "note")
    assert table.rows == (("U01", None, None), ("U02", 2, "x"))
    assert table.where(1, "value") == {"source": str(path), "path": "$[1].value"}


@pytest.mark.parametrize("name, error, message", [
    ("missing.csv", FileAccessError, "file not found"),
    ("data.txt", DataError, "unsupported file type; if it is comma-separated text, give it the ending .csv"),
    ("data.xls", DataError, "unsupported file type; an old-format Excel file"),
])
def test_file_problems(tmp_path, registry, name, error, message):
    path = tmp_path / name
    if name != "missing.csv":
        path.write_text("unit,indicator,value\n", encoding="utf-8")
    with pytest.raises(error) as excinfo:
        read_table(path, registry)
    assert str(excinfo.value).startswith(f"{path}: {message}")


def test_a_directory_is_not_a_file(tmp_path, registry):
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(FileAccessError, match="is a directory, expected a file"):
        read_table(folder, registry)
