"""okr: an OKR score (0..1, or 0..100) times max_points, clamped; the pass mark only shows in explain."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.definition.model import Indicator
from evalkit.rules.okr import OkrRule
from tests.rulekit import score

RULE = OkrRule()
finite = st.floats(-1e4, 1e4, allow_nan=False)


def test_by_hand():
    # 20 points: 0.7 -> 14, 0.55 -> 11, 1.2 (a stretch result) -> capped at 20, -0.1 -> 0.
    points, _ = score(RULE, {"pass_mark": 0.7}, [0.7, 0.55, 1.2, -0.1, 0, 1], max_points=20)
    assert np.allclose(points, [14, 11, 20, 0, 0, 20], atol=1e-12)


def test_scale_of_100():
    points, _ = score(RULE, {"scale": 100, "pass_mark": 70}, [70, 55, 100, 130], max_points=20)
    assert points.tolist() == [14, 11, 20, 20]


@pytest.mark.parametrize("params", [
    {"scale": 10},
    {"scale": "100"},
    {"pass_mark": 0},
    {"pass_mark": -0.5},
    {"target": 1},
])
def test_schema_rejects_bad_params(params):
    jsonschema.Draft202012Validator.check_schema(RULE.params_schema)
    assert list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(params))


def test_check_catches_pass_mark_off_the_scale_and_direction():
    higher, lower = Indicator(id="x", name="x"), Indicator(id="x", name="x", direction="lower")
    assert not list(RULE.check({"pass_mark": 0.7}, 10, higher)) and not list(RULE.check({"scale": 100, "pass_mark": 70}, 10, higher))
    problems = list(RULE.check({"pass_mark": 70}, 10, higher))  # 70 on the default 0..1 scale
    assert [p.path for p in problems] == [("pass_mark",)] and problems[0].expected == "at most 1"
    problems = list(RULE.check({}, 10, lower))  # an OKR score is never better when lower
    assert [p.path for p in problems] == [()] and problems[0].found == "direction: lower"


@given(scale=st.sampled_from([1, 100]), values=st.lists(finite, min_size=1, max_size=20), max_points=st.floats(0.5, 100))
def test_points_stay_within_zero_and_max(scale, values, max_points):
    points, _ = score(RULE, {"scale": scale}, values, max_points=max_points)
    assert ((points >= 0) & (points <= max_points)).all()


@given(scale=st.sampled_from([1, 100]), a=finite, b=finite)
def test_a_better_value_never_scores_lower(scale, a, b):
    points, _ = score(RULE, {"scale": scale}, sorted([a, b]), max_points=10)
    assert points[1] >= points[0]


@given(values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=20))
def test_scale_100_is_the_same_score_in_percent(values):
    x = np.array(values)
    unit, _ = score(RULE, {}, x, max_points=10)
    percent, _ = score(RULE, {"scale": 100}, x * 100, max_points=10)
    assert np.allclose(unit, percent, atol=1e-9)


def test_lower_is_better_has_no_mirror():
    # "Lower is better" has no meaning for an OKR score: check() refuses it (the mirror property of the
    # other rules does not apply), and load_scorecard reports it at the params path.
    problems = evalkit.validate({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "okr", "name": "OKR", "direction": "lower"}],
        "dimensions": [{"id": "o", "indicator": "okr", "max_points": 100, "rule": {"name": "okr"}}],
    }, evalkit.default_registry())
    assert [p.path for p in problems] == ["$.dimensions[0].rule.params"]


def test_missing_values_stay_missing():
    points, _ = score(RULE, {}, [np.nan, 0.5], max_points=10)
    assert np.isnan(points[0]) and points[1] == 5


def test_explanations_in_both_languages():
    points, ctx = score(RULE, {"pass_mark": 0.7}, [0.7, 0.55], max_points=20)
    success = RULE.explain(0.7, float(points[0]), ctx, 0)
    assert success.zh == "OKR 得分 0.7（满分 1），按比例得 14 分；达到成功线 0.7"
    assert success.en == "OKR score 0.7 out of 1, in proportion: 14 points; meets the pass mark 0.7"
    short = RULE.explain(0.55, float(points[1]), ctx, 1)
    assert "未达到成功线 0.7" in short.zh and "short of the pass mark 0.7" in short.en
    _, ctx = score(RULE, {}, [0.5], max_points=10)
    plain = RULE.explain(0.5, 5.0, ctx, 0)
    assert "成功线" not in plain.zh and "pass mark" not in plain.en


def test_end_to_end():
    scorecard = evalkit.load_scorecard({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "okr", "name": {"zh": "OKR 得分", "en": "OKR score"}}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "o", "indicator": "okr", "max_points": 20, "rule": {"name": "okr", "params": {"pass_mark": 0.7}}},
        ]}],
    })
    ev = evalkit.evaluate(scorecard, {"okr": {"u1": 0.7, "u2": 0.55, "u3": 1.2}})
    assert [ev.unit(u).total for u in ("u1", "u2", "u3")] == [14, 11, 20]
    assert any("达到成功线 0.7" in line for line in ev.explain("u1", "zh"))
    assert any("short of the pass mark 0.7" in line for line in ev.explain("u2", "en"))
