"""Rank reversal (排序逆转): remove one unit, rank the others again, and list the pairs whose order flips.

A pair (i, j) of remaining units is reversed when i was strictly ahead of j before and is strictly
behind after; a pair becoming tied or untied is not a reversal. A weighted sum of scores that do not
depend on the other units (an evalkit scorecard whose rules score each unit on its own values) cannot
reverse; methods that normalise by the group (TOPSIS, VIKOR, SAW with min-max, grey relational) can.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, UsageError, describe
from evalkit.methods.arrays import readonly

__all__ = ["Reversal", "ReversalCheck", "rank_reversals", "removal_indices"]

_PAIR_CELLS = 4_000_000  # unit pairs compared at once in the rank-reversal check


@attrs.frozen
class Reversal:
    """Removing unit `removed` flips `better` (ahead before) and `worse`; indices into the full set."""

    removed: int
    better: int
    worse: int
    ranks_before: tuple[int, int]
    ranks_after: tuple[int, int]


@attrs.frozen(eq=False)
class ReversalCheck:
    """For each removed unit, how many pairs of the others flipped; the first `limit` pairs listed."""

    removed: np.ndarray
    counts: np.ndarray
    reversals: tuple[Reversal, ...]
    limit: int

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def to_dict(self, ids: Sequence[str] | None = None) -> dict[str, Any]:
        """The JSON document of the check, units named by `ids` (default: their indices as text)."""
        n = 1 + max([*self.removed.tolist(), *(max(r.better, r.worse) for r in self.reversals)], default=-1)
        names = list(ids) if ids is not None else [str(k) for k in range(n)]
        return {
            "removed": [names[k] for k in self.removed.tolist()],
            "pairs_reversed": self.total,
            "by_removed": {names[k]: int(c) for k, c in zip(self.removed.tolist(), self.counts.tolist()) if c},
            "pairs": [{"removed": names[r.removed], "better_before": names[r.better], "worse_before": names[r.worse],
                       "ranks_before": list(r.ranks_before), "ranks_after": list(r.ranks_after)} for r in self.reversals],
            "listed_at_most": self.limit,
        }


def rank_reversals(ranks: Any, rerank: Callable[[np.ndarray], Any], remove: Sequence[int] | None = None,
                   *, limit: int = 100) -> ReversalCheck:
    """Remove each unit of `remove` (default: every unit, in turn) and report pairs whose order flips.

    `ranks` are the ranks of all units (1 = best). ``rerank(keep)`` gets the row indices of the units
    kept (increasing) and returns their ranks computed without the removed unit. A pair (i, j) is
    reversed when i was strictly ahead of j before and is strictly behind after. All pairs are counted;
    the first `limit` are listed (by removed unit, then by the rank before of the better unit).
    """
    r = np.asarray(ranks, dtype=np.int64)
    if r.ndim != 1:
        raise DataError(Problem("ranks must be one per unit", path="ranks", found=f"shape {r.shape}"))
    n = r.shape[0]
    targets = np.arange(n) if remove is None else np.asarray(list(remove), dtype=np.int64)
    if targets.size and (targets.min() < 0 or targets.max() >= n):
        raise DataError(Problem("a unit to remove is out of range", path="remove", expected=f"indices 0..{n - 1}",
                                found=describe(targets.tolist())))
    counts = np.zeros(targets.shape[0], dtype=np.int64)
    listed: list[Reversal] = []
    for t, k in enumerate(targets):
        keep = np.flatnonzero(np.arange(n) != k)
        after = np.asarray(rerank(keep), dtype=np.int64)
        if after.shape != keep.shape:
            raise DataError(Problem("rerank returned the wrong number of ranks", path="rerank",
                                    expected=f"{keep.shape[0]} ranks", found=f"shape {after.shape}"))
        before = r[keep]
        order = np.argsort(before, kind="stable")
        b, a, who = before[order], after[order], keep[order]
        step = max(1, _PAIR_CELLS // max(len(b), 1))
        for lo in range(0, len(b), step):
            hi = min(lo + step, len(b))
            flipped = (b[lo:hi, None] < b[None, :]) & (a[lo:hi, None] > a[None, :])
            found = int(np.count_nonzero(flipped))
            if not found:
                continue
            counts[t] += found
            if len(listed) < limit:
                for i, j in np.argwhere(flipped)[: limit - len(listed)]:
                    i = int(i) + lo
                    listed.append(Reversal(removed=int(k), better=int(who[i]), worse=int(who[j]),
                                           ranks_before=(int(b[i]), int(b[j])), ranks_after=(int(a[i]), int(a[j]))))
    return ReversalCheck(removed=readonly(targets), counts=readonly(counts), reversals=tuple(listed), limit=int(limit))


def removal_indices(remove: Sequence[str], ids: Sequence[str], source: str) -> list[int] | None:
    """Row indices of the units to remove (None when none are named); an unknown unit is a UsageError."""
    if not remove:
        return None
    index = {uid: k for k, uid in enumerate(ids)}
    unknown = [u for u in remove if u not in index]
    if unknown:
        raise UsageError(f"--remove: no unit {', '.join(repr(u) for u in unknown)} in {source}")
    return sorted({index[u] for u in remove})
