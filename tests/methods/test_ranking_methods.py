"""SAW, TOPSIS and VIKOR: published worked examples (source named in each test) and hand computations."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evalkit.methods import saw, topsis, vikor

# ------------------------------------------------------------------------------------------------
# SAW


def test_saw_minmax_hand_computed():
    """X = [[1, 10], [2, 30], [3, 20]], w = [0.4, 0.6], criterion 2 lower-is-better.

    Min-max: column 1 -> [0, .5, 1]; column 2 (30 - x) / 20 -> [1, 0, .5].
    Scores: .4*0 + .6*1 = .6; .4*.5 + 0 = .2; .4 + .3 = .7 -> ranks [2, 3, 1].
    """
    result = saw([[1, 10], [2, 30], [3, 20]], [0.4, 0.6], ["higher", "lower"])
    np.testing.assert_allclose(result.scores, [0.6, 0.2, 0.7], atol=1e-15)
    assert result.rank.tolist() == [2, 3, 1]
    assert json.dumps(result.to_dict())


def test_saw_max_normalisation_hand_computed():
    """Linear scale: column 1 x/3 -> [1/3, 2/3, 1]; column 2 lower 10/x -> [1, 1/3, 1/2].
    Scores: .4/3 + .6 = .73333; .8/3 + .2 = .46667; .4 + .3 = .7 -> ranks [1, 3, 2]."""
    result = saw([[1, 10], [2, 30], [3, 20]], [0.4, 0.6], ["higher", "lower"], normalization="max")
    np.testing.assert_allclose(result.scores, [0.4 / 3 + 0.6, 0.8 / 3 + 0.2, 0.7], atol=1e-15)
    assert result.rank.tolist() == [1, 3, 2]


def test_saw_ties_share_the_best_rank():
    result = saw([[1, 1], [2, 2], [2, 2], [0, 0]], [0.5, 0.5])
    assert result.rank.tolist() == [3, 1, 1, 4]


# ------------------------------------------------------------------------------------------------
# TOPSIS

AIRCRAFT = [
    # max speed (Mach), ferry range (NM), max payload (lb), purchase cost ($10^6), reliability, manoeuvrability
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
AIRCRAFT_WEIGHTS = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
AIRCRAFT_DIRECTION = ["higher", "higher", "higher", "lower", "higher", "higher"]


def test_hwang_yoon_1981_fighter_aircraft():
    """Hwang, C.-L. & Yoon, K. (1981). Multiple Attribute Decision Making: Methods and Applications.
    Springer (LNEMS 186), TOPSIS fighter-aircraft example (p. 133): four aircraft, six attributes, cost
    the only lower-is-better one. Printed results: S* = (.0545, .1197, .0580, .1009),
    S- = (.0983, .0439, .0920, .0458), C* = (.643, .268, .613, .312), order A1 > A3 > A4 > A2. The book
    rounds its normalised matrix to 4 decimals (and its cost column is off in the 4th decimal), so we
    agree to about 1e-3, not exactly. Values taken from two independent transcriptions of the book
    (the book itself was not at hand).
    """
    result = topsis(AIRCRAFT, AIRCRAFT_WEIGHTS, AIRCRAFT_DIRECTION)
    np.testing.assert_allclose(result.scores, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    np.testing.assert_allclose(result.d_best, [0.0545, 0.1197, 0.0580, 0.1009], atol=2e-4)
    np.testing.assert_allclose(result.d_worst, [0.0983, 0.0439, 0.0920, 0.0458], atol=2e-4)
    assert result.rank.tolist() == [1, 4, 2, 3]
    # Ideal / anti-ideal respect the direction: the cheapest cost (4.5) is ideal.
    cost_norm = np.sqrt(5.5**2 + 6.5**2 + 4.5**2 + 5.0**2)
    assert result.ideal[3] == pytest.approx(0.1 * 4.5 / cost_norm)
    assert result.anti_ideal[3] == pytest.approx(0.1 * 6.5 / cost_norm)


def test_tzeng_huang_2011_topsis():
    """Tzeng, G.-H. & Huang, J.-J. (2011). Multiple Attribute Decision Making: Methods and Applications.
    CRC Press, TOPSIS example: four alternatives, three benefit criteria, w = (0.3, 0.4, 0.3);
    closeness (.5037, .6581, .7482, .3340) as transcribed in the scikit-criteria test-suite."""
    result = topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3])
    np.testing.assert_allclose(result.scores, [0.5037, 0.6581, 0.7482, 0.3340], atol=5e-5)
    assert result.rank.tolist() == [3, 2, 1, 4]


def test_topsis_minmax_hand_computed():
    """One criterion [0, 1, 2]: min-max [0, .5, 1], ideal 1, anti-ideal 0: D+ = [1, .5, 0],
    D- = [0, .5, 1], C = [0, .5, 1]. Lower-is-better flips it."""
    result = topsis([[0], [1], [2]], [1.0], normalization="minmax")
    np.testing.assert_allclose(result.scores, [0, 0.5, 1], atol=1e-15)
    flipped = topsis([[0], [1], [2]], [1.0], ["lower"], normalization="minmax")
    np.testing.assert_allclose(flipped.scores, [1, 0.5, 0], atol=1e-15)
    assert flipped.rank.tolist() == [1, 2, 3]


def test_topsis_degenerate_all_equal_units_score_one():
    result = topsis([[3, 4], [3, 4]], [0.5, 0.5])
    assert result.scores.tolist() == [1.0, 1.0] and result.rank.tolist() == [1, 1]
    zero = topsis([[0, 1], [0, 2]], [0.5, 0.5])  # an all-zero column stays 0 under vector normalisation
    assert zero.rank.tolist() == [2, 1]


# ------------------------------------------------------------------------------------------------
# VIKOR


def test_opricovic_tzeng_2004_numerical_example():
    """Opricovic, S. & Tzeng, G.-H. (2004). Compromise solution by MCDM methods: a comparative analysis of
    VIKOR and TOPSIS. European Journal of Operational Research 156(2), 445-455, numerical example:
    A1 = (1, 3000), A2 = (2, 3750), A3 = (5, 4500), f1 (risk) lower-is-better, f2 (altitude)
    higher-is-better, equal weights. S = (.5, .375, .5), R = (.5, .25, .5), Q = (1, 0, 1); A2 is the
    compromise with both conditions met. (Data as transcribed in the scikit-criteria test-suite; checked
    by hand: d(A2) = (1/4, 1/2), S = .125 + .25 = .375, R = .25.)
    """
    result = vikor([[1, 3000], [2, 3750], [5, 4500]], [0.5, 0.5], ["lower", "higher"])
    np.testing.assert_allclose(result.s, [0.5, 0.375, 0.5], atol=1e-15)
    np.testing.assert_allclose(result.r, [0.5, 0.25, 0.5], atol=1e-15)
    np.testing.assert_allclose(result.q, [1.0, 0.0, 1.0], atol=1e-15)
    assert result.rank.tolist() == [2, 1, 2]
    assert result.acceptable_advantage and result.acceptable_stability
    assert result.compromise.tolist() == [1]
    assert result.dq == 0.5
    assert json.dumps(result.to_dict())


HYDRO = [
    # profit, cost, energy, peak energy, homes relocated, reservoir area, villages displaced, environment
    [4184.3, 2914.0, 407.2, 251.0, 195, 244, 15, 2.41],
    [5211.9, 3630.0, 501.7, 308.3, 282, 346, 21, 1.41],
    [5021.3, 3920.5, 504.0, 278.6, 12, 56, 3, 4.42],
    [5566.1, 3957.9, 559.5, 335.3, 167, 268, 16, 3.36],
    [5060.5, 3293.5, 514.1, 284.2, 69, 90, 7, 4.04],
    [4317.9, 2925.9, 432.8, 239.3, 12, 55, 3, 4.36],
]
HYDRO_DIRECTION = ["higher", "lower", "higher", "higher", "lower", "lower", "lower", "higher"]


@pytest.mark.parametrize(
    "raw_weights, r, s, q, rank, advantage, stability, compromise",
    [
        ([1] * 8, [0.125, 0.125, 0.121, 0.125, 0.067, 0.125], [0.692, 0.7, 0.29, 0.423, 0.28, 0.346],
         [0.991, 1.0, 0.473, 0.670, 0.0, 0.578], [5, 6, 2, 4, 1, 3], True, True, [4]),
        ([2] * 4 + [1] * 4, [0.167, 0.114, 0.161, 0.167, 0.089, 0.167], [0.701, 0.6, 0.386, 0.365, 0.317, 0.459],
         [1.0, 0.533, 0.552, 0.563, 0.0, 0.686], [6, 2, 3, 4, 1, 5], True, True, [4]),
        ([1] * 4 + [2] * 4, [0.113, 0.167, 0.08, 0.122, 0.044, 0.083], [0.683, 0.8, 0.193, 0.48, 0.243, 0.232],
         [0.684, 1.0, 0.147, 0.554, 0.041, 0.191], [5, 6, 2, 4, 1, 3], False, True, [4, 2, 5]),
        ([1] * 4 + [3.2] * 4, [0.129, 0.190, 0.057, 0.139, 0.042, 0.060], [0.678, 0.857, 0.138, 0.513, 0.222, 0.167],
         [0.668, 1.0, 0.051, 0.588, 0.058, 0.078], [5, 6, 1, 4, 2, 3], False, True, [2, 4, 5]),
    ],
    ids=["equal", "economic", "environmental", "environmental-3.2"],
)
def test_opricovic_tzeng_2007_hydropower(raw_weights, r, s, q, rank, advantage, stability, compromise):
    """Opricovic, S. & Tzeng, G.-H. (2007). Extended VIKOR method in comparison with outranking methods.
    European Journal of Operational Research 178(2), 514-529: six reservoir alternatives, eight criteria,
    four weight sets; S, R, Q at 3 decimals, ranking and compromise set as transcribed in the
    scikit-criteria test-suite."""
    w = np.array(raw_weights, dtype=float)
    result = vikor(HYDRO, w / w.sum(), HYDRO_DIRECTION)
    np.testing.assert_allclose(result.r, r, atol=1e-3)
    np.testing.assert_allclose(result.s, s, atol=1e-3)
    np.testing.assert_allclose(result.q, q, atol=1e-3)
    assert result.rank.tolist() == rank
    assert result.acceptable_advantage is advantage and result.acceptable_stability is stability
    assert result.compromise.tolist() == compromise


def test_vikor_advantage_without_stability_keeps_two_units():
    """Hand computation (5 units, 5 lower-is-better criteria on 1..101, w = 0.2 each):
    unit 3 = (11, 11, 11, 16, 61): d = (.1, .1, .1, .15, .6), S = .21, R = .12;
    unit 2 = (1, 1, 1, 1, 101): S = .2 (best S); unit 4 = (56, ...): d = .55 each, S = .55, R = .11 (best R).
    S* = .2, S- = .6, R* = .11, R- = .2: Q(3) = .5 * .01/.4 + .5 * .01/.09 = .068056 (best Q) and
    Q(4) = .5 * .35/.4 + 0 = .4375; advantage .3694 >= DQ = 1/4 holds, but unit 3 is first by neither S
    nor R, so the compromise is units 3 and 4.
    """
    X = [
        [1, 101, 1, 101, 1],
        [101, 1, 101, 1, 101],
        [1, 1, 1, 1, 101],
        [11, 11, 11, 16, 61],
        [56, 56, 56, 56, 56],
    ]
    result = vikor(X, [0.2] * 5, ["lower"] * 5)
    np.testing.assert_allclose(result.s, [0.4, 0.6, 0.2, 0.21, 0.55], atol=1e-12)
    np.testing.assert_allclose(result.r, [0.2, 0.2, 0.2, 0.12, 0.11], atol=1e-12)
    assert result.q[3] == pytest.approx(0.5 * 0.01 / 0.4 + 0.5 * 0.01 / 0.09, abs=1e-12)
    assert result.q[4] == pytest.approx(0.4375, abs=1e-12)
    assert result.acceptable_advantage and not result.acceptable_stability
    assert result.compromise.tolist() == [3, 4]
    assert result.rank_s[2] == 1 and result.rank_r[4] == 1 and result.rank[3] == 1


def test_vikor_constant_column_and_equal_s():
    """A constant column gives d = 0; when every S (or R) is equal its Q term is 0."""
    result = vikor([[1, 5], [1, 7]], [0.5, 0.5])
    np.testing.assert_allclose(result.s, [0.5, 0.0])
    np.testing.assert_allclose(result.q, [1.0, 0.0])
    same = vikor([[1, 5], [1, 5]], [0.5, 0.5])
    assert same.q.tolist() == [0.0, 0.0] and same.rank.tolist() == [1, 1]
    assert not same.acceptable_advantage and same.compromise.tolist() == [0, 1]


# ------------------------------------------------------------------------------------------------
# Issue 17: sum normalisation and the cost forms 1 - x/max and 1 - x/||x|| (pymcdm's normalizations.py)


def test_sum_and_complement_normalisations_follow_pymcdm():
    """pymcdm normalizations.py (2025): sum_normalization x / sum x, cost (1/x) / sum(1/x); max_normalization
    x / max, cost 1 - x / max; vector_normalization x / ||x||, cost 1 - x / ||x||."""
    from evalkit.methods.normalize import directed_normalize

    X = np.array([[2.0, 4.0], [3.0, 1.0], [5.0, 2.0]])
    higher = [True, False]
    S = directed_normalize(X, higher, "sum")
    np.testing.assert_allclose(S[:, 0], [0.2, 0.3, 0.5])
    inv = 1 / np.array([4.0, 1.0, 2.0])
    np.testing.assert_allclose(S[:, 1], inv / inv.sum())
    M = directed_normalize(X, higher, "max_complement")
    np.testing.assert_allclose(M[:, 0], [0.4, 0.6, 1.0])
    np.testing.assert_allclose(M[:, 1], [0.0, 0.75, 0.5])
    assert not np.signbit(M).any()
    V = directed_normalize(X, higher, "vector_complement")
    np.testing.assert_allclose(V[:, 0], X[:, 0] / np.sqrt(38))
    np.testing.assert_allclose(V[:, 1], 1 - X[:, 1] / np.sqrt(21))


def test_saw_and_topsis_take_the_new_normalisations():
    from evalkit.methods import saw, topsis
    from evalkit.methods.normalize import directed_normalize

    X = np.array([[2.0, 4.0, 7.0], [3.0, 1.0, 5.0], [5.0, 2.0, 6.0], [4.0, 3.0, 9.0]])
    w = np.array([0.5, 0.3, 0.2])
    higher = [True, False, True]
    for name in ("sum", "max_complement", "vector_complement"):
        R = directed_normalize(X, higher, name)
        np.testing.assert_allclose(saw(X, w, higher, normalization=name).scores, R @ w)
        t = topsis(X, w, higher, normalization=name)
        V = R * w
        np.testing.assert_allclose(t.weighted, V)
        d_plus = np.sqrt(((V - V.max(axis=0)) ** 2).sum(axis=1))
        d_minus = np.sqrt(((V - V.min(axis=0)) ** 2).sum(axis=1))
        np.testing.assert_allclose(t.d_best, d_plus)
        np.testing.assert_allclose(t.scores, d_minus / (d_plus + d_minus))
    from evalkit.errors import DataError

    with pytest.raises(DataError, match="sum normalisation needs positive values"):
        saw([[1, 0], [2, 3]], [0.5, 0.5], normalization="sum")
