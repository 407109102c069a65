"""Several assessors of the same items: self-assessment (自评), the superior's assessment (考评), an assessment group.

Each source gives values for the same indicators (one DataSet per source). They are combined value by
value before scoring, so the combined values are graded, gated, ranked and explained like any other:

- `weights` ({source: weight}): per unit and indicator, the weighted mean of the sources that have a
  value (weights re-normalised over those);
- `override` ([source, ...], first wins): per unit and indicator, the value of the first source in the
  list that has one (the superior's value overrides the self-assessment).

Each source is also scored alone, so its total is known; where the self-assessment's total exceeds the
superior's by at least `gap` points the unit is flagged (自评虚高). The result's `to_dict()` is the
combined evaluation's JSON plus, per unit, `source_totals`, `self_gap` and `self_overrated`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.definition.model import Scorecard
from evalkit.errors import DataError, Problem
from evalkit.io.data import DataSet
from evalkit.rules.base import fmt
from evalkit.scoring.evaluation import Evaluation
from evalkit.scoring.rounding import Rounding


@attrs.frozen
class AssessedEvaluation:
    """The combined evaluation, each source's own totals, and the self-assessment gaps."""

    combined: Evaluation
    source_totals: Mapping[str, np.ndarray]
    gaps: np.ndarray | None  # self total - superior total per unit (NaN where either is missing)
    overrated: np.ndarray  # True where the gap is at least `gap`
    gap: float | None
    self_source: str
    superior_source: str
    method: str  # "weights" or "override"

    def to_dict(self) -> dict[str, Any]:
        """The combined evaluation's JSON, each unit with its sources' totals and the self-assessment gap."""
        doc = self.combined.to_dict()
        index = self.combined.units.index
        for unit in doc["units"]:
            i = index[unit["id"]]
            unit["source_totals"] = {s: _num(t[i]) for s, t in self.source_totals.items()}
            if self.gaps is not None:
                unit["self_gap"] = _num(self.gaps[i])
                unit["self_overrated"] = bool(self.overrated[i])
        doc["assessment_sources"] = {"method": self.method, "sources": list(self.source_totals),
                                     "self": self.self_source, "superior": self.superior_source,
                                     **({"gap": self.gap} if self.gap is not None else {})}
        return doc

    def explain(self, unit_id: str, lang: str = "zh") -> list[str]:
        """The combined explanation, then each source's total and the gap (自评虚高 when flagged)."""
        lines = self.combined.explain(unit_id, lang)
        i = self.combined.units.index[unit_id]
        zh = lang == "zh"
        parts = [f"{s} {fmt(t[i])}" for s, t in self.source_totals.items()]
        lines.append(("各方评分：" if zh else "by source: ") + ("，" if zh else ", ").join(parts))
        if self.gaps is not None and self.overrated[i]:
            lines.append(f"自评虚高：自评比上级考评高 {fmt(self.gaps[i])} 分（≥ {fmt(self.gap)} 分）" if zh
                         else f"self-assessment overrated: {fmt(self.gaps[i])} above the superior's (at least {fmt(self.gap)})")
        return lines


def combine_values(sources: Mapping[str, DataSet], weights: Mapping[str, float] | None = None,
                   override: Sequence[str] | None = None) -> DataSet:
    """One DataSet from several sources' values for the same units, by weights or by override order."""
    if (weights is None) == (override is None):
        raise DataError(Problem("say how the sources combine", expected="weights or override, not both",
                                found="both" if weights is not None else "neither"))
    names = list(weights or {}) if weights is not None else list(override or ())
    unknown = [s for s in names if s not in sources]
    if unknown:
        raise DataError(Problem("unknown assessment source", expected="one of " + ", ".join(sources), found=repr(unknown[0])))
    first = sources[names[0]]
    ids = first.units.ids
    for name in names[1:]:
        if sources[name].units.ids != ids:
            raise DataError(Problem(f"source {name!r} assesses other units than {names[0]!r}", expected="the same units",
                                    found=f"{len(sources[name].units)} units"))
    n = len(ids)
    indicators = sorted({k for s in names for k in sources[s].columns})
    columns: dict[str, np.ndarray] = {}
    for indicator in indicators:
        stack = np.vstack([sources[s].columns.get(indicator, np.full(n, np.nan)) for s in names])
        present = ~np.isnan(stack)
        if weights is not None:
            w = np.asarray([float(weights[s]) for s in names])[:, None] * present
            total = w.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                columns[indicator] = np.where(total > 0, np.nansum(np.where(present, stack, 0.0) * w, axis=0) / total, np.nan)
        else:
            out = np.full(n, np.nan)
            for row in stack[::-1]:  # the first source in the list is applied last, so it wins
                out = np.where(np.isnan(row), out, row)
            columns[indicator] = out
    return attrs.evolve(first, columns=columns)


def evaluate_sources(scorecard: Scorecard, sources: Mapping[str, DataSet], *, weights: Mapping[str, float] | None = None,
                     override: Sequence[str] | None = None, gap: float | None = None, self_source: str = "self",
                     superior_source: str = "superior", adjustments: Sequence[Any] = ()) -> AssessedEvaluation:
    """Score the sources' combined values, each source alone, and flag self-assessments above the superior's by `gap`."""
    from evalkit.scoring.adjustments import records_from
    from evalkit.scoring.engine import evaluate

    combined_data = combine_values(sources, weights, override)
    records = records_from(adjustments, combined_data.units.ids, scorecard)
    combined = evaluate(scorecard, combined_data, scorecard.registry, records)
    totals = {name: evaluate(scorecard, data, scorecard.registry, records).totals for name, data in sources.items()}
    gaps = None
    overrated = np.zeros(len(combined_data.units), dtype=bool)
    if self_source in totals and superior_source in totals:
        rounding = Rounding(scorecard.rounding_decimals, scorecard.rounding_mode)
        gaps = rounding(totals[self_source] - totals[superior_source])
        if gap is not None:
            with np.errstate(invalid="ignore"):
                overrated = np.asarray(gaps >= gap, dtype=bool)
    return AssessedEvaluation(combined=combined, source_totals=totals, gaps=gaps, overrated=overrated, gap=gap,
                              self_source=self_source, superior_source=superior_source,
                              method="weights" if weights is not None else "override")


def _num(x: float) -> float | int | None:
    value = float(x)
    if value != value:
        return None
    return int(value) if value.is_integer() else value
