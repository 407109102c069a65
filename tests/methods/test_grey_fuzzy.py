"""Grey relational analysis and fuzzy comprehensive evaluation, checked against hand computations.

No published example is reproduced: the classic textbook examples (Deng's grey relational examples,
Chinese textbook fuzzy evaluations) could not be verified from the source here, so every expected value
below is computed by hand in the docstring.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from evalkit.errors import DataError, DefinitionError
from evalkit.methods import fuzzy_evaluation, grey_relational, membership_matrix

# ------------------------------------------------------------------------------------------------
# Grey relational analysis


def test_grey_relational_hand_computed():
    """X = [[1, 3], [2, 1], [3, 2]], criterion 2 lower-is-better, w = (.5, .5), rho = .5.

    Min-max by direction: column 1 [0, .5, 1]; column 2 (3 - x)/2 = [0, 1, .5]. Reference (1, 1).
    Delta = [[1, 1], [.5, 0], [0, .5]]; Delta_min = 0, Delta_max = 1.
    xi = (0 + .5) / (Delta + .5): Delta 1 -> 1/3, .5 -> 1/2, 0 -> 1.
    Grades: (1/3 + 1/3)/2 = 1/3; (1/2 + 1)/2 = .75; (1 + 1/2)/2 = .75 -> ranks [3, 1, 1] (a tie).
    """
    result = grey_relational([[1, 3], [2, 1], [3, 2]], [0.5, 0.5], ["higher", "lower"], return_coefficients=True)
    np.testing.assert_allclose(result.coefficients, [[1 / 3, 1 / 3], [0.5, 1.0], [1.0, 0.5]], atol=1e-15)
    np.testing.assert_allclose(result.scores, [1 / 3, 0.75, 0.75], atol=1e-15)
    assert result.rank.tolist() == [3, 1, 1]
    assert (result.delta_min, result.delta_max) == (0.0, 1.0)
    assert json.dumps(result.to_dict())


def test_grey_relational_rho_and_weights():
    """Same data, rho = .2, w = (.8, .2): xi = .2 / (Delta + .2): 1 -> 1/6, .5 -> 2/7, 0 -> 1.
    Grades: 1/6; .8 * 2/7 + .2 = .428571; .8 + .2 * 2/7 = .857143."""
    result = grey_relational([[1, 3], [2, 1], [3, 2]], [0.8, 0.2], ["higher", "lower"], rho=0.2)
    np.testing.assert_allclose(result.scores, [1 / 6, 0.8 * 2 / 7 + 0.2, 0.8 + 0.2 * 2 / 7], atol=1e-15)
    assert result.rank.tolist() == [3, 2, 1]
    assert result.coefficients is None


def test_grey_relational_max_normalisation_and_degenerate_case():
    """'max' normalisation: column [2, 4] -> [.5, 1], Delta [.5, 0]; xi = .25/(Delta + .25) -> [1/3, 1]."""
    result = grey_relational([[2], [4]], [1.0], normalization="max")
    np.testing.assert_allclose(result.scores, [1 / 3, 1.0], atol=1e-15)
    same = grey_relational([[5, 5], [5, 5]], [0.5, 0.5])
    assert same.scores.tolist() == [1.0, 1.0] and same.rank.tolist() == [1, 1]
    with pytest.raises(DefinitionError):
        grey_relational([[1], [2]], [1.0], rho=0.0)


# ------------------------------------------------------------------------------------------------
# Fuzzy comprehensive evaluation

GRADES = ["excellent", "good", "pass", "fail"]
VALUES = [95, 85, 75, 60]
BALLOTS = [[4, 3, 2, 1], [2, 5, 2, 1], [1, 2, 4, 3]]  # 10 voters on each of 3 criteria
W = [0.5, 0.3, 0.2]


def test_fuzzy_weighted_average_hand_computed():
    """R = ballots / 10. B = .5 (.4, .3, .2, .1) + .3 (.2, .5, .2, .1) + .2 (.1, .2, .4, .3)
    = (.28, .34, .24, .14): grade "good"; score 95*.28 + 85*.34 + 75*.24 + 60*.14 = 81.9."""
    result = fuzzy_evaluation(W, BALLOTS, VALUES, GRADES)
    np.testing.assert_allclose(result.membership, [[0.28, 0.34, 0.24, 0.14]], atol=1e-15)
    assert result.grade == ("good",) and result.grade_index.tolist() == [1]
    np.testing.assert_allclose(result.scores, [81.9], atol=1e-12)
    assert result.rank.tolist() == [1]
    assert json.dumps(result.to_dict())


def test_fuzzy_max_min_hand_computed():
    """b_k = max_j min(w_j, r_jk): (max(.4, .2, .1), max(.3, .3, .2), max(.2, .2, .2), max(.1, .1, .2))
    = (.4, .3, .2, .2), sum 1.1, normalised (.363636, .272727, .181818, .181818): "excellent";
    score (38 + 25.5 + 15 + 12) / 1.1 = 82.272727."""
    result = fuzzy_evaluation(W, BALLOTS, VALUES, GRADES, operator="max_min")
    np.testing.assert_allclose(result.raw_membership, [[0.4, 0.3, 0.2, 0.2]], atol=1e-15)
    np.testing.assert_allclose(result.membership, [[0.4 / 1.1, 0.3 / 1.1, 0.2 / 1.1, 0.2 / 1.1]], atol=1e-15)
    assert result.grade == ("excellent",)
    np.testing.assert_allclose(result.scores, [90.5 / 1.1], atol=1e-12)


def test_fuzzy_vectorised_over_units_equals_one_at_a_time():
    other = [[0, 1, 5, 4], [1, 1, 4, 4], [0, 2, 3, 5]]
    both = fuzzy_evaluation(W, [BALLOTS, other], VALUES, GRADES)
    first = fuzzy_evaluation(W, BALLOTS, VALUES, GRADES)
    second = fuzzy_evaluation(W, other, VALUES, GRADES)
    np.testing.assert_allclose(both.membership, np.vstack([first.membership, second.membership]), atol=1e-15)
    assert both.rank.tolist() == [1, 2]
    assert both.grade == ("good", "pass")


def test_fuzzy_ties_go_to_the_first_grade_and_scores_need_values():
    result = fuzzy_evaluation([1.0], [[1, 1, 0]])
    assert result.grade_index.tolist() == [0]
    assert result.scores is None and result.rank is None and result.grade is None


def test_membership_matrix_and_ballot_problems():
    np.testing.assert_allclose(membership_matrix([[1, 3], [2, 2]]), [[0.25, 0.75], [0.5, 0.5]])
    with pytest.raises(DataError) as err:
        membership_matrix([[1, -1], [0, 0]])
    messages = str(err.value)
    assert "negative count at criterion 0, grade 1" in messages
    assert "no votes for criterion 1" in messages
    with pytest.raises(DataError):
        membership_matrix([1, 2, 3])
    with pytest.raises(DefinitionError):
        fuzzy_evaluation([0.5, 0.5], BALLOTS)  # one weight per criterion
    with pytest.raises(DefinitionError):
        fuzzy_evaluation(W, BALLOTS, [1, 2])
    with pytest.raises(DefinitionError):
        fuzzy_evaluation(W, BALLOTS, grades=["a", "b"])
    with pytest.raises(DefinitionError):
        fuzzy_evaluation(W, BALLOTS, operator="product")


# ------------------------------------------------------------------------------------------------
# Issue 17: the operators M(., or) and M(and, bounded sum), and B without normalising


def test_fuzzy_product_max_hand_computed():
    """M(., or): b_k = max_j w_j r_jk = (max(.2, .06, .02), max(.15, .15, .04), max(.1, .06, .08), max(.05, .03, .06))
    = (.2, .15, .1, .06), sum .51."""
    result = fuzzy_evaluation(W, BALLOTS, VALUES, GRADES, operator="product_max")
    np.testing.assert_allclose(result.raw_membership, [[0.2, 0.15, 0.1, 0.06]], atol=1e-15)
    np.testing.assert_allclose(result.membership, [[0.2 / 0.51, 0.15 / 0.51, 0.1 / 0.51, 0.06 / 0.51]], atol=1e-15)
    assert result.grade == ("excellent",)


def test_fuzzy_min_bounded_sum_hand_computed():
    """M(and, bounded sum): b_k = min(1, sum_j min(w_j, r_jk)) = (.4 + .2 + .1, .3 + .3 + .2, .2 + .2 + .2, .1 + .1 + .2)
    = (.7, .8, .6, .4): "good"; a large sum is cut at 1."""
    result = fuzzy_evaluation(W, BALLOTS, VALUES, GRADES, operator="min_bounded_sum")
    np.testing.assert_allclose(result.raw_membership, [[0.7, 0.8, 0.6, 0.4]], atol=1e-15)
    assert result.grade == ("good",)
    capped = fuzzy_evaluation([0.5, 0.5], [[9, 1], [9, 1]], operator="min_bounded_sum", normalize=False)
    np.testing.assert_allclose(capped.membership, [[1.0, 0.2]], atol=1e-15)


def test_fuzzy_unnormalised_membership_is_the_raw_vector():
    """normalize=False: the membership is B = W o R as computed, as textbook examples print it: (.4, .3, .2, .2)
    under M(and, or); the score is then sum_k b_k v_k of the raw vector (38 + 25.5 + 15 + 12 = 90.5)."""
    result = fuzzy_evaluation(W, BALLOTS, VALUES, GRADES, operator="max_min", normalize=False)
    np.testing.assert_allclose(result.membership, [[0.4, 0.3, 0.2, 0.2]], atol=1e-15)
    np.testing.assert_allclose(result.scores, [90.5], atol=1e-12)
    assert result.normalized is False
    assert fuzzy_evaluation(W, BALLOTS, operator="weighted_average", normalize=False).normalized is True


@pytest.mark.parametrize(("normalization", "expected"), [
    # worked by hand from Deng's coefficient (rho 0.5, two-level min and max) on pymcdm's normalisations:
    # max_complement: [.25 .5 1] and 1 - [.5 .25 1]; reference (1, .75); Delta_max .75
    ("max_complement", [(1 / 3 + 0.6) / 2, (3 / 7 + 1) / 2, (1 + 1 / 3) / 2]),
    # sum: [2 4 8] / 14 and (1/x) / sum(1/x) = [2 4 1] / 7; reference (4/7, 4/7); Delta_max 3/7
    ("sum", [(1 / 3 + 3 / 7) / 2, (3 / 7 + 1) / 2, (1 + 1 / 3) / 2]),
])
def test_grey_relational_with_the_other_directed_normalisations(normalization, expected):
    X = [[2, 10], [4, 5], [8, 20]]
    g = grey_relational(X, [0.5, 0.5], ["higher", "lower"], normalization=normalization,
                                return_coefficients=True)
    assert g.scores == pytest.approx(expected, abs=1e-12)
    assert g.normalization == normalization and g.delta_min == 0


def test_grey_relational_vector_complement_reference_is_the_column_best():
    X = np.array([[3.0, 4.0], [4.0, 3.0]])
    g = grey_relational(X, [0.5, 0.5], ["higher", "lower"], normalization="vector_complement",
                                return_coefficients=True)
    # x / ||x|| = [.6 .8] and 1 - [.8 .6] = [.2 .4]; reference (.8, .4); Delta = [[.2 .2] [0 0]]
    assert g.delta == pytest.approx(np.array([[0.2, 0.2], [0.0, 0.0]]))
    assert g.scores == pytest.approx([1 / 3, 1.0])
