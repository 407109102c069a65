"""The tax bureau's indicators, computed from its records column by column.

    >>> from evalkit_tax import SAMPLES, compute
    >>> round(compute(SAMPLES, "2025")["tax_forecast_accuracy"]["T01"], 4)
    98.3333

Each record file is read once into numpy columns; every per-unit total is one `np.bincount`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from evalkit.io.records import Records, as_mapping, dates, in_year, load, numbers, per_unit, positions, ratio, unit_list, year_of
from evalkit_tax import indicators as ind

FILES = {"revenue": "revenue.csv", "plans": "plans.csv", "arrears": "arrears.csv",
         "enforcement_errors": "enforcement_errors.csv"}
COLUMNS = {
    "revenue": ("unit", "month", "forecast", "actual"),
    "plans": ("unit", "year", "plan"),
    "arrears": ("unit", "year", "opening", "closing"),
    "enforcement_errors": ("unit", "date", "case", "finding"),
}


def compute(records: Any, period: Any, units: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Every indicator whose records are given, for the year `period`: {indicator: {unit: value}}.

    `records` is a folder holding revenue.csv, plans.csv, arrears.csv and enforcement_errors.csv (any
    of them), or a mapping from "revenue", "plans", "arrears", "enforcement_errors" to a CSV path or to
    columns. `units` lists the units to report (default: every unit named in any record). A unit with
    no enforcement error on file has 0; plan completion needs both revenue.csv and plans.csv.
    """
    year = year_of(period)
    tables = load(records, FILES, COLUMNS)
    unit_ids = unit_list(tables, units)
    columns: dict[str, np.ndarray] = {}
    if "revenue" in tables:
        actual, months, accuracy = revenue_by_unit(tables["revenue"], year, unit_ids)
        columns[ind.FORECAST_ACCURACY.id] = accuracy
        if "plans" in tables:
            completion = ratio(actual, plans_by_unit(tables["plans"], year, unit_ids))
            completion[months == 0] = np.nan  # no monthly report at all: no value, not 0 %
            columns[ind.REVENUE_PLAN_COMPLETION.id] = completion
    if "arrears" in tables:
        columns[ind.ARREARS_CHANGE.id] = arrears_change(tables["arrears"], year, unit_ids)
    if "enforcement_errors" in tables:
        columns[ind.ENFORCEMENT_ERRORS.id] = enforcement_errors(tables["enforcement_errors"], year, unit_ids)
    return {indicator: as_mapping(unit_ids, column) for indicator, column in columns.items()}


def revenue_by_unit(table: Records, year: int, unit_ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit: revenue collected in the year, months reported, and forecast accuracy (%)."""
    keep = in_year(dates(table, "month", unit="M"), year)
    unit = positions(unit_ids, table)[keep]
    forecast, actual = numbers(table, "forecast")[keep], numbers(table, "actual")[keep]
    n = len(unit_ids)
    error = np.full(actual.shape, np.nan)
    np.divide(np.abs(forecast - actual) * 100.0, actual, out=error, where=actual > 0)
    scored = ~np.isnan(error)
    mean_error = per_unit(unit[scored], n, error[scored]) / np.maximum(per_unit(unit[scored], n), 1)
    accuracy = np.where(per_unit(unit[scored], n) > 0, np.maximum(100.0 - mean_error, 0.0), np.nan)
    return per_unit(unit, n, np.nan_to_num(actual)), per_unit(unit, n), accuracy


def plans_by_unit(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, the revenue plan for the year (several rows add up)."""
    keep = numbers(table, "year") == year
    return per_unit(positions(unit_ids, table)[keep], len(unit_ids), numbers(table, "plan")[keep])


def arrears_change(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, (closing - opening) / opening arrears of the year, in % (no value if opening is 0)."""
    keep = numbers(table, "year") == year
    unit = positions(unit_ids, table)[keep]
    n = len(unit_ids)
    opening = per_unit(unit, n, numbers(table, "opening")[keep])
    closing = per_unit(unit, n, numbers(table, "closing")[keep])
    return ratio(closing - opening, opening)


def enforcement_errors(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, the enforcement errors on file for the year (0 for a unit with none)."""
    keep = in_year(dates(table, "date"), year)
    return per_unit(positions(unit_ids, table)[keep], len(unit_ids))
