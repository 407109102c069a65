"""base_slope: base points at a reference, plus/minus per step (DOMAIN.md "Base plus slope")."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.definition.model import Indicator
from evalkit.rules.base_slope import BaseSlopeRule
from tests.rulekit import score

RULE = BaseSlopeRule()
# DOMAIN.md: "at 80 % closure the base score, then +/- 1 point per case above or below, capped".
CLOSURE = {"reference": 80, "base": 8, "per_step_above": 1, "per_step_below": 1, "max": 10, "min": 2}
finite = st.floats(-1e4, 1e4, allow_nan=False)


def test_domain_example_by_hand():
    # 80 -> base 8; 81 -> 8 + 1 = 9; 82.5 -> 8 + 2.5 = 10.5, capped at max 10; 77 -> 8 - 3 = 5;
    # 78.5 -> 8 - 1.5 = 6.5 (partial steps, the default); 70 -> 8 - 10 = -2, held at min 2.
    points, _ = score(RULE, CLOSURE, [80, 81, 82.5, 77, 78.5, 70], max_points=10)
    assert points.tolist() == [8, 9, 10, 5, 6.5, 2]
    # The module docstring's whole-step case: 78.5 is 1.5 steps below, one whole step: 8 - 1 = 7.
    points, _ = score(RULE, dict(CLOSURE, steps="whole"), [78.5], max_points=10)
    assert points.tolist() == [7]


def test_whole_steps_count_only_completed_steps():
    # step 2, whole: 78.5 is 0.75 of a step below -> 0 steps -> base 8; 77 is 1.5 steps -> 1 -> 7;
    # 83.9 is 1.95 steps above -> 1 -> 9; 84 is exactly 2 steps -> 10.
    params = dict(CLOSURE, step=2, steps="whole")
    points, _ = score(RULE, params, [78.5, 77, 83.9, 84], max_points=10)
    assert points.tolist() == [8, 7, 9, 10]
    # Steps of 0.1: (80 - 79.7) / 0.1 is 2.9999999999999716 in floating point, still 3 whole steps.
    points, _ = score(RULE, dict(CLOSURE, step=0.1, steps="whole"), [79.7], max_points=10)
    assert points.tolist() == [5]


def test_asymmetric_slopes_and_default_caps():
    # No max/min: clamped to [0, max_points] only. +0.5 per step above, -2 per step below.
    params = {"reference": 50, "base": 6, "per_step_above": 0.5, "per_step_below": 2}
    points, _ = score(RULE, params, [50, 54, 60, 49, 47, 40], max_points=8)
    assert points.tolist() == [6, 8, 8, 4, 0, 0]


def test_lower_is_better_reads_above_as_fewer():
    # Cases sent back, reference 3 with base 6 of 10: 1 case is 2 steps better (+2), 5 cases 2 worse (-2).
    params = {"reference": 3, "base": 6, "per_step_above": 1, "per_step_below": 1}
    points, _ = score(RULE, params, [1, 3, 5, 0, 20], max_points=10, direction="lower")
    assert points.tolist() == [8, 6, 4, 9, 0]


@pytest.mark.parametrize("params", [
    {"base": 8, "per_step_above": 1, "per_step_below": 1},
    {"reference": 80, "base": 8, "per_step_above": 1},
    {"reference": 80, "base": -1, "per_step_above": 1, "per_step_below": 1},
    {"reference": 80, "base": 8, "per_step_above": -1, "per_step_below": 1},
    {"reference": 80, "base": 8, "per_step_above": 1, "per_step_below": 1, "step": 0},
    {"reference": 80, "base": 8, "per_step_above": 1, "per_step_below": 1, "steps": "half"},
    {"reference": "80", "base": 8, "per_step_above": 1, "per_step_below": 1},
    {"reference": 80, "base": 8, "per_step_above": 1, "per_step_below": 1, "cap": 5},
])
def test_schema_rejects_bad_params(params):
    jsonschema.Draft202012Validator.check_schema(RULE.params_schema)
    assert list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(params))


def test_schema_accepts_the_domain_example():
    assert not list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(dict(CLOSURE, steps="whole")))


def test_check_catches_caps_and_base_out_of_range():
    ind = Indicator(id="x", name="x")
    problems = {p.path: p for p in RULE.check(dict(CLOSURE, max=12), 10, ind)}
    assert ("max",) in problems and problems[("max",)].expected == "at most 10"
    problems = {p.path: p for p in RULE.check(dict(CLOSURE, min=9, max=7), 10, ind)}
    assert ("min",) in problems
    problems = {p.path: p for p in RULE.check(dict(CLOSURE, base=11, max=10), 10, ind)}
    assert ("base",) in problems and problems[("base",)].found == "11"
    problems = {p.path: p for p in RULE.check(dict(CLOSURE, min=9), 10, ind)}
    assert ("base",) in problems  # base 8 under the minimum 9
    assert not list(RULE.check(CLOSURE, 10, ind))


def params_strategy():
    return st.fixed_dictionaries({
        "reference": st.floats(-100, 100), "base": st.floats(0, 10), "step": st.floats(0.1, 20),
        "per_step_above": st.floats(0, 5), "per_step_below": st.floats(0, 5),
        "steps": st.sampled_from(["partial", "whole"]),
    })


@given(params=params_strategy(), values=st.lists(finite, min_size=1, max_size=20), direction=st.sampled_from(["higher", "lower"]))
def test_points_stay_within_zero_and_max(params, values, direction):
    points, _ = score(RULE, params, values, max_points=10, direction=direction)
    assert ((points >= 0) & (points <= 10)).all()


@given(params=params_strategy(), a=finite, b=finite, direction=st.sampled_from(["higher", "lower"]))
def test_a_better_value_never_scores_lower(params, a, b, direction):
    worse, better = sorted([a, b]) if direction == "higher" else sorted([a, b], reverse=True)
    points, _ = score(RULE, params, [worse, better], max_points=10, direction=direction)
    assert points[1] >= points[0]


@given(params=params_strategy(), values=st.lists(st.integers(-1000, 1000), min_size=1, max_size=20))
def test_lower_is_better_mirrors_higher(params, values):
    # Scoring x with lower-is-better equals scoring 2 x reference - x with higher-is-better.
    params = dict(params, steps="partial")
    x = np.array(values, dtype=np.float64)
    down, _ = score(RULE, params, x, max_points=10, direction="lower")
    up, _ = score(RULE, params, 2 * params["reference"] - x, max_points=10, direction="higher")
    assert np.allclose(down, up, atol=1e-9)


@given(values=st.lists(st.integers(-50, 50), min_size=1, max_size=20))
def test_lower_is_better_mirrors_higher_with_whole_steps(values):
    params = {"reference": 3, "base": 5, "step": 2, "per_step_above": 1, "per_step_below": 0.5, "steps": "whole"}
    x = np.array(values, dtype=np.float64)
    down, _ = score(RULE, params, x, max_points=10, direction="lower")
    up, _ = score(RULE, params, 6 - x, max_points=10, direction="higher")
    assert down.tolist() == up.tolist()


@pytest.mark.parametrize("steps", ["partial", "whole"])
def test_missing_values_stay_missing(steps):
    points, _ = score(RULE, dict(CLOSURE, steps=steps), [np.nan, 80, np.nan], max_points=10)
    assert np.isnan(points[0]) and np.isnan(points[2]) and points[1] == 8


def test_explanations_in_both_languages():
    points, ctx = score(RULE, CLOSURE, [77, 83, 80], max_points=10)
    below = RULE.explain(77.0, float(points[0]), ctx, 0)
    assert "差于基准 3 档" in below.zh and "每档扣 1 分" in below.zh and "得 5 分" in below.zh
    assert "3 steps worse" in below.en and "5 points" in below.en
    above = RULE.explain(83.0, float(points[1]), ctx, 1)
    assert "优于基准 3 档" in above.zh and "3 steps better" in above.en and "10 points" in above.en
    at = RULE.explain(80.0, float(points[2]), ctx, 2)
    assert "按基准计" in at.zh and "at the reference" in at.en
    _, ctx = score(RULE, dict(CLOSURE, steps="whole"), [78.5], max_points=10)
    whole = RULE.explain(78.5, 7.0, ctx, 0)
    assert "只计整档" in whole.zh and "whole steps only" in whole.en


def test_end_to_end():
    scorecard = evalkit.load_scorecard({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "closure", "name": {"zh": "结案率", "en": "Closure rate"}, "unit": "%"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "closing", "indicator": "closure", "max_points": 10, "rule": {"name": "base_slope", "params": CLOSURE}},
        ]}],
    })
    ev = evalkit.evaluate(scorecard, {"closure": {"u1": 82.5, "u2": 77, "u3": 70, "u4": None}})
    assert [ev.unit(u).items["closing"].points for u in ("u1", "u2", "u3", "u4")] == [10, 5, 2, 0]
    assert ev.unit("u4").items["closing"].missing
    assert any("差于基准 3 档" in line for line in ev.explain("u2", "zh"))


def test_end_to_end_reports_check_problems_with_their_path():
    problems = evalkit.validate({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "closure", "name": "Closure"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "closing", "indicator": "closure", "max_points": 10,
             "rule": {"name": "base_slope", "params": dict(CLOSURE, max=15)}},
        ]}],
    }, evalkit.default_registry())
    assert [p.path for p in problems] == ["$.dimensions[0].children[0].rule.params.max"]
