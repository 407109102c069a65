"""The tax bureau's own scoring rule: forecast accuracy in tiers, as shares of the item's points.

The bureau scores revenue forecast accuracy the same way in every scorecard: 98 % or better earns
the item's full points, 95 % earns 90 % of them, 90 % earns 80 %, below that nothing. Written as
shares of max_points, one rule line serves a 1-point item and a 5-point item alike, and with no
params it applies the bureau's standard tiers::

    - id: forecast
      indicator: tax_forecast_accuracy
      max_points: 5
      rule: {name: forecast_accuracy}            # 98.3 -> 5, 96 -> 4.5, 90 -> 4, 85 -> 0

A tier is reached at its `min` (inclusive). Better tiers must not earn smaller shares.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import numpy as np

import evalkit
from evalkit import Label, ParamProblem

DEFAULT_TIERS = ({"min": 98, "share": 1.0}, {"min": 95, "share": 0.9}, {"min": 90, "share": 0.8})


def _fmt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


class ForecastAccuracyRule(evalkit.Rule):
    name = "forecast_accuracy"
    title = Label(zh="预测准确率分档计分", en="Forecast accuracy in tiers")
    description = ("Forecast accuracy (%) to a share of the item's points by tiers; by default >= 98 earns all, "
                   ">= 95 90 %, >= 90 80 %, below 90 nothing.")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "tiers": {
                "type": "array",
                "minItems": 1,
                "description": "Accuracy thresholds and the share of max_points each earns (default: 98/1, 95/0.9, 90/0.8).",
                "items": {
                    "type": "object",
                    "required": ["min", "share"],
                    "additionalProperties": False,
                    "properties": {
                        "min": {"type": "number", "minimum": 0, "maximum": 100, "description": "Accuracy (%) at least."},
                        "share": {"type": "number", "minimum": 0, "maximum": 1, "description": "Share of max_points earned."},
                    },
                },
            },
            "otherwise": {"type": "number", "minimum": 0, "maximum": 1, "default": 0,
                          "description": "Share earned below every tier."},
        },
    }
    value_range = (0.0, 100.0)  # an accuracy outside 0-100 % is a data error

    def check(self, params, max_points, indicator):
        if indicator.direction != "higher":
            yield ParamProblem((), f"indicator {indicator.id!r} says lower is better; this rule scores an accuracy",
                               expected="an indicator with direction: higher", found=f"direction: {indicator.direction}")
        tiers = params.get("tiers", DEFAULT_TIERS)
        seen = set()
        for i, tier in enumerate(tiers):
            if tier["min"] in seen:
                yield ParamProblem(("tiers", i, "min"), "two tiers start at the same accuracy",
                                   expected="distinct values of min", found=_fmt(tier["min"]))
            seen.add(tier["min"])
        ordered = sorted(tiers, key=lambda t: t["min"], reverse=True)
        for better, worse in itertools.pairwise(ordered):
            if worse["share"] > better["share"]:
                yield ParamProblem(("tiers",), "a lower accuracy would earn a larger share than a higher one",
                                   expected=f"min {_fmt(worse['min'])} to earn at most {_fmt(better['share'])}",
                                   found=_fmt(worse["share"]))
        if params.get("otherwise", 0) > ordered[-1]["share"]:
            yield ParamProblem(("otherwise",), "below every tier would earn more than the lowest tier",
                               expected=f"at most {_fmt(ordered[-1]['share'])}", found=_fmt(params["otherwise"]))

    def prepare(self, params, max_points, indicator):
        tiers = sorted(params.get("tiers", DEFAULT_TIERS), key=lambda t: t["min"])
        return {"mins": np.array([t["min"] for t in tiers], dtype=np.float64),
                "shares": np.array([params.get("otherwise", 0)] + [t["share"] for t in tiers], dtype=np.float64)}

    def score(self, values, ctx):
        p = ctx.params
        reached = np.searchsorted(p["mins"], values, side="right")  # how many tiers each value reaches
        points = p["shares"][reached] * ctx.max_points
        points[np.isnan(values)] = np.nan
        return points

    def explain(self, value, points, ctx, index):
        p = ctx.params
        reached = int(np.searchsorted(p["mins"], value, side="right"))
        if reached == 0:
            return Label(zh=f"预测准确率 {_fmt(value)}% 低于 {_fmt(p['mins'][0])}%，得 {_fmt(points)} 分",
                         en=f"forecast accuracy {_fmt(value)} % is below {_fmt(p['mins'][0])} %: {_fmt(points)} points")
        low, share = p["mins"][reached - 1], p["shares"][reached]
        return Label(zh=f"预测准确率 {_fmt(value)}% ≥ {_fmt(low)}%，得该项分值的 {_fmt(share * 100)}%，即 {_fmt(points)} 分",
                     en=f"forecast accuracy {_fmt(value)} % >= {_fmt(low)} %: {_fmt(share * 100)} % of the item's "
                        f"points, {_fmt(points)}")
