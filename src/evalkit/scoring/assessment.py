"""What an Evaluation of several assessors' combined values carries about them (自评, 考评 ...).

Each source's own total per unit, the self-assessment's gap to the superior's, and the units flagged as
overrated (自评虚高). `Evaluation.assessment` holds one when the values were combined
(evalkit.scoring.assessors); the JSON result, `explain` and the reports read it from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from evalkit.rules.base import fmt


def _num(x: float) -> float | int | None:
    value = float(x)
    if value != value:
        return None
    return int(value) if value.is_integer() else value


@attrs.frozen
class Assessment:
    """Each source's totals, the gaps and the 自评虚高 flags, aligned with the evaluation's units."""

    source_totals: Mapping[str, np.ndarray]
    gaps: np.ndarray | None  # self total - superior total per unit (NaN where either is missing)
    overrated: np.ndarray  # True where the gap is at least `gap`
    gap: float | None
    self_source: str
    superior_source: str
    method: str  # "weights" or "override"
    labels: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)  # source -> {"zh": ..., "en": ...}

    def label(self, source: str, lang: str) -> str:
        names = self.labels.get(source, {})
        return names.get(lang) or names.get("zh") or names.get("en") or source

    def unit_entry(self, i: int) -> dict[str, Any]:
        """The keys a unit's JSON entry gets: source_totals, and self_gap and self_overrated when both are known."""
        out: dict[str, Any] = {"source_totals": {s: _num(t[i]) for s, t in self.source_totals.items()}}
        if self.gaps is not None:
            out["self_gap"] = _num(self.gaps[i])
            out["self_overrated"] = bool(self.overrated[i])
        return out

    def to_dict(self) -> dict[str, Any]:
        """The result's "assessment_sources" entry."""
        return {"method": self.method, "sources": list(self.source_totals), "self": self.self_source,
                "superior": self.superior_source, **({"gap": _num(self.gap)} if self.gap is not None else {})}

    def lines(self, i: int, lang: str) -> list[str]:
        """For `explain`: each source's total, and the 自评虚高 flag."""
        zh = lang == "zh"
        parts = [f"{self.label(s, lang)} {fmt(t[i])}" for s, t in self.source_totals.items()]
        lines = [("各方评分：" if zh else "by source: ") + ("，" if zh else ", ").join(parts)]
        if self.gaps is not None and self.overrated[i]:
            lines.append(f"自评虚高：自评比上级考评高 {fmt(self.gaps[i])} 分（≥ {fmt(self.gap)} 分）" if zh
                         else f"self-assessment overrated: {fmt(self.gaps[i])} above the superior's (at least {fmt(self.gap)})")
        return lines

    def flag_text(self, i: int, lang: str) -> str:
        """自评虚高 (or the English) for a flagged unit, else ""."""
        if self.gaps is None or not self.overrated[i]:
            return ""
        return "自评虚高" if lang == "zh" else "self-assessment overrated"
