"""Benchmarks (标杆管理): each unit against the best of its peers, designated benchmark units and standards.

For every indicator and peer group this computes:

- ``mean``, ``median`` and ``best`` (the highest value, or the lowest when lower is better);
- ``top_decile``: the mean of the best ceil(n / 10) values in the indicator's direction, the same
  convention (and the same function, `evalkit.rules.achievement_improvement.baseline_thresholds`) as
  the achievement-or-improvement rule's benchmark, whose ``median`` is also its achievement threshold;
- ``p<Q>`` for any Q in 0..100: the value at the Q-th percentile of *performance*, by numpy's default
  ``linear`` method (Hyndman & Fan type 7). ``p90`` is ``numpy.percentile(values, 90)`` when higher is
  better and ``numpy.percentile(values, 10)`` when lower is better, so that ``p90`` is always a level
  that about 90 % of the peers do not reach: a demanding benchmark in either direction;
- ``designated``: the value of the designated benchmark unit (标杆单位) of the group; the mean of
  them when a group has several; none for a group without one;
- ``standard`` (or ``standard:<name>``): an external standard read from a file (indicator, value,
  optional peer group and name); a row for a peer group wins over a row for every group.

Units with no value are left out of every statistic; a group with no values has no benchmarks.

**Gaps**: for every unit, ``gap = value - benchmark`` when higher is better and ``benchmark - value``
when lower is better, in the indicator's own unit: POSITIVE means BETTER than the benchmark, 0 means
at it, negative means short of it.

**Peer groups**: ``all``; ``type``; ``parent`` (units under the same parent); any column of the units
file (片区, 规模); or ``level``, the depth in the unit hierarchy (1 = a unit with no parent, 2 = its
children, ...) so that branches are compared with branches and party committees with party
committees. A units-file column named ``level`` takes precedence over the computed depth.

Everything here is a function of whole columns: numpy per indicator, a loop over peer groups at most.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np

from evalkit.analysis.peers import best_in_group, group_mean_std, rank_in_group, sorted_by_group
from evalkit.definition.model import Indicator, Scorecard
from evalkit.errors import DataError, Problem, describe
from evalkit.io.csv_text import csv_text
from evalkit.io.data import DataSet, Units
from evalkit.io.table import RowReader, Table
from evalkit.rules.achievement_improvement import baseline_thresholds
from evalkit.scoring.rounding import json_number as _num

if TYPE_CHECKING:
    from evalkit.plugins.manager import Registry

STATISTICS = ("mean", "median", "best", "top_decile")
LEVEL = "level"
LEAGUE_WIDTH = 5  # units shown above and below the unit in a league table
BENCHMARKS_FORMAT = 1
PERCENTILE_METHOD: Literal["linear"] = "linear"  # numpy's default; Hyndman & Fan (1996) definition 7, as Excel's PERCENTILE.INC
QUANTILE_METHODS = ("linear", "weibull", "hazen", "median_unbiased", "normal_unbiased", "lower", "higher", "nearest",
                    "midpoint", "inverted_cdf", "averaged_inverted_cdf", "closest_observation",
                    "interpolated_inverted_cdf")
"""numpy.percentile's methods: linear (default; H&F 7, Excel PERCENTILE.INC), weibull (H&F 6, Excel
PERCENTILE.EXC), hazen (H&F 5), median_unbiased (H&F 8), normal_unbiased (H&F 9), inverted_cdf (H&F 1),
averaged_inverted_cdf (H&F 2), closest_observation (H&F 3), interpolated_inverted_cdf (H&F 4), and the
discontinuous lower, higher, nearest, midpoint."""

GAP_CONVENTION = ("gap = value - benchmark when higher is better, benchmark - value when lower is better; "
                  "positive = better than the benchmark, in the indicator's unit")
PERCENTILE_CONVENTION = ("p<Q> = the Q-th percentile of performance by numpy's linear method (Hyndman-Fan type 7, "
                         "Excel PERCENTILE.INC): numpy.percentile(values, Q) when higher is better, "
                         "numpy.percentile(values, 100 - Q) when lower is better")


# --------------------------------------------------------------------------------------------------
# Peer groups


def peer_labels(units: Units, by: str = "all") -> tuple | None:
    """The peer-group label of every unit (None for "all": one group)."""
    if by == "all":
        return None
    return units.attribute(by)  # type, parent, level or a units-file column; DataError naming the columns otherwise


def peer_groups(units: Units, by: str = "all") -> tuple[np.ndarray, tuple[str, ...]]:
    """(an int code per unit, the label of each code): codes index the labels (in order of first appearance).

    The codes are the ones rules use (`Units.group_codes`, i.e. `evalkit.analysis.peers.group_codes`), so rules
    and benchmarks put units in the same groups; ``level`` is coded the same way from the depths.
    """
    from evalkit.analysis.peers import group_codes

    n = len(units)
    if by == "all":
        return group_codes(None, n), ("all",)
    labels = units.attribute(by)  # type, parent, level or a units-file column; DataError naming the columns otherwise
    codes = units.group_codes(by) if not (by == LEVEL and LEVEL not in units.attributes) else group_codes(labels, n)
    _, first = np.unique(codes, return_index=True)
    return codes, tuple("" if labels[i] is None else str(labels[i]) for i in first.tolist())


# --------------------------------------------------------------------------------------------------
# Statistics per group (pure functions of arrays)


def percentile_label(q: float) -> str:
    """75 -> 'p75', 97.5 -> 'p97.5' (10 significant digits)."""
    return f"p{float(q):.10g}"


def _per_group(per_unit: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """A per-unit array that is constant within groups, as one value per group (NaN for an empty group)."""
    out = np.full(n_groups, np.nan)
    if codes.size:
        _, first = np.unique(codes, return_index=True)
        out[codes[first]] = per_unit[first]
    return out


def group_percentiles(values: np.ndarray, codes: np.ndarray, n_groups: int, qs: Sequence[float],
                      higher_is_better: bool = True, method: str = PERCENTILE_METHOD) -> dict[float, np.ndarray]:
    """{Q: the Q-th performance percentile of each group} by numpy's linear method (see the module doc).

    One sort of all units by (group, value); then each group is a contiguous slice and numpy's own
    `percentile` runs on it (a loop over groups, not over units).
    """
    out = {float(q): np.full(n_groups, np.nan) for q in qs}
    if not qs or values.size == 0:
        return out
    order, g_sorted, starts, counts = sorted_by_group(values, codes)
    v_sorted = values[order]
    group_at = g_sorted[starts]
    for g, start in zip(group_at.tolist(), starts.tolist()):
        m = int(counts[g])
        if m == 0:
            continue
        block = v_sorted[start:start + m]  # the group's values, NaN excluded (they sort last)
        wanted = [float(q) if higher_is_better else 100.0 - float(q) for q in qs]
        found = np.percentile(block, wanted, method=method)  # type: ignore[call-overload]  # one of QUANTILE_METHODS
        for q, value in zip(out, found):
            out[q][g] = value
    return out


def group_statistics(values: np.ndarray, codes: np.ndarray, n_groups: int, higher_is_better: bool = True,
                     percentiles: Sequence[float] = (), quantile_method: str = PERCENTILE_METHOD) -> dict[str, np.ndarray]:
    """Per group: n (peers with a value), mean, median, best, top_decile and p<Q> for every Q given."""
    values = np.asarray(values, dtype=np.float64)
    valid = ~np.isnan(values)
    stats: dict[str, np.ndarray] = {"n": np.bincount(codes, weights=valid, minlength=n_groups).astype(np.int64)}
    if values.size == 0:
        for name in STATISTICS:
            stats[name] = np.full(n_groups, np.nan)
    else:
        mean, _ = group_mean_std(values, codes)
        median, top = baseline_thresholds(values, codes, higher_is_better)
        stats["mean"] = _per_group(mean, codes, n_groups)
        stats["median"] = _per_group(median, codes, n_groups)
        stats["best"] = _per_group(best_in_group(values, codes, higher_is_better), codes, n_groups)
        stats["top_decile"] = _per_group(top, codes, n_groups)
    empty = stats["n"] == 0
    for name in STATISTICS:
        stats[name][empty] = np.nan
    by_label = {percentile_label(q): float(q) for q in reversed(list(percentiles))}  # the first Q of a label wins
    found = group_percentiles(values, codes, n_groups, list(dict.fromkeys(by_label.values())), higher_is_better,
                              quantile_method)
    for label, q in sorted(by_label.items(), key=lambda kv: kv[1]):
        stats[label] = found[q]
    return stats


def designated_values(values: np.ndarray, codes: np.ndarray, n_groups: int, designated: np.ndarray) -> np.ndarray:
    """Per group: the mean value of its designated benchmark units (a boolean mask), NaN for none."""
    use = designated & ~np.isnan(values)
    count = np.bincount(codes, weights=use, minlength=n_groups)
    total = np.bincount(codes, weights=np.where(use, values, 0.0), minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)


def gap(values: np.ndarray, benchmark: np.ndarray | float, higher_is_better: bool = True) -> np.ndarray:
    """value - benchmark (higher is better) or benchmark - value (lower is better): positive = better."""
    difference = np.asarray(values, dtype=np.float64) - benchmark
    return difference if higher_is_better else -difference


@attrs.frozen
class LeagueTable:
    """A unit among its peers: positions (into the units) of the rows shown, best first, with their ranks."""

    positions: np.ndarray
    ranks: np.ndarray
    focus: int  # row of the unit itself in `positions`; -1 when it has no value
    size: int  # peers with a value in its group


def league_table(values: np.ndarray, unit_ids: Sequence[str], codes: np.ndarray, position: int,
                 higher_is_better: bool = True, width: int = LEAGUE_WIDTH) -> LeagueTable:
    """The unit at `position` with the `width` peers ranked just above and just below it.

    Ranks are competition ranks among the unit's peers with a value (ties share the best rank, 1224);
    tied units are listed by id. Near the top or the bottom fewer rows are shown on that side. A unit
    with no value has no place: the table then lists the group's top 2 x width + 1.
    """
    values = np.asarray(values, dtype=np.float64)
    members = np.flatnonzero((codes == codes[position]) & ~np.isnan(values))
    ranks = rank_in_group(values, codes, higher_is_better)
    key = -values[members] if higher_is_better else values[members]
    ids = np.asarray(unit_ids, dtype=str)[members]
    ordered = members[np.lexsort((ids, key))]
    where = np.flatnonzero(ordered == position)
    if where.size == 0:
        shown = ordered[: 2 * width + 1]
        return LeagueTable(positions=shown, ranks=ranks[shown], focus=-1, size=int(members.size))
    at = int(where[0])
    low, high = max(0, at - width), min(ordered.size, at + width + 1)
    shown = ordered[low:high]
    return LeagueTable(positions=shown, ranks=ranks[shown], focus=at - low, size=int(members.size))


# --------------------------------------------------------------------------------------------------
# External standards


STANDARD_COLUMNS = {
    "indicator": ("indicator", "indicator_id", "指标", "指标编号"),
    "value": ("value", "standard", "值", "数值", "标准值"),
    "group": ("group", "peer_group", "组", "同类组", "分组"),
    "name": ("name", "benchmark", "名称", "标准名称"),
}


@attrs.frozen
class Standard:
    """An external standard (a provincial norm, a national average): a value for an indicator."""

    indicator: str
    value: float
    group: str | None = None  # a peer-group label; None for every group
    name: str = ""  # "" -> benchmark "standard"; "省标" -> "standard:省标"
    where: Mapping[str, Any] = attrs.field(factory=dict, eq=False)  # the row, for messages

    @property
    def benchmark(self) -> str:
        return f"standard:{self.name}" if self.name else "standard"


def read_standards(table: Table, indicators: Iterable[str]) -> tuple[Standard, ...]:
    """Check a standards table (indicator, value, optional group and name; Chinese headers accepted)."""
    reader = RowReader(table, STANDARD_COLUMNS, required=("indicator", "value"), labels={"value": "standard"})
    if not table.rows:
        raise DataError(Problem("the standards file has a header but no rows", source=table.source,
                                expected="one row per indicator (and peer group)"))
    known = set(indicators)
    out = []
    for row in reader:
        indicator = row.text("indicator")
        if indicator not in known:
            row.problem("unknown indicator", "indicator", expected="an indicator of the scorecard", found=describe(indicator))
            continue
        value = row.number("value", required=True)
        if value is None or not row.ok:
            continue
        group = row.text("group") or None
        name = row.text("name")
        if not reader.unique(row, (indicator, group, name), "this indicator, peer group and name already have a standard",
                             expected="one row each", column="indicator"):
            continue
        out.append(Standard(indicator=indicator, value=value, group=group, name=name, where=row.where()))
    reader.raise_problems()
    return tuple(out)


def standard_values(standards: Sequence[Standard], indicator: str, labels: Sequence[str],
                    peer_group: str) -> dict[str, np.ndarray]:
    """{benchmark name: value per group} for one indicator; a group's own row wins over an all-groups row."""
    out: dict[str, np.ndarray] = {}
    index = {label: g for g, label in enumerate(labels)}
    problems = []
    for s in sorted((s for s in standards if s.indicator == indicator), key=lambda s: s.group is not None):
        column = out.setdefault(s.benchmark, np.full(len(labels), np.nan))
        if s.group is None:
            column[:] = s.value
        elif s.group in index:
            column[index[s.group]] = s.value
        else:
            problems.append(Problem(f"no peer group {s.group!r} when peers are grouped by {peer_group!r}", **s.where,
                                    expected="one of " + ", ".join(repr(label) for label in labels) + " (or empty for all)",
                                    found=repr(s.group)))
    if problems:
        raise DataError(problems)
    return out


# --------------------------------------------------------------------------------------------------
# All indicators at once


@attrs.frozen
class IndicatorBenchmarks:
    """One indicator: its values, and every benchmark's value per peer group."""

    indicator: Indicator
    values: np.ndarray  # per unit
    n: np.ndarray  # per group: peers with a value
    table: Mapping[str, np.ndarray]  # benchmark name -> value per group (NaN: none)

    @property
    def higher_is_better(self) -> bool:
        return self.indicator.direction == "higher"


@attrs.frozen
class Benchmarks:
    """Benchmarks of several indicators under one grouping of peers."""

    units: Units
    period: str | None
    peer_group: str
    codes: np.ndarray  # group code per unit
    labels: tuple[str, ...]  # group label per code
    indicators: Mapping[str, IndicatorBenchmarks]
    percentiles: tuple[float, ...] = ()
    designated: tuple[str, ...] = ()
    quantile_method: str = PERCENTILE_METHOD

    def names(self, indicator: str) -> list[str]:
        return list(self.indicators[indicator].table)

    def per_unit(self, indicator: str, name: str) -> np.ndarray:
        """A benchmark's value for every unit (its group's), NaN where its group has none."""
        return self.indicators[indicator].table[name][self.codes]

    def gaps(self, indicator: str) -> dict[str, np.ndarray]:
        """{benchmark: gap of every unit} (positive = better than the benchmark)."""
        ib = self.indicators[indicator]
        return {name: gap(ib.values, column[self.codes], ib.higher_is_better) for name, column in ib.table.items()}

    def ranks(self, indicator: str) -> np.ndarray:
        ib = self.indicators[indicator]
        return rank_in_group(ib.values, self.codes, ib.higher_is_better)

    def league(self, indicator: str, unit_id: str, width: int = LEAGUE_WIDTH) -> LeagueTable:
        ib = self.indicators[indicator]
        return league_table(ib.values, self.units.ids, self.codes, self.units.index[unit_id], ib.higher_is_better, width)

    def group_of(self, unit_id: str) -> str:
        return self.labels[int(self.codes[self.units.index[unit_id]])]

    def to_dict(self, unit_ids: Sequence[str] | None = None, league: bool = False) -> dict[str, Any]:
        """The JSON document: benchmarks per indicator and group, then every unit's (or the chosen units') gaps."""
        indicators = []
        for iid, ib in self.indicators.items():
            groups = [{"group": label, "n": int(ib.n[g]),
                       "benchmarks": {name: _num(column[g]) for name, column in ib.table.items()}}
                      for g, label in enumerate(self.labels)]
            indicators.append({"id": iid, "name": ib.indicator.name.to_dict(), "unit": ib.indicator.unit,
                               "direction": ib.indicator.direction, "groups": groups})
        chosen = list(self.units.ids) if unit_ids is None else list(unit_ids)
        gaps = {iid: self.gaps(iid) for iid in self.indicators}
        ranks = {iid: self.ranks(iid) for iid in self.indicators}
        units = []
        for uid in chosen:
            i = self.units.index[uid]
            entry: dict[str, Any] = {"id": uid, "name": self.units.names[i], "group": self.labels[int(self.codes[i])],
                                     "indicators": {}}
            for iid, ib in self.indicators.items():
                item: dict[str, Any] = {"value": _num(ib.values[i]), "rank": int(ranks[iid][i]) or None,
                                        "peers": int(ib.n[self.codes[i]]),
                                        "gaps": {name: _num(column[i]) for name, column in gaps[iid].items()}}
                if league:
                    table = self.league(iid, uid)
                    item["league"] = [{"rank": int(r), "id": self.units.ids[p], "name": self.units.names[p],
                                       "value": _num(ib.values[p]), "this_unit": k == table.focus}
                                      for k, (p, r) in enumerate(zip(table.positions, table.ranks))]
                entry["indicators"][iid] = item
            units.append(entry)
        return {"evalkit_benchmarks": BENCHMARKS_FORMAT, "period": self.period, "peer_group": self.peer_group,
                "gap": GAP_CONVENTION, "percentiles": PERCENTILE_CONVENTION,
                "top_decile": "mean of the best ceil(n / 10) values in the indicator's direction",
                **({"quantile_method": self.quantile_method} if self.quantile_method != PERCENTILE_METHOD else {}),
                "designated_units": list(self.designated), "indicators": indicators, "units": units}


def compute_benchmarks(data: DataSet, indicators: Mapping[str, Indicator] | Sequence[Indicator],
                       peer_group: str = "all", percentiles: Sequence[float] = (),
                       designated: Sequence[str] = (), standards: Sequence[Standard] = (),
                       quantile_method: str = PERCENTILE_METHOD) -> Benchmarks:
    """Benchmarks of every indicator of `data`'s period, among peers grouped by `peer_group`.

    `designated` are the ids of benchmark units (标杆单位); `standards` come from `read_standards`.
    `quantile_method` is numpy.percentile's method for the pQ benchmarks (``QUANTILE_METHODS``; default linear).
    """
    from evalkit.methods.arrays import check_choice

    check_choice(quantile_method, QUANTILE_METHODS, "quantile_method")
    if isinstance(indicators, Mapping):
        indicators = list(indicators.values())
    units = data.units
    problems = []
    for q in percentiles:
        if not (isinstance(q, (int, float)) and 0 <= q <= 100 and not math.isnan(q)):
            problems.append(Problem("a percentile must be between 0 and 100", source="percentiles",
                                    expected="a number from 0 to 100", found=describe(q)))
    unknown = [uid for uid in designated if uid not in units.index]
    for uid in unknown:
        problems.append(Problem("the designated benchmark unit is not in the units file", source="designated units",
                                expected="an id from the units file", found=repr(uid)))
    if problems:
        raise DataError(problems)
    codes, labels = peer_groups(units, peer_group)
    n_groups = len(labels)
    mask = np.zeros(len(units), dtype=bool)
    if designated:
        mask[[units.index[uid] for uid in designated]] = True
    pcts = tuple(dict.fromkeys(float(q) for q in percentiles))
    out: dict[str, IndicatorBenchmarks] = {}
    for ind in indicators:
        values = np.asarray(data.column(ind.id), dtype=np.float64)
        higher = ind.direction == "higher"
        stats = group_statistics(values, codes, n_groups, higher, pcts, quantile_method)
        n = stats.pop("n")
        if designated:
            stats["designated"] = designated_values(values, codes, n_groups, mask)
        stats.update(standard_values(standards, ind.id, labels, peer_group))
        out[ind.id] = IndicatorBenchmarks(indicator=ind, values=values, n=n, table=stats)
    return Benchmarks(units=units, period=data.period, peer_group=peer_group, codes=codes, labels=labels,
                      indicators=out, percentiles=pcts, designated=tuple(designated), quantile_method=quantile_method)


# --------------------------------------------------------------------------------------------------
# What `evalkit benchmarks` shows: one call from a scorecard and its data


DEFAULT_PERCENTILES = (75.0, 90.0)


@attrs.frozen
class LeagueRow:
    """One row of a league table: a peer's rank, id, name and value, and its difference from the unit."""

    rank: int
    id: str
    name: str
    value: float | None
    difference: float | None  # the peer's gap to the unit (positive = better than it); None for the unit itself
    this_unit: bool


@attrs.frozen
class UnitBenchmark:
    """One unit and one indicator: its value, rank among peers, gap to every benchmark and its league table."""

    indicator: Indicator
    value: float | None
    rank: int | None  # competition rank among the peers with a value; None without a value
    peers: int  # peers with a value in its group
    group: str
    benchmarks: tuple[tuple[str, float | None, float | None], ...]  # (benchmark, the unit's gap, benchmark value)
    league: tuple[LeagueRow, ...]
    league_size: int


def _plain(value: float) -> float | None:
    """A float from numpy for display and CSV: None for NaN (no value)."""
    number = float(value)
    return None if math.isnan(number) else number


@attrs.frozen
class BenchmarkReport:
    """The benchmarks of a period and, with `unit`, that unit's gaps and league tables: `evalkit benchmarks`."""

    benchmarks: Benchmarks
    unit: str | None = None
    decimals: int = 2  # the scorecard's rounding decimals, for tables

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (`evalkit benchmarks --format json`)."""
        return self.benchmarks.to_dict(unit_ids=[self.unit] if self.unit else None, league=bool(self.unit))

    def benchmark_names(self) -> list[str]:
        """Every benchmark of any indicator, in the order they first appear."""
        names: list[str] = []
        for ib in self.benchmarks.indicators.values():
            names.extend(n for n in ib.table if n not in names)
        return names

    def group_rows(self) -> list[tuple[Indicator, str, int, dict[str, float | None]]]:
        """(indicator, peer group, peers with a value, {benchmark: value}) per indicator and group."""
        bm = self.benchmarks
        return [(ib.indicator, label, int(ib.n[g]), {name: _plain(column[g]) for name, column in ib.table.items()})
                for ib in bm.indicators.values() for g, label in enumerate(bm.labels)]

    def unit_rows(self) -> list[UnitBenchmark]:
        """The unit's figures per indicator (empty without `unit`)."""
        if self.unit is None:
            return []
        bm = self.benchmarks
        uid = self.unit
        i = bm.units.index[uid]
        code = int(bm.codes[i])
        out = []
        for iid, ib in bm.indicators.items():
            gaps = bm.gaps(iid)
            league = bm.league(iid, uid)
            rows = []
            for k, (pos, r) in enumerate(zip(league.positions.tolist(), league.ranks.tolist())):
                diff = gap(np.asarray([ib.values[pos]]), ib.values[i], ib.higher_is_better)[0]
                rows.append(LeagueRow(rank=int(r), id=bm.units.ids[pos], name=bm.units.names[pos],
                                      value=_plain(ib.values[pos]), difference=None if k == league.focus else _plain(diff),
                                      this_unit=k == league.focus))
            rank = int(bm.ranks(iid)[i])
            out.append(UnitBenchmark(indicator=ib.indicator, value=_plain(ib.values[i]), rank=rank or None,
                                     peers=int(ib.n[code]), group=bm.labels[code],
                                     benchmarks=tuple((name, _plain(gaps[name][i]), _plain(column[code]))
                                                      for name, column in ib.table.items()),
                                     league=tuple(rows), league_size=league.size))
        return out

    def to_csv(self) -> str:
        """CSV (with a BOM): a row per indicator, group and benchmark; with `unit`, the unit's gap to each."""
        from evalkit.io.csv_text import csv_number

        bm = self.benchmarks
        if self.unit is None:
            rows = [(iid, label, int(ib.n[g]), name, csv_number(_plain(column[g])))
                    for iid, ib in bm.indicators.items() for g, label in enumerate(bm.labels)
                    for name, column in ib.table.items()]
            return csv_text(rows, ("indicator", "group", "n", "benchmark", "value"))
        unit_rows = [(self.unit, u.indicator.id, u.group, csv_number(u.value), u.rank or "", u.peers, name,
                      csv_number(value), csv_number(gap_value))
                     for u in self.unit_rows() for name, gap_value, value in u.benchmarks]
        return csv_text(unit_rows, ("unit", "indicator", "group", "value", "rank", "peers", "benchmark", "benchmark_value",
                                    "gap"))


def choose_indicators(scorecard: Scorecard, wanted: Sequence[str] | None = None) -> dict[str, Indicator]:
    """The scorecard's indicators (declared, derived and from plugins), or the ones asked for (DataError if unknown)."""
    known = dict(scorecard.indicators)
    if not wanted:
        return known
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise DataError([Problem("unknown indicator", source="--indicator", expected="one of " + ", ".join(known),
                                 found=repr(w)) for w in unknown])
    return {w: known[w] for w in dict.fromkeys(wanted)}


def benchmark_report(scorecard: Scorecard, data: DataSet, *, indicators: Sequence[str] | None = None,
                     peer_group: str = "all", percentiles: Sequence[float] | None = None, designated: Sequence[str] = (),
                     standards: str | Path | Table | Sequence[Standard] | None = None, unit: str | None = None,
                     registry: Registry | None = None, units_source: str = "units",
                     quantile_method: str = PERCENTILE_METHOD) -> BenchmarkReport:
    """Benchmarks of a scorecard's indicators in `data` (derived indicators computed), as `evalkit benchmarks` shows them.

    Without `indicators`, every indicator with values in the period. `standards` is a file or table read by
    `read_standards`, or Standards already read. `unit` adds that unit's gaps and league tables;
    `units_source` names the units file in the message for an unknown unit.
    """
    from evalkit.scoring.engine import with_derived

    data = with_derived(scorecard, data)[0]
    chosen = choose_indicators(scorecard, indicators)
    if not indicators:  # every indicator with at least one value in the period
        chosen = {k: v for k, v in chosen.items() if k in data.columns}
    if isinstance(standards, (str, Path)):
        from evalkit.io.inputs import read_table
        from evalkit.plugins.manager import default_registry

        standards = read_table(standards, registry if registry is not None else default_registry())
    read = read_standards(standards, scorecard.indicators) if isinstance(standards, Table) else tuple(standards or ())
    if unit and unit not in data.units.index:
        raise DataError(Problem("unknown unit", source=units_source, expected="an id from the units file", found=repr(unit)))
    bm = compute_benchmarks(data, chosen, peer_group=peer_group,
                            percentiles=DEFAULT_PERCENTILES if percentiles is None else percentiles,
                            designated=designated, standards=read, quantile_method=quantile_method)
    return BenchmarkReport(benchmarks=bm, unit=unit or None, decimals=scorecard.rounding_decimals)
