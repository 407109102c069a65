"""The methods' commands (ahp, rank, sensitivity, fuzzy, delphi) driven through the public library API alone.

Each test calls the library function a command calls and compares its `to_dict()` (and CSV) with what
the command prints, so an integrator gets exactly the CLI's documents from Python.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import evalkit
from evalkit.analysis.sensitivity import SensitivityReport, sensitivity_of, sensitivity_settings
from evalkit.cli import main
from evalkit.errors import DataError, DefinitionError, UsageError
from evalkit.io.inputs import read_table
from evalkit.methods.ahp_report import ahp_from_file
from evalkit.methods.delphi_report import delphi_from_file
from evalkit.methods.fuzzy_report import fuzzy_from_files, parse_grades
from evalkit.methods.inputs import ballots_from_table, read_ballots, read_delphi_scores
from evalkit.methods.matrix_input import read_matrix
from evalkit.methods.rank_report import rank_units
from evalkit.methods.weight_input import Notice, read_ahp_matrix, read_weights_file, weights_from_text
from evalkit.scoring.adjustments import read_adjustments

from .conftest import EXAMPLES

AHP = EXAMPLES / "ahp"
QUICK = EXAMPLES / "quickstart"
CRITERIA = ["政治建设", "思想建设", "组织建设", "作风建设"]


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys, *argv) -> dict:
    code, out, err = cli(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# ------------------------------------------------------------------------------------------------
# ahp


@pytest.mark.parametrize("options", [{}, {"method": "geometric", "ri_table": "alonso_lamata"}, {"threshold": 0.05}])
def test_ahp_from_file_is_the_json_of_evalkit_ahp(capsys, options):
    report = ahp_from_file(AHP / "criteria.yaml", **options)
    argv = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    assert report.to_dict() == cli_json(capsys, "ahp", AHP / "criteria.yaml", *argv)
    assert report.warning is None and report.worst is None and report.names == tuple(CRITERIA)
    assert report.ranks.tolist() == [1, 3, 2, 4]


def test_an_inconsistent_matrix_has_a_warning_and_the_judgement_to_revisit(capsys, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("labels: [甲, 乙, 丙]\nmatrix:\n  - [1, 9, \"1/9\"]\n  - [\"1/9\", 1, 9]\n  - [9, \"1/9\", 1]\n", encoding="utf-8")
    report = ahp_from_file(f)
    assert report.to_dict() == cli_json(capsys, "ahp", f)
    assert report.worst is not None and report.warning is not None and report.worst.describe() in report.warning
    f.write_text("matrix: [[1, 2], [two, 1]]\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as exc:
        read_ahp_matrix(f)
    assert exc.value.problems[0].line == 1 and exc.value.problems[0].path == "$.matrix[1][0]"


# ------------------------------------------------------------------------------------------------
# rank


@pytest.mark.parametrize("argv, kwargs", [
    (["--method", "topsis", "--weights-file", AHP / "criteria.yaml", "--check-reversal"],
     {"method": "topsis", "weights_file": AHP / "criteria.yaml", "check_reversal": True}),
    (["--method", "vikor", "--weights", "critic", "--direction", "higher,higher,higher,lower"],
     {"method": "vikor", "weights": "critic", "direction": "higher,higher,higher,lower"}),
    (["--method", "grey", "--weights", "40,20,30,10", "--rho", "0.3", "--remove", "县委办公室党支部"],
     {"method": "grey", "weights": "40,20,30,10", "rho": 0.3, "remove": ["县委办公室党支部"]}),
    (["--method", "saw", "--weights", "1/2,1/2", "--criteria", "作风建设,政治建设", "--normalization", "max"],
     {"method": "saw", "weights": "1/2,1/2", "criteria": "作风建设,政治建设", "normalization": "max"}),
])
def test_rank_units_is_the_json_of_evalkit_rank(capsys, registry, argv, kwargs):
    method = kwargs.pop("method")
    report = rank_units(AHP / "units_matrix.csv", registry, method, **kwargs)
    assert report.to_dict() == cli_json(capsys, "rank", AHP / "units_matrix.csv", *argv)
    code, out, _ = cli(capsys, "rank", AHP / "units_matrix.csv", *argv, "--format", "csv")
    assert code == 0 and report.to_csv() == out


def test_rank_units_takes_weights_as_numbers_and_names_from_a_units_file(capsys, registry, tmp_path):
    data = tmp_path / "m.csv"
    data.write_text("unit,a,b\nX,1,2\nY,2,1\nZ,3,3\n", encoding="utf-8")
    units = tmp_path / "units.csv"
    units.write_text("id,name\nX,甲\nY,乙\nZ,丙\n", encoding="utf-8")
    seen: list[Notice] = []
    report = rank_units(data, registry, "saw", weights=[1, 3], normalize_weights=True, units=units, notify=seen.append)
    assert report.weights.tolist() == [0.25, 0.75] and report.weights_from == "weights"
    assert report.notices == tuple(seen) and seen[0].kind == "note" and "summed to 4" in seen[0].text
    doc = cli_json(capsys, "rank", data, "--method", "saw", "--weights", "1,3", "--normalize-weights", "--units", units)
    assert report.to_dict() == dict(doc, weights_from="weights")
    assert [u["name"] for u in doc["units"]] == ["丙", "甲", "乙"]
    with pytest.raises(UsageError):
        rank_units(data, registry, "topsis", weights="entropy", rho=0.3)
    with pytest.raises(DefinitionError):
        rank_units(data, registry, "saw", weights=[1, 1])  # sums to 2


def test_the_weights_and_matrix_readers(registry, tmp_path):
    f = tmp_path / "w.yaml"
    f.write_text("weights:\n  b: 0.75\n  a: 0.25\n", encoding="utf-8")
    given = read_weights_file(f, ["a", "b"])
    assert given.weights.tolist() == [0.25, 0.75] and given.described == str(f)
    from_ahp = read_weights_file(AHP / "criteria.yaml", CRITERIA)
    assert from_ahp.weights.tolist() == ahp_from_file(AHP / "criteria.yaml").result.weights.tolist()
    assert weights_from_text("B=3，A=1", ["a", "b"], normalize=True, named=True).tolist() == [0.25, 0.75]
    dm = read_matrix(AHP / "units_matrix.csv", registry)
    assert dm.criteria == tuple(CRITERIA) and dm.values.shape == (12, 4)


# ------------------------------------------------------------------------------------------------
# sensitivity


def quickstart_inputs(registry):
    scorecard = evalkit.load_scorecard(QUICK / "scorecard.yaml", registry)
    units = evalkit.load_units(QUICK / "units.csv", registry)
    data = evalkit.load_data(QUICK / "data.csv", units, scorecard)
    return scorecard, units, data


@pytest.mark.parametrize("argv, settings, extra", [
    (["--samples", "200", "--remove", "U06", "--remove", "U11"], {"samples": 200}, {"remove": ["U06", "U11"]}),
    (["--samples", "50", "--mode", "percent", "--percent", "5", "--level", "all", "--lang", "en"],
     {"samples": 50, "mode": "percent", "percent": 5.0, "level": "all"}, {"lang": "en"}),
    (["--samples", "20", "--concentration", "inf", "--seed", "3"], {"samples": 20, "concentration": float("inf"), "seed": 3}, {}),
])
def test_sensitivity_of_is_the_json_of_evalkit_sensitivity(capsys, registry, argv, settings, extra):
    scorecard, _, data = quickstart_inputs(registry)
    report = sensitivity_of(scorecard, data, settings=sensitivity_settings(**settings), **extra)
    assert isinstance(report, SensitivityReport)
    expected = cli_json(capsys, "sensitivity", QUICK / "scorecard.yaml", "--data", QUICK / "data.csv",
                        "--units", QUICK / "units.csv", *argv)
    assert report.to_dict() == expected


def test_sensitivity_of_with_adjustments_and_bad_options(capsys, registry):
    scorecard, units, data = quickstart_inputs(registry)
    records = read_adjustments(read_table(QUICK / "adjustments.csv", registry), units.ids, scorecard)
    report = sensitivity_of(scorecard, data, records, sensitivity_settings(samples=100))
    expected = cli_json(capsys, "sensitivity", QUICK / "scorecard.yaml", "--data", QUICK / "data.csv",
                        "--units", QUICK / "units.csv", "--adjustments", QUICK / "adjustments.csv", "--samples", "100")
    assert report.to_dict() == expected
    with pytest.raises(UsageError):
        sensitivity_settings(mode="percent", concentration=50)
    with pytest.raises(UsageError, match="U99"):
        sensitivity_of(scorecard, data, remove=["U99"])


# ------------------------------------------------------------------------------------------------
# fuzzy and delphi


@pytest.mark.parametrize("argv, kwargs", [
    (["--weights-file", AHP / "criteria.yaml", "--grade-values", "95,85,70,50"],
     {"weights_file": AHP / "criteria.yaml", "grade_values": "95,85,70,50"}),
    (["--weights", "作风建设=10，政治建设=40, 组织建设=30,思想建设=20", "--operator", "max_min"],
     {"weights": "作风建设=10，政治建设=40, 组织建设=30,思想建设=20", "operator": "max_min"}),
])
def test_fuzzy_from_files_is_the_json_of_evalkit_fuzzy(capsys, registry, argv, kwargs):
    report = fuzzy_from_files(AHP / "fuzzy_ballots.csv", registry, **kwargs)
    assert report.to_dict() == cli_json(capsys, "fuzzy", AHP / "fuzzy_ballots.csv", *argv)
    code, out, _ = cli(capsys, "fuzzy", AHP / "fuzzy_ballots.csv", *argv, "--format", "csv")
    assert code == 0 and report.to_csv() == out


def test_fuzzy_from_files_takes_grades_values_and_weights_as_python_values(capsys, registry):
    report = fuzzy_from_files(AHP / "fuzzy_ballots.csv", registry, weights=[0.4, 0.2, 0.3, 0.1], grade_values=[95, 85, 70, 50])
    doc = cli_json(capsys, "fuzzy", AHP / "fuzzy_ballots.csv", "--weights", "0.4,0.2,0.3,0.1", "--grade-values", "95,85,70,50")
    assert report.to_dict() == dict(doc, weights_from="weights")
    assert parse_grades(["A", "B", "C"]) == ("A", "B", "C")
    with pytest.raises(DefinitionError):
        parse_grades(["A", "a"])


def test_the_ballots_reader(registry, tmp_path):
    ballots = read_ballots(AHP / "fuzzy_ballots.csv", registry)
    assert ballots.criteria == tuple(CRITERIA) and ballots.counted and ballots.counts.shape[1:] == (4, 4)
    table = evalkit.Table(source="mem", columns=("票号", "单位", "指标", "等次"),
                          rows=(("1", "a", "x", "优秀"), ("2", "a", "x", "良好"), ("1", "a", "x", "一般")), row_numbers=(2, 3, 4))
    with pytest.raises(DataError) as exc:
        ballots_from_table(table)
    assert str(exc.value.problems[0]) == ("mem, row 4, column '票号': the ballot '1' grades the unit 'a' on the criterion 'x' "
                                          "twice (expected one grade per ballot, unit and criterion; found also at row 2)")
    one = ballots_from_table(evalkit.Table(source="mem", columns=table.columns, rows=table.rows[:2], row_numbers=(2, 3)))
    assert not one.counted and one.counts.tolist() == [[[1.0, 1.0, 0.0, 0.0]]]


@pytest.mark.parametrize("ddof", [0, 1])
def test_delphi_from_file_is_the_json_of_evalkit_delphi(capsys, registry, ddof):
    report = delphi_from_file(AHP / "delphi_round1.csv", registry, 5, ddof=ddof)
    assert report.to_dict() == cli_json(capsys, "delphi", AHP / "delphi_round1.csv", "--full-mark", "5", "--ddof", ddof)
    code, out, _ = cli(capsys, "delphi", AHP / "delphi_round1.csv", "--full-mark", "5", "--ddof", ddof, "--format", "csv")
    assert code == 0 and report.to_csv() == out
    scores = read_delphi_scores(AHP / "delphi_round1.csv", registry, 5)
    assert scores.layout == "wide" and np.array_equal(scores.scores, report.scores.scores)
