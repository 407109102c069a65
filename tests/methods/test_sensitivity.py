"""Weight sensitivity and rank reversal: hand computations, hypothesis properties, and a scorecard end to end."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.analysis.sensitivity import (
    Group,
    batch_grades,
    batch_ranks,
    groups_of,
    perturbed_totals,
    rank_reversals,
    sample_weights,
    scorecard_sensitivity,
    scorecard_weights,
    weight_sensitivity,
)
from evalkit.errors import DefinitionError
from evalkit.methods import competition_rank, topsis
from evalkit.scoring.rounding import round_array

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BANDS = np.array([90.0, 80.0, 60.0, 0.0])


# ------------------------------------------------------------------------------------------------
# Sampling


def test_dirichlet_draws_are_weights_centred_on_the_base():
    base = np.array([0.5, 0.3, 0.2])
    W = sample_weights(base, 20000, "dirichlet", concentration=200, seed=7)
    assert W.shape == (20000, 3)
    assert (W >= 0).all()
    np.testing.assert_allclose(W.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(W.mean(axis=0), base, atol=2e-3)
    # Dirichlet variance: base (1 - base) / (concentration + 1).
    np.testing.assert_allclose(W.var(axis=0), base * (1 - base) / 201, rtol=0.05)


def test_percent_draws_stay_within_the_declared_band():
    base = np.array([0.4, 0.35, 0.25])
    p = 0.1
    W = sample_weights(base, 5000, "percent", percent=10, seed=3)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, atol=1e-12)
    ratio = W / base
    # Each weight is base * (1 + u), |u| <= p, then divided by a sum in [1 - p, 1 + p].
    assert ratio.min() >= (1 - p) / (1 + p) - 1e-12 and ratio.max() <= (1 + p) / (1 - p) + 1e-12


def test_zero_perturbation_and_zero_weights():
    base = np.array([0.5, 0.0, 0.5])
    assert np.array_equal(sample_weights(base, 4, "dirichlet", concentration=np.inf, seed=1), np.tile(base, (4, 1)))
    np.testing.assert_allclose(sample_weights(base, 4, "percent", percent=0, seed=1), np.tile(base, (4, 1)), atol=1e-16)
    W = sample_weights(base, 100, "dirichlet", concentration=5, seed=1)
    assert (W[:, 1] == 0).all()  # a weight of 0 stays 0


def test_seeded_draws_are_reproducible():
    base = [0.25, 0.25, 0.5]
    assert np.array_equal(sample_weights(base, 50, seed=11), sample_weights(base, 50, seed=11))
    assert not np.array_equal(sample_weights(base, 50, seed=11), sample_weights(base, 50, seed=12))


@pytest.mark.parametrize("kwargs", [
    {"base": [0.5, 0.6], "samples": 3},
    {"base": [0.5, 0.5], "samples": 0},
    {"base": [0.5, 0.5], "samples": 3, "concentration": 0},
    {"base": [0.5, 0.5], "samples": 3, "mode": "percent", "percent": 100},
    {"base": [0.5, 0.5], "samples": 3, "mode": "gaussian"},
])
def test_bad_sampling_settings_are_definition_errors(kwargs):
    with pytest.raises(DefinitionError):
        sample_weights(**kwargs)


# ------------------------------------------------------------------------------------------------
# Totals, ranks, grades


def test_totals_hand_computed_with_reweighting():
    """Unit 0: fractions (1, .5) -> 100 (.6 * 1 + .4 * .5) = 80.
    Unit 1: leaf 1 unavailable -> its weight goes to leaf 0: 100 * .9 = 90 whatever the weights."""
    V = np.array([[1.0, 0.5], [0.9, 0.0]])
    A = np.array([[True, True], [True, False]])
    W = np.array([[0.6, 0.4], [0.2, 0.8]])
    T = perturbed_totals(V, W, available=A, scale=100)
    np.testing.assert_allclose(T, [[80.0, 90.0], [60.0, 90.0]], atol=1e-12)


def test_nested_tree_equals_global_weights_when_everything_counts():
    rng = np.random.default_rng(0)
    V = rng.random((7, 4))
    inner = Group(children=(1, 2), base=np.array([0.5, 0.5]), name="inner")
    tree = Group(children=(0, inner, 3), base=np.array([0.2, 0.5, 0.3]), name="top")
    assert [g.name for g in groups_of(tree)] == ["top", "inner"]
    W_top = sample_weights(tree.base, 6, seed=1)
    W_inner = sample_weights(inner.base, 6, seed=2)
    T = perturbed_totals(V, [W_top, W_inner], tree=tree, scale=100)
    global_w = np.column_stack([W_top[:, 0], W_top[:, 1] * W_inner[:, 0], W_top[:, 1] * W_inner[:, 1], W_top[:, 2]])
    np.testing.assert_allclose(T, 100 * global_w @ V.T, rtol=1e-12)


def test_nested_tree_reweights_a_group_with_nothing_available():
    """Unit 1 has nothing under `inner`: the top group re-normalises over leaves 0 and 3."""
    V = np.array([[0.5, 1.0, 0.0, 1.0], [0.5, 0.0, 0.0, 1.0]])
    A = np.array([[True, True, True, True], [True, False, False, True]])
    inner = Group(children=(1, 2), base=np.array([0.5, 0.5]))
    tree = Group(children=(0, inner, 3), base=np.array([0.2, 0.5, 0.3]))
    T = perturbed_totals(V, [tree.base[None, :], inner.base[None, :]], tree=tree, available=A)
    np.testing.assert_allclose(T[0], [0.2 * 0.5 + 0.5 * 0.5 + 0.3 * 1.0, (0.2 * 0.5 + 0.3) / 0.5], atol=1e-12)


def test_batch_ranks_tie_rules():
    T = np.array([[5.0, 7.0, 7.0, 1.0], [1.0, 1.0, 1.0, 2.0]])
    assert batch_ranks(T, "min").tolist() == [[3, 1, 1, 4], [2, 2, 2, 1]]
    assert batch_ranks(T, "dense").tolist() == [[2, 1, 1, 3], [2, 2, 2, 1]]
    assert batch_ranks(T, "ordinal").tolist() == [[3, 1, 2, 4], [2, 3, 4, 1]]
    # tie_order puts unit 2 before unit 1, and unit 2 before 0 before 1 in the second row.
    assert batch_ranks(T, "ordinal", tie_order=[3, 2, 0, 1]).tolist() == [[3, 2, 1, 4], [3, 4, 2, 1]]


def test_batch_grades_bands_caps_and_forced():
    T = np.array([[95.0, 90.0, 89.99, 59.99, 85.0]])
    assert batch_grades(T, BANDS).tolist() == [[0, 0, 1, 3, 1]]
    assert batch_grades(T, [90, 60]).tolist() == [[0, 0, 1, -1, 1]]  # below every band: no grade
    caps = np.array([2, -1, -1, -1, -1])
    forced = np.array([-1, -1, -1, -1, 3])
    assert batch_grades(T, BANDS, caps=caps, forced=forced).tolist() == [[2, 0, 1, 3, 3]]
    with pytest.raises(DefinitionError):
        batch_grades(T, [60, 90])


# ------------------------------------------------------------------------------------------------
# Properties of weight_sensitivity


@st.composite
def setups(draw):
    n = draw(st.integers(2, 12))
    k = draw(st.integers(1, 4))
    # Fractions with 2 decimals: totals land on rounding boundaries and ties happen, which is the point.
    cells = draw(st.lists(st.integers(0, 100), min_size=n * k, max_size=n * k))
    V = np.array(cells, dtype=np.float64).reshape(n, k) / 100
    raw = np.array(draw(st.lists(st.integers(1, 10), min_size=k, max_size=k)), dtype=np.float64)
    base = raw / raw.sum()
    base[-1] = 1.0 - base[:-1].sum()
    seed = draw(st.integers(0, 2**16))
    perm = np.array(draw(st.permutations(range(n))))
    return V, base, seed, perm


def _declared(V, base):
    totals = round_array(np.maximum(100 * V @ base, 0.0), 2)
    return totals, competition_rank(totals), batch_grades(totals[None, :], BANDS)[0]


@FAST
@given(setups())
def test_zero_perturbation_gives_single_ranks_and_certain_grades(setup):
    V, base, seed, _ = setup
    for W in (sample_weights(base, 17, "dirichlet", concentration=np.inf, seed=seed),
              sample_weights(base, 17, "percent", percent=0, seed=seed)):
        r = weight_sensitivity(V, W, scale=100, band_mins=BANDS)
        totals, ranks, grades = _declared(V, base)
        assert np.array_equal(r.rank_min, ranks) and np.array_equal(r.rank_max, ranks)
        assert np.array_equal(r.rank_p05, ranks) and np.array_equal(r.rank_p95, ranks)
        assert set(np.unique(r.grade_probability)) <= {0.0, 1.0}
        assert np.array_equal(r.modal_grade, grades)
        assert not r.fragile.any()
        assert np.array_equal(r.total_min, totals) and np.array_equal(r.total_max, totals)


@FAST
@given(setups())
def test_probabilities_sum_to_one_and_ranks_are_ordered(setup):
    V, base, seed, _ = setup
    W = sample_weights(base, 40, "dirichlet", concentration=5, seed=seed)
    r = weight_sensitivity(V, W, scale=100, band_mins=BANDS, fragile_threshold=0.75)
    np.testing.assert_allclose(r.grade_probability.sum(axis=1), 1.0, atol=1e-12)
    assert (r.grade_probability >= 0).all()
    assert (r.rank_min <= r.rank_p05).all() and (r.rank_p05 <= r.rank_median).all()
    assert (r.rank_median <= r.rank_p95).all() and (r.rank_p95 <= r.rank_max).all()
    assert (r.rank_min >= 1).all() and (r.rank_max <= V.shape[0]).all()
    assert np.array_equal(r.fragile, r.modal_probability < 0.75)


@FAST
@given(setups())
def test_seeded_runs_are_deterministic_and_batching_changes_nothing(setup):
    V, base, seed, _ = setup
    runs = [weight_sensitivity(V, sample_weights(base, 25, seed=seed), scale=100, band_mins=BANDS, batch_size=b)
            for b in (None, 1, 7)]
    for other in runs[1:]:
        for field in ("rank_min", "rank_max", "rank_p05", "rank_median", "rank_p95", "grade_probability", "total_min"):
            assert np.array_equal(getattr(runs[0], field), getattr(other, field)), field


@FAST
@given(setups())
def test_permuting_units_permutes_results(setup):
    V, base, seed, perm = setup
    W = sample_weights(base, 30, "percent", percent=30, seed=seed)
    r = weight_sensitivity(V, W, scale=100, band_mins=BANDS)
    p = weight_sensitivity(V[perm], W, scale=100, band_mins=BANDS)
    for field in ("rank_min", "rank_max", "rank_p05", "rank_median", "rank_p95", "grade_probability", "modal_grade"):
        assert np.array_equal(getattr(r, field)[perm], getattr(p, field)), field


@FAST
@given(setups())
def test_percentiles_are_numpy_inverted_cdf_order_statistics(setup):
    V, base, seed, _ = setup
    W = sample_weights(base, 23, "dirichlet", concentration=3, seed=seed)
    r = weight_sensitivity(V, W, scale=100)
    ranks = batch_ranks(round_array(100 * W @ V.T, 2))
    expected = np.percentile(ranks, [5, 50, 95], axis=0, method="inverted_cdf")
    assert np.array_equal(np.stack([r.rank_p05, r.rank_median, r.rank_p95]), expected)
    assert r.grade_probability is None and r.fragile is None  # no bands, no grades


# ------------------------------------------------------------------------------------------------
# Rank reversal


def test_topsis_rank_reversal_hand_built():
    """Three units, two criteria, equal weights, vector normalisation (Hwang & Yoon's TOPSIS).

    With A = (1, 1), B = (1, 5), C = (2, 3): norms sqrt 6 and sqrt 35; v = x / norm / 2 gives
    A (.2041, .0845), B (.2041, .4226), C (.4082, .2535); ideal (.4082, .4226), anti-ideal A itself.
    B: D+ = .2041, D- = .3381, closeness .6235; C: D+ = .1690, D- = .2650, closeness .6106: B ahead.
    Without A: norms sqrt 5 and sqrt 34; B (.2236, .4287), C (.4472, .2572); the anti-ideal's second
    coordinate rises from A's .0845 to C's .2572, so B's lead on criterion 2 counts for less:
    B: D+ = .2236, D- = .1715, closeness .4341; C: D+ = .1715, D- = .2236, closeness .5659: C ahead.
    """
    X = np.array([[1.0, 1.0], [1.0, 5.0], [2.0, 3.0]])
    w = [0.5, 0.5]
    full = topsis(X, w)
    np.testing.assert_allclose(full.scores, [0.0, 0.6235, 0.6106], atol=5e-5)
    np.testing.assert_allclose(topsis(X[1:], w).scores, [0.4341, 0.5659], atol=5e-5)
    check = rank_reversals(full.rank, lambda keep: topsis(X[keep], w).rank)
    assert check.counts.tolist() == [1, 0, 0] and check.total == 1
    (rev,) = check.reversals
    assert (rev.removed, rev.better, rev.worse) == (0, 1, 2)
    assert rev.ranks_before == (1, 2) and rev.ranks_after == (2, 1)
    only = rank_reversals(full.rank, lambda keep: topsis(X[keep], w).rank, remove=[2])
    assert only.removed.tolist() == [2] and only.total == 0


@FAST
@given(st.lists(st.integers(0, 20), min_size=2, max_size=15))
def test_a_weighted_sum_of_own_scores_never_reverses(scores):
    """An additive scorecard: each unit's total depends on its own values only."""
    s = np.array(scores, dtype=np.float64)
    check = rank_reversals(competition_rank(s), lambda keep: competition_rank(s[keep]))
    assert check.total == 0 and check.reversals == ()


def test_reversal_listing_is_capped_but_counting_is_not():
    ranks = np.arange(1, 7)
    check = rank_reversals(ranks, lambda keep: np.arange(len(keep), 0, -1), remove=[0], limit=3)  # order reversed
    assert check.total == 10  # the five others fully reversed: C(5, 2) pairs
    assert len(check.reversals) == 3


# ------------------------------------------------------------------------------------------------
# A scorecard end to end: adjustments, vetoes and gates are kept under perturbation


def _scorecard():
    return evalkit.load_scorecard({
        "id": "sens", "name": {"zh": "敏感性测试", "en": "Sensitivity"}, "period": "2025",
        "indicators": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}, {"id": "c", "name": "C"},
                       {"id": "sat", "name": "Satisfaction"}],
        "dimensions": [
            {"id": "d1", "name": "D1", "weight": 60, "children": [
                {"id": "i_a", "indicator": "a", "weight": 0.5, "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}},
                {"id": "i_b", "indicator": "b", "weight": 0.5, "missing": "reweight",
                 "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]},
            {"id": "d2", "name": "D2", "weight": 40, "children": [
                {"id": "i_c", "indicator": "c", "max_points": 100, "missing": "reweight",
                 "rule": {"name": "linear", "params": {"lower": 0, "upper": 100}}}]},
        ],
        "grading": {"bands": [{"min": 90, "grade": "advanced"}, {"min": 60, "grade": "average"}, {"min": 0, "grade": "lagging"}]},
        "bonus": {"items": [{"id": "honours", "name": "Honours", "cap": 5}]},
        "deductions": {"items": [{"id": "other", "name": "Other", "cap": 10}]},
        "vetoes": [{"id": "safety", "name": "Safety", "effect": "force_grade", "grade": "lagging"},
                   {"id": "case", "name": "Case", "effect": "cap_grade", "grade": "average"},
                   {"id": "fraud", "name": "Fraud", "effect": "zero"},
                   {"id": "late", "name": "Late", "effect": "deduct", "points": 5}],
        "gates": [{"id": "no_top", "indicator": "sat", "below": 80, "effect": "cap_grade", "grade": "average"}],
    })


def _evaluation():
    rng = np.random.default_rng(5)
    n = 24
    ids = [f"u{i:02d}" for i in range(n)]
    a = np.round(rng.uniform(50, 100, n), 1)
    b = np.round(rng.uniform(50, 100, n), 1)
    c = np.round(rng.uniform(50, 100, n), 1)
    b[3] = np.nan  # d1 re-weighted inside
    c[4] = np.nan  # d2 gone entirely: the top level re-weights for u04
    for k in (0, 5, 6, 9):  # high scorers, so that a grade cap or a forced grade really bites
        a[k] = b[k] = c[k] = 99.0
    sat = np.where(np.arange(n) % 5 == 0, 70.0, 95.0)
    records = [{"unit": "u01", "item": "honours", "points": 4}, {"unit": "u02", "item": "other", "points": 6},
               {"unit": "u05", "item": "safety"}, {"unit": "u06", "item": "case"}, {"unit": "u07", "item": "fraud"},
               {"unit": "u08", "item": "late"}]
    return evalkit.evaluate(_scorecard(), {"a": a, "b": b, "c": c, "sat": sat}, units=ids, adjustments=records)


@pytest.mark.parametrize("level", ["top", "all"])
def test_scorecard_without_perturbation_gives_back_the_declared_results(level):
    ev = _evaluation()
    sw = scorecard_weights(ev, level)
    draws = [np.tile(g.base, (3, 1)) for g in groups_of(sw.tree)]
    totals = perturbed_totals(sw.values, draws, tree=sw.tree, available=sw.available, scale=sw.scale)
    np.testing.assert_allclose(totals[0], ev.items_total, atol=1e-9)
    r = scorecard_sensitivity(ev, 5, 1, concentration=np.inf, level=level)
    assert np.array_equal(r.rank_min, ev.ranks) and np.array_equal(r.rank_max, ev.ranks)
    assert np.array_equal(r.total_min, ev.totals)
    assert np.array_equal(r.modal_grade, ev.grades)
    assert (r.modal_probability == 1).all()


def test_scorecard_perturbation_respects_vetoes_and_gates():
    ev = _evaluation()
    r = scorecard_sensitivity(ev, 300, 2, concentration=2, level="all")
    i = {uid: k for k, uid in enumerate(ev.units.ids)}
    lagging, average = 2, 1
    assert r.grade_probability[i["u05"], lagging] == 1  # forced to lagging whatever the weights
    assert r.grade_probability[i["u06"], 0] == 0  # capped at average
    assert r.grade_probability[i["u00"], 0] == 0  # the satisfaction gate caps u00 (sat 70)
    assert r.total_max[i["u07"]] == 0  # fraud: zero
    assert r.grade_probability[i["u07"], lagging] == 1
    np.testing.assert_allclose(r.grade_probability.sum(axis=1), 1.0)
    assert r.grade_probability.shape == (24, 4)
    assert r.grade_probability[i["u09"], 0] == 1  # the same values without a veto or gate: advanced
    assert average in set(r.modal_grade.tolist())
    sw = scorecard_weights(ev, "top")
    assert sw.available is not None and not sw.available[i["u04"], 1]
    assert sw.base_weights() == {"(top)": {"d1": 0.6, "d2": 0.4}}


# ------------------------------------------------------------------------------------------------
# Quotas: the sampled grades go through the same gates, vetoes and quotas as a run (issue 17)


def _example_report(name: str, *, concentration: float = 200.0):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "examples" / name
    files = evalkit.InputFiles(scorecard=root / "scorecard.yaml", units=root / "units.csv",
                               data=sorted(str(p) for p in root.glob("*.csv") if p.name in ("data.csv", "review.csv")),
                               adjustments=root / "adjustments.csv")
    inputs = evalkit.load_inputs(files)
    settings = evalkit.sensitivity_settings(samples=200, seed=1, concentration=concentration)
    return evalkit.sensitivity_of(inputs.scorecard, inputs.data, inputs.adjustments, settings)


@pytest.mark.parametrize(("example", "unit", "grade"), [("civil-servants", "GWY010", "competent"),
                                                        ("party-building", "DZ156", None)])
def test_sampled_grades_keep_the_quota(example, unit, grade):
    """GWY010 (civil-servants) is 称职 only because of the 优秀 quota; it must not come out 优秀 with p ~1."""
    report = _example_report(example, concentration=np.inf)
    ev = report.evaluation
    i = ev.units.index[unit]
    if grade is not None:
        assert ev.grade_of(i).grade == grade
    # Without perturbation every unit's sampled grade is the run's grade, quota included.
    assert np.array_equal(report.result.modal_grade, ev.grades)
    assert report.result.modal_probability[i] == 1
    quota_moved = np.logical_or.reduce([m for k, m in ev.grade_masks.items() if k.startswith("quota:")])
    assert quota_moved.any()
    assert (report.result.modal_grade[quota_moved] == ev.grades[quota_moved]).all()


def test_sampled_grades_never_exceed_the_quota_places():
    report = _example_report("civil-servants", concentration=50)
    ev = report.evaluation
    # 20 % of each organ, floor: never more 优秀 than the places in any draw, so the expected count is bounded too.
    organs = np.asarray(ev.units.attribute("部门"))
    places = sum(int(np.floor(0.2 * np.count_nonzero(organs == o) + 1e-9)) for o in set(organs.tolist()))
    assert report.result.grade_probability[:, 0].sum() <= places + 1e-9
