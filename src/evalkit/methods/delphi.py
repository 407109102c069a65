"""Delphi round statistics for an expert panel (德尔菲法): concentration, dispersion and agreement.

``scores`` has shape (n_experts, n_items): one row per expert, one column per item (indicator). Per item:
mean, standard deviation (``ddof`` default 1, the sample standard deviation), coefficient of variation
CV = std / |mean| (0 when std is 0; NaN when the mean is 0 and std is not), and the full-mark rate (share
of experts giving exactly ``full_mark``; a score above ``full_mark`` is a DataError).

Kendall's coefficient of concordance W over the items: each expert's scores become ranks (ties get the
average rank), R_j = the rank sum of item j, S = sum_j (R_j - mean R)^2,
W = 12 S / (m^2 (n^3 - n) - m sum_i T_i) with T_i = sum over tie groups of (t^3 - t) for expert i
(the tie correction), m experts, n items. Significance: chi2 = m (n - 1) W with n - 1 degrees of freedom,
p = P(chi2_{n-1} >= chi2) computed exactly for whole degrees of freedom (no scipy). W and chi2 are NaN
when they are undefined (one item, or every expert ties every item).
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, DefinitionError, Problem

from .arrays import as_float_array, check_fraction, readonly, result_to_dict

__all__ = ["DelphiResult", "KendallW", "average_ranks", "chi2_sf", "delphi_round", "kendall_w"]


@attrs.frozen(eq=False)
class KendallW:
    """Kendall's W with tie correction and its chi-square test."""

    w: float
    chi2: float
    df: int
    p_value: float
    n_raters: int
    n_items: int
    tie_correction: float

    def to_dict(self) -> dict:
        return result_to_dict(self)


@attrs.frozen(eq=False)
class DelphiResult:
    """Per-item statistics of one Delphi round plus Kendall's W of the panel."""

    mean: np.ndarray
    std: np.ndarray
    cv: np.ndarray
    full_mark_rate: np.ndarray
    kendall: KendallW
    full_mark: float
    ddof: int

    def to_dict(self) -> dict:
        d = result_to_dict(self, method="delphi")
        d["kendall"] = self.kendall.to_dict()
        return d


def chi2_sf(x: float, df: int) -> float:
    """P(chi-square with `df` degrees of freedom >= x), exact closed form for whole df >= 1.

    Even df = 2k: exp(-x/2) sum_{i<k} (x/2)^i / i!. Odd df = 2k+1: erfc(sqrt(x/2)) +
    sum_{i<k} (x/2)^(i+1/2) exp(-x/2) / Gamma(i + 3/2). Terms are summed in log space (no overflow).
    """
    if df < 1 or int(df) != df:
        raise ValueError("df must be a whole number >= 1")
    if math.isnan(x):
        return math.nan
    if x <= 0:
        return 1.0
    y = x / 2.0
    k = int(df) // 2
    if df % 2 == 0:
        return min(1.0, math.fsum(math.exp(i * math.log(y) - y - math.lgamma(i + 1)) for i in range(k)))
    total = math.erfc(math.sqrt(y)) + math.fsum(math.exp((i + 0.5) * math.log(y) - y - math.lgamma(i + 1.5)) for i in range(k))
    return min(1.0, total)


def average_ranks(scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rank each row of a 2-D array (1 = smallest; ties get the average rank), vectorised over rows.

    Returns (ranks, T) where T[i] = sum over the tie groups of row i of (t^3 - t).
    """
    S = np.asarray(scores, dtype=np.float64)
    m, n = S.shape
    order = np.argsort(S, axis=1, kind="stable")
    ordered = np.take_along_axis(S, order, axis=1)
    starts = np.ones((m, n), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = np.ones((m, n), dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    pos = np.broadcast_to(np.arange(n), (m, n))
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    sorted_ranks = (first + last) / 2.0 + 1.0
    ranks = np.empty_like(sorted_ranks)
    np.put_along_axis(ranks, order, sorted_ranks, axis=1)
    size = (last - first + 1).astype(np.float64)
    ties = (size * size - 1.0).sum(axis=1)  # each member of a group of t adds t^2 - 1; the group adds t^3 - t
    return ranks, ties


def kendall_w(scores: Any) -> KendallW:
    """Kendall's W (tie-corrected) of raters (rows) over items (columns), with chi2, df and p-value.

    W = 1 when every rater orders the items the same way; see the module docstring for the formula.
    """
    S = as_float_array(scores, "scores", 2, DataError, axes=("expert", "item"))
    m, n = S.shape
    if m < 2:
        raise DataError(Problem("Kendall's W needs at least two experts", path="scores", expected="2 or more rows", found=str(m)))
    ranks, ties = average_ranks(S)
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - rank_sums.mean()) ** 2).sum())
    tie_total = float(ties.sum())
    denominator = m * m * (n**3 - n) - m * tie_total
    if n < 2 or denominator <= 0:
        w = chi2 = p = math.nan
    else:
        w = 12.0 * s / denominator
        w = min(max(w, 0.0), 1.0)
        chi2 = m * (n - 1) * w
        p = chi2_sf(chi2, n - 1)
    return KendallW(w=w, chi2=chi2, df=max(n - 1, 0), p_value=p, n_raters=m, n_items=n, tie_correction=tie_total)


def delphi_round(scores: Any, full_mark: float, *, ddof: int = 1) -> DelphiResult:
    """Statistics of one Delphi round: per-item mean, std, CV, full-mark rate, and Kendall's W.

    ``scores``: shape (n_experts, n_items), finite; ``full_mark``: the top of the scale (e.g. 5 or 10);
    ``ddof``: 1 by default (sample standard deviation). See the module docstring for every convention.
    """
    S = as_float_array(scores, "scores", 2, DataError, axes=("expert", "item"))
    m, n = S.shape
    full_mark = check_fraction(full_mark, "full_mark", -math.inf, math.inf)
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or ddof < 0:
        raise DefinitionError(Problem("ddof must be a whole number >= 0", path="ddof", expected="0 or 1", found=repr(ddof)))
    if m <= ddof or n == 0:
        raise DataError(Problem("too few experts for this round", path="scores", expected=f"more than {ddof} experts and at least 1 item", found=f"shape {S.shape}"))
    above = np.argwhere(full_mark < S)
    if above.size:
        raise DataError(
            [
                Problem(
                    f"a score is above the full mark at expert {i}, item {j} (counted from 0)",
                    path=f"scores[{i}, {j}]",
                    expected=f"at most {full_mark:g}",
                    found=repr(float(S[i, j])),
                )
                for i, j in above[:10]
            ]
        )
    mean = S.mean(axis=0)
    std = S.std(axis=0, ddof=int(ddof))
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(std == 0, 0.0, std / np.abs(mean))
    cv = np.where((mean == 0) & (std != 0), np.nan, cv)
    full_rate = np.equal(S, full_mark).mean(axis=0)
    return DelphiResult(
        mean=readonly(mean),
        std=readonly(std),
        cv=readonly(cv),
        full_mark_rate=readonly(full_rate),
        kendall=kendall_w(S),
        full_mark=full_mark,
        ddof=int(ddof),
    )
