"""Township indicators, computed from the county's records column by column.

    >>> from evalkit_township import SAMPLES, compute
    >>> compute(SAMPLES, "2025")["town_collective_economy"]["X01"]
    60.0

Every per-unit total is one `np.bincount`; the standards are the constants below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from evalkit.io.records import (
    Records,
    as_mapping,
    codes,
    dates,
    in_year,
    load,
    numbers,
    per_unit,
    positions,
    ratio,
    unit_list,
    year_of,
)
from evalkit_township import indicators as ind

FILES = {"villages": "villages.csv", "security_survey": "security_survey.csv", "petitions": "petitions.csv",
         "incidents": "incidents.csv"}
COLUMNS = {
    "villages": ("unit", "village", "year", "income"),
    "security_survey": ("unit", "respondent", "date", "answer"),
    "petitions": ("unit", "date", "level"),
    "incidents": ("unit", "date", "grade"),
}

COLLECTIVE_INCOME_STANDARD = 10.0  # 村集体经营性收入, in 10,000 yuan
# Survey answers: 2 secure, 1 not secure, 0 unsure (not a valid answer).
ANSWERS = {"safe": 2, "安全": 2, "fairly_safe": 2, "比较安全": 2, "basically_safe": 2, "基本安全": 2,
           "not_very_safe": 1, "不太安全": 1, "unsafe": 1, "不安全": 1, "unsure": 0, "不清楚": 0}
# Where a petition was lodged; above the county (3 and up) skips levels.
LEVELS = {"township": 1, "乡镇": 1, "county": 2, "县": 2, "city": 3, "市": 3, "province": 4, "省": 4,
          "national": 5, "国家": 5, "进京": 5}
# Work-safety incident grades; "larger" (较大) and worse are serious.
GRADES = {"general": 1, "一般": 1, "larger": 2, "较大": 2, "major": 3, "重大": 3, "extraordinary": 4, "特别重大": 4}


def compute(records: Any, period: Any, units: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Every indicator whose records are given, for the year `period`: {indicator: {unit: value}}.

    `records` is a folder holding villages.csv, security_survey.csv, petitions.csv and incidents.csv
    (any of them), or a mapping from "villages", "security_survey", "petitions", "incidents" to a CSV
    path or to columns. `units` lists the townships to report (default: every unit named in any
    record). A township with no petition or incident on file has 0 of them.
    """
    year = year_of(period)
    tables = load(records, FILES, COLUMNS)
    unit_ids = unit_list(tables, units)
    columns: dict[str, np.ndarray] = {}
    if "villages" in tables:
        columns[ind.COLLECTIVE_ECONOMY.id] = collective_economy(tables["villages"], year, unit_ids)
    if "security_survey" in tables:
        columns[ind.SENSE_OF_SECURITY.id] = sense_of_security(tables["security_survey"], year, unit_ids)
    if "petitions" in tables:
        columns[ind.SKIP_LEVEL_PETITIONS.id] = _count(tables["petitions"], "level", LEVELS, 3, year, unit_ids)
    if "incidents" in tables:
        columns[ind.SERIOUS_INCIDENTS.id] = _count(tables["incidents"], "grade", GRADES, 2, year, unit_ids)
    return {indicator: as_mapping(unit_ids, column) for indicator, column in columns.items()}


def collective_economy(table: Records, year: int, unit_ids, standard: float = COLLECTIVE_INCOME_STANDARD) -> np.ndarray:
    """Per township, the % of its villages whose collective income in the year reaches `standard`."""
    keep = numbers(table, "year") == year
    unit = positions(unit_ids, table)[keep]
    meets = (numbers(table, "income")[keep] >= standard).astype(np.float64)
    n = len(unit_ids)
    return ratio(per_unit(unit, n, meets), per_unit(unit, n))


def sense_of_security(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per township, the % of valid survey answers that are secure ('unsure' is not a valid answer)."""
    answer = codes(table, "answer", ANSWERS)
    keep = in_year(dates(table, "date"), year) & (answer > 0)
    unit = positions(unit_ids, table)[keep]
    n = len(unit_ids)
    return ratio(per_unit(unit, n, (answer[keep] == 2).astype(np.float64)), per_unit(unit, n))


def _count(table: Records, column: str, words, at_least: int, year: int, unit_ids) -> np.ndarray:
    """Per township, the records of the year whose `column` is `at_least` or worse (0 when none)."""
    keep = in_year(dates(table, "date"), year) & (codes(table, column, words) >= at_least)
    return per_unit(positions(unit_ids, table)[keep], len(unit_ids))
