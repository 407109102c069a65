"""Shortfall from a standard: points off per point short of it, with steeper slopes further away.

"0.25 per point below 96 %, 0.5 per point below 90 %" (DOMAIN.md). A unit at or better than the
`standard` keeps max_points. Each band names where its slope starts and the points off per point
(per unit of the indicator) from there until the next band starts; the last band runs on without
end. Deductions add up band by band (piecewise linear and continuous), are held to at most `cap`
(default max_points) and never take the points below 0.

When higher is better the standard is a floor and bands say `below`, listed from the standard
downwards. When lower is better the standard is a ceiling and bands say `above`, listed from the
standard upwards: the rule then scores x exactly as the higher-is-better form with every threshold
negated scores -x. A band may start short of the standard (a tolerance zone with nothing taken off).

Worked example (DOMAIN.md): standard 96, bands [{below: 96, per_point: 0.25}, {below: 90, per_point:
0.5}], an item of 10 points. 97 and 96 earn 10; 93 earns 10 - 3 x 0.25 = 9.25; 88 earns
10 - (96 - 90) x 0.25 - (90 - 88) x 0.5 = 7.5; 60 would lose 1.5 + 15 = 16.5, held at 10 off: 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt


class ShortfallRule(Rule):
    name = "shortfall"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="差额分段扣分", en="Shortfall from a standard")
    description = "Points off per point short of a standard, steeper in bands further below (piecewise, capped)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["standard", "bands"],
        "additionalProperties": False,
        "properties": {
            "standard": {"type": "number",
                         "description": "Full points at or above it (at or below it when lower is better)."},
            "bands": {
                "type": "array",
                "minItems": 1,
                "description": "Where each slope starts and its points off per point, from the standard outwards.",
                "items": {
                    "type": "object",
                    "required": ["per_point"],
                    "additionalProperties": False,
                    "oneOf": [{"required": ["below"]}, {"required": ["above"]}],
                    "properties": {
                        "below": {"type": "number", "description": "Slope starts below this value (higher is better)."},
                        "above": {"type": "number", "description": "Slope starts above this value (lower is better)."},
                        "per_point": {"type": "number", "minimum": 0, "description": "Points off per point in this band."},
                    },
                },
            },
            "cap": {"type": "number", "exclusiveMinimum": 0, "description": "Most points taken off; default max_points."},
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        higher = indicator.direction == "higher"
        key, other = ("below", "above") if higher else ("above", "below")
        standard = params["standard"]
        previous = None
        for i, band in enumerate(params["bands"]):
            if key not in band:
                yield ParamProblem(("bands", i, other), f"indicator {indicator.id!r} says {indicator.direction} is better, "
                                   f"so bands start {key} the standard",
                                   expected=f"{key}: <value>", found=f"{other}: {fmt(band[other])}")
                continue
            start = band[key]
            if (start > standard) if higher else (start < standard):
                yield ParamProblem(("bands", i, key), f"the band starts on the wrong side of the standard {fmt(standard)}",
                                   expected=f"a number {'<=' if higher else '>='} {fmt(standard)}", found=fmt(start))
            elif previous is not None and ((start >= previous) if higher else (start <= previous)):
                yield ParamProblem(("bands", i, key), "bands must be listed from the standard outwards",
                                   expected=f"a number {'<' if higher else '>'} {fmt(previous)}", found=fmt(start))
            previous = start
        if params.get("cap", max_points) > max_points:
            yield ParamProblem(("cap",), "the cap is larger than the item's max_points",
                               expected=f"at most {fmt(max_points)}", found=fmt(params["cap"]))

    def deducts(self, params: Mapping[str, Any]) -> bool:
        return True

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        higher = indicator.direction == "higher"
        key = "below" if higher else "above"
        starts = np.array([b[key] for b in params["bands"]], dtype=np.float64)
        # Work on "distance past the threshold" in the better-is-higher sense: negate for lower is better.
        signed = starts if higher else -starts
        widths = np.append(signed[:-1] - signed[1:], np.inf)  # the last band runs on without end
        return {"standard": float(params["standard"]), "key": key, "starts": starts, "signed": signed, "widths": widths,
                "per_point": np.array([b["per_point"] for b in params["bands"]], dtype=np.float64),
                "cap": float(min(params.get("cap", max_points), max_points))}

    @staticmethod
    def shortfalls(values: np.ndarray, p: dict, higher_is_better: bool) -> np.ndarray:
        """Points of shortfall inside each band: shape (units, bands); NaN rows for missing values."""
        signed_values = values if higher_is_better else -values
        return np.clip(p["signed"][None, :] - signed_values[:, None], 0.0, p["widths"][None, :])

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        signed_values = values if ctx.higher_is_better else -values
        off = np.zeros_like(values)
        part = np.empty_like(values)
        for start, width, per_point in zip(p["signed"], p["widths"], p["per_point"]):  # a few bands, 1-d each
            np.subtract(start, signed_values, out=part)
            np.clip(part, 0.0, width, out=part)
            part *= per_point
            off += part
        np.minimum(off, p["cap"], out=off)
        points = ctx.max_points - off
        return np.clip(points, 0.0, ctx.max_points, out=points)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        short = self.shortfalls(np.array([value], dtype=np.float64), p, ctx.higher_is_better)[0]
        parts = [(s, pp, w) for s, pp, w in zip(p["starts"], p["per_point"], short) if w > 0]
        off = sum(w * pp for _, pp, w in parts)
        std = fmt(p["standard"], exact=True)
        if not parts:
            side_zh = "达到" if ctx.higher_is_better else "未超过"
            side_en = "meets" if ctx.higher_is_better else "stays within"
            return Label(zh=f"实际值 {fmt(value)} {side_zh}标准 {std}，不扣分，得 {fmt(points)} 分",
                         en=f"value {fmt(value)} {side_en} the standard {std}: nothing off, {fmt(points)} points")
        word_zh, word_en = ("低于", "below") if ctx.higher_is_better else ("高于", "above")
        zh = "；".join(f"{word_zh} {fmt(s, exact=True)} 的 {fmt(w)} 个点每点扣 {fmt(pp, exact=True)} 分" for s, pp, w in parts)
        en = "; ".join(f"{fmt(w)} points {word_en} {fmt(s, exact=True)} at {fmt(pp, exact=True)} off each" for s, pp, w in parts)
        capped_zh = f"，扣分封顶 {fmt(p['cap'], exact=True)} 分" if off > p["cap"] else ""
        capped_en = f", capped at {fmt(p['cap'], exact=True)} off" if off > p["cap"] else ""
        return Label(zh=f"实际值 {fmt(value)}，标准 {std}：{zh}，共扣 {fmt(off)} 分{capped_zh}，得 {fmt(points)} 分",
                     en=f"value {fmt(value)} against the standard {std}: {en}; {fmt(off)} off in all{capped_en}: {fmt(points)} points")
