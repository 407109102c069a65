"""The discipline inspection commission's indicators, computed from its ledgers column by column.

    >>> from evalkit_discipline import SAMPLES, compute
    >>> compute(SAMPLES, "2025")["discipline_petitions_on_time"]["J01"]
    80.0

A petition or a clue belongs to the year in which its deadline falls, so that one received in
December is judged when it is due. Every per-unit total is one `np.bincount`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from evalkit.io.records import Records, as_mapping, codes, dates, in_year, load, per_unit, positions, ratio, unit_list, year_of
from evalkit_discipline import indicators as ind

FILES = {"petitions": "petitions.csv", "clues": "clues.csv", "cases": "cases.csv"}
COLUMNS = {
    "petitions": ("unit", "received", "due", "closed"),
    "clues": ("unit", "received", "disposed"),
    "cases": ("unit", "case", "transferred", "sent_back"),
}
CLUE_DEADLINE_DAYS = 30  # a disposal proposal within 30 days of receiving a clue
YES_NO = {"1": 1, "0": 0, "yes": 1, "no": 0, "是": 1, "否": 0, "": 0}


def compute(records: Any, period: Any, units: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Every indicator whose records are given, for the year `period`: {indicator: {unit: value}}.

    `records` is a folder holding petitions.csv, clues.csv and cases.csv (any of them), or a mapping
    from "petitions", "clues", "cases" to a CSV path or to columns. `units` lists the units to report
    (default: every unit named in any record). A unit with no case sent back has 0; one with nothing
    due has no on-time rate.
    """
    year = year_of(period)
    tables = load(records, FILES, COLUMNS)
    unit_ids = unit_list(tables, units)
    columns: dict[str, np.ndarray] = {}
    if "petitions" in tables:
        columns[ind.PETITIONS_ON_TIME.id] = petitions_on_time(tables["petitions"], year, unit_ids)
    if "clues" in tables:
        columns[ind.CLUES_ON_TIME.id] = clues_on_time(tables["clues"], year, unit_ids)
    if "cases" in tables:
        columns[ind.CASES_SENT_BACK.id] = cases_sent_back(tables["cases"], year, unit_ids)
    return {indicator: as_mapping(unit_ids, column) for indicator, column in columns.items()}


def _on_time_rate(table: Records, due: np.ndarray, done: np.ndarray, year: int, unit_ids) -> np.ndarray:
    keep = in_year(due, year)
    unit = positions(unit_ids, table)[keep]
    on_time = (done[keep] <= due[keep]).astype(np.float64)  # not done (NaT) compares False
    n = len(unit_ids)
    return ratio(per_unit(unit, n, on_time), per_unit(unit, n))


def petitions_on_time(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, the % of petitions due in the year that were closed by their due date."""
    return _on_time_rate(table, dates(table, "due"), dates(table, "closed"), year, unit_ids)


def clues_on_time(table: Records, year: int, unit_ids, deadline_days: int = CLUE_DEADLINE_DAYS) -> np.ndarray:
    """Per unit, the % of clues due in the year with a disposal proposal within `deadline_days`."""
    due = dates(table, "received") + np.timedelta64(deadline_days, "D")
    return _on_time_rate(table, due, dates(table, "disposed"), year, unit_ids)


def cases_sent_back(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, the cases transferred for review in the year and sent back (0 for a unit with none)."""
    keep = in_year(dates(table, "transferred"), year)
    sent_back = codes(table, "sent_back", YES_NO)[keep].astype(np.float64)
    return per_unit(positions(unit_ids, table)[keep], len(unit_ids), sent_back)
