"""Tiers: ordered thresholds to points ("accuracy >= 98 % earns 1, >= 95 % earns 0.9 ...").

When higher is better a value earns the points of the highest threshold it reaches (value >=
threshold); when lower is better, of the lowest threshold it stays within (value <= threshold). A
value that reaches no threshold earns `otherwise` (default 0). Better tiers must not earn fewer
points, so that a better value never scores lower.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class TiersRule(Rule):
    name = "tiers"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="分档计分", en="Tiers")
    description = "Ordered thresholds to points: the best threshold a value reaches sets its points."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["tiers"],
        "additionalProperties": False,
        "properties": {
            "tiers": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["threshold", "points"],
                    "additionalProperties": False,
                    "properties": {
                        "threshold": {"type": "number"},
                        "points": {"type": "number", "minimum": 0},
                    },
                },
            },
            "otherwise": {"type": "number", "minimum": 0, "default": 0,
                          "description": "Points for a value that reaches no threshold."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        tiers = params["tiers"]
        seen: dict[Any, int] = {}
        for i, tier in enumerate(tiers):
            if tier["points"] > max_points:
                yield ParamProblem(("tiers", i, "points"), "a tier awards more than the item's max_points",
                                   expected=f"at most {fmt(max_points)}", found=fmt(tier["points"]))
            if tier["threshold"] in seen:
                yield ParamProblem(("tiers", i, "threshold"), f"the threshold is already used by tier {seen[tier['threshold']]}",
                                   expected="distinct thresholds", found=fmt(tier["threshold"]))
            seen.setdefault(tier["threshold"], i)
        ordered = sorted(tiers, key=lambda t: t["threshold"], reverse=indicator.direction == "higher")
        for better, worse in itertools.pairwise(ordered):
            if worse["points"] > better["points"]:
                yield ParamProblem(("tiers",), "a worse threshold awards more points than a better one",
                                   expected=f"threshold {fmt(worse['threshold'])} to earn at most {fmt(better['points'])}",
                                   found=fmt(worse["points"]))
        otherwise = params.get("otherwise", 0)
        if ordered and otherwise > min(t["points"] for t in tiers):
            yield ParamProblem(("otherwise",), "a value that reaches no threshold would earn more than one that does",
                               expected=f"at most {fmt(min(t['points'] for t in tiers))}", found=fmt(otherwise))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        tiers = sorted(params["tiers"], key=lambda t: t["threshold"])
        return {
            "thresholds": np.array([t["threshold"] for t in tiers], dtype=np.float64),
            "points": np.array([t["points"] for t in tiers], dtype=np.float64),
            "otherwise": float(params.get("otherwise", 0)),
        }

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        thresholds, points = p["thresholds"], p["points"]
        table = np.empty(len(points) + 1)
        if ctx.higher_is_better:
            # index k = number of thresholds <= value; 0 means none reached.
            idx = np.searchsorted(thresholds, values, side="right")
            table[0], table[1:] = p["otherwise"], points
        else:
            # index k = number of thresholds < value; k == len means none reached.
            idx = np.searchsorted(thresholds, values, side="left")
            table[:-1], table[-1] = points, p["otherwise"]
        out = table[idx]
        if values.size and np.isnan(np.minimum.reduce(values, axis=None)):
            out[np.isnan(values)] = np.nan
        return out

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        word_zh, word_en = ("≥", ">=") if ctx.higher_is_better else ("≤", "<=")
        reached = [(t, pts) for t, pts in zip(p["thresholds"], p["points"])
                   if (value >= t if ctx.higher_is_better else value <= t)]
        if not reached:
            return Label(zh=f"实际值 {fmt(value)} 未达到任何档次，得 {fmt(points)} 分",
                         en=f"value {fmt(value)} reaches no tier: {fmt(points)} points")
        t, _ = reached[-1] if ctx.higher_is_better else reached[0]
        return Label(zh=f"实际值 {fmt(value)} {word_zh} {fmt(t, exact=True)}，该档得 {fmt(points)} 分",
                     en=f"value {fmt(value)} {word_en} {fmt(t, exact=True)}: that tier earns {fmt(points)} points")
