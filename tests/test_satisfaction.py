"""The satisfaction index rule: several indicators in, one index out (statistics bureau weights)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import evalkit
from evalkit.rules.satisfaction import SatisfactionIndexRule

CATEGORIES = ["very", "satisfied", "basic", "not_very", "dissatisfied"]


def card(**rule):
    return evalkit.load_scorecard({
        "id": "s", "name": "S", "period": "2025",
        "indicators": [{"id": c, "name": {"zh": z, "en": c}, "unit": "票"}
                       for c, z in zip(CATEGORIES, ["非常满意", "满意", "基本满意", "不太满意", "不满意"])],
        "dimensions": [{"id": "sat", "indicators": CATEGORIES, "max_points": 10,
                        "rule": {"name": "satisfaction_index", **rule}}],
    })


def test_worked_example_with_the_default_weights():
    # (20x100 + 15x80 + 10x60 + 3x30 + 2x0) / 50 = 77.8 -> 7.78 of 10 points.
    ev = evalkit.evaluate(card(), {c: {"u": n} for c, n in zip(CATEGORIES, [20, 15, 10, 3, 2])})
    u = ev.unit("u")
    assert u.items["sat"].points == 7.78 and u.items["sat"].value == (20, 15, 10, 3, 2)
    assert "满意度指数 77.8（非常满意 20、满意 15" in "\n".join(ev.explain("u", "zh"))
    assert ev.to_dict()["units"][0]["items"]["sat"]["value"] == [20, 15, 10, 3, 2]


def test_no_ballots_is_missing_and_a_missing_category_too():
    ev = evalkit.evaluate(card(), {"very": {"a": 0, "b": 5}, "satisfied": {"a": 0, "b": 5}, "basic": {"a": 0, "b": 5},
                                   "not_very": {"a": 0, "b": 5}, "dissatisfied": {"a": 0}})
    assert ev.unit("a").items["sat"].missing and ev.unit("b").items["sat"].missing


def test_weights_are_checked():
    problems = evalkit.validate(card().raw | {"dimensions": [{"id": "sat", "indicators": CATEGORIES, "max_points": 10,
                                "rule": {"name": "satisfaction_index", "params": {"weights": [100, 80, 0]}}}]},
                                evalkit.default_registry())
    assert [p.path for p in problems] == ["$.dimensions[0].rule.params.weights"]
    problems = evalkit.validate(card().raw | {"dimensions": [{"id": "sat", "indicator": "very", "max_points": 10,
                                "rule": {"name": "satisfaction_index"}}]}, evalkit.default_registry())
    assert "list them under 'indicators'" in problems[0].message


def test_negative_counts_are_data_errors():
    with pytest.raises(evalkit.DataError):
        evalkit.evaluate(card(), {c: {"u": -1 if c == "very" else 1} for c in CATEGORIES})


@given(counts=st.lists(st.lists(st.integers(0, 500), min_size=5, max_size=5), min_size=1, max_size=20),
       shift=st.integers(0, 3), moved=st.integers(1, 50))
def test_bounds_and_moving_a_ballot_up_never_lowers_the_index(counts, shift, moved):
    rule = SatisfactionIndexRule()
    indicators = tuple(evalkit.Indicator(id=c, name=c) for c in CATEGORIES)
    values = np.array(counts, dtype=float)
    points, _ = score_many(rule, values, indicators)
    scored = points[~np.isnan(points)]
    assert ((scored >= 0) & (scored <= 10)).all()
    better = values.copy()
    take = np.minimum(better[:, shift + 1], moved)
    better[:, shift + 1] -= take  # ballots move one category up: never a lower index
    better[:, shift] += take
    improved, _ = score_many(rule, better, indicators)
    ok = ~np.isnan(points)
    assert (improved[ok] >= points[ok] - 1e-9).all()


def score_many(rule, values, indicators):
    prepared = rule.prepare({}, 10.0, indicators)
    from evalkit.rules.base import RuleContext

    ctx = RuleContext(params=prepared, max_points=10.0, indicator=indicators[0], indicators=indicators,
                      unit_ids=tuple(map(str, range(len(values)))))
    return rule.score(values, ctx), ctx
