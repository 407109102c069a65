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

    def __call__(self, values: np.ndarray | float, out: np.ndarray | None = None,
                 bounds: tuple[float, float] | None = None) -> np.ndarray:
        return round_array(values, self.decimals, self.mode, out=out, bounds=bounds)


_LIMIT = 2.0 ** 52  # from here on every float64 is a whole number
_SNAP = 10.0 ** _SNAP_DECIMALS


def round_array(values: np.ndarray | float, decimals: int = 2, mode: str = "half_up",
                out: np.ndarray | None = None, bounds: tuple[float, float] | None = None) -> np.ndarray:
    """Round every element by the declared rule; NaN stays NaN.

    `out` (a float64 array of the same shape, `values` itself allowed) receives the result, so that a
    caller can round in place or into a buffer it reuses. Arrays whose scaled values all lie below
    2**52 in magnitude (every score) take a path of in-place ufuncs; anything else takes the general
    formula. Both give the same bits: snap ``x * 10**decimals`` to 6 decimals as ``np.round`` does
    (multiply by 1e6, rint, divide), apply the mode to the magnitude, restore the sign, divide, and
    turn -0.0 into 0.0. `bounds` (low, high), from a caller that knows every value (NaN aside) lies
    between them, saves looking for the extremes.
    """
    x = np.asarray(values, dtype=np.float64)
    if mode not in MODES:
        raise ValueError(f"unknown rounding mode {mode!r}; expected one of {', '.join(MODES)}")
    scale = 10.0 ** decimals
    if x.ndim == 0 or x.size == 0:
        return _into(_round_general(x, scale, mode), out)
    if bounds is not None:
        lo, hi = bounds
    else:
        lo = np.fmin.reduce(x, axis=None)  # NaN ignored; NaN only when every element is NaN
        hi = np.fmax.reduce(x, axis=None)
    if not (float(lo) * scale > -_LIMIT and float(hi) * scale < _LIMIT):  # x * scale is monotone: its extremes are these
        return _into(_round_general(x, scale, mode), out)
    result = np.multiply(x, scale, out=out)
    result *= _SNAP  # np.round(x * scale, 6), step by step
    np.rint(result, out=result)
    result /= _SNAP
    if lo >= 0.0:  # no negative values (-0.0 at most): the magnitude is the value
        _apply_mode(result, mode)
        result /= scale
        if mode != "half_up":  # floor(v + 0.5) never gives -0.0; rint, floor and ceil keep a -0.0
            result += 0.0
        return result
    negative = np.signbit(result)
    np.abs(result, out=result)
    _apply_mode(result, mode)
    np.negative(result, out=result, where=negative)  # copysign(rounded, scaled)
    result /= scale
    result += 0.0  # turns -0.0 into 0.0 so that output never shows "-0"
    return result


def _apply_mode(magnitude: np.ndarray, mode: str) -> None:
    if mode == "half_up":
        magnitude += 0.5
        np.floor(magnitude, out=magnitude)
    elif mode == "half_even":
        np.rint(magnitude, out=magnitude)  # numpy rounds exact halves to even
    elif mode == "down":
        np.floor(magnitude, out=magnitude)
    else:
        np.ceil(magnitude, out=magnitude)


def _into(result: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return result
    out[...] = result
    return out


def _round_general(x: np.ndarray, scale: float, mode: str) -> np.ndarray:
    """The formula for any input: values of 2**52 and more (scaled) are left as they are."""
    exact = None
    with np.errstate(over="ignore", invalid="ignore"):
        if x.size and np.max(np.abs(x), initial=0.0, where=~np.isnan(x)) * scale >= _LIMIT:
            # Values of 2**52 and more are whole already: leave them, and keep x * 1e6 from overflowing.
            exact = np.abs(x) * scale >= _LIMIT
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
    else:
        rounded = np.ceil(magnitude)
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
