"""VIKOR (Opricovic 1998; Opricovic & Tzeng 2004): compromise ranking by group utility and regret.

Conventions:

- f*_j is the best value of criterion j (max if higher is better, min if lower), f-_j the worst;
  d_ij = (f*_j - x_ij) / (f*_j - f-_j) in [0, 1] (0 = best). A constant column gives d = 0 for everyone.
- S_i = sum_j w_j d_ij (group utility), R_i = max_j w_j d_ij (individual regret),
  Q_i = v (S_i - S*) / (S- - S*) + (1 - v) (R_i - R*) / (R- - R*) with v = 0.5 by default; a term whose
  denominator is 0 (every unit has the same S, or the same R) is taken as 0.
- Lower Q is better: ``scores`` is Q and ``rank`` 1 is the lowest Q, ties share the best rank ("1224").
  ``rank_s`` and ``rank_r`` rank S and R the same way.
- The two conditions of Opricovic & Tzeng (2004) are reported. A(1), A(2) are the first two units by Q
  (equal Q: the lower row index first). C1 acceptable advantage: Q(A(2)) - Q(A(1)) >= DQ = 1/(n-1)
  (1e-12 allowed for rounding). C2 acceptable stability: A(1) is also ranked first by S or by R.
  ``compromise`` holds the row indices of the compromise solution: [A(1)] if both hold, [A(1), A(2)]
  if only C2 fails, otherwise A(1)..A(M) with M the largest such that Q(A(M)) - Q(A(1)) < DQ.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from .arrays import as_direction, as_matrix, as_weights, check_fraction, competition_rank, readonly, result_to_dict

__all__ = ["VikorResult", "vikor"]

_DQ_SLACK = 1e-12


@attrs.frozen(eq=False)
class VikorResult:
    """Q per unit (``scores``, lower is better), S, R, their ranks and the compromise conditions."""

    scores: np.ndarray
    rank: np.ndarray
    s: np.ndarray
    r: np.ndarray
    rank_s: np.ndarray
    rank_r: np.ndarray
    acceptable_advantage: bool
    acceptable_stability: bool
    compromise: np.ndarray
    v: float
    dq: float
    f_best: np.ndarray | None = None  # f*_j, the best value of each criterion
    f_worst: np.ndarray | None = None  # f-_j, the worst value of each criterion

    @property
    def q(self) -> np.ndarray:
        return self.scores

    def to_dict(self) -> dict:
        return result_to_dict(self, method="vikor", lower_is_better=True)


def _scaled(values: np.ndarray) -> np.ndarray:
    lo = values.min()
    span = values.max() - lo
    if span == 0:
        return np.zeros_like(values)
    return (values - lo) / span


def vikor(X: Any, weights: Any, direction: Any = None, v: float = 0.5) -> VikorResult:
    """VIKOR S, R, Q and compromise solution for the units (rows of X); needs at least 2 units.

    ``weights`` >= 0 summing to 1; ``direction`` "higher"/"lower" or booleans; ``v`` in [0, 1] is the
    weight of the "majority" (group utility) strategy. See the module docstring for every convention.
    """
    A = as_matrix(X, min_units=2)
    n, m = A.shape
    w = as_weights(weights, m)
    higher = as_direction(direction, m)
    v = check_fraction(v, "v")
    col_max = A.max(axis=0)
    col_min = A.min(axis=0)
    best = np.where(higher, col_max, col_min)
    span = col_max - col_min
    flat = span == 0
    # w_j * d_ij = (x_ij - f*_j) * coef_j with coef_j = -w_j / (f*_j - f-_j), where f*_j - f-_j is
    # +span for higher-is-better and -span for lower-is-better; coef_j = 0 for constant columns.
    signed_span = np.where(higher, span, -span)
    coef = np.where(flat, 0.0, -w / np.where(flat, 1.0, signed_span))
    D = A - best
    D *= coef
    s = D.sum(axis=1)
    r = D.max(axis=1)
    q = v * _scaled(s) + (1.0 - v) * _scaled(r)
    rank = competition_rank(q, higher_is_better=False)
    rank_s = competition_rank(s, higher_is_better=False)
    rank_r = competition_rank(r, higher_is_better=False)
    order = np.zeros(n, dtype=np.int64)
    order[rank - 1] = np.arange(n)  # the inverse of the ranks when they are 1..n each once (no tie in q) ...
    if not (rank[order] == np.arange(1, n + 1)).all():
        order = np.argsort(q, kind="stable")  # ... else sort
    first, second = int(order[0]), int(order[1])
    dq = 1.0 / (n - 1)
    advantage = bool(q[second] - q[first] >= dq - _DQ_SLACK)
    stability = bool(rank_s[first] == 1 or rank_r[first] == 1)
    if advantage and stability:
        compromise = np.array([first], dtype=np.int64)
    elif advantage:
        compromise = np.array([first, second], dtype=np.int64)
    else:
        close = q[order] - q[first] < dq - _DQ_SLACK
        compromise = order[close].astype(np.int64)
    return VikorResult(
        scores=readonly(q),
        rank=readonly(rank),
        s=readonly(s),
        r=readonly(r),
        rank_s=readonly(rank_s),
        rank_r=readonly(rank_r),
        acceptable_advantage=advantage,
        acceptable_stability=stability,
        compromise=readonly(compromise),
        v=v,
        dq=dq,
        f_best=readonly(best + 0.0),
        f_worst=readonly(np.where(higher, col_min, col_max) + 0.0),
    )
