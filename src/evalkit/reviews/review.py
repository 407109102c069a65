"""Multi-rater reviews (领导点评、党员互评、群众评议): ballots in, one review score per unit out.

A review definition (YAML or JSON, checked against ``schemas/review.schema.json``) declares rater
groups with weights, how each group's ballots are aggregated, the fewest ballots a group needs, grade
words and their scores, a per-ballot quota of "excellent", and a policy for bad ballots. Ballot files
hold one row per rater and rated unit. Rows are checked one by one (that is the only Python loop per
ballot); everything after that is column-wise: ballots are grouped by (unit, group) with one lexsort
and ``np.add.reduceat``.

Decisions, each stated where it applies and in ``examples/reviews/README.md``:

- A *ballot* (选票) is everything one rater marked: the rows of one rater id in one rater group. Rater
  ids are scoped by group, so anonymous ballot numbers may repeat across groups. A duplicate is the
  same group, rater and rated unit; the first row counts, later ones are bad ballots.
- Bad ballot rows (unknown unit or group, a rater rating their own unit, a score out of range, an
  unknown grade word, a duplicate, no score and no grade, a score and a grade together) are handled by
  ``bad_ballots``: ``stop`` raises one DataError listing every one of them; ``skip`` leaves them out
  and reports each as a warning. They are removed before anything else, so they never count towards
  a quota either.
- A ballot that names more units excellent than its group's quota allows is void (废票): all its rows
  are left out. Voiding is the counting rule at work, not bad data, so it never stops the run; every
  void ballot is reported.
- The trimmed mean drops exactly one highest and one lowest score of each (unit, group): the two
  extremes are zeroed in the sorted segment and the rest summed, so changing either extreme (keeping
  it an extreme) cannot change the result, not even by a rounding error. Below three ballots the
  declared fallback applies (plain mean by default).
- The satisfaction index is the mean of the category scores (100/80/60/30/0 by default), which is
  sum(score_k x count_k) / sum(count_k); the category counts are reported too.
- Group weights are divided by their sum. Below a group's ``min_ballots`` the group is dropped for
  that unit and the others share its weight (``below_minimum: reweight``) or the unit's review score
  is missing (``missing``). The review score is computed from unrounded group aggregates; published
  numbers are rounded by the declared rule (half up, never Python's round()).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.definition.documents import Document, load_document
from evalkit.definition.model import Label
from evalkit.errors import DataError, DefinitionError, Problem, describe
from evalkit.io.data import OBSERVATION_COLUMNS, Units
from evalkit.io.table import (
    Table,
    UnsavedFormula,
    cell_found,
    cell_text,
    find_columns,
    formula_problem,
    parse_number,
    unknown_text,
)
from evalkit.rules.base import fmt
from evalkit.scoring.rounding import Rounding, round_array

REVIEW_FORMAT = 1
AGGREGATIONS = ("mean", "median", "trimmed_mean", "satisfaction")
FALLBACKS = ("mean", "median", "missing")
DEFAULT_INDICATOR = "review_score"
DEFAULT_CATEGORIES = (  # the statistics bureau's five categories, best first
    {"word": "非常满意", "score": 100, "aliases": ["very satisfied", "very_satisfied"]},
    {"word": "满意", "score": 80, "aliases": ["satisfied"]},
    {"word": "基本满意", "score": 60, "aliases": ["basically satisfied", "basically_satisfied"]},
    {"word": "不太满意", "score": 30, "aliases": ["not very satisfied", "not_very_satisfied"]},
    {"word": "不满意", "score": 0, "aliases": ["dissatisfied"]},
)

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

# Status of a (unit, group) aggregate.
OK, NO_BALLOTS, BELOW_MINIMUM, FALLBACK, FALLBACK_MISSING = 0, 1, 2, 3, 4
STATUS_NAMES = ("ok", "no_ballots", "below_minimum", "fallback", "fallback_missing")


def _fold(text: str) -> str:
    """How words and group names are matched: NFKC (full-width folded), trimmed, case-insensitive."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


# --------------------------------------------------------------------------------------------------
# The definition


@attrs.frozen
class Word:
    """A grade word (or a satisfaction category) and the score it stands for."""

    word: str
    score: float
    aliases: tuple[str, ...] = ()
    excellent: bool = False

    def spellings(self) -> tuple[str, ...]:
        return (self.word, *self.aliases)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"word": self.word, "score": _num(self.score)}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.excellent:
            out["excellent"] = True
        return out


@attrs.frozen
class Quota:
    """The most "excellent" marks one ballot may give: `max`, or `share` of the units it rates, or the smaller.

    The share is kept as an exact fraction (0.2 is 1/5; "1/3" may be written as such), so that the count
    allowed is computed in integers: a third of 9 units is exactly 3, never 2.9999999 rounded down to 2.
    """

    max: int | None = None
    share: Fraction | None = None
    rounding: str = "down"

    def allowed(self, rated: np.ndarray) -> np.ndarray:
        """The number allowed for ballots rating `rated` units each (float; inf when unlimited)."""
        rated = np.asarray(rated, dtype=np.int64)
        limit = np.full(rated.shape, math.inf)
        if self.share is not None:
            num, den = self.share.numerator, self.share.denominator
            if self.rounding == "down":
                count = (num * rated) // den
            elif self.rounding == "up":
                count = -((-num * rated) // den)
            else:  # half_up
                count = (2 * num * rated + den) // (2 * den)
            limit = count.astype(np.float64)
        if self.max is not None:
            limit = np.minimum(limit, float(self.max))
        return limit

    def describe(self) -> str:
        parts = []
        if self.max is not None:
            parts.append(f"at most {self.max}")
        if self.share is not None:
            parts.append(f"{_fraction_text(self.share)} of the units rated, rounded {self.rounding.replace('_', ' ')}")
        return " and ".join(parts)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.max is not None:
            out["max"] = self.max
        if self.share is not None:
            out["share"] = _fraction_text(self.share)
            out["rounding"] = self.rounding
        return out


def _fraction(value) -> Fraction:
    """0.2 -> 1/5 (from its decimal text, so exactly), "1/3" -> 1/3."""
    if isinstance(value, str):
        num, den = (int(part) for part in value.replace(" ", "").split("/"))
        return Fraction(num, den)
    return Fraction(repr(float(value))) if not isinstance(value, int) else Fraction(value)


def _fraction_text(share: Fraction) -> str:
    text = f"{float(share):.10g}"
    return text if Fraction(text) == share else f"{share.numerator}/{share.denominator}"


@attrs.frozen
class RaterGroup:
    """One rater group: its declared weight, normalised share, aggregation and minimum."""

    id: str
    name: Label
    weight: float
    share: float
    aggregation: str = "mean"
    fallback: str = "mean"
    min_ballots: int = 1
    quota: Quota | None = None
    categories: tuple[Word, ...] = ()
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "name": self.name.to_dict(), "weight": _num(self.weight),
                               "share": _num(self.share), "aggregation": self.aggregation}
        if self.aggregation == "trimmed_mean":
            out["fallback"] = self.fallback
        out["min_ballots"] = self.min_ballots
        if self.quota is not None:
            out["excellent_quota"] = self.quota.to_dict()
        if self.categories:
            out["categories"] = [c.to_dict() for c in self.categories]
        return out


@attrs.frozen
class ReviewDefinition:
    """A validated review definition."""

    id: str
    name: Label
    groups: tuple[RaterGroup, ...]
    period: str | None = None
    indicator: str = DEFAULT_INDICATOR
    scale: tuple[float, float] = (0.0, 100.0)
    grades: tuple[Word, ...] = ()
    excellent_min_score: float | None = None
    below_minimum: str = "reweight"
    bad_ballots: str = "stop"
    rounding: Rounding = Rounding()
    source: str | None = None

    @property
    def shares(self) -> np.ndarray:
        """The normalised group weights, summing to 1, in the order of `groups`."""
        return np.array([g.share for g in self.groups], dtype=np.float64)

    def group_indicator(self, group: RaterGroup | str) -> str:
        return f"{self.indicator}.{group if isinstance(group, str) else group.id}"

    def to_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name.to_dict(), "period": self.period, "indicator": self.indicator,
            "scale": {"min": _num(self.scale[0]), "max": _num(self.scale[1])},
            "grades": [w.to_dict() for w in self.grades],
            **({"excellent_min_score": _num(self.excellent_min_score)} if self.excellent_min_score is not None else {}),
            "groups": [g.to_dict() for g in self.groups],
            "below_minimum": self.below_minimum, "bad_ballots": self.bad_ballots,
            "rounding": {"decimals": self.rounding.decimals, "mode": self.rounding.mode},
        }


def load_review(source: str | Path | Mapping[str, Any] | Document) -> ReviewDefinition:
    """Load and check a review definition (a YAML/JSON file, or a dict); DefinitionError lists every problem."""
    document = _as_document(source)
    problems = review_problems(document)
    if problems:
        raise DefinitionError(problems)
    return _build(document)


def review_problems(document: Document) -> list[Problem]:
    """Every problem with a review definition, schema first, then what a schema cannot check."""
    from evalkit.definition.schemas import base_schema
    from evalkit.definition.scorecard import schema_problems

    problems = schema_problems(document, base_schema("review.schema.json"))
    if not problems:
        problems = list(_semantic_problems(document))
    return sorted(problems, key=lambda p: p.line or 0)


def _as_document(source) -> Document:
    if isinstance(source, Document):
        return source
    if isinstance(source, Mapping):
        return Document(data=dict(source), source="<review>")
    return load_document(source)


def _semantic_problems(doc: Document) -> Iterable[Problem]:
    data = doc.data
    scale = data.get("scale", {})
    low, high = scale.get("min", 0), scale.get("max", 100)
    if low >= high:
        yield doc.problem(("scale", "max"), "the scale's max must be above its min", expected=f"a number > {fmt(low)}",
                          found=fmt(high))
        return
    yield from _word_problems(doc, ("grades",), data.get("grades", []), low, high)
    has_excellent = any(w.get("excellent") for w in data.get("grades", [])) or "excellent_min_score" in data
    if "excellent_min_score" in data and not low <= data["excellent_min_score"] <= high:
        yield doc.problem(("excellent_min_score",), "the excellent threshold is outside the scale",
                          expected=f"a number from {fmt(low)} to {fmt(high)}", found=fmt(data["excellent_min_score"]))
    names: dict[str, tuple] = {}
    for k, group in enumerate(data["groups"]):
        here = ("groups", k)
        for spelling in [group["id"], *_label_texts(group.get("name")), *group.get("aliases", [])]:
            key = _fold(spelling)
            if key in names and names[key][0] != k:
                yield doc.problem(here, f"{spelling!r} already names group {data['groups'][names[key][0]]['id']!r}; "
                                  "ballots could not tell the groups apart", expected="distinct group ids, names and aliases",
                                  found=repr(spelling))
            names.setdefault(key, (k,))
        aggregation = group.get("aggregation", "mean")
        if "fallback" in group and aggregation != "trimmed_mean":
            yield doc.problem(here + ("fallback",), "a fallback applies to trimmed_mean only (below three ballots)",
                              expected="no fallback, or aggregation: trimmed_mean", found=f"aggregation {aggregation}")
        if "categories" in group and aggregation != "satisfaction":
            yield doc.problem(here + ("categories",), "categories apply to aggregation: satisfaction only",
                              expected="no categories, or aggregation: satisfaction", found=f"aggregation {aggregation}")
        if aggregation == "satisfaction":
            categories = group.get("categories", list(DEFAULT_CATEGORIES))
            yield from _word_problems(doc, here + ("categories",), group.get("categories", []), low, high)
            if any(c.get("excellent") for c in group.get("categories", [])):
                yield doc.problem(here + ("categories",), "satisfaction categories are not grades; 'excellent' does not apply",
                                  expected="no excellent flag on categories", found="excellent: true")
            scores = [c["score"] for c in categories]
            if scores != sorted(scores, reverse=True):
                yield doc.problem(here + ("categories",), "categories are listed best first, so scores must not increase",
                                  expected="scores in descending order", found=", ".join(fmt(s) for s in scores))
            if "excellent_quota" in group:
                yield doc.problem(here + ("excellent_quota",), "a satisfaction group has no excellent quota",
                                  expected="no excellent_quota", found="one")
        elif "excellent_quota" in group and isinstance(group["excellent_quota"].get("share"), str) \
                and _fraction(group["excellent_quota"]["share"]) > 1:
            yield doc.problem(here + ("excellent_quota", "share"), "a share cannot be above 1",
                              expected="a fraction from 0 to 1", found=repr(group["excellent_quota"]["share"]))
        elif "excellent_quota" in group and not has_excellent:
            yield doc.problem(here + ("excellent_quota",), "the quota cannot tell which marks are excellent",
                              expected="a grade with excellent: true, or excellent_min_score", found="neither")


def _word_problems(doc: Document, path: tuple, words: list, low: float, high: float) -> Iterable[Problem]:
    seen: dict[str, int] = {}
    for k, word in enumerate(words):
        if not low <= word["score"] <= high:
            yield doc.problem(path + (k, "score"), "the score is outside the scale",
                              expected=f"a number from {fmt(low)} to {fmt(high)}", found=fmt(word["score"]))
        for spelling in (word["word"], *word.get("aliases", [])):
            key = _fold(spelling)
            if not key:
                yield doc.problem(path + (k,), "a word is blank", expected="a word", found=repr(spelling))
            elif key in seen and seen[key] != k:
                yield doc.problem(path + (k,), f"{spelling!r} is already word {seen[key]}",
                                  expected="each word and alias once", found=repr(spelling))
            seen.setdefault(key, k)


def _label_texts(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in (value.get("zh"), value.get("en")) if v]


def _words(items: Iterable[Mapping]) -> tuple[Word, ...]:
    return tuple(Word(word=w["word"], score=float(w["score"]), aliases=tuple(w.get("aliases", ())),
                      excellent=bool(w.get("excellent", False))) for w in items)


def _build(doc: Document) -> ReviewDefinition:
    data = doc.data
    weights = np.array([g["weight"] for g in data["groups"]], dtype=np.float64)
    shares = weights / weights.sum()
    groups = []
    for g, share in zip(data["groups"], shares):
        aggregation = g.get("aggregation", "mean")
        quota = g.get("excellent_quota")
        groups.append(RaterGroup(
            id=g["id"], name=Label.of(g.get("name", g["id"])), weight=float(g["weight"]), share=float(share),
            aggregation=aggregation, fallback=g.get("fallback", "mean"), min_ballots=int(g.get("min_ballots", 1)),
            quota=Quota(max=quota.get("max"), share=_fraction(quota["share"]) if "share" in quota else None,
                        rounding=quota.get("rounding", "down"))
            if quota else None,
            categories=_words(g.get("categories", DEFAULT_CATEGORIES)) if aggregation == "satisfaction" else (),
            aliases=tuple(g.get("aliases", ())),
        ))
    scale = data.get("scale", {})
    rounding = data.get("rounding", {})
    period = data.get("period")
    return ReviewDefinition(
        id=data["id"], name=Label.of(data["name"]), groups=tuple(groups),
        period=str(period) if period is not None else None, indicator=data.get("indicator", DEFAULT_INDICATOR),
        scale=(float(scale.get("min", 0)), float(scale.get("max", 100))), grades=_words(data.get("grades", ())),
        excellent_min_score=data.get("excellent_min_score"), below_minimum=data.get("below_minimum", "reweight"),
        bad_ballots=data.get("bad_ballots", "stop"),
        rounding=Rounding(int(rounding.get("decimals", 2)), rounding.get("mode", "half_up")), source=doc.source,
    )


# --------------------------------------------------------------------------------------------------
# Ballots


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
        group = next(g for g in definition.groups if g.id == self.group)
        first = self.rows[0] if self.rows else {}
        where = first.get("source")
        spans = _rows_text(self.rows)
        return Problem(f"the ballot of rater {self.rater!r} ({self.group}) is void: it names {self.excellent} units "
                       f"excellent of {self.rated} rated ({spans}); all its rows are left out",
                       source=where, expected=f"at most {self.allowed} excellent ({group.quota.describe()})",
                       found=f"{self.excellent}")

    def to_dict(self) -> dict:
        return {"group": self.group, "rater": self.rater, "excellent": self.excellent, "allowed": self.allowed,
                "rated": self.rated, "rows": [dict(r) for r in self.rows]}


def _rows_text(rows: Sequence[dict]) -> str:
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
                 period: str | None = None) -> Ballots:
    """Check every ballot row of every table and keep the good ones as columns.

    Under ``bad_ballots: stop`` any bad row raises one DataError listing all of them (from every file);
    under ``skip`` bad rows are left out and returned in `skipped`. A file that cannot be read as
    ballots at all (missing columns, no rows, several periods and none chosen) always raises.
    """
    if isinstance(tables, Table):
        tables = [tables]
    period = str(period) if period is not None else definition.period
    index = units.index
    group_of: dict[str, int] = {}
    for k, g in enumerate(definition.groups):
        for spelling in (g.id, *_label_texts(g.name.to_dict() or None), *g.aliases):
            group_of.setdefault(_fold(spelling), k)
    grade_of = {_fold(s): (w.score, w.excellent) for w in definition.grades for s in w.spellings()}
    category_of = [{_fold(s): (c, w.score) for c, w in enumerate(g.categories) for s in w.spellings()}
                   for g in definition.groups]
    low, high = definition.scale
    min_excellent = definition.excellent_min_score
    group_list = ", ".join(f"{g.id} ({g.name.text('zh')})" if g.name.text("zh") != g.id else g.id for g in definition.groups)

    problems: list[Problem] = []
    hints: dict = {}
    first_seen: dict[tuple, dict] = {}
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
    name_units = {}
    for uid, label in zip(units.ids, units.names):
        name_units.setdefault(label, uid)

    for table in tables:
        cols = find_columns(table, BALLOT_COLUMNS, required=("group", "rater", "rater_unit", "unit"),
                             other=(_DATA_ONLY_COLUMNS, _BALLOT_HINT))
        if "score" not in cols and "grade" not in cols:
            raise DataError(Problem("the ballots have neither a score nor a grade column", source=table.source,
                                    expected="a column named " + " or ".join(repr(a) for a in BALLOT_COLUMNS["score"]
                                                                             + BALLOT_COLUMNS["grade"]),
                                    found="columns " + ", ".join(repr(c) for c in table.columns)))
        if not table.rows:
            raise DataError(Problem("the ballots file has a header but no rows", source=table.source,
                                    expected="one row per rater and rated unit"))
        headers = {k: table.columns[v] for k, v in cols.items()}
        keys = ("group", "rater", "rater_unit", "unit", "score", "grade", "period")
        positions = [cols.get(k) for k in keys]
        width = max(p for p in positions if p is not None) + 1
        rows = [tuple(r) + (None,) * (width - len(r)) if len(r) < width else r for r in table.rows]
        if "period" in cols:
            found_periods = {cell_text(r[cols["period"]]) for r in rows} - {""}
            if period is None and len(found_periods) > 1:
                raise DataError(Problem("the ballots hold several periods; choose one", source=table.source,
                                        column=headers["period"], expected="one period (evalkit review --period P)",
                                        found="periods " + ", ".join(sorted(found_periods))))
            if period is not None and found_periods and period not in found_periods:
                raise DataError(Problem(f"no ballots for period {period!r}", source=table.source, column=headers["period"],
                                        expected=f"rows with period {period!r}",
                                        found="periods " + ", ".join(sorted(found_periods))))
        for i, row in enumerate(rows):
            cells = [row[p] if p is not None else None for p in positions]
            row_problems: list[Problem] = []
            for key, raw in zip(keys, cells):
                if type(raw) is UnsavedFormula:
                    row_problems.append(formula_problem(table, i, headers[key], raw))
            if row_problems:
                problems.extend(row_problems)
                continue
            row_period = cell_text(cells[6])
            if period is not None and row_period and row_period != period:
                other_periods += 1
                continue
            group_text, rater, rater_unit, uid = (cell_text(c) for c in cells[:4])
            g = None
            if not group_text:
                row_problems.append(Problem("the rater group is empty", **table.where(i, headers["group"]),
                                            expected="one of " + group_list))
            else:
                g = group_of.get(_fold(group_text))
                if g is None:
                    row_problems.append(Problem("unknown rater group", **table.where(i, headers["group"]),
                                                expected="one of " + group_list, found=describe(group_text)))
            if not rater:
                row_problems.append(Problem("the rater is empty", **table.where(i, headers["rater"]),
                                            expected="a rater id (a ballot number for anonymous raters)"))
            unit_ok = False
            if not uid:
                row_problems.append(Problem("the rated unit is empty", **table.where(i, headers["unit"]),
                                            expected="a unit id"))
            elif uid not in index:
                row_problems.append(Problem(unknown_text("unit", uid, units.ids, hints, units.names),
                                            **table.where(i, headers["unit"]),
                                            expected="an id from the units file", found=describe(uid)))
            else:
                unit_ok = True
            if rater_unit and rater_unit not in index:
                # Raters from outside the assessed units (county leaders, the public) are fine; a unit
                # written by its name or in other case is not: the own-unit rule could not be checked.
                meant = name_units.get(rater_unit) or casefold_units.get(rater_unit.casefold())
                if meant is not None:
                    row_problems.append(Problem(f"the rater's unit is written as {rater_unit!r}; write its id {meant!r}",
                                                **table.where(i, headers["rater_unit"]),
                                                expected="a unit id from the units file, or empty for raters from "
                                                         "no assessed unit", found=describe(rater_unit)))
            if unit_ok and rater_unit == uid:
                row_problems.append(Problem("a rater never rates their own unit", **table.where(i, headers["unit"]),
                                            expected="a unit other than the rater's own", found=f"{uid!r}, the unit of rater {rater!r}"))
            score, category, excellent = _mark(table, i, headers, cells[4], cells[5], g, definition, grade_of,
                                               category_of, low, high, min_excellent, row_problems)
            if not row_problems:
                key = (g, rater, uid)
                if key in first_seen:
                    first = first_seen[key]
                    row_problems.append(Problem("duplicate ballot: this rater already rated this unit",
                                                **table.where(i, headers["unit"]),
                                                expected="one row per rater and rated unit (the first one counts)",
                                                found="also " + _where_text(first, table.source)))
            if row_problems:
                problems.extend(row_problems)
                continue
            here = _where(table, i)
            first_seen[(g, rater, uid)] = here
            ballot = rater_index.setdefault((g, rater), len(rater_index))
            cols_unit.append(index[uid])
            cols_group.append(g)
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


def _mark(table, i, headers, score_cell, grade_cell, g, definition, grade_of, category_of, low, high, min_excellent,
          row_problems) -> tuple[float, int, bool]:
    """The score of one row, its category (satisfaction) and whether it counts as excellent."""
    grade_text = cell_text(grade_cell)
    try:
        score = parse_number(score_cell)
    except ValueError as exc:
        hint = "; grade words go in the grade column" if grade_of.get(_fold(cell_text(score_cell))) else ""
        row_problems.append(Problem("the score is not usable" + hint, **table.where(i, headers["score"]),
                                    expected=str(exc), found=cell_found(score_cell)))
        return math.nan, -1, False
    if score is None and not grade_text:
        where = table.where(i, headers.get("score") or headers.get("grade"))
        row_problems.append(Problem("the ballot has neither a score nor a grade", **where,
                                    expected="a score or a grade word (leave the row out to abstain)"))
        return math.nan, -1, False
    if score is not None and grade_text:
        row_problems.append(Problem("the ballot has both a score and a grade", **table.where(i, headers["grade"]),
                                    expected="a score or a grade word, not both",
                                    found=f"score {fmt(score)} and grade {grade_text!r}"))
        return math.nan, -1, False
    if g is None:
        return math.nan, -1, False  # unknown group, already reported: the words to use are not known
    group = definition.groups[g]
    if group.aggregation == "satisfaction":
        if score is not None:
            row_problems.append(Problem(f"group {group.id!r} takes satisfaction categories, not scores",
                                        **table.where(i, headers["score"]),
                                        expected="one of " + ", ".join(c.word for c in group.categories),
                                        found=fmt(score)))
            return math.nan, -1, False
        hit = category_of[g].get(_fold(grade_text))
        if hit is None:
            row_problems.append(Problem(f"not a satisfaction category of group {group.id!r}",
                                        **table.where(i, headers["grade"]),
                                        expected="one of " + ", ".join(c.word for c in group.categories),
                                        found=describe(grade_text)))
            return math.nan, -1, False
        return hit[1], hit[0], False
    if score is None:
        hit = grade_of.get(_fold(grade_text))
        if hit is None:
            row_problems.append(Problem("not a grade word of the review", **table.where(i, headers["grade"]),
                                        expected=("one of " + ", ".join(w.word for w in definition.grades))
                                        if definition.grades else "a score (the review declares no grade words)",
                                        found=describe(grade_text)))
            return math.nan, -1, False
        return hit[0], -1, hit[1]
    if not low <= score <= high:
        row_problems.append(Problem("the score is out of range", **table.where(i, headers["score"]),
                                    expected=f"a number from {fmt(low)} to {fmt(high)}", found=fmt(score)))
        return math.nan, -1, False
    return score, -1, min_excellent is not None and score >= min_excellent


def _where(table: Table, i: int) -> dict:
    where = table.where(i)
    return {k: v for k, v in where.items() if v is not None and k != "column"}


def _where_text(where: dict, source: str) -> str:
    mark = f"row {where['row']}" if "row" in where else where.get("path", "?")
    return mark if where.get("source") == source else f"{where.get('source')} {mark}"


# --------------------------------------------------------------------------------------------------
# Aggregation


@attrs.frozen
class ReviewResult:
    """Per unit and group: the aggregate, the ballots counted, the weight used; and the review score."""

    definition: ReviewDefinition
    units: Units
    period: str | None
    values: np.ndarray  # (units, groups) aggregate, NaN when missing (no ballots, below minimum, fallback missing)
    counts: np.ndarray  # (units, groups) ballots counted
    status: np.ndarray  # (units, groups) OK, NO_BALLOTS, BELOW_MINIMUM, FALLBACK, FALLBACK_MISSING
    weights: np.ndarray  # (units, groups) the weight each group got in the unit's score (rows sum to 1; 0 when none)
    score: np.ndarray  # (units,) weighted review score, NaN when missing
    categories: Mapping[str, np.ndarray] = attrs.field(factory=dict)  # satisfaction group -> (units, categories) counts
    void: tuple[VoidBallot, ...] = ()
    skipped: tuple[Problem, ...] = ()
    other_periods: int = 0

    def rounded(self, values: np.ndarray) -> np.ndarray:
        return self.definition.rounding(values)

    def indicators(self, rounded: bool = True) -> dict[str, dict[str, float]]:
        """{indicator: {unit: value}}: the review score and each group's aggregate; missing units left out
        (so that a scorecard item's missing-data policy applies to them)."""
        d = self.definition
        out: dict[str, dict[str, float]] = {}
        columns = [(d.indicator, self.score)] + [(d.group_indicator(g), self.values[:, k]) for k, g in enumerate(d.groups)]
        for name, column in columns:
            column = self.rounded(column) if rounded else column
            out[name] = {uid: float(v) for uid, v in zip(self.units.ids, column) if not np.isnan(v)}
        return out

    def long_rows(self) -> list[tuple[str, str, str, float]]:
        """(unit, indicator, period, value) rows, rounded, in unit order: what `evalkit run --data` reads."""
        period = self.period or ""
        rows = []
        indicators = self.indicators()
        for uid in self.units.ids:
            for name, values in indicators.items():
                if uid in values:
                    rows.append((uid, name, period, values[uid]))
        return rows

    def unit_reasons(self, i: int, lang: str = "en") -> list[str]:
        """Why a unit's score is what it is: groups dropped, fallbacks used."""
        d = self.definition
        zh = lang == "zh"
        notes = []
        for k, g in enumerate(d.groups):
            s = int(self.status[i, k])
            name = g.name.text(lang)
            count = int(self.counts[i, k])
            if s == NO_BALLOTS:
                notes.append(f"{name}无有效票" if zh else f"{name}: no ballots")
            elif s == BELOW_MINIMUM:
                notes.append(f"{name}有效票 {count} 张，少于 {g.min_ballots} 张" if zh
                             else f"{name}: {count} ballots, fewer than {g.min_ballots}")
            elif s == FALLBACK:
                notes.append(f"{name}不足 3 票，按{_FALLBACK_ZH[g.fallback]}" if zh
                             else f"{name}: fewer than 3 ballots, {g.fallback} used")
            elif s == FALLBACK_MISSING:
                notes.append(f"{name}不足 3 票，不计" if zh else f"{name}: fewer than 3 ballots, not counted")
        if np.isnan(self.score[i]):
            if notes:
                notes.append("评议结果缺失" if zh else "review score missing")
        elif any(self.status[i, k] in (NO_BALLOTS, BELOW_MINIMUM, FALLBACK_MISSING) for k in range(len(d.groups))):
            notes.append("其余各组按权重比例折算" if zh else "the other groups re-weighted")
        return notes

    def to_dict(self) -> dict:
        d = self.definition
        units = []
        for i, uid in enumerate(self.units.ids):
            groups = {}
            for k, g in enumerate(d.groups):
                entry: dict[str, Any] = {"value": _num(self.rounded(self.values[i, k])), "ballots": int(self.counts[i, k]),
                                         "weight": _num(round_array(self.weights[i, k], 6)),
                                         "status": STATUS_NAMES[int(self.status[i, k])]}
                if g.id in self.categories:
                    entry["categories"] = {c.word: int(n) for c, n in zip(g.categories, self.categories[g.id][i])}
                groups[g.id] = entry
            units.append({"id": uid, "name": self.units.names[i], "score": _num(self.rounded(self.score[i])),
                          "groups": groups, "notes": self.unit_reasons(i, "en")})
        return {
            "evalkit_review_result": REVIEW_FORMAT,
            "review": d.to_dict() | {"period": self.period},
            "units": units,
            "void_ballots": [v.to_dict() for v in self.void],
            "skipped_ballots": [p.to_dict() for p in self.skipped],
            "other_periods_ignored": self.other_periods,
        }


_FALLBACK_ZH = {"mean": "算术平均", "median": "中位数", "missing": "缺失"}


def void_ballots(ballots: Ballots, definition: ReviewDefinition) -> np.ndarray:
    """Which ballots are void: more excellent marks than the group's quota allows (bool per ballot)."""
    nb = len(ballots.raters)
    if nb == 0:
        return np.zeros(0, dtype=bool)
    rated = np.bincount(ballots.ballot, minlength=nb)
    excellent = np.bincount(ballots.ballot, weights=ballots.excellent.astype(np.float64), minlength=nb)
    ballot_group = np.fromiter((g for g, _ in ballots.raters), dtype=np.intp, count=nb)
    allowed = np.full(nb, math.inf)
    for k, group in enumerate(definition.groups):  # a loop over groups, not ballots
        if group.quota is not None:
            mine = ballot_group == k
            allowed[mine] = group.quota.allowed(rated[mine])
    return excellent > allowed


def aggregate(ballots: Ballots, definition: ReviewDefinition, units: Units) -> ReviewResult:
    """Void ballots over quota, then aggregate every (unit, group) column-wise and weight the groups."""
    n, ng = len(units), len(definition.groups)
    void = void_ballots(ballots, definition)
    keep = ~void[ballots.ballot] if len(ballots.ballot) else np.zeros(0, dtype=bool)
    unit, group, score = ballots.unit[keep], ballots.group[keep], ballots.score[keep]

    values = np.full(n * ng, np.nan)
    counts = np.zeros(n * ng, dtype=np.int64)
    fallback_used = np.zeros(n * ng, dtype=bool)
    fallback_missing = np.zeros(n * ng, dtype=bool)
    if score.size:
        key = unit * ng + group
        order = np.lexsort((score, key))  # by (unit, group), scores ascending inside each
        key_s, s = key[order], score[order]
        starts = np.flatnonzero(np.r_[True, key_s[1:] != key_s[:-1]])
        ends = np.r_[starts[1:], key_s.size]
        cnt = ends - starts
        seg = key_s[starts]
        seg_group = seg % ng
        mean = np.add.reduceat(s, starts) / cnt
        median = (s[starts + (cnt - 1) // 2] + s[starts + cnt // 2]) / 2
        inner = s.copy()  # the trimmed mean: zero exactly one lowest and one highest, sum the rest
        inner[starts] = 0.0
        inner[ends - 1] = 0.0
        trimmed = np.divide(np.add.reduceat(inner, starts), cnt - 2, out=np.full(cnt.shape, np.nan), where=cnt >= 3)
        aggregation = np.array([AGGREGATIONS.index(g.aggregation) for g in definition.groups])[seg_group]
        fallback = np.array([FALLBACKS.index(g.fallback) for g in definition.groups])[seg_group]
        is_trim = aggregation == AGGREGATIONS.index("trimmed_mean")
        short = is_trim & (cnt < 3)
        value = np.select(
            [aggregation == AGGREGATIONS.index("median"), is_trim & ~short,
             short & (fallback == FALLBACKS.index("mean")), short & (fallback == FALLBACKS.index("median"))],
            [median, trimmed, mean, median], default=mean)
        value = np.where(short & (fallback == FALLBACKS.index("missing")), np.nan, value)
        values[seg] = value
        counts[seg] = cnt
        fallback_used[seg] = short & (fallback != FALLBACKS.index("missing"))
        fallback_missing[seg] = short & (fallback == FALLBACKS.index("missing"))
    values = values.reshape(n, ng)
    counts = counts.reshape(n, ng)
    minimum = np.array([g.min_ballots for g in definition.groups], dtype=np.int64)
    status = np.full((n, ng), OK, dtype=np.int8)
    status[fallback_used.reshape(n, ng)] = FALLBACK
    status[fallback_missing.reshape(n, ng)] = FALLBACK_MISSING
    below = counts < minimum[None, :]
    status[below] = BELOW_MINIMUM
    status[counts == 0] = NO_BALLOTS
    values[below] = np.nan
    available = ~np.isnan(values)

    shares = definition.shares[None, :] * np.ones((n, 1))
    if definition.below_minimum == "reweight":
        used = np.where(available, shares, 0.0)
    else:
        used = np.where(available.all(axis=1, keepdims=True), shares, 0.0)
    total = used.sum(axis=1, keepdims=True)
    weights = np.divide(used, total, out=np.zeros_like(used), where=total > 0)
    weighted = np.where(available, values, 0.0) * weights
    score = np.where(total[:, 0] > 0, weighted.sum(axis=1), np.nan)

    categories = {}
    for k, g in enumerate(definition.groups):
        if g.aggregation != "satisfaction":
            continue
        mine = group == k
        kc = len(g.categories)
        flat = np.bincount(unit[mine] * kc + ballots.category[keep][mine], minlength=n * kc)
        categories[g.id] = flat.reshape(n, kc)

    void_list = []
    by_ballot = np.argsort(ballots.ballot, kind="stable")
    bounds = np.searchsorted(ballots.ballot[by_ballot], np.arange(len(ballots.raters) + 1))
    for b in np.flatnonzero(void):  # reporting: one entry per void ballot
        g, rater = ballots.raters[b]
        rows = by_ballot[bounds[b]:bounds[b + 1]]
        rated = rows.size
        quota = definition.groups[g].quota
        void_list.append(VoidBallot(group=definition.groups[g].id, rater=rater,
                                    excellent=int(ballots.excellent[rows].sum()),
                                    allowed=int(quota.allowed(np.array([rated]))[0]), rated=int(rated),
                                    rows=tuple(ballots.where[r] for r in rows)))
    return ReviewResult(definition=definition, units=units, period=ballots.period, values=values, counts=counts,
                        status=status, weights=weights, score=score, categories=categories, void=tuple(void_list),
                        skipped=ballots.skipped, other_periods=ballots.other_periods)


def review(definition: ReviewDefinition | str | Path | Mapping[str, Any],
           ballots: str | Path | Table | Sequence[str | Path | Table | Mapping[str, Any]],
           units: Units | Sequence[str] | str | Path, period: str | None = None, registry=None) -> ReviewResult:
    """Load what is needed and review: a definition (file, dict or loaded), ballot files or tables (or a
    list of row dicts), and the units (Units, a list of ids, or a units file)."""
    from evalkit.io.inputs import load_units, read_table
    from evalkit.plugins.manager import default_registry

    if not isinstance(definition, ReviewDefinition):
        definition = load_review(definition)
    needs_registry = isinstance(units, (str, Path)) or isinstance(ballots, (str, Path)) or (
        isinstance(ballots, Sequence) and any(isinstance(b, (str, Path)) for b in ballots))
    if needs_registry and registry is None:
        registry = default_registry()
    if isinstance(units, (str, Path)):
        units = load_units(units, registry)
    elif not isinstance(units, Units):
        units = Units.from_ids(units)
    if isinstance(ballots, (str, Path, Table)):
        ballots = [ballots]
    if ballots and all(isinstance(b, Mapping) for b in ballots):
        tables = [ballots_table(ballots)]
    else:
        tables = [b if isinstance(b, Table) else read_table(b, registry) for b in ballots]
    return aggregate(read_ballots(tables, definition, units, period), definition, units)


def _num(x) -> float | int | None:
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    return int(x) if x.is_integer() and abs(x) < 2**53 else x
