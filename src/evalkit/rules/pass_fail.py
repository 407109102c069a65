"""Pass or fail (达标/不达标): a yes/no indicator earns all the points or none.

Without a `threshold` the value is a yes/no flag: 1 (true in JSON or Excel) passes and earns
`pass_points` (default max_points), 0 fails and earns `fail_points` (default 0). Any other value
(0.5, 2, -1) is not a yes/no answer: the rule returns NaN for that unit, so it counts as missing and
the item's missing-data policy applies (`missing: fail` reports it). A flag needs an indicator where
higher is better (1 is the better answer).

With a `threshold` every value is scored: it passes when value >= threshold if higher is better, or
value <= threshold if lower is better (so "at most 2 incidents" is threshold 2 on a lower-is-better
indicator).

Worked example: an item of 5 points, "the branch held its election on time" (1 yes / 0 no): 1 earns 5,
0 earns 0, 0.5 is missing. With threshold 90 and fail_points 1 on a higher-is-better rate, 90 and 97
earn 5 and 89.9 earns 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class PassFailRule(Rule):
    name = "pass_fail"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="达标计分", en="Pass or fail")
    description = "Yes/no: 1 (or value past a threshold) earns pass_points, 0 earns fail_points; other flags missing."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "pass_points": {"type": "number", "minimum": 0, "description": "Points for a pass; default max_points."},
            "fail_points": {"type": "number", "minimum": 0, "default": 0, "description": "Points for a fail; default 0."},
            "threshold": {"type": "number",
                          "description": "Pass when value >= threshold (<= when lower is better); without it the value is a 1/0 flag."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        pass_points = params.get("pass_points", max_points)
        if pass_points > max_points:
            yield ParamProblem(("pass_points",), "a pass earns more than the item's max_points",
                               expected=f"at most {fmt(max_points)}", found=fmt(pass_points))
        fail_points = params.get("fail_points", 0)
        if fail_points > pass_points:
            yield ParamProblem(("fail_points",), "a fail earns more than a pass",
                               expected=f"at most {fmt(pass_points)}", found=fmt(fail_points))
        if "threshold" not in params and indicator.direction != "higher":
            yield ParamProblem(("threshold",), f"without a threshold 1 means pass, but indicator {indicator.id!r} says "
                               "lower is better; give a threshold (pass at or below it)",
                               expected="a threshold, or an indicator with direction: higher", found="no threshold")

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {"pass_points": float(params.get("pass_points", max_points)),
                "fail_points": float(params.get("fail_points", 0)),
                "threshold": float(params["threshold"]) if "threshold" in params else None}

    @staticmethod
    def passed(values: np.ndarray, p: dict, higher_is_better: bool) -> np.ndarray:
        """1.0 pass, 0.0 fail, NaN missing or not a yes/no answer."""
        t = p["threshold"]
        if t is None:
            result = np.where((values == 0) | (values == 1), values, np.nan)
        else:
            result = (values >= t if higher_is_better else values <= t).astype(np.float64)
        result[np.isnan(values)] = np.nan
        return result

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        passed = self.passed(values, p, ctx.higher_is_better)
        # exact points, not fail + passed x (pass - fail), which is off by one ulp for some values
        return np.where(passed == 1, p["pass_points"], np.where(passed == 0, p["fail_points"], np.nan))

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        passed = float(self.passed(np.array([value], dtype=np.float64), p, ctx.higher_is_better)[0])
        t = p["threshold"]
        if np.isnan(passed):
            return Label(zh=f"数值 {fmt(value)} 不是 1（是）或 0（否），按缺失处理",
                         en=f"value {fmt(value)} is neither 1 (yes) nor 0 (no): treated as missing")
        zh_word, en_word = ("达标", "pass") if passed else ("未达标", "fail")
        if t is None:
            return Label(zh=f"{'是' if passed else '否'}（{fmt(value)}），{zh_word}，得 {fmt(points)} 分",
                         en=f"{'yes' if passed else 'no'} ({fmt(value)}): {en_word}, {fmt(points)} points")
        sign_zh, sign_en = ("≥", ">=") if ctx.higher_is_better else ("≤", "<=")
        return Label(zh=f"实际值 {fmt(value)}，{sign_zh} {fmt(t, exact=True)} 为达标：{zh_word}，得 {fmt(points)} 分",
                     en=f"value {fmt(value)}, pass when {sign_en} {fmt(t, exact=True)}: {en_word}, {fmt(points)} points")
