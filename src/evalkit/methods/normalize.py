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
- ``sum_normalize`` (pymcdm's ``sum_normalization``): higher-is-better ``x / sum x``, lower-is-better
  ``(1/x) / sum(1/x)``; needs every value > 0.
- ``directed_normalize(X, direction, name)`` with the direction folded in, by name: ``minmax``, ``max``,
  ``sum``, ``max_complement`` (higher ``x / max``, lower ``1 - x / max``: pymcdm's ``max_normalization``)
  and ``vector_complement`` (higher ``x / ||x||``, lower ``1 - x / ||x||``: pymcdm's
  ``vector_normalization``); ``DIRECTED_NORMALIZATIONS`` lists them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.errors import DataError, Problem

from .arrays import as_direction, as_matrix

__all__ = ["DIRECTED_NORMALIZATIONS", "directed_normalize", "max_normalize", "minmax_normalize", "sum_normalize",
           "vector_normalize"]

DIRECTED_NORMALIZATIONS = ("minmax", "max", "sum", "max_complement", "vector_complement")


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


def _positive(A: np.ndarray, what: str) -> None:
    bad = np.flatnonzero((A <= 0).any(axis=0))
    if bad.size:
        raise DataError([Problem(f"{what} needs positive values", path=f"X[:, {int(j)}]",
                                 expected="every value > 0 in criterion " + str(int(j)),
                                 found=f"a minimum of {float(A[:, j].min())!r}") for j in bad])


def sum_normalize(X: Any, direction: Any = None) -> np.ndarray:
    """Sum normalisation: higher-is-better ``x / sum x``, lower-is-better ``(1/x) / sum(1/x)`` (values > 0)."""
    A = as_matrix(X)
    higher = as_direction(direction, A.shape[1])
    _positive(A, "sum normalisation")
    B = np.where(higher, A, 1.0 / A)
    return B / B.sum(axis=0)


def directed_normalize(X: Any, direction: Any = None, name: str = "minmax") -> np.ndarray:
    """The named normalisation with the direction folded in (1 = best for minmax and max; see the module)."""
    from .arrays import check_choice

    check_choice(name, DIRECTED_NORMALIZATIONS, "normalization")
    if name == "minmax":
        return minmax_normalize(X, direction)
    if name == "max":
        return max_normalize(X, direction)
    if name == "sum":
        return sum_normalize(X, direction)
    A = as_matrix(X)
    higher = as_direction(direction, A.shape[1])
    if name == "max_complement":
        top = A.max(axis=0)
        if (top == 0).any():
            j = int(np.flatnonzero(top == 0)[0])
            raise DataError(Problem("max normalisation needs a column maximum other than 0", path=f"X[:, {j}]",
                                    expected="a non-zero maximum", found="0"))
        R = A / top
    else:
        R = vector_normalize(A)
    return np.where(higher, R, 1.0 - R) + 0.0
