"""Delphi round statistics and Kendall's W, checked against hand computations.

Kendall's W examples are computed by hand below (no published panel was reproduced); the chi-square
tail function is checked against the classic 5 % critical values of the chi-square distribution.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from evalkit.errors import DataError, DefinitionError
from evalkit.methods import average_ranks, chi2_sf, delphi_round, kendall_w


def test_kendall_w_without_ties_hand_computed():
    """3 experts x 4 items; ranks (1 = lowest score): (4, 3, 2, 1), (4, 2, 3, 1), (3, 4, 2, 1).
    Rank sums R = (11, 9, 7, 3), mean 7.5, S = 3.5^2 + 1.5^2 + .5^2 + 4.5^2 = 35.
    W = 12 * 35 / (3^2 * (4^3 - 4)) = 420 / 540 = 7/9; chi2 = m (n - 1) W = 3 * 3 * 7/9 = 7, df 3.
    """
    scores = [[4, 3, 2, 1], [4, 2, 3, 1], [3, 4, 2, 1]]
    k = kendall_w(scores)
    assert k.w == pytest.approx(7 / 9, abs=1e-15)
    assert k.chi2 == pytest.approx(7.0, abs=1e-12)
    assert k.df == 3 and k.tie_correction == 0.0
    # P(chi2_3 >= 7) = erfc(sqrt(3.5)) + sqrt(3.5) e^-3.5 / Gamma(3/2) = 0.071898...
    expected_p = math.erfc(math.sqrt(3.5)) + math.sqrt(3.5) * math.exp(-3.5) / math.gamma(1.5)
    assert k.p_value == pytest.approx(expected_p, rel=1e-12)
    assert k.p_value == pytest.approx(0.0719, abs=1e-4)


def test_kendall_w_with_ties_hand_computed():
    """Expert 1 scores (5, 5, 3, 1) -> ranks (3.5, 3.5, 2, 1), T1 = 2^3 - 2 = 6;
    expert 2 (4, 4, 4, 2) -> (3, 3, 3, 1), T2 = 3^3 - 3 = 24; expert 3 (5, 4, 3, 2) -> (4, 3, 2, 1), T3 = 0.
    R = (10.5, 9.5, 7, 3), mean 7.5, S = 9 + 4 + .25 + 20.25 = 33.5.
    W = 12 * 33.5 / (9 * 60 - 3 * 30) = 402 / 450 = 0.893333; chi2 = 9 W = 8.04.
    """
    scores = [[5, 5, 3, 1], [4, 4, 4, 2], [5, 4, 3, 2]]
    ranks, ties = average_ranks(np.array(scores, dtype=float))
    np.testing.assert_array_equal(ranks, [[3.5, 3.5, 2, 1], [3, 3, 3, 1], [4, 3, 2, 1]])
    np.testing.assert_array_equal(ties, [6, 24, 0])
    k = kendall_w(scores)
    assert k.w == pytest.approx(402 / 450, abs=1e-15)
    assert k.chi2 == pytest.approx(8.04, abs=1e-12)
    assert k.tie_correction == 30.0


def test_delphi_round_hand_computed():
    """Same panel, full mark 5, ddof 1. Item 0: (5, 4, 5): mean 14/3, std sqrt(1/3), CV 0.123718,
    full-mark rate 2/3. Item 3: (1, 2, 2): mean 5/3, std sqrt(1/3), rate 0."""
    result = delphi_round([[5, 5, 3, 1], [4, 4, 4, 2], [5, 4, 3, 2]], full_mark=5)
    np.testing.assert_allclose(result.mean, [14 / 3, 13 / 3, 10 / 3, 5 / 3], atol=1e-14)
    assert result.std[0] == pytest.approx(math.sqrt(1 / 3), rel=1e-14)
    assert result.cv[0] == pytest.approx(math.sqrt(1 / 3) / (14 / 3), rel=1e-14)
    np.testing.assert_allclose(result.full_mark_rate, [2 / 3, 1 / 3, 0, 0])
    assert result.kendall.w == pytest.approx(402 / 450)
    d = result.to_dict()
    assert json.dumps(d) and d["kendall"]["df"] == 3
    population = delphi_round([[5, 5, 3, 1], [4, 4, 4, 2], [5, 4, 3, 2]], full_mark=5, ddof=0)
    assert population.std[0] == pytest.approx(math.sqrt(2 / 9), rel=1e-14)


def test_cv_conventions():
    result = delphi_round([[0, 3, -1], [0, 3, 1]], full_mark=5)
    assert result.cv[0] == 0.0  # no spread
    assert result.cv[1] == 0.0
    assert math.isnan(result.cv[2])  # mean 0 with spread: undefined


@pytest.mark.parametrize(
    "x, df",
    [(3.841459, 1), (5.991465, 2), (7.814728, 3), (9.487729, 4), (11.070498, 5), (18.307038, 10), (31.410433, 20)],
)
def test_chi2_sf_at_five_percent_critical_values(x, df):
    assert chi2_sf(x, df) == pytest.approx(0.05, abs=1e-6)


def test_chi2_sf_edges():
    assert chi2_sf(0.0, 3) == 1.0
    assert chi2_sf(2.0, 2) == pytest.approx(math.exp(-1.0), rel=1e-15)
    assert chi2_sf(5000.0, 3000) < 1e-20
    with pytest.raises(ValueError):
        chi2_sf(1.0, 0)


def test_undefined_w_is_nan():
    k = kendall_w([[3, 3, 3], [1, 1, 1]])  # every expert ties every item
    assert math.isnan(k.w) and math.isnan(k.chi2) and math.isnan(k.p_value)
    one_item = kendall_w([[3], [4]])
    assert math.isnan(one_item.w) and one_item.df == 0


def test_delphi_problems():
    with pytest.raises(DataError) as err:
        delphi_round([[5, 6], [4, 4]], full_mark=5)
    assert err.value.problems[0].path == "scores[0, 1]" and "above the full mark" in str(err.value)
    with pytest.raises(DataError) as err:
        delphi_round([[5, float("nan")], [4, 4]], full_mark=5)
    assert "expert 0, item 1" in str(err.value)
    with pytest.raises(DataError):
        kendall_w([[1, 2, 3]])
    with pytest.raises(DefinitionError):
        delphi_round([[1, 2], [2, 1]], full_mark=5, ddof=-1)
