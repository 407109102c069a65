"""The `evalkit` command in-process: exit codes, messages that locate the problem, no tracebacks, atomic output."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from evalkit.cli import main
from evalkit.definition.schemas import base_schema

QUICKSTART = Path(__file__).resolve().parent.parent / "examples" / "quickstart"
SCORECARD = QUICKSTART / "scorecard.yaml"
DATA = QUICKSTART / "data.csv"
UNITS = QUICKSTART / "units.csv"
HEADER = ["unit", "indicator", "period", "value"]
DATA_ROWS = [line.split(",") for line in DATA.read_text(encoding="utf-8").splitlines()[1:]]
UNIT_HEADER = ["id", "name", "type", "parent"]
UNIT_ROWS = [line.split(",") for line in UNITS.read_text(encoding="utf-8").splitlines()[1:]]


def without_notes(err: str) -> str:
    """stderr without the `evalkit: note:` lines (the missing-data summary, tests/test_missing_data.py)."""
    return "".join(line for line in err.splitlines(keepends=True) if not line.startswith("evalkit: note: "))


def run(capsys, *args):
    """Run the CLI; return (exit code, stdout, stderr), and check that no traceback was printed."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    return code, out, err


def run_on(capsys, data, units=UNITS, *extra):
    return run(capsys, "run", SCORECARD, "--data", data, "--units", units, *extra)


def write(path: Path, header, rows, encoding="utf-8"):
    """A data or units file in the format its ending names, rows given as text cells."""
    if path.suffix == ".xlsx":
        workbook = openpyxl.Workbook()
        workbook.active.append(header)
        for row in rows:
            workbook.active.append([cell if cell != "" else None for cell in row])
        workbook.save(path)
    elif path.suffix == ".json":
        path.write_text(json.dumps([dict(zip(header, row)) for row in rows], ensure_ascii=False), encoding="utf-8")
    else:
        with open(path, "w", newline="", encoding=encoding) as handle:
            writer = csv.writer(handle, delimiter="\t" if path.suffix == ".tsv" else ",")
            writer.writerow(header)
            writer.writerows(rows)
    return path


def changed(index, column, value):
    rows = [list(r) for r in DATA_ROWS]
    rows[index][column] = value
    return rows


def where(path: Path, index: int, column: str) -> str:
    """How a message locates data row `index` (0-based, after the header) and a column, per format."""
    if path.suffix == ".json":
        return f"{path}, $[{index}].{column}"
    source = f"{path} (sheet Sheet)" if path.suffix == ".xlsx" else str(path)
    return f"{source}, row {index + 2}, column '{column}'"


FORMATS = ["csv", "xlsx", "json"]

# name -> (rows, row index, column, expected message after the location)
BAD_CELLS = {
    "abc": (changed(4, 3, "abc"), 4, "value", "the value is not usable (expected a number; found 'abc')"),
    "percent": (changed(4, 3, "95%"), 4, "value", "the value is not usable (expected a plain number (write 95 for 95 %"),
    "nan": (changed(4, 3, "nan"), 4, "value", "the value is not usable (expected a finite number; found 'nan')"),
    "NaN": (changed(4, 3, "NaN"), 4, "value", "the value is not usable (expected a finite number; found 'NaN')"),
    "inf": (changed(4, 3, "inf"), 4, "value", "the value is not usable (expected a finite number; found 'inf')"),
    "infinity": (changed(4, 3, "-Infinity"), 4, "value",
                 "the value is not usable (expected a finite number; found '-Infinity')"),
    "1e309": (changed(4, 3, "1e309"), 4, "value",
              "the value is not usable (expected a finite number (this one is too large for a float); found '1e309')"),
    "unknown unit": (changed(4, 0, "U99"), 4, "unit", "unknown unit (expected an id from the units file; found 'U99')"),
    "unknown indicator": (changed(4, 1, "bogus"), 4, "indicator", "unknown indicator (expected an indicator of the scorecard"),
    "duplicate": (DATA_ROWS + [DATA_ROWS[3]], len(DATA_ROWS), "unit",
                  "duplicate row: this unit, indicator and period already have a value"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(BAD_CELLS))
def test_bad_cells_name_file_row_and_column(tmp_path, capsys, case, fmt):
    rows, index, column, message = BAD_CELLS[case]
    data = write(tmp_path / f"data.{fmt}", HEADER, rows)
    code, out, err = run_on(capsys, data)
    assert code == 3
    assert out == ""
    assert err.startswith(f"evalkit: invalid data: {where(data, index, column)}: {message}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", ["1,234.5", "９５", "1e308", "９５．５"])
def test_values_people_write_that_are_fine(tmp_path, capsys, fmt, value):
    data = write(tmp_path / f"data.{fmt}", HEADER, changed(0, 3, value))
    code, out, err = run_on(capsys, data, UNITS, "--format", "json")
    assert (code, without_notes(err)) == (0, "")
    u01 = next(u for u in json.loads(out)["units"] if u["id"] == "U01")
    expected = {"1,234.5": 1234.5, "９５": 95, "1e308": 1e308, "９５．５": 95.5}[value]
    assert u01["items"]["meetings"]["value"] == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_header_only_and_missing_column(tmp_path, capsys, fmt):
    data = write(tmp_path / f"data.{fmt}", HEADER, [])
    code, _, err = run_on(capsys, data)
    assert code == 3
    assert str(data) in err and ("header but no rows" in err or "holds no rows" in err)
    data = write(tmp_path / f"cut.{fmt}", HEADER[:3], [r[:3] for r in DATA_ROWS])
    code, _, err = run_on(capsys, data)
    assert code == 3
    assert "the column 'value' is missing (expected a column named 'value' or '值' or '数值' or '指标值'; " \
           "found columns 'unit', 'indicator', 'period')" in err


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_duplicated_header(tmp_path, capsys, fmt):
    data = write(tmp_path / f"data.{fmt}", HEADER + ["value"], [r + [r[3]] for r in DATA_ROWS])
    code, _, err = run_on(capsys, data)
    assert code == 3
    assert "column 'value': the column 'value' appears twice in the header (expected each column once)" in err


@pytest.mark.parametrize("name", ["data.csv", "data.xlsx", "data.json", "units.csv"])
def test_empty_file(tmp_path, capsys, name):
    empty = tmp_path / name
    empty.write_bytes(b"")
    code, _, err = run_on(capsys, empty if name.startswith("data") else DATA, empty if name.startswith("units") else UNITS)
    assert code == 3
    assert err.startswith(f"evalkit: invalid data: {empty}: the file ")


def test_bom_and_chinese_headers_score_like_the_quickstart(tmp_path, capsys):
    data = write(tmp_path / "数据.csv", ["单位", "指标", "期间", "数值"], DATA_ROWS, encoding="utf-8-sig")
    units = write(tmp_path / "单位.csv", ["编号", "名称", "类型", "上级"], UNIT_ROWS, encoding="utf-8-sig")
    code, out, err = run_on(capsys, data, units, "--format", "json")
    assert code == 0, err
    assert out == run_on(capsys, DATA, UNITS, "--format", "json")[1]


def test_gbk_data_is_read_and_noted(tmp_path, capsys):
    data = write(tmp_path / "d.csv", ["单位", "指标", "期间", "数值"], DATA_ROWS, encoding="gbk")
    code, out, err = run_on(capsys, data, UNITS, "--format", "json")
    assert code == 0 and json.loads(out)["notes"] == [f"{data}: read as GB18030 text (not UTF-8)"]
    warnings = [line for line in err.splitlines() if not line.startswith("evalkit: note:")]  # the missing-data note
    assert warnings == [f"evalkit: warning: {data}: read as GB18030 text (not UTF-8)"]


def test_gbk_units_are_read_and_noted(tmp_path, capsys):
    units = write(tmp_path / "u.csv", ["编号", "名称", "类型", "上级"], UNIT_ROWS, encoding="gbk")
    code, out, err = run_on(capsys, DATA, units, "--format", "json")
    assert code == 0 and json.loads(out)["units"] == json.loads(run_on(capsys, DATA, UNITS, "--format", "json")[1])["units"]
    warnings = [line for line in err.splitlines() if not line.startswith("evalkit: note:")]  # the missing-data note
    assert warnings == [f"evalkit: warning: {units}: read as GB18030 text (not UTF-8)"]


@pytest.mark.parametrize("which", ["data", "units"])
def test_text_neither_utf8_nor_gb18030_says_save_as_csv_utf8(tmp_path, capsys, which):
    latin1 = tmp_path / f"{which}.csv"  # é in Latin-1 before a comma: not UTF-8, and not GB18030 either
    if which == "data":
        latin1.write_bytes(b"unit,indicator,period,value\nU01,caf\xe9,2025,1\n")
        data, units = latin1, UNITS
    else:
        latin1.write_bytes(b"id,name\nU01,caf\xe9,x\n")
        data, units = DATA, latin1
    bad = latin1
    code, _, err = run_on(capsys, data, units)
    assert code == 5
    assert err.startswith(f"evalkit: file error: {bad}:2: the file is not UTF-8 text")
    assert "CSV UTF-8" in err


def test_file_problems(tmp_path, capsys):
    txt = tmp_path / "data.txt"
    txt.write_text(DATA.read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    text_xlsx = tmp_path / "text.xlsx"
    text_xlsx.write_text("unit,indicator,period,value\n", encoding="utf-8")
    cases = [
        (txt, UNITS, 3, f"{txt}: unsupported file type"),
        (tmp_path / "missing.csv", UNITS, 5, f"{tmp_path / 'missing.csv'}: file not found"),
        (DATA, tmp_path / "missing.csv", 5, f"{tmp_path / 'missing.csv'}: file not found"),
        (folder, UNITS, 5, f"{folder}: is a directory, expected a file"),
        (DATA, folder, 5, f"{folder}: is a directory, expected a file"),
        (text_xlsx, UNITS, 3, f"{text_xlsx}: not an Excel workbook"),
    ]
    for data, units, expected_code, message in cases:
        code, _, err = run_on(capsys, data, units)
        assert (code, message in err) == (expected_code, True), err


def test_xlsx_formula_and_percent_cells(tmp_path, capsys):
    data = tmp_path / "data.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in DATA_ROWS:
        sheet.append([row[0], row[1], int(row[2]), float(row[3])])
    sheet["D6"] = "=1+2"  # no saved result: a program, not Excel, wrote the file
    sheet["D7"].number_format = "0%"
    workbook.save(data)
    code, _, err = run_on(capsys, data)
    assert code == 3
    assert f"{data} (sheet Sheet), row 6, column 'value': the value is not usable (expected a value, but the formula's " \
           "result was never saved" in err
    assert f"{data} (sheet Sheet), row 7, column 'value': the value is not usable (expected a plain number, not a cell " \
           "shown as a percentage" in err


def test_period_with_no_rows(capsys):
    code, _, err = run_on(capsys, DATA, UNITS, "--period", "2024")
    assert code == 3
    assert err == f"evalkit: invalid data: {DATA}, column 'period': no rows for period '2024' " \
                  "(expected rows with period '2024'; found periods 2025)\n"


def test_period_chooses_rows(tmp_path, capsys):
    rows = DATA_ROWS + [[r[0], r[1], "2024", "0"] for r in DATA_ROWS]
    data = write(tmp_path / "d.csv", HEADER, rows)
    code, out, _ = run_on(capsys, data, UNITS, "--format", "json", "--period", "2024")
    assert code == 0
    assert json.loads(out)["scorecard"]["period"] == "2024"
    assert [u["items"]["meetings"]["value"] for u in json.loads(out)["units"]] == [0] * 12


UNIT_CASES = {
    "duplicate id": (UNIT_ROWS + [UNIT_ROWS[2]], len(UNIT_ROWS), "id", "the unit id 'U03' is given twice"),
    "empty id": ([["", *UNIT_ROWS[0][1:]]] + UNIT_ROWS[1:], 0, "id", "the unit id is empty (expected an id)"),
    "unknown parent": ([[*UNIT_ROWS[0][:3], "U77"]] + UNIT_ROWS[1:], 0, "parent",
                       "the parent is not a unit in this file (expected an id from the id column; found 'U77')"),
    "cycle": ([[*UNIT_ROWS[0][:3], "U02"], [*UNIT_ROWS[1][:3], "U01"]] + UNIT_ROWS[2:], 0, "parent",
              "units are each other's parents (a cycle) (expected a tree of units; found U01 -> U02 -> U01)"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(UNIT_CASES))
def test_units_problems(tmp_path, capsys, case, fmt):
    rows, index, column, message = UNIT_CASES[case]
    units = write(tmp_path / f"units.{fmt}", UNIT_HEADER, rows)
    code, out, err = run_on(capsys, DATA, units)
    assert (code, out) == (3, "")
    assert err.startswith(f"evalkit: invalid data: {where(units, index, column)}: {message}")


def test_units_as_xlsx_with_numeric_codes(tmp_path, capsys):
    units = tmp_path / "units.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(UNIT_HEADER)
    for i, row in enumerate(UNIT_ROWS, start=1):
        workbook.active.append([100 + i, row[1], row[2], None])
    workbook.save(units)
    data = tmp_path / "data.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    for row in DATA_ROWS:
        workbook.active.append([float(100 + int(row[0][1:])), row[1], int(row[2]), float(row[3])])
    workbook.save(data)
    code, out, err = run_on(capsys, data, units, "--format", "json")
    assert code == 0, err
    assert {u["id"] for u in json.loads(out)["units"]} == {str(100 + i) for i in range(1, 13)}


@pytest.mark.parametrize("text, message", [
    ('{"unit": "U01"}', "$: the file must hold a JSON array of rows"),
    ('[["U01", "meetings_rate", "2025", 1]]', "$[0]: each row must be an object"),
    ('[{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": NaN}]',
     "$[0].value: the value is not usable (expected a finite number; found nan)"),
    ('[{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": 1e309}]',
     "$[0].value: the value is not usable (expected a finite number; found inf)"),
    ('[{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": 1, "value": 2}]',
     "$[0].value: the key 'value' is given twice in this row"),
])
def test_json_problems(tmp_path, capsys, text, message):
    data = tmp_path / "data.json"
    data.write_text(text, encoding="utf-8")
    code, _, err = run_on(capsys, data)
    assert code == 3
    assert err.startswith(f"evalkit: invalid data: {data}, {message}")


def test_many_problems_are_listed_one_per_line(tmp_path, capsys):
    data = write(tmp_path / "d.csv", HEADER, changed(0, 3, "abc")[:1] + [["U02", "bogus", "2025", "1"]])
    code, _, err = run_on(capsys, data)
    assert code == 3
    assert err.splitlines() == [
        "evalkit: invalid data: 2 problems",
        f"  - {data}, row 2, column 'value': the value is not usable (expected a number; found 'abc')",
        f"  - {data}, row 3, column 'indicator': unknown indicator (expected an indicator of the scorecard or of an "
        "installed plugin; found 'bogus')",
    ]


# --- output ---------------------------------------------------------------------------------

def test_json_output_validates_against_the_result_schema(tmp_path, capsys):
    out_file = tmp_path / "result.json"
    code, out, err = run_on(capsys, DATA, UNITS, "--format", "json", "-o", out_file)
    assert (code, out) == (0, "")
    assert without_notes(err) == f"wrote {out_file} (12 units, format json)\n"
    document = json.loads(out_file.read_text(encoding="utf-8"))
    Draft202012Validator(base_schema("result.schema.json")).validate(document)
    assert len(document["units"]) == 12
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary file left behind


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_output_file_equals_what_the_terminal_gets(tmp_path, capsys, fmt):
    out_file = tmp_path / "result.out"
    assert run_on(capsys, DATA, UNITS, "--format", fmt, "-o", out_file)[0] == 0
    code, out, _ = run_on(capsys, DATA, UNITS, "--format", fmt)
    assert code == 0 and out_file.read_bytes() == out.encode("utf-8")


@pytest.mark.parametrize("bad_args, expected_code", [
    (["--data", "BAD"], 3),
    (["--units", "MISSING"], 5),
    (["--period", "1999"], 3),
    (["--format", "nope"], 64),
])
def test_a_failing_run_leaves_an_existing_output_untouched(tmp_path, capsys, bad_args, expected_code):
    bad = write(tmp_path / "bad.csv", HEADER, changed(0, 3, "abc"))
    out_file = tmp_path / "result.json"
    out_file.write_bytes(b"previous result \x00\xff")
    args = {"--data": DATA, "--units": UNITS, "--format": "json"}
    replacement = {"BAD": bad, "MISSING": tmp_path / "missing.csv"}
    args[bad_args[0]] = replacement.get(bad_args[1], bad_args[1])
    flat = [x for pair in args.items() for x in pair]
    code, out, _ = run(capsys, "run", SCORECARD, *flat, "-o", out_file)
    assert code == expected_code
    assert out == ""
    assert out_file.read_bytes() == b"previous result \x00\xff"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "result.json"]


def test_output_problems(tmp_path, capsys):
    code, _, err = run_on(capsys, DATA, UNITS, "-o", tmp_path / "no" / "such" / "out.json")
    assert code == 5 and "the output folder does not exist" in err
    code, _, err = run_on(capsys, DATA, UNITS, "-o", tmp_path)
    assert code == 5 and "the output path is a folder" in err


def test_output_never_overwrites_an_input(tmp_path, capsys):
    data = tmp_path / "data.csv"
    shutil.copy(DATA, data)
    before = data.read_bytes()
    code, _, err = run_on(capsys, data, UNITS, "--format", "csv", "-o", data)
    assert code == 64 and "is the --data file" in err
    assert data.read_bytes() == before


# --- validate and usage ---------------------------------------------------------------------

def test_validate(tmp_path, capsys):
    code, out, _ = run(capsys, "validate", SCORECARD)
    assert code == 0 and out == f"{SCORECARD}: valid scorecard\n"
    broken = tmp_path / "scorecard.yaml"
    broken.write_text(SCORECARD.read_text(encoding="utf-8").replace("upper: 100", "upper: 50"), encoding="utf-8")
    code, _, err = run(capsys, "validate", broken)
    assert code == 2
    assert err.startswith(f"evalkit: invalid definition: {broken}:")
    assert "$.dimensions[0].children[0].rule.params.upper" in err
    code, _, err = run(capsys, "run", broken, "--data", DATA, "--units", UNITS)
    assert code == 2


@pytest.mark.parametrize("argv", [
    ["run", str(SCORECARD), "--data", str(DATA), "--units", str(UNITS), "--bogus"],
    ["run", str(SCORECARD), "--units", str(UNITS)],
    ["frobnicate"],
    ["explain", str(SCORECARD), "--data", str(DATA), "--units", str(UNITS), "U01", "--format", "xml"],
])
def test_usage_errors_exit_64(capsys, argv):
    code, _out, err = run(capsys, *argv)
    assert code == 64
    assert err.startswith("evalkit: usage error: ")


def test_evalkit_alone_prints_help_and_exits_0(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: evalkit") and "explain" in out and "history" in out


# --- determinism ----------------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(data_seed=st.integers(0, 2**32 - 1), units_seed=st.integers(0, 2**32 - 1))
def test_shuffled_rows_give_byte_identical_json(tmp_path_factory, data_seed, units_seed):
    import contextlib
    import io

    folder = tmp_path_factory.mktemp("shuffle")
    data_rows = list(DATA_ROWS)
    random.Random(data_seed).shuffle(data_rows)
    unit_rows = list(UNIT_ROWS)
    random.Random(units_seed).shuffle(unit_rows)
    data = write(folder / "data.csv", HEADER, data_rows)
    units = write(folder / "units.csv", UNIT_HEADER, unit_rows)
    outputs = []
    for d, u in ((DATA, UNITS), (data, units)):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            assert main(["run", str(SCORECARD), "--data", str(d), "--units", str(u), "--format", "json"]) == 0
        outputs.append(buffer.getvalue().encode("utf-8"))
    assert outputs[0] == outputs[1]


def test_swapped_data_and_units_files_are_named(capsys):
    code, _, err = run_on(capsys, UNITS, DATA)
    assert code == 3
    assert err == (f"evalkit: invalid data: {DATA}: this looks like a data file; the units file has the columns id, name, "
                   "type, parent (found columns 'unit', 'indicator', 'period', 'value')\n")


def test_explain_reports_bad_input_like_run(tmp_path, capsys):
    bad = write(tmp_path / "d.csv", HEADER, changed(2, 3, "abc"))
    code, out, err = run(capsys, "explain", SCORECARD, "--data", bad, "--units", UNITS, "U01")
    assert (code, out) == (3, "")
    assert f"{bad}, row 4, column 'value'" in err
    code, _, err = run(capsys, "explain", SCORECARD, "--data", DATA, "--units", UNITS, "U99")
    assert code == 3 and "unknown unit" in err and "'U99'" in err


@pytest.mark.parametrize("args, text", [
    (["sensitivity", "--samples", "0"], "--samples: expected a whole number >= 1, found '0'"),
    (["sensitivity", "--fragile-threshold", "1.5"], "--fragile-threshold: expected a number in (0, 1], found '1.5'"),
    (["delphi", "x.csv", "--full-mark", "-1"], "--full-mark: expected a number > 0, found '-1'"),
])
def test_bad_option_values_are_usage_errors(args, text, capsys):
    from tests.conftest import EXAMPLES

    q = EXAMPLES / "quickstart"
    if args[0] == "sensitivity":
        args = [args[0], str(q / "scorecard.yaml"), "--data", str(q / "data.csv"), "--units", str(q / "units.csv"), *args[1:]]
    assert main(args) == 64
    assert text in capsys.readouterr().err
