"""TOPSIS (Hwang & Yoon 1981): closeness to the ideal and distance from the anti-ideal unit.

Conventions:

- ``normalization="vector"`` (default, as Hwang & Yoon): r_ij = x_ij / sqrt(sum_i x_ij^2), direction
  not folded in; the ideal takes the column maximum of v = w * r for higher-is-better criteria and the
  minimum for lower-is-better ones, the anti-ideal the opposite. An all-zero column stays 0.
- ``normalization="minmax"``: min-max by direction (1 = best, constant column 1), so the ideal is the
  column maximum and the anti-ideal the minimum of v for every criterion. ``"sum"``, ``"max"``,
  ``"max_complement"`` and ``"vector_complement"`` fold the direction in the same way (see
  :func:`evalkit.methods.normalize.directed_normalize`; pymcdm's normalisations), the ideal again the
  column maximum.
- The result keeps the weighted normalised matrix v_ij = w_j r_ij (``weighted``), the ideal and
  anti-ideal and the distances D+ (``d_best``) and D- (``d_worst``).
- Euclidean distances D+ (to the ideal) and D- (to the anti-ideal); closeness C = D- / (D+ + D-) in
  [0, 1], higher is better. A unit at the ideal (D+ = 0) gets C = 1, also in the degenerate case where it
  is at the anti-ideal too (every weighted criterion constant).
- rank 1 = highest closeness; ties share the best rank ("1224").
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from .arrays import as_direction, as_matrix, as_weights, check_choice, competition_rank, readonly, result_to_dict
from .normalize import directed_normalize, vector_normalize

__all__ = ["TOPSIS_NORMALIZATIONS", "TopsisResult", "topsis"]

TOPSIS_NORMALIZATIONS = ("vector", "minmax", "sum", "max", "max_complement", "vector_complement")


@attrs.frozen(eq=False)
class TopsisResult:
    """Closeness per unit (``scores``, higher is better), its ranks and the distances behind it."""

    scores: np.ndarray
    rank: np.ndarray
    d_best: np.ndarray
    d_worst: np.ndarray
    ideal: np.ndarray
    anti_ideal: np.ndarray
    normalization: str
    weighted: np.ndarray | None = None  # v_ij = w_j r_ij, units x criteria

    @property
    def closeness(self) -> np.ndarray:
        return self.scores

    def to_dict(self) -> dict:
        return result_to_dict(self, method="topsis")


def topsis(X: Any, weights: Any, direction: Any = None, normalization: str = "vector") -> TopsisResult:
    """Closeness C = D- / (D+ + D-) of every unit (row of X) to the ideal; see the module conventions.

    ``weights`` must be >= 0 and sum to 1; ``direction`` per criterion "higher"/"lower" or booleans.
    """
    check_choice(normalization, TOPSIS_NORMALIZATIONS, "normalization")
    A = as_matrix(X)
    m = A.shape[1]
    w = as_weights(weights, m)
    higher = as_direction(direction, m)
    if normalization == "vector":
        V = vector_normalize(A)
        V *= w
        col_max = V.max(axis=0)
        col_min = V.min(axis=0)
        ideal = np.where(higher, col_max, col_min)
        anti = np.where(higher, col_min, col_max)
    else:
        V = directed_normalize(A, higher, normalization)
        V *= w
        ideal = V.max(axis=0)
        anti = V.min(axis=0)
    diff = V - ideal
    d_best = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    np.subtract(V, anti, out=diff)
    d_worst = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    total = d_best + d_worst
    at_ideal = d_best == 0
    closeness = np.where(at_ideal, 1.0, d_worst / np.where(at_ideal, 1.0, total))
    V += 0.0  # -0.0 -> 0.0 in place (V is this function's own array)
    return TopsisResult(
        scores=readonly(closeness),
        rank=readonly(competition_rank(closeness)),
        d_best=readonly(d_best),
        d_worst=readonly(d_worst),
        ideal=readonly(ideal),
        anti_ideal=readonly(anti),
        normalization=normalization,
        weighted=readonly(V),
    )
