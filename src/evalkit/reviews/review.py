"""Multi-rater reviews (领导点评、党员互评、群众评议): checked ballots in, one review score per unit out.

The definition is `evalkit.reviews.definition`, the ballot rows `evalkit.reviews.ballots`; this module
counts them. Everything here is column-wise: ballots are grouped by (unit, group) with one lexsort and
``np.add.reduceat``.

Decisions, each stated where it applies and in ``examples/reviews/README.md``:

- A ballot that names more units excellent than its group's quota allows is void (废票): all its rows
  are left out. Voiding is the counting rule at work, not bad data, so it never stops the run; every
  void ballot is reported. Bad ballot rows were removed before (`read_ballots`), so they never count
  towards a quota either.
- The trimmed mean drops exactly one highest and one lowest score of each (unit, group) by default:
  the extremes are zeroed in the sorted segment and the rest summed, so changing either extreme (keeping
  it an extreme) cannot change the result, not even by a rounding error. ``trim: {count: k}`` drops k at
  each end (below 2k + 1 ballots the declared fallback applies, plain mean by default); ``trim: {share: p}``
  drops floor(p x n) at each end of n ballots, as scipy.stats.trim_mean(scores, p) does.
- The satisfaction index is the mean of the category scores (100/80/60/30/0 by default), which is
  sum(score_k x count_k) / sum(count_k); the category counts are reported too.
- Group weights are divided by their sum. Below a group's ``min_ballots`` the group is dropped for
  that unit and the others share its weight (``below_minimum: reweight``) or the unit's review score
  is missing (``missing``). The review score is computed from unrounded group aggregates; published
  numbers are rounded by the declared rule (half up, never Python's round()).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.errors import Problem
from evalkit.io.data import Units
from evalkit.io.table import Table
from evalkit.reviews.ballots import Ballots, VoidBallot, ballots_table, fast_ballots, read_ballots
from evalkit.reviews.definition import (
    AGGREGATIONS,
    FALLBACKS,
    REVIEW_FORMAT,
    ReviewDefinition,
    load_review,
    plain_number,
)
from evalkit.scoring.rounding import round_array

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

# Status of a (unit, group) aggregate.
OK, NO_BALLOTS, BELOW_MINIMUM, FALLBACK, FALLBACK_MISSING = 0, 1, 2, 3, 4
STATUS_NAMES = ("ok", "no_ballots", "below_minimum", "fallback", "fallback_missing")


@attrs.frozen
class ReviewRow:
    """One unit of a review, as a table shows it."""

    id: str
    name: str
    groups: tuple[tuple[float | None, int], ...]  # (rounded aggregate or None, ballots counted) per group
    score: float | None
    notes: tuple[str, ...]


def _plain(value: np.ndarray | float) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


@attrs.frozen
class ReviewResult:
    """Per unit and group: the aggregate, the ballots counted, the weight used; and the review score."""

    definition: ReviewDefinition
    units: Units
    period: str | None
    values: np.ndarray  # (units, groups) aggregate, NaN when missing (no ballots, below minimum, fallback missing)
    counts: np.ndarray  # (units, groups) ballots counted
    status: np.ndarray  # (units, groups) OK, NO_BALLOTS, BELOW_MINIMUM, FALLBACK, FALLBACK_MISSING
    weights: np.ndarray  # (units, groups) the weight each group got in the unit's score (rows sum to 1; 0 when none)
    score: np.ndarray  # (units,) weighted review score, NaN when missing
    categories: Mapping[str, np.ndarray] = attrs.field(factory=dict)  # satisfaction group -> (units, categories) counts
    void: tuple[VoidBallot, ...] = ()
    skipped: tuple[Problem, ...] = ()
    other_periods: int = 0
    trimmed: Mapping[tuple[int, int], tuple[tuple[float, ...], tuple[float, ...]]] = attrs.field(factory=dict)
    """(unit index, group index) -> (scores kept, scores dropped) of each trimmed mean, ascending."""

    def rounded(self, values: np.ndarray) -> np.ndarray:
        return self.definition.rounding(values)

    def indicators(self, rounded: bool = True) -> dict[str, dict[str, float]]:
        """{indicator: {unit: value}}: the review score and each group's aggregate; missing units left out
        (so that a scorecard item's missing-data policy applies to them)."""
        d = self.definition
        out: dict[str, dict[str, float]] = {}
        columns = [(d.indicator, self.score)] + [(d.group_indicator(g), self.values[:, k]) for k, g in enumerate(d.groups)]
        for name, column in columns:
            column = self.rounded(column) if rounded else column
            out[name] = {uid: float(v) for uid, v in zip(self.units.ids, column) if not np.isnan(v)}
        return out

    def long_rows(self) -> list[tuple[str, str, str, float]]:
        """(unit, indicator, period, value) rows, rounded, in unit order: what `evalkit run --data` reads."""
        period = self.period or ""
        rows = []
        indicators = self.indicators()
        for uid in self.units.ids:
            for name, values in indicators.items():
                if uid in values:
                    rows.append((uid, name, period, values[uid]))
        return rows

    def unit_reasons(self, i: int, lang: str = "en") -> list[str]:
        """Why a unit's score is what it is: groups dropped, fallbacks used."""
        d = self.definition
        zh = lang == "zh"
        notes = []
        for k, g in enumerate(d.groups):
            s = int(self.status[i, k])
            name = g.name.text(lang)
            count = int(self.counts[i, k])
            if s == NO_BALLOTS:
                notes.append(f"{name}无有效票" if zh else f"{name}: no ballots")
            elif s == BELOW_MINIMUM:
                notes.append(f"{name}有效票 {count} 张，少于 {g.min_ballots} 张" if zh
                             else f"{name}: {count} ballots, fewer than {g.min_ballots}")
            elif s == FALLBACK:
                notes.append(f"{name}不足 3 票，按{_FALLBACK_ZH[g.fallback]}" if zh
                             else f"{name}: fewer than 3 ballots, {g.fallback} used")
            elif s == FALLBACK_MISSING:
                notes.append(f"{name}不足 3 票，不计" if zh else f"{name}: fewer than 3 ballots, not counted")
        if np.isnan(self.score[i]):
            if notes:
                notes.append("评议结果缺失" if zh else "review score missing")
        elif any(self.status[i, k] in (NO_BALLOTS, BELOW_MINIMUM, FALLBACK_MISSING) for k in range(len(d.groups))):
            notes.append("其余各组按权重比例折算" if zh else "the other groups re-weighted")
        return notes

    def notices(self) -> list[str]:
        """What to tell the person beside the result: bad ballots skipped, void ballots, rows of other periods."""
        out = [f"warning: bad ballot skipped: {problem}" for problem in self.skipped]
        out += [f"warning: void ballot: {void.problem(self.definition)}" for void in self.void]
        if self.other_periods:
            out.append(f"note: {self.other_periods} ballot rows of other periods than {self.period!r} were not counted")
        return out

    def table_rows(self, lang: str = "en") -> list[ReviewRow]:
        """Per unit, in unit order: each group's rounded aggregate (None: missing) and ballots, the score and notes."""
        out = []
        for i, uid in enumerate(self.units.ids):
            groups = tuple((_plain(self.rounded(self.values[i, k])), int(self.counts[i, k]))
                           for k in range(len(self.definition.groups)))
            out.append(ReviewRow(id=uid, name=self.units.names[i], groups=groups, score=_plain(self.rounded(self.score[i])),
                                 notes=tuple(self.unit_reasons(i, lang))))
        return out

    def to_dict(self) -> dict:
        d = self.definition
        units = []
        for i, uid in enumerate(self.units.ids):
            groups = {}
            for k, g in enumerate(d.groups):
                entry: dict[str, Any] = {"value": plain_number(self.rounded(self.values[i, k])), "ballots": int(self.counts[i, k]),
                                         "weight": plain_number(round_array(self.weights[i, k], 6)),
                                         "status": STATUS_NAMES[int(self.status[i, k])]}
                if (i, k) in self.trimmed:
                    entry["kept"] = [plain_number(x) for x in self.trimmed[i, k][0]]
                    entry["dropped"] = [plain_number(x) for x in self.trimmed[i, k][1]]
                if g.id in self.categories:
                    entry["categories"] = {c.word: int(n) for c, n in zip(g.categories, self.categories[g.id][i])}
                groups[g.id] = entry
            units.append({"id": uid, "name": self.units.names[i], "score": plain_number(self.rounded(self.score[i])),
                          "groups": groups, "notes": self.unit_reasons(i, "en")})
        return {
            "evalkit_review_result": REVIEW_FORMAT,
            "review": d.to_dict() | {"period": self.period},
            "units": units,
            "void_ballots": [v.to_dict() for v in self.void],
            "skipped_ballots": [p.to_dict() for p in self.skipped],
            "other_periods_ignored": self.other_periods,
        }


_FALLBACK_ZH = {"mean": "算术平均", "median": "中位数", "missing": "缺失"}


def void_ballots(ballots: Ballots, definition: ReviewDefinition) -> np.ndarray:
    """Which ballots are void: more excellent marks than the group's quota allows (bool per ballot)."""
    nb = len(ballots.raters)
    if nb == 0:
        return np.zeros(0, dtype=bool)
    rated = np.bincount(ballots.ballot, minlength=nb)
    excellent = np.bincount(ballots.ballot, weights=ballots.excellent.astype(np.float64), minlength=nb)
    ballot_group = np.fromiter((g for g, _ in ballots.raters), dtype=np.intp, count=nb)
    allowed = np.full(nb, math.inf)
    for k, group in enumerate(definition.groups):  # a loop over groups, not ballots
        if group.quota is not None:
            mine = ballot_group == k
            allowed[mine] = group.quota.allowed(rated[mine])
    return excellent > allowed


def aggregate(ballots: Ballots, definition: ReviewDefinition, units: Units) -> ReviewResult:
    """Void ballots over quota, then aggregate every (unit, group) column-wise and weight the groups."""
    n, ng = len(units), len(definition.groups)
    void = void_ballots(ballots, definition)
    keep = ~void[ballots.ballot] if len(ballots.ballot) else np.zeros(0, dtype=bool)
    unit, group, score = ballots.unit[keep], ballots.group[keep], ballots.score[keep]

    values = np.full(n * ng, np.nan)
    counts = np.zeros(n * ng, dtype=np.int64)
    fallback_used = np.zeros(n * ng, dtype=bool)
    fallback_missing = np.zeros(n * ng, dtype=bool)
    trimmed_scores: dict[tuple[int, int], tuple[tuple[float, ...], tuple[float, ...]]] = {}
    if score.size:
        key = unit * ng + group
        order = np.lexsort((score, key))  # by (unit, group), scores ascending inside each
        key_s, s = key[order], score[order]
        starts = np.flatnonzero(np.r_[True, key_s[1:] != key_s[:-1]])
        ends = np.r_[starts[1:], key_s.size]
        cnt = ends - starts
        seg = key_s[starts]
        seg_group = seg % ng
        mean = np.add.reduceat(s, starts) / cnt
        median = (s[starts + (cnt - 1) // 2] + s[starts + cnt // 2]) / 2
        # The trimmed mean: zero the k lowest and k highest of each sorted segment, sum the rest.
        cut = np.zeros(cnt.shape, dtype=np.int64)
        for k_group, g in enumerate(definition.groups):  # a loop over groups, not ballots
            mine = seg_group == k_group
            if mine.any():
                cut[mine] = g.trimmed(cnt[mine])
        position = np.arange(s.size) - np.repeat(starts, cnt)
        seg_cut, seg_cnt = np.repeat(cut, cnt), np.repeat(cnt, cnt)
        kept = (position >= seg_cut) & (position < seg_cnt - seg_cut)
        inner = np.where(kept, s, 0.0)
        left = cnt - 2 * cut
        trimmed = np.divide(np.add.reduceat(inner, starts), left, out=np.full(cnt.shape, np.nan), where=left >= 1)
        aggregation = np.array([AGGREGATIONS.index(g.aggregation) for g in definition.groups])[seg_group]
        fallback = np.array([FALLBACKS.index(g.fallback) for g in definition.groups])[seg_group]
        is_trim = aggregation == AGGREGATIONS.index("trimmed_mean")
        short = is_trim & (left < 1)  # fewer than 2k + 1 ballots: the fallback applies
        value = np.select(
            [aggregation == AGGREGATIONS.index("median"), is_trim & ~short,
             short & (fallback == FALLBACKS.index("mean")), short & (fallback == FALLBACKS.index("median"))],
            [median, trimmed, mean, median], default=mean)
        value = np.where(short & (fallback == FALLBACKS.index("missing")), np.nan, value)
        values[seg] = value
        counts[seg] = cnt
        for j in np.flatnonzero(is_trim & ~short).tolist():  # reporting: the judges' scores kept and dropped
            part, keep_part = s[starts[j]:ends[j]], kept[starts[j]:ends[j]]
            trimmed_scores[int(seg[j]) // ng, int(seg[j]) % ng] = (tuple(part[keep_part].tolist()),
                                                                     tuple(part[~keep_part].tolist()))
        fallback_used[seg] = short & (fallback != FALLBACKS.index("missing"))
        fallback_missing[seg] = short & (fallback == FALLBACKS.index("missing"))
    values = values.reshape(n, ng)  # type: ignore[assignment]  # (units, groups) from here on
    counts = counts.reshape(n, ng)  # type: ignore[assignment]
    minimum = np.array([g.min_ballots for g in definition.groups], dtype=np.int64)
    status = np.full((n, ng), OK, dtype=np.int8)
    status[fallback_used.reshape(n, ng)] = FALLBACK
    status[fallback_missing.reshape(n, ng)] = FALLBACK_MISSING
    below = counts < minimum[None, :]
    status[below] = BELOW_MINIMUM
    status[counts == 0] = NO_BALLOTS
    values[below] = np.nan
    available = ~np.isnan(values)

    shares = definition.shares[None, :] * np.ones((n, 1))
    if definition.below_minimum == "reweight":
        used = np.where(available, shares, 0.0)
    else:
        used = np.where(available.all(axis=1, keepdims=True), shares, 0.0)
    total = used.sum(axis=1, keepdims=True)
    weights = np.divide(used, total, out=np.zeros_like(used), where=total > 0)
    weighted = np.where(available, values, 0.0) * weights
    score = np.where(total[:, 0] > 0, weighted.sum(axis=1), np.nan)

    categories = {}
    for k, g in enumerate(definition.groups):
        if g.aggregation != "satisfaction":
            continue
        mine = group == k
        kc = len(g.categories)
        flat = np.bincount(unit[mine] * kc + ballots.category[keep][mine], minlength=n * kc)
        categories[g.id] = flat.reshape(n, kc)

    return ReviewResult(definition=definition, units=units, period=ballots.period, values=values, counts=counts,
                        status=status, weights=weights, score=score, categories=categories,
                        void=void_list(ballots, definition, void), skipped=ballots.skipped,
                        other_periods=ballots.other_periods, trimmed=trimmed_scores)


def void_list(ballots: Ballots, definition: ReviewDefinition, void: np.ndarray) -> tuple[VoidBallot, ...]:
    """The void ballots (`void_ballots`) for reporting, in ballot order: each one's rater, quota and rows."""
    out = []
    by_ballot = np.argsort(ballots.ballot, kind="stable")
    bounds = np.searchsorted(ballots.ballot[by_ballot], np.arange(len(ballots.raters) + 1))
    for b in np.flatnonzero(void):  # reporting: one entry per void ballot
        k, rater = ballots.raters[b]
        rows = by_ballot[bounds[b]:bounds[b + 1]]
        rated = rows.size
        quota = definition.groups[k].quota
        allowed = quota.allowed(np.array([rated]))[0] if quota is not None else math.inf  # void only under a quota
        out.append(VoidBallot(group=definition.groups[k].id, rater=rater,
                                    excellent=int(ballots.excellent[rows].sum()),
                                    allowed=int(allowed), rated=int(rated),
                                    rows=tuple(ballots.where[r] for r in rows)))
    return tuple(out)


def review(definition: ReviewDefinition | str | Path | Mapping[str, Any],
           ballots: str | Path | Table | Sequence[str | Path | Table | Mapping[str, Any]],
           units: Units | Sequence[str] | str | Path, period: str | None = None,
           registry: Registry | None = None) -> ReviewResult:
    """Load what is needed and review: a definition (file, dict or loaded), ballot files or tables (or a
    list of row dicts, or a Dask DataFrame of ballot rows: `evalkit.reviews.distributed.review_dask`), and the
    units (Units, a list of ids, or a units file)."""
    from evalkit.io.inputs import load_units, read_table
    from evalkit.plugins.manager import default_registry

    if not isinstance(definition, ReviewDefinition):
        definition = load_review(definition)
    if type(ballots).__module__.split(".")[0] == "dask":  # a Dask DataFrame: counted on its scheduler
        from evalkit.reviews.distributed import review_dask

        return review_dask(definition, ballots, units, period, registry)
    given = [ballots] if isinstance(ballots, (str, Path, Table)) else list(ballots)
    needs_registry = isinstance(units, (str, Path)) or any(isinstance(b, (str, Path)) for b in given)
    if needs_registry and registry is None:
        registry = default_registry()
    if isinstance(units, (str, Path)):
        units = load_units(units, registry or default_registry())
    elif not isinstance(units, Units):
        units = Units.from_ids(units)
    paths = [b for b in given if isinstance(b, (str, Path))]
    if given and len(paths) == len(given):  # clean CSV files are read column by column; any other the exact way
        fast = fast_ballots(paths, definition, units, registry or default_registry(), period)
        if fast is not None:
            return aggregate(fast, definition, units)
    rows = [b for b in given if isinstance(b, Mapping)]
    if given and len(rows) == len(given):
        tables = [ballots_table(rows)]
    elif rows:
        raise TypeError("ballots are files and tables, or rows (mappings), not both in one list")
    else:
        tables = [b if isinstance(b, Table) else read_table(b, registry or default_registry())
                  for b in given if not isinstance(b, Mapping)]
    return aggregate(read_ballots(tables, definition, units, period), definition, units)
