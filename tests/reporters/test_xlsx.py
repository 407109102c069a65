"""The Excel workbook: the figures of the JSON result exactly, text never a formula, the same bytes every time."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest

from evalkit.reporters.xlsx_writer import Column, Style, Workbook, is_risky

from .conftest import QUICKSTART_ARGS, evaluate_example, render, synthetic

SHEETS_ZH = ["汇总", "指标明细", "得分说明", "等次分布", "指标体系", "加减分与否决", "考核信息"]
SHEETS_EN = ["Summary", "Item detail", "Explanations", "Grade distribution", "Scorecard", "Adjustments", "About"]


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def table(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_holds_the_figures_of_the_json_result(quickstart_eval, lang):
    ev = quickstart_eval
    doc = ev.to_dict()
    book = load(render(ev, "xlsx", lang))
    assert book.sheetnames == (SHEETS_ZH if lang == "zh" else SHEETS_EN)
    zh = lang == "zh"
    labels = {g["grade"]: g["label"]["zh" if zh else "en"] for g in doc["grades"]}
    dims = {d["id"]: d["name"]["zh" if zh else "en"] for d in doc["dimensions"] if d["parent"] is None}

    summary = table(book.worksheets[0])
    assert len(summary) == len(doc["units"])
    for row, unit in zip(summary, doc["units"]):  # the same order: rank, ties by id
        assert row["排名" if zh else "Rank"] == unit["rank"]
        assert row["编号" if zh else "ID"] == unit["id"]
        assert row["单位" if zh else "Unit"] == unit["name"]
        assert row["总分" if zh else "Total"] == unit["total"]
        assert row["等次" if zh else "Grade"] == labels[unit["grade"]]
        for dim_id, name in dims.items():
            assert row[name] == unit["dimensions"][dim_id]
        net = row["加减分" if zh else "Adjust."]
        assert net == pytest.approx(unit["total"] - unit["items_total"], abs=1e-9)
    assert any("一票否决" in (r["备注" if zh else "Notes"] or "") or "veto" in (r["备注" if zh else "Notes"] or "")
               for r in summary)

    detail = table(book.worksheets[1])
    assert len(detail) == len(doc["units"]) * len(doc["items"])
    by_key = {(r["编号" if zh else "ID"], r["指标编号" if zh else "Item ID"]): r for r in detail}
    items = {i["id"]: i for i in doc["items"]}
    for unit in doc["units"]:
        for item_id, entry in unit["items"].items():
            row = by_key[(unit["id"], item_id)]
            assert row["得分" if zh else "Points"] == entry["points"]
            assert row["计入总分" if zh else "Counts"] == entry["score"]
            assert row["占总分" if zh else "Share of total"] == entry["weight"]
            assert row["原始值" if zh else "Value"] == entry["value"]
            assert row["满分" if zh else "Max points"] == items[item_id]["max_points"]
            assert row["计分规则" if zh else "Rule"] == items[item_id]["rule"]
            assert (row["缺失" if zh else "Missing"] is not None) == ("missing" in entry)

    explanations = table(book.worksheets[2])
    for unit in doc["units"]:
        lines = [r for r in explanations if r["编号" if zh else "ID"] == unit["id"]]
        expected = [line.strip(" ") for line in ev.explain(unit["id"], lang)[1:]]
        assert [r["得分说明" if zh else "Explanation"] for r in lines] == expected

    grades = table(book.worksheets[3])
    counts = {g: sum(u["grade"] == g for u in doc["units"]) for g in labels}
    for row in grades[:-1]:
        code = row["等次代码" if zh else "Grade code"]
        assert row["单位数" if zh else "Units"] == counts[code]
        assert row["占比" if zh else "Share"] == pytest.approx(counts[code] / len(doc["units"]))
    assert grades[-1]["单位数" if zh else "Units"] == len(doc["units"])


def test_numbers_are_numbers_with_the_scorecards_decimals():
    book = load(render(evaluate_example(QUICKSTART_ARGS), "xlsx"))
    summary = book.worksheets[0]
    total = summary.cell(row=2, column=summary.max_column - 2)
    assert summary.cell(row=1, column=summary.max_column - 2).value == "总分"
    assert isinstance(total.value, (int, float)) and total.data_type == "n"
    assert total.number_format == "0.00"
    assert summary.cell(row=2, column=1).number_format == "0"


def test_frozen_headers_and_widths_that_fit_chinese_text(quickstart_eval):
    book = load(render(quickstart_eval, "xlsx"))
    assert [ws.freeze_panes for ws in book.worksheets] == ["D2", "D2", "D2", "A2", "A2", "D2", None]
    summary = book.worksheets[0]
    longest = max(len(summary.cell(row=r, column=3).value) for r in range(2, summary.max_row + 1))
    assert summary.column_dimensions["C"].width >= 2 * longest  # Chinese characters count double
    assert summary.column_dimensions["A"].width < 10
    assert summary.auto_filter.ref == f"A1:{summary.cell(row=1, column=summary.max_column).column_letter}{summary.max_row}"


NASTY = ["=1+2", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"y\")", "#N/A",
         "<b>&amp;</b>", "  leading spaces", "a\x00b"]


def test_text_that_looks_like_a_formula_stays_text():
    names = NASTY + [f"单位{i}" for i in range(4)]
    records = [{"unit": "S00000", "item": "honours", "points": 1, "reason": "=cmd()", "evidence": "@evidence"}]
    ev = synthetic(len(names), names=names, adjustments=records)
    content = render(ev, "xlsx")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = load(content)
    summary = book.worksheets[0]
    cells = {summary.cell(row=r, column=3).value: summary.cell(row=r, column=3) for r in range(2, summary.max_row + 1)}
    for name in NASTY:
        expected = name.replace("\x00", "\ufffd")
        cell = cells[expected]
        assert isinstance(cell.value, str) and cell.data_type == "s", name
        assert cell.value == expected
        assert cell.quotePrefix == is_risky(expected), name  # Excel keeps it text even when edited
    adjust = table(book["加减分与否决"])
    assert adjust[0]["事由"] == "=cmd()" and adjust[0]["佐证"] == "@evidence"


def test_two_renders_are_byte_identical_and_carry_no_clock_time(quickstart_eval, monkeypatch):
    first = render(quickstart_eval, "xlsx")
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # another day, another second
    second = render(quickstart_eval, "xlsx")
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:\w+ [^>]*>([^<]+)<", core) == ["2000-01-01T00:00:00Z"] * 2
    book = load(first)
    assert book.properties.created.year == 2000 and book.properties.modified.year == 2000


def test_the_same_run_in_another_process_gives_the_same_bytes(tmp_path):
    """Another process, hash seed and time zone, and later: still the same bytes."""
    import subprocess
    import sys

    from evalkit.cli import main

    out = tmp_path / "a.xlsx"
    assert main(["run", *QUICKSTART_ARGS, "--format", "xlsx", "-o", str(out)]) == 0
    other = tmp_path / "b.xlsx"
    script = "import sys; from evalkit.cli import main; sys.exit(main(sys.argv[1:]))"
    subprocess.run([sys.executable, "-c", script, "run", *QUICKSTART_ARGS, "--format", "xlsx", "-o", str(other)],
                   check=True, capture_output=True, env={"PYTHONHASHSEED": "123", "TZ": "Asia/Shanghai", "PATH": "/usr/bin:/bin"})
    assert out.read_bytes() == other.read_bytes()


def test_writer_rejects_bad_sheet_names_and_keeps_wide_numbers_exact():
    book = Workbook()
    with pytest.raises(ValueError):
        book.add_sheet("a/b", [Column("x")], [])
    values = [0.1 + 0.2, 1e-7, 123456789.123456789, 2**53 + 2.0, -0.5, float("nan"), 7]
    book.add_sheet("n", [Column("v", Style(num_format="0.00"))], [[v] for v in values])
    sheet = load(book.to_bytes())["n"]
    read = [sheet.cell(row=r, column=1).value for r in range(2, 2 + len(values))]
    assert read[:5] == values[:5] and read[5] is None and read[6] == 7


def test_rows_beyond_a_sheets_limit_continue_on_another_sheet(monkeypatch):
    monkeypatch.setattr(Workbook, "max_rows", 4)  # a header and three rows per sheet
    book = Workbook()
    book.add_sheet("明细", [Column("n")], [[k] for k in range(7)])
    loaded = load(book.to_bytes())
    assert loaded.sheetnames == ["明细", "明细 (2)", "明细 (3)"]
    assert [[c.value for c in ws["A"]] for ws in loaded.worksheets] == [["n", 0, 1, 2], ["n", 3, 4, 5], ["n", 6]]
