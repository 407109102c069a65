"""Grades from score bands, for all units at once with one searchsorted."""

from __future__ import annotations

import numpy as np

from evalkit.definition.model import Grading

NO_GRADE = -1


def grade_indexes(totals: np.ndarray, grading: Grading) -> np.ndarray:
    """Index into `grading.bands` (highest band first) per unit; NO_GRADE below every band or for NaN."""
    mins_ascending = np.array([band.min for band in reversed(grading.bands)], dtype=np.float64)
    reached = np.searchsorted(mins_ascending, totals, side="right")  # bands whose min <= total
    index = len(grading.bands) - reached  # back to highest-first order
    index[reached == 0] = NO_GRADE
    index[np.isnan(totals)] = NO_GRADE
    return index.astype(np.int64)
