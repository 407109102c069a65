"""Values from another run: an indicator whose values are each unit's rank, total or grade in an exported
result (排名靠后 in another assessment)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
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


def stored(annual, store_spec: str) -> Path:
    """The annual scorecard reading the party run from a history store instead of the exported file."""
    text = SCORECARD.replace("from_run: {file: party.json, field: rank}", "from_run: {" + store_spec + "field: rank}")
    text = text.replace("from_run: {file: party.json, field: grade_position}",
                        "from_run: {" + store_spec + "field: grade_position}")
    (annual / "stored.yaml").write_text(text, encoding="utf-8")
    return annual / "stored.yaml"


def expected_points(party) -> dict[str, float]:
    return {u["id"]: 10 - (5 if u["rank"] > 9 else 0) - (5 if u["grade"] == "poor" else 0) for u in party["units"]}


def test_an_indicator_takes_its_values_from_a_run_of_the_history_store(annual, monkeypatch):
    from evalkit.store.history import Store

    party = json.loads((annual / "party.json").read_text(encoding="utf-8"))
    with Store.open(annual / "history.db") as store:
        store.add(party)  # run 1
    files = evalkit.InputFiles(stored(annual, "store: history.db, scorecard: quickstart-2025, run: latest, "),
                               units=QUICKSTART / "units.csv", data=[annual / "data.csv"])
    ev = evalkit.evaluate_files(files)
    assert {uid: ev.unit(uid).items["p"].points for uid in ev.units.ids} == expected_points(party)
    # run: N, and the store from $EVALKIT_STORE (the default)
    monkeypatch.setenv("EVALKIT_STORE", str(annual / "history.db"))
    files = attrs.evolve(files, scorecard=str(stored(annual, "run: 1, ")))
    assert evalkit.evaluate_files(files).unit("U01").items["p"].points == expected_points(party)["U01"]


def test_a_run_the_store_does_not_have_and_an_unset_store_are_reported(annual, capsys, monkeypatch):
    from evalkit.store.history import Store

    with Store.open(annual / "history.db") as store:
        store.add(json.loads((annual / "party.json").read_text(encoding="utf-8")))
    args = ["run", str(stored(annual, "store: history.db, run: 7, ")), "--data", str(annual / "data.csv"),
            "--units", str(QUICKSTART / "units.csv"), "--no-store"]
    assert main(args) == 3
    assert "no run 7 in the history store" in capsys.readouterr().err
    monkeypatch.delenv("EVALKIT_STORE", raising=False)
    args[1] = str(stored(annual, "run: 1, "))
    assert main(args) == 6
    assert "which is not set" in capsys.readouterr().err
    (annual / "bad.yaml").write_text(SCORECARD.replace("{file: party.json, field: rank}", "{store: h.db, field: rank}"),
                                     encoding="utf-8")
    assert main(["validate", str(annual / "bad.yaml")]) == 2
    assert "$.indicators[0].from_run: from_run takes the latest stored run, and does not say of which scorecard" \
        in capsys.readouterr().err


def test_evaluate_fills_in_from_run_values_for_data_given_in_memory(annual):
    party = json.loads((annual / "party.json").read_text(encoding="utf-8"))
    sc = evalkit.load_scorecard(annual / "annual.yaml")
    ids = [u["id"] for u in party["units"]]
    ev = evalkit.evaluate(sc, {"work": dict.fromkeys(ids, 80)}, units=ids)
    assert {uid: ev.unit(uid).items["p"].points for uid in ids} == expected_points(party)
