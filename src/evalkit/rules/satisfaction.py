"""Satisfaction index from category counts (满意度测评).

The item lists one indicator per answer category, best first, each holding the number of ballots
in that category; the index is the weighted mean of the category weights,
index = sum(weight_k x count_k) / sum(count_k), on the scale of the largest weight, and
points = max_points x index / max(weights). The default weights are the statistics bureau's: very
satisfied 100, satisfied 80, basically satisfied 60, not very satisfied 30, dissatisfied 0.

Worked example: 20, 15, 10, 3, 2 ballots -> (2000 + 1200 + 600 + 90 + 0) / 50 = 77.8, so an item
worth 10 points earns 7.78. A unit with no ballots at all cannot be scored (missing data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt

STATISTICS_BUREAU_WEIGHTS = (100, 80, 60, 30, 0)


class SatisfactionIndexRule(Rule):
    name = "satisfaction_index"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="满意度指数", en="Satisfaction index")
    description = "Weighted mean of ballot categories (default 100/80/60/30/0), scaled to max_points."
    inputs = "many"
    value_range = (0.0, float("inf"))
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "weights": {"type": "array", "minItems": 2, "items": {"type": "number", "minimum": 0},
                        "description": "One weight per category, in the order of the item's indicators (best first). "
                                       "Default 100, 80, 60, 30, 0."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        weights = params.get("weights", STATISTICS_BUREAU_WEIGHTS)
        count = len(indicator) if isinstance(indicator, tuple) else 1
        if len(weights) != count:
            yield ParamProblem(("weights",), "one weight is needed per indicator of the item",
                               expected=f"{count} weights", found=f"{len(weights)}")
        if max(weights) <= 0:
            yield ParamProblem(("weights",), "at least one weight must be positive", expected="a weight > 0",
                               found="all zero")
        if list(weights) != sorted(weights, reverse=True):
            yield ParamProblem(("weights",), "categories are listed best first, so weights must not increase",
                               expected="weights in descending order", found=", ".join(fmt(w) for w in weights))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        weights = np.asarray(params.get("weights", STATISTICS_BUREAU_WEIGHTS), dtype=np.float64)
        return {"weights": weights, "top": float(weights.max())}

    def index(self, counts: np.ndarray, ctx: RuleContext) -> np.ndarray:
        """The satisfaction index per unit (NaN where a unit has no ballots)."""
        total = counts.sum(axis=1)
        weighted = counts @ ctx.params["weights"]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, weighted / total, np.nan)

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        return self.index(values, ctx) * (ctx.max_points / ctx.params["top"])

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        counts = np.asarray(value, dtype=np.float64)[None, :]
        idx = float(self.index(counts, ctx)[0])
        parts = "、".join(f"{ind.name.text('zh')} {fmt(c)}" for ind, c in zip(ctx.indicators, counts[0]))
        parts_en = ", ".join(f"{ind.name.text('en')} {fmt(c)}" for ind, c in zip(ctx.indicators, counts[0]))
        return Label(zh=f"满意度指数 {fmt(idx)}（{parts}），得 {fmt(points)} 分",
                     en=f"satisfaction index {fmt(idx)} ({parts_en}): {fmt(points)} points")
