"""Self and superior assessment declared in the scorecard (sources:) and scored from the command line:
data rows name their assessor, the combined values are scored, and every output shows each source's total
and the 自评虚高 flag (docs/examples/self-superior)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

import evalkit
from evalkit.cli import main

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "self-superior"
RESULT_SCHEMA = json.loads((Path(evalkit.__file__).parent / "schemas" / "result.schema.json").read_text(encoding="utf-8"))


@pytest.fixture()
def folder(tmp_path):
    for name in ("scorecard.yaml", "data.csv", "units.csv"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path


def args(folder: Path, *extra: str) -> list[str]:
    return [str(folder / "scorecard.yaml"), "--data", str(folder / "data.csv"), "--units", str(folder / "units.csv"), *extra]


def test_run_scores_the_weighted_values_and_the_json_has_each_sources_total(folder, capsys):
    assert main(["run", *args(folder, "--format", "json")]) == 0
    doc = json.loads(capsys.readouterr().out)
    jsonschema.validate(doc, RESULT_SCHEMA)
    units = {u["id"]: u for u in doc["units"]}
    # b: meetings 0.3 x 12 + 0.7 x 6 = 7.8 -> 39 of 60; study 0.3 x 40 + 0.7 x 20 = 26 -> 26 of 40
    assert units["b"]["total"] == 65 and units["b"]["grade"] == "average"
    # c: the superior gave no meetings value, so self's 6 stands alone (30 of 60); study 20 -> 20
    assert units["c"]["total"] == 50
    assert units["b"]["source_totals"] == {"self": 100, "superior": 50}
    assert (units["b"]["self_gap"], units["b"]["self_overrated"]) == (50, True)
    assert (units["a"]["self_gap"], units["a"]["self_overrated"]) == (0, False)
    assert doc["assessment_sources"] == {"method": "weights", "sources": ["self", "superior"], "self": "self",
                                         "superior": "superior", "gap": 10}


def test_explain_names_the_sources_and_the_overrated_self_assessment(folder, capsys):
    assert main(["explain", *args(folder)[:1], "b", *args(folder)[1:]]) == 0
    out = capsys.readouterr().out
    assert "各方评分：自评 100，上级考评 50" in out and "自评虚高：自评比上级考评高 50 分（≥ 10 分）" in out
    assert main(["explain", *args(folder)[:1], "b", *args(folder)[1:], "--lang", "en"]) == 0
    assert "by source: self-assessment 100, superior's assessment 50" in capsys.readouterr().out


def test_override_lets_the_superior_win_where_it_gave_a_value(folder):
    text = (folder / "scorecard.yaml").read_text(encoding="utf-8").replace("combine: weights", "combine: override\n  order: [superior, self]")
    (folder / "scorecard.yaml").write_text(text, encoding="utf-8")
    ev = evalkit.evaluate_files(evalkit.InputFiles(folder / "scorecard.yaml", units=folder / "units.csv",
                                                   data=[folder / "data.csv"]))
    assert ev.unit("b").total == 50  # the superior's 6 meetings and 20 hours
    assert ev.unit("c").items["m"].value == 6  # no superior value: the self-assessment's stands
    assert ev.to_dict()["assessment_sources"]["method"] == "override"


def test_the_reports_show_each_sources_total_and_the_flag(folder, tmp_path):
    import openpyxl

    from evalkit.reporters.base import ReportOptions
    from evalkit.reporters.html import render_html
    from evalkit.reporters.markdown import render_markdown
    from evalkit.reporters.xlsx import render_xlsx

    ev = evalkit.evaluate_files(evalkit.InputFiles(folder / "scorecard.yaml", units=folder / "units.csv",
                                                   data=[folder / "data.csv"]))
    md = render_markdown(ev, ReportOptions(lang="zh"))
    assert "## 各方评分（自评与考评）" in md and "| 2 | b | 第二党支部 | 65 | 100 | 50 | 50 | 自评虚高 |" in md
    html = render_html(ev, ReportOptions(lang="en"))
    assert '<section id="assessors">' in html and "self-assessment overrated" in html
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(ev, ReportOptions(lang="zh")))
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(path)["自评与考评"].iter_rows()]
    assert rows[0] == ["排名", "编号", "单位", "综合得分", "自评", "上级考评", "自评高出", "自评虚高"]
    assert rows[2] == [2, "b", "第二党支部", 65, 100, 50, 50, "自评虚高"]


def test_an_unknown_source_is_an_error_naming_the_row(folder, capsys):
    data = folder / "data.csv"
    data.write_text(data.read_text(encoding="utf-8").replace("c,study,2025,20,superior", "c,study,2025,20,组织部"),
                    encoding="utf-8")
    assert main(["run", *args(folder)]) == 3
    err = capsys.readouterr().err
    assert "row 12, column '来源': unknown assessment source '组织部'" in err and "expected one of self, superior" in err


def test_data_without_a_source_column_is_an_error_with_a_hint(folder, capsys):
    data = folder / "data.csv"
    data.write_text("\n".join(line.rsplit(",", 1)[0] for line in data.read_text(encoding="utf-8").splitlines()) + "\n",
                    encoding="utf-8")
    assert main(["run", *args(folder)]) == 3
    err = capsys.readouterr().err
    assert "the data has no source column" in err and "or remove sources: from the scorecard" in err


@pytest.mark.parametrize(("edit", "message"), [
    ("weight: 0.3}", "needs a weight"),
    ("gap: 10", "gap: 10\n  self: group"),
])
def test_a_bad_sources_block_is_a_definition_error(folder, capsys, edit, message):
    path = folder / "scorecard.yaml"
    text = path.read_text(encoding="utf-8")
    if edit.startswith("weight"):
        text = text.replace(", weight: 0.3}", "}")
        expected = "$.sources.assessors[0].weight: the assessor 'self' needs a weight (combine: weights)"
    else:
        text = text.replace(edit, message)
        expected = "$.sources.self: unknown assessor 'group'"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert expected in capsys.readouterr().err


def test_sources_are_in_the_scorecard_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["sources"]["properties"]["combine"]["enum"] == ["weights", "override"]


def test_the_evidence_of_every_source_is_kept(folder):
    data = folder / "data.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    lines[0] += ",佐证"
    lines = [lines[0]] + [line + ("," + ("自评材料" if "自评" in line else "考评记录") if line.startswith("b,meetings") else ",")
                          for line in lines[1:]]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ev = evalkit.evaluate_files(evalkit.InputFiles(folder / "scorecard.yaml", units=folder / "units.csv", data=[data]))
    assert ev.unit_dict("b")["items"]["m"]["evidence"] == {"meetings": "自评材料; 考评记录"}
    assert "evidence" not in ev.unit_dict("a")["items"]["m"]


def test_evaluate_takes_one_data_set_per_declared_source():
    from evalkit.errors import DataError
    from evalkit.io.data import DataSet, Units

    sc = evalkit.load_scorecard(EXAMPLE / "scorecard.yaml")
    units = Units.from_ids(["a", "b"])
    own = DataSet.from_columns(units, {"meetings": [12, 12], "study": [40, 40]}, period="2025")
    superior = DataSet.from_columns(units, {"meetings": [12, 6], "study": [40, 20]}, period="2025")
    ev = evalkit.evaluate(sc, {"self": own, "superior": superior})
    assert ev.unit("b").total == 65 and ev.to_dict()["units"][1]["self_overrated"] is True
    with pytest.raises(DataError, match="one set of values"):
        evalkit.evaluate(sc, own)
    with pytest.raises(DataError, match="not the scorecard's"):
        evalkit.evaluate(sc, {"self": own, "group": superior})
