"""Stabilise within a band (区间稳定): full points inside [low, high], fewer the further outside.

For indicators where both too little and too much is wrong (a budget execution rate, a ratio of
members to cadres): a value from `low` to `high` earns max_points. Outside the band points fall
linearly with the distance from it: to 0 at `zero_below` and at `zero_above`, or by
`per_unit_outside` points for each unit of the indicator outside the band (on either side). Points
never go below 0.

This rule is not monotone in the value, and it does not use the indicator's direction (either one is
accepted and scores the same). What it promises instead is distance-monotonicity: on either side of
the band, a value further from the band never earns more than one nearer to it; with
`per_unit_outside` (one slope for both sides) the points depend on the distance alone.

Worked example: band [95, 105], zero_below 85, zero_above 110, an item of 10 points. 95, 100 and 105
earn 10; 90 is 5 below the band, half way to 85: 5 points; 107 is 2 above, 2/5 of the way to 110:
6 points; 80 and 115 earn 0. With per_unit_outside 0.5 instead, 90 earns 10 - 5 x 0.5 = 7.5 and 107
earns 10 - 2 x 0.5 = 9.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class StabilizeRule(Rule):
    name = "stabilize"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="区间稳定", en="Within a band")
    description = "Full points inside [low, high], falling linearly with the distance outside it on either side."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["low", "high"],
        "additionalProperties": False,
        "oneOf": [{"required": ["zero_below", "zero_above"]}, {"required": ["per_unit_outside"]}],
        "properties": {
            "low": {"type": "number", "description": "Lower end of the band of full points."},
            "high": {"type": "number", "description": "Upper end of the band of full points."},
            "zero_below": {"type": "number", "description": "0 points at or below this value."},
            "zero_above": {"type": "number", "description": "0 points at or above this value."},
            "per_unit_outside": {"type": "number", "exclusiveMinimum": 0,
                                 "description": "Points off per unit of distance outside the band, either side."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        low, high = params["low"], params["high"]
        if low > high:
            yield ParamProblem(("high",), "the band's upper end is below its lower end",
                               expected=f"a number >= {fmt(low)}", found=fmt(high))
        if "zero_below" in params and params["zero_below"] >= low:
            yield ParamProblem(("zero_below",), "the zero point must lie below the band",
                               expected=f"a number < {fmt(low)}", found=fmt(params["zero_below"]))
        if "zero_above" in params and params["zero_above"] <= high:
            yield ParamProblem(("zero_above",), "the zero point must lie above the band",
                               expected=f"a number > {fmt(high)}", found=fmt(params["zero_above"]))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        low, high = float(params["low"]), float(params["high"])
        if "per_unit_outside" in params:
            slope_below = slope_above = float(params["per_unit_outside"])
        else:
            slope_below = max_points / (low - float(params["zero_below"]))
            slope_above = max_points / (float(params["zero_above"]) - high)
        return {"low": low, "high": high, "slope_below": slope_below, "slope_above": slope_above,
                "zero_below": params.get("zero_below"), "zero_above": params.get("zero_above"),
                "per_unit_outside": params.get("per_unit_outside")}

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        below = np.maximum(p["low"] - values, 0.0)  # NaN stays NaN
        above = np.maximum(values - p["high"], 0.0)
        points = ctx.max_points - below * p["slope_below"] - above * p["slope_above"]
        return np.clip(points, 0.0, ctx.max_points, out=points)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        band = f"[{fmt(p['low'], exact=True)}, {fmt(p['high'], exact=True)}]"
        if p["low"] <= value <= p["high"]:
            return Label(zh=f"实际值 {fmt(value)} 在区间 {band} 内，得满分 {fmt(points)} 分",
                         en=f"value {fmt(value)} is inside the band {band}: full {fmt(points)} points")
        under = value < p["low"]
        distance = p["low"] - value if under else value - p["high"]
        if p["per_unit_outside"] is not None:
            how_zh, how_en = f"每单位扣 {fmt(p['per_unit_outside'], exact=True)} 分", f"{fmt(p['per_unit_outside'], exact=True)} off per unit"
        else:
            zero = p["zero_below"] if under else p["zero_above"]
            how_zh, how_en = f"至 {fmt(zero)} 降为 0 分", f"falling to 0 at {fmt(zero)}"
        side_zh, side_en = ("低于", "below") if under else ("高于", "above")
        return Label(zh=f"实际值 {fmt(value)} {side_zh}区间 {band}，相差 {fmt(distance)}，{how_zh}，得 {fmt(points)} 分",
                     en=f"value {fmt(value)} is {fmt(distance)} {side_en} the band {band}, {how_en}: {fmt(points)} points")
