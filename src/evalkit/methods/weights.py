"""Objective weights from the data (客观赋权) and declared blends with subjective weights (组合赋权).

Every method first min-max normalises each column by its direction (see
:func:`evalkit.methods.normalize.minmax_normalize`: 1 = best, lower-is-better columns are flipped),
then works column-wise. Conventions:

- Entropy weights (熵权法): p_ij = y_ij / sum_i y_ij, e_j = -1/ln(n) * sum_i p_ij ln p_ij with
  0 ln 0 = 0 (no shift by default; ``shift`` adds a declared constant to every normalised value first,
  the "平移" some textbooks use), d_j = 1 - e_j, w_j = d_j / sum d. Needs n >= 2 units.
- CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995): C_j = sigma_j * sum_k (1 - r_jk), w_j = C_j / sum C,
  sigma with ``ddof`` (default 1, the sample standard deviation; weights do not depend on ddof because
  it scales every sigma alike), r the Pearson correlation of the normalised columns.
- Standard-deviation weights (标准离差法): w_j = sigma_j / sum sigma on the normalised columns.
- ``basis`` of entropy and standard-deviation weights: ``"minmax"`` (default, above) or ``"raw"``: the
  columns as given, no min-max and no direction (pymcdm's ``entropy_weights`` / ``standard_deviation_weights``
  and scikit-criteria's entropy weighter work this way): entropy p_ij = x_ij / sum_i x_ij (values must be
  >= 0 with a positive column sum), standard deviation of the raw column. The weights then depend on each
  column's scale and origin; the minmax basis does not.
- Constant columns (every unit equal) carry no information: their weight is exactly 0, and CRITIC leaves
  them out of the other columns' conflict sums, so adding a constant criterion changes no other weight.
  When no criterion carries information the weights are undefined and DataError is raised.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, DefinitionError, Problem

from .arrays import as_direction, as_float_array, as_matrix, as_weights, check_choice, check_fraction, readonly, to_list
from .normalize import minmax_normalize

__all__ = [
    "COMBINE_METHODS",
    "CriticWeights",
    "EntropyWeights",
    "StdWeights",
    "combine_weights",
    "critic_weights",
    "entropy_weights",
    "std_weights",
]

COMBINE_METHODS = ("linear", "multiplicative")
BASES = ("minmax", "raw")
"""What entropy and standard-deviation weights are computed on: min-max normalised columns, or the raw data."""
_CORR_SNAP = 1e-12
"""CRITIC: a correlation within this of 1 counts as exactly 1 (perfectly correlated columns)."""


def _asdict(obj: Any) -> dict:
    return {k: to_list(v) for k, v in attrs.asdict(obj, recurse=False).items()}


@attrs.frozen(eq=False)
class EntropyWeights:
    """Entropy weights with the per-criterion entropy e_j and divergence d_j = 1 - e_j."""

    weights: np.ndarray
    entropy: np.ndarray
    divergence: np.ndarray
    constant: np.ndarray
    shift: float = 0.0
    proportions: np.ndarray | None = None  # p_ij, units x criteria
    basis: str = "minmax"

    def to_dict(self) -> dict:
        return {"method": "entropy", **_asdict(self)}


@attrs.frozen(eq=False)
class CriticWeights:
    """CRITIC weights with sigma_j, the conflict sum_k (1 - r_jk) and the information C_j."""

    weights: np.ndarray
    std: np.ndarray
    conflict: np.ndarray
    information: np.ndarray
    correlation: np.ndarray
    constant: np.ndarray
    ddof: int = 1

    def to_dict(self) -> dict:
        return {"method": "critic", **_asdict(self)}


@attrs.frozen(eq=False)
class StdWeights:
    """Standard-deviation weights with sigma_j of each normalised column."""

    weights: np.ndarray
    std: np.ndarray
    constant: np.ndarray
    ddof: int = 1
    basis: str = "minmax"

    def to_dict(self) -> dict:
        return {"method": "std", **_asdict(self)}


def _no_information(method: str, why: str) -> DataError:
    return DataError(
        Problem(
            f"{method} weights are undefined for this data: {why}",
            path="X",
            expected="at least one criterion whose values differ between units",
            found="no such criterion",
        )
    )


def _critic_undefined(varying: np.ndarray) -> DataError:
    """Why CRITIC has no weights: C_j = sigma_j * sum_k (1 - r_jk) is 0 for every criterion."""
    moving = np.flatnonzero(varying).tolist()
    if not moving:
        return _no_information("CRITIC", "every criterion has the same value for all units")
    if len(moving) == 1:
        why = (f"only criterion {moving[0]} varies, so it has no other varying criterion to conflict with "
               "(C_j = sigma_j * sum_k (1 - r_jk) = 0; the criteria with one value for all units are left out)")
        found = f"only criterion {moving[0]} varies"
    else:
        listed = ", ".join(str(j) for j in moving)
        why = (f"the criteria that vary ({listed}) are perfectly correlated after normalisation (r = 1), so none "
               "conflicts with another (every C_j = sigma_j * sum_k (1 - r_jk) = 0)")
        found = f"criteria {listed} vary, all perfectly correlated (r = 1)"
    return DataError(Problem(f"CRITIC weights are undefined for this data: {why}", path="X",
                             expected="at least two varying criteria (columns, counted from 0) that are not perfectly "
                             "correlated", found=found))


def _check_ddof(ddof: int, n: int) -> int:
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise DefinitionError(Problem("ddof must be a whole number >= 0", path="ddof", expected="0 or 1", found=repr(ddof)))
    if n <= ddof:
        raise DataError(Problem("too few units for the standard deviation", path="X", expected=f"more than {ddof} units (ddof={ddof})", found=f"{n} units"))
    return int(ddof)


def _basis_matrix(A: np.ndarray, higher: np.ndarray, basis: str) -> np.ndarray:
    """The columns the weights are computed on: min-max normalised by direction, or a copy of the raw data."""
    check_choice(basis, BASES, "basis")
    if basis == "raw":
        return A.astype(np.float64, copy=True)
    return minmax_normalize(A, higher, constant=1.0)


def entropy_weights(X: Any, direction: Any = None, *, shift: float = 0.0, basis: str = "minmax") -> EntropyWeights:
    """Entropy weights (熵权法): criteria whose values are spread more unevenly get more weight.

    Conventions: min-max normalisation by direction first (lower-is-better flipped); p_ij = y_ij / sum_i y;
    0 ln 0 = 0; e_j divided by ln(n), n >= 2; a constant column has e_j = 1 and weight exactly 0; if every
    column is constant, DataError. ``shift`` (default 0) is added to every normalised value before the
    proportions, for the textbook variant that avoids zeros. ``basis="raw"``: no min-max and no direction,
    p_ij = x_ij / sum_i x_ij on the data as given (pymcdm, scikit-criteria); negative values are a DataError.
    The result keeps p_ij (``proportions``) and e_j (``entropy``).
    """
    A = as_matrix(X, min_units=2)
    n, m = A.shape
    higher = as_direction(direction, m)
    shift = check_fraction(shift, "shift", 0.0, float("inf"))
    Y = _basis_matrix(A, higher, basis)
    constant = A.max(axis=0) == A.min(axis=0)
    if shift:
        Y += shift
    if basis == "raw":
        bad = np.flatnonzero((Y < 0).any(axis=0) | (Y.sum(axis=0) <= 0)).tolist()
        if bad:
            raise DataError(Problem("entropy weights on raw data need values >= 0 with a positive sum in every column",
                                    path=f"X[:, {bad[0]}]", expected="values >= 0, not all 0 (or basis 'minmax')",
                                    found=f"column {bad[0]}: min {A[:, bad[0]].min():g}, sum {A[:, bad[0]].sum():g}"))
    P = Y
    P /= Y.sum(axis=0)
    logP = np.log(P, out=np.zeros_like(P), where=P > 0)
    logP *= P
    entropy = -logP.sum(axis=0) / np.log(n)
    entropy[constant] = 1.0
    divergence = np.maximum(1.0 - entropy, 0.0)
    total = divergence.sum()
    if total <= 0:
        raise _no_information("entropy", "every criterion has the same value for all units")
    weights = divergence / total
    return EntropyWeights(
        weights=readonly(weights),
        entropy=readonly(entropy),
        divergence=readonly(divergence),
        constant=readonly(constant),
        shift=shift,
        proportions=readonly(P),
        basis=basis,
    )


def critic_weights(X: Any, direction: Any = None, *, ddof: int = 1) -> CriticWeights:
    """CRITIC weights: contrast (standard deviation) times conflict (1 - correlation) with the others.

    Conventions: min-max normalisation by direction first; sigma with ``ddof`` (default 1; it does not
    change the weights); Pearson correlation of the normalised columns (within 1e-12 of 1 counts as 1);
    constant columns get weight 0 and are left out of the conflict sums (their correlation is reported
    as 0, and 1 with themselves). If no two varying criteria conflict (only one varies, or all that vary
    are perfectly correlated) the weights are undefined and DataError is raised.
    """
    A = as_matrix(X, min_units=2)
    n, m = A.shape
    higher = as_direction(direction, m)
    ddof = _check_ddof(ddof, n)
    Y = minmax_normalize(A, higher, constant=1.0)
    constant = A.max(axis=0) == A.min(axis=0)
    mean = Y.mean(axis=0)
    Y -= mean
    ss = np.einsum("ij,ij->j", Y, Y)
    std = np.sqrt(ss / (n - ddof))
    std[constant] = 0.0
    scale = np.where(constant, 0.0, 1.0 / np.sqrt(np.where(constant, 1.0, ss)))
    Y *= scale
    corr = Y.T @ Y
    np.clip(corr, -1.0, 1.0, out=corr)
    corr[corr > 1.0 - _CORR_SNAP] = 1.0  # rounding noise must not create a "conflict" of 1e-16
    np.fill_diagonal(corr, 1.0)
    varying = ~constant
    conflict = ((1.0 - corr) * varying[None, :]).sum(axis=1)
    conflict[constant] = 0.0
    information = std * conflict
    total = information.sum()
    if total <= 0:
        raise _critic_undefined(varying)
    return CriticWeights(
        weights=readonly(information / total),
        std=readonly(std),
        conflict=readonly(conflict),
        information=readonly(information),
        correlation=readonly(corr),
        constant=readonly(constant),
        ddof=ddof,
    )


def std_weights(X: Any, direction: Any = None, *, ddof: int = 1, basis: str = "minmax") -> StdWeights:
    """Standard-deviation weights (标准离差法): w_j = sigma_j / sum sigma of the min-max normalised columns.

    Conventions: normalisation by direction first (the direction does not change sigma); ``ddof``
    default 1 (does not change the weights); constant columns weigh 0; all constant raises DataError.
    ``basis="raw"``: sigma of the columns as given (pymcdm's ``standard_deviation_weights``, ddof 1).
    """
    A = as_matrix(X, min_units=2)
    n, m = A.shape
    higher = as_direction(direction, m)
    ddof = _check_ddof(ddof, n)
    Y = _basis_matrix(A, higher, basis)
    constant = A.max(axis=0) == A.min(axis=0)
    std = Y.std(axis=0, ddof=ddof)
    std[constant] = 0.0
    total = std.sum()
    if total <= 0:
        raise _no_information("standard-deviation", "every criterion has the same value for all units")
    return StdWeights(weights=readonly(std / total), std=readonly(std), constant=readonly(constant), ddof=ddof,
                      basis=basis)


def combine_weights(w1: Any, w2: Any, method: str = "linear", alpha: float = 0.5) -> np.ndarray:
    """Blend two weight vectors (e.g. AHP and entropy) by a declared rule (组合赋权).

    ``linear``: alpha * w1 + (1 - alpha) * w2 with alpha in [0, 1] (default 0.5).
    ``multiplicative``: w1 * w2 / sum(w1 * w2) (alpha is not used); DefinitionError if the product is 0
    everywhere. Both inputs must be valid weights (>= 0, sum 1 within 1e-9, same length).
    """
    check_choice(method, COMBINE_METHODS, "method")
    first = as_float_array(w1, "w1", 1, DefinitionError, axes=("criterion",))
    v1 = as_weights(first, first.shape[0], name="w1")
    v2 = as_weights(w2, v1.shape[0], name="w2")
    if method == "linear":
        alpha = check_fraction(alpha, "alpha")
        return alpha * v1 + (1.0 - alpha) * v2
    product = v1 * v2
    total = product.sum()
    if total <= 0:
        raise DefinitionError(
            Problem("the multiplicative blend is undefined: no criterion has weight in both vectors", path="w2", expected="some criterion weighted > 0 in both", found="none")
        )
    return product / total
