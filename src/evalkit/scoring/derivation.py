"""A derived indicator's value written out with its formula and inputs, for explanations:
``综合得分 = a + b = 12 + 30 = 42``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np

from evalkit.definition.expressions import Call, Expression

_TOKEN = re.compile(r"\{([^}]*)\}|([^\W\d][\w.]*)")


def _has_call(node: object) -> bool:
    if isinstance(node, Call):
        return True
    return any(_has_call(getattr(node, part)) for part in ("left", "right", "operand") if hasattr(node, part))


def substituted(expression: Expression, values: Mapping[str, float], number: Callable[[float], str]) -> str | None:
    """The formula's canonical text with every indicator replaced by its value written by `number`
    (negative values in parentheses); None when the formula calls a function (lag, yoy, ...), whose
    arguments are not this period's values."""
    if _has_call(expression.root):
        return None

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) if match.group(1) is not None else match.group(2)
        if name not in expression.names:
            return match.group(0)
        value = values.get(name, float("nan"))
        text = number(value)
        return f"({text})" if text.startswith("-") else text

    return _TOKEN.sub(replace, expression.to_text())


def formula_line(label: str, indicator: str, expression: Expression, columns: Mapping[str, np.ndarray], index: int,
                 number: Callable[[float], str]) -> str:
    """``label = formula = inputs = value`` for unit number `index` of the derived indicator `indicator`
    (the inputs part left out when the formula calls a function or names no indicator)."""
    value = number(float(columns[indicator][index])) if indicator in columns else "n/a"
    inputs = {n: float(columns[n][index]) for n in expression.names if n in columns}
    parts = [label, expression.to_text()]
    filled = substituted(expression, inputs, number) if inputs else None
    if filled is not None and filled != parts[-1]:
        parts.append(filled)
    parts.append(value)
    return " = ".join(parts)
