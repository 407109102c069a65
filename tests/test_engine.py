"""Scoring end to end through the Python API: roll-up, weights, missing data, grades, ranks, properties."""


import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.definition.schemas import base_schema


def card(**changes):
    data = {
        "id": "t", "name": {"zh": "测试", "en": "Test"}, "period": "2025",
        "indicators": [{"id": "a", "name": "A"}, {"id": "b", "name": "B", "direction": "lower"},
                       {"id": "c", "name": "C"}],
        "dimensions": [
            {"id": "d1", "name": "D1", "children": [
                {"id": "i1", "indicator": "a", "max_points": 30, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}},
                {"id": "i2", "indicator": "c", "max_points": 30, "rule": {"name": "target", "params": {"target": 10}}},
            ]},
            {"id": "d2", "name": "D2", "children": [
                {"id": "i3", "indicator": "b", "max_points": 40, "rule": {"name": "per_event", "params": {"per_event": 4}}},
            ]},
        ],
        "grading": {"bands": [{"min": 90, "grade": "good"}, {"min": 60, "grade": "pass"}, {"min": 0, "grade": "fail"}]},
    }
    data.update(changes)
    return evalkit.load_scorecard(data)


def test_points_roll_up_by_hand():
    sc = card()
    ev = evalkit.evaluate(sc, {"a": {"u1": 50, "u2": 100}, "b": {"u1": 1, "u2": 0}, "c": {"u1": 5, "u2": 12}})
    u1, u2 = ev.unit("u1"), ev.unit("u2")
    # u1: 30 x 50/100 = 15; 30 x 5/10 = 15; 40 - 4 = 36
    assert (u1.items["i1"].points, u1.items["i2"].points, u1.items["i3"].points) == (15, 15, 36)
    assert u1.dimensions == {"d1": 30, "d2": 36} and u1.total == 66
    assert u2.total == 100 and u2.grade.grade == "good" and u1.grade.grade == "pass"
    assert (u2.rank, u1.rank) == (1, 2)


def test_weights_share_the_total():
    data = {
        "id": "w", "name": "W", "period": "1",
        "indicators": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "dimensions": [
            {"id": "x", "name": "X", "weight": 0.6, "children": [
                {"id": "xa", "indicator": "a", "weight": 0.5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 10}}},
                {"id": "xb", "indicator": "b", "weight": 0.5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 10}}},
            ]},
            {"id": "y", "name": "Y", "weight": 0.4, "children": [
                {"id": "ya", "indicator": "a", "max_points": 5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 10}}},
            ]},
        ],
    }
    ev = evalkit.evaluate(evalkit.load_scorecard(data), {"a": [10, 5], "b": [0, 10]}, units=["p", "q"])
    p, q = ev.unit("p"), ev.unit("q")
    # p: xa full (30 of 30), xb 0, ya full (40 of 40) -> 70; q: xa 15, xb 30, ya 20 -> 65.
    assert p.items["xa"].points == 100 and p.items["xa"].score == 30 and p.items["ya"].share == 40
    assert (p.total, q.total) == (70, 65)
    assert ev.grades.tolist() == [-1, -1]  # no grading scheme: no grade


def test_missing_zero_flags_and_reweight_redistributes():
    sc = card()
    items = sc.raw["dimensions"][0]["children"]
    data = {"a": {"u1": 100, "u2": 100}, "b": {"u1": 0, "u2": 0}, "c": {"u1": 10}}
    ev = evalkit.evaluate(sc, data)
    assert ev.unit("u2").items["i2"].missing and ev.unit("u2").items["i2"].flag == "missing_scored_zero"
    assert ev.unit("u2").total == 70
    items[1]["missing"] = "reweight"
    ev = evalkit.evaluate(evalkit.load_scorecard(sc.raw), data)
    u2 = ev.unit("u2")
    # i2's 30 points go to its sibling i1 for u2 only: i1 is worth 60 for u2 and 30 for u1.
    assert u2.items["i1"].share == 60 and u2.items["i1"].score == 60 and u2.total == 100
    assert ev.unit("u1").items["i1"].share == 30
    assert u2.items["i2"].flag == "missing_reweighted"


def test_whole_dimension_missing_reweights_across_dimensions():
    raw = card().raw
    raw["dimensions"][1]["children"][0]["missing"] = "reweight"
    ev = evalkit.evaluate(evalkit.load_scorecard(raw), {"a": {"u": 50}, "c": {"u": 5}})
    u = ev.unit("u")
    assert u.items["i1"].share == 50 and u.total == 50  # 60 points of d1 scaled to the whole 100


def test_missing_fail_names_the_units():
    raw = card().raw
    raw["dimensions"][0]["children"][0]["missing"] = "fail"
    with pytest.raises(evalkit.DataError) as info:
        evalkit.evaluate(evalkit.load_scorecard(raw), {"a": {"u1": 1}, "b": {"u2": 0}, "c": {"u1": 1}})
    assert info.value.exit_code == 3
    assert "for item 'i1'" in info.value.problems[0].message and "'u2'" in info.value.problems[0].path


def test_values_a_rule_cannot_take_are_data_errors():
    with pytest.raises(evalkit.DataError) as info:
        evalkit.evaluate(card(), {"a": {"u": 1}, "b": {"u": -2}, "c": {"u": 1}})
    assert "outside what rule 'per_event' accepts" in info.value.problems[0].message


def test_grade_band_edges_are_inclusive():
    sc = card()
    ev = evalkit.evaluate(sc, {"a": [100, 100, 0], "b": [2.5, 10, 10], "c": [10, 10, 0]}, units=["x", "y", "z"])
    assert ev.unit("x").total == 90 and ev.unit("x").grade.grade == "good"
    assert ev.unit("y").total == 60 and ev.unit("y").grade.grade == "pass"
    assert ev.unit("z").total == 0 and ev.unit("z").grade.grade == "fail"


@pytest.mark.parametrize("ties, expected", [("min", [1, 2, 2, 4]), ("dense", [1, 2, 2, 3]), ("ordinal", [1, 2, 3, 4])])
def test_tie_rules(ties, expected):
    sc = card(ranking={"ties": ties})
    ev = evalkit.evaluate(sc, {"a": [100, 50, 50, 0], "b": [0, 0, 0, 0], "c": [10, 10, 10, 10]}, units=["w", "y", "x", "z"])
    assert [ev.unit(u).rank for u in ["w", "x", "y", "z"]] == expected  # ordinal breaks ties by id: x before y


def test_json_result_validates_and_keeps_what_produced_each_point():
    ev = evalkit.evaluate(card(), {"a": {"u1": 50}, "b": {"u1": 1}, "c": {"u1": 5}})
    doc = ev.to_dict()
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(doc)
    item = doc["units"][0]["items"]["i1"]
    assert item == {"value": 50, "points": 15, "weight": 30, "score": 15}
    definition = next(i for i in doc["items"] if i["id"] == "i1")
    assert definition["rule"] == "linear" and definition["params"] == {"lower": 0, "upper": 100}


units_and_values = st.integers(2, 25).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.floats(0, 120, allow_nan=False), min_size=n, max_size=n),
    st.lists(st.integers(0, 15), min_size=n, max_size=n),
    st.lists(st.one_of(st.none(), st.floats(0, 20, allow_nan=False)), min_size=n, max_size=n),
    st.randoms(use_true_random=False),
))


@settings(max_examples=60)
@given(case=units_and_values)
def test_shuffling_units_changes_no_result_and_json_is_byte_identical(case):
    n, a, b, c, rnd = case
    sc = card()
    ids = [f"u{i:02d}" for i in range(n)]
    data = {"a": dict(zip(ids, a)), "b": dict(zip(ids, b)), "c": {u: v for u, v in zip(ids, c) if v is not None}}
    first = evalkit.evaluate(sc, data, units=ids)
    shuffled_ids = ids[:]
    rnd.shuffle(shuffled_ids)
    shuffled = {k: dict(sorted(v.items(), key=lambda kv: rnd.random())) for k, v in data.items()}
    second = evalkit.evaluate(sc, shuffled, units=shuffled_ids)
    assert first.to_json() == second.to_json()
    assert evalkit.evaluate(sc, data, units=ids).to_json() == first.to_json()
    totals = first.totals
    assert (totals >= 0).all() and (totals <= sc.total_points).all()
    for uid in ids:  # the total is exactly the sum of the published item scores
        u = first.unit(uid)
        assert u.total == pytest.approx(sum(s.score for s in u.items.values()), abs=1e-9)


@settings(max_examples=40)
@given(a=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=20), bump=st.floats(0, 50))
def test_improving_one_value_never_lowers_the_total_or_grade(a, bump):
    sc = card()
    n = len(a)
    ids = [f"u{i}" for i in range(n)]
    base = {"a": a, "b": [1] * n, "c": [5] * n}
    better = {"a": [a[0] + bump] + a[1:], "b": [1] * n, "c": [5] * n}
    before, after = evalkit.evaluate(sc, base, units=ids), evalkit.evaluate(sc, better, units=ids)
    assert after.totals[0] >= before.totals[0]
    assert after.grades[0] <= before.grades[0]  # band index: 0 is the best band
    assert after.ranks[0] <= before.ranks[0]


def test_in_memory_data_with_unknown_indicator_or_unit_is_rejected():
    with pytest.raises(evalkit.DataError):
        evalkit.evaluate(card(), {"zzz": {"u": 1}})
    with pytest.raises(evalkit.DataError):
        evalkit.evaluate(card(), {"a": {"ghost": 1}}, units=["u"])
    with pytest.raises(evalkit.DataError):
        evalkit.evaluate(card(), {"a": [1, 2, 3]}, units=["u"])


def test_explanation_walks_from_value_to_grade():
    ev = evalkit.evaluate(card(), {"a": {"u1": 50}, "b": {"u1": 1}, "c": {"u1": 5}})
    zh = "\n".join(ev.explain("u1", "zh"))
    en = "\n".join(ev.explain("u1", "en"))
    assert "实际值 50" in zh and "总分 66" in zh and "排名 1/1" in zh
    assert "1 events at 4 off each" in en and "total 66, grade pass" in en


def test_a_value_the_rule_cannot_score_is_explained_by_the_rule():
    raw = card().raw
    raw["dimensions"][0]["children"][1]["rule"] = {"name": "target", "params": {"target_indicator": "b"}}
    ev = evalkit.evaluate(evalkit.load_scorecard(raw), {"a": {"u": 50}, "b": {"u": 0}, "c": {"u": 4}})
    line = next(x for x in ev.explain("u", "en") if "[target]" in x)
    assert "actual 4" in line and "cannot be scored" in line and "no value" not in line


def test_a_unit_with_no_value_for_any_item_has_no_total_and_no_grade():
    raw = card().raw
    for node in raw["dimensions"]:
        for child in node["children"]:
            child["missing"] = "reweight"
    ev = evalkit.evaluate(evalkit.load_scorecard(raw), {"a": {"u1": 50}, "b": {"u1": 1}, "c": {"u1": 5}},
                          units=["u1", "u2"])
    u2 = ev.unit("u2")
    assert np.isnan(u2.total) and u2.grade is None and u2.rank == 2
    assert ev.unit("u1").total == 66 and ev.unit("u1").rank == 1
    doc = ev.to_dict()
    jsonschema.Draft202012Validator(base_schema("result.schema.json")).validate(doc)
    assert next(u for u in doc["units"] if u["id"] == "u2")["total"] is None
    assert "no total" in "\n".join(ev.explain("u2", "en"))
