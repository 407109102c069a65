"""Weight sensitivity (权重敏感性分析) and rank reversal (排序逆转) as numpy functions on arrays.

How robust are a ranking and its grades to the weights? Draw many weight vectors around the declared
ones, recompute every unit's total for each draw, and count how often each unit lands on each rank and
grade. The rules are never run again: a unit's score on each weighted node (a top-level dimension, or
every item when every sibling group is perturbed) is taken as a fraction of that node's declared share,
and the totals of a batch of weight draws are one matrix product.

Conventions:

- Sampling (:func:`sample_weights`), per sibling group with declared weights ``base`` (>= 0, sum 1):
  ``dirichlet``: w ~ Dirichlet(concentration x base), mean ``base``, variance
  base (1 - base) / (concentration + 1); ``concentration=inf`` gives ``base`` itself.
  ``percent``: each weight is multiplied by 1 + u, u uniform in [-percent %, +percent %], then the
  vector is divided by its sum (so a weight can move by a little more than percent % relative).
  A weight of 0 stays 0 in both modes. The generator is ``numpy.random.default_rng(seed)``; draws are
  taken group by group in the order of :func:`groups_of`, so a seed gives the same draws every run.
- Totals (:func:`perturbed_totals`): ``values[i, j]`` is unit i's score on leaf j as a fraction of the
  leaf's share (0..1). A group's value is sum_j w_j a_ij v_ij / sum_j w_j a_ij, where ``available`` a_ij
  says whether leaf j counts for unit i (an item dropped by the ``reweight`` missing-data policy does
  not; its weight goes to its available siblings, as the engine does). The total is ``scale`` times the
  root group's value. With the declared weights this gives back the declared totals.
- Then, as the engine does: ``offset`` (bonus minus deductions) is added, ``zeroed`` units get 0,
  totals below 0 become 0, and totals are rounded once with the scorecard's declared rounding. Item and
  dimension scores are not rounded again under perturbed weights.
- Ranks per draw: 1 is the best; tie rules ``min`` ("1224", default), ``dense`` ("1223") or ``ordinal``
  (ties broken by ``tie_order``, the unit-id order for scorecards), as :mod:`evalkit.scoring.ranking`.
- Grades per draw from band minimums (highest band first; a total reaches a band when total >= min;
  below every band is "no grade"), then grade caps (a grade no better than the cap) and forced grades
  (gates and grade vetoes, which do not depend on the weights). A scorecard's draws are graded by the
  engine's own grading path (:func:`evalkit.scoring.engine.grade_totals`): bands, then the gates and
  grade vetoes the run hit, then the grade quotas on the draw's totals, exactly as a run grades.
- Rank percentiles are order statistics (numpy's ``method="inverted_cdf"``): the p-th percentile is the
  smallest rank r with at least p % of the draws at r or better, so it is a rank the unit really took.
  The median is the 50th percentile by the same rule.
- Grade probabilities are shares of the draws (they sum to 1 per unit); the modal grade is the most
  frequent one (ties: the better grade); a unit is *fragile* when its modal grade's probability is
  below ``fragile_threshold`` (default 0.9).
- Memory: draws are processed in batches (``batch_size`` draws at a time, by default as many as fit in
  about 500,000 unit-draw cells, 4 MB of float64 totals; small batches stay in cache and run faster
  than all draws at once), and every unit's rank in every draw is kept for the percentiles in the
  smallest unsigned integer type that holds the number of units: 2 bytes per cell up to 65,535 units
  (20 MB for 10,000 units x 1,000 draws), 4 bytes above.

Rank reversal (:func:`rank_reversals`): remove one unit, rank the others again, and list the pairs of
remaining units whose order flips (i strictly ahead of j before and strictly behind after; a pair
becoming tied or untied is not a reversal). A weighted sum of scores that do not depend on the other
units (an evalkit scorecard whose rules score each unit on its own values) cannot reverse; methods that
normalise by the group (TOPSIS, VIKOR, SAW with min-max, grey relational) can.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.errors import DataError, DefinitionError, Problem, UsageError, describe
from evalkit.io.data import DataSet, Units
from evalkit.methods.arrays import as_float_array, as_weights, check_choice, readonly
from evalkit.methods.reversal import Reversal, ReversalCheck, rank_reversals, removal_indices
from evalkit.scoring.rounding import round_array

if TYPE_CHECKING:
    from evalkit.definition.model import Scorecard
    from evalkit.scoring.evaluation import Evaluation

__all__ = [
    "REVERSAL_NOTE",
    "SAMPLING_MODES",
    "TIE_RULES",
    "Group",
    "Reversal",
    "ReversalCheck",
    "ScorecardWeights",
    "SensitivityReport",
    "SensitivityResult",
    "SensitivitySettings",
    "batch_grades",
    "batch_ranks",
    "groups_of",
    "perturbed_totals",
    "rank_reversals",
    "sample_weights",
    "scorecard_sensitivity",
    "scorecard_weights",
    "sensitivity_of",
    "sensitivity_settings",
    "weight_sensitivity",
    "without_units",
]

SAMPLING_MODES = ("dirichlet", "percent")
TIE_RULES = ("min", "dense", "ordinal")
PERCENTILES = (5, 50, 95)
_BATCH_CELLS = 500_000  # units x draws per batch: 4 MB of float64 totals (smaller batches stay in cache)


# --------------------------------------------------------------------------------------------------
# Weight trees and sampling


@attrs.frozen(eq=False)
class Group:
    """A sibling group: children are leaf columns (int) or nested Groups; ``base`` their declared weights."""

    children: tuple
    base: np.ndarray
    name: str = ""
    labels: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if len(self.children) != len(self.base) or len(self.children) == 0:
            raise DefinitionError(Problem("a weight group needs one weight per child", path=self.name or "group",
                                          expected=f"{len(self.children)} weights", found=str(len(self.base))))


def groups_of(tree: Group) -> list[Group]:
    """Every group of `tree`, depth first, parents before children: the order of the weight draws."""
    out = [tree]
    for child in tree.children:
        if isinstance(child, Group):
            out.extend(groups_of(child))
    return out


def _leaves(tree: Group) -> list[int]:
    found = []
    for child in tree.children:
        found.extend(_leaves(child) if isinstance(child, Group) else [int(child)])
    return found


def _rng(seed: Any) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def check_samples(samples: int) -> None:
    """Refuse more draws than the limit (EVALKIT_MAX_SAMPLES) before any memory is taken for them."""
    from evalkit.io.limits import limits, over_limit

    most = limits().samples
    if samples > most:
        raise UsageError(over_limit("the number of samples", f"{samples:,}", f"{most:,}", "EVALKIT_MAX_SAMPLES"))


def sample_weights(base: Any, samples: int, mode: str = "dirichlet", *, concentration: float = 200.0,
                   percent: float = 10.0, seed: Any = None) -> np.ndarray:
    """`samples` weight vectors (rows, each summing to 1) around `base`; see the module conventions.

    `seed` is an int, None or a numpy Generator (passed on, so several groups can share one stream).
    """
    check_choice(mode, SAMPLING_MODES, "mode")
    first = as_float_array(base, "base weights", 1, DefinitionError, axes=("criterion",))
    w = as_weights(first, first.shape[0], name="base weights")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise DefinitionError(Problem("the number of samples must be a whole number >= 1", path="samples",
                                      expected="1 or more", found=describe(samples)))
    check_samples(int(samples))
    rng = _rng(seed)
    k = w.shape[0]
    if mode == "dirichlet":
        ok = isinstance(concentration, (int, float, np.integer, np.floating)) and not isinstance(concentration, bool) \
            and concentration > 0
        if not ok:
            raise DefinitionError(Problem("the Dirichlet concentration must be a number > 0", path="concentration",
                                          expected="a number > 0 (larger is tighter; inf means no perturbation)",
                                          found=describe(concentration)))
        out = np.zeros((samples, k))
        positive = w > 0
        if math.isinf(concentration) or positive.sum() == 1:
            out[:, positive] = w[positive]
        else:
            out[:, positive] = rng.dirichlet(float(concentration) * w[positive], size=samples)
        return out
    ok = isinstance(percent, (int, float, np.integer, np.floating)) and not isinstance(percent, bool) \
        and math.isfinite(percent) and 0 <= percent < 100
    if not ok:
        raise DefinitionError(Problem("the perturbation must be a percentage from 0 to below 100", path="percent",
                                      expected="a number in [0, 100)", found=describe(percent)))
    out = rng.uniform(-float(percent) / 100.0, float(percent) / 100.0, size=(samples, k))
    out += 1.0
    out *= w
    out /= out.sum(axis=1, keepdims=True)
    return out


# --------------------------------------------------------------------------------------------------
# One batch of draws: totals, ranks, grades


def _check_values(values: Any, available: Any) -> tuple[np.ndarray, np.ndarray | None]:
    V = as_float_array(values, "values", 2, DataError, axes=("unit", "leaf"))
    if available is None:
        return V, None
    A = np.asarray(available, dtype=bool)
    if A.shape != V.shape:
        raise DataError(Problem("available must have the shape of values", path="available",
                                expected=f"shape {V.shape}", found=f"shape {A.shape}"))
    return V, (None if A.all() else A)


def _tree_and_weights(tree: Group | None, weights: Any, k: int) -> tuple[Group, list[np.ndarray]]:
    if tree is None:
        W = np.asarray(weights, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != k:
            raise DefinitionError(Problem("weights must hold one row per draw and one column per leaf", path="weights",
                                          expected=f"shape (draws, {k})", found=f"shape {W.shape}"))
        return Group(children=tuple(range(k)), base=np.full(k, 1.0 / k)), [W]
    groups = groups_of(tree)
    if isinstance(weights, np.ndarray) or len(weights) != len(groups):
        raise DefinitionError(Problem("a tree needs one array of weight draws per group", path="weights",
                                      expected=f"{len(groups)} arrays (groups_of order)",
                                      found=f"shape {weights.shape}" if isinstance(weights, np.ndarray) else str(len(weights))))
    out = []
    draws = None
    for g, W in zip(groups, weights):
        W = np.asarray(W, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != len(g.children) or (draws is not None and W.shape[0] != draws):
            raise DefinitionError(Problem("weight draws do not fit their group", path=f"weights ({g.name or 'group'})",
                                          expected=f"shape ({draws if draws is not None else 'draws'}, {len(g.children)})",
                                          found=f"shape {W.shape}"))
        draws = W.shape[0]
        out.append(W)
    leaves = _leaves(tree)
    if sorted(leaves) != list(range(k)):
        raise DefinitionError(Problem("the tree's leaves must be the columns of values, each once", path="tree",
                                      expected=f"columns 0..{k - 1}", found=str(sorted(leaves))))
    return tree, out


def perturbed_totals(values: Any, weights: Any, *, tree: Group | None = None, available: Any = None,
                     scale: float = 1.0) -> np.ndarray:
    """Totals (draws, units) for weight draws; see the module conventions.

    `values` (units, leaves): each leaf score as a fraction of the leaf's share. Without `tree`,
    `weights` is (draws, leaves) and the totals are ``scale * weights @ values.T`` (with the per-unit
    re-normalisation where `available` is False). With `tree`, `weights` is a list of (draws, children)
    arrays in :func:`groups_of` order.
    """
    V, A = _check_values(values, available)
    tree, draws = _tree_and_weights(tree, weights, V.shape[1])
    return _totals(V, A, tree, draws, float(scale))


def _totals(V: np.ndarray, A: np.ndarray | None, tree: Group, draws: list[np.ndarray], scale: float,
            cache: dict | None = None) -> np.ndarray:
    """Totals of one batch of draws; `cache` keeps each leaf group's matrices from batch to batch."""
    position = {id(g): k for k, g in enumerate(groups_of(tree))}
    cache = {} if cache is None else cache

    def leaf_matrices(group: Group) -> tuple:
        """(values, None, None) when every leaf counts for every unit, else (values x available, available,
        unit has some leaf); each transposed to (leaves, units) and contiguous for the matrix product."""
        if id(group) not in cache:
            cols = list(group.children)
            Vg = V[:, cols]
            if A is None or A[:, cols].all():
                cache[id(group)] = (np.ascontiguousarray(Vg.T), None, None)
            else:
                Ag = A[:, cols].astype(np.float64)
                cache[id(group)] = (np.ascontiguousarray((Vg * Ag).T), np.ascontiguousarray(Ag.T), Ag.any(axis=1))
        return cache[id(group)]

    def value_of(group: Group) -> tuple[np.ndarray, np.ndarray | None]:
        W = draws[position[id(group)]]
        if all(not isinstance(c, Group) for c in group.children):
            numerator, weight_of, some = leaf_matrices(group)
            if weight_of is None:
                return W @ numerator, None
            return _ratio(W @ numerator, W @ weight_of), some
        # Children are added one at a time so that at most one child's (draws, units) array is alive.
        num = np.zeros((W.shape[0], V.shape[0]))
        den: np.ndarray | None = None  # the sum of the available children's weights; None while every child counted fully
        any_available: np.ndarray | None = None  # per unit: some child counts (None: every child counts for every unit)
        for c, child in enumerate(group.children):
            if isinstance(child, Group):
                v, a = value_of(child)
            else:
                v, a = V[:, child], (None if A is None or A[:, child].all() else A[:, child])
            w = W[:, c:c + 1]
            num += w * (v if a is None else v * a)
            if a is not None and den is None:
                den = np.repeat(W[:, :c].sum(axis=1, keepdims=True), V.shape[0], axis=1)
                any_available = np.full(V.shape[0], c > 0)  # children before c counted for everyone
            if den is not None and any_available is not None:
                den += w if a is None else w * a
                any_available |= True if a is None else a
        if den is None:
            return num, None
        return _ratio(num, den), any_available

    value, some = value_of(tree)
    if scale != 1.0:
        value *= scale
    if some is not None and not some.all():
        value[:, ~some] = np.nan  # nothing to score: no total, as in the run (evalkit.scoring.engine)
    return value


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def batch_ranks(totals: Any, ties: str = "min", *, tie_order: Any = None, higher_is_better: bool = True) -> np.ndarray:
    """Ranks (draws, units) of every row of `totals`, 1 = best, by the tie rule (see the conventions).

    `tie_order` (a permutation of the units) breaks ties under ``ordinal``: earlier in it ranks first.
    """
    check_choice(ties, TIE_RULES, "ties")
    T = np.asarray(totals, dtype=np.float64)
    if T.ndim != 2:
        raise DataError(Problem("totals must be a 2-D array (draws, units)", path="totals", found=f"shape {T.shape}"))
    B, n = T.shape
    key = np.negative(T) if higher_is_better else T.copy()
    key[np.isnan(key)] = np.inf  # a unit without a total ranks last, tied with any other without one
    perm = None
    if ties == "ordinal" and tie_order is not None:
        perm = np.asarray(tie_order, dtype=np.intp)
        key = key[:, perm]
    ranks = np.empty((B, n), dtype=np.int64)
    if n == 0:
        return ranks
    order = np.argsort(key, axis=1, kind="stable" if ties == "ordinal" else None)
    positions = np.arange(1, n + 1, dtype=np.int64)
    if ties == "ordinal":
        place = np.broadcast_to(positions, (B, n))
    else:
        sorted_key = np.take_along_axis(key, order, axis=1)
        new = np.empty((B, n), dtype=bool)
        new[:, 0] = True
        np.not_equal(sorted_key[:, 1:], sorted_key[:, :-1], out=new[:, 1:])
        if ties == "min":
            place = np.where(new, positions, 0)
            np.maximum.accumulate(place, axis=1, out=place)
        else:
            place = np.cumsum(new, axis=1, dtype=np.int64)
    np.put_along_axis(ranks, order, place, axis=1)
    if perm is not None:
        out = np.empty_like(ranks)
        out[:, perm] = ranks
        return out
    return ranks


def batch_grades(totals: Any, band_mins: Any, *, caps: Any = None, forced: Any = None) -> np.ndarray:
    """Grade index per cell of `totals` (0 = the highest band; -1 = below every band).

    `band_mins` are the bands' minimums, highest band first (strictly decreasing). `caps` (per unit,
    -1 for none): the grade can be no better than this index. `forced` (per unit, -1 for none): the
    grade is this index whatever the total.
    """
    T = np.asarray(totals, dtype=np.float64)
    mins = np.asarray(band_mins, dtype=np.float64)
    if mins.ndim != 1 or mins.size == 0 or np.any(np.diff(mins) >= 0):
        raise DefinitionError(Problem("band minimums must be strictly decreasing, highest band first", path="band_mins",
                                      expected="e.g. [90, 80, 60, 0]", found=describe(mins.tolist())))
    reached = np.searchsorted(mins[::-1], T, side="right")
    grades = mins.size - reached
    grades[reached == 0] = -1
    if caps is not None:
        np.maximum(grades, np.asarray(caps, dtype=np.int64), out=grades)
    if forced is not None:
        forced = np.asarray(forced, dtype=np.int64)
        grades = np.where(forced >= 0, forced, grades)
    return grades


# --------------------------------------------------------------------------------------------------
# Many draws: rank ranges and grade probabilities


@attrs.frozen(eq=False)
class SensitivityResult:
    """Per unit (arrays aligned with the units): rank range and percentiles, total range, grade odds.

    ``grade_probability`` is (units, bands + 1): one column per band (highest first) and a last column
    for "no grade"; it is None when no bands were given (and so are the modal grade and fragility).
    ``modal_grade`` is a band index, -1 for "no grade".
    """

    samples: int
    rank_min: np.ndarray
    rank_max: np.ndarray
    rank_p05: np.ndarray
    rank_median: np.ndarray
    rank_p95: np.ndarray
    total_min: np.ndarray
    total_max: np.ndarray
    grade_probability: np.ndarray | None
    modal_grade: np.ndarray | None
    modal_probability: np.ndarray | None
    fragile: np.ndarray | None
    fragile_threshold: float


def _order_statistic_index(p: int, samples: int) -> int:
    """0-based index of the p-th percentile (inverted CDF): the ceil(p * S / 100)-th smallest value."""
    return max(-(-p * samples // 100) - 1, 0)


def weight_sensitivity(
    values: Any,
    weights: Any,
    *,
    tree: Group | None = None,
    available: Any = None,
    scale: float = 1.0,
    offset: Any = None,
    zeroed: Any = None,
    decimals: int | None = 2,
    rounding_mode: str = "half_up",
    band_mins: Any = None,
    caps: Any = None,
    forced: Any = None,
    ties: str = "min",
    tie_order: Any = None,
    fragile_threshold: float = 0.9,
    batch_size: int | None = None,
    grader: Callable[[np.ndarray], np.ndarray] | None = None,
) -> SensitivityResult:
    """Rank range, rank percentiles and grade probabilities of every unit over all weight draws.

    `values`, `weights`, `tree`, `available`, `scale`: as :func:`perturbed_totals` (the draws are the
    rows of `weights`, or of each group's array). `offset` (per unit) is added to every total and
    `zeroed` units get 0; totals are clipped at 0 and rounded to `decimals` (None: not rounded) by
    `rounding_mode`. `band_mins`, `caps`, `forced`: as :func:`batch_grades` (None: no grades).
    `ties`, `tie_order`: as :func:`batch_ranks`. `grader` (one draw's totals, shape (units,) -> grade
    index per unit) replaces :func:`batch_grades` (with `band_mins` still giving the number of bands):
    a scorecard passes the engine's own grading path, quotas included. See the module docstring.
    """
    check_choice(ties, TIE_RULES, "ties")
    V, A = _check_values(values, available)
    tree, draws = _tree_and_weights(tree, weights, V.shape[1])
    n = V.shape[0]
    S = draws[0].shape[0]
    if S < 1 or n < 1:
        raise DataError(Problem("nothing to analyse", path="values", expected="at least one unit and one draw",
                                found=f"{n} units, {S} draws"))
    ok = isinstance(fragile_threshold, (int, float, np.integer, np.floating)) and not isinstance(fragile_threshold, bool) \
        and 0 < fragile_threshold <= 1
    if not ok:
        raise DefinitionError(Problem("the fragility threshold must be a probability", path="fragile_threshold",
                                      expected="a number in (0, 1]", found=describe(fragile_threshold)))
    off = None if offset is None else as_float_array(offset, "offset", 1, DataError).reshape(1, n)
    zero = None if zeroed is None or not np.any(zeroed) else np.asarray(zeroed, dtype=bool).reshape(1, n)
    graded = band_mins is not None
    n_bands = len(band_mins) if graded else 0
    if batch_size is None:
        batch_size = max(1, _BATCH_CELLS // max(n, 1))
    batch_size = int(min(max(batch_size, 1), S))

    rank_dtype = np.uint16 if n < 2**16 else np.uint32
    ranks_all = np.empty((n, S), dtype=rank_dtype)  # unit-major: each unit's draws are contiguous
    total_min = np.full(n, np.inf)
    total_max = np.full(n, -np.inf)
    counts = np.zeros((n, n_bands + 1), dtype=np.int64) if graded else None
    cache: dict = {}
    for start in range(0, S, batch_size):
        stop = min(start + batch_size, S)
        totals = _totals(V, A, tree, [W[start:stop] for W in draws], float(scale), cache)
        if off is not None:
            totals += off
        if zero is not None:
            totals[np.broadcast_to(zero, totals.shape)] = 0.0
        np.maximum(totals, 0.0, out=totals)
        if decimals is not None:
            totals = round_array(totals, decimals, rounding_mode)
        np.minimum(total_min, totals.min(axis=0), out=total_min)
        np.maximum(total_max, totals.max(axis=0), out=total_max)
        ranks_all[:, start:stop] = batch_ranks(totals, ties, tie_order=tie_order).T
        if counts is not None:
            if grader is None:
                grades = batch_grades(totals, band_mins, caps=caps, forced=forced)
            else:
                grades = np.stack([grader(row) for row in totals])
            for g in range(n_bands):
                counts[:, g] += np.count_nonzero(grades == g, axis=0)
            counts[:, n_bands] += np.count_nonzero(grades < 0, axis=0)
        del totals

    rank_min = ranks_all.min(axis=1).astype(np.int64)
    rank_max = ranks_all.max(axis=1).astype(np.int64)
    kth = sorted({_order_statistic_index(p, S) for p in PERCENTILES})
    ranks_all.partition(kth, axis=1)  # in place: no copy of the (units, draws) array
    pct = {p: ranks_all[:, _order_statistic_index(p, S)].astype(np.int64) for p in PERCENTILES}
    del ranks_all

    probability = modal = modal_p = fragile = None
    if counts is not None:
        probability = counts / S
        column = np.argmax(counts, axis=1)  # first maximum: the better grade wins a tie
        modal_p = probability[np.arange(n), column]
        modal = np.where(column == n_bands, -1, column).astype(np.int64)
        fragile = modal_p < fragile_threshold
    return SensitivityResult(
        samples=S,
        rank_min=readonly(rank_min), rank_max=readonly(rank_max),
        rank_p05=readonly(pct[5]), rank_median=readonly(pct[50]), rank_p95=readonly(pct[95]),
        total_min=readonly(total_min), total_max=readonly(total_max),
        grade_probability=None if probability is None else readonly(probability),
        modal_grade=None if modal is None else readonly(modal),
        modal_probability=None if modal_p is None else readonly(modal_p),
        fragile=None if fragile is None else readonly(fragile),
        fragile_threshold=float(fragile_threshold),
    )


# --------------------------------------------------------------------------------------------------
# From an evalkit Evaluation


@attrs.frozen(eq=False)
class ScorecardWeights:
    """What :func:`weight_sensitivity` needs from a scored scorecard (see :func:`scorecard_weights`)."""

    values: np.ndarray
    available: np.ndarray | None
    tree: Group
    scale: float
    offset: np.ndarray | None
    zeroed: np.ndarray | None
    band_mins: np.ndarray | None
    caps: np.ndarray | None
    forced: np.ndarray | None
    decimals: int
    rounding_mode: str
    ties: str
    tie_order: np.ndarray
    leaves: tuple[str, ...]
    grader: Callable[[np.ndarray], np.ndarray] | None = None

    def base_weights(self) -> dict[str, dict[str, float]]:
        """Declared weights of every perturbed group: {group name: {child id: weight}}."""
        return {g.name: dict(zip(g.labels, g.base.tolist())) for g in groups_of(self.tree)}


def scorecard_weights(evaluation: Any, level: str = "top") -> ScorecardWeights:
    """Leaf fractions, availability, weight tree, adjustments and grade rules of an Evaluation.

    ``level="top"``: the leaves are the scorecard's top-level nodes, one group (named ``"(top)"``);
    ``level="all"``: the leaves are the items and every sibling group is perturbed (groups named by
    their parent's id). A leaf's value for a unit is its contribution (the items' ``score``) divided by
    its share for that unit (the items' ``share``); a share of 0 (every item under it dropped by the
    ``reweight`` policy) makes the leaf unavailable for that unit.
    """
    from evalkit.definition.model import Item
    from evalkit.scoring.grading import NO_GRADE

    check_choice(level, ("top", "all"), "level")
    sc = evaluation.scorecard
    n = len(evaluation.units)

    def items_under(node: Any) -> list:
        if isinstance(node, Item):
            return [node]
        return [leaf for child in node.children for leaf in items_under(child)]

    def contribution(nodes: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        score = np.zeros(n)
        share = np.zeros(n)
        for item in nodes:
            r = evaluation.items[item.id]
            score += r.score
            share += r.share
        return score, share

    def amounts(nodes: Sequence[Any]) -> np.ndarray:
        a = np.array([c.weight if c.weight is not None else c.max_points for c in nodes], dtype=np.float64)
        return a / a.sum()

    if level == "top":
        leaves = list(sc.dimensions)
        parts = [contribution(items_under(node)) for node in leaves]
        tree = Group(children=tuple(range(len(leaves))), base=amounts(leaves), name="(top)",
                     labels=tuple(node.id for node in leaves))
    else:
        leaves = sc.items()
        parts = [contribution([item]) for item in leaves]
        column = {item.id: k for k, item in enumerate(leaves)}

        def build(nodes: Sequence[Any], name: str) -> Group:
            children = tuple(column[c.id] if isinstance(c, Item) else build(c.children, c.id) for c in nodes)
            return Group(children=children, base=amounts(nodes), name=name, labels=tuple(c.id for c in nodes))

        tree = build(sc.dimensions, "(top)")
    score = np.column_stack([p[0] for p in parts])
    share = np.column_stack([p[1] for p in parts])
    available = share > 0
    values = _ratio(score, share)

    offset = zeroed = None
    adj = evaluation.adjusted
    if adj is not None:
        offset = np.asarray(adj.bonus, dtype=np.float64) - np.asarray(adj.deduction, dtype=np.float64)
        zeroed = np.zeros(n, dtype=bool)
        for veto in sc.vetoes:
            if veto.effect == "deduct":
                offset = offset - np.where(adj.veto_masks[veto.id], veto.points or 0.0, 0.0)
            elif veto.effect == "zero":
                zeroed |= adj.veto_masks[veto.id]
    band_mins = caps = forced = None
    if sc.grading is not None and sc.grading.bands:
        band_mins = np.array([b.min for b in sc.grading.bands], dtype=np.float64)
        caps = np.full(n, NO_GRADE, dtype=np.int64)
        forced = np.full(n, NO_GRADE, dtype=np.int64)
        rules = [(gate, f"gate:{gate.id}") for gate in sc.gates]
        rules += [(veto, f"veto:{veto.id}") for veto in sc.vetoes if veto.effect in ("force_grade", "cap_grade")]
        for rule, key in rules:
            hit = evaluation.grade_masks.get(key)
            if hit is None:
                continue
            target = forced if rule.effect == "force_grade" else caps
            target[hit] = np.maximum(target[hit], sc.band_index(rule.grade))
    ids = np.asarray(evaluation.units.ids, dtype=object).astype(str)
    return ScorecardWeights(
        values=values, available=None if available.all() else available, tree=tree, scale=float(sc.total_points),
        offset=offset, zeroed=zeroed, band_mins=band_mins, caps=caps, forced=forced,
        decimals=sc.rounding_decimals, rounding_mode=sc.rounding_mode, ties=sc.ties,
        tie_order=np.argsort(ids, kind="stable"), leaves=tuple(node.id for node in leaves),
        grader=None if band_mins is None else _run_grader(evaluation),
    )


def _run_grader(evaluation: Any) -> Callable[[np.ndarray], np.ndarray]:
    """One draw's totals -> grades by the engine's grading path (bands, gates and grade vetoes as hit in
    the run, then quotas on the draw's totals)."""
    from evalkit.scoring.engine import grade_totals

    sc, units, hits = evaluation.scorecard, evaluation.units, evaluation.grade_masks

    def grade(totals: np.ndarray) -> np.ndarray:
        return grade_totals(totals, sc, units, {}, {}, hits=hits)[1]

    return grade


def scorecard_sensitivity(evaluation: Any, samples: int = 1000, seed: Any = 1, *, mode: str = "dirichlet",
                          concentration: float = 200.0, percent: float = 10.0, level: str = "top",
                          fragile_threshold: float = 0.9, batch_size: int | None = None,
                          prepared: ScorecardWeights | None = None) -> SensitivityResult:
    """Weight sensitivity of a scored scorecard: draw weights around the declared ones and re-total.

    Draws are taken per group in :func:`groups_of` order from ``numpy.random.default_rng(seed)``.
    """
    if isinstance(samples, int) and not isinstance(samples, bool):
        check_samples(samples)
    sw = prepared if prepared is not None else scorecard_weights(evaluation, level)
    rng = _rng(seed)
    draws = [sample_weights(g.base, samples, mode, concentration=concentration, percent=percent, seed=rng)
             for g in groups_of(sw.tree)]
    return weight_sensitivity(
        sw.values, draws, tree=sw.tree, available=sw.available, scale=sw.scale, offset=sw.offset, zeroed=sw.zeroed,
        decimals=sw.decimals, rounding_mode=sw.rounding_mode, band_mins=sw.band_mins, caps=sw.caps, forced=sw.forced,
        ties=sw.ties, tie_order=sw.tie_order, fragile_threshold=fragile_threshold, batch_size=batch_size,
        grader=sw.grader,
    )


# --------------------------------------------------------------------------------------------------
# `evalkit sensitivity` as a library call: the report of a scorecard's weight sensitivity


REVERSAL_NOTE = {
    "zh": "考核表按加权求和计分：去掉一个单位不改变其他单位的得分（只要规则只按本单位的数据计分），其他单位的相对顺序不会逆转；"
          "用 --remove UNIT 可去掉该单位重新计分核验。",
    "en": "The scorecard adds up weighted points: removing a unit changes no other unit's total (as long as no rule "
          "scores a unit against the others), so the order of the other units cannot reverse; --remove UNIT re-scores "
          "without that unit to check.",
}


@attrs.frozen
class SensitivitySettings:
    """How weights are drawn: `samples` draws from `seed`, in `mode`, for the `level` of the tree."""

    samples: int = 1000
    seed: int = 1
    mode: str = "dirichlet"
    concentration: float = 200.0
    percent: float = 10.0
    level: str = "top"
    fragile_threshold: float = 0.9

    def to_dict(self) -> dict[str, Any]:
        """The settings as the report's JSON shows them (only the figure of the mode used)."""
        out: dict[str, Any] = {"samples": self.samples, "seed": self.seed, "mode": self.mode, "level": self.level,
                               "fragile_threshold": self.fragile_threshold}
        if self.mode == "dirichlet":
            out["concentration"] = self.concentration if math.isfinite(self.concentration) else "inf"  # JSON has no infinity
        else:
            out["percent"] = self.percent
        return out


def sensitivity_settings(samples: int = 1000, seed: int = 1, mode: str = "dirichlet", concentration: float | None = None,
                         percent: float | None = None, level: str = "top", fragile_threshold: float = 0.9) -> SensitivitySettings:
    """Checked settings: a concentration only for the Dirichlet mode, a percent only for the percent mode."""
    check_choice(mode, SAMPLING_MODES, "mode")
    check_choice(level, ("top", "all"), "level")
    if mode == "dirichlet" and percent is not None:
        raise UsageError("--percent applies to --mode percent; the Dirichlet mode takes --concentration")
    if mode == "percent" and concentration is not None:
        raise UsageError("--concentration applies to --mode dirichlet; the percent mode takes --percent")
    if isinstance(samples, int) and not isinstance(samples, bool):
        check_samples(samples)  # before any scoring
    return SensitivitySettings(samples=samples, seed=seed, mode=mode,
                               concentration=200.0 if concentration is None else concentration,
                               percent=10.0 if percent is None else percent, level=level,
                               fragile_threshold=fragile_threshold)


def without_units(data: DataSet, keep: np.ndarray) -> DataSet:
    """The data set of the units at the indices `keep` only (a parent that is gone becomes no parent)."""
    u = data.units
    ids = tuple(u.ids[i] for i in keep)
    kept = set(ids)
    units = Units(ids=ids, names=tuple(u.names[i] for i in keep), types=tuple(u.types[i] for i in keep),
                  parents=tuple(u.parents[i] if u.parents[i] in kept else None for i in keep))
    return DataSet(units=units, columns={k: v[keep] for k, v in data.columns.items()}, period=data.period)


def _round_to(x: float, decimals: int) -> float:
    """A total as the scorecard publishes it (already rounded by the scorecard's rule; this only trims noise)."""
    return float(round_array(float(x), decimals))


def _total_or_none(x: float, decimals: int) -> float | None:
    """`_round_to`, or None for a unit with nothing to score (its total is null in the run too)."""
    return _round_to(x, decimals) if np.isfinite(x) else None


@attrs.frozen(eq=False)
class SensitivityReport:
    """The scored scorecard, the weights perturbed, every unit's rank range and grade odds, and the reversal check."""

    evaluation: Evaluation
    prepared: ScorecardWeights
    result: SensitivityResult
    settings: SensitivitySettings
    lang: str
    reversal: ReversalCheck | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `evalkit sensitivity --format json`: units in rank order."""
        evaluation, result, lang = self.evaluation, self.result, self.lang
        sc = evaluation.scorecard
        bands = sc.grading.bands if sc.grading else ()
        none_possible = bool(bands) and bool(bands[-1].min > 0 or sc.gates or sc.vetoes
                                             or not np.isfinite(evaluation.totals).all())
        grade_keys = [b.grade for b in bands] + (["no_grade"] if none_possible else [])
        units = []
        d = sc.rounding_decimals
        for i in evaluation.order().tolist():
            grade = evaluation.grade_of(i)
            row: dict[str, Any] = {
                "id": evaluation.units.ids[i], "name": evaluation.units.names[i], "rank": int(evaluation.ranks[i]),
                "total": _total_or_none(evaluation.totals[i], d), "grade": grade.grade if grade else None,
                "rank_min": int(result.rank_min[i]), "rank_max": int(result.rank_max[i]),
                "rank_p05": int(result.rank_p05[i]), "rank_median": int(result.rank_median[i]),
                "rank_p95": int(result.rank_p95[i]),
                "total_min": _total_or_none(result.total_min[i], d),
                "total_max": _total_or_none(result.total_max[i], d)}
            if result.grade_probability is not None and result.modal_grade is not None \
                    and result.modal_probability is not None and result.fragile is not None:
                probs = result.grade_probability[i]
                row["grade_probability"] = {key: float(probs[k]) for k, key in enumerate(grade_keys[:len(bands)])}
                if none_possible:
                    row["grade_probability"]["no_grade"] = float(probs[len(bands)])
                modal = int(result.modal_grade[i])
                row["modal_grade"] = bands[modal].grade if modal >= 0 else None
                row["modal_probability"] = float(result.modal_probability[i])
                row["fragile"] = bool(result.fragile[i])
            units.append(row)
        names = {node.id: node.name.text(lang) for node, _, _ in sc.walk()}
        weights = {g.name: dict(zip(g.labels, g.base.tolist())) for g in groups_of(self.prepared.tree)}
        reversal: dict[str, Any] = {"possible": False, "note": REVERSAL_NOTE[lang]}
        if self.reversal is not None:
            reversal["checked"] = self.reversal.to_dict(evaluation.units.ids)
        return {
            "scorecard": {"id": sc.id, "name": sc.name.to_dict(), "period": evaluation.period, "decimals": d},
            "settings": dict(self.settings.to_dict(), samples=result.samples, fragile_threshold=result.fragile_threshold),
            "weights": weights,
            "names": names,
            "grades": [{"grade": b.grade, "min": b.min, "label": b.label.to_dict()} for b in bands],
            "units": units,
            "fragile": [u["id"] for u in units if u.get("fragile")],
            "rank_reversal": reversal,
        }


def sensitivity_of(scorecard: Scorecard, data: DataSet, adjustments: Iterable[Any] = (),
                   settings: SensitivitySettings | None = None, *, remove: Sequence[str] = (),
                   units_source: str | None = None, lang: str | None = None) -> SensitivityReport:
    """Score `data` once, draw weights around the declared ones and report every unit's rank range and grade odds.

    `remove` names units to leave out and re-score without (adjustments are not applied then), reporting
    pairs of other units whose order changes. `lang` ("zh" or "en") words the names and the note; by
    default Chinese when the scorecard's name is. `units_source` names the units in an unknown-unit message.
    """
    from evalkit.scoring.adjustments import records_from
    from evalkit.scoring.engine import evaluate

    settings = settings or SensitivitySettings()
    targets = removal_indices(remove, data.units.ids, units_source or "the units")
    evaluation = evaluate(scorecard, data, scorecard.registry, records_from(adjustments, data.units.ids, scorecard))
    prepared = scorecard_weights(evaluation, settings.level)
    result = scorecard_sensitivity(evaluation, settings.samples, settings.seed, mode=settings.mode,
                                   concentration=settings.concentration, percent=settings.percent,
                                   fragile_threshold=settings.fragile_threshold, prepared=prepared)
    check = None
    if targets is not None:
        def rerank(keep: np.ndarray) -> np.ndarray:
            part = without_units(data, keep)
            return evaluate(scorecard, part, scorecard.registry, records_from((), part.units.ids, scorecard)).ranks

        check = rank_reversals(evaluation.ranks, rerank, remove=targets)
    if lang is None:
        lang = "zh" if scorecard.name.zh and not scorecard.name.zh.isascii() else "en"
    return SensitivityReport(evaluation=evaluation, prepared=prepared, result=result, settings=settings, lang=lang,
                             reversal=check)
