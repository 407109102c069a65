"""Base plus slope (基础分加减分): base points at a reference value, plus or minus per step from it.

"At 80 % closure the base score, then +/- 1 point per case above or below, capped" (DOMAIN.md). A
unit at `reference` earns `base`; for each `step` it is better than the reference it gains
`per_step_above`, for each `step` it is worse it loses `per_step_below`. The result is held within
the optional caps `min` and `max` and always within [0, max_points].

"Above" and "below" are read in the indicator's direction: above means better, below means worse.
For a lower-is-better indicator (say, cases sent back), "above" the reference is numerically *under*
it; the rule then scores x exactly as a higher-is-better indicator would score 2 x reference - x.

`steps: partial` (the default) counts part of a step in proportion (1.5 steps earn 1.5 x the slope);
`steps: whole` counts only completed steps (1.5 steps earn 1 x the slope; a value short of the
reference by 0.4 of a step still earns the base).

Worked example: reference 80, base 8, step 1, per_step_above 1, per_step_below 1, max 10, min 2, on
an item of 10 points. A closure rate of 82.5 earns 8 + 2.5 = 10.5, capped at 10; 77 earns 8 - 3 = 5;
70 earns 8 - 10 = -2, held at the minimum 2. With `steps: whole`, 78.5 earns 8 - 1 = 7 (one whole
step below; partial steps would give 6.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt

_DIGITS = 9  # steps are rounded to this many decimals before `whole` floors them: (80 - 79.7) / 0.1 is 3, not 2.99...


class BaseSlopeRule(Rule):
    name = "base_slope"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="基础分加减分", en="Base plus slope")
    description = "Base points at a reference value, plus/minus points per step better/worse than it, capped."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["reference", "base", "per_step_above", "per_step_below"],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "number", "description": "The value that earns the base points (e.g. 80 % closure)."},
            "base": {"type": "number", "minimum": 0, "description": "Points at the reference value."},
            "step": {"type": "number", "exclusiveMinimum": 0, "default": 1,
                     "description": "Size of one step in the indicator's unit (default 1)."},
            "per_step_above": {"type": "number", "minimum": 0,
                               "description": "Points added per step better than the reference (above it when higher is better)."},
            "per_step_below": {"type": "number", "minimum": 0,
                               "description": "Points taken off per step worse than the reference (below it when higher is better)."},
            "steps": {"enum": ["partial", "whole"], "default": "partial",
                      "description": "partial: part of a step counts in proportion; whole: only completed steps count."},
            "max": {"type": "number", "minimum": 0, "description": "Most points the item can earn (default max_points)."},
            "min": {"type": "number", "minimum": 0, "description": "Fewest points the item can earn (default 0)."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        top = params.get("max", max_points)
        bottom = params.get("min", 0)
        if top > max_points:
            yield ParamProblem(("max",), "the cap is larger than the item's max_points",
                               expected=f"at most {fmt(max_points)}", found=fmt(top))
        if bottom > top:
            yield ParamProblem(("min",), "the minimum is above the maximum",
                               expected=f"at most {fmt(min(top, max_points))}", found=fmt(bottom))
        elif not bottom <= params["base"] <= min(top, max_points):
            yield ParamProblem(("base",), "the base points lie outside the range the item can earn",
                               expected=f"from {fmt(bottom)} to {fmt(min(top, max_points))}", found=fmt(params["base"]))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {
            "reference": float(params["reference"]),
            "base": float(params["base"]),
            "step": float(params.get("step", 1)),
            "above": float(params["per_step_above"]),
            "below": float(params["per_step_below"]),
            "whole": params.get("steps", "partial") == "whole",
            "max": float(min(params.get("max", max_points), max_points)),
            "min": float(max(params.get("min", 0), 0)),
        }

    @staticmethod
    def steps(values: np.ndarray, p: dict, higher_is_better: bool) -> np.ndarray:
        """Signed steps better than the reference: positive when better, negative when worse."""
        better = values - p["reference"] if higher_is_better else p["reference"] - values
        steps = better / p["step"]
        if p["whole"]:
            steps = np.round(steps, _DIGITS)
            steps = np.trunc(steps, out=steps)  # towards the reference: whole steps only, on either side
        return steps

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        steps = self.steps(values, p, ctx.higher_is_better)
        points = np.where(steps > 0, steps * p["above"], steps * p["below"])  # NaN stays NaN (NaN > 0 is False)
        points += p["base"]
        np.clip(points, p["min"], p["max"], out=points)
        return np.clip(points, 0.0, ctx.max_points, out=points)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        steps = float(self.steps(np.array([value], dtype=np.float64), p, ctx.higher_is_better)[0])
        ref, base, step = fmt(p["reference"], exact=True), fmt(p["base"], exact=True), fmt(p["step"], exact=True)
        whole_zh, whole_en = ("（只计整档）", " (whole steps only)") if p["whole"] else ("", "")
        caps_zh = f"，得分限 {fmt(p['min'], exact=True)} 至 {fmt(p['max'], exact=True)} 分"
        caps_en = f", points held within {fmt(p['min'], exact=True)} to {fmt(p['max'], exact=True)}"
        if steps > 0:
            move_zh = f"优于基准 {fmt(steps)} 档{whole_zh}，每档加 {fmt(p['above'], exact=True)} 分"
            move_en = f"{fmt(steps)} steps better{whole_en} at {fmt(p['above'], exact=True)} each"
        elif steps < 0:
            move_zh = f"差于基准 {fmt(-steps)} 档{whole_zh}，每档扣 {fmt(p['below'], exact=True)} 分"
            move_en = f"{fmt(-steps)} steps worse{whole_en} at {fmt(p['below'], exact=True)} off each"
        else:
            move_zh, move_en = f"按基准计{whole_zh}", f"at the reference{whole_en}"
        return Label(zh=f"实际值 {fmt(value)}，基准值 {ref} 得基础分 {base} 分（每档 {step}）；{move_zh}{caps_zh}，得 {fmt(points)} 分",
                     en=f"value {fmt(value)} against reference {ref} (base {base} points, step {step}): "
                        f"{move_en}{caps_en}: {fmt(points)} points")
