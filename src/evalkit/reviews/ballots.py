"""Ballots (选票) of a review: reading and checking ballot rows, one row per rater and rated unit.

A *ballot* is everything one rater marked: the rows of one rater id in one rater group. Rater ids are
scoped by group, so anonymous ballot numbers may repeat across groups. A duplicate is the same group,
rater and rated unit, in any of the files read together; the first row counts, later ones are bad ballots.
Bad rows (unknown unit or group, a rater rating their own unit, a score out of range, an unknown grade
word, a duplicate, no score and no grade, a score and a grade together) are handled by the definition's
``bad_ballots``: ``stop`` raises one DataError listing every one of them; ``skip`` leaves them out and
returns each in `Ballots.skipped`. Rows are read with the table toolkit (`evalkit.io.table.RowReader`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DataError, Problem, describe
from evalkit.io.data import OBSERVATION_COLUMNS, Units
from evalkit.io.table import Row, RowReader, Table, UnsavedFormula, cell_found, cell_text, parse_number, unknown_text
from evalkit.reviews.definition import RaterGroup, ReviewDefinition, fold_word, label_texts
from evalkit.rules.base import fmt

# Header names accepted for each ballot column (case-insensitive, full-width forms folded).
BALLOT_COLUMNS = {
    "group": ("rater_group", "group", "评议组", "评议类别", "评议主体", "测评组"),
    "rater": ("rater", "rater_id", "评议人", "评议人编号", "测评人", "票号"),
    "rater_unit": ("rater_unit", "评议人单位", "评议人所在单位", "所在单位"),
    "unit": ("unit", "unit_id", "rated_unit", "被评单位", "被评议单位", "被评单位编号", "单位"),
    "score": ("score", "分数", "评分", "得分"),
    "grade": ("grade", "等次", "评议等次", "评价等次", "category", "满意度"),
    "period": ("period", "期间", "时期", "年度", "考核期"),
}
_BALLOT_HINT = ("this looks like a data file; a ballots file has the columns rater_group, rater, rater_unit, "
                "unit and score or grade")
_DATA_ONLY_COLUMNS = {k: OBSERVATION_COLUMNS[k] for k in ("indicator", "value")}  # what only a data file has


@attrs.frozen
class VoidBallot:
    """A ballot over its group's excellent quota: every row of it left out."""

    group: str
    rater: str
    excellent: int
    allowed: int
    rated: int
    rows: tuple[dict, ...]  # where each row is: {"source", "row"} or {"source", "path"}

    def problem(self, definition: ReviewDefinition) -> Problem:
        """The void ballot as a warning: the rater, the rows and the quota it broke."""
        group = next(g for g in definition.groups if g.id == self.group)
        quota = group.quota.describe() if group.quota is not None else "no quota"
        first = self.rows[0] if self.rows else {}
        where = first.get("source")
        spans = rows_text(self.rows)
        return Problem(f"the ballot of rater {self.rater!r} ({self.group}) is void: it names {self.excellent} units "
                       f"excellent of {self.rated} rated ({spans}); all its rows are left out",
                       source=where, expected=f"at most {self.allowed} excellent ({quota})",
                       found=f"{self.excellent}")

    def to_dict(self) -> dict:
        return {"group": self.group, "rater": self.rater, "excellent": self.excellent, "allowed": self.allowed,
                "rated": self.rated, "rows": [dict(r) for r in self.rows]}


def rows_text(rows: Sequence[dict]) -> str:
    """"rows 2-5, 9" or "$[3], $[4]": where a ballot's rows are, per file."""
    by_source: dict[str, list] = {}
    for r in rows:
        by_source.setdefault(r.get("source") or "", []).append(r.get("row", r.get("path")))
    parts = []
    for source, marks in by_source.items():
        if all(isinstance(m, int) for m in marks):
            marks = sorted(marks)
            spans, start, prev = [], marks[0], marks[0]
            for m in marks[1:] + [None]:
                if m is not None and m == prev + 1:
                    prev = m
                    continue
                spans.append(f"{start}" if start == prev else f"{start}-{prev}")
                if m is not None:
                    start = prev = m
            text = ("row " if len(marks) == 1 else "rows ") + ", ".join(spans)
        else:
            text = ", ".join(str(m) for m in marks)
        parts.append(f"{source} {text}" if len(by_source) > 1 else text)
    return "; ".join(parts)


@attrs.frozen
class Ballots:
    """Checked ballot rows, column by column (bad rows already left out or reported)."""

    unit: np.ndarray  # intp: position in units.ids
    group: np.ndarray  # intp: position in definition.groups
    ballot: np.ndarray  # intp: position in `raters`
    score: np.ndarray  # float64: the score, or the score of the grade word / category
    category: np.ndarray  # intp: category position in a satisfaction group, -1 otherwise
    excellent: np.ndarray  # bool: counts towards an excellent quota
    raters: tuple[tuple[int, str], ...]  # (group position, rater id) of each ballot
    where: tuple[dict, ...]  # location of each row, for reports
    skipped: tuple[Problem, ...] = ()  # bad rows left out under bad_ballots: skip
    other_periods: int = 0  # rows of other periods, not counted
    period: str | None = None


def ballots_table(rows: Sequence[Mapping[str, Any]], source: str = "<ballots>") -> Table:
    """In-memory ballot rows (dicts keyed by any accepted header) as a Table, located like a JSON file."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    names = tuple(columns)
    return Table(source=source, columns=names, rows=tuple(tuple(r.get(c) for c in names) for r in rows),
                 row_numbers=tuple(range(len(rows))), row_style="index")


def read_ballots(tables: Table | Sequence[Table], definition: ReviewDefinition, units: Units,
                 period: str | None = None, *, whole: bool = True) -> Ballots:
    """Check every ballot row of every table and keep the good ones as columns.

    Under ``bad_ballots: stop`` any bad row raises one DataError listing all of them (from every file);
    under ``skip`` bad rows are left out and returned in `skipped`. A file that cannot be read as
    ballots at all (missing columns, no rows, several periods and none chosen) always raises. With
    ``whole=False`` the tables are parts of the ballots (the Dask engine's partitions): the checks of rows and
    periods over the whole file were made on the whole (`check_ballot_table`) and are not repeated.
    """
    if isinstance(tables, Table):
        tables = [tables]
    period = str(period) if period is not None else definition.period
    marks = _Marks(definition)
    problems: list[Problem] = []
    hints: dict = {}
    first_seen: dict[tuple[int, str, str], dict] = {}  # across all the files: a duplicate may be in another file
    rater_index: dict[tuple[int, str], int] = {}
    cols_unit: list[int] = []
    cols_group: list[int] = []
    cols_ballot: list[int] = []
    cols_score: list[float] = []
    cols_category: list[int] = []
    cols_excellent: list[bool] = []
    where_of: list[dict] = []
    other_periods = 0
    casefold_units = {uid.casefold(): uid for uid in units.ids}
    name_units: dict[str, str] = {}
    for uid, label in zip(units.ids, units.names):
        name_units.setdefault(label, uid)

    for table in tables:
        reader = _ballot_reader(table, period, whole)
        for row in reader:
            group, rater, uid, mark = _check_row(row, period, definition, units, marks, hints, name_units, casefold_units)
            problems.extend(reader.problems)  # collected here, so that a long run of bad rows never stops the reading
            reader.problems.clear()
            if mark is None:
                other_periods += 1
                continue
            if not row.ok or group is None:
                continue
            key = (group, rater, uid)
            if key in first_seen:
                row.problem("duplicate ballot: this rater already rated this unit", "unit",
                            expected="one row per rater and rated unit (the first one counts)",
                            found="also " + _where_text(first_seen[key], table.source))
                problems.extend(reader.problems)
                reader.problems.clear()
                continue
            here = {k: v for k, v in row.where().items() if v is not None and k != "column"}
            first_seen[key] = here
            ballot = rater_index.setdefault((group, rater), len(rater_index))
            score, category, excellent = mark
            cols_unit.append(units.index[uid])
            cols_group.append(group)
            cols_ballot.append(ballot)
            cols_score.append(score)
            cols_category.append(category)
            cols_excellent.append(excellent)
            where_of.append(here)
    if problems and definition.bad_ballots == "stop":
        raise DataError(problems)
    return Ballots(unit=np.asarray(cols_unit, dtype=np.intp), group=np.asarray(cols_group, dtype=np.intp),
                   ballot=np.asarray(cols_ballot, dtype=np.intp), score=np.asarray(cols_score, dtype=np.float64),
                   category=np.asarray(cols_category, dtype=np.intp), excellent=np.asarray(cols_excellent, dtype=bool),
                   raters=tuple(rater_index), where=tuple(where_of), skipped=tuple(problems),
                   other_periods=other_periods, period=period)


BALLOT_KEYS = ("group", "rater", "rater_unit", "unit", "score", "grade", "period")


def check_ballot_table(table: Table, period: str | None) -> dict[str, str]:
    """The checks that refuse a whole ballots file (columns, no rows, periods), on a table holding its header and
    at least its distinct periods; its headers by key ("group", "rater", ...)."""
    return _ballot_reader(table, period).headers


def _ballot_reader(table: Table, period: str | None, whole: bool = True) -> RowReader:
    """The reader of one ballots file, after the checks that refuse the whole file."""
    reader = RowReader(table, BALLOT_COLUMNS, required=("group", "rater", "rater_unit", "unit"),
                       other=(_DATA_ONLY_COLUMNS, _BALLOT_HINT))
    if "score" not in reader.columns and "grade" not in reader.columns:
        raise DataError(Problem("the ballots have neither a score nor a grade column", source=table.source,
                                expected="a column named " + " or ".join(repr(a) for a in BALLOT_COLUMNS["score"]
                                                                         + BALLOT_COLUMNS["grade"]),
                                found="columns " + ", ".join(repr(c) for c in table.columns)))
    if not whole:
        return reader
    if not table.rows:
        raise DataError(Problem("the ballots file has a header but no rows", source=table.source,
                                expected="one row per rater and rated unit"))
    if "period" in reader.columns:
        column = reader.headers["period"]
        found_periods = {cell_text(row.cell("period")) for row in reader} - {""}
        if period is None and len(found_periods) > 1:
            raise DataError(Problem("the ballots hold several periods; choose one", source=table.source,
                                    column=column, expected="one period (evalkit review --period P)",
                                    found="periods " + ", ".join(sorted(found_periods))))
        if period is not None and found_periods and period not in found_periods:
            raise DataError(Problem(f"no ballots for period {period!r}", source=table.source, column=column,
                                    expected=f"rows with period {period!r}",
                                    found="periods " + ", ".join(sorted(found_periods))))
    return reader


class _Marks:
    """What a mark may be: the group of each spelling, the grade words and each satisfaction group's categories."""

    def __init__(self, definition: ReviewDefinition) -> None:
        self.definition = definition
        self.group_of: dict[str, int] = {}
        for k, g in enumerate(definition.groups):
            for spelling in (g.id, *label_texts(g.name.to_dict() or None), *g.aliases):
                self.group_of.setdefault(fold_word(spelling), k)
        self.grade_of = {fold_word(s): (w.score, w.excellent) for w in definition.grades for s in w.spellings()}
        self.category_of = [{fold_word(s): (c, w.score) for c, w in enumerate(g.categories) for s in w.spellings()}
                            for g in definition.groups]
        self.group_list = ", ".join(f"{g.id} ({g.name.text('zh')})" if g.name.text("zh") != g.id else g.id
                                    for g in definition.groups)


def _check_row(row: Row, period: str | None, definition: ReviewDefinition, units: Units, marks: _Marks, hints: dict,
               name_units: Mapping[str, str], casefold_units: Mapping[str, str],
               ) -> tuple[int | None, str, str, tuple[float, int, bool] | None]:
    """(group, rater, unit, (score, category, excellent)) of one row; problems go to the row. The mark is None
    for a row of another period (not counted, not a problem)."""
    for key in BALLOT_KEYS:
        if type(row.cell(key)) is UnsavedFormula:
            row.text(key)  # the formula's problem, and nothing else about the row
    if not row.ok:
        return None, "", "", (math.nan, -1, False)
    row_period = row.text("period")
    if period is not None and row_period and row_period != period:
        return None, "", "", None
    group_text, rater, rater_unit, uid = (row.text(k) for k in ("group", "rater", "rater_unit", "unit"))
    g = None
    if not group_text:
        row.problem("the rater group is empty", "group", expected="one of " + marks.group_list)
    else:
        g = marks.group_of.get(fold_word(group_text))
        if g is None:
            row.problem("unknown rater group", "group", expected="one of " + marks.group_list, found=describe(group_text))
    if not rater:
        row.problem("the rater is empty", "rater", expected="a rater id (a ballot number for anonymous raters)")
    unit_ok = False
    if not uid:
        row.problem("the rated unit is empty", "unit", expected="a unit id")
    elif uid not in units.index:
        row.problem(unknown_text("unit", uid, units.ids, hints, units.names), "unit",
                    expected="an id from the units file", found=describe(uid))
    else:
        unit_ok = True
    if rater_unit and rater_unit not in units.index:
        # Raters from outside the assessed units (county leaders, the public) are fine; a unit
        # written by its name or in other case is not: the own-unit rule could not be checked.
        meant = name_units.get(rater_unit) or casefold_units.get(rater_unit.casefold())
        if meant is not None:
            row.problem(f"the rater's unit is written as {rater_unit!r}; write its id {meant!r}", "rater_unit",
                        expected="a unit id from the units file, or empty for raters from no assessed unit",
                        found=describe(rater_unit))
    if unit_ok and rater_unit == uid:
        row.problem("a rater never rates their own unit", "unit", expected="a unit other than the rater's own",
                    found=f"{uid!r}, the unit of rater {rater!r}")
    mark = _mark(row, g, definition, marks)
    return g, rater, uid, mark


def _mark(row: Row, g: int | None, definition: ReviewDefinition, marks: _Marks) -> tuple[float, int, bool]:
    """The score of one row, its category (satisfaction) and whether it counts as excellent."""
    score_cell = row.cell("score")
    grade_text = cell_text(row.cell("grade"))
    low, high = definition.scale
    min_excellent = definition.excellent_min_score
    try:
        score = parse_number(score_cell)
    except ValueError as exc:
        hint = "; grade words go in the grade column" if marks.grade_of.get(fold_word(cell_text(score_cell))) else ""
        row.problem("the score is not usable" + hint, "score", expected=str(exc), found=cell_found(score_cell))
        return math.nan, -1, False
    if score is None and not grade_text:
        row.problem("the ballot has neither a score nor a grade", "score" if row.has("score") else "grade",
                    expected="a score or a grade word (leave the row out to abstain)")
        return math.nan, -1, False
    if score is not None and grade_text:
        row.problem("the ballot has both a score and a grade", "grade", expected="a score or a grade word, not both",
                    found=f"score {fmt(score)} and grade {grade_text!r}")
        return math.nan, -1, False
    if g is None:
        return math.nan, -1, False  # unknown group, already reported: the words to use are not known
    group: RaterGroup = definition.groups[g]
    if group.aggregation == "satisfaction":
        if score is not None:
            row.problem(f"group {group.id!r} takes satisfaction categories, not scores", "score",
                        expected="one of " + ", ".join(c.word for c in group.categories), found=fmt(score))
            return math.nan, -1, False
        hit = marks.category_of[g].get(fold_word(grade_text))
        if hit is None:
            row.problem(f"not a satisfaction category of group {group.id!r}", "grade",
                        expected="one of " + ", ".join(c.word for c in group.categories), found=describe(grade_text))
            return math.nan, -1, False
        return hit[1], hit[0], False
    if score is None:
        word = marks.grade_of.get(fold_word(grade_text))
        if word is None:
            row.problem("not a grade word of the review", "grade",
                        expected=("one of " + ", ".join(w.word for w in definition.grades))
                        if definition.grades else "a score (the review declares no grade words)",
                        found=describe(grade_text))
            return math.nan, -1, False
        return word[0], -1, word[1]
    if not low <= score <= high:
        row.problem("the score is out of range", "score", expected=f"a number from {fmt(low)} to {fmt(high)}",
                    found=fmt(score))
        return math.nan, -1, False
    return score, -1, min_excellent is not None and score >= min_excellent


def _where_text(where: Mapping[str, Any], source: str) -> str:
    mark = f"row {where['row']}" if "row" in where else where.get("path", "?")
    return mark if where.get("source") == source else f"{where.get('source')} {mark}"
