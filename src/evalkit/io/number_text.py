"""Number text for whole columns: the per-value text rules of the writers, applied once per distinct value.

Reports hold many repeated numbers (points on a few steps, scores at two decimals), and even a column of
distinct numbers is cheaper to sort once in C than to format value by value in Python. `texts_by_value`
finds the distinct float64 bit patterns of a column (so 0.0 and -0.0, and NaN payloads, stay apart),
formats each with the exact per-value function the writer always used, and spreads the texts back over
the column: the text of every cell is the per-value function's text by construction.

The per-value rules live here too, so that a writer and its tests use the same function:

- `json_number_text`: a rounded score as the JSON result writes it (`Evaluation.to_json`): 12 not 12.0,
  null for NaN, the shortest text that reads back to the same float otherwise;
- `json_statistic_text`: a computed figure cleaned at 12 decimals (`evalkit.scoring.rounding.json_number`);
- `fixed_text(decimals)`: a score with the scorecard's declared decimals, "" for none (the CSV summary,
  `evalkit.reporters.common.points_text`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from evalkit.scoring.rounding import json_number


def _distinct(values: Any) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """The distinct float64 bit patterns of `values` (as floats) and where each element's is."""
    x = np.ascontiguousarray(values, dtype=np.float64)
    bits, inverse = np.unique(x.reshape(-1).view(np.int64), return_inverse=True)
    return bits.view(np.float64), inverse.reshape(-1), x.shape


def _spread(texts: list[str], inverse: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    column = np.empty(len(texts), dtype=object)
    column[:] = texts
    return column[inverse].reshape(shape)


def texts_by_value(values: Any, text: Callable[[float], str]) -> np.ndarray:
    """`text(x)` for every element of `values` (float64, any shape), as an object array of the same shape.

    `text` is called once per distinct bit pattern, never per element.
    """
    distinct, inverse, shape = _distinct(values)
    return _spread([text(v) for v in distinct.tolist()], inverse, shape)


def json_number_text(x: float) -> str:
    """A rounded score in the JSON result: as ``json.dumps(_num(x))`` writes it (NaN: null).

    Infinities are no JSON: ValueError, as ``json.dumps(..., allow_nan=False)`` raises."""
    if x != x:
        return "null"
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    if math.isinf(x):
        raise ValueError(f"Out of range float values are not JSON compliant: {x!r}")
    return repr(x)


def json_statistic_text(x: float) -> str:
    """A computed figure in the JSON result: as ``json.dumps(json_number(x))`` writes it."""
    value = json_number(x)
    return "null" if value is None else repr(value) if isinstance(value, float) else str(value)


def fixed_text(decimals: int) -> Callable[[float], str]:
    """The text of a score with `decimals` places, "" for NaN (`evalkit.reporters.common.points_text`)."""
    pattern = f"{{:.{decimals}f}}"

    def text(x: float) -> str:
        return "" if x != x else pattern.format(x)

    return text


def json_texts(values: Any) -> np.ndarray:
    """`json_number_text` of every element (object array), worked out per distinct value in C: whole
    numbers below 2**53 through int's str, other finite numbers through float's repr, NaN as null."""
    distinct, inverse, shape = _distinct(values)
    if np.isinf(distinct).any():
        raise ValueError("Out of range float values are not JSON compliant: inf")
    whole = (np.floor(distinct) == distinct) & (np.abs(distinct) < 2.0**53)
    texts = np.empty(len(distinct), dtype=object)
    texts[whole] = list(map(str, distinct[whole].astype(np.int64).tolist()))
    rest = ~whole
    texts[rest] = list(map(repr, distinct[rest].tolist()))
    texts[np.isnan(distinct)] = "null"
    return texts[inverse].reshape(shape)


def fixed_texts(values: Any, decimals: int) -> np.ndarray:
    """`fixed_text(decimals)` of every element (object array), worked out per distinct value in C."""
    distinct, inverse, shape = _distinct(values)
    texts = np.empty(len(distinct), dtype=object)
    texts[:] = list(map(f"{{:.{decimals}f}}".format, distinct.tolist()))
    texts[np.isnan(distinct)] = ""
    return texts[inverse].reshape(shape)
