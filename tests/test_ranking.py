"""Ranks under each tie rule, independent of the order of units."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from evalkit.scoring.ranking import rank


def test_tie_rules_and_missing_last():
    scores = np.array([90, 85, 85, np.nan, 70])
    ids = ["a", "c", "b", "d", "e"]
    assert rank(scores, ids, "min").tolist() == [1, 2, 2, 5, 4]
    assert rank(scores, ids, "dense").tolist() == [1, 2, 2, 4, 3]
    assert rank(scores, ids, "ordinal").tolist() == [1, 3, 2, 5, 4]  # b before c
    assert rank(scores, ids, "min", higher_is_better=False).tolist() == [4, 2, 2, 5, 1]


@given(values=st.lists(st.sampled_from([1.0, 2.0, 2.5, 3.0, np.nan]), min_size=1, max_size=40),
       ties=st.sampled_from(["min", "dense", "ordinal"]), seed=st.randoms(use_true_random=False))
def test_ranks_follow_units_not_rows(values, ties, seed):
    ids = [f"u{i:02d}" for i in range(len(values))]
    before = dict(zip(ids, rank(np.array(values), ids, ties).tolist()))
    perm = list(range(len(values)))
    seed.shuffle(perm)
    after = dict(zip([ids[k] for k in perm], rank(np.array([values[k] for k in perm]), [ids[k] for k in perm], ties).tolist()))
    assert before == after
    ordered = sorted(ids, key=lambda u: before[u])
    finite = [v for v in values if not np.isnan(v)]
    if ties == "min" and finite:  # competition ranking: a rank is 1 + the number of strictly better units
        for u, v in zip(ids, values):
            if not np.isnan(v):
                assert before[u] == 1 + sum(1 for w in finite if w > v)
    assert len(ordered) == len(ids)
