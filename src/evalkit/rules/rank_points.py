"""Rank to points: a table of points by rank among peers, or points in proportion to the best peer.

With `table` (DOMAIN.md: ranks 1..5 earn 60/57/54/51/48) the unit ranked k among its peers earns the
k-th entry, and `otherwise` (default 0) beyond the table. Tied units share the best rank of their
group ("1224", 并列) and so the same points; `ties: average` instead gives tied units the mean of
the points of the ranks they occupy. With `proportional: true` points = max_points x value / best
peer value (best / value when lower is better), for non-negative values.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.analysis.peers import best_in_group, counts_below_and_at
from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt
from evalkit.rules.percentile import PEER_GROUP_SCHEMA


class RankPointsRule(Rule):
    name = "rank_points"
    title = Label(zh="排名计分", en="Rank to points")
    description = "Points by rank among peers from a table (ties declared), or in proportion to the best peer."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "oneOf": [{"required": ["table"]}, {"required": ["proportional"]}],
        "properties": {
            "peer_group": PEER_GROUP_SCHEMA,
            "table": {"type": "array", "minItems": 1, "items": {"type": "number", "minimum": 0},
                      "description": "Points for rank 1, 2, 3, ..."},
            "otherwise": {"type": "number", "minimum": 0, "default": 0, "description": "Points for a rank beyond the table."},
            "ties": {"enum": ["min", "average"], "default": "min",
                     "description": "min: tied units share the best rank's points; average: the mean of the ranks' points."},
            "proportional": {"const": True, "description": "Points = max_points x value / best peer value."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        table = params.get("table")
        if table is None:
            return
        for k, points in enumerate(table):
            if points > max_points:
                yield ParamProblem(("table", k), "more points than the item's max_points", expected=f"at most {fmt(max_points)}",
                                   found=fmt(points))
        if any(b > a for a, b in itertools.pairwise(table)):
            yield ParamProblem(("table",), "a lower rank would earn more points", expected="points that never increase down the table",
                               found=", ".join(fmt(p) for p in table))
        if params.get("otherwise", 0) > min(table):
            yield ParamProblem(("otherwise",), "a rank beyond the table would earn more than one in it",
                               expected=f"at most {fmt(min(table))}", found=fmt(params["otherwise"]))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        if params.get("proportional"):
            return {"peer_group": params.get("peer_group", "all"), "proportional": True}
        table = np.asarray(params["table"], dtype=np.float64)
        return {"peer_group": params.get("peer_group", "all"), "proportional": False, "ties": params.get("ties", "min"),
                "table": table, "otherwise": float(params.get("otherwise", 0))}

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        groups = ctx.peer_groups(p["peer_group"])
        if p["proportional"]:
            best = best_in_group(values, groups, ctx.higher_is_better)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = values / best if ctx.higher_is_better else best / values
            ratio = np.where((best == 0) & (values == 0), 1.0, ratio)
            out = np.clip(ratio, 0.0, 1.0) * ctx.max_points
            out[np.isnan(values)] = np.nan
            return out
        key = -values if ctx.higher_is_better else values
        better, better_or_tied, n_peers = counts_below_and_at(key, groups)
        size = int(n_peers.max()) + 1 if n_peers.size else 1
        by_rank = np.full(size + 1, p["otherwise"])
        by_rank[1:min(size, len(p["table"])) + 1] = p["table"][:size]
        if p["ties"] == "min":
            out = by_rank[np.minimum(better + 1, size)]
        else:
            # cumulative points by rank: the mean over a tied run of ranks is one subtraction
            cumulative = np.concatenate([[0.0], np.cumsum(by_rank[1:])])
            tied = np.maximum(better_or_tied - better, 1)
            out = (cumulative[np.minimum(better_or_tied, size)] - cumulative[better]) / tied
        out = out.astype(np.float64)
        out[np.isnan(values)] = np.nan
        return out

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        if p["proportional"]:
            best = ctx.remember("best", lambda: best_in_group(ctx.column(ctx.indicator.id), ctx.peer_groups(p["peer_group"]),
                                                              ctx.higher_is_better))[index]
            return Label(zh=f"实际值 {fmt(value)}，同类最优 {fmt(best)}，按比例得 {fmt(points)} 分",
                         en=f"value {fmt(value)} against the best peer's {fmt(best)}, in proportion: {fmt(points)} points")
        values = ctx.column(ctx.indicator.id)
        key = -values if ctx.higher_is_better else values
        better, _, n_peers = ctx.remember("counts", lambda: counts_below_and_at(key, ctx.peer_groups(p["peer_group"])))
        return Label(zh=f"实际值 {fmt(value)} 在同类 {n_peers[index]} 个单位中排第 {better[index] + 1} 名，得 {fmt(points)} 分",
                     en=f"value {fmt(value)} ranks {better[index] + 1} of {n_peers[index]} peers: {fmt(points)} points")
