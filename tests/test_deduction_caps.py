"""限扣: a block of per-event deductions capped at the dimension, with the points given back explained."""

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.definition.schemas import base_schema


def card(cap=5):
    return evalkit.load_scorecard(raw(cap))


def raw(cap):
    return {
        "id": "c", "name": {"zh": "限扣", "en": "Caps"}, "period": "1",
        "indicators": [{"id": "missed", "name": {"zh": "缺会", "en": "Missed"}, "direction": "lower"},
                       {"id": "late", "name": {"zh": "迟报", "en": "Late"}, "direction": "lower"},
                       {"id": "rate", "name": "Rate"}],
        "dimensions": [
            {"id": "discipline", "name": {"zh": "纪律", "en": "Discipline"}, "deduction_cap": cap, "children": [
                {"id": "meetings", "indicator": "missed", "max_points": 10, "rule": {"name": "per_event", "params": {"per_event": 1}}},
                {"id": "reports", "indicator": "late", "max_points": 10, "rule": {"name": "per_event", "params": {"per_event": 2}}}]},
            {"id": "work", "name": "Work", "children": [
                {"id": "r", "indicator": "rate", "max_points": 80, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]},
        ]}


def test_block_cap_limits_the_deductions_of_its_items():
    # missed 3 (3 off) + late 2 (4 off) = 7 off; the block loses at most 5: 20 - 5 = 15.
    ev = evalkit.evaluate(card(), {"missed": {"u": 3, "v": 1}, "late": {"u": 2, "v": 1}, "rate": {"u": 100, "v": 100}})
    u, v = ev.unit("u"), ev.unit("v")
    assert (u.items["meetings"].points, u.items["reports"].points) == (7, 6)
    assert u.dimensions["discipline"] == 15 and u.total == 95
    assert v.dimensions["discipline"] == 17 and v.total == 97  # 3 off: under the cap
    assert "限扣 5 分，超出部分 2 分不计" in "\n".join(ev.explain("u", "zh"))
    doc = ev.to_dict()
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(doc)
    assert next(x for x in doc["units"] if x["id"] == "u")["deduction_caps"] == {"discipline": 2}


def test_cap_larger_than_the_dimension_is_refused():
    [problem] = evalkit.validate(raw(25), evalkit.default_registry())
    assert problem.path == "$.dimensions[0].deduction_cap" and problem.expected == "at most 20"


@settings(max_examples=50)
@given(missed=st.integers(0, 20), late=st.integers(0, 20), cap=st.floats(0.5, 20))
def test_the_block_never_loses_more_than_its_cap(missed, late, cap):
    ev = evalkit.evaluate(card(cap), {"missed": {"u": missed}, "late": {"u": late}, "rate": {"u": 50}})
    u = ev.unit("u")
    lost = 20 - u.dimensions["discipline"]
    assert lost <= cap + 0.005 and lost <= missed + 2 * late + 1e-9


def test_points_not_earned_on_ordinary_items_are_not_deductions():
    mixed = raw(5)
    mixed["dimensions"][0]["children"][1] = {"id": "ordinary", "indicator": "rate", "max_points": 10,
                                             "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}
    ev = evalkit.evaluate(evalkit.load_scorecard(mixed), {"missed": {"u": 0, "v": 8}, "rate": {"u": 0, "v": 0}})
    assert ev.unit("u").dimensions["discipline"] == 10  # the linear item's 10 points were never deductions
    assert ev.unit("v").dimensions["discipline"] == 5  # 8 off on the per-event item, capped at 5: 2 + 3 back
    assert ev.cap_restored["discipline"].tolist() == [0, 3]
