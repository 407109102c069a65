"""Achievement or improvement, whichever is higher: the US CMS Hospital Value-Based Purchasing method.

This is the seed's "from appraisal to improvement" (从考核到改进) in a published, tested form. Sources:
42 CFR 412.165(a) (the point ranges) and the FY 2013 Hospital VBP final rule, 76 FR 26490 (May 6,
2011) (the formulas), summarised in ../shared/design/DOMAIN.md.

- Achievement threshold (AT): the median of the peers' values in the baseline period (the mean of
  the two middle values for an even count). Benchmark (BM): the mean of the top decile of the peers'
  baseline values: the best ceil(n / 10) values. Both can be given explicitly instead.
- Achievement points: 10 at or beyond BM; 0 short of AT; otherwise 9 x (v - AT) / (BM - AT) + 0.5,
  which lies in [0.5, 9.5) and is rounded half up to a whole point (1..9).
- Improvement points, against the unit's own baseline value B: 0 when v does not exceed B;
  otherwise 10 x (v - B) / (BM - B) - 0.5, rounded half up and kept within 0..9 (a unit at or
  beyond BM already has 10 achievement points). A unit with no baseline value, or a baseline at or
  beyond BM, earns no improvement points.
- The measure scores the higher of the two (0..10); the item earns max_points x measure / 10.
- Lower is better (e.g. infection ratios): the same with every difference taken the other way,
  AT is still the median and BM the mean of the best (lowest) decile.
- `point_rounding: none` keeps the unrounded points (declared, for schemes that want a smooth score).
- `point_rounding: thousandths` rounds achievement and improvement points half up to 3 decimals, as the
  later CMS programmes publish them; points then keep the formulas' own ranges (achievement 0.5..9.5
  between AT and BM, improvement 0..9.5), with no clipping to whole-point bounds.

Worked example (higher is better): AT 0.5, BM 0.9, baseline 0.6, current 0.8: achievement
9 x 0.3 / 0.4 + 0.5 = 7.25 -> 7; improvement 10 x 0.2 / 0.3 - 0.5 = 6.17 -> 6; the measure earns 7.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt
from evalkit.rules.percentile import PEER_GROUP_SCHEMA
from evalkit.scoring.rounding import round_array


def baseline_thresholds(baseline: np.ndarray, groups: np.ndarray, higher_is_better: bool,
                        median_method: str = "linear") -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the peers' baseline median (AT) and the mean of their best decile (BM).

    `median_method` is numpy.percentile's method for the median (evalkit.analysis.benchmarks.QUANTILE_METHODS;
    linear, the default, is the mean of the two middle values for an even count, as numpy.median)."""
    size = int(groups.max()) + 1 if groups.size else 0
    threshold = np.full(size, np.nan)
    benchmark = np.full(size, np.nan)
    valid = ~np.isnan(baseline)
    order = np.flatnonzero(valid)
    order = order[np.argsort(groups[order], kind="stable")]  # units with a baseline, grouped
    bounds = np.searchsorted(groups[order], np.arange(size + 1))
    for group in range(size):  # one pass per peer group, never per unit
        values = baseline[order[bounds[group]:bounds[group + 1]]]
        if values.size == 0:
            continue
        threshold[group] = np.median(values) if median_method == "linear" else \
            np.percentile(values, 50, method=median_method)  # type: ignore[call-overload]
        top = math.ceil(values.size / 10)
        best = -np.partition(-values, top - 1)[:top] if higher_is_better else np.partition(values, top - 1)[:top]
        benchmark[group] = best.mean()
    return threshold[groups], benchmark[groups]


class AchievementImprovementRule(Rule):
    name = "achievement_improvement"
    title = Label(zh="达标或改进取高", en="Achievement or improvement (CMS HVBP)")
    description = "The higher of achievement points (vs peers' baseline median and top decile) and improvement points (vs own baseline)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["baseline_period"],
        "additionalProperties": False,
        "properties": {
            "baseline_period": {"type": ["string", "integer"], "description": "The period whose values are the baseline."},
            "peer_group": PEER_GROUP_SCHEMA,
            "threshold": {"type": "number", "description": "Achievement threshold, instead of the peers' baseline median."},
            "benchmark": {"type": "number", "description": "Benchmark, instead of the mean of the peers' best baseline decile."},
            "median_method": {"type": "string", "default": "linear",
                              "description": "numpy.percentile's method for the peers' baseline median (AT): linear "
                                             "(default, the mean of the two middle values), lower, higher, nearest, "
                                             "midpoint, inverted_cdf, weibull, hazen, median_unbiased, ..."},
            "point_rounding": {"enum": ["whole", "thousandths", "none"], "default": "whole",
                               "description": "whole: achievement and improvement points rounded half up to whole points, "
                                              "as CMS did at first; thousandths: to 3 decimals, as the later CMS programmes; "
                                              "none: unrounded."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        from evalkit.analysis.benchmarks import QUANTILE_METHODS

        method = params.get("median_method", "linear")
        if method not in QUANTILE_METHODS:
            yield ParamProblem(("median_method",), "not a numpy quantile method",
                               expected="one of " + ", ".join(QUANTILE_METHODS), found=repr(method))
        if ("threshold" in params) != ("benchmark" in params):
            given = "threshold" if "threshold" in params else "benchmark"
            yield ParamProblem((given,), "give both threshold and benchmark, or neither",
                               expected="threshold and benchmark together", found=f"only {given}")
        elif "threshold" in params:
            t, b = params["threshold"], params["benchmark"]
            if (b <= t) if indicator.direction == "higher" else (b >= t):
                better = "above" if indicator.direction == "higher" else "below"
                yield ParamProblem(("benchmark",), f"the benchmark must be {better} the threshold ({indicator.direction} is better)",
                                   expected=f"a number {better} {fmt(t)}", found=fmt(b))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        return {"baseline_period": str(params["baseline_period"]), "peer_group": params.get("peer_group", "all"),
                "threshold": params.get("threshold"), "benchmark": params.get("benchmark"),
                "median_method": params.get("median_method", "linear"),
                "whole": params.get("point_rounding", "whole") == "whole",
                "thousandths": params.get("point_rounding", "whole") == "thousandths"}

    def components(self, values: np.ndarray, ctx: RuleContext) -> dict[str, np.ndarray]:
        """AT, BM, baseline, achievement and improvement points for every unit."""
        p = ctx.params
        baseline = ctx.column(ctx.indicator.id, period=p["baseline_period"])
        n = values.shape[0]
        if p["threshold"] is not None:
            at, bm = np.full(n, float(p["threshold"])), np.full(n, float(p["benchmark"]))
        else:
            at, bm = baseline_thresholds(baseline, ctx.peer_groups(p["peer_group"]), ctx.higher_is_better,
                                         p.get("median_method", "linear"))
        sign = 1.0 if ctx.higher_is_better else -1.0  # fold the direction into the differences
        with np.errstate(invalid="ignore", divide="ignore"):
            achievement = 9.0 * (sign * (values - at)) / (sign * (bm - at)) + 0.5
            improvement = 10.0 * (sign * (values - baseline)) / (sign * (bm - baseline)) - 0.5
        if p["whole"]:
            achievement, improvement = round_array(achievement, 0), round_array(improvement, 0)
        elif p.get("thousandths"):
            achievement, improvement = round_array(achievement, 3), round_array(improvement, 3)
        low, high = (0.0, 10.0) if p.get("thousandths") else (1.0, 9.0)  # thousandths: the formulas' own ranges
        top = 10.0 if p.get("thousandths") else 9.0
        # Comparisons allow float noise: the median of 6.1 and 6.3 is 6.199999999999999 in floats, and a
        # unit at 6.2 has reached it. The slack is 1e-9 of the magnitude, far below any published digit.
        slack = 1e-9 * np.maximum(1.0, np.maximum(np.abs(at), np.abs(bm)))
        reached = sign * (values - bm) >= -slack
        achievement = np.where(reached, 10.0, np.where(sign * (values - at) < -slack, 0.0, np.clip(achievement, low, high)))
        can_improve = (sign * (values - baseline) > slack) & (sign * (bm - baseline) > slack)
        improvement = np.where(can_improve & ~reached, np.clip(improvement, 0.0, top), 0.0)
        achievement[np.isnan(values) | np.isnan(at) | np.isnan(bm)] = np.nan
        return {"threshold": at, "benchmark": bm, "baseline": baseline, "achievement": achievement, "improvement": improvement}

    def details(self, values: np.ndarray, ctx: RuleContext) -> Mapping[str, np.ndarray] | None:
        """Achievement threshold, benchmark, own baseline, achievement and improvement points per unit."""
        return ctx.remember("components", lambda: self.components(ctx.column(ctx.indicator.id), ctx))

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        c = self.components(values, ctx)
        measure = np.maximum(c["achievement"], c["improvement"])  # NaN achievement stays NaN: missing
        return measure * (ctx.max_points / 10.0)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        parts = ctx.remember("components", lambda: self.components(ctx.column(ctx.indicator.id), ctx))
        c = {k: v[index] for k, v in parts.items()}
        base = fmt(c["baseline"])  # "n/a" when the unit has no baseline value
        # The rule's own figure: achievement and improvement points as the rule rounds them (thousandths keeps
        # 6.167 even where the scorecard declares 2 decimals), so they are written exactly.
        ach, imp = fmt(c["achievement"], exact=True), fmt(c["improvement"], exact=True)
        return Label(
            zh=f"实际值 {fmt(value)}；达标线（基期同类中位数）{fmt(c['threshold'])}，标杆（基期前 10% 均值）{fmt(c['benchmark'])}，"
               f"本单位基期值 {base}；达标分 {ach}，改进分 {imp}，取高，得 {fmt(points)} 分",
            en=f"value {fmt(value)}; achievement threshold (peers' baseline median) {fmt(c['threshold'])}, benchmark "
               f"(mean of the best baseline decile) {fmt(c['benchmark'])}, own baseline {base}; achievement "
               f"{ach}, improvement {imp}, the higher counts: {fmt(points)} points")
