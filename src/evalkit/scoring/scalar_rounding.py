"""Declared rounding of one number, for the places that round a single figure at a time (explanations).

(0.0 and -0.0 share a cache entry of `display_text`: both read "0".)

`round_number(x, decimals, mode)` is `float(round_array(x, decimals, mode))` computed with Python floats:
the same operations in the same order (scale, snap to 6 decimals as numpy's round does it: multiply,
round half to even, divide; then the rule; then unscale), without the cost of numpy for one value, which
made `round_array` most of the time of `Evaluation.explain`. tests/test_columnar_writers.py checks that
the two agree bit for bit on every float, every number of decimals and every mode.
"""

from __future__ import annotations

import functools
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
    # round() here is ties-to-even on purpose: it is numpy's rint, which round_array uses for the noise snap
    # and for half_even; tests/test_columnar_writers.py checks this function equals round_array bit for bit
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


@functools.lru_cache(maxsize=1 << 16)
def display_text(number: float, decimals: int, mode: str) -> str:
    """A finite number as an explanation shows it at the scorecard's declared decimals and rounding mode
    (`evalkit.rules.base.fmt` inside `displaying`): rounded, trailing zeros dropped; a non-zero number that
    would read 0 keeps two significant digits (0.0012). Cached: explanations repeat the same few values."""
    rounded = round_number(number, decimals, mode)
    if rounded == 0 and number != 0 and decimals <= 6:
        text = f"{float(f'{number:.2g}'):.{max(decimals, 6)}f}".rstrip("0").rstrip(".")
    else:
        text = f"{rounded:.{max(decimals, 0)}f}".rstrip("0").rstrip(".") if decimals else f"{rounded:.0f}"
    return "0" if text == "-0" else text
