"""Helpers to score one rule directly, the way the engine calls it."""

import numpy as np

from evalkit.definition.model import Indicator
from evalkit.rules.base import RuleContext


def score(rule, params, values, max_points=10.0, direction="higher", columns=None):
    indicator = Indicator(id="x", name="x", direction=direction)
    problems = list(rule.check(params, max_points, indicator))
    assert not problems, problems
    prepared = rule.prepare(params, max_points, indicator)
    values = np.asarray(values, dtype=np.float64)
    ctx = RuleContext(params=prepared, max_points=max_points, indicator=indicator,
                      unit_ids=tuple(str(i) for i in range(len(values))), columns=columns or {})
    with np.errstate(invalid="ignore", divide="ignore"):
        return rule.score(values.copy(), ctx), ctx
