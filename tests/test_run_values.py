"""Values from another run: an indicator whose values are each unit's rank, total or grade in an exported
result (排名靠后 in another assessment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evalkit
from evalkit.cli import main

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart"
SCORECARD = """\
id: annual
name: 年度考核
period: "2025"
indicators:
  - {id: party_rank, name: 党建考核排名, direction: lower, from_run: {file: party.json, field: rank}}
  - {id: party_grade, name: 党建考核等次, direction: lower, from_run: {file: party.json, field: grade_position}}
  - {id: work, name: 业务工作}
dimensions:
  - {id: w, name: 业务工作, max_points: 90, indicator: work, rule: {name: linear, params: {lower: 0, upper: 100}}}
  - id: p
    name: 党建
    max_points: 10
    indicators: [party_rank, party_grade]
    rule:
      name: clauses
      params:
        clauses:
          - {id: low_rank, text: 党建考核排名后三名, when: {indicator: party_rank, above: 9}, points: 5}
          - {id: poor, text: 党建考核等次为较差, when: {indicator: party_grade, at_least: 4}, points: 5}
"""


@pytest.fixture()
def annual(tmp_path, capsys):
    args = ["run", QUICKSTART / "scorecard.yaml", "--data", QUICKSTART / "data.csv", "--units", QUICKSTART / "units.csv",
            "--adjustments", QUICKSTART / "adjustments.csv", "--format", "json", "--no-store", "-o", tmp_path / "party.json"]
    assert main([str(a) for a in args]) == 0
    capsys.readouterr()
    (tmp_path / "annual.yaml").write_text(SCORECARD, encoding="utf-8")
    ids = [line.split(",")[0] for line in (QUICKSTART / "units.csv").read_text(encoding="utf-8").splitlines()[1:]]
    (tmp_path / "data.csv").write_text("unit,indicator,period,value\n" + "".join(f"{u},work,2025,80\n" for u in ids),
                                       encoding="utf-8")
    return tmp_path


def test_an_indicator_takes_each_units_rank_and_grade_from_another_run(annual):
    party = json.loads((annual / "party.json").read_text(encoding="utf-8"))
    rank = {u["id"]: u["rank"] for u in party["units"]}
    grade = {u["id"]: u["grade"] for u in party["units"]}
    ev = evalkit.evaluate_files(evalkit.InputFiles(annual / "annual.yaml", units=QUICKSTART / "units.csv",
                                                   data=[annual / "data.csv"]))
    positions = [g["grade"] for g in party["grades"]]
    for uid in rank:
        item = ev.unit(uid).items["p"]
        assert item.value == (rank[uid], positions.index(grade[uid]) + 1)
        expected = 10 - (5 if rank[uid] > 9 else 0) - (5 if grade[uid] == "poor" else 0)
        assert item.points == expected


def test_a_missing_or_foreign_result_file_is_reported(annual, capsys):
    (annual / "party.json").unlink()
    args = ["run", annual / "annual.yaml", "--data", annual / "data.csv", "--units", QUICKSTART / "units.csv", "--no-store"]
    assert main([str(a) for a in args]) == 5
    assert "party.json: file not found" in capsys.readouterr().err
    (annual / "party.json").write_text('{"units": []}', encoding="utf-8")
    assert main([str(a) for a in args]) == 3
    assert "not an evalkit result" in capsys.readouterr().err


def test_a_field_a_run_does_not_have_is_a_definition_error(annual, capsys):
    (annual / "annual.yaml").write_text(SCORECARD.replace("field: rank", "field: position"), encoding="utf-8")
    assert main(["validate", str(annual / "annual.yaml")]) == 2
    assert "$.indicators[0].from_run.field" in capsys.readouterr().err
