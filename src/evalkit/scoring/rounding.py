"""Declared, exact rounding of scores, applied to whole arrays at once.

Scores are published, so 2.675 must become 2.68 under "half up" as a person (and Excel's ROUND)
expects, even though the float 2.675 is stored as 2.67499999... Python's round() rounds half to
even and sees the binary value; it is never used for scores. We first snap the scaled value to a
fixed number of significant decimals (removing binary representation noise), then apply the rule.
"""

from __future__ import annotations

import math

import attrs
import numpy as np

MODES = ("half_up", "half_even", "down", "up")
"""half_up: ties away from zero (Excel ROUND); half_even: ties to even (banker's);
down: towards zero (truncate); up: away from zero."""

# Digits kept when removing float noise before rounding: values are trusted to about 1e-9 relative
# to the last kept decimal, far below any score's precision and far above float64's error.
_SNAP_DECIMALS = 6


@attrs.frozen
class Rounding:
    """How scores are rounded: `decimals` places with `mode` (default half up at 2)."""

    decimals: int = attrs.field(default=2, validator=[attrs.validators.instance_of(int), attrs.validators.ge(0), attrs.validators.le(10)])
    mode: str = attrs.field(default="half_up", validator=attrs.validators.in_(MODES))

    def __call__(self, values: np.ndarray | float) -> np.ndarray:
        return round_array(values, self.decimals, self.mode)


def round_array(values: np.ndarray | float, decimals: int = 2, mode: str = "half_up") -> np.ndarray:
    """Round every element by the declared rule; NaN stays NaN."""
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0 ** decimals
    exact = None
    with np.errstate(over="ignore", invalid="ignore"):
        if x.size and np.max(np.abs(x), initial=0.0, where=~np.isnan(x)) * scale >= 2.0 ** 52:
            # Values of 2**52 and more are whole already: leave them, and keep x * 1e6 from overflowing.
            exact = np.abs(x) * scale >= 2.0 ** 52
            x_safe = np.where(exact, 0.0, x)
        else:
            x_safe = x
        scaled = np.round(x_safe * scale, _SNAP_DECIMALS)  # snaps 267.49999999999997 to 267.5
    magnitude = np.abs(scaled)
    if mode == "half_up":
        rounded = np.floor(magnitude + 0.5)
    elif mode == "half_even":
        rounded = np.round(magnitude)  # numpy rounds exact halves to even
    elif mode == "down":
        rounded = np.floor(magnitude)
    elif mode == "up":
        rounded = np.ceil(magnitude)
    else:
        raise ValueError(f"unknown rounding mode {mode!r}; expected one of {', '.join(MODES)}")
    result = np.copysign(rounded, scaled) / scale
    if exact is not None:
        result = np.where(exact, x, result)
    return result + 0.0  # turns -0.0 into 0.0 so that output never shows "-0"


def json_number(value: float | None) -> float | int | None:
    """A computed statistic as JSON shows it: None for none or non-finite, 12 not 12.0, float noise removed.

    Only for figures that no scoring rule rounds (benchmarks, gaps, progress): they are cleaned at 12
    decimals (0.1 + 0.2 shows as 0.3). Scores use the declared `Rounding`, never this.
    """
    if value is None:
        return None
    x = float(value)
    if not math.isfinite(x):
        return None
    x = float(np.round(x, 12))
    return int(x) if x.is_integer() and abs(x) < 2**53 else x
