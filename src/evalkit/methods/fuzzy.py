"""Fuzzy comprehensive evaluation (模糊综合评价): B = W o R over grades, from ballot counts.

Conventions:

- ``ballots`` are counts (or shares) per criterion and grade: shape (n_criteria, n_grades) for one unit
  or (n_units, n_criteria, n_grades) for many (a 2-D array is treated as one unit, so results always
  have a leading unit axis). Counts must be finite and >= 0, and every criterion of every unit needs at
  least one ballot. R is the ballots with each criterion's row divided by its sum (rows sum to 1).
- ``operator``: ``"weighted_average"`` (default, M(., +)): b_k = sum_j w_j r_jk, which already sums to 1;
  ``"max_min"`` (Zadeh, M(and, or)): b_k = max_j min(w_j, r_jk), then divided by its sum so that the
  membership vector sums to 1 (the raw vector is kept in ``raw_membership``);
  ``"product_max"`` (M(., or)): b_k = max_j w_j r_jk; ``"min_bounded_sum"`` (M(and, bounded sum)):
  b_k = min(1, sum_j min(w_j, r_jk)); both divided by their sum like ``max_min``. The three operators
  besides the weighted average are the ones of Wang Peizhuang's fuzzy comprehensive evaluation
  (汪培庄《模糊集合论及其应用》, 1983) found in Chinese textbooks. ``normalize=False`` keeps the raw vector as
  the membership (the unnormalised B that textbook worked examples print); the grade and the score then
  come from it.
- Grade = the grade of largest membership (maximum-membership principle); on a tie the grade listed
  first wins, so list grades in a deliberate order (e.g. best first).
- With ``grade_values`` (one number per grade, higher = better, e.g. 95/85/75/60) the score is
  sum_k b_k * value_k and units are ranked by it (1 = best, ties share the best rank "1224");
  without them ``scores`` and ``rank`` are None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, DefinitionError, Problem

from .arrays import as_float_array, as_weights, check_choice, competition_rank, readonly, result_to_dict

__all__ = ["FUZZY_OPERATORS", "FuzzyResult", "fuzzy_evaluation", "membership_matrix"]

FUZZY_OPERATORS = ("weighted_average", "max_min", "product_max", "min_bounded_sum")


@attrs.frozen(eq=False)
class FuzzyResult:
    """Membership over grades per unit, the chosen grade, and the score from grade values."""

    membership: np.ndarray
    raw_membership: np.ndarray
    grade_index: np.ndarray
    grade: tuple[str, ...] | None
    scores: np.ndarray | None
    rank: np.ndarray | None
    operator: str
    normalized: bool = True

    def to_dict(self) -> dict:
        return result_to_dict(self, method="fuzzy_evaluation")


def membership_matrix(ballots: Any) -> np.ndarray:
    """R from ballot counts: each criterion's row divided by its total, shape kept (2-D or 3-D).

    DataError for negative or non-finite counts and for a criterion with no ballots at all.
    """
    B = as_float_array(ballots, "ballots", (2, 3), DataError)
    axes = ("criterion", "grade") if B.ndim == 2 else ("unit", "criterion", "grade")
    problems = []
    for idx in np.argwhere(B < 0)[:10]:
        where = ", ".join(f"{a} {i}" for a, i in zip(axes, idx))
        problems.append(Problem(f"ballots has a negative count at {where} (counted from 0)", path=f"ballots[{', '.join(map(str, idx))}]", expected="a count >= 0", found=repr(float(B[tuple(idx)]))))
    totals = B.sum(axis=-1)
    for idx in np.argwhere(totals <= 0)[:10]:
        where = ", ".join(f"{a} {i}" for a, i in zip(axes, idx))
        problems.append(Problem(f"ballots has no votes for {where} (counted from 0)", path=f"ballots[{', '.join(map(str, idx))}]", expected="at least one ballot for every criterion", found="none"))
    if problems:
        raise DataError(problems)
    return B / totals[..., None]


def fuzzy_evaluation(
    weights: Any,
    ballots: Any,
    grade_values: Any = None,
    grades: Sequence[str] | None = None,
    operator: str = "weighted_average",
    normalize: bool = True,
) -> FuzzyResult:
    """B = W o R for every unit, the grade of largest membership and (with grade values) a score.

    ``weights``: one per criterion, >= 0, sum 1. ``ballots``: counts, shape (n_criteria, n_grades) or
    (n_units, n_criteria, n_grades). ``grades``: names of the grades (optional). See module conventions.
    """
    check_choice(operator, FUZZY_OPERATORS, "operator")
    R = membership_matrix(ballots)
    if R.ndim == 2:
        R = R[None, :, :]
    _, n_criteria, n_grades = R.shape
    w = as_weights(weights, n_criteria)
    if operator == "weighted_average":
        raw = np.einsum("j,ujk->uk", w, R)
        membership = raw.copy()
    else:
        if operator == "max_min":
            raw = np.minimum(w[None, :, None], R).max(axis=1)
        elif operator == "product_max":
            raw = (w[None, :, None] * R).max(axis=1)
        else:
            raw = np.minimum(1.0, np.minimum(w[None, :, None], R).sum(axis=1))
        membership = raw / raw.sum(axis=1, keepdims=True) if normalize else raw.copy()
    grade_index = np.argmax(membership, axis=1)
    grade_labels: tuple[str, ...] | None = None
    if grades is not None:
        names = tuple(grades)
        if len(names) != n_grades or not all(isinstance(g, str) for g in names):
            raise DefinitionError(Problem("grades do not match the ballots", path="grades", expected=f"{n_grades} grade names", found=f"{len(names)} items"))
        grade_labels = tuple(names[k] for k in grade_index.tolist())
    scores = rank = None
    if grade_values is not None:
        values = as_float_array(grade_values, "grade_values", 1, DefinitionError, axes=("grade",))
        if values.shape[0] != n_grades:
            raise DefinitionError(Problem("grade_values do not match the ballots", path="grade_values", expected=f"one value per grade ({n_grades})", found=str(values.shape[0])))
        scores = readonly(membership @ values)
        rank = readonly(competition_rank(scores))
    return FuzzyResult(
        membership=readonly(membership),
        raw_membership=readonly(raw),
        grade_index=readonly(grade_index.astype(np.int64)),
        grade=grade_labels,
        scores=scores,
        rank=rank,
        operator=operator,
        normalized=bool(normalize) or operator == "weighted_average",
    )
