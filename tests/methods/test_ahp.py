"""AHP: published examples, conventions, consistency diagnostics, hierarchy synthesis."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evalkit.errors import DefinitionError
from evalkit.methods import (
    RI_SOURCES,
    RI_TABLES,
    ahp,
    global_weights,
    judgements_by_deviation,
    pairwise_matrix,
    parse_matrix,
    priority_vector,
    random_index,
    worst_judgement,
)

# Saaty, T. L. (2008). "Decision making with the analytic hierarchy process", Int. J. Services
# Sciences 1(1), 83-98: relative consumption of drinks in the USA. Rows/columns: coffee, wine, tea, beer,
# sodas, milk, water. Judgements and the 3-decimal derived priorities as transcribed in the AHPy
# test-suite (PhilipGriffith/AHPy, tests/test_ahp.py); our eigenvector reproduces all seven to 3 decimals.
DRINKS_LABELS = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS = [
    [1, 9, 5, 2, 1, 1, "1/2"],
    ["1/9", 1, "1/3", "1/9", "1/9", "1/9", "1/9"],
    ["1/5", 3, 1, "1/3", "1/4", "1/3", "1/9"],
    ["1/2", 9, 3, 1, "1/2", 1, "1/3"],
    [1, 9, 4, 2, 1, 2, "1/2"],
    [1, 9, 3, 1, "1/2", 1, "1/3"],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_PRIORITIES = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


def test_saaty_2008_drinks_priorities():
    result = ahp(DRINKS, labels=DRINKS_LABELS)
    np.testing.assert_allclose(result.weights, DRINKS_PRIORITIES, atol=5e-4)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    # Consistency: CI and CR follow from lambda_max by the declared formulas.
    n = 7
    assert result.ci == pytest.approx((result.lambda_max - n) / (n - 1), abs=1e-15)
    assert result.ri == 1.32  # Saaty (1980), n = 7
    assert result.cr == pytest.approx(result.ci / 1.32, abs=1e-15)
    assert result.consistent and 0.02 < result.cr < 0.025
    # AHPy reports CR = 0.022 for this matrix with Saaty's 2005 RI(7) = 1.35: the same lambda_max.
    assert result.ci / 1.35 == pytest.approx(0.022, abs=5e-4)
    assert result.as_mapping()["water"] == pytest.approx(0.327, abs=5e-4)


def test_drinks_geometric_and_arithmetic_are_close_to_eigen():
    eigen = ahp(DRINKS).weights
    for method in ("geometric", "arithmetic"):
        result = ahp(DRINKS, method=method)
        assert result.method == method
        np.testing.assert_allclose(result.weights, eigen, atol=5e-3)
        # lambda_max is the principal eigenvalue whatever the weight method.
        assert result.lambda_max == ahp(DRINKS).lambda_max


def test_hand_computed_three_by_three():
    """Independent hand computation for A = [[1, 2, 4], [1/2, 1, 2], [1/4, 1/2, 1]] (consistent).

    Column sums 1.75, 3.5, 7; every column normalises to (4/7, 2/7, 1/7); row geometric means are
    2, 1, 1/2 -> (4/7, 2/7, 1/7); lambda_max = 3, CI = CR = 0.
    """
    A = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]
    for method in ("eigen", "geometric", "arithmetic"):
        result = ahp(A, method=method)
        np.testing.assert_allclose(result.weights, [4 / 7, 2 / 7, 1 / 7], atol=1e-12)
        assert result.lambda_max == pytest.approx(3.0, abs=1e-12)
        assert abs(result.cr) < 1e-12


def test_hand_computed_inconsistent_three_by_three():
    """A = [[1, 3, 1/5], [1/3, 1, 5], [5, 1/5, 1]]: a cycle (1 > 2 > 3 > 1).

    Every row's geometric mean is (3 * 1/5)^(1/3), (1/3 * 5)^(1/3), (5 * 1/5)^(1/3) = 0.8434, 1.1856, 1.
    The characteristic polynomial of a 3x3 reciprocal matrix gives lambda_max = 1 + c^(1/3) + c^(-1/3)
    with c = a12 a23 / a13 = 3 * 5 / (1/5) = 75, so lambda_max = 1 + 4.2172 + 0.2371 = 5.4543.
    """
    A = [[1, 3, "1/5"], ["1/3", 1, 5], [5, "1/5", 1]]
    result = ahp(A)
    c = 75.0
    expected_lambda = 1 + c ** (1 / 3) + c ** (-1 / 3)
    assert result.lambda_max == pytest.approx(expected_lambda, rel=1e-12)
    assert result.ci == pytest.approx((expected_lambda - 3) / 2, rel=1e-12)
    assert result.cr == pytest.approx((expected_lambda - 3) / 2 / 0.58, rel=1e-12)
    assert not result.consistent
    g = np.array([(3 / 5) ** (1 / 3), (5 / 3) ** (1 / 3), 1.0])
    np.testing.assert_allclose(ahp(A, method="geometric").weights, g / g.sum(), rtol=1e-12)


def test_small_matrices_have_cr_zero():
    one = ahp([[1]])
    assert one.weights.tolist() == [1.0] and one.cr == 0.0 and one.ci == 0.0 and one.consistent
    two = ahp([[1, 3], ["1/3", 1]])
    np.testing.assert_allclose(two.weights, [0.75, 0.25], atol=1e-12)
    assert two.cr == 0.0 and two.ri == 0.0


def test_random_index_tables_are_named_and_selectable():
    assert RI_TABLES["saaty"] == (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
    assert RI_TABLES["cn_1000"][:10] == (0.0, 0.0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49)
    assert RI_TABLES["alonso_lamata"][2] == 0.5245
    assert set(RI_SOURCES) == set(RI_TABLES)
    assert random_index(4, "cn_1000") == 0.89
    cn = ahp(DRINKS, ri_table="cn_1000")
    assert cn.ri == 1.36 and cn.ri_table == "cn_1000"
    assert cn.cr == pytest.approx(cn.ci / 1.36)
    with pytest.raises(DefinitionError) as err:
        ahp(DRINKS, ri_table="nope")
    assert "saaty" in str(err.value)


def test_saaty_table_does_not_cover_eleven_criteria():
    A = np.ones((11, 11))
    with pytest.raises(DefinitionError) as err:
        ahp(A)
    text = str(err.value)
    assert "does not cover" in text and "alonso_lamata" in text and "cn_1000" in text
    assert ahp(A, ri_table="alonso_lamata").ri == 1.5141


def test_threshold_is_strict():
    A = [[1, 3, "1/5"], ["1/3", 1, 5], [5, "1/5", 1]]
    cr = ahp(A).cr
    assert not ahp(A, threshold=cr).consistent
    assert ahp(A, threshold=cr * 1.0001).consistent


def test_entries_may_be_fraction_texts():
    A = pairwise_matrix([[1, " 1 / 3 ", "2.5"], ["3", 1, 0.5], ["0.4", "2", "1"]])
    np.testing.assert_allclose(A, [[1, 1 / 3, 2.5], [3, 1, 0.5], [0.4, 2, 1]])
    # 0.333 for 1/3 is accepted (product 0.999), within the declared reciprocal tolerance of 0.01.
    pairwise_matrix([[1, 3], [0.333, 1]])


def test_worst_judgement_points_at_the_perturbed_comparison():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    A = w[:, None] / w[None, :]
    A[1, 3], A[3, 1] = 1 / 3, 3.0  # consistent value is 3; flip it
    labels = ["a", "b", "c", "d"]
    before = ahp(A, labels=labels)
    worst = worst_judgement(A, labels=labels)
    assert (worst.row, worst.column) == (1, 3)
    assert worst.given == pytest.approx(1 / 3)
    assert worst.row_label == "b" and worst.column_label == "d"
    assert worst.deviation > 1
    # The weights are pulled by the bad judgement itself, so the implied value lies between the bad
    # judgement (1/3) and the value the other judgements were built from (3).
    assert worst.given < worst.consistent_value < 3
    assert "b compared with d" in worst.describe()
    # Replacing the judgement by the consistent value lowers CR.
    fixed = A.copy()
    fixed[1, 3], fixed[3, 1] = worst.consistent_value, 1 / worst.consistent_value
    assert ahp(fixed).cr < before.cr
    every = judgements_by_deviation(A)
    assert len(every) == 6 and every[0].deviation >= every[-1].deviation
    assert json.dumps(worst.to_dict())


def test_worst_judgement_definition():
    """Deviation = max(a_ij w_j / w_i, its inverse) for the given weights, written out by hand."""
    A = [[1, 2, 8], ["1/2", 1, 2], ["1/8", "1/2", 1]]
    w = np.array([0.6, 0.3, 0.1])
    found = judgements_by_deviation(A, weights=w)
    by_pair = {(j.row, j.column): j for j in found}
    # (0,1): 2 * 0.3/0.6 = 1 -> 1; (0,2): 8 * 0.1/0.6 = 1.333; (1,2): 2 * 0.1/0.3 = 0.667 -> 1.5
    assert by_pair[(0, 1)].deviation == pytest.approx(1.0)
    assert by_pair[(0, 2)].deviation == pytest.approx(8 * 0.1 / 0.6)
    assert by_pair[(1, 2)].deviation == pytest.approx(1.5)
    assert (found[0].row, found[0].column) == (1, 2)
    assert found[0].consistent_value == pytest.approx(3.0)
    assert worst_judgement([[1]]) is None


def test_to_dict_is_json_ready():
    d = ahp(DRINKS, labels=DRINKS_LABELS).to_dict()
    text = json.dumps(d)
    assert '"ri_table": "saaty"' in text and d["labels"] == DRINKS_LABELS
    assert d["ri_source"].startswith("Saaty (1980)")


def test_parse_matrix_reads_a_definition():
    A, labels = parse_matrix({"matrix": [[1, "1/3"], [3, 1]], "labels": ["x", "y"]}, source="w.yaml")
    np.testing.assert_allclose(A, [[1, 1 / 3], [3, 1]])
    assert labels == ("x", "y")
    A, labels = parse_matrix({"matrix": [[1]]})
    assert labels is None


def test_priority_vector_rejects_unknown_method():
    with pytest.raises(DefinitionError):
        priority_vector(np.ones((2, 2)), "power")


# ------------------------------------------------------------------------------------------------
# Global weights


def test_global_weights_hand_computed_two_levels():
    local = {
        "goal": {"party": 0.6, "service": 0.4},
        "party": {"meetings": 0.5, "study": 0.3, "dues": 0.2},
        "service": {"satisfaction": 0.75, "complaints": 0.25},
    }
    g = global_weights(local, "goal")
    assert list(g) == ["meetings", "study", "dues", "satisfaction", "complaints"]
    np.testing.assert_allclose(list(g.values()), [0.30, 0.18, 0.12, 0.30, 0.10], atol=1e-15)
    assert sum(g.values()) == pytest.approx(1.0)


def _reciprocal(labels, pairs):
    n = len(labels)
    A = np.ones((n, n))
    for (a, b), v in pairs.items():
        i, j = labels.index(a), labels.index(b)
        A[i, j], A[j, i] = v, 1 / v
    return A


def test_saaty_2005_choosing_a_city_synthesis():
    """Saaty (2005), Theory and Applications of the Analytic Network Process (RWS), "choosing a city to
    live in": five criteria over four cities. Judgements, and the synthesised priorities (0.229, 0.275,
    0.385, 0.111 at 3 decimals), as transcribed in the AHPy test-suite; that suite computes them itself,
    so this is a cross-check with another implementation rather than with the printed book.
    """
    criteria = ["Culture", "Family", "Housing", "Jobs", "Transportation"]
    cities = ["Bethesda", "Boston", "Pittsburgh", "Santa Fe"]
    goal = _reciprocal(criteria, {
        ("Culture", "Housing"): 3, ("Culture", "Transportation"): 5, ("Family", "Culture"): 5,
        ("Family", "Housing"): 7, ("Family", "Transportation"): 7, ("Housing", "Transportation"): 3,
        ("Jobs", "Culture"): 2, ("Jobs", "Housing"): 4, ("Jobs", "Transportation"): 7, ("Family", "Jobs"): 1,
    })
    per_criterion = {
        "Culture": {("Bethesda", "Pittsburgh"): 1, ("Boston", "Bethesda"): 2, ("Boston", "Pittsburgh"): 2.5,
                    ("Boston", "Santa Fe"): 1, ("Santa Fe", "Bethesda"): 2, ("Santa Fe", "Pittsburgh"): 2.5},
        "Family": {("Bethesda", "Boston"): 2, ("Bethesda", "Santa Fe"): 4, ("Boston", "Santa Fe"): 2,
                   ("Pittsburgh", "Bethesda"): 3, ("Pittsburgh", "Boston"): 8, ("Pittsburgh", "Santa Fe"): 9},
        "Housing": {("Bethesda", "Boston"): 5, ("Bethesda", "Santa Fe"): 2.5, ("Pittsburgh", "Bethesda"): 2,
                    ("Pittsburgh", "Boston"): 9, ("Pittsburgh", "Santa Fe"): 7, ("Santa Fe", "Boston"): 4},
        "Jobs": {("Bethesda", "Pittsburgh"): 3, ("Bethesda", "Santa Fe"): 4, ("Boston", "Bethesda"): 2,
                 ("Boston", "Pittsburgh"): 6, ("Boston", "Santa Fe"): 8, ("Pittsburgh", "Santa Fe"): 1},
        "Transportation": {("Bethesda", "Boston"): 1.5, ("Bethesda", "Santa Fe"): 4, ("Boston", "Santa Fe"): 2.5,
                           ("Pittsburgh", "Bethesda"): 2, ("Pittsburgh", "Boston"): 3.5, ("Pittsburgh", "Santa Fe"): 9},
    }
    local = {"Goal": ahp(goal, labels=criteria)}
    for name, pairs in per_criterion.items():
        local[name] = ahp(_reciprocal(cities, pairs), labels=cities)
        assert local[name].consistent
    g = global_weights(local, "Goal")
    np.testing.assert_allclose([g[c] for c in cities], [0.229, 0.275, 0.385, 0.111], atol=5e-4)
    assert sum(g.values()) == pytest.approx(1.0, abs=1e-12)


def test_global_weights_problems():
    with pytest.raises(DefinitionError) as err:
        global_weights({"goal": {"a": 0.5, "b": 0.4}}, "goal")
    assert err.value.problems[0].path == '$["goal"]' and "sum to 1" in str(err.value)
    with pytest.raises(DefinitionError) as err:
        global_weights({"goal": {"a": -0.5, "b": 1.5}}, "goal")
    assert err.value.problems[0].path == '$["goal"]["a"]'
    with pytest.raises(DefinitionError) as err:
        global_weights({"goal": {"a": 1.0}, "a": {"goal": 1.0}}, "goal")
    assert "cycle" in str(err.value)
    with pytest.raises(DefinitionError) as err:
        global_weights({"goal": {"a": 1.0}, "orphan": {"x": 1.0}}, "goal")
    assert "orphan" in str(err.value)
    with pytest.raises(DefinitionError):
        global_weights({"goal": {"a": 1.0}}, "root")
    with pytest.raises(DefinitionError):
        global_weights({"goal": ahp([[1, 2], ["1/2", 1]])}, "goal")  # no labels


# ------------------------------------------------------------------------------------------------
# Issue 17: the random-index tables of AHPy and pymcdm, and the mean-ratio estimate of lambda_max

# Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services Sciences 1(1): 83-98,
# the drinks example as AHPy's tests give it (AHPy tests/test_ahp.py, 2.0): CR 0.022 with random_index="saaty"
# (Saaty 2005 table, 3 decimals) and 0.0235 with "dd" (Donegan & Dodd, 4 decimals).
_DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
_DRINK_PAIRS = {("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2, ("coffee", "soda"): 1,
                ("coffee", "milk"): 1, ("water", "coffee"): 2, ("water", "wine"): 9, ("water", "tea"): 9,
                ("water", "beer"): 3, ("water", "soda"): 2, ("water", "milk"): 3, ("tea", "wine"): 3,
                ("beer", "wine"): 9, ("beer", "tea"): 3, ("beer", "milk"): 1, ("soda", "wine"): 9, ("soda", "tea"): 4,
                ("soda", "beer"): 2, ("soda", "milk"): 2, ("milk", "wine"): 9, ("milk", "tea"): 3}


def _drinks():
    k = {name: i for i, name in enumerate(_DRINKS)}
    A = np.ones((7, 7))
    for (a, b), v in _DRINK_PAIRS.items():
        A[k[a], k[b]] = v
        A[k[b], k[a]] = 1 / v
    return A


@pytest.mark.parametrize(("table", "decimals", "published"), [("saaty_2005", 3, 0.022), ("donegan_dodd", 4, 0.0235)])
def test_ri_tables_reproduce_ahpy(table, decimals, published):
    r = ahp(_drinks(), ri_table=table)
    assert abs(r.cr - published) <= 0.5 * 10.0 ** -decimals + 1e-12  # the source prints CR to `decimals` places
    weights = dict(zip(_DRINKS, r.weights))
    # AHPy's weights at 4 decimals (precision=4): water 0.3268, soda 0.1896, coffee 0.1775, milk 0.1288
    published = [0.3268, 0.1896, 0.1775, 0.1288]
    assert [weights[d] for d in ("water", "soda", "coffee", "milk")] == pytest.approx(published, abs=0.5e-4 + 1e-12)


def test_tummala_ling_table_is_pymcdms():
    """pymcdm's AHP.RI_M (Tummala & Ling 1998): RI(3) = 0.5799, RI(7) = 1.3322, RI(15) = 1.5831."""
    assert random_index(3, "tummala_ling") == 0.5799
    assert random_index(7, "tummala_ling") == 1.3322
    assert random_index(15, "tummala_ling") == 1.5831
    r = ahp(_drinks(), ri_table="tummala_ling")
    assert r.cr == pytest.approx(r.ci / 1.3322, rel=1e-12)
    assert r.to_dict()["ri_source"].startswith("Tummala & Ling (1998)")


def test_mean_ratio_lambda_is_the_sum_product_estimate():
    """lambda_max = mean((Aw)_i / w_i) with the sum-product (arithmetic) weights; with eigenvector weights the
    estimate equals the principal eigenvalue (A w = lambda w)."""
    A = _drinks()
    r = ahp(A, method="arithmetic", lambda_method="mean_ratio")
    w = (A / A.sum(axis=0)).mean(axis=1)
    assert r.lambda_max == pytest.approx(float(np.mean(A @ w / w)), rel=1e-12)
    assert r.ci == pytest.approx((r.lambda_max - 7) / 6, rel=1e-12)
    assert r.to_dict()["lambda_method"] == "mean_ratio"
    eigen = ahp(A)
    assert ahp(A, lambda_method="mean_ratio").lambda_max == pytest.approx(eigen.lambda_max, rel=1e-10)
    assert r.lambda_max != pytest.approx(eigen.lambda_max, rel=1e-6)
    assert "lambda_method" not in eigen.to_dict()
