"""OKR score (目标与关键成果评分): the value is already a score from 0 to 1.0, points in proportion.

Objectives and key results are graded 0 to 1.0 (or 0 to 100 with `scale: 100`); the item earns
max_points x value / scale, clamped to [0, max_points], so a score above the scale (a stretch result
of 1.2) earns no more than full points and a negative one earns 0. `pass_mark` (e.g. 0.7, on the same
scale as the values) is the score regarded as success: it changes no points and is reported in
explain(). An OKR score is better when higher; the indicator must say so.

Worked example: an item of 20 points, scale 1, pass_mark 0.7. 0.7 earns 14 and is a success; 0.55
earns 11 and is short of the pass mark; 1.2 earns 20. With `scale: 100`, 70 earns 14.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class OkrRule(Rule):
    name = "okr"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="OKR 评分", en="OKR score")
    description = "An OKR score of 0..1 (or 0..100) times max_points, clamped; optional pass mark shown in explain."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "scale": {"enum": [1, 100], "default": 1, "description": "Scores run 0..1 (default) or 0..100."},
            "pass_mark": {"type": "number", "exclusiveMinimum": 0,
                          "description": "The score regarded as success (e.g. 0.7), on the values' scale; only reported."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        scale = params.get("scale", 1)
        if "pass_mark" in params and params["pass_mark"] > scale:
            yield ParamProblem(("pass_mark",), "the pass mark is above the top of the scale",
                               expected=f"at most {fmt(scale)}", found=fmt(params["pass_mark"]))
        if indicator.direction != "higher":
            yield ParamProblem((), f"an OKR score is better when higher, but indicator {indicator.id!r} says lower is better",
                               expected="an indicator with direction: higher", found=f"direction: {indicator.direction}")

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {"scale": float(params.get("scale", 1)), "pass_mark": params.get("pass_mark")}

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        points = values * (ctx.max_points / p["scale"])
        return np.clip(points, 0.0, ctx.max_points, out=points)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        zh = f"OKR 得分 {fmt(value)}（满分 {fmt(p['scale'], exact=True)}），按比例得 {fmt(points)} 分"
        en = f"OKR score {fmt(value)} out of {fmt(p['scale'], exact=True)}, in proportion: {fmt(points)} points"
        if p["pass_mark"] is not None:
            mark = fmt(p["pass_mark"], exact=True)
            if value >= p["pass_mark"]:
                zh += f"；达到成功线 {mark}"
                en += f"; meets the pass mark {mark}"
            else:
                zh += f"；未达到成功线 {mark}"
                en += f"; short of the pass mark {mark}"
        return Label(zh=zh, en=en)
