"""AHP inside a scorecard: a node's children take their weights from a pairwise comparison matrix."""

import pytest

import evalkit
from evalkit.cli import main


def card(matrix, **ahp_options):
    return {
        "id": "a", "name": "A", "period": "1",
        "indicators": [{"id": x, "name": x} for x in "abc"],
        "ahp": {"matrix": matrix, **ahp_options},
        "dimensions": [
            {"id": d, "name": d.upper(), "children": [
                {"id": f"{d}{x}", "indicator": x, "weight": 1, "rule": {"name": "linear", "params": {"lower": 0, "upper": 1}}}]}
            for d, x in zip("xyz", "abc")],
    }


CONSISTENT = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]  # w = 4/7, 2/7, 1/7 exactly


def test_consistent_matrix_gives_its_weights_and_cr_zero():
    sc = evalkit.load_scorecard(card(CONSISTENT))
    assert [d.weight for d in sc.dimensions] == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-12)
    assert sc.ahp["$"].cr == pytest.approx(0, abs=1e-12)
    ev = evalkit.evaluate(sc, {"a": {"u": 1}, "b": {"u": 1}, "c": {"u": 0}})
    assert ev.unit("u").total == 85.71  # (4 + 2) / 7 of 100, half up
    assert ev.to_dict()["scorecard"]["ahp"]["$"]["consistent"] is True


@pytest.mark.parametrize("method", ["geometric", "arithmetic"])
def test_other_priority_methods(method):
    sc = evalkit.load_scorecard(card(CONSISTENT, method=method))
    assert [d.weight for d in sc.dimensions] == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-12)


INCONSISTENT = [[1, 3, "1/5"], ["1/3", 1, 5], [5, "1/5", 1]]


def test_inconsistent_matrix_is_an_error_or_a_warning_as_declared():
    problems = evalkit.validate(card(INCONSISTENT), evalkit.default_registry())
    assert len(problems) == 1 and problems[0].path == "$.ahp.matrix" and problems[0].expected == "CR < 0.1"
    assert "most inconsistent" in problems[0].message
    sc = evalkit.load_scorecard(card(INCONSISTENT, on_inconsistent="warn"))
    assert len(sc.warnings) == 1 and sum(d.weight for d in sc.dimensions) == pytest.approx(1)


def test_matrix_problems_point_into_the_yaml(tmp_path, capsys):
    text = """id: a
name: A
period: "1"
indicators: [{id: a, name: a}, {id: b, name: b}]
dimensions:
  - id: d
    name: D
    ahp:
      matrix:
        - [1, 3]
        - [2, 1]
    children:
      - {id: i1, indicator: a, rule: {name: linear, params: {lower: 0, upper: 1}}}
      - {id: i2, indicator: b, rule: {name: linear, params: {lower: 0, upper: 1}}}
"""
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:11, $.dimensions[0].ahp.matrix[1][0]" in err and "not reciprocal" in err


def test_size_and_explicit_weights_are_checked():
    wrong_size = card([[1, 2], ["1/2", 1]])
    [problem] = evalkit.validate(wrong_size, evalkit.default_registry())
    assert problem.path == "$.ahp.matrix" and problem.expected.startswith("3 rows")
    clash = card(CONSISTENT)
    clash["dimensions"][0]["weight"] = 0.5
    [problem] = evalkit.validate(clash, evalkit.default_registry())
    assert problem.path == "$.dimensions[0].weight" and "overridden by the AHP matrix" in problem.message


def test_warning_is_printed_by_validate(tmp_path, capsys):
    import json

    path = tmp_path / "card.json"
    path.write_text(json.dumps(card(INCONSISTENT, on_inconsistent="warn")), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "CR = " in captured.err and "valid" in captured.out


def test_scorecard_takes_the_new_ri_tables_and_lambda_method():
    """Issue 17: the scorecard's `ahp` block names the same conventions as the Python API and the CLI."""
    matrix = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
    sc = evalkit.load_scorecard(card(matrix, method="arithmetic", ri_table="tummala_ling", lambda_method="mean_ratio"))
    expected = evalkit.methods.ahp(matrix, method="arithmetic", ri_table="tummala_ling", lambda_method="mean_ratio")
    assert sc.ahp["$"].ri == 0.5799 and sc.ahp["$"].lambda_max == pytest.approx(expected.lambda_max, rel=1e-12)
    assert sc.ahp["$"].to_dict()["lambda_method"] == "mean_ratio"
    problems = evalkit.validate(card(matrix, lambda_method="power"), evalkit.default_registry())
    assert problems and problems[0].path == "$.ahp.lambda_method"
