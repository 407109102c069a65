"""`evalkit fuzzy` and `evalkit delphi`, run in-process: the output is the library's, bad input is located."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from evalkit.cli import main
from evalkit.definition.documents import load_document
from evalkit.methods import ahp, delphi_round, fuzzy_evaluation, parse_matrix

from ..conftest import EXAMPLES

AHP = EXAMPLES / "ahp"
BALLOTS = AHP / "fuzzy_ballots.csv"
ROUND = AHP / "delphi_round1.csv"
GRADES = ["优秀", "良好", "一般", "较差"]
CRITERIA = ["政治建设", "思想建设", "组织建设", "作风建设"]
W = "0.4,0.2,0.3,0.1"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, out, err


def ballot_rows() -> list[dict]:
    with open(BALLOTS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ballot_counts() -> tuple[list[str], np.ndarray]:
    """The example ballots as (units, counts[unit, criterion, grade]), read independently of the CLI."""
    rows = ballot_rows()
    units = list(dict.fromkeys(r["单位"] for r in rows))
    counts = np.zeros((len(units), len(CRITERIA), len(GRADES)))
    for r in rows:
        counts[units.index(r["单位"]), CRITERIA.index(r["指标"]), GRADES.index(r["等次"])] += float(r["票数"])
    return units, counts


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def only_problem(err: str) -> str:
    assert err.count("\n") == 1, err
    return err


# ------------------------------------------------------------------------------------------------
# fuzzy


def test_fuzzy_example_matches_the_library_with_ahp_weights(capsys):
    code, out, err = run(capsys, "fuzzy", BALLOTS, "--weights-file", AHP / "criteria.yaml", "--grade-values", "95,85,70,50",
                         "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    units, counts = ballot_counts()
    matrix, labels = parse_matrix(load_document(AHP / "criteria.yaml").data)
    weights = ahp(matrix, labels=labels).weights
    expected = fuzzy_evaluation(weights, counts, [95, 85, 70, 50], GRADES)
    assert doc["criteria"] == CRITERIA and doc["grades"] == GRADES and doc["operator"] == "weighted_average"
    assert list(doc["weights"].values()) == pytest.approx(weights.tolist(), abs=1e-12)
    assert doc["grade_values"] == dict(zip(GRADES, [95.0, 85.0, 70.0, 50.0]))
    by_unit = {u["unit"]: u for u in doc["units"]}
    assert list(by_unit) == [units[i] for i in np.argsort(expected.rank, kind="stable")]  # best first
    for i, unit in enumerate(units):
        got = by_unit[unit]
        assert [got["membership"][g] for g in GRADES] == pytest.approx(expected.membership[i].tolist(), abs=1e-12)
        assert got["grade"] == expected.grade[i]
        assert got["score"] == pytest.approx(float(expected.scores[i]), abs=1e-12)
        assert got["rank"] == int(expected.rank[i])
        assert sum(got["votes"]["政治建设"].values()) == counts[i, 0].sum()
        assert sum(got["membership_matrix"]["作风建设"].values()) == pytest.approx(1.0, abs=1e-12)


def test_fuzzy_named_weights_equal_ordered_weights_and_the_table_shows_the_grades(capsys):
    _, ordered, _ = run(capsys, "fuzzy", BALLOTS, "--weights", W, "--format", "json")
    code, named, _ = run(capsys, "fuzzy", BALLOTS, "--weights", "作风建设=10，政治建设=40, 组织建设=30,思想建设=20", "--format", "json")
    assert code == 0
    a, b = json.loads(ordered), json.loads(named)
    assert list(b["weights"]) == CRITERIA and list(b["weights"].values()) == pytest.approx([0.4, 0.2, 0.3, 0.1], abs=1e-15)
    assert [u["unit"] for u in a["units"]] == [u["unit"] for u in b["units"]]
    for x, y in zip(a["units"], b["units"]):
        assert x["grade"] == y["grade"] and list(x["membership"].values()) == pytest.approx(list(y["membership"].values()), abs=1e-12)
    assert a["grade_values"] is None and all(u["rank"] is None and u["score"] is None for u in a["units"])
    assert [u["unit"] for u in a["units"]] == list(dict.fromkeys(r["单位"] for r in ballot_rows()))  # file order unscored
    code, out, _ = run(capsys, "fuzzy", BALLOTS, "--weights", W)
    assert code == 0
    for text in ("模糊综合评价", "县委办公室党支部", "优秀", "较差", "等次 Grade", "no score or rank: give --grade-values"):
        assert text in out


def test_fuzzy_max_min_operator_matches_the_library(capsys):
    code, out, _ = run(capsys, "fuzzy", BALLOTS, "--weights", W, "--operator", "max_min", "--grade-values", "95,85,70,50",
                       "--format", "json")
    assert code == 0
    units, counts = ballot_counts()
    expected = fuzzy_evaluation([0.4, 0.2, 0.3, 0.1], counts, [95, 85, 70, 50], GRADES, operator="max_min")
    by_unit = {u["unit"]: u for u in json.loads(out)["units"]}
    for i, unit in enumerate(units):
        assert [by_unit[unit]["raw_membership"][g] for g in GRADES] == pytest.approx(expected.raw_membership[i].tolist(), abs=1e-12)
        assert [by_unit[unit]["membership"][g] for g in GRADES] == pytest.approx(expected.membership[i].tolist(), abs=1e-12)
        assert by_unit[unit]["grade"] == expected.grade[i]
        assert by_unit[unit]["score"] == pytest.approx(float(expected.scores[i]), abs=1e-12)


def test_one_row_per_ballot_gives_the_same_result_as_counts(capsys, tmp_path):
    rows, given = [], {}
    for r in ballot_rows():  # ballot k grades every unit on every criterion once
        for _ in range(int(r["票数"])):
            k = given[r["单位"], r["指标"]] = given.get((r["单位"], r["指标"]), -1) + 1
            rows.append([f"B{k:02d}", r["单位"], r["指标"], r["等次"]])
    f = write_csv(tmp_path / "ballots.csv", ["票号", "单位", "指标", "等次"], rows)
    _, counted, _ = run(capsys, "fuzzy", BALLOTS, "--weights", W, "--grade-values", "95,85,70,50", "--format", "json")
    code, single, _ = run(capsys, "fuzzy", f, "--weights", W, "--grade-values", "95,85,70,50", "--format", "json")
    assert code == 0
    a, b = json.loads(counted), json.loads(single)
    assert (a["ballots"], b["ballots"]) == ("counts per grade", "one row per ballot")
    assert b["units"] == a["units"]
    rows.append(rows[0][:3] + ["一般"])  # ballot B00 grades the first unit on the first criterion again
    write_csv(f, ["票号", "单位", "指标", "等次"], rows)
    code, _, err = run(capsys, "fuzzy", f, "--weights", W)
    assert code == 3
    assert f"row {len(rows) + 1}, column '票号'" in only_problem(err) and "grades the unit '县委办公室党支部'" in err and "also at row 2" in err


def test_english_headers_custom_grades_csv_output_and_o(capsys, tmp_path):
    f = write_csv(tmp_path / "b.csv", ["Unit", "Criterion", "Grade", "Count"],
                  [["u1", "quality", "A", 3], ["u1", "quality", "b", 1], ["u1", "speed", "B", 2], ["u1", "speed", "C", 2],
                   ["u2", "quality", "C", 4], ["u2", "speed", "A", 4]])
    code, out, _ = run(capsys, "fuzzy", f, "--weights", "0.5,0.5", "--grades", "A,B,C", "--grade-values", "3,2,1", "--format", "csv")
    assert code == 0 and out.startswith("\ufeff")
    table = list(csv.reader(out.lstrip("\ufeff").splitlines()))
    assert table[0] == ["rank", "unit", "name", "grade", "score", "A", "B", "C"]
    # u1: R = [.75 .25 0; 0 .5 .5] -> B = (.375, .375, .25): a tie goes to A, score 2.125; u2: B = (.5, 0, .5) -> A, 2
    assert table[1][:4] == ["1", "u1", "u1", "A"] and float(table[1][4]) == pytest.approx(2.125)
    assert table[2][:4] == ["2", "u2", "u2", "A"] and float(table[2][4]) == pytest.approx(2.0)
    target = tmp_path / "out.json"
    code, out, err = run(capsys, "fuzzy", f, "--weights", "0.5,0.5", "--grades", "A,B,C", "--format", "json", "-o", target)
    assert code == 0 and out == "" and f"wrote {target}" in err
    assert json.loads(target.read_text(encoding="utf-8"))["grades"] == ["A", "B", "C"]
    code, _, err = run(capsys, "fuzzy", f, "--weights", "0.5,0.5", "--grades", "A,B,C", "-o", f)
    assert code == 64 and "never overwrites its inputs" in err


@pytest.mark.parametrize(
    "line, replacement, column, message",
    [
        ("县财政局党支部,组织建设,一般,", "县财政局党支部,组织建设,中等,", "等次", "unknown grade '中等'"),
        ("县教育局党支部,思想建设,良好,", "县教育局党支部,思想建设,良好,七", "票数", "the count is not a number"),
        ("县教育局党支部,思想建设,良好,", "县教育局党支部,思想建设,良好,-2", "票数", "the count is negative"),
        ("县教育局党支部,思想建设,较差,", "县教育局党支部,思想建设,良好,", "等次", "is given twice (expected one row per"),
        ("县教育局党支部,思想建设,良好,", ",思想建设,良好,", "单位", "the unit is empty"),
    ],
)
def test_fuzzy_bad_ballots_exit_3_at_the_row_and_column(capsys, tmp_path, line, replacement, column, message):
    lines = BALLOTS.read_text(encoding="utf-8").splitlines()
    at = next(k for k, text in enumerate(lines) if text.startswith(line))
    lines[at] = replacement + ("" if replacement.endswith(("七", "-2")) else lines[at].rsplit(",", 1)[1])
    f = tmp_path / "bad.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "fuzzy", f, "--weights", W)
    assert code == 3 and out == ""
    assert f"bad.csv, row {at + 1}, column '{column}'" in only_problem(err) and message in err


def test_fuzzy_missing_votes_and_columns_exit_3(capsys, tmp_path):
    f = tmp_path / "b.csv"
    f.write_text("".join(x + "\n" for x in BALLOTS.read_text(encoding="utf-8").splitlines()
                         if not x.startswith("县教育局党支部,作风建设")), encoding="utf-8")
    code, _, err = run(capsys, "fuzzy", f, "--weights", W)
    assert code == 3 and "the unit '县教育局党支部' has no votes on the criterion '作风建设'" in err and "found no row" in err
    write_csv(f, ["单位", "指标", "票数"], [["a", "x", 1]])
    code, _, err = run(capsys, "fuzzy", f, "--weights", "1")
    assert code == 3 and "the grade column is missing" in err
    write_csv(f, ["单位", "指标", "等次", "票数", "备注"], [["a", "x", "优秀", 1, ""]])
    code, _, err = run(capsys, "fuzzy", f, "--weights", "1")
    assert code == 3 and "column '备注': unknown column" in err
    write_csv(f, ["单位", "指标", "等次", "票数"], [["a", "x", "优秀", 0], ["a", "x", "良好", 0]])
    code, _, err = run(capsys, "fuzzy", f, "--weights", "1")
    assert code == 3 and "found only counts of 0" in err


def test_fuzzy_json_ballots_are_located_by_path(capsys, tmp_path):
    rows = ballot_rows()
    rows[2]["等次"] = "中"
    f = tmp_path / "b.json"
    f.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(capsys, "fuzzy", f, "--weights", W)
    assert code == 3 and "b.json, $[2].等次: unknown grade '中'" in err


@pytest.mark.parametrize(
    "options, code, message",
    [
        (["--weights", "0.4,0.2,0.3"], 2, "--weights gives 3 weights but the ballots have 4 criteria"),
        (["--weights", "0.4,0.2,0.3,0.2"], 2, "the weights do not sum to 1 or to 100"),
        (["--weights", "政治建设=0.5,思想=0.5"], 2, "'思想' is not a criterion of the ballots"),
        (["--weights", "政治建设=0.4,0.2,0.3,0.1"], 2, "a weight without a criterion name"),
        (["--weights", W, "--grade-values", "95,85,70"], 2, "--grade-values gives 3 values but there are 4 grades"),
        (["--weights", W, "--grade-values", "95,85,x,50"], 2, "--grade-values[2]: a grade value must be a number"),
        (["--weights", W, "--grades", "优秀,良好,优秀"], 2, "--grades[2]: a grade is listed twice"),
        (["--weights", W, "--operator", "product"], 64, "invalid choice: 'product'"),
        ([], 64, "one of the arguments --weights --weights-file is required"),
    ],
)
def test_fuzzy_bad_options(capsys, options, code, message):
    got, out, err = run(capsys, "fuzzy", BALLOTS, *options)
    assert (got, out) == (code, "") and message in err


def test_fuzzy_weights_sum_100_and_normalize(capsys):
    _, a, _ = run(capsys, "fuzzy", BALLOTS, "--weights", "40,20,30,10", "--format", "json")
    code, b, err = run(capsys, "fuzzy", BALLOTS, "--weights", "4,2,3,1", "--normalize-weights", "--format", "json")
    assert code == 0 and "summed to 10" in err
    assert [u["membership"] for u in json.loads(a)["units"]] == [u["membership"] for u in json.loads(b)["units"]]


# ------------------------------------------------------------------------------------------------
# delphi


def round_scores() -> tuple[list[str], list[str], np.ndarray]:
    with open(ROUND, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return [r[0] for r in rows[1:]], rows[0][1:], np.array([[float(x) for x in r[1:]] for r in rows[1:]])


def test_delphi_example_matches_the_library(capsys):
    code, out, err = run(capsys, "delphi", ROUND, "--full-mark", "5", "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    experts, items, S = round_scores()
    expected = delphi_round(S, 5, ddof=1)
    assert doc["experts"] == experts and [it["item"] for it in doc["items"]] == items
    assert (doc["full_mark"], doc["ddof"], doc["layout"]) == (5, 1, "wide")
    for key in ("mean", "std", "cv", "full_mark_rate"):
        assert [it[key] for it in doc["items"]] == pytest.approx(getattr(expected, key).tolist(), abs=1e-12)
    k = expected.kendall
    assert doc["kendall"] == pytest.approx({"w": k.w, "chi2": k.chi2, "df": k.df, "p_value": k.p_value, "n_experts": 10,
                                            "n_items": 8, "tie_correction": k.tie_correction}, abs=1e-12)
    code, out, _ = run(capsys, "delphi", ROUND, "--full-mark", "5", "--ddof", "0", "--format", "json")
    assert [it["std"] for it in json.loads(out)["items"]] == pytest.approx(S.std(axis=0, ddof=0).tolist(), abs=1e-12)


def test_delphi_text_and_csv(capsys):
    code, out, _ = run(capsys, "delphi", ROUND, "--full-mark", "5")
    assert code == 0
    for text in ("德尔菲法", "三会一课落实", "变异系数 CV", "满分率", "60.0%", "Kendall's W = ", "df = 7"):
        assert text in out
    code, out, _ = run(capsys, "delphi", ROUND, "--full-mark", "5", "--format", "csv")
    table = list(csv.reader(out.lstrip("\ufeff").splitlines()))
    assert code == 0 and table[0] == ["item", "mean", "std", "cv", "full_mark_rate"] and len(table) == 9
    assert table[1][0] == "三会一课落实" and float(table[1][4]) == pytest.approx(0.6)


def test_delphi_long_layout_equals_wide(capsys, tmp_path):
    experts, items, S = round_scores()
    rows = [[e, it, S[i, j]] for j, it in enumerate(items) for i, e in enumerate(experts)]
    f = write_csv(tmp_path / "long.csv", ["专家", "指标", "评分"], rows)
    _, wide, _ = run(capsys, "delphi", ROUND, "--full-mark", "5", "--format", "json")
    code, long, _ = run(capsys, "delphi", f, "--full-mark", "5", "--format", "json")
    assert code == 0
    a, b = json.loads(wide), json.loads(long)
    assert (a["items"], a["kendall"], a["experts"]) == (b["items"], b["kendall"], b["experts"])
    write_csv(f, ["专家", "指标", "评分"], rows[1:])
    code, _, err = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 3 and "the expert 'E01' has no score for the item '三会一课落实'" in err
    write_csv(f, ["专家", "指标", "评分"], rows + [rows[0]])
    code, _, err = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 3 and f"row {len(rows) + 2}, column '评分'" in err and "scores the item '三会一课落实' twice" in err


@pytest.mark.parametrize(
    "cell, message",
    [("6", "the score is above the full mark (expected at most 5 (--full-mark); found '6')"),
     ("很重要", "the score is not a number"),
     ("", "the score is empty")],
)
def test_delphi_bad_score_exit_3_at_the_row_and_column(capsys, tmp_path, cell, message):
    experts, items, S = round_scores()
    rows = [[e, *[f"{x:g}" for x in S[i]]] for i, e in enumerate(experts)]
    rows[2][3] = cell  # E03's third item
    f = write_csv(tmp_path / "r.csv", ["专家", *items], rows)
    code, out, err = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 3 and out == ""
    assert f"r.csv, row 4, column '{items[2]}': {message}" in only_problem(err)


def test_delphi_other_problems(capsys, tmp_path):
    f = write_csv(tmp_path / "r.csv", ["专家", "a", "b"], [["E1", 1, 2]])
    code, _, err = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 3 and "at least two experts" in err
    write_csv(f, ["专家", "a", "b"], [["E1", 1, 2], ["E1", 2, 1]])
    code, _, err = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 3 and "row 3, column '专家': the expert 'E1' is given twice" in err
    write_csv(f, ["专家", "指标"], [["E1", "a"]])
    code, _, err = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 3 and "the score column is missing" in err
    for bad in ("abc", "0", "-5", "inf"):
        code, _, err = run(capsys, "delphi", ROUND, "--full-mark", bad)
        assert code == 64 and "--full-mark" in err
    code, _, err = run(capsys, "delphi", ROUND)
    assert code == 64 and "--full-mark" in err


def test_delphi_undefined_figures_are_null_not_nan(capsys, tmp_path):
    """A mean of 0 with spread has no CV; one item has no Kendall's W: null in JSON, said in words in the table."""
    f = write_csv(tmp_path / "r.csv", ["expert", "only"], [["E1", -1], ["E2", 1]])
    code, out, _ = run(capsys, "delphi", f, "--full-mark", "5", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["items"][0]["cv"] is None and doc["kendall"]["w"] is None and doc["kendall"]["p_value"] is None
    code, out, _ = run(capsys, "delphi", f, "--full-mark", "5")
    assert code == 0 and "n/a (mean 0)" in out and "Kendall's W: undefined" in out


def test_the_readme_shows_the_real_output_of_the_fuzzy_and_delphi_commands(capsys, monkeypatch):
    """Each `evalkit fuzzy` / `evalkit delphi` command of examples/ahp/README.md is followed by its exact output."""
    import re
    import shlex

    readme = (AHP / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", readme, flags=re.S | re.M)
    monkeypatch.chdir(EXAMPLES.parent)  # the commands are written for the repository root
    checked = 0
    for k, (lang, body) in enumerate(blocks):
        command = body.strip()
        if lang != "sh" or not command.startswith((".venv/bin/evalkit fuzzy ", ".venv/bin/evalkit delphi ")):
            continue
        code, out, err = run(capsys, *shlex.split(command)[1:])
        assert code == 0, (command, err)
        assert blocks[k + 1][0] == "" and out.lstrip("\ufeff").replace("\r\n", "\n") == blocks[k + 1][1], command  # CSV: BOM, CRLF
        checked += 1
    assert checked == 3


@pytest.mark.parametrize("operator", ["product_max", "min_bounded_sum"])
def test_fuzzy_new_operators_unnormalised_match_the_library(capsys, operator):
    code, out, _ = run(capsys, "fuzzy", BALLOTS, "--weights", W, "--operator", operator, "--unnormalized",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["normalized"] is False and doc["operator"] == operator
    units, counts = ballot_counts()
    expected = fuzzy_evaluation([0.4, 0.2, 0.3, 0.1], counts, None, GRADES, operator=operator, normalize=False)
    by_unit = {u["unit"]: u for u in doc["units"]}
    for i, unit in enumerate(units):
        assert [by_unit[unit]["membership"][g] for g in GRADES] == pytest.approx(expected.membership[i].tolist(), abs=1e-12)
    code, out, _ = run(capsys, "fuzzy", BALLOTS, "--weights", W, "--operator", operator, "--unnormalized")
    assert code == 0 and "未归一化 not normalised" in out
