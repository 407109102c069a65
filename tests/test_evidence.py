"""Evidence (佐证) on data values: the data file's evidence column is kept per value, and an indicator's
`evidence` says whether a value without it is flagged or not counted."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import evalkit
from evalkit.cli import main

RESULT_SCHEMA = json.loads((Path(evalkit.__file__).parent / "schemas" / "result.schema.json").read_text(encoding="utf-8"))
SCORECARD = """\
id: ev
name: 佐证
period: "2025"
indicators:
  - {id: meetings, name: 三会一课次数, evidence: not_counted}
  - {id: study, name: {zh: 学习时长, en: Study hours}, evidence: flag}
  - {id: visits, name: 走访次数}
dimensions:
  - {id: m, name: 三会一课, max_points: 40, indicator: meetings, rule: {name: linear, params: {lower: 0, upper: 12}}}
  - {id: s, name: 学习, max_points: 40, indicator: study, rule: {name: linear, params: {lower: 0, upper: 40}}}
  - {id: v, name: 走访, max_points: 20, indicator: visits, rule: {name: linear, params: {lower: 0, upper: 4}}}
"""
DATA = """\
unit,indicator,period,value,佐证
a,meetings,2025,12,会议记录 2025-01至12
a,study,2025,40,
a,visits,2025,4,
b,meetings,2025,12,
b,study,2025,20,学习档案 B-7
b,visits,2025,2,sha256:9f2c
"""


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "sc.yaml").write_text(SCORECARD, encoding="utf-8")
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    (tmp_path / "units.csv").write_text("id,name\na,A\nb,B\n", encoding="utf-8")
    return evalkit.InputFiles(tmp_path / "sc.yaml", units=tmp_path / "units.csv", data=[tmp_path / "data.csv"])


def test_a_value_without_evidence_is_not_counted_or_flagged_as_the_indicator_says(files):
    ev = evalkit.evaluate_files(files)
    # b's 12 meetings have no evidence and meetings is not_counted: missing, scored 0 (missing: zero)
    assert ev.unit("b").items["m"].points == 0 and ev.unit("b").items["m"].missing
    # a's 40 study hours have no evidence and study is flag: counted (40 of 40 points), flagged
    assert ev.unit("a").items["s"].points == 40 and ev.unit("a").total == 100
    doc = ev.to_dict()
    jsonschema.validate(doc, RESULT_SCHEMA)
    a, b = sorted(doc["units"], key=lambda u: u["id"])
    assert a["items"]["m"]["evidence"] == {"meetings": "会议记录 2025-01至12"}
    assert a["items"]["s"]["without_evidence"] == {"study": "flag"}
    assert "without_evidence" not in a["items"]["v"] and "evidence" not in a["items"]["v"]  # visits asks for none
    assert b["items"]["m"]["without_evidence"] == {"meetings": "not_counted"}
    assert b["items"]["v"]["evidence"] == {"visits": "sha256:9f2c"}
    assert "三会一课次数 的数值未附佐证，按规定不计入" in ev.explanation("b", lang="zh").text()
    assert "Study hours: the value has no evidence (flagged)" in ev.explanation("a", lang="en").text()


def test_evidence_is_in_the_scorecard_schema_and_a_wrong_value_is_refused(tmp_path, capsys):
    path = tmp_path / "sc.yaml"
    path.write_text(SCORECARD.replace("evidence: flag", "evidence: maybe"), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "$.indicators[1].evidence: not an accepted value" in err and "one of optional, flag, not_counted" in err
    assert main(["schema"]) == 0
    assert "not_counted" in capsys.readouterr().out


def test_without_an_evidence_column_nothing_changes_but_required_evidence_is_missing(tmp_path, files):
    (tmp_path / "data.csv").write_text("\n".join(line.rsplit(",", 1)[0] for line in DATA.splitlines()) + "\n",
                                       encoding="utf-8")
    ev = evalkit.evaluate_files(files)
    assert ev.unit("a").items["m"].missing and ev.unit("b").items["m"].missing  # no evidence at all: not counted
    assert ev.unit("a").items["v"].points == 20  # an indicator that asks for no evidence is untouched


def test_the_reports_note_values_given_without_evidence(files):
    from evalkit.reporters.base import ReportOptions
    from evalkit.reporters.markdown import render_markdown

    text = render_markdown(evalkit.evaluate_files(files), ReportOptions(lang="zh"))
    a_row = next(line for line in text.splitlines() if line.startswith("| 1 | a |"))
    b_row = next(line for line in text.splitlines() if "| b |" in line)
    assert "未附佐证：学习时长" in a_row and "未附佐证：三会一课次数" in b_row


def test_the_xlsx_item_detail_and_the_html_unit_sections_show_the_evidence_references(files, tmp_path):
    import openpyxl

    from evalkit.reporters.base import ReportOptions
    from evalkit.reporters.html import render_html
    from evalkit.reporters.xlsx import render_xlsx

    ev = evalkit.evaluate_files(files)
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(ev, ReportOptions(lang="zh")))
    sheet = openpyxl.load_workbook(path)["指标明细"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][-1] == "佐证"
    by_key = {(r[1], r[4]): r[-1] for r in rows[1:]}
    assert by_key[("a", "m")] == "会议记录 2025-01至12" and by_key[("b", "v")] == "sha256:9f2c"
    assert by_key[("a", "s")] == "未附佐证" and by_key[("a", "v")] is None
    html = render_html(ev, ReportOptions(lang="zh"))
    assert "<li>三会一课：会议记录 2025-01至12</li>" in html and "<li>走访：sha256:9f2c</li>" in html
    assert "<li>学习：未附佐证</li>" in html
