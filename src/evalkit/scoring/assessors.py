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

from evalkit.definition.assessment_sources import SourcesSpec
from evalkit.definition.model import Scorecard
from evalkit.errors import DataError, Problem
from evalkit.io.data import DataSet
from evalkit.scoring.assessment import Assessment
from evalkit.scoring.evaluation import Evaluation
from evalkit.scoring.rounding import Rounding


@attrs.frozen
class AssessedEvaluation:
    """The combined evaluation (carrying the sources' totals and gaps as `combined.assessment`)."""

    combined: Evaluation
    assessment: Assessment

    @property
    def source_totals(self) -> Mapping[str, np.ndarray]:
        return self.assessment.source_totals

    @property
    def gaps(self) -> np.ndarray | None:
        return self.assessment.gaps

    @property
    def overrated(self) -> np.ndarray:
        return self.assessment.overrated

    def to_dict(self) -> dict[str, Any]:
        """The combined evaluation's JSON, each unit with its sources' totals and the self-assessment gap."""
        return self.combined.to_dict()

    def explain(self, unit_id: str, lang: str = "zh") -> list[str]:
        """The combined explanation, ending with each source's total and the gap (自评虚高 when flagged)."""
        return self.combined.explain(unit_id, lang)


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
    evidence: dict[str, np.ndarray] = {}
    for indicator in sorted({k for s in names for k in sources[s].evidence}):  # 佐证: every source's reference
        refs = np.full(n, "", dtype=object)
        for s in names:
            given = sources[s].evidence.get(indicator)
            if given is None:
                continue
            for i in np.flatnonzero(given != ""):
                if given[i] not in str(refs[i]).split("; "):
                    refs[i] = f"{refs[i]}; {given[i]}" if refs[i] else str(given[i])
        evidence[indicator] = refs
    return attrs.evolve(first, columns=columns, evidence=evidence)


def evaluate_sources(scorecard: Scorecard, sources: Mapping[str, DataSet], *, weights: Mapping[str, float] | None = None,
                     override: Sequence[str] | None = None, gap: float | None = None, self_source: str = "self",
                     superior_source: str = "superior", adjustments: Sequence[Any] = (),
                     labels: Mapping[str, Mapping[str, str]] | None = None,
                     progress: Any = None) -> AssessedEvaluation:
    """Score the sources' combined values, each source alone, and flag self-assessments above the superior's by `gap`."""
    from evalkit.scoring.adjustments import records_from
    from evalkit.scoring.engine import evaluate

    combined_data = combine_values(sources, weights, override)
    records = records_from(adjustments, combined_data.units.ids, scorecard)
    combined = evaluate(scorecard, combined_data, scorecard.registry, records, progress=progress)
    totals = {name: evaluate(scorecard, data, scorecard.registry, records).totals for name, data in sources.items()}
    gaps = None
    overrated = np.zeros(len(combined_data.units), dtype=bool)
    if self_source in totals and superior_source in totals:
        rounding = Rounding(scorecard.rounding_decimals, scorecard.rounding_mode)
        gaps = rounding(totals[self_source] - totals[superior_source])
        if gap is not None:
            with np.errstate(invalid="ignore"):
                overrated = np.asarray(gaps >= gap, dtype=bool)
    assessment = Assessment(source_totals=totals, gaps=gaps, overrated=overrated, gap=gap, self_source=self_source,
                            superior_source=superior_source, method="weights" if weights is not None else "override",
                            labels=dict(labels or {}))
    return AssessedEvaluation(combined=attrs.evolve(combined, assessment=assessment), assessment=assessment)


def evaluate_declared(scorecard: Scorecard, spec: SourcesSpec, sources: Mapping[str, DataSet], *,
                      adjustments: Sequence[Any] = (), progress: Any = None) -> AssessedEvaluation:
    """`evaluate_sources` as the scorecard's `sources:` block declares it (what `evalkit run` does)."""
    labels = {a.id: {"zh": a.name_zh, "en": a.name_en} for a in spec.assessors}
    return evaluate_sources(scorecard, sources, weights=spec.weights(),
                            override=None if spec.combine == "weights" else spec.order, gap=spec.gap,
                            self_source=spec.self_source, superior_source=spec.superior_source,
                            adjustments=adjustments, labels=labels, progress=progress)
