"""Bad input raises DefinitionError (definitions: matrices, weights, directions, options) or DataError
(data), each with a Problem that says where, what was expected and what was found."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.errors import DataError, DefinitionError
from evalkit.methods import (
    ahp,
    competition_rank,
    entropy_weights,
    grey_relational,
    max_normalize,
    minmax_normalize,
    parse_matrix,
    saw,
    topsis,
    vector_normalize,
    vikor,
)


def _paths(err) -> list[str]:
    return [p.path for p in err.value.problems]


# ------------------------------------------------------------------------------------------------
# Pairwise matrices


def test_parse_matrix_not_square():
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, 2, 3], ["1/2", 1], ["1/3", 1, 1]]}, source="weights.yaml")
    problem = err.value.problems[0]
    assert problem.path == "$.matrix[1]" and problem.source == "weights.yaml"
    assert problem.expected == "3 entries (one per row of the matrix)" and problem.found == "2 entries"
    assert str(problem).startswith("weights.yaml, $.matrix[1]: the matrix is not square")


def test_parse_matrix_bad_entries_are_all_reported():
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, "three"], [None, 1]]})
    assert _paths(err) == ["$.matrix[0][1]", "$.matrix[1][0]"]
    assert err.value.problems[0].found == "'three'"
    assert "nothing (null)" in str(err.value)


def test_parse_matrix_non_positive_diagonal_reciprocal_scale():
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, 0, 2], [1, 2, 3], ["1/2", "1/2", 1]]})
    paths = _paths(err)
    assert "$.matrix[0][1]" in paths  # zero
    assert "$.matrix[1][1]" in paths  # diagonal 2
    reciprocal = [p for p in err.value.problems if "reciprocal" in p.message]
    assert reciprocal and reciprocal[0].path == "$.matrix[2][1]"
    assert reciprocal[0].expected.startswith("1/3 (= 0.3333) since $.matrix[1][2] is 3")
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, 12], ["1/12", 1]]})
    assert "1-9 scale" in str(err.value) and _paths(err) == ["$.matrix[0][1]", "$.matrix[1][0]"]
    # The scale check can be switched off for other scales.
    assert ahp([[1, 12], ["1/12", 1]], scale_max=None).weights[0] == pytest.approx(12 / 13)
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, "1/0"], [0, 1]]})
    assert "$.matrix[0][1]" in _paths(err)


def test_parse_matrix_document_shape_and_labels():
    with pytest.raises(DefinitionError) as err:
        parse_matrix([[1]])
    assert _paths(err) == ["$"]
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"labels": ["a"]})
    assert _paths(err) == ["$.matrix"]
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, 2], ["1/2", 1]], "labels": ["a"]})
    assert _paths(err) == ["$.labels"] and err.value.problems[0].found == "1 names"
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": [[1, 2], ["1/2", 1]], "labels": ["a", 7]})
    assert _paths(err) == ["$.labels[1]"]
    with pytest.raises(DefinitionError) as err:
        parse_matrix({"matrix": "1,2;3,4"})
    assert _paths(err) == ["$.matrix"]


def test_ahp_rejects_non_square_array_and_bad_options():
    with pytest.raises(DefinitionError) as err:
        ahp(np.ones((2, 3)))
    assert "square" in str(err.value)
    with pytest.raises(DefinitionError):
        ahp([[1, 2], ["1/2", 1]], method="power")
    with pytest.raises(DefinitionError):
        ahp([[1, 2], ["1/2", 1]], labels=["only one"])
    assert DefinitionError.exit_code == 2


# ------------------------------------------------------------------------------------------------
# Decision matrices, weights, directions


def test_nan_and_inf_in_data_name_unit_and_criterion():
    X = [[1.0, 2.0], [float("nan"), 3.0], [4.0, float("inf")]]
    with pytest.raises(DataError) as err:
        topsis(X, [0.5, 0.5])
    assert _paths(err) == ["X[1, 0]", "X[2, 1]"]
    assert "unit 1, criterion 0 (counted from 0)" in err.value.problems[0].message
    assert err.value.problems[0].found == "NaN (missing)" and err.value.problems[1].found == "infinity"
    assert DataError.exit_code == 3


def test_many_bad_cells_are_summarised():
    X = np.full((30, 2), np.nan)
    with pytest.raises(DataError) as err:
        saw(X, [0.5, 0.5])
    assert len(err.value.problems) == 11 and "50 more" in err.value.problems[-1].message


def test_wrong_shapes():
    with pytest.raises(DataError) as err:
        saw([1, 2, 3], [1.0])
    assert "dimensions" in str(err.value)
    with pytest.raises(DataError):
        saw([[1, "x"]], [0.5, 0.5])
    with pytest.raises(DataError):
        saw(np.zeros((3, 0)), [])
    with pytest.raises(DefinitionError) as err:
        saw([[1, 2]], [1.0])
    assert err.value.problems[0].expected == "one weight per criterion (2)"
    with pytest.raises(DataError) as err:
        vikor([[1, 2]], [0.5, 0.5])
    assert "at least 2 rows" in str(err.value)


def test_weights_must_sum_to_one_and_be_non_negative():
    X = [[1, 2], [3, 4]]
    with pytest.raises(DefinitionError) as err:
        topsis(X, [0.5, 0.5 + 1e-8])
    assert "do not sum to 1" in str(err.value)
    topsis(X, [0.5, 0.5 + 1e-10])  # within 1e-9
    with pytest.raises(DefinitionError) as err:
        topsis(X, [1.5, -0.5])
    assert _paths(err) == ["weights[1]"]
    with pytest.raises(DefinitionError):
        topsis(X, [float("nan"), 1.0])


def test_direction_words():
    X = [[1, 2], [3, 4]]
    with pytest.raises(DefinitionError) as err:
        saw(X, [0.5, 0.5], ["higher", "smaller"])
    problem = err.value.problems[0]
    assert problem.path == "direction[1]" and problem.found == "'smaller'"
    assert '"higher" or "lower"' in problem.expected
    with pytest.raises(DefinitionError):
        saw(X, [0.5, 0.5], ["higher"])
    with pytest.raises(DefinitionError):
        saw(X, [0.5, 0.5], "higher")  # one word for two criteria
    assert saw(X, [0.5, 0.5], np.array([True, False])).rank.tolist() == [1, 1]


def test_options_are_checked():
    X = [[1, 2], [3, 4]]
    with pytest.raises(DefinitionError):
        topsis(X, [0.5, 0.5], normalization="zscore")
    with pytest.raises(DefinitionError):
        vikor(X, [0.5, 0.5], v=1.5)
    with pytest.raises(DefinitionError):
        grey_relational(X, [0.5, 0.5], rho=2)
    with pytest.raises(DefinitionError):
        entropy_weights(X, shift=-1)
    with pytest.raises(DataError) as err:
        max_normalize([[1, 0], [2, 3]])
    assert _paths(err) == ["X[:, 1]"]


def test_normalisation_helpers():
    np.testing.assert_allclose(minmax_normalize([[1, 5], [3, 5]], ["lower", "higher"]), [[1, 1], [0, 1]])
    np.testing.assert_allclose(minmax_normalize([[1, 5], [3, 5]], constant=0.0), [[0, 0], [1, 0]])
    np.testing.assert_allclose(vector_normalize([[3, 0], [4, 0]]), [[0.6, 0], [0.8, 0]])
    np.testing.assert_allclose(max_normalize([[2, 2], [4, 8]], ["higher", "lower"]), [[0.5, 1], [1, 0.25]])


def test_competition_rank():
    assert competition_rank(np.array([10.0, 20.0, 20.0, 5.0])).tolist() == [3, 1, 1, 4]
    assert competition_rank(np.array([10.0, 20.0, 20.0, 5.0]), higher_is_better=False).tolist() == [2, 3, 3, 1]
    assert competition_rank(np.array([])).tolist() == []
