"""Data files as counties make them: wide sheets, GBK text, workbooks with title rows, merged headers,
several sheets and percent cells, and Parquet. Each must give the result of the long UTF-8 CSV it
was made from (examples/quickstart/data.csv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

import evalkit
from evalkit.cli import main as cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
SCORECARD, UNITS, DATA = EXAMPLE / "scorecard.yaml", EXAMPLE / "units.csv", EXAMPLE / "data.csv"


@pytest.fixture(scope="module")
def scorecard():
    return evalkit.load_scorecard(SCORECARD)


@pytest.fixture(scope="module")
def reference():
    return evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[DATA]))


def long_rows() -> list[dict[str, str]]:
    with open(DATA, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def wide_rows(scorecard, by_name: bool) -> tuple[list[str], list[list[str]]]:
    """The example's data as one row per unit: headers are ids, or Chinese names with the unit in brackets."""
    rows = long_rows()
    indicators = sorted({r["indicator"] for r in rows})
    units = list(dict.fromkeys(r["unit"] for r in rows))
    value = {(r["unit"], r["indicator"]): r["value"] for r in rows}

    def head(i: str) -> str:
        ind = scorecard.indicators[i]
        return f"{ind.name.zh}（{ind.unit}）" if by_name else i

    header = ["单位", "年度"] + [head(i) for i in indicators]
    return header, [[u, "2025"] + [value.get((u, i), "") for i in indicators] for u in units]


def same(evaluation, reference) -> bool:
    return evaluation.to_dict()["units"] == reference.to_dict()["units"]


@pytest.mark.parametrize("by_name", [False, True])
def test_a_wide_csv_is_read_directly(tmp_path, scorecard, reference, by_name):
    header, rows = wide_rows(scorecard, by_name)
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows[::-1]])
    assert same(evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path])), reference)
    declared = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path], wide=True))
    assert same(declared, reference)


def test_a_wide_sheet_without_indicator_headers_says_it_looks_wide(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text("单位,三会一课\nU01,90\n", encoding="utf-8")
    assert cli(["run", str(SCORECARD), "--units", str(UNITS), "--data", str(path)]) == 3
    err = capsys.readouterr().err
    assert "looks like a wide sheet" in err and "'三会一课'" in err


def test_bad_cells_of_a_wide_sheet_name_row_and_column(tmp_path, scorecard):
    header, rows = wide_rows(scorecard, by_name=True)
    rows[2][3] = "九十"
    rows[4][0] = "U99"
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.load_data(path, UNITS, scorecard)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}, row 6, column '单位': unknown unit (expected an id from the units file; found 'U99')"]
    rows[4][0] = "U05"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.load_data(path, UNITS, scorecard)
    (problem,) = caught.value.problems
    assert (problem.source, problem.row, problem.column, problem.expected, problem.found) == (
        str(path), 4, header[3], "a number", "'九十'")


def test_gbk_csv_is_read_and_the_encoding_noted(tmp_path, scorecard, reference, capsys):
    header, rows = wide_rows(scorecard, by_name=True)
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gbk"))
    evaluation = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path]))
    assert same(evaluation, reference)
    assert evaluation.to_dict()["notes"] == [f"{path}: read as GB18030 text (not UTF-8)"]
    named = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path], encoding="gbk"))
    assert named.notes == (f"{path}: read as GBK text (not UTF-8)",)
    assert cli(["run", str(SCORECARD), "--units", str(UNITS), "--data", str(path), "--encoding", "big5"]) == 3
    assert "is not valid big5" in capsys.readouterr().err
    assert cli(["run", str(SCORECARD), "--units", str(UNITS), "--data", str(path), "--encoding", "klingon"]) == 64


def titled_workbook(path: Path, scorecard, percent: bool, sheets: int = 1) -> None:
    """A county's workbook: a merged title, a note row, a two-row header (a group merged over its
    indicators, 单位 merged down), percent cells for '%' indicators; units split over `sheets` sheets."""
    rows = long_rows()
    indicators = sorted({r["indicator"] for r in rows})
    units = list(dict.fromkeys(r["unit"] for r in rows))
    value = {(r["unit"], r["indicator"]): r["value"] for r in rows}
    workbook = openpyxl.Workbook()
    for k in range(sheets):
        sheet = workbook.active if k == 0 else workbook.create_sheet()
        sheet.title = f"第{k + 1}片区"
        sheet.append(["2025年度机关党建考核数据汇总表"])
        sheet.merge_cells("A1:F1")
        sheet.append(["填报单位：县直机关工委", None, "说明：百分比按实际填写"])
        sheet.append(["单位", "组织建设", None] + ["其他"] * (len(indicators) - 2))
        sheet.merge_cells("A3:A4")
        sheet.merge_cells("B3:C3")
        sheet.append([None] + [scorecard.indicators[i].name.zh for i in indicators])
        for u in units[k::sheets]:
            sheet.append([u] + [float(value[(u, i)]) if value.get((u, i), "") != "" else None for i in indicators])
            for j, i in enumerate(indicators, start=2):
                cell = sheet.cell(sheet.max_row, j)
                if percent and scorecard.indicators[i].unit == "%" and cell.value is not None:
                    cell.value = cell.value / 100
                    cell.number_format = "0.0%"
    workbook.save(path)


def test_a_workbook_with_titles_merged_headers_and_percent_cells(tmp_path, scorecard, reference):
    path = tmp_path / "titled.xlsx"
    titled_workbook(path, scorecard, percent=True)
    evaluation = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path]))
    assert same(evaluation, reference)
    notes = evaluation.to_dict()["notes"]
    assert len(notes) == 3 and all("shown as percentages were read as percent" in n for n in notes)
    assert notes[0].startswith(f"{path} (sheet 第1片区): 12 cell(s) of 'dues_on_time'")


def test_several_sheets_read_together_or_by_name(tmp_path, scorecard, reference, capsys):
    path = tmp_path / "sheets.xlsx"
    titled_workbook(path, scorecard, percent=False, sheets=2)
    together = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path], sheets=["*"]))
    assert same(together, reference)
    first = evalkit.load_data(path, UNITS, scorecard, sheets=["第2片区"])
    second = {r["unit"] for r in long_rows() if r["indicator"] == "study_hours" and r["value"] and int(r["unit"][1:]) % 2 == 0}
    assert {u for u, v in zip(first.units.ids, first.columns["study_hours"]) if v == v} == second
    assert cli(["run", str(SCORECARD), "--units", str(UNITS), "--data", str(path), "--sheet", "第9片区"]) == 3
    assert "no sheet named '第9片区' (expected one of '第1片区', '第2片区'" in capsys.readouterr().err


def test_a_percent_cell_of_a_points_indicator_is_still_refused(tmp_path, scorecard):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["unit", "indicator", "period", "value"])
    sheet.append(["U01", "study_hours", "2025", 0.3])
    sheet["D2"].number_format = "0%"
    sheet.append(["U02", "meetings_rate", "2025", 0.954])
    sheet["D3"].number_format = "0.0%"
    workbook.save(tmp_path / "long.xlsx")
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.load_data(tmp_path / "long.xlsx", UNITS, scorecard)
    (problem,) = caught.value.problems
    assert problem.row == 2 and "shown as a percentage" in problem.expected
    sheet.delete_rows(2)
    workbook.save(tmp_path / "long.xlsx")
    data = evalkit.load_data(tmp_path / "long.xlsx", UNITS, scorecard)
    assert data.columns["meetings_rate"][data.units.index["U02"]] == 95.4
    assert "1 cell(s) of 'meetings_rate' shown as percentages" in data.notes[0]


def test_parquet_is_read_columnwise(tmp_path, reference):
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    rows = long_rows()
    table = pa.table({"unit": [r["unit"] for r in rows], "indicator": [r["indicator"] for r in rows],
                      "period": [r["period"] for r in rows],
                      "value": [float(r["value"]) if r["value"] else None for r in rows]})
    pq.write_table(table, tmp_path / "data.parquet")
    evaluation = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[tmp_path / "data.parquet"]))
    assert same(evaluation, reference)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[tmp_path / "bad.parquet"]))
    assert caught.value.problems[0].message == "not a readable Parquet file"


def test_json_result_with_notes_matches_the_schema(tmp_path, scorecard):
    import jsonschema

    path = tmp_path / "titled.xlsx"
    titled_workbook(path, scorecard, percent=True)
    result = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path])).to_dict()
    schema = json.loads((Path(evalkit.__file__).parent / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(result, schema)


def fill(path: Path, values: dict[tuple[str, str], str], scorecard) -> None:
    """Fill an entry form as a county's clerk would, in Excel: a number under each indicator's header."""
    from evalkit.io.wide import header_indicator, indicator_lookup

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    lookup = indicator_lookup(scorecard.indicators, scorecard.indicators)
    columns = {j: header_indicator(str(c.value), lookup) for j, c in enumerate(sheet[1], start=1)}
    for row in range(2, sheet.max_row + 1):
        unit = sheet.cell(row, 1).value
        for j, indicator in columns.items():
            text = values.get((unit, indicator), "")
            if indicator is not None and text != "":
                sheet.cell(row, j).value = float(text)
    workbook.save(path)


def test_an_entry_form_filled_in_reads_back(tmp_path, scorecard, reference, capsys):
    form = tmp_path / "form.xlsx"
    assert cli(["template", str(SCORECARD), "--units", str(UNITS), "-o", str(form)]) == 0
    workbook = openpyxl.load_workbook(form)
    sheet, help_sheet = workbook.worksheets
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["单位编号", "单位名称", "年度", "三会一课完成率（%）"] and headers[-1] == "备注"
    assert [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)] == list(evalkit.load_units(UNITS).ids)
    assert sheet.protection.sheet and sheet.cell(1, 4).protection.locked and not sheet.cell(2, 4).protection.locked
    ranges = {str(v.sqref): (v.type, v.formula1, v.formula2) for v in sheet.data_validations.dataValidation}
    assert ranges["D2:D13"] == ("decimal", "0", "100")
    assert help_sheet.title == "填报说明" and any(r[1] == "meetings_rate" for r in help_sheet.iter_rows(values_only=True))
    values = {(r["unit"], r["indicator"]): r["value"] for r in long_rows()}
    fill(form, values, scorecard)
    assert same(evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[form])), reference)
    # one workbook per unit, filled by each department, read back as a folder
    folder = tmp_path / "forms"
    assert cli(["template", str(SCORECARD), "--units", str(UNITS), "-o", str(folder), "--per-unit"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [f"U{k:02d}.xlsx" for k in range(1, 13)]
    for path in folder.iterdir():
        fill(path, values, scorecard)
    assert same(evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[folder])), reference)
    # a value typed for a unit twice (two departments filled the same row) is an error naming both files
    (folder / "copy.xlsx").write_bytes((folder / "U03.xlsx").read_bytes())
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[folder]))
    assert "given in two data files" in caught.value.problems[0].message
    assert cli(["template", str(SCORECARD), "--units", str(UNITS), "-o", str(tmp_path / "form.csv")]) == 64


def test_bad_cells_of_a_titled_workbook_name_sheet_row_and_column(tmp_path, scorecard):
    path = tmp_path / "titled.xlsx"
    titled_workbook(path, scorecard, percent=False)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    sheet.cell(7, 3).value = "九十"  # the third unit's second indicator, below two title rows and a two-row header
    sheet.cell(8, 1).value = "U3"
    workbook.save(path)
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.load_data(path, UNITS, scorecard)
    (problem,) = caught.value.problems
    assert (problem.source, problem.row, problem.column, problem.found) == (f"{path} (sheet 第1片区)", 8, "单位", "'U3'")
    sheet.cell(8, 1).value = "U04"
    workbook.save(path)
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.load_data(path, UNITS, scorecard)
    (problem,) = caught.value.problems
    header = scorecard.indicators[sorted({r["indicator"] for r in long_rows()})[1]].name.zh
    assert (problem.source, problem.row, problem.column, problem.expected, problem.found) == (
        f"{path} (sheet 第1片区)", 7, header, "a number", "'九十'")


def test_wide_data_with_periods_keeps_the_others_as_history(tmp_path, scorecard):
    path = tmp_path / "wide.csv"
    path.write_text("unit,period,meetings_rate,study_hours\nU01,2024,80,20\nU01,2025,90,\nU02,2025,70,30\nU02,2025,71,31\n",
                    encoding="utf-8")
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.load_data(path, UNITS, scorecard)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}, row 5, column 'unit': the unit has two rows (expected one row per unit and period; found also row 4)"]
    path.write_text("unit,period,meetings_rate,study_hours\nU01,2024,80,20\nU01,2025,90,\nU02,2025,70,30\n", encoding="utf-8")
    data = evalkit.load_data(path, UNITS, scorecard, period="2025")
    index = data.units.index
    assert data.columns["meetings_rate"][index["U01"]] == 90 and data.history["2024"]["study_hours"][index["U01"]] == 20
    assert np_isnan(data.columns["study_hours"][index["U01"]])
    with pytest.raises(evalkit.DataError, match="no rows for period '2023'"):
        evalkit.load_data(path, UNITS, scorecard, period="2023")


def np_isnan(value: float) -> bool:
    return value != value


def test_parquet_is_a_registered_loader_so_units_files_can_be_parquet_too(tmp_path, reference):
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    units = evalkit.load_units(UNITS)
    frame = pd.read_csv(UNITS, dtype=str, keep_default_na=False, encoding="utf-8-sig")  # every column: id, name, type, parent
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "units.parquet")
    assert "parquet" in evalkit.default_registry().loaders
    from_parquet = evalkit.load_units(tmp_path / "units.parquet")
    assert from_parquet.ids == units.ids and from_parquet.names == units.names
    rows = long_rows()
    pq.write_table(pa.table({"unit": [r["unit"] for r in rows], "indicator": [r["indicator"] for r in rows],
                             "period": [r["period"] for r in rows],
                             "value": [float(r["value"]) if r["value"] else None for r in rows]}), tmp_path / "data.parquet")
    evaluation = evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=tmp_path / "units.parquet",
                                                           data=[tmp_path / "data.parquet"]))
    assert same(evaluation, reference)


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    import sys

    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # as if pyarrow were not installed
    with pytest.raises(evalkit.DataError) as caught:
        evalkit.evaluate_files(evalkit.InputFiles(SCORECARD, units=UNITS, data=[path]))
    (problem,) = caught.value.problems
    assert problem.message == "reading Parquet files needs pyarrow" and "evalkit[parquet]" in problem.expected


def test_gbk_adjustments_are_read_as_the_data_is(tmp_path):
    path = tmp_path / "adjustments.csv"
    path.write_bytes((EXAMPLE / "adjustments.csv").read_text(encoding="utf-8").encode("gbk"))
    inputs = evalkit.load_inputs(evalkit.InputFiles(SCORECARD, units=UNITS, data=[DATA], adjustments=path))
    utf8 = evalkit.load_inputs(evalkit.InputFiles(SCORECARD, units=UNITS, data=[DATA], adjustments=EXAMPLE / "adjustments.csv"))
    assert inputs.adjustments == utf8.adjustments and inputs.adjustments[1].reason == '"机关党建+营商环境"创新案例'
    assert inputs.warnings == (f"{path}: read as GB18030 text (not UTF-8)",)
