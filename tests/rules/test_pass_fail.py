"""pass_fail: a 1/0 flag, or a value past a threshold, earns pass_points or fail_points."""

import jsonschema
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.definition.model import Indicator
from evalkit.rules.pass_fail import PassFailRule
from tests.rulekit import score

RULE = PassFailRule()
finite = st.floats(-1e6, 1e6, allow_nan=False)


def test_flag_by_hand():
    # 5 points, "election held on time": 1 -> 5, 0 -> 0, anything else is not a yes/no answer: missing.
    points, _ = score(RULE, {}, [1, 0, 0.5, 2, -1], max_points=5)
    assert points[:2].tolist() == [5, 0] and np.isnan(points[2:]).all()


def test_pass_and_fail_points():
    points, _ = score(RULE, {"pass_points": 4, "fail_points": 1}, [1, 0], max_points=5)
    assert points.tolist() == [4, 1]


def test_threshold_higher_and_lower():
    # Rate, pass at 90 or more, fail_points 1: 90 and 97 -> 5, 89.9 -> 1.
    points, _ = score(RULE, {"threshold": 90, "fail_points": 1}, [90, 97, 89.9], max_points=5)
    assert points.tolist() == [5, 5, 1]
    # "At most 2 incidents": threshold 2 on a lower-is-better indicator.
    points, _ = score(RULE, {"threshold": 2}, [0, 2, 3], max_points=5, direction="lower")
    assert points.tolist() == [5, 5, 0]


@pytest.mark.parametrize("params", [
    {"pass_points": -1},
    {"fail_points": -1},
    {"threshold": "90"},
    {"pass": 5},
    {"pass_points": True},
])
def test_schema_rejects_bad_params(params):
    jsonschema.Draft202012Validator.check_schema(RULE.params_schema)
    assert list(jsonschema.Draft202012Validator(RULE.params_schema).iter_errors(params))


def test_check_catches_points_and_direction():
    higher, lower = Indicator(id="x", name="x"), Indicator(id="x", name="x", direction="lower")
    assert not list(RULE.check({}, 5, higher)) and not list(RULE.check({"threshold": 2}, 5, lower))
    problems = list(RULE.check({"pass_points": 6}, 5, higher))
    assert [p.path for p in problems] == [("pass_points",)] and problems[0].expected == "at most 5"
    assert [p.path for p in RULE.check({"fail_points": 6}, 5, higher)] == [("fail_points",)]  # more than the default pass
    assert [p.path for p in RULE.check({"pass_points": 2, "fail_points": 3}, 5, higher)] == [("fail_points",)]
    problems = list(RULE.check({}, 5, lower))  # a 1/0 flag on a lower-is-better indicator
    assert [p.path for p in problems] == [("threshold",)] and "direction: higher" in problems[0].expected


points_pair = st.tuples(st.floats(0, 10), st.floats(0, 10)).map(sorted)


@given(pair=points_pair, threshold=st.one_of(st.none(), finite), values=st.lists(finite, min_size=1, max_size=20),
       direction=st.sampled_from(["higher", "lower"]))
def test_points_stay_within_zero_and_max(pair, threshold, values, direction):
    params = {"fail_points": pair[0], "pass_points": pair[1]}
    if threshold is None:
        direction = "higher"
    else:
        params["threshold"] = threshold
    points, _ = score(RULE, params, values, max_points=10, direction=direction)
    scored = points[~np.isnan(points)]
    assert ((scored >= 0) & (scored <= 10)).all()
    assert set(scored.tolist()) <= {pair[0], pair[1]}


@given(pair=points_pair, threshold=finite, a=finite, b=finite, direction=st.sampled_from(["higher", "lower"]))
def test_a_better_value_never_scores_lower(pair, threshold, a, b, direction):
    params = {"fail_points": pair[0], "pass_points": pair[1], "threshold": threshold}
    worse, better = sorted([a, b]) if direction == "higher" else sorted([a, b], reverse=True)
    points, _ = score(RULE, params, [worse, better], max_points=10, direction=direction)
    assert points[1] >= points[0]


@given(pair=points_pair)
def test_a_flag_of_one_never_scores_below_zero(pair):
    points, _ = score(RULE, {"fail_points": pair[0], "pass_points": pair[1]}, [0, 1], max_points=10)
    assert points[1] >= points[0]


@given(pair=points_pair, threshold=finite, values=st.lists(finite, min_size=1, max_size=20))
def test_lower_is_better_mirrors_higher(pair, threshold, values):
    x = np.array(values)
    base = {"fail_points": pair[0], "pass_points": pair[1]}
    up, _ = score(RULE, dict(base, threshold=threshold), x, max_points=10, direction="higher")
    down, _ = score(RULE, dict(base, threshold=-threshold), -x, max_points=10, direction="lower")
    assert up.tolist() == down.tolist()


@pytest.mark.parametrize("params", [{}, {"threshold": 3}])
def test_missing_values_stay_missing(params):
    points, _ = score(RULE, params, [np.nan, 1], max_points=5)
    assert np.isnan(points[0]) and not np.isnan(points[1])


def test_explanations_in_both_languages():
    points, ctx = score(RULE, {}, [1, 0], max_points=5)
    assert RULE.explain(1.0, 5.0, ctx, 0).zh == "是（1），达标，得 5 分"
    assert RULE.explain(0.0, 0.0, ctx, 1).en == "no (0): fail, 0 points"
    odd = RULE.explain(0.5, float("nan"), ctx, 0)
    assert "按缺失处理" in odd.zh and "treated as missing" in odd.en
    points, ctx = score(RULE, {"threshold": 2}, [3], max_points=5, direction="lower")
    label = RULE.explain(3.0, float(points[0]), ctx, 0)
    assert "≤ 2 为达标：未达标" in label.zh and "pass when <= 2: fail, 0 points" in label.en


def test_end_to_end():
    scorecard = evalkit.load_scorecard({
        "id": "t", "name": "T", "period": "2025",
        "indicators": [{"id": "election", "name": {"zh": "按期换届", "en": "Election on time"}},
                       {"id": "incidents", "name": "Incidents", "direction": "lower"}],
        "dimensions": [{"id": "d", "name": "D", "children": [
            {"id": "e", "indicator": "election", "max_points": 5, "rule": {"name": "pass_fail"}},
            {"id": "i", "indicator": "incidents", "max_points": 5,
             "rule": {"name": "pass_fail", "params": {"threshold": 2, "fail_points": 1}}},
        ]}],
    })
    # JSON true/false arrive as 1/0.
    ev = evalkit.evaluate(scorecard, {"election": {"u1": True, "u2": False, "u3": 3}, "incidents": {"u1": 0, "u2": 2, "u3": 5}})
    assert [ev.unit(u).items["e"].points for u in ("u1", "u2", "u3")] == [5, 0, 0]
    assert ev.unit("u3").items["e"].missing and not ev.unit("u2").items["e"].missing
    assert [ev.unit(u).items["i"].points for u in ("u1", "u2", "u3")] == [5, 5, 1]
