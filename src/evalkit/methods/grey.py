"""Grey relational analysis (灰色关联分析, Deng 1982): how closely each unit's series follows the ideal.

Conventions:

- Normalise each column by its direction: ``"minmax"`` (default; 1 = best, constant column 1),
  ``"max"`` (x / max, lower-is-better min / x, values > 0), or the other directed normalisations of
  :mod:`evalkit.methods.normalize`: ``"sum"`` (x / sum x; lower (1/x) / sum(1/x)), ``"max_complement"``
  (lower 1 - x / max) and ``"vector_complement"`` (x / ||x||; lower 1 - x / ||x||), as pymcdm offers them.
- Reference series x0_j = the best normalised value of column j (its maximum: 1 for minmax and max).
- Delta_ij = |x0_j - y_ij|; Delta_min and Delta_max are taken over ALL units and criteria (Deng's
  two-level minimum and maximum). Coefficient xi_ij = (Delta_min + rho Delta_max) / (Delta_ij + rho
  Delta_max), rho = 0.5 by default, rho in (0, 1]. If Delta_max = 0 (every unit is ideal everywhere),
  every xi is 1.
- Relational grade (``scores``) = sum_j w_j xi_ij, the weighted mean of the coefficients (weights sum to
  1); higher is better; rank 1 = highest grade, ties share the best rank ("1224").
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from .arrays import as_direction, as_matrix, as_weights, check_choice, check_fraction, competition_rank, readonly, result_to_dict
from .normalize import DIRECTED_NORMALIZATIONS, directed_normalize

__all__ = ["GREY_NORMALIZATIONS", "GreyResult", "grey_relational"]

GREY_NORMALIZATIONS = DIRECTED_NORMALIZATIONS  # minmax, max, sum, max_complement, vector_complement


@attrs.frozen(eq=False)
class GreyResult:
    """Relational grade per unit (``scores``), ranks, and (on request) the coefficient matrix."""

    scores: np.ndarray
    rank: np.ndarray
    rho: float
    delta_min: float
    delta_max: float
    normalization: str
    coefficients: np.ndarray | None = None
    delta: np.ndarray | None = None  # Delta_ij = |x0_j - x_ij|, the distance to the reference series (units x criteria)

    @property
    def grades(self) -> np.ndarray:
        return self.scores

    def to_dict(self) -> dict:
        return result_to_dict(self, method="grey_relational")


def grey_relational(
    X: Any,
    weights: Any,
    direction: Any = None,
    rho: float = 0.5,
    normalization: str = "minmax",
    *,
    return_coefficients: bool = False,
) -> GreyResult:
    """Grey relational grade of every unit (row of X) to the ideal series; see module conventions.

    ``weights`` >= 0 summing to 1 (pass equal weights 1/m for Deng's plain mean); ``rho`` is the
    distinguishing coefficient in (0, 1]. ``return_coefficients`` keeps the (n_units, n_criteria) xi matrix
    and the Delta matrix (distances to the reference series) behind it.
    """
    check_choice(normalization, GREY_NORMALIZATIONS, "normalization")
    A = as_matrix(X)
    m = A.shape[1]
    w = as_weights(weights, m)
    higher = as_direction(direction, m)
    rho = check_fraction(rho, "rho", 0.0, 1.0, open_low=True)
    Y = directed_normalize(A, higher, normalization)
    reference = Y.max(axis=0)
    delta = np.subtract(reference, Y, out=Y)  # >= 0 because the reference is the column maximum
    delta_matrix = delta + 0.0 if return_coefficients else None
    d_min = float(delta.min())
    d_max = float(delta.max())
    if d_max == 0:
        xi = np.ones_like(delta)
    else:
        xi = delta
        xi += rho * d_max
        np.divide(d_min + rho * d_max, xi, out=xi)
    grades = xi @ w
    return GreyResult(
        scores=readonly(grades),
        rank=readonly(competition_rank(grades)),
        rho=rho,
        delta_min=d_min,
        delta_max=d_max,
        normalization=normalization,
        coefficients=readonly(xi) if return_coefficients else None,
        delta=None if delta_matrix is None else readonly(delta_matrix),
    )
