"""Scorecard validation: the schema, the checks a schema cannot make, and messages with lines and paths."""

import copy
import json

import jsonschema
import pytest

import evalkit
from evalkit.definition.documents import parse_yaml
from evalkit.definition.schemas import base_schema, scorecard_schema
from evalkit.definition.scorecard import validate


def minimal(**changes):
    card = {
        "id": "t", "name": {"zh": "测试", "en": "Test"}, "period": "2025",
        "indicators": [{"id": "a", "name": "A"}, {"id": "b", "name": "B", "direction": "lower"}],
        "dimensions": [
            {"id": "d1", "name": "D1", "children": [
                {"id": "i1", "indicator": "a", "max_points": 60, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}},
            ]},
            {"id": "i2", "indicator": "b", "max_points": 40, "rule": {"name": "per_event", "params": {"per_event": 4}}},
        ],
        "grading": {"bands": [{"min": 60, "grade": "pass"}, {"min": 0, "grade": "fail"}]},
    }
    card.update(changes)
    return card


def messages(card, registry):
    return [(p.path, p.message) for p in validate(card, registry)]


def test_the_examples_are_valid(registry, quickstart):
    assert validate(quickstart[0], registry) == []
    assert validate(minimal(), registry) == []


def test_combined_schema_is_a_valid_2020_12_schema_with_every_rule(registry):
    schema = scorecard_schema(registry)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]["rule"]["properties"]["name"]["enum"]) == set(registry.rules)
    assert schema["$defs"]["params.linear"] == registry.rules["linear"].params_schema
    jsonschema.Draft202012Validator.check_schema(base_schema("result.schema.json"))


def test_rule_params_are_checked_by_the_rules_own_schema(registry):
    card = minimal()
    card["dimensions"][1]["rule"]["params"] = {"per_event": "four"}
    [(path, message)] = messages(card, registry)
    assert path == "$.dimensions[1].rule.params.per_event" and message == "wrong type"


def test_every_problem_is_reported_with_its_yaml_line(registry, tmp_path):
    text = """id: t
name: 测试
period: 2025
indicators:
  - {id: a, name: A}
dimensions:
  - id: d1
    name: D1
    children:
      - id: i1
        indicator: a
        max_points: ten
        rule: {name: lineer, params: {lower: 0, upper: 1}}
      - id: i2
        indicator: nope
        max_points: 5
        rule: {name: linear, params: {lower: 0, upper: 1}}
        colour: red
"""
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    problems = validate(path, registry)
    found = {(p.line, p.path) for p in problems}
    assert (12, "$.dimensions[0].children[0].max_points") in found
    assert (13, "$.dimensions[0].children[0].rule.name") in found
    assert (18, "$.dimensions[0].children[1].colour") in found
    lineer = next(p for p in problems if p.path.endswith("rule.name"))
    assert "did you mean 'linear'" in lineer.message and lineer.found == "'lineer'"
    assert all(p.source == str(path) for p in problems)


def test_semantic_checks(registry):
    card = minimal()
    card["dimensions"][0]["children"].append(copy.deepcopy(card["dimensions"][0]["children"][0]))  # duplicate id i1
    card["dimensions"][1]["indicator"] = "missing_one"
    card["indicators"].append({"id": "a", "name": "again"})
    card["grading"]["bands"].append({"min": 0, "grade": "pass"})
    found = messages(card, registry)
    assert ("$.dimensions[0].children[1].id", "the id 'i1' is used by two nodes") in found
    assert ("$.dimensions[1].indicator", "unknown indicator") in found
    assert ("$.indicators[2].id", "the indicator id 'a' is used twice") in found
    assert ("$.grading.bands[2].grade", "the grade 'pass' is given twice") in found
    assert ("$.grading.bands[2].min", "two bands start at the same score") in found


def test_weights_of_siblings_must_add_up(registry):
    card = minimal()
    card["dimensions"][0]["weight"] = 0.5
    del card["dimensions"][1]["max_points"]
    card["dimensions"][1]["weight"] = 0.3
    [problem] = validate(card, registry)
    assert problem.path == "$.dimensions" and problem.found == "a sum of 0.8"
    card["dimensions"][1]["weight"] = 0.5
    assert validate(card, registry) == []
    card["dimensions"][0]["weight"], card["dimensions"][1]["weight"] = 60, 40  # percentages
    assert validate(card, registry) == []


def test_siblings_cannot_mix_weights_and_points(registry):
    card = minimal()
    card["dimensions"][0]["weight"] = 1
    [problem] = validate(card, registry)
    assert problem.message == "siblings must all have a weight, or none" and problem.path == "$.dimensions[1]"


def test_declared_dimension_points_must_match_children(registry):
    card = minimal()
    card["dimensions"][0]["max_points"] = 50
    [problem] = validate(card, registry)
    assert problem.path == "$.dimensions[0].max_points" and problem.expected == "60"


def test_total_points_must_match_points(registry):
    assert [p.expected for p in validate(minimal(total_points=110), registry)] == ["100"]
    assert validate(minimal(total_points=100), registry) == []


def test_target_indicator_must_be_known(registry):
    card = minimal()
    card["dimensions"][0]["children"][0]["rule"] = {"name": "target", "params": {"target_indicator": "plan"}}
    [problem] = validate(card, registry)
    assert problem.path == "$.dimensions[0].children[0].rule.params.target_indicator"


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("a: [1\n", "not valid YAML"),
    ("id: t\nid: u\n", "the key 'id' is given twice"),
    ("- 1\n- 2\n", "wrong type"),
])
def test_broken_yaml(registry, tmp_path, text, message):
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    problems = validate(path, registry)
    assert problems and message in problems[0].message


def test_broken_json_names_the_line(registry, tmp_path):
    path = tmp_path / "card.json"
    path.write_text('{"id": "t",\n "name": }', encoding="utf-8")
    [problem] = validate(path, registry)
    assert problem.line == 2 and "not valid JSON" in problem.message


def test_json_scorecard_loads_like_yaml(registry, tmp_path):
    path = tmp_path / "card.json"
    path.write_text(json.dumps(minimal(), ensure_ascii=False), encoding="utf-8")
    card = evalkit.load_scorecard(path, registry)
    assert card.total_points == 100 and [i.id for i in card.items()] == ["i1", "i2"]


def test_load_scorecard_raises_definition_error_with_all_problems(registry):
    card = minimal(period=None)
    with pytest.raises(evalkit.DefinitionError) as info:
        evalkit.load_scorecard(card, registry)
    assert info.value.exit_code == 2 and info.value.problems[0].path == "$.period"


def test_dates_in_yaml_stay_text():
    assert parse_yaml("period: 2025-06-30\n").data == {"period": "2025-06-30"}


def test_printed_schema_checks_a_scorecard_as_an_editor_would(registry, quickstart, capsys):
    from evalkit.cli import main

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    card = parse_yaml(quickstart[0].read_text(encoding="utf-8")).data
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(card)) == []
    card["dimensions"][0]["children"][0]["rule"]["params"]["lower"] = "sixty"
    [error] = list(jsonschema.Draft202012Validator(schema).iter_errors(card))
    assert list(error.absolute_path) == ["dimensions", 0, "children", 0, "rule", "params", "lower"]


@pytest.mark.parametrize("text, found", [(".inf", "inf"), (".nan", "nan"), ("1.0e+308", "1e+308")])
def test_infinite_nan_and_huge_numbers_are_refused(registry, tmp_path, text, found):
    card = f"""id: t
name: T
period: "1"
indicators: [{{id: a, name: A}}]
dimensions:
  - id: i
    indicator: a
    max_points: 10
    rule: {{name: linear, params: {{lower: 0, upper: {text}}}}}
"""
    path = tmp_path / "card.yaml"
    path.write_text(card, encoding="utf-8")
    [problem] = validate(path, registry)
    assert problem.path == "$.dimensions[0].rule.params.upper" and problem.line == 9 and problem.found == found


def test_decimals_written_as_a_float_are_accepted(registry):
    raw = json.loads(json.dumps({"id": "t", "name": "T", "period": "1", "rounding": {"decimals": 2.0},
                                 "indicators": [{"id": "a", "name": "A"}],
                                 "dimensions": [{"id": "i", "indicator": "a", "max_points": 10,
                                                 "rule": {"name": "linear", "params": {"lower": 0, "upper": 1}}}]}))
    assert evalkit.load_scorecard(raw, registry).rounding_decimals == 2
