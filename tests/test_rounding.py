"""Declared rounding: half up as Excel's ROUND does it, checked against Python's decimal module."""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.scoring.rounding import Rounding, round_array

DECIMAL_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}


@pytest.mark.parametrize("value, expected", [(2.675, 2.68), (1.005, 1.01), (0.125, 0.13), (-2.675, -2.68),
                                             (72.6049, 72.6), (0.1 + 0.2, 0.3), (99.995, 100.0)])
def test_half_up_rounds_what_a_person_typed(value, expected):
    # Python's round(2.675, 2) gives 2.67 (binary value, half to even); scores must give 2.68.
    assert round_array(value, 2, "half_up") == expected


def test_half_even_and_truncation_modes():
    values = np.array([0.125, 0.135, 1.999, -1.999])
    assert list(round_array(values, 2, "half_even")) == [0.12, 0.14, 2.0, -2.0]
    assert list(round_array(values, 2, "down")) == [0.12, 0.13, 1.99, -1.99]
    assert list(round_array(values, 2, "up")) == [0.13, 0.14, 2.0, -2.0]


def test_nan_stays_nan_and_no_negative_zero():
    out = round_array(np.array([np.nan, -0.001]), 2)
    assert np.isnan(out[0])
    assert str(out[1]) == "0.0"


@given(cents=st.integers(-10**9, 10**9), mode=st.sampled_from(sorted(DECIMAL_MODES)), decimals=st.integers(0, 3))
def test_matches_decimal_on_decimal_inputs(cents, mode, decimals):
    # Numbers as written with three decimals (as data files hold them) round exactly like Decimal does.
    text = f"{Decimal(cents) / 1000}"
    expected = float(Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=DECIMAL_MODES[mode]))
    assert round_array(float(text), decimals, mode) == expected


def test_rounding_object_is_declared_and_validated():
    assert Rounding()(np.array([1.005]))[0] == 1.01
    with pytest.raises(ValueError):
        Rounding(decimals=2, mode="bankers")
