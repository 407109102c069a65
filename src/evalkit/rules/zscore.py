"""Z-score against peers, mapped to points with bounds.

z = (value - peer mean) / peer standard deviation, over the unit's peer group, with the standard
deviation's `ddof` declared (default 0: the population standard deviation of the peers). When lower
is better z is negated. Points rise linearly from 0 at z = `z_low` (default -2) to max_points at
z = `z_high` (default 2), clamped; a group whose values are all equal (deviation 0) gives every unit
the midpoint's points, since no unit stands out.

Worked example: peers 60, 70, 80, 90 (mean 75, population sd 11.18): 90 has z = 1.342, so with the
defaults (1.342 + 2) / 4 = 0.835 of the points, 8.35 of 10.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.analysis.peers import group_mean_std
from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt
from evalkit.rules.percentile import PEER_GROUP_SCHEMA


class ZScoreRule(Rule):
    name = "zscore"
    title = Label(zh="标准分", en="Z-score against peers")
    description = "Points by the unit's z-score among peers, linear between z_low and z_high, clamped."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "peer_group": PEER_GROUP_SCHEMA,
            "z_low": {"type": "number", "default": -2},
            "z_high": {"type": "number", "default": 2},
            "ddof": {"enum": [0, 1], "default": 0, "description": "0: population sd of the peers; 1: sample sd."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        if params.get("z_low", -2) >= params.get("z_high", 2):
            yield ParamProblem(("z_high",), "z_high must be above z_low", expected=f"a number > {fmt(params.get('z_low', -2))}",
                               found=fmt(params.get("z_high", 2)))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {"peer_group": params.get("peer_group", "all"), "z_low": float(params.get("z_low", -2)),
                "z_high": float(params.get("z_high", 2)), "ddof": int(params.get("ddof", 0))}

    def zscores(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        mean, std = group_mean_std(values, ctx.peer_groups(ctx.params["peer_group"]), ctx.params["ddof"])
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(std > 0, (values - mean) / std, 0.0)
        z[np.isnan(values) | np.isnan(std)] = np.nan
        return z if ctx.higher_is_better else -z

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        z = self.zscores(values, ctx)
        return np.clip((z - p["z_low"]) / (p["z_high"] - p["z_low"]), 0.0, 1.0) * ctx.max_points

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        z = ctx.remember("zscores", lambda: self.zscores(ctx.column(ctx.indicator.id), ctx))[index]
        return Label(zh=f"实际值 {fmt(value)} 的同类标准分 z = {fmt(z)}（{fmt(ctx.params['z_low'], exact=True)} 得 0 分，{fmt(ctx.params['z_high'], exact=True)} 得满分），得 {fmt(points)} 分",
                     en=f"value {fmt(value)} has z = {fmt(z)} among peers (0 points at {fmt(ctx.params['z_low'], exact=True)}, full at {fmt(ctx.params['z_high'], exact=True)}): {fmt(points)} points")
