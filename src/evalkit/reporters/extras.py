"""What the xlsx, html and markdown reports show beside the evaluation, when a run computed it:
tier transitions against an earlier result, benchmark gaps and target status (`ReportOptions.extras`).

The figures are the library's own, never recomputed here: `evalkit.analysis.transitions.Comparison` (its
matrix, `TierSummary` shares and moves), `evalkit.analysis.benchmarks.Benchmarks` (the peers' ``median`` and
``top_decile`` and `Benchmarks.gaps`) and `evalkit.analysis.targets.Assessment.rows()`. This module only lays
them out as rows, once, for the three formats.

Conventions, the library's: a gap is positive when the unit is better than the benchmark (in the
indicator's direction and unit); a share is of the starting tier's units; progress is (actual -
baseline) / (target - baseline), 1 at the target.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from evalkit.reporters.base import ReportExtras
from evalkit.reporters.common import label
from evalkit.scoring.rounding import json_number as number

if TYPE_CHECKING:
    from evalkit.analysis.benchmarks import Benchmarks
    from evalkit.analysis.targets import Assessment
    from evalkit.analysis.transitions import Comparison, Share, TierSummary
    from evalkit.reporters.base import ReportOptions

# Colours of the three moves and of the target statuses (full for badges and bars, tints for cells).
MOVE_COLOURS = {"up": "#2b8a3e", "stayed": "#9aa5b1", "down": "#c92a2a"}
MOVE_TINTS = {"up": "#d3f9d8", "stayed": "#eef1f4", "down": "#ffc9c9"}
STATUS_COLOURS = {"achieved": "#2b8a3e", "on_track": "#5c940d", "behind": "#c98a00", "off_track": "#c92a2a",
                  "no_data": "#8a8f98"}
STATUS_TINTS = {"achieved": "#d3f9d8", "on_track": "#e9fac8", "behind": "#ffec99", "off_track": "#ffc9c9",
                "no_data": "#e9ecef"}
BENCHMARK_NAMES = ("median", "top_decile")  # the benchmarks every report shows, with the gap to each


def extras_of(options: ReportOptions | object) -> ReportExtras | None:
    """The options' extras, or None when there are none (options made before extras existed too)."""
    extras = getattr(options, "extras", None)
    return extras if extras else None


def number_text(value: Any, decimals: int = 2, signed: bool = False) -> str:
    """A figure as text: rounded half up to `decimals`, trailing zeros dropped; '' for none."""
    from evalkit.rules.base import fmt
    from evalkit.scoring.rounding import round_array

    x = number(value)
    if x is None:
        return ""
    text = fmt(float(round_array(float(x), decimals)))
    return "+" + text if signed and not text.startswith("-") and text != "0" else text


def number_texts(values: Any, decimals: int = 2, signed: bool = False) -> list[str]:
    """`number_text` of every element of an array at once (one rounding of the whole column)."""
    from evalkit.rules.base import fmt
    from evalkit.scoring.rounding import round_array

    x = np.asarray([np.nan if v is None else v for v in values] if isinstance(values, list) else values, dtype=np.float64)
    rounded = round_array(np.round(x, 12), decimals).tolist()
    out = []
    for v in rounded:
        if v != v or v in (math.inf, -math.inf):
            out.append("")
            continue
        text = fmt(v)
        out.append("+" + text if signed and not text.startswith("-") and text != "0" else text)
    return out


def percent_text(fraction: Any, decimals: int = 1) -> str:
    """0.253 -> '25.3%' (rounded half up); '' for none."""
    from evalkit.scoring.rounding import round_array

    x = number(fraction)
    if x is None:
        return ""
    return f"{float(round_array(x * 100, decimals, 'half_up')):.{decimals}f}%"


def share_text(share: Share, decimals: int = 1) -> str:
    """A Share as '44 (25.3%)': the library's count and its percentage of the starting tier, half up."""
    p = share.percent(decimals)
    return f"{share.count}" + (f" ({p:.{decimals}f}%)" if p is not None else "")


# --------------------------------------------------------------------------------------------------
# Tier transitions


@attrs.frozen
class TransitionView:
    """A Comparison laid out for a report: labels, the matrix and the per-tier summaries."""

    comparison: Any
    lang: str
    labels: tuple[str, ...]  # tier labels, best first
    counts: list[list[int]]  # matrix[i][j]: units in tier i before and tier j after
    tiers: list  # TierSummary per starting tier, best first

    @property
    def before_period(self) -> str:
        return str(self.comparison.before["period"])

    @property
    def after_period(self) -> str:
        return str(self.comparison.after["period"])

    @property
    def source(self) -> str:
        return str(self.comparison.before.get("source") or self.before_period)

    def moves(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """(from tier, to tier, unit ids) of every cell off the diagonal with units, best starting tier first."""
        cells = self.comparison.matrix()
        return [(i, j, cells[i][j]) for i in range(len(cells)) for j in range(len(cells)) if i != j and cells[i][j]]

    def corner(self) -> str:
        """The matrix's corner cell: rows are the earlier tiers, columns the later ones."""
        return label("matrix_corner", self.lang).format(a=self.before_period, b=self.after_period)

    def summary_lines(self) -> list[str]:
        """Compared with what, how many units in both, only in one, without a grade; the marked rule."""
        c, lang = self.comparison, self.lang
        lines = [label("compared_with", lang).format(source=self.source, a=self.before_period, b=self.after_period)]
        counts = [label("in_both", lang).format(n=len(c.moves))]
        if c.only_before:
            counts.append(label("only_in", lang).format(p=self.before_period, n=len(c.only_before)))
        if c.only_after:
            counts.append(label("only_in", lang).format(p=self.after_period, n=len(c.only_after)))
        if c.ungraded:
            counts.append(label("ungraded_n", lang).format(n=len(c.ungraded)))
        lines.append(("；" if lang == "zh" else "; ").join(counts))
        if c.marked_rule is not None:
            lines.append(f"{label('marked_rule', lang)}{'：' if lang == 'zh' else ': '}{c.marked_rule.describe(lang)}")
        return lines


def transition_view(comparison: Comparison, lang: str) -> TransitionView:
    return TransitionView(comparison=comparison, lang=lang,
                          labels=tuple(comparison.label(g, lang) for g in comparison.grade_ids),
                          counts=comparison.counts(), tiers=comparison.tiers())


def tier_shares(tier: TierSummary, last: bool, first: bool) -> list[tuple[str, Any]]:
    """(move, Share) of a starting tier: up (none for the best tier), stayed, down (none for the worst)."""
    out = []
    if not first:
        out.append(("up", tier.up))
    out.append(("stayed", tier.stayed))
    if not last:
        out.append(("down", tier.down))
    return out


# --------------------------------------------------------------------------------------------------
# Benchmarks


@attrs.frozen
class BenchmarkIndicator:
    """One indicator's benchmark figures per unit (arrays aligned with the benchmarks' units)."""

    id: str
    name: str
    measure: str
    higher_is_better: bool
    values: np.ndarray
    peers: np.ndarray  # peers with a value in the unit's group
    rank: np.ndarray  # the unit's rank among them (0: no value)
    benchmarks: dict  # name -> value per unit
    gaps: dict  # name -> gap per unit (positive = better)


def benchmark_indicators(bm: Benchmarks, lang: str) -> list[BenchmarkIndicator]:
    """Every indicator of the benchmarks, with the median and top-decile figures per unit."""
    out = []
    for iid, ib in bm.indicators.items():
        gaps = bm.gaps(iid)
        names = [n for n in BENCHMARK_NAMES if n in ib.table]
        out.append(BenchmarkIndicator(
            id=iid, name=ib.indicator.name.text(lang) or iid, measure=ib.indicator.unit or "",
            higher_is_better=ib.higher_is_better, values=np.asarray(ib.values, dtype=np.float64),
            peers=np.asarray(ib.n)[bm.codes], rank=np.asarray(bm.ranks(iid)),
            benchmarks={n: bm.per_unit(iid, n) for n in names}, gaps={n: gaps[n] for n in names}))
    return out


def benchmark_rows(bm: Benchmarks, unit_ids: Iterable[str], lang: str) -> Iterator[dict[str, Any]]:
    """Per unit (in the order of `unit_ids`) and indicator: a dict of the figures; units not benchmarked skipped."""
    indicators = []
    for ind in benchmark_indicators(bm, lang):  # plain lists: indexing them is what the loop below does 10^5 times
        names = [n for n in BENCHMARK_NAMES if n in ind.benchmarks]
        indicators.append((ind, "higher" if ind.higher_is_better else "lower", ind.values.tolist(), ind.peers.tolist(),
                           ind.rank.tolist(), [(n, ind.benchmarks[n].tolist(), ind.gaps[n].tolist()) for n in names]))
    index = bm.units.index
    codes = np.asarray(bm.codes).tolist()
    for uid in unit_ids:
        i = index.get(uid)
        if i is None:
            continue
        group = bm.labels[codes[i]]
        name = bm.units.names[i]
        for ind, direction, values, peers, ranks, figures in indicators:
            row = {"unit": uid, "name": name, "group": group, "indicator": ind.id, "indicator_name": ind.name,
                   "measure": ind.measure, "direction": direction, "value": number(values[i]), "peers": int(peers[i]),
                   "rank": int(ranks[i]) or None}
            for n, benchmark, gaps in figures:
                row[n] = number(benchmark[i])
                row[f"gap_{n}"] = number(gaps[i])
            yield row


def benchmark_groups(bm: Benchmarks, lang: str) -> list[dict]:
    """Per indicator and peer group: peers with a value, median, top-decile mean, units below the median."""
    out = []
    codes = np.asarray(bm.codes)
    for ind, (iid, ib) in zip(benchmark_indicators(bm, lang), bm.indicators.items()):
        below = ind.gaps.get("median")
        for g, group in enumerate(bm.labels):
            members = codes == g
            out.append({"indicator": iid, "indicator_name": ind.name, "group": group, "n": int(ib.n[g]),
                        "median": number(ib.table["median"][g]) if "median" in ib.table else None,
                        "top_decile": number(ib.table["top_decile"][g]) if "top_decile" in ib.table else None,
                        "below_median": int(np.count_nonzero(members & (below < 0))) if below is not None else None})
    return out


def direction_text(direction: str, lang: str) -> str:
    return label("higher_better" if direction == "higher" else "lower_better", lang)


# --------------------------------------------------------------------------------------------------
# Targets


def target_rows(assessment: Assessment, lang: str) -> list[dict]:
    """`Assessment.rows()` (by unit, then indicator) with the indicator's name and the status label."""
    from evalkit.analysis.targets import STATUS_LABELS

    out = []
    for row in assessment.rows():
        ind = assessment.indicators.get(row["indicator"])
        name = (ind.name.text(lang) if ind is not None else "") or row["indicator"]
        out.append({**row, "indicator_name": name, "measure": (ind.unit if ind is not None else "") or "",
                    "status_label": STATUS_LABELS[row["status"]][lang]})
    return out


def status_label(status: str, lang: str) -> str:
    from evalkit.analysis.targets import STATUS_LABELS

    return STATUS_LABELS[status][lang]


def status_counts(rows: list[dict]) -> dict[str, dict[str, int]]:
    """{indicator: {status: count}} in the rows' order, every status present (0 when none)."""
    from evalkit.analysis.targets import STATUSES

    out: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = out.setdefault(row["indicator"], dict.fromkeys(STATUSES, 0))
        counts[row["status"]] += 1
    return out
