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
    where: Sequence[dict]  # location of each row, for reports ({"source", "row"} or {"source", "path"})
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


# --------------------------------------------------------------------------------------------------
# The columnar path: clean ballots files read column by column


class RowPlaces(Sequence[dict]):
    """Where each ballot row is, {"source", "row"} made on demand: a dict per row costs more than the counting."""

    def __init__(self, sources: Sequence[str], file: np.ndarray, row: np.ndarray) -> None:
        self._sources, self._file, self._row = tuple(sources), file, row

    def __len__(self) -> int:
        return len(self._row)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return {"source": self._sources[int(self._file[i])], "row": int(self._row[i])}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def fast_ballots(paths: Sequence[Any], definition: ReviewDefinition, units: Units, registry: Any,
                 period: str | None = None) -> Ballots | None:
    """`read_ballots` of clean CSV ballots files, read column by column; None when any file is not one the
    columnar path reads exactly or any row has something to report (then read them the exact way)."""
    from evalkit.io.columnar import read_table_columns

    period = str(period) if period is not None else definition.period
    marks = _Marks(definition)
    parts = []
    raters: dict[str, int] = {}
    for path in paths:
        columns = read_table_columns(path, registry)
        if columns is None:
            return None
        part = _fast_file(columns, period, definition, units, marks, raters)
        if part is None:
            return None
        parts.append(part)
    group = np.concatenate([p["group"] for p in parts])
    rater = np.concatenate([p["rater"] for p in parts])
    unit = np.concatenate([p["unit"] for p in parts])
    n_raters, n_units = max(len(raters), 1), max(len(units), 1)
    who = group.astype(np.int64) * n_raters + rater
    ordered = np.sort(who * n_units + unit)
    if (ordered[1:] == ordered[:-1]).any():
        return None  # a duplicate ballot: the exact path names both rows
    first_keys, first_at, inverse = np.unique(who, return_index=True, return_inverse=True)
    by_first = np.argsort(first_at, kind="stable")
    position = np.empty(first_keys.size, dtype=np.intp)
    position[by_first] = np.arange(first_keys.size)
    rater_names = list(raters)
    return Ballots(unit=unit.astype(np.intp), group=group.astype(np.intp), ballot=position[inverse].reshape(-1),
                   score=np.concatenate([p["score"] for p in parts]),
                   category=np.concatenate([p["category"] for p in parts]).astype(np.intp),
                   excellent=np.concatenate([p["excellent"] for p in parts]),
                   raters=tuple((int(k // n_raters), rater_names[int(k % n_raters)]) for k in first_keys[by_first].tolist()),
                   where=RowPlaces([p["source"] for p in parts],
                                   np.concatenate([np.full(p["row"].size, k) for k, p in enumerate(parts)]),
                                   np.concatenate([p["row"] for p in parts])),
                   other_periods=sum(p["other"] for p in parts), period=period)


def _present(codes: np.ndarray, size: int) -> list[int]:
    """The distinct codes that occur."""
    return np.flatnonzero(np.bincount(codes, minlength=size)).tolist()


def _fast_file(columns: Any, period: str | None, definition: ReviewDefinition, units: Units, marks: _Marks,
               raters: dict[str, int]) -> dict[str, Any] | None:
    """One file's good rows as columns, or None at the first thing the exact path would report or refuse."""
    from evalkit.io.columnar import optional_numbers, row_codes

    try:
        reader = RowReader(columns.header(), BALLOT_COLUMNS, required=("group", "rater", "rater_unit", "unit"),
                           other=(_DATA_ONLY_COLUMNS, _BALLOT_HINT))
    except DataError:
        return None
    at = reader.columns
    if "score" not in at and "grade" not in at:
        return None
    n = columns.num_rows
    rows = np.arange(n)
    if "period" in at:
        period_codes, found_texts = row_codes(columns.column(at["period"]), rows)
        found = set(found_texts) - {""}
        if (period is None and len(found) > 1) or (period is not None and found and period not in found):
            return None
        if period is not None:
            counted = np.array([t == "" or t == period for t in found_texts] or [True])
            rows = np.flatnonzero(counted[period_codes])

    def column(key: str) -> tuple[np.ndarray, list[str]]:
        return row_codes(columns.column(at[key]), rows)

    group_codes, group_texts = column("group")
    group_of = np.array([marks.group_of.get(fold_word(t), -1) if t else -1 for t in group_texts] or [0], dtype=np.int64)
    g = group_of[group_codes]
    if (g < 0).any():
        return None
    rater_codes, rater_texts = column("rater")
    if "" in rater_texts and rater_texts.index("") in _present(rater_codes, len(rater_texts)):
        return None
    rater_global = np.array([raters.setdefault(t, len(raters)) for t in rater_texts] or [0], dtype=np.int64)
    unit_codes, unit_texts = column("unit")
    unit_of = np.array([units.index.get(t, -1) if t else -1 for t in unit_texts] or [0], dtype=np.int64)
    u = unit_of[unit_codes]
    if (u < 0).any():
        return None
    own_codes, own_texts = column("rater_unit")
    casefold_units = {uid.casefold() for uid in units.ids}
    names = set(units.names)
    own_of = np.full(max(len(own_texts), 1), -1, dtype=np.int64)
    for k in _present(own_codes, len(own_texts)):
        t = own_texts[k]
        if t in units.index:
            own_of[k] = units.index[t]
        elif t and (t in names or t.casefold() in casefold_units):
            return None  # a unit written by its name or in other case
    if (own_of[own_codes] == u).any():
        return None  # a rater rating their own unit
    score, given = np.zeros(rows.size), np.zeros(rows.size, dtype=bool)
    if "score" in at:
        read = optional_numbers(columns.column(at["score"]))
        if read is None:
            return None
        score, given = read[0][rows], read[1][rows]
    if "grade" in at:
        grade_codes, grade_texts = column("grade")
    else:
        grade_codes, grade_texts = np.zeros(rows.size, dtype=np.int64), [""]
    has_grade = np.array([bool(t) for t in grade_texts] or [False])[grade_codes]
    if (given == has_grade).any():
        return None  # neither a score nor a grade, or both
    category = np.full(rows.size, -1, dtype=np.int64)
    excellent = np.zeros(rows.size, dtype=bool)
    folded = [fold_word(t) for t in grade_texts]
    low, high = definition.scale
    for k, rater_group in enumerate(definition.groups):
        mine = g == k
        if not mine.any():
            continue
        if rater_group.aggregation == "satisfaction":
            if given[mine].any():
                return None
            hits = [marks.category_of[k].get(f) for f in folded]
            if any(hits[c] is None for c in _present(grade_codes[mine], len(grade_texts))):
                return None
            table = [(h[1], h[0]) if h is not None else (math.nan, -1) for h in hits]
            score[mine] = np.array([t[0] for t in table])[grade_codes[mine]]
            category[mine] = np.array([t[1] for t in table], dtype=np.int64)[grade_codes[mine]]
            continue
        words = [marks.grade_of.get(f) for f in folded]
        worded = mine & ~given
        if any(words[c] is None for c in _present(grade_codes[worded], len(grade_texts))):
            return None
        if worded.any():
            score[worded] = np.array([w[0] if w is not None else math.nan for w in words])[grade_codes[worded]]
            excellent[worded] = np.array([bool(w[1]) if w is not None else False for w in words])[grade_codes[worded]]
        scored = mine & given
        if ((score[scored] < low) | (score[scored] > high)).any():
            return None
        if definition.excellent_min_score is not None:
            excellent[scored] = score[scored] >= definition.excellent_min_score
    return {"source": columns.source, "group": g, "rater": rater_global[rater_codes], "unit": u, "score": score,
            "category": category, "excellent": excellent, "row": columns.row_numbers()[rows], "other": int(n - rows.size)}
