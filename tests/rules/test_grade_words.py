"""grade_words: grade codes to points on the item's own scale; an unlisted code is missing."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.definition.model import Indicator
from evalkit.rules.grade_words import GradeWordsRule
from tests.rulekit import score

RULE = GradeWordsRule()
# DOMAIN.md: "excellent 100/95/90, competent 85/80/75, basically competent 70/65/60, not competent 55".
# Code 1 is the best grade, so the indicator is lower-is-better; points on a 0..100 item.
WORDS = [("优秀", "excellent"), ("称职", "competent"), ("基本称职", "basically competent")]
DOMAIN = {"grades": [
    {"value": 3 * i + j + 1, "label": {"zh": f"{zh}（{'上中下'[j]}）", "en": f"{en} ({('high', 'mid', 'low')[j]})"},
     "points": 100 - 5 * (3 * i + j)}
    for i, (zh, en) in enumerate(WORDS) for j in range(3)
] + [{"value": 10, "label": {"zh": "不称职", "en": "not competent"}, "points": 55}]}
# The same words with the best grade as the largest code (higher is better), on a 10-point item.
UPWARD = {"grades": [{"value": 4, "label": {"zh": "优秀", "en": "excellent"}, "points": 10},
                     {"value": 3, "label": {"zh": "称职", "en": "competent"}, "points": 8},
                     {"value": 2, "label": {"zh": "基本称职", "en": "basically competent"}, "points": 6},
                     {"value": 1, "label": "not competent", "points": 0}]}


def test_domain_table_by_hand():
    assert [g["points"] for g in DOMAIN["grades"]] == [100, 95, 90, 85, 80, 75, 70, 65, 60, 55]
    points, _ = score(RULE, DOMAIN, [1, 2, 3, 5, 9, 10], max_points=100, direction="lower")
    assert points.tolist() == [100, 95, 90, 80, 60, 55]


def test_unlisted_codes_are_missing():
    points, _ = score(RULE, DOMAIN, [11, 0, 4.5, -1, 1e9, 4], max_points=100, direction="lower")
    assert np.isnan(points[:5]).all() and points[5] == 85


def test_higher_is_better_codes():
    points, _ = score(RULE, UPWARD, [4, 3, 2, 1, 5], max_points=10)
    assert points[:4].tolist() == [10, 8, 6, 0] and np.isnan(points[4])


@pytest.mark.parametrize("params", [
    {},
    {"grades": []},
    {"grades": [{"value": 1, "points": 10}]},
    {"grades": [{"value": 1, "label": "A"}]},
    {"grades": [{"value": "A", "label": "A", "points": 10}]},
    {"grades": [{"value": 1, "label": {}, "points": 10}]},
    {"grades": [{"value": 1, "label": {"fr": "A"}, "points": 10}]},
    {"grades": [{"value": 1, "label": "A", "points": -5}]},
    {"grades": [{"value": 1, "label": "A", "points": 5}], "scale": 100},
])
def test_schema_rejects_bad_params(params):
    jsonschema.Draft202012Validator.check_schema(RULE.params_schema)
    assert list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(params))


def test_schema_accepts_the_domain_table():
    validator = jsonschema.Draft202012Validator(RULE.params_schema)
    assert not list(validator.iter_errors(DOMAIN)) and not list(validator.iter_errors(UPWARD))


def test_check_catches_points_above_max_duplicates_and_order():
    lower, higher = Indicator(id="x", name="x", direction="lower"), Indicator(id="x", name="x")
    assert not list(RULE.check(DOMAIN, 100, lower))
    # Points are on the item's own scale: the 0..100 table does not fit a 10-point item.
    problems = list(RULE.check(DOMAIN, 10, lower))
    assert [p.path for p in problems] == [("grades", i, "points") for i in range(10)]
    assert problems[0].expected == "at most 10" and problems[0].found == "100"
    # Code 1 the best grade on a higher-is-better indicator: every larger code earns less.
    problems = list(RULE.check(DOMAIN, 100, higher))
    assert problems and all(p.path[:1] == ("grades",) for p in problems)
    dup = {"grades": [{"value": 1, "label": "A", "points": 5}, {"value": 1, "label": "B", "points": 5}]}
    assert [p.path for p in RULE.check(dup, 10, higher)] == [("grades", 1, "value")]


def grade_tables():
    """Higher-is-better tables: distinct codes, points non-decreasing with the code, within 0..10."""
    return st.builds(
        lambda codes, points: {"grades": [{"value": c, "label": f"g{c}", "points": p}
                                          for c, p in zip(sorted(codes), sorted(points[: len(codes)]))]},
        st.sets(st.integers(-20, 20), min_size=1, max_size=6), st.lists(st.floats(0, 10), min_size=6, max_size=6),
    )


def negated(params):
    return {"grades": [dict(g, value=-g["value"]) for g in params["grades"]]}


@given(params=grade_tables(), values=st.lists(st.integers(-25, 25), min_size=1, max_size=20),
       direction=st.sampled_from(["higher", "lower"]))
def test_points_stay_within_zero_and_max(params, values, direction):
    params = params if direction == "higher" else negated(params)
    points, _ = score(RULE, params, values, max_points=10, direction=direction)
    scored = points[~np.isnan(points)]
    assert ((scored >= 0) & (scored <= 10)).all()
    codes = {g["value"] for g in params["grades"]}
    assert np.isnan(points).tolist() == [v not in codes for v in values]  # missing exactly where unlisted


@given(params=grade_tables(), data=st.data(), direction=st.sampled_from(["higher", "lower"]))
def test_a_better_code_never_scores_lower(params, data, direction):
    params = params if direction == "higher" else negated(params)
    codes = [g["value"] for g in params["grades"]]
    a, b = data.draw(st.sampled_from(codes)), data.draw(st.sampled_from(codes))
    worse, better = sorted([a, b]) if direction == "higher" else sorted([a, b], reverse=True)
    points, _ = score(RULE, params, [worse, better], max_points=10, direction=direction)
    assert points[1] >= points[0]


@given(params=grade_tables(), values=st.lists(st.integers(-25, 25), min_size=1, max_size=20))
def test_lower_is_better_mirrors_higher(params, values):
    x = np.array(values, dtype=np.float64)
    up, _ = score(RULE, params, x, max_points=10, direction="higher")
    down, _ = score(RULE, negated(params), -x, max_points=10, direction="lower")
    assert np.array_equal(up, down, equal_nan=True)


def test_missing_values_stay_missing():
    points, _ = score(RULE, UPWARD, [np.nan, 3], max_points=10)
    assert np.isnan(points[0]) and points[1] == 8


def test_explanations_in_both_languages():
    points, ctx = score(RULE, DOMAIN, [2, 10, 11], max_points=100, direction="lower")
    label = RULE.explain(2.0, float(points[0]), ctx, 0)
    assert label.zh == "等次代码 2（优秀（中）），得 95 分"
    assert label.en == "grade code 2 (excellent (mid)): 95 points"
    assert "不称职" in RULE.explain(10.0, 55.0, ctx, 1).zh
    unlisted = RULE.explain(11.0, float("nan"), ctx, 2)
    assert "不在等次表中" in unlisted.zh and "not a listed grade" in unlisted.en
    _, ctx = score(RULE, UPWARD, [1], max_points=10)
    assert "not competent" in RULE.explain(1.0, 0.0, ctx, 0).zh  # one text serves both languages


def test_end_to_end():
    raw = {
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "review", "name": {"zh": "年度考核等次", "en": "Annual review grade"}, "direction": "lower"},
                       {"id": "other", "name": "Other"}],
        "dimensions": [
            {"id": "grade", "indicator": "review", "weight": 0.5, "rule": {"name": "grade_words", "params": DOMAIN}},
            {"id": "rest", "indicator": "other", "weight": 0.5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 1}}},
        ],
    }
    ev = evalkit.evaluate(evalkit.load_scorecard(raw), {"review": {"u1": 2, "u2": 7, "u3": 12}, "other": {"u1": 1, "u2": 1, "u3": 1}})
    # Under weights the item scores on 0..100: code 2 -> 95, half of the total -> 47.5; code 7 -> 70 -> 35.
    assert ev.unit("u1").items["grade"].points == 95 and ev.unit("u1").total == 97.5
    assert ev.unit("u2").items["grade"].points == 70 and ev.unit("u2").total == 85
    assert ev.unit("u3").items["grade"].missing and ev.unit("u3").total == 50  # code 12: missing, scored 0
    raw["dimensions"][0]["missing"] = "fail"
    with pytest.raises(evalkit.DataError, match="one its rule cannot score, for item 'grade'"):
        evalkit.evaluate(evalkit.load_scorecard(raw), {"review": {"u1": 2, "u3": 12}, "other": {"u1": 1, "u3": 1}})
