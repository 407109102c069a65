"""The organisation department's indicators, computed from its records column by column.

    >>> from evalkit_org import SAMPLES, compute
    >>> values = compute(SAMPLES, "2025")          # {indicator: {unit: value}}
    >>> values["org_meetings_completion"]["D02"]
    87.5

Each record file is read once into numpy columns; units are integer positions, and every per-unit
total is one `np.bincount`. The official cadences and dues rates are the constants below.
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
from evalkit_org import indicators as ind

FILES = {"meetings": "meetings.csv", "dues": "dues.csv", "recruitment": "recruitment.csv", "study": "study.csv"}
COLUMNS = {
    "meetings": ("unit", "date", "kind"),
    "dues": ("unit", "member", "month", "pay", "paid", "paid_on"),
    "recruitment": ("unit", "year", "plan", "admitted"),
    "study": ("unit", "member", "role", "year", "hours"),
}

# 三会一课: how often each kind of meeting is due in a year (4: each quarter, 12: each month).
CADENCE = {"members_meeting": 4, "committee_meeting": 12, "group_meeting": 12, "party_lesson": 4}
REQUIRED_MEETINGS = sum(CADENCE.values())  # 32 a year
_SLOTS = np.array(list(CADENCE.values()))  # slots per year of each kind, in the order of the codes below
_FIRST_SLOT = np.concatenate(([0], np.cumsum(_SLOTS)[:-1]))  # a unit's slots: 0-3, 4-15, 16-27, 28-31
MEETING_WORDS = {
    "members_meeting": 0, "支部党员大会": 0, "党员大会": 0,
    "committee_meeting": 1, "支部委员会": 1, "支委会": 1,
    "group_meeting": 2, "党小组会": 2,
    "party_lesson": 3, "党课": 3,
    # Other branch activities may be in the same log; they are not part of 三会一课.
    "theme_day": -1, "主题党日": -1, "organisational_life": -1, "组织生活会": -1, "member_review": -1, "民主评议党员": -1,
}

# Dues on monthly after-tax pay, the whole amount at one rate: up to 3000 yuan 0.5 %, up to 5000 1 %,
# up to 10000 1.5 %, above 2 %. Brackets in fen (1/100 yuan), rates in 1/10000, so the sums are exact.
DUES_BRACKETS_FEN = np.array([300_000, 500_000, 1_000_000], dtype=np.int64)
DUES_RATES = np.array([50, 100, 150, 200], dtype=np.int64)  # per 10000: 0.5 %, 1 %, 1.5 %, 2 %

# Study: at least 32 hours a year per member, 56 for secretaries and committee members.
STUDY_MINIMUM = {"member": 32.0, "secretary": 56.0, "committee_member": 56.0}
ROLE_WORDS = {"member": 0, "党员": 0, "secretary": 1, "书记": 1, "支部书记": 1, "副书记": 1,
              "committee_member": 2, "支委委员": 2, "委员": 2}
_ROLE_MINIMUM = np.array([STUDY_MINIMUM["member"], STUDY_MINIMUM["secretary"], STUDY_MINIMUM["committee_member"]])


def compute(records: Any, period: Any, units: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Every indicator whose records are given, for the year `period`: {indicator: {unit: value}}.

    `records` is a folder holding meetings.csv, dues.csv, recruitment.csv and study.csv (any of
    them), or a mapping from "meetings", "dues", "recruitment", "study" to a CSV path or to columns.
    `units` lists the units to report (default: every unit named in any record). A unit with no
    meeting at all held 0 meetings; a unit without dues, plan or study records has no value there.
    """
    year = year_of(period)
    tables = load(records, FILES, COLUMNS)
    unit_ids = unit_list(tables, units)
    columns: dict[str, np.ndarray] = {}
    if "meetings" in tables:
        held = meetings_held(tables["meetings"], year, unit_ids)
        columns[ind.MEETINGS_COMPLETION.id] = held * 100.0 / REQUIRED_MEETINGS
        columns[ind.MEETINGS_MISSED.id] = REQUIRED_MEETINGS - held
    if "dues" in tables:
        columns[ind.DUES_COMPLIANCE.id] = dues_compliance(tables["dues"], year, unit_ids)
    if "recruitment" in tables:
        columns[ind.RECRUITMENT_COMPLETION.id] = recruitment_completion(tables["recruitment"], year, unit_ids)
    if "study" in tables:
        columns[ind.STUDY_COMPLIANCE.id] = study_compliance(tables["study"], year, unit_ids)
    return {indicator: as_mapping(unit_ids, column) for indicator, column in columns.items()}


def meetings_held(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, how many of the 32 required meeting slots of the year were held.

    A slot is one kind of meeting in one month (committee, group) or one quarter (members' meeting,
    party lesson); several meetings in the same slot count once.
    """
    kind = codes(table, "kind", MEETING_WORDS)
    when = dates(table, "date")
    keep = in_year(when, year) & (kind >= 0)
    unit, kind = positions(unit_ids, table)[keep], kind[keep]
    month = (when[keep].astype("datetime64[M]") - np.datetime64(f"{year}-01", "M")).astype(np.int64)  # 0..11
    slot = _FIRST_SLOT[kind] + month // (12 // _SLOTS[kind])
    held_slots = np.unique(unit * REQUIRED_MEETINGS + slot)
    return per_unit(held_slots // REQUIRED_MEETINGS, len(unit_ids))


def monthly_dues(pay: np.ndarray) -> np.ndarray:
    """The dues owed on each monthly after-tax pay, in yuan, rounded half up to the fen."""
    pay_fen = np.rint(np.asarray(pay, dtype=np.float64) * 100).astype(np.int64)
    rate = DUES_RATES[np.searchsorted(DUES_BRACKETS_FEN, pay_fen, side="left")]  # "up to" includes the bound
    return ((pay_fen * rate + 5_000) // 10_000) / 100.0


def dues_compliance(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, the % of member-months paid by the end of the month and at least the amount owed."""
    month = dates(table, "month", unit="M")
    keep = in_year(month, year)
    unit = positions(unit_ids, table)[keep]
    owed_fen = np.rint(monthly_dues(numbers(table, "pay")[keep]) * 100)
    paid_fen = np.rint(np.nan_to_num(numbers(table, "paid")[keep]) * 100)
    on_time = dates(table, "paid_on")[keep].astype("datetime64[M]") <= month[keep]  # not paid (NaT): False
    good = on_time & (paid_fen >= owed_fen)
    n = len(unit_ids)
    return ratio(per_unit(unit, n, good.astype(np.float64)), per_unit(unit, n))


def recruitment_completion(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, members admitted in the year as a % of the plan (no value without a plan)."""
    keep = numbers(table, "year") == year
    unit = positions(unit_ids, table)[keep]
    n = len(unit_ids)
    return ratio(per_unit(unit, n, numbers(table, "admitted")[keep]), per_unit(unit, n, numbers(table, "plan")[keep]))


def study_compliance(table: Records, year: int, unit_ids) -> np.ndarray:
    """Per unit, the % of members whose hours in the year reach their minimum (32, or 56 for leaders).

    A member may have several rows (one per course); hours are added up per member, and the higher
    minimum applies if any row names the member as a secretary or committee member.
    """
    keep = numbers(table, "year") == year
    unit = positions(unit_ids, table)[keep]
    member_key = np.char.add(np.char.add(unit.astype(str), "\x1f"), np.char.strip(table["member"][keep].astype(str)))
    _, first, member = np.unique(member_key, return_index=True, return_inverse=True)
    hours = per_unit(member, len(first), np.nan_to_num(numbers(table, "hours")[keep]))
    minimum = np.zeros(len(first))
    np.maximum.at(minimum, member, _ROLE_MINIMUM[codes(table, "role", ROLE_WORDS)[keep]])
    met = (hours >= minimum).astype(np.float64)
    n = len(unit_ids)
    return ratio(per_unit(unit[first], n, met), per_unit(unit[first], n))
