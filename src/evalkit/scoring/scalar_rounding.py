"""Declared rounding of one number, for the places that round a single figure at a time (explanations).

`round_number(x, decimals, mode)` is `float(round_array(x, decimals, mode))` computed with Python floats:
the same operations in the same order (scale, snap to 6 decimals as numpy's round does it: multiply,
round half to even, divide; then the rule; then unscale), without the cost of numpy for one value, which
made `round_array` most of the time of `Evaluation.explain`. tests/test_columnar_writers.py checks that
the two agree bit for bit on every float, every number of decimals and every mode.
"""

from __future__ import annotations

import math

from evalkit.scoring.rounding import MODES

_SNAP = 1e6  # 10 ** rounding._SNAP_DECIMALS


def round_number(value: float, decimals: int = 2, mode: str = "half_up") -> float:
    """`value` rounded to `decimals` places by `mode`; NaN stays NaN, -0.0 becomes 0.0."""
    x = float(value)
    if x != x:
        return x
    scale = 10.0 ** decimals
    if abs(x) * scale >= 2.0 ** 52:  # whole already (and x * scale * 1e6 could overflow): left as it is
        return x + 0.0
    snapped = round(x * scale * _SNAP) / _SNAP  # numpy's round(y, 6): rint(y * 1e6) / 1e6
    magnitude = abs(snapped)
    if mode == "half_up":
        rounded = float(math.floor(magnitude + 0.5))
    elif mode == "half_even":
        rounded = float(round(magnitude))
    elif mode == "down":
        rounded = float(math.floor(magnitude))
    elif mode == "up":
        rounded = float(math.ceil(magnitude))
    else:
        raise ValueError(f"unknown rounding mode {mode!r}; expected one of {', '.join(MODES)}")
    return math.copysign(rounded, snapped) / scale + 0.0
