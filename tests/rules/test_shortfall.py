"""shortfall: points off per point short of a standard, steeper further away (DOMAIN.md)."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.definition.model import Indicator
from evalkit.rules.shortfall import ShortfallRule
from tests.rulekit import score

RULE = ShortfallRule()
# DOMAIN.md: "0.25 per point below 96 %, 0.5 per point below 90 %".
DOMAIN = {"standard": 96, "bands": [{"below": 96, "per_point": 0.25}, {"below": 90, "per_point": 0.5}]}
CEILING = {"standard": 4, "bands": [{"above": 4, "per_point": 0.25}, {"above": 10, "per_point": 0.5}]}
finite = st.floats(-1e4, 1e4, allow_nan=False)


def test_domain_example_by_hand():
    # Max 10. 97, 96 -> 10; 93 -> 10 - 3 x 0.25 = 9.25; 90 -> 10 - 6 x 0.25 = 8.5;
    # 88 -> 10 - (96 - 90) x 0.25 - (90 - 88) x 0.5 = 7.5; 60 -> 1.5 + 15 = 16.5 off, held at 10 off: 0.
    points, _ = score(RULE, DOMAIN, [97, 96, 93, 90, 88, 60], max_points=10)
    assert points.tolist() == [10, 10, 9.25, 8.5, 7.5, 0]


def test_cap_limits_the_points_off():
    points, _ = score(RULE, dict(DOMAIN, cap=3), [88, 80, 0], max_points=10)
    assert points.tolist() == [7.5, 7, 7]  # 88: 2.5 off; 80: 1.5 + 5 = 6.5 off, capped at 3


def test_a_band_may_start_short_of_the_standard():
    # Standard 96 but nothing off until 94: a tolerance zone of 2 points.
    params = {"standard": 96, "bands": [{"below": 94, "per_point": 1}]}
    points, _ = score(RULE, params, [96, 95, 94, 92], max_points=10)
    assert points.tolist() == [10, 10, 10, 8]


def test_lower_is_better_counts_points_over_a_ceiling():
    # Ceiling 4: 0.25 off per point from 4 to 10, 0.5 per point above 10. 12 -> 6 x 0.25 + 2 x 0.5 = 2.5 off.
    points, _ = score(RULE, CEILING, [0, 4, 7, 10, 12], max_points=10, direction="lower")
    assert points.tolist() == [10, 10, 9.25, 8.5, 7.5]


@pytest.mark.parametrize("params", [
    {"standard": 96},
    {"bands": [{"below": 96, "per_point": 0.25}]},
    {"standard": 96, "bands": []},
    {"standard": 96, "bands": [{"below": 96}]},
    {"standard": 96, "bands": [{"per_point": 0.25}]},
    {"standard": 96, "bands": [{"below": 96, "above": 96, "per_point": 0.25}]},
    {"standard": 96, "bands": [{"below": 96, "per_point": -0.25}]},
    {"standard": 96, "bands": [{"below": 96, "per_point": 0.25}], "cap": 0},
    {"standard": 96, "bands": [{"below": 96, "per_point": 0.25}], "floor": 2},
])
def test_schema_rejects_bad_params(params):
    jsonschema.Draft202012Validator.check_schema(RULE.params_schema)
    assert list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(params))


def test_schema_accepts_both_forms():
    validator = jsonschema.Draft202012Validator(RULE.params_schema)
    assert not list(validator.iter_errors(DOMAIN)) and not list(validator.iter_errors(dict(CEILING, cap=5)))


def test_check_catches_order_side_direction_and_cap():
    higher, lower = Indicator(id="x", name="x"), Indicator(id="x", name="x", direction="lower")
    assert not list(RULE.check(DOMAIN, 10, higher)) and not list(RULE.check(CEILING, 10, lower))
    unordered = {"standard": 96, "bands": [{"below": 90, "per_point": 0.5}, {"below": 96, "per_point": 0.25}]}
    assert [p.path for p in RULE.check(unordered, 10, higher)] == [("bands", 1, "below")]
    above_standard = {"standard": 96, "bands": [{"below": 98, "per_point": 0.5}]}
    assert [p.path for p in RULE.check(above_standard, 10, higher)] == [("bands", 0, "below")]
    problems = list(RULE.check(DOMAIN, 10, lower))  # `below` bands on a lower-is-better indicator
    assert [p.path for p in problems] == [("bands", 0, "below"), ("bands", 1, "below")]
    assert problems[0].expected == "above: <value>"
    assert [p.path for p in RULE.check(dict(DOMAIN, cap=12), 10, higher)] == [("cap",)]


def params_strategy():
    """Higher-is-better params: a standard and 1-3 bands listed downwards from it."""
    return st.builds(
        lambda standard, gaps, slopes: {
            "standard": standard,
            "bands": [{"below": standard - sum(gaps[: i + 1]), "per_point": s} for i, s in enumerate(slopes[: len(gaps)])],
        },
        st.floats(-100, 100), st.lists(st.floats(0.5, 20), min_size=1, max_size=3),
        st.lists(st.floats(0, 2), min_size=3, max_size=3),
    )


def mirrored(params):
    """The lower-is-better form with every threshold negated."""
    return {"standard": -params["standard"],
            "bands": [{"above": -b["below"], "per_point": b["per_point"]} for b in params["bands"]]}


@given(params=params_strategy(), values=st.lists(finite, min_size=1, max_size=20), direction=st.sampled_from(["higher", "lower"]))
def test_points_stay_within_zero_and_max(params, values, direction):
    params = params if direction == "higher" else mirrored(params)
    points, _ = score(RULE, params, values, max_points=10, direction=direction)
    assert ((points >= 0) & (points <= 10)).all()


@given(params=params_strategy(), a=finite, b=finite, direction=st.sampled_from(["higher", "lower"]))
def test_a_better_value_never_scores_lower(params, a, b, direction):
    params = params if direction == "higher" else mirrored(params)
    worse, better = sorted([a, b]) if direction == "higher" else sorted([a, b], reverse=True)
    points, _ = score(RULE, params, [worse, better], max_points=10, direction=direction)
    assert points[1] >= points[0]


@given(params=params_strategy(), values=st.lists(finite, min_size=1, max_size=20))
def test_lower_is_better_mirrors_higher(params, values):
    x = np.array(values)
    up, _ = score(RULE, params, x, max_points=10, direction="higher")
    down, _ = score(RULE, mirrored(params), -x, max_points=10, direction="lower")
    assert np.allclose(up, down, atol=1e-9)


@given(values=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=20))
def test_piecewise_and_continuous(values):
    # Against a straightforward per-value formula: the cumulative deduction of DOMAIN.md's bands.
    x = np.array(values)
    expected = 10 - np.minimum(0.25 * np.clip(96 - x, 0, 6) + 0.5 * np.clip(90 - x, 0, None), 10)
    points, _ = score(RULE, DOMAIN, x, max_points=10)
    assert np.allclose(points, expected, atol=1e-12)


def test_missing_values_stay_missing():
    points, _ = score(RULE, DOMAIN, [np.nan, 88], max_points=10)
    assert np.isnan(points[0]) and points[1] == 7.5
    points, _ = score(RULE, CEILING, [np.nan, 12], max_points=10, direction="lower")
    assert np.isnan(points[0]) and points[1] == 7.5


def test_explanations_in_both_languages():
    points, ctx = score(RULE, DOMAIN, [88, 97], max_points=10)
    label = RULE.explain(88.0, float(points[0]), ctx, 0)
    assert "低于 96 的 6 个点每点扣 0.25 分" in label.zh and "低于 90 的 2 个点每点扣 0.5 分" in label.zh
    assert "共扣 2.5 分" in label.zh and "得 7.5 分" in label.zh
    assert "6 points below 96 at 0.25 off each" in label.en and "2.5 off in all" in label.en and "7.5 points" in label.en
    met = RULE.explain(97.0, float(points[1]), ctx, 1)
    assert "达到标准 96" in met.zh and "meets the standard 96" in met.en
    points, ctx = score(RULE, dict(DOMAIN, cap=3), [80], max_points=10)
    capped = RULE.explain(80.0, float(points[0]), ctx, 0)
    assert "扣分封顶 3 分" in capped.zh and "capped at 3 off" in capped.en


def test_end_to_end():
    scorecard = evalkit.load_scorecard({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "accuracy", "name": {"zh": "准确率", "en": "Accuracy"}, "unit": "%"},
                       {"id": "complaints", "name": "Complaints", "direction": "lower"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "acc", "indicator": "accuracy", "max_points": 10, "rule": {"name": "shortfall", "params": DOMAIN}},
            {"id": "cmp", "indicator": "complaints", "max_points": 10, "rule": {"name": "shortfall", "params": CEILING}},
        ]}],
    })
    ev = evalkit.evaluate(scorecard, {"accuracy": {"u1": 88, "u2": 96}, "complaints": {"u1": 12, "u2": 7}})
    assert ev.unit("u1").items["acc"].points == 7.5 and ev.unit("u2").items["acc"].points == 10
    assert ev.unit("u1").items["cmp"].points == 7.5 and ev.unit("u2").items["cmp"].points == 9.25
    assert ev.unit("u1").total == 15 and ev.unit("u2").total == 19.25
