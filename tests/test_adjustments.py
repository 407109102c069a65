"""Bonus and deduction caps, the five veto effects, and gates: totals, grades and the reasons kept."""

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.definition.schemas import base_schema
from evalkit.scoring.rounding import round_array


def scorecard(**extra):
    data = {
        "id": "adj", "name": {"zh": "加减分测试", "en": "Adjustments"}, "period": "2025",
        "indicators": [{"id": "a", "name": "A"}, {"id": "sat", "name": {"zh": "满意度", "en": "Satisfaction"}, "unit": "%"}],
        "dimensions": [{"id": "i", "indicator": "a", "max_points": 100, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}],
        "grading": {"bands": [{"min": 90, "grade": "advanced", "label": {"zh": "先进", "en": "Advanced"}},
                              {"min": 60, "grade": "average", "label": {"zh": "一般", "en": "Average"}},
                              {"min": 0, "grade": "lagging", "label": {"zh": "后进", "en": "Lagging"}}]},
        "bonus": {"cap": 15, "items": [{"id": "honours", "name": {"zh": "表彰奖励", "en": "Honours"}, "cap": 5},
                                       {"id": "innovation", "name": {"zh": "创新", "en": "Innovation"}, "cap": 12}]},
        "deductions": {"blocks": [{"id": "discipline", "cap": 10}],
                       "items": [{"id": "incidents", "name": {"zh": "违纪", "en": "Incidents"}, "cap": 8, "block": "discipline"},
                                 {"id": "late", "name": {"zh": "迟报", "en": "Late reports"}, "block": "discipline"},
                                 {"id": "other", "name": "Other", "cap": 3}]},
        "vetoes": [
            {"id": "safety", "name": {"zh": "重大安全事故", "en": "Serious safety incident"}, "effect": "force_grade", "grade": "lagging"},
            {"id": "case", "name": {"zh": "违纪案件", "en": "Discipline case"}, "effect": "cap_grade", "grade": "average"},
            {"id": "honours_ban", "name": "Honours ban", "effect": "disqualify_honours"},
            {"id": "fraud", "name": "Fraud", "effect": "zero"},
            {"id": "late_report", "name": "Late annual report", "effect": "deduct", "points": 5},
        ],
        "gates": [{"id": "weak", "name": {"zh": "满意度门槛", "en": "Satisfaction gate"}, "indicator": "sat",
                   "below": 60, "effect": "force_grade", "grade": "lagging"},
                  {"id": "no_top", "indicator": "sat", "below": 90, "effect": "cap_grade", "grade": "average"}],
    }
    data.update(extra)
    return evalkit.load_scorecard(data)


def run(values, records=(), sat=None):
    ids = [f"u{i}" for i in range(len(values))]
    sat = sat if sat is not None else [95] * len(values)
    return evalkit.evaluate(scorecard(), {"a": dict(zip(ids, values)), "sat": dict(zip(ids, sat))}, adjustments=records)


def test_bonus_caps_per_item_and_overall():
    records = [{"unit": "u0", "item": "honours", "points": 3, "reason": "省级先进", "evidence": "省委〔2025〕12号"},
               {"unit": "u0", "item": "honours", "points": 4, "reason": "市级表彰"},
               {"unit": "u0", "item": "innovation", "points": 12}]
    u = run([70], records).unit("u0")
    # honours 7 claimed, 5 counted (item cap); 5 + 12 = 17 capped at 15 overall.
    assert (u.items_total, u.bonus, u.total) == (70, 15, 85)


def test_deductions_cap_per_item_and_per_block():
    records = [{"unit": "u0", "item": "incidents", "points": 9}, {"unit": "u0", "item": "late", "points": 4},
               {"unit": "u0", "item": "other", "points": 5}]
    u = run([90], records).unit("u0")
    # incidents 9 -> 8 (item cap); block discipline 8 + 4 = 12 -> 10; other 5 -> 3. Total off 13.
    assert (u.deduction, u.total) == (13, 77)


def test_total_never_goes_below_zero():
    u = run([5], [{"unit": "u0", "item": "other", "points": 3}, {"unit": "u0", "item": "late_report"}]).unit("u0")
    assert u.total == 0


@pytest.mark.parametrize("veto, expected_total, expected_grade, eligible", [
    ("safety", 95, "lagging", True),
    ("case", 95, "average", True),
    ("honours_ban", 95, "advanced", False),
    ("fraud", 0, "lagging", True),
    ("late_report", 90, "advanced", True),
])
def test_each_veto_effect(veto, expected_total, expected_grade, eligible):
    ev = run([95, 95], [{"unit": "u0", "item": veto, "reason": "查实", "evidence": "通报〔2025〕3号", "authority": "县纪委"}])
    u, other = ev.unit("u0"), ev.unit("u1")
    assert (u.total, u.grade.grade, u.honours_eligible) == (expected_total, expected_grade, eligible)
    assert (other.total, other.grade.grade, other.honours_eligible) == (95, "advanced", True)
    doc = next(x for x in ev.to_dict()["units"] if x["id"] == "u0")
    [kept] = doc["vetoes"]
    assert kept["id"] == veto and kept["records"][0] == {"item": veto, "reason": "查实", "evidence": "通报〔2025〕3号",
                                                          "authority": "县纪委"}
    text = "\n".join(ev.explain("u0", "zh"))
    assert "一票否决" in text and "县纪委" in text


def test_gates_force_and_cap_grades_and_say_why():
    ev = run([95, 95, 95, 95], sat=[50, 80, 95, float("nan")])
    grades = [ev.unit(f"u{i}").grade.grade for i in range(4)]
    assert grades == ["lagging", "average", "advanced", "advanced"]  # a missing value is not gated by default
    weak = ev.unit("u0")
    assert [c.id for c in weak.grade_changes] == ["weak", "no_top"]
    doc = next(x for x in ev.to_dict()["units"] if x["id"] == "u0")
    assert doc["grade_from_bands"] == "advanced" and doc["grade"] == "lagging"
    assert "门槛「满意度门槛」：满意度 < 60，等次定为 后进" in "\n".join(ev.explain("u0", "zh"))


def test_result_with_adjustments_validates_against_the_schema():
    ev = run([95, 60], [{"unit": "u0", "item": "honours", "points": 2, "reason": "表彰"},
                        {"unit": "u1", "item": "case", "authority": "县纪委"}])
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(ev.to_dict())


@pytest.mark.parametrize("record, message", [
    ({"unit": "ghost", "item": "honours", "points": 1}, "unknown unit"),
    ({"unit": "u0", "item": "medal", "points": 1}, "unknown bonus, deduction or veto item"),
    ({"unit": "u0", "item": "honours"}, "a bonus record needs its points"),
    ({"unit": "u0", "item": "incidents", "points": -2}, "a deduction record needs its points"),
    ({"unit": "u0", "item": "safety", "points": 3}, "veto 'safety' takes no points"),
    ({"unit": "u0", "item": "honours", "points": "two"}, "the points are not usable"),
])
def test_bad_records_are_reported(record, message):
    with pytest.raises(evalkit.DataError) as info:
        run([50], [record])
    problem = info.value.problems[0]
    assert message in problem.message and problem.path.startswith("$[0].")  # the record, and the column in it


def test_scorecard_checks_for_adjustments():
    base = scorecard().raw
    bad = dict(base, vetoes=[{"id": "x", "name": "X", "effect": "cap_grade", "grade": "excellent"},
                             {"id": "i", "name": "dup", "effect": "zero"}])
    bad["deductions"] = {"items": [{"id": "d", "name": "D", "block": "nowhere"}]}
    found = {(p.path, p.message) for p in evalkit.validate(bad, evalkit.default_registry())}
    assert ("$.vetoes[0].grade", "unknown grade") in found
    assert ("$.vetoes[1].id", "the id 'i' is already used") in found
    assert ("$.deductions.items[0].block", "unknown deduction block") in found
    missing_points = dict(base, vetoes=[{"id": "x", "name": "X", "effect": "deduct"}])
    [problem] = evalkit.validate(missing_points, evalkit.default_registry())
    assert problem.path == "$.vetoes[0]" and "'points' is missing" in problem.message


@settings(max_examples=50)
@given(claims=st.lists(st.tuples(st.sampled_from(["honours", "innovation", "incidents", "late", "other"]),
                                 st.floats(0, 30, allow_nan=False)), max_size=12),
       base=st.floats(0, 100, allow_nan=False))
def test_caps_hold_whatever_is_claimed(claims, base):
    records = [{"unit": "u0", "item": item, "points": p, "reason": f"event {k}"}  # distinct events: no duplicates
               for k, (item, p) in enumerate(claims)]
    u = run([base], records).unit("u0")
    assert 0 <= u.bonus <= 15 and 0 <= u.deduction <= 13
    assert u.total == max(0.0, float(round_array(u.items_total + u.bonus - u.deduction, 2)))


def test_cli_reads_an_adjustments_file(quickstart, capsys, tmp_path):
    from evalkit.cli import main

    card, data, units = quickstart
    adjustments = card.parent / "adjustments.csv"
    out = tmp_path / "r.json"
    args = ["run", str(card), "--data", str(data), "--units", str(units), "--adjustments", str(adjustments)]
    assert main([*args, "--format", "json", "-o", str(out)]) == 0
    import json

    doc = json.loads(out.read_text(encoding="utf-8"))
    u12 = next(u for u in doc["units"] if u["id"] == "U12")
    assert u12["grade"] == "poor" and u12["grade_from_bands"] == "fairly_good"
    assert u12["vetoes"][0]["records"][0]["authority"] == "县纪委监委"
    u03 = next(u for u in doc["units"] if u["id"] == "U03")
    assert u03["bonus"] == 4 and u03["total"] == u03["items_total"] + 4
    assert main([*args, "--format", "csv", "--lang", "en"]) == 0
    assert "Adjust." in capsys.readouterr().out
    bad = tmp_path / "adj.csv"
    bad.write_text("unit,item,points\nU01,medal,1\n", encoding="utf-8")
    assert main(["run", str(card), "--data", str(data), "--units", str(units), "--adjustments", str(bad)]) == 3
    err = capsys.readouterr().err
    assert f"{bad}, row 2, column 'item': unknown bonus, deduction or veto item" in err


def test_explanations_show_block_and_overall_caps_only_when_they_bite():
    records = [{"unit": "u0", "item": "incidents", "points": 9}, {"unit": "u0", "item": "late", "points": 4},
               {"unit": "u0", "item": "honours", "points": 5}, {"unit": "u0", "item": "innovation", "points": 10},
               {"unit": "u1", "item": "honours", "points": 0.1}, {"unit": "u1", "item": "honours", "points": 0.2}]
    ev = run([90, 90], records)
    text = "\n".join(ev.explain("u0", "en"))
    assert "deduction block discipline adds up to 12, capped at 10" in text
    assert "bonuses add up to 15, capped at 15" not in text  # 5 + 10 = 15: the cap does not bite
    doc = {u["id"]: u for u in ev.to_dict()["units"]}
    assert doc["u0"]["deduction_blocks_capped"] == {"discipline": 12}
    assert doc["u1"]["adjustments"][0]["claimed"] == 0.3  # not 0.30000000000000004
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(ev.to_dict())


def test_a_grade_cap_never_gives_a_grade_to_a_unit_below_every_band():
    raw = scorecard().raw
    raw["grading"]["bands"] = [{"min": 90, "grade": "advanced"}, {"min": 60, "grade": "average"}, {"min": 40, "grade": "lagging"}]
    raw["gates"] = [{"id": "g", "indicator": "sat", "below": 60, "effect": "cap_grade", "grade": "average"}]
    ev = evalkit.evaluate(evalkit.load_scorecard(raw), {"a": {"u0": 20, "u1": 95}, "sat": {"u0": 10, "u1": 10}},
                          adjustments=[{"unit": "u0", "item": "case"}])
    assert ev.unit("u0").grade is None  # 20 points: below every band, a cap must not lift it to "average"
    assert ev.unit("u1").grade.grade == "average"
