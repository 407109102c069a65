"""stabilize: full points inside a band, falling with the distance outside it (not monotone in the value)."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.definition.model import Indicator
from evalkit.rules.stabilize import StabilizeRule
from tests.rulekit import score

RULE = StabilizeRule()
ZEROS = {"low": 95, "high": 105, "zero_below": 85, "zero_above": 110}
SLOPE = {"low": 95, "high": 105, "per_unit_outside": 0.5}
finite = st.floats(-1e4, 1e4, allow_nan=False)


def test_zero_points_by_hand():
    # Band [95, 105], 0 at 85 and at 110, 10 points: 90 is half way to 85 -> 5; 107 is 2/5 of the way to 110 -> 6.
    points, _ = score(RULE, ZEROS, [95, 100, 105, 90, 107, 85, 80, 110, 115], max_points=10)
    assert np.allclose(points, [10, 10, 10, 5, 6, 0, 0, 0, 0], atol=1e-12)


def test_per_unit_outside_by_hand():
    # 0.5 off per unit outside: 90 -> 10 - 5 x 0.5 = 7.5; 107 -> 10 - 2 x 0.5 = 9; 60 -> 17.5 off -> 0.
    points, _ = score(RULE, SLOPE, [100, 90, 107, 60], max_points=10)
    assert points.tolist() == [10, 7.5, 9, 0]


def test_a_single_point_band():
    points, _ = score(RULE, {"low": 1, "high": 1, "per_unit_outside": 2}, [1, 0, 2, 3.5], max_points=4)
    assert points.tolist() == [4, 2, 2, 0]


@pytest.mark.parametrize("params", [
    {"low": 95, "high": 105},
    {"low": 95, "zero_below": 85, "zero_above": 110},
    {"low": 95, "high": 105, "zero_below": 85},
    {"low": 95, "high": 105, "per_unit_outside": 0},
    {"low": 95, "high": 105, "per_unit_outside": 1, "zero_below": 85, "zero_above": 110},
    {"low": "95", "high": 105, "per_unit_outside": 1},
])
def test_schema_rejects_bad_params(params):
    jsonschema.Draft202012Validator.check_schema(RULE.params_schema)
    assert list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(params))


def test_check_catches_inverted_band_and_zero_points_inside_it():
    ind = Indicator(id="x", name="x")
    assert not list(RULE.check(ZEROS, 10, ind)) and not list(RULE.check(SLOPE, 10, ind))
    problems = list(RULE.check({"low": 105, "high": 95, "per_unit_outside": 1}, 10, ind))
    assert [p.path for p in problems] == [("high",)] and problems[0].expected == "a number >= 105"
    assert [p.path for p in RULE.check(dict(ZEROS, zero_below=95), 10, ind)] == [("zero_below",)]
    assert [p.path for p in RULE.check(dict(ZEROS, zero_above=100), 10, ind)] == [("zero_above",)]


def params_strategy():
    def build(low, width, below, above, slope, use_slope):
        params = {"low": low, "high": low + width}
        if use_slope:
            params["per_unit_outside"] = slope
        else:
            params.update(zero_below=low - below, zero_above=low + width + above)
        return params

    return st.builds(build, st.floats(-100, 100), st.floats(0, 50), st.floats(0.5, 50), st.floats(0.5, 50),
                     st.floats(0.01, 5), st.booleans())


def distance(params, x):
    return np.maximum(np.maximum(params["low"] - x, x - params["high"]), 0)


@given(params=params_strategy(), values=st.lists(finite, min_size=1, max_size=20), direction=st.sampled_from(["higher", "lower"]))
def test_points_stay_within_zero_and_max(params, values, direction):
    points, _ = score(RULE, params, values, max_points=10, direction=direction)
    assert ((points >= 0) & (points <= 10)).all()
    inside = distance(params, np.array(values)) == 0
    assert (points[inside] == 10).all()


@given(params=params_strategy(), a=finite, b=finite)
def test_further_from_the_band_on_one_side_never_scores_more(params, a, b):
    # Not monotone in the value: monotone in the distance from the band, side by side.
    points, _ = score(RULE, params, [a, b], max_points=10)
    same_side = (a <= params["high"] and b <= params["high"]) or (a >= params["low"] and b >= params["low"])
    if same_side:
        da, db = distance(params, np.array([a, b]))
        if da <= db:
            assert points[0] >= points[1] - 1e-12
        else:
            assert points[1] >= points[0] - 1e-12


@given(params=params_strategy().filter(lambda p: "per_unit_outside" in p), a=finite, b=finite)
def test_one_slope_makes_points_depend_on_distance_alone(params, a, b):
    points, _ = score(RULE, params, [a, b], max_points=10)
    da, db = distance(params, np.array([a, b]))
    if da <= db:
        assert points[0] >= points[1] - 1e-9
    else:
        assert points[1] >= points[0] - 1e-9


def test_not_monotone_in_the_value():
    points, _ = score(RULE, ZEROS, [90, 100, 107], max_points=10)
    assert points[0] < points[1] > points[2]


@given(params=params_strategy(), values=st.lists(finite, min_size=1, max_size=20))
def test_direction_is_ignored_and_the_band_mirrors(params, values):
    # Lower-is-better scores as higher-is-better; reflecting the band and the values gives the same points.
    x = np.array(values)
    up, _ = score(RULE, params, x, max_points=10, direction="higher")
    down, _ = score(RULE, params, x, max_points=10, direction="lower")
    assert up.tolist() == down.tolist()
    reflected = {"low": -params["high"], "high": -params["low"]}
    if "per_unit_outside" in params:
        reflected["per_unit_outside"] = params["per_unit_outside"]
    else:
        reflected.update(zero_below=-params["zero_above"], zero_above=-params["zero_below"])
    flipped, _ = score(RULE, reflected, -x, max_points=10, direction="lower")
    assert np.allclose(up, flipped, atol=1e-9)


@pytest.mark.parametrize("params", [ZEROS, SLOPE])
def test_missing_values_stay_missing(params):
    points, _ = score(RULE, params, [np.nan, 100], max_points=10)
    assert np.isnan(points[0]) and points[1] == 10


def test_explanations_in_both_languages():
    points, ctx = score(RULE, ZEROS, [100, 90, 107], max_points=10)
    inside = RULE.explain(100.0, float(points[0]), ctx, 0)
    assert "在区间 [95, 105] 内" in inside.zh and "inside the band [95, 105]: full 10 points" in inside.en
    below = RULE.explain(90.0, float(points[1]), ctx, 1)
    assert "低于区间 [95, 105]，相差 5，至 85 降为 0 分，得 5 分" in below.zh
    assert "5 below the band [95, 105], falling to 0 at 85: 5 points" in below.en
    _, ctx = score(RULE, SLOPE, [107], max_points=10)
    above = RULE.explain(107.0, 9.0, ctx, 0)
    assert "每单位扣 0.5 分" in above.zh and "2 above the band" in above.en and "0.5 off per unit" in above.en


def test_end_to_end():
    scorecard = evalkit.load_scorecard({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "budget", "name": {"zh": "预算执行率", "en": "Budget execution"}, "unit": "%"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "b", "indicator": "budget", "max_points": 10, "rule": {"name": "stabilize", "params": ZEROS}},
        ]}],
    })
    ev = evalkit.evaluate(scorecard, {"budget": {"u1": 100, "u2": 90, "u3": 107, "u4": 120}})
    assert [ev.unit(u).total for u in ("u1", "u2", "u3", "u4")] == [10, 5, 6, 0]
    assert [ev.unit(u).rank for u in ("u1", "u2", "u3", "u4")] == [1, 3, 2, 4]
