"""The first four rules: worked examples, schema checks, and properties (bounds, monotonicity, mirror)."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.definition.model import Indicator
from evalkit.rules.linear import LinearRule
from evalkit.rules.per_event import PerEventRule
from evalkit.rules.target import TargetRule
from evalkit.rules.tiers import TiersRule
from tests.rulekit import score

finite = st.floats(-1e6, 1e6, allow_nan=False)
TIERS = {"tiers": [{"threshold": 98, "points": 1}, {"threshold": 95, "points": 0.9}, {"threshold": 90, "points": 0.8}]}
TIERS_LOW = {"tiers": [{"threshold": 0, "points": 1}, {"threshold": 2, "points": 0.6}, {"threshold": 5, "points": 0.2}]}


def test_linear_qof_form():
    # QOF: points = max x (achievement - lower) / (upper - lower), clamped. Thresholds 40-90 %, 10 points:
    # 65 % is half way, 5 points; at or below 40 nothing; at or above 90 full points.
    points, _ = score(LinearRule(), {"lower": 40, "upper": 90}, [30, 40, 65, 90, 100])
    assert list(points) == [0, 0, 5, 10, 10]


def test_linear_lower_is_better_reads_thresholds_the_other_way():
    points, _ = score(LinearRule(), {"lower": 2, "upper": 10}, [0, 2, 6, 10, 12], max_points=8, direction="lower")
    assert list(points) == [8, 8, 4, 0, 0]


def test_tiers_domain_example():
    # DOMAIN.md: accuracy >= 98 % earns 1 point, 95-98 % earns 0.9, 90-95 % earns 0.8, below that 0.
    points, _ = score(TiersRule(), TIERS, [100, 98, 97.9, 95, 90, 89.99], max_points=1)
    assert list(points) == [1, 1, 0.9, 0.9, 0.8, 0]


def test_tiers_lower_is_better():
    params = {"tiers": [{"threshold": 0, "points": 5}, {"threshold": 2, "points": 3}], "otherwise": 1}
    points, _ = score(TiersRule(), params, [0, 1, 2, 3], max_points=5, direction="lower")
    assert list(points) == [5, 3, 3, 1]


def test_tiers_check_rejects_points_above_max_and_inverted_tiers():
    ind = Indicator(id="x", name="x")
    bad = {"tiers": [{"threshold": 98, "points": 1}, {"threshold": 95, "points": 2}]}
    messages = [p.message for p in TiersRule().check(bad, 1.5, ind)]
    assert any("more than the item's max_points" in m for m in messages)
    assert any("worse threshold awards more" in m for m in messages)


def test_target_shared_and_per_unit():
    points, _ = score(TargetRule(), {"target": 32}, [16, 32, 40, 0], max_points=15)
    assert list(points) == [7.5, 15, 15, 0]
    plan = np.array([2.0, 4.0, 0.0, np.nan])
    points, _ = score(TargetRule(), {"target_indicator": "plan"}, [1, 4, 3, 3], max_points=10, columns={"plan": plan})
    assert list(points[:2]) == [5, 10]
    assert np.isnan(points[2]) and np.isnan(points[3])  # no usable target: missing, the item's policy decides


def test_target_cap_rewards_beating_the_target():
    # cap 1.2, 12 points: the target earns 12 / 1.2 = 10; 120 % of it or more earns the full 12.
    points, ctx = score(TargetRule(), {"target": 50, "cap": 1.2}, [25, 50, 55, 60, 80], max_points=12)
    assert list(points) == [5, 10, 11, 12, 12]
    assert "120 % of the target" in TargetRule().explain(55, 11, ctx, 2).en


def test_target_lower_is_better():
    points, _ = score(TargetRule(), {"target": 5}, [10, 5, 2, 0], max_points=10, direction="lower")
    assert list(points) == [5, 10, 10, 10]


def test_per_event_deduction_with_cap():
    # DOMAIN.md: "0.5 points off for each missed meeting", capped at 5 off (限扣).
    points, _ = score(PerEventRule(), {"per_event": 0.5, "cap": 5}, [0, 1, 4, 10, 30], max_points=10, direction="lower")
    assert list(points) == [10, 9.5, 8, 5, 5]


def test_per_event_add_mode_and_direction_check():
    points, _ = score(PerEventRule(), {"per_event": 2, "cap": 5, "mode": "add"}, [0, 1, 3], max_points=5)
    assert list(points) == [0, 2, 5]
    problems = list(PerEventRule().check({"per_event": 1}, 5, Indicator(id="x", name="x", direction="higher")))
    assert problems and "direction: lower" in problems[0].expected


@pytest.mark.parametrize("rule, params", [
    (LinearRule(), {"lower": 1}),
    (LinearRule(), {"lower": "60", "upper": 90}),
    (TiersRule(), {"tiers": []}),
    (TiersRule(), {"tiers": [{"threshold": 1}]}),
    (TargetRule(), {}),
    (TargetRule(), {"target": 0}),
    (TargetRule(), {"target": 5, "target_indicator": "plan"}),
    (PerEventRule(), {"per_event": -1}),
    (PerEventRule(), {"per_event": 1, "mode": "multiply"}),
])
def test_schemas_reject_bad_params(rule, params):
    jsonschema.Draft202012Validator.check_schema(rule.params_schema)
    assert list(jsonschema.Draft202012Validator(rule.params_schema).iter_errors(params))


def rule_cases():
    """(rule, params by direction, max_points)."""
    return st.sampled_from([
        (LinearRule(), {"higher": {"lower": 60, "upper": 95}, "lower": {"lower": 60, "upper": 95}}, 10.0),
        (TiersRule(), {"higher": TIERS, "lower": TIERS_LOW}, 1.0),
        (TargetRule(), {"higher": {"target": 50}, "lower": {"target": 50}}, 15.0),
    ])


@given(case=rule_cases(), values=st.lists(finite, min_size=1, max_size=30), direction=st.sampled_from(["higher", "lower"]))
def test_points_stay_within_zero_and_max(case, values, direction):
    rule, params, max_points = case
    values = np.abs(values) if isinstance(rule, TargetRule) else np.array(values)
    points, _ = score(rule, params[direction], values, max_points=max_points, direction=direction)
    scored = points[~np.isnan(points)]
    assert (scored >= 0).all() and (scored <= max_points).all()


@given(case=rule_cases(), a=finite, b=finite, direction=st.sampled_from(["higher", "lower"]))
def test_a_better_value_never_scores_lower(case, a, b, direction):
    rule, params, max_points = case
    if isinstance(rule, TargetRule):
        a, b = abs(a), abs(b)
    worse, better = sorted([a, b]) if direction == "higher" else sorted([a, b], reverse=True)
    points, _ = score(rule, params[direction], [worse, better], max_points=max_points, direction=direction)
    assert points[1] >= points[0]


@given(values=st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=30),
       lower=st.floats(-100, 100), width=st.floats(0.5, 100))
def test_linear_lower_is_better_mirrors_higher(values, lower, width):
    # Scoring x with "lower is better" equals scoring (lower + upper - x) with "higher is better".
    params = {"lower": lower, "upper": lower + width}
    x = np.array(values)
    down, _ = score(LinearRule(), params, x, direction="lower")
    up, _ = score(LinearRule(), params, (2 * lower + width) - x, direction="higher")
    assert np.allclose(down, up, atol=1e-9)


@given(counts=st.lists(st.integers(0, 1000), min_size=1, max_size=30), per=st.floats(0.01, 10), cap=st.floats(0.1, 10))
def test_per_event_never_takes_more_than_the_cap(counts, per, cap):
    points, _ = score(PerEventRule(), {"per_event": per, "cap": cap}, counts, max_points=10, direction="lower")
    assert (points >= 10 - cap - 1e-9).all() and (points <= 10).all()
    order = np.argsort(counts, kind="stable")
    assert (np.diff(points[order]) <= 1e-12).all()  # more events, never more points


def test_missing_values_stay_missing():
    for rule, params in [(LinearRule(), {"lower": 0, "upper": 1}), (TiersRule(), TIERS), (TargetRule(), {"target": 1})]:
        points, _ = score(rule, params, [np.nan, 0.5], max_points=1)
        assert np.isnan(points[0]) and not np.isnan(points[1])


def test_explanations_in_both_languages():
    rule = TiersRule()
    points, ctx = score(rule, TIERS, [96.5], max_points=1)
    label = rule.explain(96.5, float(points[0]), ctx, 0)
    assert "≥ 95" in label.zh and "0.9" in label.zh
    assert ">= 95" in label.en and "0.9 points" in label.en
