"""`evalkit ahp`, `evalkit rank` and `evalkit sensitivity`, run in-process: exit codes, output keys, messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evalkit.cli import main
from evalkit.methods import ahp

from ..conftest import EXAMPLES

AHP = EXAMPLES / "ahp"
QUICK = EXAMPLES / "quickstart"
SENS = ["sensitivity", str(QUICK / "scorecard.yaml"), "--data", str(QUICK / "data.csv"), "--units", str(QUICK / "units.csv")]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------------------------------------
# ahp


def test_ahp_example_json(capsys):
    code, out, err = run(capsys, "ahp", AHP / "criteria.yaml", "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    for key in ("weights", "lambda_max", "ci", "cr", "consistent", "method", "ri_table", "labels"):
        assert key in doc
    assert doc["labels"] == ["政治建设", "思想建设", "组织建设", "作风建设"]
    assert sum(doc["weights"]) == pytest.approx(1.0, abs=1e-12)
    assert doc["consistent"] is True and doc["cr"] < 0.1 and doc["worst_judgement"] is None
    assert (doc["method"], doc["ri_table"]) == ("eigen", "saaty")
    assert max(doc["weights"]) == doc["weights"][0]  # 政治建设 leads


def test_ahp_example_text_names_the_figures_in_both_languages(capsys):
    code, out, _ = run(capsys, "ahp", AHP / "criteria.yaml")
    assert code == 0
    for text in ("政治建设", "0.4673", "一致性比率 CR", "lambda_max", "通过一致性检验 consistent"):
        assert text in out


def test_ahp_method_and_table_options(capsys, tmp_path):
    code, out, _ = run(capsys, "ahp", AHP / "criteria.yaml", "--method", "geometric", "--ri-table", "alonso_lamata", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and (doc["method"], doc["ri_table"], doc["ri"]) == ("geometric", "alonso_lamata", 0.8815)
    f = tmp_path / "m.json"
    f.write_text(json.dumps({"matrix": [[1, 2], ["1/2", 1]]}), encoding="utf-8")
    code, out, _ = run(capsys, "ahp", f, "--format", "json")
    assert code == 0 and json.loads(out)["weights"] == pytest.approx([2 / 3, 1 / 3]) and json.loads(out)["labels"] is None


INCONSISTENT = "labels: [甲, 乙, 丙]\nmatrix:\n  - [1, 9, \"1/9\"]\n  - [\"1/9\", 1, 9]\n  - [9, \"1/9\", 1]\n"


def test_ahp_inconsistent_exits_0_with_a_warning_and_the_worst_judgement(capsys, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text(INCONSISTENT, encoding="utf-8")
    code, out, err = run(capsys, "ahp", f, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["consistent"] is False
    assert doc["worst_judgement"]["description"].startswith("甲 compared with 乙")
    assert "evalkit: warning:" in err and "CR = " in err and "甲 compared with 乙" in err
    code, out, err = run(capsys, "ahp", f)
    assert code == 0 and "未通过一致性检验" in out and "最需复核的判断" in out
    code, _, err = run(capsys, "ahp", f, "--strict")
    assert code == 2 and "warning" in err


def test_ahp_malformed_matrix_is_exit_2_with_path_and_line(capsys, tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text("labels: [a, b, c]\nmatrix:\n  - [1, 2, 3]\n  - [two, 1, 2]\n  - [\"1/3\", \"1/2\", 1]\n", encoding="utf-8")
    code, out, err = run(capsys, "ahp", f)
    assert code == 2 and out == ""
    assert f"{f}:4, $.matrix[1][0]:" in err and "found 'two'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("doc, path", [
    ({"matrix": [[1, 2], [0.5]]}, "$.matrix[1]"),
    ({"matrix": [[1, 3], [0.5, 1]]}, "$.matrix"),
    ({"labels": ["a"], "matrix": [[1, 2], [0.5, 1]]}, "$.labels"),
    ({"matrix": "1,2;3,4"}, "$.matrix"),
    ({"weights": [1, 2]}, "$.matrix"),
])
def test_ahp_other_bad_documents(capsys, tmp_path, doc, path):
    f = tmp_path / "m.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "ahp", f)
    assert code == 2 and path in err


def test_ahp_file_and_usage_errors(capsys, tmp_path):
    assert run(capsys, "ahp", tmp_path / "missing.yaml")[0] == 5
    assert run(capsys, "ahp", AHP / "criteria.yaml", "--threshold", "0")[0] == 64
    assert run(capsys, "ahp", AHP / "criteria.yaml", "--method", "power")[0] == 64


# ------------------------------------------------------------------------------------------------
# rank


def rank_json(capsys, *argv):
    code, out, err = run(capsys, "rank", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out), err


def test_rank_example_with_ahp_weights_from_the_matrix_file(capsys):
    doc, err = rank_json(capsys, AHP / "units_matrix.csv", "--method", "topsis", "--weights-file", AHP / "criteria.yaml")
    assert err == ""
    assert doc["criteria"] == ["政治建设", "思想建设", "组织建设", "作风建设"]
    expected = ahp([[1, 3, 2, 4], ["1/3", 1, "1/2", 2], ["1/2", 2, 1, 3], ["1/4", "1/2", "1/3", 1]]).weights
    assert list(doc["weights"].values()) == pytest.approx(expected.tolist(), abs=1e-12)
    assert doc["weights_from"].startswith("AHP matrix")
    assert len(doc["units"]) == 12 and [u["rank"] for u in doc["units"]] == list(range(1, 13))
    assert doc["units"][0]["unit"] == "县委办公室党支部"
    assert {"rank", "unit", "name", "score", "d_best", "d_worst"} <= set(doc["units"][0])
    scores = [u["score"] for u in doc["units"]]
    assert scores == sorted(scores, reverse=True)


def test_rank_check_reversal_finds_the_topsis_reversal_in_the_example(capsys):
    doc, _ = rank_json(capsys, AHP / "units_matrix.csv", "--method", "topsis", "--weights-file", AHP / "criteria.yaml",
                       "--check-reversal")
    rr = doc["rank_reversal"]
    assert len(rr["removed"]) == 12 and rr["pairs_reversed"] >= 1
    first = rr["pairs"][0]
    assert first["removed"] == "县委办公室党支部"
    assert {first["better_before"], first["worse_before"]} == {"县财政局党支部", "县发展和改革局党支部"}
    assert first["ranks_before"][0] < first["ranks_before"][1] and first["ranks_after"][0] > first["ranks_after"][1]
    code, out, _ = run(capsys, "rank", AHP / "units_matrix.csv", "--method", "topsis", "--weights-file", AHP / "criteria.yaml",
                       "--remove", "县委办公室党支部")
    assert code == 0 and "排序逆转 rank reversal (removing 县委办公室党支部" in out and "swap" in out
    assert run(capsys, "rank", AHP / "units_matrix.csv", "--method", "saw", "--weights", "entropy", "--remove", "nobody")[0] == 64


def write(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_rank_ties_share_the_best_rank_and_formats(capsys, tmp_path):
    data = write(tmp_path, "m.csv", "编号,a,b\nX,1,2\nY,2,1\nZ,3,3\nW,1,2\n")
    doc, _ = rank_json(capsys, data, "--method", "saw", "--weights", "0.5,0.5")
    assert [(u["unit"], u["rank"]) for u in doc["units"]] == [("Z", 1), ("W", 2), ("X", 2), ("Y", 2)]
    out_file = tmp_path / "out.csv"
    code, out, err = run(capsys, "rank", data, "--method", "saw", "--weights", "50,50", "--format", "csv", "-o", out_file)
    assert code == 0 and out == "" and "wrote" in err
    text = out_file.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffrank,unit,name,score\r\n1,Z,Z,1.0\r\n")
    code, out, _ = run(capsys, "rank", data, "--method", "saw", "--weights", "1/2,1/2")
    assert code == 0 and "排名 Rank" in out


@pytest.mark.parametrize("method, extra", [("vikor", {"s", "r"}), ("grey", set()), ("saw", set())])
def test_rank_other_methods(capsys, method, extra):
    doc, _ = rank_json(capsys, AHP / "units_matrix.csv", "--method", method, "--weights", "critic", "--direction",
                       "higher,higher,higher,lower")
    assert doc["method"] == method and doc["direction"][-1] == "lower"
    assert extra <= set(doc["units"][0])
    assert doc["score"]["higher_is_better"] is (method != "vikor")
    if method == "vikor":
        assert doc["details"]["compromise"] and doc["units"][0]["score"] == min(u["score"] for u in doc["units"])


def test_rank_weights_must_match_and_sum_to_one_or_hundred(capsys, tmp_path):
    data = write(tmp_path, "m.csv", "unit,a,b,c\nX,1,2,3\nY,2,1,2\nZ,3,3,1\n")
    code, _, err = run(capsys, "rank", data, "--method", "topsis", "--weights", "0.5,0.5")
    assert code == 2 and "--weights gives 2 weights but the data has 3 criteria" in err
    code, _, err = run(capsys, "rank", data, "--method", "topsis", "--weights", "1,1,1")
    assert code == 2 and "do not sum to 1 or to 100" in err and "--normalize-weights" in err
    code, out, err = run(capsys, "rank", data, "--method", "topsis", "--weights", "1,1,1", "--normalize-weights", "--format", "json")
    assert code == 0 and "note:" in err and json.loads(out)["weights"] == {"a": 0.333333333333, "b": 0.333333333333, "c": 0.333333333333}  # echoed at 12 decimals (json_number)
    doc, _ = rank_json(capsys, data, "--method", "topsis", "--weights", "20,30,50")
    assert doc["weights"] == {"a": 0.2, "b": 0.3, "c": 0.5}
    code, _, err = run(capsys, "rank", data, "--method", "topsis", "--weights=-0.5,1,0.5")
    assert code == 2 and "--weights[0]: a weight must not be negative" in err
    code, _, err = run(capsys, "rank", data, "--method", "topsis", "--weights", "0.5,x,0.5")
    assert code == 2 and "--weights[1]: a weight must be a number" in err
    code, _, err = run(capsys, "rank", data, "--method", "topsis", "--weights", "entropy", "--direction", "higher,up,lower")
    assert code == 2 and "--direction[1]: unknown direction" in err
    assert run(capsys, "rank", data, "--method", "topsis", "--weights", "entropy", "--direction", "higher")[0] == 2


def test_rank_weights_file_forms(capsys, tmp_path):
    data = write(tmp_path, "m.csv", "unit,a,b\nX,1,2\nY,2,1\nZ,3,3\n")
    by_name = write(tmp_path, "w.yaml", "weights:\n  b: 0.75\n  a: 0.25\n")
    doc, _ = rank_json(capsys, data, "--method", "saw", "--weights-file", by_name)
    assert doc["weights"] == {"a": 0.25, "b": 0.75}
    as_list = write(tmp_path, "w.json", "[0.25, 0.75]")
    assert rank_json(capsys, data, "--method", "saw", "--weights-file", as_list)[0]["weights"] == {"a": 0.25, "b": 0.75}
    unknown = write(tmp_path, "u.yaml", "weights:\n  a: 0.25\n  c: 0.75\n")
    code, _, err = run(capsys, "rank", data, "--method", "saw", "--weights-file", unknown)
    assert code == 2 and f"{unknown}:3, $.weights.c: the key 'c' is not a criterion" in err and "none for b" in err
    labels = write(tmp_path, "ahp.yaml", "labels: [b, x]\nmatrix: [[1, 3], [\"1/3\", 1]]\n")
    code, _, err = run(capsys, "rank", data, "--method", "saw", "--weights-file", labels)
    assert code == 2 and "$.labels[1]: the label 'x' is not a criterion" in err


def test_rank_bad_cells_are_named_by_file_row_and_column(capsys, tmp_path):
    data = write(tmp_path, "m.csv", "unit,a,b\nX,1,2\nY,2,n/a\nZ,,3\nZ,1,1\n")
    code, out, err = run(capsys, "rank", data, "--method", "saw", "--weights", "0.5,0.5")
    assert code == 3 and out == ""
    assert f"{data}, row 3, column 'b': the value is not a number" in err
    assert f"{data}, row 4, column 'a': the value is empty" in err
    assert f"{data}, row 5, column 'unit': the unit 'Z' is given twice" in err
    no_unit = write(tmp_path, "n.csv", "who,a\nX,1\n")
    code, _, err = run(capsys, "rank", no_unit, "--method", "saw", "--weights", "1")
    assert code == 3 and "the unit column is missing" in err


def test_rank_method_data_problems_name_the_file_and_column(capsys, tmp_path):
    flat = write(tmp_path, "flat.csv", "unit,a,b\nX,1,1\nY,1,1\n")
    code, _, err = run(capsys, "rank", flat, "--method", "topsis", "--weights", "entropy")
    assert code == 3 and f"{flat}: entropy weights are undefined" in err
    negative = write(tmp_path, "neg.csv", "unit,a,b\nX,5,1\nY,-1,2\n")
    code, _, err = run(capsys, "rank", negative, "--method", "saw", "--weights", "0.5,0.5", "--normalization", "max")
    assert code == 3 and f"{negative}, column 'a': max normalisation needs positive values" in err
    one = write(tmp_path, "one.csv", "unit,a\nX,5\n")
    code, _, err = run(capsys, "rank", one, "--method", "vikor", "--weights", "1")
    assert code == 3 and "the data has too few units" in err


def test_rank_reads_xlsx_and_json_and_names_from_a_units_file(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["单位", "得分", "问题数"], ["U1", 90, 1], ["U2", 80, 0], ["U3", 70, 3]):
        ws.append(row)
    xlsx = tmp_path / "m.xlsx"
    wb.save(xlsx)
    js = write(tmp_path, "m.json", json.dumps([{"unit": "U1", "得分": 90, "问题数": 1}, {"unit": "U2", "得分": 80, "问题数": 0},
                                               {"unit": "U3", "得分": 70, "问题数": 3}], ensure_ascii=False))
    units = write(tmp_path, "units.csv", "id,name\nU1,县委办\nU2,县财政局\nU3,县教育局\n")
    docs = [rank_json(capsys, f, "--method", "topsis", "--weights", "0.6,0.4", "--direction", "higher,lower", "--units", units)[0]
            for f in (xlsx, js)]
    assert docs[0]["units"] == docs[1]["units"]
    assert docs[0]["units"][0]["name"] in {"县委办", "县财政局"}
    short = write(tmp_path, "short.csv", "id,name\nU1,县委办\nU2,县财政局\nU4,其他\n")
    code, _, err = run(capsys, "rank", xlsx, "--method", "saw", "--weights", "0.6,0.4", "--units", short)
    assert code == 3 and "'U3'" in err and "'U4'" in err


def test_rank_usage_errors(capsys):
    data = AHP / "units_matrix.csv"
    assert run(capsys, "rank", data, "--weights", "entropy")[0] == 64  # --method is required
    assert run(capsys, "rank", data, "--method", "saw")[0] == 64  # weights are required
    assert run(capsys, "rank", data, "--method", "vikor", "--weights", "entropy", "--normalization", "max")[0] == 64
    assert run(capsys, "rank", data, "--method", "grey", "--weights", "entropy", "--normalization", "sum")[0] == 64
    assert run(capsys, "rank", data, "--method", "topsis", "--weights", "entropy", "--rho", "0.3")[0] == 64
    assert run(capsys, "rank", data, "--method", "saw", "--weights", "entropy", "-o", data)[0] == 64
    code, _, err = run(capsys, "rank", data, "--method", "saw", "--weights", "entropy", "--criteria", "政治建设,纪律")
    assert code == 64 and "no criterion column '纪律'" in err


# ------------------------------------------------------------------------------------------------
# sensitivity


def sens_json(capsys, *extra):
    code, out, err = run(capsys, *SENS, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_sensitivity_json_report(capsys):
    doc = sens_json(capsys, "--samples", "300")
    assert doc["settings"] == {"samples": 300, "seed": 1, "mode": "dirichlet", "level": "top", "fragile_threshold": 0.9,
                               "concentration": 200.0}
    assert doc["weights"] == {"(top)": {"political": 0.3, "organisation": 0.4, "masses": 0.3}}
    assert len(doc["units"]) == 12
    keys = {"id", "name", "rank", "total", "grade", "rank_min", "rank_max", "rank_p05", "rank_median", "rank_p95",
            "total_min", "total_max", "grade_probability", "modal_grade", "modal_probability", "fragile"}
    for u in doc["units"]:
        assert keys <= set(u)
        assert sum(u["grade_probability"].values()) == pytest.approx(1.0)
        assert u["rank_min"] <= u["rank_p05"] <= u["rank_median"] <= u["rank_p95"] <= u["rank_max"]
        assert u["rank_min"] <= u["rank"] <= u["rank_max"]
        assert u["fragile"] == (u["modal_probability"] < 0.9)
    assert doc["fragile"] == [u["id"] for u in doc["units"] if u["fragile"]] and doc["fragile"]
    assert doc["rank_reversal"]["possible"] is False and "checked" not in doc["rank_reversal"]


def test_sensitivity_is_deterministic_for_a_seed(capsys):
    first = run(capsys, *SENS, "--samples", "200", "--seed", "7")
    again = run(capsys, *SENS, "--samples", "200", "--seed", "7")
    other = run(capsys, *SENS, "--samples", "200", "--seed", "8")
    assert first == again and first[0] == 0 and first[1] != other[1]


def test_sensitivity_without_perturbation_repeats_the_declared_ranks_and_grades(capsys):
    for extra in (["--concentration", "inf"], ["--mode", "percent", "--percent", "0", "--level", "all"]):
        doc = sens_json(capsys, "--samples", "20", *extra)
        for u in doc["units"]:
            assert u["rank_min"] == u["rank_max"] == u["rank"]
            assert u["grade_probability"][u["grade"]] == 1.0 and not u["fragile"]
            assert u["total_min"] == u["total_max"] == u["total"]


def test_sensitivity_text_remove_and_threshold(capsys):
    code, out, err = run(capsys, *SENS, "--samples", "200", "--remove", "U06", "--fragile-threshold", "1")
    assert code == 0 and err == ""
    assert "权重敏感性分析" in out and "脆弱" in out and "排名区间" in out
    assert "其他单位的相对顺序不会逆转" in out
    assert "removing U06 县卫生健康局党支部" in out and "none; no pair" in out
    doc = sens_json(capsys, "--samples", "200", "--remove", "U06", "--remove", "U11", "--lang", "en")
    checked = doc["rank_reversal"]["checked"]
    assert checked["removed"] == ["U06", "U11"] and checked["pairs_reversed"] == 0
    assert "cannot reverse" in doc["rank_reversal"]["note"]
    code, out, _ = run(capsys, *SENS, "--samples", "200", "--fragile-only", "--lang", "en")
    assert code == 0 and "U06" not in out and "fragile" in out


def test_sensitivity_usage_errors(capsys, tmp_path):
    assert run(capsys, *SENS, "--mode", "percent", "--concentration", "50")[0] == 64
    assert run(capsys, *SENS, "--percent", "5")[0] == 64  # the default mode is dirichlet
    assert run(capsys, *SENS, "--samples", "0")[0] == 64
    assert run(capsys, *SENS, "--fragile-threshold", "1.5")[0] == 64
    assert run(capsys, *SENS, "--mode", "percent", "--percent", "100")[0] == 64
    code, _, err = run(capsys, *SENS, "--remove", "U99")
    assert code == 64 and "U99" in err
    out = tmp_path / "s.json"
    code, stdout, err = run(capsys, *SENS, "--samples", "50", "--format", "json", "-o", out)
    assert code == 0 and stdout == "" and json.loads(out.read_text(encoding="utf-8"))["settings"]["samples"] == 50


def test_sensitivity_ranks_are_a_permutation_invariant_of_the_units_file(capsys, tmp_path):
    lines = (QUICK / "units.csv").read_text(encoding="utf-8").splitlines()
    shuffled = write(tmp_path, "units.csv", "\n".join([lines[0]] + lines[1:][::-1]) + "\n")
    base = {u["id"]: u for u in sens_json(capsys, "--samples", "100")["units"]}
    code, out, err = run(capsys, "sensitivity", QUICK / "scorecard.yaml", "--data", QUICK / "data.csv", "--units", shuffled,
                         "--samples", "100", "--format", "json")
    assert code == 0, err
    for u in json.loads(out)["units"]:
        assert u == base[u["id"]]
    assert np.isfinite([u["total"] for u in base.values()]).all()


# ------------------------------------------------------------------------------------------------
# The example's README: its commands run, and the AHP output shown is what the command prints


def test_example_readme_commands_run_and_show_real_output(capsys, monkeypatch):
    import re
    import shlex

    readme = (AHP / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", readme, flags=re.S | re.M)
    commands = [line for lang, body in blocks if lang == "sh" for line in body.splitlines() if line.startswith(".venv/bin/evalkit ")]
    assert len(commands) >= 3
    monkeypatch.chdir(EXAMPLES.parent)  # the commands are written for the repository root
    outputs = []
    for command in commands:
        code, out, err = run(capsys, *shlex.split(command)[1:])
        assert code == 0, (command, err)
        outputs.append(out)
    shown = [body for lang, body in blocks if lang == ""]
    assert outputs[0] == shown[0]


# ------------------------------------------------------------------------------------------------
# Issue 17: no -0.0 in any method's JSON; echoed weights show as given (0.4, not 0.4000000000000001)


def _rank_json(tmp_path, method, direction, normalization=None, weights="0.4,0.3,0.2,0.1"):
    import json as _json

    from evalkit.methods.rank_report import rank_units
    from evalkit.plugins.manager import default_registry

    data = tmp_path / "m.csv"
    data.write_text("unit,a,b,c,d\nX,1,9,7,4\nY,2,5,3,4.5\nZ,3,1,9,8\nW,1,9,3,2\n", encoding="utf-8")
    report = rank_units(data, default_registry(), method, weights=weights, direction=direction,
                        normalization=normalization)
    text = _json.dumps(report.to_dict())
    return text, _json.loads(text)


@pytest.mark.parametrize("method", ["saw", "topsis", "vikor", "grey"])
@pytest.mark.parametrize("direction", ["higher,higher,higher,higher", "lower,lower,lower,lower", "higher,lower,higher,lower"])
def test_no_negative_zero_and_clean_echoed_weights(tmp_path, method, direction):
    normalization = None if method == "vikor" else "minmax"
    text, doc = _rank_json(tmp_path, method, direction, normalization)
    assert "-0.0" not in text
    assert doc["weights"] == {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1}


def test_rank_with_raw_entropy_and_std_weights(tmp_path):
    """--weights entropy-raw / std-raw: the weights of entropy_weights / std_weights with basis="raw"."""
    from evalkit.methods import entropy_weights, std_weights

    _, doc = _rank_json(tmp_path, "saw", "higher,lower,higher,higher", "minmax", weights="entropy-raw")
    X = np.array([[1, 9, 7, 4], [2, 5, 3, 4.5], [3, 1, 9, 8], [1, 9, 3, 2]])
    expected = entropy_weights(X, basis="raw").weights
    assert list(doc["weights"].values()) == pytest.approx(expected.tolist(), abs=1e-12)
    assert "raw data" in doc["weights_from"]
    _, doc = _rank_json(tmp_path, "saw", "higher,lower,higher,higher", "minmax", weights="std-raw")
    assert list(doc["weights"].values()) == pytest.approx(std_weights(X, basis="raw").weights.tolist(), abs=1e-12)


def test_ahp_lambda_and_new_tables(capsys):
    from evalkit.methods import ahp as ahp_of

    code, out, _ = run(capsys, "ahp", AHP / "criteria.yaml", "--method", "arithmetic", "--lambda", "mean_ratio",
                       "--ri-table", "donegan_dodd", "--format", "json")
    doc = json.loads(out)
    matrix = evalkit_matrix(AHP / "criteria.yaml")
    expected = ahp_of(matrix, method="arithmetic", lambda_method="mean_ratio", ri_table="donegan_dodd")
    assert code == 0 and doc["lambda_method"] == "mean_ratio" and doc["ri_table"] == "donegan_dodd"
    assert doc["lambda_max"] == pytest.approx(expected.lambda_max, rel=1e-12)


def evalkit_matrix(path):
    from evalkit.methods.ahp_report import read_ahp_matrix

    return read_ahp_matrix(path).matrix


def test_rank_json_carries_the_intermediate_quantities(tmp_path):
    """Issue 17: TOPSIS weighted matrix v_ij and distances, VIKOR f*_j and f-_j, the grey Delta matrix and xi."""
    X = np.array([[1, 9, 7, 4], [2, 5, 3, 4.5], [3, 1, 9, 8], [1, 9, 3, 2]])
    w = np.array([0.4, 0.3, 0.2, 0.1])
    higher = np.array([True, False, True, True])
    _, doc = _rank_json(tmp_path, "topsis", "higher,lower,higher,higher")
    r = X / np.sqrt((X ** 2).sum(axis=0))
    assert doc["details"]["weighted"]["Z"] == pytest.approx((r * w)[2].tolist())
    assert {"d_best", "d_worst"} <= set(doc["units"][0])
    _, doc = _rank_json(tmp_path, "vikor", "higher,lower,higher,higher")
    assert doc["details"]["f_best"] == [3, 1, 9, 8] and doc["details"]["f_worst"] == [1, 9, 3, 2]
    _, doc = _rank_json(tmp_path, "grey", "higher,lower,higher,higher", "minmax")
    Y = np.where(higher, (X - X.min(0)) / np.ptp(X, 0), (X.max(0) - X) / np.ptp(X, 0))
    delta = Y.max(0) - Y
    assert doc["details"]["delta"]["X"] == pytest.approx(delta[0].tolist())
    xi = (delta.min() + 0.5 * delta.max()) / (delta + 0.5 * delta.max())
    assert doc["details"]["coefficients"]["W"] == pytest.approx(xi[3].tolist())
    assert next(u["score"] for u in doc["units"] if u["unit"] == "W") == pytest.approx(float(xi[3] @ w))


def test_rank_json_shows_entropy_p_and_e(tmp_path):
    """--weights entropy: weights_detail carries p_ij per unit and e_j, d_j per criterion (Issue 17)."""
    from evalkit.methods import entropy_weights

    _, doc = _rank_json(tmp_path, "saw", "higher,lower,higher,higher", "minmax", weights="entropy")
    X = np.array([[1, 9, 7, 4], [2, 5, 3, 4.5], [3, 1, 9, 8], [1, 9, 3, 2]])
    r = entropy_weights(X, [True, False, True, True])
    detail = doc["weights_detail"]
    assert detail["method"] == "entropy" and detail["basis"] == "minmax"
    assert list(detail["entropy"].values()) == pytest.approx(r.entropy.tolist())
    assert detail["p"]["Z"] == pytest.approx(r.proportions[2].tolist())
    assert "-0.0" not in json.dumps(doc)
    _, doc = _rank_json(tmp_path, "saw", "higher,lower,higher,higher", "minmax", weights="critic")
    assert set(doc["weights_detail"]) >= {"std", "conflict", "information", "correlation"}
    _, doc = _rank_json(tmp_path, "saw", "higher,lower,higher,higher", "minmax")
    assert "weights_detail" not in doc


def test_rank_entropy_shift(tmp_path, capsys):
    """--entropy-shift C: entropy_weights(X, shift=C), the textbook 平移 variant, from the command line."""
    from evalkit.methods import entropy_weights

    data = tmp_path / "m.csv"
    data.write_text("unit,a,b,c,d\nX,1,9,7,4\nY,2,5,3,4.5\nZ,3,1,9,8\nW,1,9,3,2\n", encoding="utf-8")
    code, out, _ = run(capsys, "rank", data, "--method", "saw", "--weights", "entropy", "--entropy-shift", "0.01",
                       "--format", "json")
    X = np.array([[1, 9, 7, 4], [2, 5, 3, 4.5], [3, 1, 9, 8], [1, 9, 3, 2]])
    expected = entropy_weights(X, shift=0.01).weights
    doc = json.loads(out)
    assert code == 0 and list(doc["weights"].values()) == pytest.approx(expected.tolist(), abs=1e-12)
    assert doc["weights_detail"]["shift"] == 0.01
    code, _, err = run(capsys, "rank", data, "--method", "saw", "--weights", "critic", "--entropy-shift", "0.01")
    assert code == 64 and "--entropy-shift applies to --weights entropy" in err
