"""Peer groups and statistics within them, for all units at once.

A peer group is "all" units, units of the same `type`, or units sharing any other attribute of the
units file (a column such as 片区 or 规模). Statistics are computed per group with one sort over all
units (a stable lexsort by group, then value), never with a Python loop over units.

Percentile definitions (the share of a unit's peers it does at least as well as, 0..100; they differ
only in how ties count, as scipy.stats.percentileofscore's `kind` does):
- ``weak``: share of peers with a value <= this one (ties count fully);
- ``strict``: share of peers with a value < this one (ties do not count);
- ``mean``: the average of weak and strict (ties count half);
- ``rank``: the average percentage rank of the tied values, (strict count + weak count + 1) / 2 / n
  (pandas ``rank(pct=True)``, method "average");
- ``excel_inc``: Excel PERCENTRANK.INC of a value in the list, strict count / (n - 1), truncated (not
  rounded) to 3 significant digits as Excel does by default (a single peer: 100);
- ``excel_exc``: Excel PERCENTRANK.EXC, (strict count + 1) / (n + 1), truncated to 3 digits;
- ``pandas_min``: pandas ``rank(method="min", pct=True)``, (strict count + 1) / n;
- ``pandas_max``: pandas ``rank(method="max", pct=True)``, weak count / n (the same as ``weak``);
- ``pandas_dense``: pandas ``rank(method="dense", pct=True)``, the dense rank (1 + distinct smaller values)
  divided by the number of distinct values.
Peers with no value are not counted; a unit with no value has no percentile.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PERCENTILE_DEFINITIONS = ("weak", "strict", "mean", "rank", "excel_inc", "excel_exc", "pandas_min", "pandas_max",
                          "pandas_dense")
_EXCEL_DIGITS = 3  # PERCENTRANK.INC / .EXC's default significance: the result is truncated to 3 digits


def group_codes(labels: Sequence[object] | None, n: int) -> np.ndarray:
    """An int code per unit for its group (0, 1, ... in order of first appearance); all 0 without labels."""
    if labels is None:
        return np.zeros(n, dtype=np.int64)
    seen: dict = {}
    return np.fromiter((seen.setdefault("" if v is None else str(v), len(seen)) for v in labels), dtype=np.int64, count=n)


def sorted_by_group(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Order of units by (group, value) with NaN last in each group, and each group's start and size."""
    valid = ~np.isnan(values)
    order = np.argsort(values, kind="stable")  # NaN sorts last
    if groups.size and groups.max() > 0:
        narrow = np.uint8 if groups.max() < 256 else np.uint16 if groups.max() < 65536 else np.int64
        order = order[np.argsort(groups[order].astype(narrow), kind="stable")]  # a radix sort on small codes
    g_sorted = groups[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    counts = np.bincount(groups, weights=valid, minlength=int(groups.max()) + 1 if groups.size else 0).astype(np.int64)
    return order, g_sorted, starts, counts


def counts_below_and_at(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: peers with a smaller value, peers with a value <= its own, and peers with a value."""
    n = values.shape[0]
    valid = ~np.isnan(values)
    less = np.zeros(n, dtype=np.int64)
    less_equal = np.zeros(n, dtype=np.int64)
    if n == 0:
        return less, less_equal, np.zeros(0, dtype=np.int64)
    order, g_sorted, starts, counts = sorted_by_group(values, groups)
    v_sorted = values[order]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    position = np.arange(n) - group_start  # rank within the group, 0-based
    # first and last position of each run of equal values inside a group
    new_run = np.r_[True, (g_sorted[1:] != g_sorted[:-1]) | (v_sorted[1:] != v_sorted[:-1])]
    run_id = np.cumsum(new_run) - 1
    run_first = np.flatnonzero(new_run)
    run_last = np.r_[run_first[1:], n] - 1
    less[order] = position - (np.arange(n) - run_first[run_id])
    less_equal[order] = run_last[run_id] - group_start + 1
    return np.where(valid, less, 0), np.where(valid, less_equal, 0), counts[groups]


def percentile_in_group(values: np.ndarray, groups: np.ndarray, definition: str = "mean") -> np.ndarray:
    """The percentile (0..100) of each unit among its peers by the named definition; NaN without a value."""
    if definition not in PERCENTILE_DEFINITIONS:
        raise ValueError(f"unknown percentile definition {definition!r}; expected one of {', '.join(PERCENTILE_DEFINITIONS)}")
    less, less_equal, n_peers = counts_below_and_at(values, groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        if definition == "weak":
            share = less_equal / n_peers
        elif definition == "strict":
            share = less / n_peers
        elif definition == "mean":
            share = (less + less_equal) / (2.0 * n_peers)
        elif definition == "rank":
            share = (less + less_equal + 1) / (2.0 * n_peers)
        elif definition == "excel_inc":
            share = np.where(n_peers > 1, less / np.maximum(n_peers - 1, 1), 1.0)
        elif definition == "excel_exc":
            share = (less + 1) / (n_peers + 1.0)
        elif definition == "pandas_min":
            share = (less + 1) / n_peers
        elif definition == "pandas_max":
            share = less_equal / n_peers
        else:
            dense, distinct = _dense_ranks(values, groups)
            share = dense / distinct
    out = _truncated_percent(share, _EXCEL_DIGITS) if definition.startswith("excel") else share * 100.0
    out[np.isnan(values)] = np.nan
    return out


def _truncated_percent(share: np.ndarray, digits: int) -> np.ndarray:
    """A share cut (towards zero) to `digits` decimals as Excel's PERCENTRANK does, as a percentage
    (0.3333 -> 33.3); float noise is removed before the cut."""
    with np.errstate(invalid="ignore"):
        return np.floor(np.round(share * 10.0 ** digits, 6)) / 10.0 ** (digits - 2)


def _dense_ranks(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: its dense rank among its peers (1 + distinct smaller values) and the peers' distinct values."""
    n = values.shape[0]
    dense = np.zeros(n)
    distinct = np.ones(n)
    if n == 0:
        return dense, distinct
    order, g_sorted, starts, _ = sorted_by_group(values, groups)
    v_sorted = values[order]
    valid = ~np.isnan(v_sorted)
    new_group = np.r_[True, g_sorted[1:] != g_sorted[:-1]]
    new_run = (new_group | np.r_[True, v_sorted[1:] != v_sorted[:-1]]) & valid
    runs = np.cumsum(new_run)
    before_group = np.repeat(runs[starts] - new_run[starts], np.diff(np.r_[starts, n]))
    within = runs - before_group  # dense rank inside the group
    per_group = np.zeros(int(groups.max()) + 1)
    np.maximum.at(per_group, g_sorted, np.where(valid, within, 0))
    dense[order] = within
    distinct[order] = np.maximum(per_group[g_sorted], 1)
    return dense, distinct


def group_mean_std(values: np.ndarray, groups: np.ndarray, ddof: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's peer mean and standard deviation (with `ddof`), ignoring peers with no value."""
    valid = ~np.isnan(values)
    size = int(groups.max()) + 1 if groups.size else 0
    x = np.where(valid, values, 0.0)
    count = np.bincount(groups, weights=valid, minlength=size)
    total = np.bincount(groups, weights=x, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        deviation = np.where(valid, values - mean[groups], 0.0)
        sq = np.bincount(groups, weights=deviation * deviation, minlength=size)
        std = np.sqrt(sq / (count - ddof))
    std[count - ddof <= 0] = np.nan
    return mean[groups], std[groups]


def best_in_group(values: np.ndarray, groups: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Each unit's best peer value (NaN for a group with no values)."""
    size = int(groups.max()) + 1 if groups.size else 0
    fill = -np.inf if higher_is_better else np.inf
    best = np.full(size, fill)
    x = np.where(np.isnan(values), fill, values)
    (np.maximum if higher_is_better else np.minimum).at(best, groups, x)
    best[np.isinf(best)] = np.nan
    return best[groups]


def rank_in_group(values: np.ndarray, groups: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Competition rank (1 = best, ties share the best rank) among peers; 0 for a unit with no value."""
    key = values if not higher_is_better else -values
    less, _, _ = counts_below_and_at(key, groups)
    ranks = less + 1
    ranks[np.isnan(values)] = 0
    return ranks
