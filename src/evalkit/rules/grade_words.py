"""Grade words to points (等次折分): each grade, recorded in the data as a numeric code, earns its points.

Values reach rules as numbers, so the data holds a code per grade and the params say what each code
means: `grades: [{value: 1, label: {zh: 优秀, en: excellent}, points: 100}, ...]`. A code must match a
listed `value` exactly. A code that is not listed is a data problem: the rule returns NaN for that
unit, so it counts as missing and the item's missing-data policy (zero / reweight / fail) applies;
use `missing: fail` to have such codes reported rather than scored 0.

Points are on the item's own scale, as written: a grade worth 95 needs an item of at least 95 points
(an item under `weight` scores on 0..100, so a 0..100 grade table fits it directly). check() rejects
points above max_points. Codes must be ordered as the indicator says: when higher is better a larger
code never earns fewer points; when lower is better (code 1 the best grade) a larger code never earns
more.

Worked example, the grade words of DOMAIN.md ("excellent 100/95/90, competent 85/80/75, basically
competent 70/65/60, not competent 55") on an item under weights (0..100), the indicator lower-is-better
with code 1 the best: 1 优秀(上) 100, 2 优秀(中) 95, 3 优秀(下) 90, 4 称职(上) 85, 5 称职(中) 80,
6 称职(下) 75, 7 基本称职(上) 70, 8 基本称职(中) 65, 9 基本称职(下) 60, 10 不称职 55. Code 5 earns 80;
code 11 (or 4.5) is not a grade: missing. There is no built-in table; write the grades out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import numpy as np

from evalkit.definition.model import Indicator, Label
from evalkit.rules.base import ParamProblem, Rule, RuleContext, fmt

_DENSE_SPAN = 1000  # codes spanning fewer whole numbers than this are looked up in a table


class GradeWordsRule(Rule):
    name = "grade_words"
    unit_local = True  # scores each unit from its own values
    title = Label(zh="等次折分", en="Grade words to points")
    description = "Grade codes (excellent, competent ...) to points on the item's scale; an unlisted code is missing."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["grades"],
        "additionalProperties": False,
        "properties": {
            "grades": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["value", "label", "points"],
                    "additionalProperties": False,
                    "properties": {
                        "value": {"type": "number", "description": "The code the data holds for this grade."},
                        "label": {
                            "description": "The grade word, {zh: ..., en: ...} or one text.",
                            "oneOf": [
                                {"type": "string", "minLength": 1},
                                {"type": "object", "minProperties": 1, "additionalProperties": False,
                                 "properties": {"zh": {"type": "string", "minLength": 1},
                                                "en": {"type": "string", "minLength": 1}}},
                            ],
                        },
                        "points": {"type": "number", "minimum": 0, "description": "Points on the item's own scale."},
                    },
                },
            },
        },
    }

    def check(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Iterable[ParamProblem]:
        grades = params["grades"]
        seen: dict[Any, int] = {}
        for i, grade in enumerate(grades):
            if grade["points"] > max_points:
                yield ParamProblem(("grades", i, "points"), "a grade awards more than the item's max_points "
                                   "(points are on the item's own scale)",
                                   expected=f"at most {fmt(max_points)}", found=fmt(grade["points"]))
            if grade["value"] in seen:
                yield ParamProblem(("grades", i, "value"), f"the code is already used by grade {seen[grade['value']]}",
                                   expected="distinct codes", found=fmt(grade["value"]))
            seen.setdefault(grade["value"], i)
        higher = indicator.direction == "higher"
        ordered = sorted(range(len(grades)), key=lambda i: grades[i]["value"], reverse=higher)  # best code first
        for better, worse in itertools.pairwise(ordered):
            if grades[worse]["points"] > grades[better]["points"]:
                yield ParamProblem(("grades", worse, "points"),
                                   f"code {fmt(grades[worse]['value'])} earns more than code {fmt(grades[better]['value'])}, "
                                   f"but indicator {indicator.id!r} says {indicator.direction} is better",
                                   expected=f"at most {fmt(grades[better]['points'])}", found=fmt(grades[worse]["points"]))

    def prepare(self, params: Mapping[str, Any], max_points: float, indicator: Indicator) -> Any:
        grades = sorted(params["grades"], key=lambda g: g["value"])
        codes = np.array([g["value"] for g in grades], dtype=np.float64)
        points = np.array([g["points"] for g in grades], dtype=np.float64)
        prepared = {"codes": codes, "points": points, "labels": tuple(Label.of(g["label"]) for g in grades)}
        if (codes == np.floor(codes)).all() and codes[-1] - codes[0] < _DENSE_SPAN:
            # Small whole-number codes: a lookup table indexed by code is one gather, not a binary search.
            table = np.full(int(codes[-1] - codes[0]) + 1, np.nan)
            table[(codes - codes[0]).astype(np.intp)] = points
            prepared.update(low=codes[0], high=codes[-1], table=table)
        return prepared

    @staticmethod
    def positions(values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index into the sorted codes for every value, and whether the code there matches exactly."""
        idx = np.searchsorted(codes, values)
        np.minimum(idx, codes.shape[0] - 1, out=idx)
        return idx, codes[idx] == values  # NaN never matches

    def score(self, values: np.ndarray, ctx: RuleContext) -> np.ndarray:
        p = ctx.params
        if "table" in p:
            ok = (values >= p["low"]) & (values <= p["high"]) & (values == np.floor(values))
            slot = np.where(ok, values - p["low"], 0.0).astype(np.intp)
            return np.where(ok, p["table"][slot], np.nan)
        idx, found = self.positions(values, p["codes"])
        return np.where(found, p["points"][idx], np.nan)

    def explain(self, value: float, points: float, ctx: RuleContext, index: int) -> Label:
        p = ctx.params
        idx, found = self.positions(np.array([value], dtype=np.float64), p["codes"])
        if not found[0]:
            return Label(zh=f"代码 {fmt(value)} 不在等次表中，按缺失处理",
                         en=f"code {fmt(value)} is not a listed grade: treated as missing")
        label = p["labels"][int(idx[0])]
        return Label(zh=f"等次代码 {fmt(value)}（{label.text('zh')}），得 {fmt(points)} 分",
                     en=f"grade code {fmt(value)} ({label.text('en')}): {fmt(points)} points")
