"""Per event: points off (or on) for each occurrence, with a cap (限扣).

"0.5 points off for each missed meeting, at most 5 off": with `mode: deduct` (default) a unit starts
at max_points and loses `per_event` for each event, losing at most `cap`. With `mode: add` a unit earns
`per_event` for each event, at most `cap`. Counts must not be negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class PerEventRule(Rule):
    name = "per_event"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="按次扣分", en="Per event")
    description = "Points off (or on) per occurrence, capped: '0.5 off per missed meeting, at most 5'."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["per_event"],
        "additionalProperties": False,
        "properties": {
            "per_event": {"type": "number", "exclusiveMinimum": 0, "description": "Points per occurrence."},
            "cap": {"type": "number", "exclusiveMinimum": 0, "description": "Most points taken off (or given); default max_points."},
            "mode": {"enum": ["deduct", "add"], "default": "deduct"},
        },
    }
    value_range = (0.0, float("inf"))

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        wanted = "lower" if params.get("mode", "deduct") == "deduct" else "higher"
        if indicator.direction != wanted:
            yield ParamProblem(("mode",), f"indicator {indicator.id!r} says {indicator.direction} is better, but this rule "
                               f"makes more events worth {'fewer' if wanted == 'lower' else 'more'} points",
                               expected=f"an indicator with direction: {wanted}", found=f"direction: {indicator.direction}")
        if params.get("cap", max_points) > max_points:
            yield ParamProblem(("cap",), "the cap is larger than the item's max_points",
                               expected=f"at most {fmt(max_points)}", found=fmt(params["cap"]))

    def deducts(self, params: Mapping[str, Any]) -> bool:
        return params.get("mode", "deduct") == "deduct"

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {"per_event": float(params["per_event"]), "cap": float(params.get("cap", max_points)),
                "mode": params.get("mode", "deduct")}

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        moved = np.multiply(values, p["per_event"])
        np.minimum(moved, p["cap"], out=moved)
        return np.subtract(ctx.max_points, moved, out=moved) if p["mode"] == "deduct" else moved

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        if p["mode"] == "deduct":
            return Label(zh=f"{fmt(value)} 次，每次扣 {fmt(p['per_event'], exact=True)} 分，最多扣 {fmt(p['cap'], exact=True)} 分，得 {fmt(points)} 分",
                         en=f"{fmt(value)} events at {fmt(p['per_event'], exact=True)} off each, at most {fmt(p['cap'], exact=True)} off: {fmt(points)} points")
        return Label(zh=f"{fmt(value)} 次，每次加 {fmt(p['per_event'], exact=True)} 分，最多 {fmt(p['cap'], exact=True)} 分，得 {fmt(points)} 分",
                     en=f"{fmt(value)} events at {fmt(p['per_event'], exact=True)} each, at most {fmt(p['cap'], exact=True)}: {fmt(points)} points")
