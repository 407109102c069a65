"""Objective weights (entropy, CRITIC, standard deviation) and combined weights, by hand computation.

No published table is reproduced here: each expected value is computed independently in the test,
either written out by hand or with a plain-Python reference loop that follows the textbook formula.
"""

from __future__ import annotations

import json
import math
import statistics

import numpy as np
import pytest

from evalkit.errors import DataError, DefinitionError
from evalkit.methods import combine_weights, critic_weights, entropy_weights, std_weights

# ------------------------------------------------------------------------------------------------
# Entropy


def test_entropy_hand_computed():
    """X = [[1, 1], [2, 1], [3, 2]], both higher-is-better.

    Column 0: min-max [0, 1/2, 1], p = [0, 1/3, 2/3], e0 = (1/3 ln 3 + 2/3 ln 3/2) / ln 3 = 0.579380.
    Column 1: min-max [0, 0, 1], p = [0, 0, 1], e1 = 0 (0 ln 0 = 0).
    d = [0.420620, 1], w = d / 1.420620 = [0.296082, 0.703918].
    """
    result = entropy_weights([[1, 1], [2, 1], [3, 2]])
    e0 = (1 / 3 * math.log(3) + 2 / 3 * math.log(1.5)) / math.log(3)
    np.testing.assert_allclose(result.entropy, [e0, 0.0], atol=1e-15)
    assert e0 == pytest.approx(0.579380, abs=1e-6)
    np.testing.assert_allclose(result.weights, [(1 - e0) / (2 - e0), 1 / (2 - e0)], rtol=1e-14)
    np.testing.assert_allclose(result.weights, [0.296082, 0.703918], atol=1e-6)
    assert json.dumps(result.to_dict())


def test_entropy_lower_is_better_flips_before_proportions():
    """Column 1 lower-is-better: [1, 1, 2] -> [1, 1, 0], p = [1/2, 1/2, 0], e1 = ln 2 / ln 3."""
    result = entropy_weights([[1, 1], [2, 1], [3, 2]], ["higher", "lower"])
    assert result.entropy[1] == pytest.approx(math.log(2) / math.log(3), rel=1e-14)
    same = entropy_weights([[1, 1], [2, 1], [3, 2]], [True, False])
    np.testing.assert_array_equal(result.weights, same.weights)


def test_entropy_constant_column_weighs_zero_and_changes_nothing_else():
    base = entropy_weights([[1, 1], [2, 1], [3, 2]])
    with_constant = entropy_weights([[1, 7, 1], [2, 7, 1], [3, 7, 2]])
    assert with_constant.weights[1] == 0.0 and with_constant.entropy[1] == 1.0
    assert with_constant.constant.tolist() == [False, True, False]
    np.testing.assert_allclose(with_constant.weights[[0, 2]], base.weights, rtol=1e-14)


def test_entropy_shift_is_declared():
    """shift = 1: column [1, 2, 3] -> [0, .5, 1] + 1 = [1, 1.5, 2], p = [2/9, 3/9, 4/9]."""
    result = entropy_weights([[1, 0], [2, 5], [3, 10]], shift=1.0)
    p = np.array([2, 3, 4]) / 9
    e = -(p * np.log(p)).sum() / math.log(3)
    np.testing.assert_allclose(result.entropy, [e, e], rtol=1e-14)
    np.testing.assert_allclose(result.weights, [0.5, 0.5])


def test_entropy_refuses_uninformative_data():
    with pytest.raises(DataError) as err:
        entropy_weights([[1, 2], [1, 2], [1, 2]])
    assert "undefined" in str(err.value)
    with pytest.raises(DataError) as err:
        entropy_weights([[1, 2]])
    assert "at least 2 rows" in str(err.value)


# ------------------------------------------------------------------------------------------------
# CRITIC


def _critic_reference(rows, higher, ddof=1):
    """Plain-Python CRITIC: min-max by direction, stdev, Pearson r, C_j = s_j * sum_k (1 - r_jk)."""
    cols = list(zip(*rows))
    norm = []
    for col, h in zip(cols, higher):
        lo, hi = min(col), max(col)
        norm.append([(x - lo) / (hi - lo) if h else (hi - x) / (hi - lo) for x in col])
    n = len(rows)

    def sd(c):
        mu = sum(c) / n
        return math.sqrt(sum((x - mu) ** 2 for x in c) / (n - ddof))

    def pearson(a, b):
        ma, mb = sum(a) / n, sum(b) / n
        cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
        return cov / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))

    info = [sd(a) * sum(1 - pearson(a, b) for b in norm) for a in norm]
    return [c / sum(info) for c in info]


CRITIC_DATA = [[70, 3, 12.0], [85, 5, 9.5], [60, 4, 14.0], [90, 1, 8.0], [75, 2, 11.0]]


def test_critic_matches_plain_python_reference():
    higher = [True, True, False]
    result = critic_weights(CRITIC_DATA, higher)
    np.testing.assert_allclose(result.weights, _critic_reference(CRITIC_DATA, higher), rtol=1e-12)
    col0 = [(x - 60) / 30 for x in (70, 85, 60, 90, 75)]
    assert result.std[0] == pytest.approx(statistics.stdev(col0), rel=1e-14)  # ddof = 1
    assert json.dumps(result.to_dict())


def test_critic_hand_computed_opposed_pair():
    """Columns [0, 1, 2] and [2, 1, 0] (both higher): normalised [0, .5, 1] and [1, .5, 0]; r = -1; each
    sigma = 0.5 (ddof 1); conflict = (1 - 1) + (1 - (-1)) = 2 for both; weights 1/2 and 1/2."""
    result = critic_weights([[0, 2], [1, 1], [2, 0]])
    np.testing.assert_allclose(result.correlation, [[1, -1], [-1, 1]], atol=1e-15)
    np.testing.assert_allclose(result.std, [0.5, 0.5], rtol=1e-15)
    np.testing.assert_allclose(result.conflict, [2, 2], atol=1e-15)
    np.testing.assert_allclose(result.weights, [0.5, 0.5])


def test_critic_ddof_does_not_change_weights():
    a = critic_weights(CRITIC_DATA, ["higher", "higher", "lower"], ddof=0)
    b = critic_weights(CRITIC_DATA, ["higher", "higher", "lower"], ddof=1)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-13)
    assert a.std[0] < b.std[0]


def test_critic_constant_column_is_left_out():
    base = critic_weights(CRITIC_DATA, [True, True, False])
    rows = [r[:2] + [5.0] + r[2:] for r in CRITIC_DATA]
    with_constant = critic_weights(rows, [True, True, True, False])
    assert with_constant.weights[2] == 0.0 and with_constant.constant[2]
    np.testing.assert_allclose(with_constant.weights[[0, 1, 3]], base.weights, rtol=1e-12)


def test_critic_undefined_without_conflict():
    with pytest.raises(DataError) as err:
        critic_weights([[1, 5], [2, 5], [3, 5]])  # only one criterion varies
    assert "CRITIC" in str(err.value)
    with pytest.raises(DataError):
        critic_weights([[1, 2], [2, 4], [3, 6]])  # perfectly correlated


def test_critic_says_what_is_wrong():
    """Issue 17: the message named "no such criterion" (a varying criterion) although one varied."""
    with pytest.raises(DataError) as err:
        critic_weights([[1, 5], [2, 5], [3, 5]])
    text = str(err.value)
    assert "no such criterion" not in text
    assert "only criterion 0 varies" in text
    with pytest.raises(DataError) as err:
        critic_weights([[1, 2, 7], [2, 4, 7], [3, 6, 7]])
    text = str(err.value)
    assert "no such criterion" not in text
    assert "criteria 0, 1 vary, all perfectly correlated (r = 1)" in text
    # A cost criterion perfectly anti-correlated in raw terms is perfectly correlated once flipped.
    with pytest.raises(DataError, match="perfectly correlated"):
        critic_weights([[1, 6], [2, 4], [3, 2]], [True, False])
    with pytest.raises(DataError, match="every criterion has the same value"):
        critic_weights([[1, 5], [1, 5]])


# ------------------------------------------------------------------------------------------------
# Standard deviation


def test_std_weights_hand_computed():
    """Columns [0, 1, 2] -> [0, .5, 1], sigma 0.5; [0, 0, 1] -> sigma sqrt(1/3) = 0.577350 (ddof 1).
    w = [0.5, 0.57735] / 1.07735 = [0.464102, 0.535898]."""
    result = std_weights([[0, 0], [1, 0], [2, 1]])
    np.testing.assert_allclose(result.std, [0.5, math.sqrt(1 / 3)], rtol=1e-14)
    np.testing.assert_allclose(result.weights, [0.464102, 0.535898], atol=1e-6)
    assert std_weights([[0, 0], [1, 0], [2, 1]], ["lower", "higher"]).weights.tolist() == result.weights.tolist()
    with pytest.raises(DataError):
        std_weights([[3, 3], [3, 3]])


# ------------------------------------------------------------------------------------------------
# Combined weights


def test_combine_linear_and_multiplicative():
    ahp_w = [0.5, 0.3, 0.2]
    ent_w = [0.2, 0.2, 0.6]
    np.testing.assert_allclose(combine_weights(ahp_w, ent_w), [0.35, 0.25, 0.40])
    np.testing.assert_allclose(combine_weights(ahp_w, ent_w, "linear", alpha=0.7), [0.41, 0.27, 0.32])
    # products 0.10, 0.06, 0.12, sum 0.28
    np.testing.assert_allclose(combine_weights(ahp_w, ent_w, "multiplicative"), [0.10 / 0.28, 0.06 / 0.28, 0.12 / 0.28])


def test_combine_refuses_bad_input():
    with pytest.raises(DefinitionError) as err:
        combine_weights([0.5, 0.4], [0.5, 0.5])
    assert err.value.problems[0].path == "w1"
    with pytest.raises(DefinitionError) as err:
        combine_weights([0.5, 0.5], [0.2, 0.3, 0.5])
    assert "wrong length" in str(err.value)
    with pytest.raises(DefinitionError):
        combine_weights([0.5, 0.5], [0.5, 0.5], alpha=1.5)
    with pytest.raises(DefinitionError):
        combine_weights([1.0, 0.0], [0.0, 1.0], "multiplicative")
    with pytest.raises(DefinitionError):
        combine_weights([0.5, 0.5], [0.5, 0.5], "harmonic")


# ------------------------------------------------------------------------------------------------
# Issue 17: weights on the raw data (no min-max), as pymcdm and scikit-criteria compute them


def test_entropy_on_raw_data_matches_the_published_example():
    """Elsayed, Dawood & Karthikeyan (2017), "Evaluating alternatives through the application of TOPSIS method
    with entropy weight", Int. J. Eng. Trends Technol. 46(2): 60-66; the weights as pymcdm's test suite records
    them (pymcdm tests/test_weights.py, TestEntropyWeights, 2025): [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]."""
    from evalkit.methods import entropy_weights

    X = [[7, 312, 1891, 6613, 163], [72, 88, 728, 941804, 1078], [10, 252, 2594, 3466, 117471],
         [10, 145, 980, 2371, 86329], [65, 54, 350, 501, 29897], [29, 48, 380, 912, 34051],
         [7, 476, 3300, 78470, 2212], [70, 87, 650, 733, 819000], [4, 86, 591, 3015, 103],
         [12, 79, 579, 3240, 96098], [21, 45, 261, 1253, 453], [1, 72, 530, 4333, 0.104800]]
    r = entropy_weights(X, basis="raw")
    np.testing.assert_allclose(r.weights, [0.104991, 0.069124, 0.071373, 0.449937, 0.304575], atol=5e-7)
    assert r.basis == "raw" and r.proportions.shape == (12, 5)
    np.testing.assert_allclose(r.proportions.sum(axis=0), 1.0)
    np.testing.assert_allclose(r.proportions[0, 0], 7 / sum(row[0] for row in X))
    # e_j = -sum p ln p / ln n, from the p_ij the result keeps
    P = r.proportions
    np.testing.assert_allclose(r.entropy, -(P * np.log(P)).sum(axis=0) / np.log(12))
    # The direction does not enter the raw basis; the default (min-max) gives other weights.
    np.testing.assert_array_equal(entropy_weights(X, [False] * 5, basis="raw").weights, r.weights)
    assert not np.allclose(entropy_weights(X).weights, r.weights, atol=1e-3)


def test_std_on_raw_data_matches_the_published_example():
    """Jahan & Edwards (2013), Materials & Design 49: 1000-1008; weights [0.35, 0.31, 0.34] at 2 decimals as
    recorded in pymcdm's tests (TestSTDWeights, 2025; np.std with ddof=1 of the raw columns)."""
    from evalkit.methods import std_weights

    X = [[0, 0, 0], [0.39, 0.3, 0.77], [0.17, 0.36, 0.8], [0.35, 0.29, 0.93], [0.3, 0.4, 0.94], [0.84, 0.71, 1],
         [1, 1, 0.99]]
    r = std_weights(X, basis="raw")
    np.testing.assert_allclose(r.weights, [0.35, 0.31, 0.34], atol=0.005)
    sd = np.std(np.asarray(X), axis=0, ddof=1)
    np.testing.assert_allclose(r.weights, sd / sd.sum(), rtol=1e-12)


def test_raw_entropy_refuses_negative_values():
    from evalkit.methods import entropy_weights

    with pytest.raises(DataError, match="raw data need values >= 0"):
        entropy_weights([[1, -2], [2, 3]], basis="raw")
    with pytest.raises(DefinitionError):
        entropy_weights([[1, 2], [2, 3]], basis="zscore")
