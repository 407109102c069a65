"""Periods as assessments name them: years, half years, quarters and months, and how they order.

A period is text: "2025", "2025H1", "2025Q3" or "2025-07". Each covers a span of time, so periods of
different kinds compare by their spans: 2025Q3 lies within 2025, and a scorecard in force from 2023
to 2025 covers every quarter of those years.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction

_PERIOD_FORMS = (
    (re.compile(r"^(\d+)$"), 1),
    (re.compile(r"^(\d{4})\s*-?\s*H([12])$", re.IGNORECASE), 2),
    (re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE), 4),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), 12),
)
PERIOD_FORMS_TEXT = "a year (2025), half year (2025H1), quarter (2025Q3) or month (2025-07)"


def period_position(period: str) -> tuple[int, int]:
    """(periods per year, position on that scale): '2025' -> (1, 2025), '2025Q3' -> (4, 8102).

    ValueError for text that is none of the forms.
    """
    text = str(period).strip()
    for pattern, per_year in _PERIOD_FORMS:
        m = pattern.match(text)
        if m:
            year = int(m.group(1))
            return per_year, year if per_year == 1 else year * per_year + int(m.group(2)) - 1
    raise ValueError(PERIOD_FORMS_TEXT)


def period_span(period: str) -> tuple[Fraction, Fraction]:
    """The start and end of a period in years, exactly: '2025Q3' -> (2025 1/2, 2025 3/4)."""
    from fractions import Fraction  # imported on use: fractions imports decimal, a cost at every start

    per_year, position = period_position(period)
    start = Fraction(position, per_year)
    return start, start + Fraction(1, per_year)


def within(period: str, first: str | None, last: str | None) -> bool:
    """Whether `period` lies inside the span from the start of `first` to the end of `last` (open if None)."""
    start, end = period_span(period)
    return (first is None or period_span(first)[0] <= start) and (last is None or end <= period_span(last)[1])


def period_before(period: str, steps: int) -> str:
    """The period `steps` periods of the same kind before `period`: ('2025', 1) -> '2024',
    ('2025Q1', 1) -> '2024Q4', ('2025-01', 12) -> '2024-01'. ValueError for text that is not a period."""
    per_year, position = period_position(period)
    position -= steps
    if per_year == 1:
        return str(position)
    year, part = divmod(position, per_year)
    if per_year == 2:
        return f"{year}H{part + 1}"
    if per_year == 4:
        return f"{year}Q{part + 1}"
    return f"{year}-{part + 1:02d}"


def periods_per_year(period: str) -> int:
    """1 for a year, 2 for a half year, 4 for a quarter, 12 for a month. ValueError otherwise."""
    return period_position(period)[0]
