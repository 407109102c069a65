"""Simple additive weighting (SAW, 加权求和): score = sum_j w_j * r_ij of normalised values.

Conventions: ``normalization="minmax"`` (default; 1 = best, lower-is-better flipped, a constant column
gives every unit 1), ``"max"`` (x / max, lower-is-better min / x, values must be > 0), ``"sum"``,
``"max_complement"`` (lower 1 - x/max) or ``"vector_complement"`` (lower 1 - x/||x||), as
:func:`evalkit.methods.normalize.directed_normalize`. Scores are in
[0, 1]; rank 1 = highest score, ties share the best rank ("1224").
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from .arrays import as_direction, as_matrix, as_weights, check_choice, competition_rank, readonly, result_to_dict
from .normalize import DIRECTED_NORMALIZATIONS, directed_normalize

__all__ = ["SAW_NORMALIZATIONS", "SawResult", "saw"]

SAW_NORMALIZATIONS = DIRECTED_NORMALIZATIONS  # minmax, max, sum, max_complement, vector_complement


@attrs.frozen(eq=False)
class SawResult:
    """Per-unit SAW scores (higher is better) and ranks (1 = best, "1224")."""

    scores: np.ndarray
    rank: np.ndarray
    normalization: str

    def to_dict(self) -> dict:
        return result_to_dict(self, method="saw")


def saw(X: Any, weights: Any, direction: Any = None, normalization: str = "minmax") -> SawResult:
    """Weighted sum of normalised values, one score per unit (row of X).

    ``weights`` must be >= 0 and sum to 1 (DefinitionError otherwise); ``direction`` per criterion is
    "higher"/"lower" or booleans (default all higher). See the module docstring for the normalisations.
    """
    check_choice(normalization, SAW_NORMALIZATIONS, "normalization")
    A = as_matrix(X)
    w = as_weights(weights, A.shape[1])
    higher = as_direction(direction, A.shape[1])
    Y = directed_normalize(A, higher, normalization)
    scores = Y @ w
    return SawResult(scores=readonly(scores), rank=readonly(competition_rank(scores)), normalization=normalization)
