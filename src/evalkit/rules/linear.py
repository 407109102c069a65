"""Linear between two thresholds, clamped: the UK QOF form.

QOF awards points = max x (achievement - lower) / (upper - lower), clamped to [0, max]. For an
indicator where lower is better the same thresholds are read the other way round: full points at or
below `lower`, none at or above `upper`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class LinearRule(Rule):
    name = "linear"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="线性插值", en="Linear between thresholds")
    description = "Points rise linearly from 0 at one threshold to max_points at the other (QOF form), clamped."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["lower", "upper"],
        "additionalProperties": False,
        "properties": {
            "lower": {"type": "number", "description": "Lower threshold (0 points when higher is better)."},
            "upper": {"type": "number", "description": "Upper threshold (full points when higher is better)."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        if params["lower"] >= params["upper"]:
            yield ParamProblem(("upper",), "the upper threshold must be above the lower one",
                               expected=f"a number > {fmt(params['lower'])}", found=fmt(params["upper"]))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        lower, upper = float(params["lower"]), float(params["upper"])
        # Fold direction into the coefficients: points = clip(a + b * v, 0, max).
        slope = max_points / (upper - lower)
        if indicator.direction == "higher":
            return {"lower": lower, "upper": upper, "a": -lower * slope, "b": slope}
        return {"lower": lower, "upper": upper, "a": upper * slope, "b": -slope}

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        points = values * p["b"]
        points += p["a"]
        return np.clip(points, 0.0, ctx.max_points, out=points)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        lo, hi = fmt(p["lower"], exact=True), fmt(p["upper"], exact=True)
        if ctx.higher_is_better:
            return Label(zh=f"实际值 {fmt(value)} 在 {lo}（0 分）至 {hi}（满分 {fmt(ctx.max_points)}）之间线性计分，得 {fmt(points)} 分",
                         en=f"value {fmt(value)} scored linearly from {lo} (0 points) to {hi} (full {fmt(ctx.max_points)}): {fmt(points)} points")
        return Label(zh=f"实际值 {fmt(value)} 越低越好：{lo} 及以下满分 {fmt(ctx.max_points)}，{hi} 及以上 0 分，得 {fmt(points)} 分",
                     en=f"value {fmt(value)}, lower is better: full {fmt(ctx.max_points)} at {lo} or below, 0 at {hi} or above: {fmt(points)} points")
