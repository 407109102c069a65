"""Target attainment: points = max_points x min(1, actual / target).

The target is shared (`target`) or per unit (`target_indicator`, another indicator's column). When
lower is better the ratio is target / actual, so reaching or beating the target earns full points.
A unit whose target is missing or not positive cannot be scored: it is treated as missing data.
"""

from __future__ import annotations

import numpy as np

from evalkit.model import Label
from evalkit.rules.base import Rule, RuleContext, fmt


class TargetRule(Rule):
    name = "target"
    title = Label(zh="目标完成率", en="Target attainment")
    description = "Points in proportion to actual / target, capped at full points; shared or per-unit target."
    params_schema = {
        "type": "object",
        "additionalProperties": False,
        "oneOf": [{"required": ["target"]}, {"required": ["target_indicator"]}],
        "properties": {
            "target": {"type": "number", "exclusiveMinimum": 0, "description": "One target for every unit."},
            "target_indicator": {"type": "string", "description": "An indicator whose value is each unit's own target."},
        },
    }
    value_range = (0.0, float("inf"))

    def indicators_used(self, params):
        if "target_indicator" in params:
            yield ("target_indicator",), params["target_indicator"]

    def prepare(self, params, max_points, indicator):
        return dict(params)

    def targets(self, ctx: RuleContext, n: int) -> np.ndarray:
        p = ctx.params
        if "target" in p:
            return np.full(n, float(p["target"]))
        target = ctx.column(p["target_indicator"]).astype(np.float64, copy=True)
        target[~(target > 0)] = np.nan
        return target

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        target = self.targets(ctx, values.shape[0])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # lower is better, actual 0: inf -> full
            ratio = values / target if ctx.higher_is_better else target / values
        ratio[np.isnan(values) | np.isnan(target)] = np.nan
        return np.clip(ratio, 0.0, 1.0) * ctx.max_points

    def explain(self, value, points, ctx, index):
        p = ctx.params
        if "target" in p:
            target_text = fmt(p["target"])
        else:
            target_text = f"{fmt(ctx.column(p['target_indicator'])[index])} ({p['target_indicator']})"
        return Label(zh=f"实际值 {fmt(value)}，目标 {target_text}，完成率计分（封顶满分），得 {fmt(points)} 分",
                     en=f"actual {fmt(value)} against target {target_text}, scored by attainment (capped at full): {fmt(points)} points")
