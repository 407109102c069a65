"""Grade quotas (名额比例): the most units a grade may hold, per peer group, with declared rounding and ties.

A quota says, for one grade, the largest share (or count) of a group's units that may hold it, e.g.
"excellent" for at most 20 % of the units of each type. The number of places is share x group size
rounded by the declared rule (`floor` by default, since a quota is a ceiling; `half_up` and `ceil`
are available). When more units hold the grade, those with the highest totals keep it and the others
move down to the next grade. At the cut, units with the same total are treated by the declared tie
rule:

- ``exclude`` (default): tied units at the cut all move down, so the grade never holds more than its
  places (it may hold fewer);
- ``include``: tied units at the cut all keep the grade, so it may hold more than its places;
- ``id``: ties are broken by unit id, so the grade holds exactly its places.

Quotas apply after gates and vetoes, in band order (best grade first), so units moved down by one
quota are counted by the next grade's quota. Each unit moved keeps the reason in its result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from evalkit.analysis.peers import group_codes
from evalkit.definition.model import Scorecard
from evalkit.scoring.grading import NO_GRADE
from evalkit.scoring.rounding import round_array

ROUNDING = ("floor", "half_up", "ceil")
TIES = ("exclude", "include", "id")


def places(share: float, group_size: int, rounding: str = "floor") -> int:
    """The number of places a quota gives a group of `group_size` units."""
    exact = share * group_size
    snapped = round_snap(exact)
    if rounding == "floor":
        return math.floor(snapped)
    if rounding == "ceil":
        return math.ceil(snapped)
    return math.floor(snapped + 0.5)


def round_snap(x: float) -> float:
    """Remove float noise (0.2 x 15 = 3.0000000000000004) before floor/ceil; 9 decimals are kept."""
    return float(round_array(x, 9))


def apply_quotas(grades: np.ndarray, totals: np.ndarray, unit_ids: Sequence[str], scorecard: Scorecard,
                 attribute: Callable[[str], Sequence[Any]]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Move units beyond each grade's quota down one grade at a time; return grades and who was moved.

    `attribute(name)` gives the per-unit values of a units attribute ("type", a units-file column)
    for quotas declared per group.
    """
    final = grades.copy()
    moved: dict[str, np.ndarray] = {}
    n = final.shape[0]
    ids = np.asarray(unit_ids, dtype=object).astype(str)
    by_grade = {q.grade: q for q in scorecard.quotas}
    bands = scorecard.grading.bands if scorecard.grading else ()
    for index, band in enumerate(bands):
        quota = by_grade.get(band.grade)
        if quota is None:
            continue
        groups = group_codes(None if quota.per == "all" else attribute(quota.per), n)
        mask = np.zeros(n, dtype=bool)
        sizes = np.bincount(groups)
        holders = np.flatnonzero(final == index)
        # Holders sorted once by group, then best total, then id; each group is a slice (no scan per group).
        holders = holders[np.lexsort((ids[holders], -totals[holders], groups[holders]))]
        bounds = np.searchsorted(groups[holders], np.arange(sizes.size + 1))
        for group in np.flatnonzero(np.diff(bounds)):
            order = holders[bounds[group]:bounds[group + 1]]
            if quota.count is not None:
                allowed = quota.count
            else:
                assert quota.share is not None  # the schema asks for share or count
                allowed = places(quota.share, int(sizes[group]), quota.rounding)
            if order.size <= allowed:
                continue
            keep = _kept(order, totals, allowed, quota.ties)
            mask[np.setdiff1d(order, keep)] = True
        next_grade = index + 1 if index + 1 < len(bands) else NO_GRADE
        final = np.where(mask, next_grade, final)
        moved[f"quota:{band.grade}"] = mask
    return final, moved


def _kept(order: np.ndarray, totals: np.ndarray, allowed: int, ties: str) -> np.ndarray:
    if ties == "id" or allowed == 0:
        return order[:allowed]
    cut = totals[order[allowed]]  # the best total among those beyond the places
    if ties == "exclude":
        return order[:allowed][totals[order[:allowed]] > cut]
    return order[totals[order] >= totals[order[allowed - 1]]]  # include: everyone tied with the last place
