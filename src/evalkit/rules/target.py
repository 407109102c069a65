"""Target attainment: points = max_points x min(cap, actual / target) / cap.

The target is shared (`target`) or per unit (`target_indicator`, another indicator's column). When
lower is better the ratio is target / actual. With the default `cap` 1, reaching or beating the
target earns full points. A `cap` above 1 rewards beating the target up to that ratio: the item's
max_points are earned at cap x target, and reaching the target earns max_points / cap (with cap 1.2
and 12 points, the target earns 10 and 120 % of it the full 12). A unit whose target is missing or
not positive cannot be scored: it is treated as missing data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import Rule, RuleContext, fmt


class TargetRule(Rule):
    name = "target"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="目标完成率", en="Target attainment")
    description = "Points in proportion to actual / target, capped at full points; shared or per-unit target."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "oneOf": [{"required": ["target"]}, {"required": ["target_indicator"]}],
        "properties": {
            "target": {"type": "number", "exclusiveMinimum": 0, "description": "One target for every unit."},
            "target_indicator": {"type": "string", "description": "An indicator whose value is each unit's own target."},
            "cap": {"type": "number", "minimum": 1, "default": 1,
                    "description": "Highest attainment ratio that counts; max_points are earned there."},
        },
    }
    value_range = (0.0, float("inf"))

    def indicators_used(self, params: Mapping[str, Any]) -> Iterable[tuple[tuple[str | int, ...], str]]:
        if "target_indicator" in params:
            yield ("target_indicator",), params["target_indicator"]

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {**params, "cap": float(params.get("cap", 1))}

    def targets(self, ctx: RuleContext, n: int) -> np.ndarray:
        p = ctx.params
        if "target" in p:
            return np.full(n, float(p["target"]))
        target = ctx.column(p["target_indicator"]).astype(np.float64, copy=True)
        target[~(target > 0)] = np.nan
        return target

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        # A shared target stays a scalar (no array of copies); NaN values and targets give NaN ratios.
        target = float(p["target"]) if "target" in p else self.targets(ctx, values.shape[0])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # lower is better, actual 0: inf -> full
            ratio = values / target if ctx.higher_is_better else target / values
        cap = p["cap"]
        np.clip(ratio, 0.0, cap, out=ratio)
        ratio *= ctx.max_points / cap
        return ratio

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        if "target" in p:
            target_zh = target_en = fmt(p["target"], exact=True)
        else:  # the unit's own target, named by its indicator's name (not its id)
            own = fmt(ctx.column(p["target_indicator"])[index])
            target_zh = f"{own}（{ctx.indicator_name(p['target_indicator'], 'zh')}）"
            target_en = f"{own} ({ctx.indicator_name(p['target_indicator'], 'en')})"
        cap = ctx.params["cap"]
        ceiling_zh = "封顶满分" if cap == 1 else f"完成率 {fmt(cap * 100, exact=True)}% 封顶"
        ceiling_en = "capped at full" if cap == 1 else f"counted up to {fmt(cap * 100, exact=True)} % of the target"
        return Label(zh=f"实际值 {fmt(value)}，目标 {target_zh}，完成率计分（{ceiling_zh}），得 {fmt(points)} 分",
                     en=f"actual {fmt(value)} against target {target_en}, scored by attainment ({ceiling_en}): {fmt(points)} points")
