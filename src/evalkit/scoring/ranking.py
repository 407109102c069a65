"""Ranks with a declared tie rule, computed with one sort over all units.

Tie rules (rank 1 is the best):
- ``min``: standard competition ranking "1224": tied units share the best rank of the group (并列).
- ``dense``: "1223": tied units share a rank and the next distinct score takes the next rank.
- ``ordinal``: "1234": ties are broken by unit id (string order), so the result never depends on the
  order of rows in any input file.
Missing scores (NaN) rank after every scored unit and share the last rank under ``min``/``dense``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TIE_RULES = ("min", "dense", "ordinal")


def rank(scores: np.ndarray, unit_ids: Sequence[str], ties: str = "min", higher_is_better: bool = True) -> np.ndarray:
    """Return an int64 rank per unit (1 = best) under the declared tie rule."""
    if ties not in TIE_RULES:
        raise ValueError(f"unknown tie rule {ties!r}; expected one of {', '.join(TIE_RULES)}")
    x = np.asarray(scores, dtype=np.float64)
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = np.negative(x) if higher_is_better else x.copy()
    if np.isnan(np.minimum.reduce(key)):
        np.copyto(key, np.inf, where=np.isnan(key))
    ranks = np.empty(n, dtype=np.int64)
    if ties == "ordinal":
        # lexsort: the last key is primary; ties go by unit id, never by the order of input rows.
        ids = np.asarray(unit_ids, dtype=object).astype(str)
        order = np.lexsort((ids, key))
        ranks[order] = np.arange(1, n + 1)
        return ranks
    order = np.argsort(key, kind="stable")  # min and dense give tied units one rank: their order is moot
    sorted_key = key[order]
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    new_group[1:] = sorted_key[1:] != sorted_key[:-1]
    if ties == "dense":
        ranks[order] = np.cumsum(new_group)
    else:
        group_start = np.arange(1, n + 1)
        group_start *= new_group  # a group's first position, 0 inside a group
        ranks[order] = np.maximum.accumulate(group_start, out=group_start)
    return ranks
