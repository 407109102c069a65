"""Properties that must hold for any input (hypothesis, kept small so the suite stays fast)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evalkit.errors import DataError
from evalkit.methods import (
    ahp,
    competition_rank,
    critic_weights,
    entropy_weights,
    fuzzy_evaluation,
    global_weights,
    grey_relational,
    kendall_w,
    saw,
    std_weights,
    topsis,
    vikor,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def int_matrices(draw, min_rows=2, max_rows=8, max_cols=5):
    """Integer-valued matrices: column sums and sums of squares are exact in float64, so a permutation
    of the rows gives bit-identical column statistics and the per-unit results can be compared exactly."""
    n = draw(st.integers(min_rows, max_rows))
    m = draw(st.integers(1, max_cols))
    values = draw(st.lists(st.integers(-50, 200), min_size=n * m, max_size=n * m))
    return np.array(values, dtype=np.float64).reshape(n, m)


@st.composite
def weight_vectors(draw, m):
    raw = np.array(draw(st.lists(st.integers(1, 100), min_size=m, max_size=m)), dtype=np.float64)
    w = raw / raw.sum()
    w[-1] = 1.0 - w[:-1].sum()  # exact unit sum up to the last ulp
    assume(w[-1] >= 0)
    return w


@st.composite
def problems(draw, min_rows=2):
    X = draw(int_matrices(min_rows=min_rows))
    m = X.shape[1]
    w = draw(weight_vectors(m))
    direction = draw(st.lists(st.sampled_from(["higher", "lower"]), min_size=m, max_size=m))
    perm = np.array(draw(st.permutations(range(X.shape[0]))))
    return X, w, direction, perm


# ------------------------------------------------------------------------------------------------
# Weights


@FAST
@given(X=int_matrices(), data=st.data())
def test_objective_weights_sum_to_one_and_are_non_negative(X, data):
    m = X.shape[1]
    direction = data.draw(st.lists(st.booleans(), min_size=m, max_size=m))
    for method in (entropy_weights, critic_weights, std_weights):
        try:
            w = method(X, direction).weights
        except DataError:
            continue  # no informative criterion: refused with a message, by declaration
        assert np.all(w >= 0)
        assert w.sum() == pytest.approx(1.0, abs=1e-12)


@FAST
@given(X=int_matrices(min_rows=3), a=st.integers(1, 20), b=st.integers(-100, 100))
def test_entropy_weights_ignore_positive_affine_rescaling(X, a, b):
    """Min-max normalisation first, so a * x + b (a > 0) on a column changes nothing."""
    try:
        base = entropy_weights(X).weights
    except DataError:
        return
    Y = X.copy()
    Y[:, 0] = a * Y[:, 0] + b
    np.testing.assert_allclose(entropy_weights(Y).weights, base, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------------------------
# AHP


@FAST
@given(w=st.lists(st.floats(1.0, 9.0), min_size=1, max_size=10))
def test_consistent_matrix_has_cr_zero_and_recovers_weights(w):
    w = np.array(w)
    A = w[:, None] / w[None, :]  # ratios within [1/9, 9]: on the 1-9 scale
    expected = w / w.sum()
    for method in ("eigen", "geometric", "arithmetic"):
        result = ahp(A, method=method)
        assert abs(result.cr) <= 1e-9
        assert result.consistent
        np.testing.assert_allclose(result.weights, expected, rtol=1e-9, atol=1e-12)
        assert np.all(result.weights > 0) and result.weights.sum() == pytest.approx(1.0, abs=1e-12)


@FAST
@given(w=st.lists(st.floats(0.01, 100.0), min_size=3, max_size=15), table=st.sampled_from(["alonso_lamata", "cn_1000"]))
def test_consistent_matrix_beyond_the_scale(w, table):
    w = np.array(w)
    A = w[:, None] / w[None, :]
    result = ahp(A, ri_table=table, scale_max=None)
    assert abs(result.cr) <= 1e-9
    np.testing.assert_allclose(result.weights, w / w.sum(), rtol=1e-8)


@FAST
@given(data=st.data())
def test_ahp_weights_of_any_valid_matrix_are_a_distribution(data):
    n = data.draw(st.integers(1, 9))
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9]
    A = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            A[i, j] = data.draw(st.sampled_from(scale))
            A[j, i] = 1 / A[i, j]
    for method in ("eigen", "geometric", "arithmetic"):
        result = ahp(A, method=method)
        assert np.all(result.weights > 0) and result.weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert result.lambda_max >= n - 1e-9 and result.cr >= -1e-12


@FAST
@given(data=st.data())
def test_global_weights_sum_to_one(data):
    k = data.draw(st.integers(1, 4))
    top = data.draw(weight_vectors(k))
    local = {"goal": {f"d{i}": float(top[i]) for i in range(k)}}
    for i in range(k):
        leaves = data.draw(st.integers(1, 4))
        wl = data.draw(weight_vectors(leaves))
        local[f"d{i}"] = {f"d{i}.{j}": float(wl[j]) for j in range(leaves)}
    g = global_weights(local, "goal")
    assert all(v >= 0 for v in g.values()) and sum(g.values()) == pytest.approx(1.0, abs=1e-9)


# ------------------------------------------------------------------------------------------------
# Ranking methods: permuting the units permutes the results


def _check_permutation(run, X, perm):
    base = run(X)
    moved = run(X[perm])
    np.testing.assert_allclose(moved.scores, base.scores[perm], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(moved.rank, base.rank[perm])


@FAST
@given(problems())
def test_permuting_units_permutes_saw_topsis_grey(problem):
    X, w, direction, perm = problem
    _check_permutation(lambda A: saw(A, w, direction), X, perm)
    _check_permutation(lambda A: saw(A, w, direction, normalization="minmax"), X, perm)
    _check_permutation(lambda A: topsis(A, w, direction), X, perm)
    _check_permutation(lambda A: topsis(A, w, direction, normalization="minmax"), X, perm)
    _check_permutation(lambda A: grey_relational(A, w, direction), X, perm)


@FAST
@given(problems())
def test_permuting_units_permutes_vikor(problem):
    X, w, direction, perm = problem
    base = vikor(X, w, direction)
    moved = vikor(X[perm], w, direction)
    np.testing.assert_allclose(moved.scores, base.scores[perm], rtol=0, atol=1e-12)
    np.testing.assert_allclose(moved.s, base.s[perm], rtol=0, atol=1e-12)
    np.testing.assert_allclose(moved.r, base.r[perm], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(moved.rank, base.rank[perm])
    assert moved.acceptable_advantage == base.acceptable_advantage


@FAST
@given(data=st.data())
def test_permuting_units_permutes_fuzzy(data):
    n = data.draw(st.integers(1, 6))
    c = data.draw(st.integers(1, 4))
    g = data.draw(st.integers(2, 5))
    counts = data.draw(st.lists(st.integers(1, 20), min_size=n * c * g, max_size=n * c * g))
    ballots = np.array(counts, dtype=float).reshape(n, c, g)
    w = data.draw(weight_vectors(c))
    values = np.linspace(100, 60, g)
    perm = np.array(data.draw(st.permutations(range(n))))
    for operator in ("weighted_average", "max_min"):
        base = fuzzy_evaluation(w, ballots, values, operator=operator)
        moved = fuzzy_evaluation(w, ballots[perm], values, operator=operator)
        np.testing.assert_allclose(moved.membership, base.membership[perm], atol=1e-15)
        np.testing.assert_allclose(moved.membership.sum(axis=1), 1.0, atol=1e-12)
        np.testing.assert_array_equal(moved.rank, base.rank[perm])


# ------------------------------------------------------------------------------------------------
# TOPSIS scale invariance, Kendall's W, ranks


@FAST
@given(problem=problems(), c=st.floats(1e-3, 1e3))
def test_topsis_vector_closeness_ignores_scaling_a_higher_column(problem, c):
    X, w, direction, _ = problem
    direction = ["higher"] + list(direction[1:])
    base = topsis(X, w, direction).scores
    Y = X.copy()
    Y[:, 0] *= c
    np.testing.assert_allclose(topsis(Y, w, direction).scores, base, rtol=1e-9, atol=1e-12)


@FAST
@given(data=st.data())
def test_kendall_w_is_one_for_identical_rankings(data):
    n = data.draw(st.integers(2, 10))
    m = data.draw(st.integers(2, 8))
    base = np.array(data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    assume(len(set(base.tolist())) > 1)  # all items tied: W undefined by declaration
    scale = np.array(data.draw(st.lists(st.integers(1, 9), min_size=m, max_size=m)), dtype=float)
    shift = np.array(data.draw(st.lists(st.integers(-20, 20), min_size=m, max_size=m)), dtype=float)
    scores = scale[:, None] * base[None, :] + shift[:, None]  # same order (and ties) for every expert
    k = kendall_w(scores)
    assert k.w == pytest.approx(1.0, abs=1e-12)
    assert k.chi2 == pytest.approx(m * (n - 1), rel=1e-12)


@FAST
@given(data=st.data())
def test_kendall_w_is_between_zero_and_one(data):
    n = data.draw(st.integers(2, 8))
    m = data.draw(st.integers(2, 6))
    vals = data.draw(st.lists(st.integers(1, 5), min_size=n * m, max_size=n * m))
    k = kendall_w(np.array(vals, dtype=float).reshape(m, n))
    if not np.isnan(k.w):
        assert 0.0 <= k.w <= 1.0 and 0.0 <= k.p_value <= 1.0


@FAST
@given(st.lists(st.integers(0, 6), min_size=0, max_size=30))
def test_competition_rank_is_one_plus_number_strictly_better(values):
    x = np.array(values, dtype=float)
    expected = [1 + int((x > v).sum()) for v in x]
    assert competition_rank(x).tolist() == expected
