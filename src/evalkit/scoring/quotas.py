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


def places_of(share: float, group_sizes: np.ndarray, rounding: str = "floor") -> np.ndarray:
    """`places` for many groups at once: the same snapping and rounding, element by element."""
    snapped = round_array(share * group_sizes.astype(np.float64), 9)
    if rounding == "floor":
        return np.floor(snapped).astype(np.int64)
    if rounding == "ceil":
        return np.ceil(snapped).astype(np.int64)
    return np.floor(snapped + 0.5).astype(np.int64)


def apply_quotas(grades: np.ndarray, totals: np.ndarray, unit_ids: Sequence[str], scorecard: Scorecard,
                 attribute: Callable[[str], Sequence[Any]],
                 codes: Callable[[str], np.ndarray] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Move units beyond each grade's quota down one grade at a time; return grades and who was moved.

    `attribute(name)` gives the per-unit values of a units attribute ("type", a units-file column)
    for quotas declared per group; `codes(name)`, where given, its int group codes instead (e.g.
    `Units.group_codes`, built once per units list).
    """
    final = grades.copy()
    moved: dict[str, np.ndarray] = {}
    n = final.shape[0]
    by_grade = {q.grade: q for q in scorecard.quotas}
    bands = scorecard.grading.bands if scorecard.grading else ()
    ids: np.ndarray | None = None
    for index, band in enumerate(bands):
        quota = by_grade.get(band.grade)
        if quota is None:
            continue
        if quota.per == "all":
            groups = group_codes(None, n)
        else:
            groups = codes(quota.per) if codes is not None else group_codes(attribute(quota.per), n)
        sizes = np.bincount(groups)
        holders = np.flatnonzero(final == index)
        # Holders sorted once by group, then best total (then id, where ties are broken by id): each group is
        # a run of this order. Under the other tie rules who keeps the grade depends on totals alone.
        if quota.ties == "id":
            if ids is None:
                ids = np.asarray(unit_ids, dtype=object).astype(str)
            holders = holders[np.lexsort((ids[holders], -totals[holders], groups[holders]))]
        else:
            holders = holders[np.lexsort((-totals[holders], groups[holders]))]
        group = groups[holders]
        held = np.bincount(group, minlength=sizes.size)
        start = np.cumsum(held) - held
        if quota.count is not None:
            allowed = np.full(sizes.size, quota.count, dtype=np.int64)
        else:
            assert quota.share is not None  # the schema asks for share or count
            allowed = places_of(quota.share, sizes, quota.rounding)
        kept = _kept_in_groups(totals[holders], group, start, held, allowed, quota.ties)
        mask = np.zeros(n, dtype=bool)
        mask[holders[~kept]] = True
        next_grade = index + 1 if index + 1 < len(bands) else NO_GRADE
        final = np.where(mask, next_grade, final)
        moved[f"quota:{band.grade}"] = mask
    return final, moved


def _kept_in_groups(total: np.ndarray, group: np.ndarray, start: np.ndarray, held: np.ndarray, allowed: np.ndarray,
                    ties: str) -> np.ndarray:
    """Per holder (sorted by group, best first): whether it keeps the grade. A group with no more holders
    than places keeps them all; else the first `allowed`, with the tie rule at the cut."""
    position = np.arange(group.size) - start[group]
    places_here = allowed[group]
    over = held[group] > places_here
    first = position < places_here
    if ties == "id":
        return ~over | first
    at = start[group] + np.minimum(places_here, np.maximum(held[group] - 1, 0))  # (inside the group)
    if ties == "exclude":
        cut = total[at]  # the best total among those beyond the places
        return ~over | (first & (total > cut))
    last = total[np.maximum(at - 1, start[group])]  # include: everyone tied with the last place
    return ~over | ((places_here > 0) & (total >= last))
