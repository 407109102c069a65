"""Percentile among peers: points by where a unit stands in its peer group.

The percentile (0..100) of a unit's value among its peers (all units, units of the same type, or
any attribute of the units file) uses a NAMED definition, since definitions disagree on ties (see
`evalkit.analysis.peers`): ``mean`` (default: ties count half), ``weak``, ``strict`` or ``rank``. When lower
is better the percentile is taken of the negated value, so the best unit still has the highest
percentile. Points rise linearly from 0 at percentile `lower` (default 0) to max_points at `upper`
(default 100), clamped.

Worked example: peers 60, 70, 70, 90 under ``mean``: 70 is above one peer and ties one other
(counting half), (1 + 3) / 2 / 4 = 50th percentile, so 5 of 10 points with the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.analysis.peers import PERCENTILE_DEFINITIONS, percentile_in_group
from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt

PEER_GROUP_SCHEMA = {"type": "string", "default": "all",
                     "description": "Peers: all units, units of the same type, or units sharing an attribute (a column of the units file)."}


class PercentileRule(Rule):
    name = "percentile"
    title = Label(zh="同类百分位", en="Percentile among peers")
    description = "Points by the unit's percentile in its peer group (named percentile definition)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "peer_group": PEER_GROUP_SCHEMA,
            "definition": {"enum": list(PERCENTILE_DEFINITIONS), "default": "mean",
                           "description": "How ties count: mean (half), weak (fully), strict (not at all), rank (average rank, "
                                          "pandas pct average); excel_inc / excel_exc (PERCENTRANK.INC / .EXC, truncated "
                                          "to 3 digits); pandas_min / pandas_max / pandas_dense (rank(pct=True))."},
            "lower": {"type": "number", "minimum": 0, "maximum": 100, "default": 0},
            "upper": {"type": "number", "minimum": 0, "maximum": 100, "default": 100},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        if params.get("lower", 0) >= params.get("upper", 100):
            yield ParamProblem(("upper",), "the upper percentile must be above the lower one",
                               expected=f"a number > {fmt(params.get('lower', 0))}", found=fmt(params.get("upper", 100)))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {"peer_group": params.get("peer_group", "all"), "definition": params.get("definition", "mean"),
                "lower": float(params.get("lower", 0)), "upper": float(params.get("upper", 100))}

    def percentiles(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        key = values if ctx.higher_is_better else -values
        return percentile_in_group(key, ctx.peer_groups(ctx.params["peer_group"]), ctx.params["definition"])

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        pct = self.percentiles(values, ctx)
        return np.clip((pct - p["lower"]) / (p["upper"] - p["lower"]), 0.0, 1.0) * ctx.max_points

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        pct = ctx.remember("percentiles", lambda: self.percentiles(ctx.column(ctx.indicator.id), ctx))[index]
        zh_group, en_group = (ctx.peer_group_name(ctx.params["peer_group"], index, lang) for lang in ("zh", "en"))
        return Label(zh=f"实际值 {fmt(value)} 在同类（{zh_group}）中处于第 {fmt(pct)} 百分位（{ctx.params['definition']} 定义），得 {fmt(points)} 分",
                     en=f"value {fmt(value)} is at percentile {fmt(pct)} among peers ({en_group}, {ctx.params['definition']} definition): {fmt(points)} points")
