"""Column-wise normalisation of a decision matrix, with the direction of each criterion declared.

Each function works on whole columns (one pass, one output buffer) and says how it treats
lower-is-better criteria and constant columns:

- ``minmax_normalize``: higher-is-better ``(x - min) / (max - min)``, lower-is-better
  ``(max - x) / (max - min)``; the result is in [0, 1] with 1 the best value of the column. A constant
  column (max == min) separates nobody; every unit gets ``constant`` (default 1.0).
- ``max_normalize`` (Hwang & Yoon's "linear scale"): higher-is-better ``x / max``, lower-is-better
  ``min / x``; needs every value > 0; 1 is the best value of the column.
- ``vector_normalize``: ``x / sqrt(sum x^2)`` with the direction NOT folded in (TOPSIS decides the ideal
  per direction afterwards); an all-zero column stays 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.errors import DataError, Problem

from .arrays import as_direction, as_matrix

__all__ = ["max_normalize", "minmax_normalize", "vector_normalize"]


def minmax_normalize(X: Any, direction: Any = None, constant: float = 1.0) -> np.ndarray:
    """Min-max normalise each column to [0, 1], 1 = best, folding in the direction.

    Convention: lower-is-better columns become ``(max - x) / (max - min)``; a constant column becomes
    ``constant`` for every unit (default 1.0: nobody is behind on a criterion where all are equal).
    """
    A = as_matrix(X)
    higher = as_direction(direction, A.shape[1])
    lo = A.min(axis=0)
    hi = A.max(axis=0)
    span = hi - lo
    flat = span == 0
    anchor = np.where(higher, lo, hi)
    with np.errstate(divide="ignore"):
        coef = np.where(flat, 0.0, np.where(higher, 1.0, -1.0) / np.where(flat, 1.0, span))
    out = np.subtract(A, anchor)
    out *= coef
    if flat.any():
        out += np.where(flat, float(constant), 0.0)
    out += 0.0  # (hi - hi) * -1/span is -0.0: the best value of a lower-is-better column is 0, never -0
    return out


def max_normalize(X: Any, direction: Any = None) -> np.ndarray:
    """Linear-scale normalisation: higher-is-better ``x / max``, lower-is-better ``min / x``.

    Convention: every value must be > 0 (a zero or negative value makes the ratio meaningless and raises
    DataError naming the column); the best unit of each column gets 1.
    """
    A = as_matrix(X)
    higher = as_direction(direction, A.shape[1])
    nonpositive = np.flatnonzero((A <= 0).any(axis=0))
    if nonpositive.size:
        raise DataError(
            [
                Problem(
                    "max normalisation needs positive values",
                    path=f"X[:, {int(j)}]",
                    expected="every value > 0 in criterion " + str(int(j)),
                    found=f"a minimum of {float(A[:, j].min())!r}",
                )
                for j in nonpositive
            ]
        )
    hi = A.max(axis=0)
    lo = A.min(axis=0)
    out = np.empty_like(A)
    if higher.any():
        out[:, higher] = A[:, higher] / hi[higher]
    if (~higher).any():
        out[:, ~higher] = lo[~higher] / A[:, ~higher]
    return out


def vector_normalize(X: Any) -> np.ndarray:
    """Vector normalisation ``x / sqrt(sum_i x_i^2)`` per column; direction is not folded in.

    Convention: an all-zero column stays all zero (it separates nobody).
    """
    A = as_matrix(X)
    norm = np.sqrt(np.einsum("ij,ij->j", A, A))
    norm[norm == 0] = 1.0
    return A / norm
