"""Rules that score a unit against its peers: percentile, z-score, rank to points."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.peers import percentile_in_group


def evaluate(rule, params, values, types=None, direction="higher", max_points=10):
    ids = [f"u{i}" for i in range(len(values))]
    units = evalkit.Units.from_ids(ids, types=types)
    sc = evalkit.load_scorecard({
        "id": "p", "name": "P", "period": "1", "indicators": [{"id": "x", "name": "X", "direction": direction}],
        "dimensions": [{"id": "i", "indicator": "x", "max_points": max_points, "rule": {"name": rule, "params": params}}]})
    ev = evalkit.evaluate(sc, {"x": list(values)}, units=units)
    return np.array([ev.unit(u).items["i"].points for u in ids]), ev


def test_percentile_worked_example_and_definitions():
    # peers 60, 70, 70, 90: under `mean` 70 is at (1 + 3) / 2 / 4 = 50 %, so 5 of 10 points.
    points, ev = evaluate("percentile", {}, [60, 70, 70, 90])
    assert list(points) == [1.25, 5, 5, 8.75]
    assert "第 50 百分位" in "\n".join(ev.explain("u1", "zh"))
    # scipy.stats.percentileofscore([60, 70, 70, 90], 70, kind=...) gives weak 75, strict 25, rank 62.5
    v = np.array([60, 70, 70, 90.0])
    g = np.zeros(4, dtype=np.int64)
    assert [percentile_in_group(v, g, d)[1] for d in ("weak", "strict", "rank", "mean")] == [75, 25, 62.5, 50]


def test_percentile_within_unit_types_and_lower_is_better():
    points, _ = evaluate("percentile", {"peer_group": "type", "definition": "weak"}, [1, 2, 10, 20],
                         types=["镇", "镇", "局", "局"], direction="lower")
    assert list(points) == [10, 5, 10, 5]  # the best of each type gets full points


def test_zscore_worked_example():
    # peers 60, 70, 80, 90: mean 75, population sd 11.1803; 90 -> z 1.3416 -> (1.3416 + 2) / 4 x 10 = 8.35
    points, ev = evaluate("zscore", {}, [60, 70, 80, 90])
    assert list(points) == [1.65, 3.88, 6.12, 8.35]
    assert "z = 1.34 " in "\n".join(ev.explain("u3", "en"))  # at the scorecard's 2 decimals, not 1.341641
    same, _ = evaluate("zscore", {}, [5, 5, 5])
    assert list(same) == [5, 5, 5]


def test_rank_table_with_ties():
    # DOMAIN.md: ranks 1..5 earn 60/57/54/51/48.
    table = {"table": [60, 57, 54, 51, 48]}
    points, ev = evaluate("rank_points", table, [9, 8, 8, 7, 6, 5], max_points=60)
    assert list(points) == [60, 57, 57, 51, 48, 0]
    averaged, _ = evaluate("rank_points", dict(table, ties="average"), [9, 8, 8, 7, 6, 5], max_points=60)
    assert list(averaged) == [60, 55.5, 55.5, 51, 48, 0]
    assert "排第 2 名" in "\n".join(ev.explain("u2", "zh"))


def test_rank_proportional_to_best():
    points, _ = evaluate("rank_points", {"proportional": True}, [50, 100, 25])
    assert list(points) == [5, 10, 2.5]
    lower, _ = evaluate("rank_points", {"proportional": True}, [2, 4, 8], direction="lower")
    assert list(lower) == [10, 5, 2.5]


def test_peer_rule_params_are_checked():
    problems = evalkit.validate({
        "id": "p", "name": "P", "period": "1", "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "i", "indicator": "x", "max_points": 50, "rule": {"name": "rank_points", "params": {"table": [40, 60]}}}]},
        evalkit.default_registry())
    assert {p.path for p in problems} == {"$.dimensions[0].rule.params.table[1]", "$.dimensions[0].rule.params.table"}


values = st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=2, max_size=30)


@settings(max_examples=40)
@given(values=values, rule=st.sampled_from([("percentile", {}), ("zscore", {}), ("rank_points", {"table": [10, 8, 6, 4]})]),
       direction=st.sampled_from(["higher", "lower"]), seed=st.randoms(use_true_random=False))
def test_bounds_order_independence_and_peer_monotonicity(values, rule, direction, seed):
    points, _ = evaluate(*rule, values, direction=direction)
    assert ((points >= 0) & (points <= 10)).all()
    order = sorted(range(len(values)), key=lambda k: values[k], reverse=direction == "higher")
    ranked = points[order]
    assert (np.diff(ranked) <= 1e-9).all()  # a better value never scores lower than a worse one
    perm = list(range(len(values)))
    seed.shuffle(perm)
    shuffled, _ = evaluate(*rule, [values[k] for k in perm], direction=direction)
    assert np.allclose(shuffled, points[perm], atol=0.011)  # same points whatever the order of units


@settings(max_examples=30)
@given(values=values)
def test_lower_is_better_mirrors_higher(values):
    for rule, params in [("percentile", {}), ("zscore", {}), ("rank_points", {"table": [10, 5]})]:
        down, _ = evaluate(rule, params, values, direction="lower")
        up, _ = evaluate(rule, params, [-v for v in values], direction="higher")
        assert np.array_equal(down, up)


# ------------------------------------------------------------------------------------------------
# Issue 17: the percentile definitions of Excel and pandas


def _one_group(v):
    return np.zeros(len(v), dtype=np.int64)


def test_excel_percentrank_inc_matches_microsofts_example():
    """Microsoft's PERCENTRANK.INC help page: data 13, 12, 11, 8, 4, 3, 2, 1, 1, 1; PERCENTRANK.INC(A2:A11, 2)
    = 0.333, (…, 4) = 0.555, (…, 8) = 0.666 (truncated to 3 digits, not rounded)."""
    from evalkit.analysis.peers import percentile_in_group

    v = np.array([13, 12, 11, 8, 4, 3, 2, 1, 1, 1.0])
    pct = percentile_in_group(v, _one_group(v), "excel_inc")
    assert pct[6] == 33.3 and pct[4] == 55.5 and pct[3] == 66.6
    assert pct[0] == 100 and pct[9] == 0


def test_excel_percentrank_exc_matches_microsofts_example():
    """Microsoft's PERCENTRANK.EXC help page: data 1, 2, 3, 6, 6, 6, 7, 8, 9; PERCENTRANK.EXC(A2:A10, 7) = 0.7,
    (…, 8) = 0.8; the tied 6s all have 4 / 10 = 0.4."""
    from evalkit.analysis.peers import percentile_in_group

    v = np.array([1, 2, 3, 6, 6, 6, 7, 8, 9.0])
    pct = percentile_in_group(v, _one_group(v), "excel_exc")
    assert pct[6] == 70 and pct[7] == 80 and list(pct[3:6]) == [40, 40, 40]


def test_pandas_rank_pct_methods():
    """pandas DataFrame.rank docs (2.x): Number_legs 4, 2, 4, 8, NaN with rank(pct=True) gives 0.625, 0.25, 0.625,
    1.0, NaN (method "average" = our ``rank``); min, max and dense follow the same ranks: min 2, 1, 2, 4 of 4;
    max 3, 1, 3, 4 of 4; dense 2, 1, 2, 3 of 3 distinct values."""
    from evalkit.analysis.peers import percentile_in_group

    v = np.array([4, 2, 4, 8, np.nan])
    g = _one_group(v)
    np.testing.assert_allclose(percentile_in_group(v, g, "rank"), [62.5, 25, 62.5, 100, np.nan])
    np.testing.assert_allclose(percentile_in_group(v, g, "pandas_min"), [50, 25, 50, 100, np.nan])
    np.testing.assert_allclose(percentile_in_group(v, g, "pandas_max"), [75, 25, 75, 100, np.nan])
    np.testing.assert_allclose(percentile_in_group(v, g, "pandas_dense"), [200 / 3, 100 / 3, 200 / 3, 100, np.nan])
    # Per group: dense ranks restart in each group.
    two = np.array([4, 2, 4, 8, 1, 1, 5.0])
    np.testing.assert_allclose(percentile_in_group(two, np.array([0, 0, 0, 0, 1, 1, 1]), "pandas_dense"),
                               [200 / 3, 100 / 3, 200 / 3, 100, 50, 50, 100])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=25))
def test_pandas_dense_is_dense_rank_over_distinct_values(xs):
    from evalkit.analysis.peers import percentile_in_group

    v = np.array(xs, dtype=float)
    distinct = sorted(set(xs))
    expected = [100 * (distinct.index(x) + 1) / len(distinct) for x in xs]
    np.testing.assert_allclose(percentile_in_group(v, _one_group(v), "pandas_dense"), expected)


def test_percentile_rule_takes_the_excel_definition():
    import evalkit

    sc = evalkit.load_scorecard({
        "id": "p", "name": "P", "period": "2025", "indicators": [{"id": "x", "name": "X"}],
        "dimensions": [{"id": "d", "name": "D", "max_points": 10, "children": [
            {"id": "i", "indicator": "x", "max_points": 10,
             "rule": {"name": "percentile", "params": {"definition": "excel_inc"}}}]}]})
    ev = evalkit.evaluate(sc, {"x": [13, 12, 11, 8, 4, 3, 2, 1, 1, 1]}, units=[f"u{k}" for k in range(10)])
    assert ev.unit("u6").total == 3.33  # 33.3rd percentile of 10 points
