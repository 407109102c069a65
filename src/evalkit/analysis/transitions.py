"""Tier transitions between two evaluations (三分类三升级, 晋位升级) and the rectification list (整改).

Everything here works on result documents: the JSON that ``evalkit run --format json`` writes and
``Evaluation.to_dict()`` returns. A run kept in a store, a file, or an evaluation made a moment ago all
plug in the same way::

    from evalkit.analysis.transitions import MarkedRule, compare, rectification

    comparison = compare(before_doc, after_doc, marked=MarkedRule.parse("score:5"))
    comparison.tier("average").up.count          # units that left the tier upwards
    comparison.to_dict()                         # every figure with the units behind it
    rectification(after_doc, bottom="10%")       # bottom 10 % with their weakest items

Decisions, also stated in ``evalkit compare --help``:

- Tiers are the result's grades, in band order, best first. Both results must have the same grades
  in the same order, or there is nothing to compare (DataError). Results of scorecards with different
  ids are refused too (scores and tiers may mean different things) unless the caller allows it, and
  then a warning says so; a different version of the same scorecard only warns.
- Units are matched by id. A unit in only one result is listed (``only_before`` / ``only_after``), as
  is a unit without a grade in either; neither enters the matrix.
- "Improved markedly" (大幅提升) is a declared rule: ``score:N`` (total up by at least N points),
  ``rank:N`` (up at least N places) or ``percent:N`` (total up by at least N % of the earlier total).
  By default it counts among the units that STAYED in their tier: the seed reports it beside the units
  that rose a tier ("44 rose to advanced ... 70 improved markedly"), and for advanced units, which cannot
  rise, it can only mean improvement inside the tier. ``among="all"`` counts every unit of the starting
  tier that meets the rule, risers included. Either way the share is of the starting tier's count.
- Gains are computed in decimal arithmetic on the totals as published (no binary noise: 85.3 - 80.3 is
  exactly 5), so "at least 5" means what it says.
- Shares are exact fractions; percentages shown are rounded half up (evalkit.scoring.rounding), never with
  Python's round().
- Rectification: the lowest grade of a result, or its bottom N % (places = N % of the result's units,
  rounded half up, at least one) or bottom N units; a unit tied with the last place is included too.
  Each unit comes with its weakest items: the lowest points / max_points, ties in scorecard order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from evalkit.errors import DataError, FileAccessError, Problem
from evalkit.scoring.rounding import round_array

COMPARISON_FORMAT = 1
MARKED_KINDS = ("score", "rank", "percent")
MARKED_AMONG = ("stayed", "all")
MAX_SCHEMA_PROBLEMS = 10


# --------------------------------------------------------------------------------------------------
# Reading and checking result documents


def read_result(path: str | Path) -> dict:
    """A result file written by ``evalkit run --format json``, checked against the result schema."""
    from evalkit.definition.documents import read_text

    path = Path(path)
    if path.is_dir():
        raise FileAccessError(Problem("is a directory, expected a result file", source=str(path)))
    text = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(Problem(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", source=str(path),
                                expected="an evalkit result (evalkit run --format json -o FILE)")) from None
    except (RecursionError, ValueError):  # nested thousands deep, or an integer of over 4,300 digits
        raise DataError(Problem("not an evalkit result: JSON nested too deeply or a number of over 4,300 digits",
                                source=str(path), expected="an evalkit result (evalkit run --format json -o FILE)")) from None
    return check_result(doc, str(path))


def check_result(doc: Any, source: str = "result") -> dict:
    """`doc` itself when it is an evalkit result document; a DataError naming each JSON path otherwise."""
    from jsonschema import Draft202012Validator

    from evalkit.definition.documents import json_path
    from evalkit.definition.schemas import base_schema

    hint = "an evalkit result (evalkit run --format json -o FILE)"
    if not isinstance(doc, dict):
        raise DataError(Problem("not an evalkit result", source=source, path="$", expected=hint,
                                found=f"a JSON {type(doc).__name__.replace('dict', 'object').replace('list', 'array')}"))
    if "evalkit_result" not in doc:
        keys = ", ".join(repr(k) for k in list(doc)[:5]) or "no keys"
        raise DataError(Problem("not an evalkit result: it has no 'evalkit_result' key", source=source, path="$",
                                expected=hint, found=f"an object with {keys}"))
    validator = Draft202012Validator(base_schema("result.schema.json"))
    errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        problems = [Problem(f"not a valid evalkit result: {e.message}", source=source, path=json_path(e.absolute_path))
                    for e in errors[:MAX_SCHEMA_PROBLEMS]]
        if len(errors) > MAX_SCHEMA_PROBLEMS:
            problems.append(Problem(f"... and {len(errors) - MAX_SCHEMA_PROBLEMS} more problems", source=source))
        raise DataError(problems)
    seen: set = set()
    for k, unit in enumerate(doc["units"]):
        if unit["id"] in seen:
            raise DataError(Problem("a unit appears twice", source=source, path=f"$.units[{k}].id",
                                    expected="each unit once", found=repr(unit["id"])))
        seen.add(unit["id"])
    grades = [g["grade"] for g in doc["grades"]]
    for k, unit in enumerate(doc["units"]):
        if unit["grade"] is not None and unit["grade"] not in grades:
            raise DataError(Problem("a unit's grade is not one of the result's grades", source=source,
                                    path=f"$.units[{k}].grade", expected=" or ".join(map(repr, grades)) or "no grades",
                                    found=repr(unit["grade"])))
    return doc


# --------------------------------------------------------------------------------------------------
# Rules and shares


def _dec(x: float | int) -> Decimal:
    """A published number as the exact decimal it was written as (85.3, not 85.299999...)."""
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(int(x))


def _num(d: Decimal | None) -> float | int | None:
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _decimal(value: Decimal | float | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@attrs.frozen
class MarkedRule:
    """When a unit "improved markedly" (大幅提升): a gain of at least `threshold` of `kind`.

    kind ``score``: total(after) - total(before) >= threshold points;
    ``rank``: rank(before) - rank(after) >= threshold places;
    ``percent``: (total(after) - total(before)) >= threshold % of total(before) (never when that is 0).
    `among`: ``stayed`` counts units that stayed in their tier (the seed's reading), ``all`` any unit.
    """

    kind: str = attrs.field(validator=attrs.validators.in_(MARKED_KINDS))
    threshold: Decimal = attrs.field(converter=_decimal)
    among: str = attrs.field(default="stayed", validator=attrs.validators.in_(MARKED_AMONG))

    @threshold.validator
    def _positive(self, attribute: attrs.Attribute, value: Decimal) -> None:
        if not value.is_finite() or value <= 0:
            raise ValueError(f"the threshold must be a number > 0, found {value}")

    @classmethod
    def parse(cls, text: str, among: str = "stayed") -> MarkedRule:
        """``score:5``, ``rank:10`` or ``percent:8`` (``percent:8%`` too); ValueError says what is wrong."""
        match = re.fullmatch(r"\s*([a-z]+)\s*[:=]\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*", str(text))
        if not match or match.group(1) not in MARKED_KINDS or (match.group(3) and match.group(1) != "percent"):
            raise ValueError(f"expected KIND:N with KIND one of {', '.join(MARKED_KINDS)} "
                             f"(score:5 = total up 5 points, rank:10 = up 10 places, percent:8 = total up 8 %), found {text!r}")
        threshold = Decimal(match.group(2))
        if threshold <= 0:
            raise ValueError(f"the threshold must be > 0, found {text!r}")
        return cls(match.group(1), threshold, among)

    def gain(self, before: Mapping, after: Mapping) -> Decimal | None:
        """The gain this rule measures for one unit (None when it cannot be measured)."""
        if self.kind == "rank":
            return Decimal(int(before["rank"]) - int(after["rank"]))
        diff = _dec(after["total"]) - _dec(before["total"])
        if self.kind == "score":
            return diff
        base = _dec(before["total"])
        return None if base <= 0 else diff * 100 / base

    def met(self, before: Mapping, after: Mapping) -> bool:
        if self.kind == "percent":  # compared without dividing: gain x 100 >= threshold x before
            base = _dec(before["total"])
            return base > 0 and (_dec(after["total"]) - base) * 100 >= self.threshold * base
        gain = self.gain(before, after)
        return gain is not None and gain >= self.threshold

    def counts(self, stayed: bool) -> bool:
        """Whether a unit of the starting tier is eligible for the figure at all."""
        return stayed or self.among == "all"

    @property
    def spec(self) -> str:
        return f"{self.kind}:{_num(self.threshold)}"

    def describe(self, lang: str = "en") -> str:
        n = _num(self.threshold)
        if lang == "zh":
            what = {"score": f"总分提高 {n} 分及以上", "rank": f"排名上升 {n} 位及以上",
                    "percent": f"总分提高 {n}% 及以上"}[self.kind]
            return ("保持原等次且" if self.among == "stayed" else "") + what
        what = {"score": f"total up by at least {n} points", "rank": f"rank up by at least {n} places",
                "percent": f"total up by at least {n} % of the earlier total"}[self.kind]
        return ("stayed in the tier and " if self.among == "stayed" else "") + what

    def to_dict(self) -> dict:
        return {"kind": self.kind, "threshold": _num(self.threshold), "among": self.among, "spec": self.spec,
                "text": {"zh": self.describe("zh"), "en": self.describe("en")}}


def percent(count: int, of: int, decimals: int = 1) -> float | None:
    """count / of as a percentage rounded half up (None when `of` is 0)."""
    if of == 0:
        return None
    return float(round_array(100.0 * count / of, decimals, "half_up"))


@attrs.frozen
class Share:
    """`count` units out of `of`, and which ones."""

    units: tuple[str, ...]
    of: int

    @property
    def count(self) -> int:
        return len(self.units)

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.count, self.of) if self.of else Fraction(0)

    def percent(self, decimals: int = 1) -> float | None:
        return percent(self.count, self.of, decimals)

    def text(self, decimals: int = 1) -> str:
        """'44 / 174 (25.3 %)'."""
        p = self.percent(decimals)
        return f"{self.count} / {self.of}" + (f" ({p:.{decimals}f} %)" if p is not None else "")

    def to_dict(self, decimals: int = 1) -> dict:
        return {"count": self.count, "of": self.of, "share": float(self.fraction),
                "percent": self.percent(decimals), "units": list(self.units)}


# --------------------------------------------------------------------------------------------------
# The comparison


@attrs.frozen
class Move:
    """One unit in both results."""

    id: str
    name: str
    type: str | None
    before: Mapping  # grade, rank, total
    after: Mapping
    steps: int  # tiers moved up (negative: down)
    marked: bool | None  # meets the marked rule (None: no rule declared)

    @property
    def direction(self) -> str:
        return "up" if self.steps > 0 else "down" if self.steps < 0 else "stayed"

    def to_dict(self, rule: MarkedRule | None) -> dict:
        out = {"id": self.id, "name": self.name, "type": self.type, "before": dict(self.before), "after": dict(self.after),
               "move": self.direction, "steps": self.steps,
               "total_gain": _num(_dec(self.after["total"]) - _dec(self.before["total"])),
               "rank_gain": int(self.before["rank"]) - int(self.after["rank"])}
        if rule is not None:
            gain = rule.gain(self.before, self.after)
            if gain is None or rule.kind == "rank":
                out["marked_gain"] = None if gain is None else int(gain)
            else:
                out["marked_gain"] = float(round_array(float(gain), 2, "half_up")) + 0
            out["meets_marked_rule"] = self.marked
            out["improved_markedly"] = bool(self.marked and rule.counts(self.steps == 0))
        return out


@attrs.frozen
class TierSummary:
    """The units that started in one tier and where they went."""

    grade: str
    units: tuple[str, ...]
    up: Share
    stayed: Share
    down: Share
    to: Mapping[str, Share]  # by tier in the later result, best first
    marked: Share | None

    def to_dict(self, decimals: int = 1) -> dict:
        out = {"grade": self.grade, "count": len(self.units), "units": list(self.units),
               "up": self.up.to_dict(decimals), "stayed": self.stayed.to_dict(decimals), "down": self.down.to_dict(decimals),
               "to": {g: s.to_dict(decimals) for g, s in self.to.items()}}
        if self.marked is not None:
            out["improved_markedly"] = self.marked.to_dict(decimals)
        return out


def _summary(unit: Mapping) -> dict:
    return {"grade": unit["grade"], "rank": unit["rank"], "total": unit["total"]}


def _side(doc: Mapping, source: str | None) -> dict:
    sc = doc["scorecard"]
    return {"source": source, "scorecard": sc["id"], "version": sc.get("version"), "name": sc["name"],
            "period": sc["period"], "units": len(doc["units"])}


@attrs.frozen
class Comparison:
    """Two results side by side: the tier matrix, the shares per starting tier and the lists behind them."""

    grades: tuple[dict, ...]  # {"grade", "label"} best first
    before: dict
    after: dict
    moves: tuple[Move, ...]  # by unit id
    only_before: tuple[dict, ...]
    only_after: tuple[dict, ...]
    ungraded: tuple[dict, ...]
    marked_rule: MarkedRule | None = None
    warnings: tuple[str, ...] = ()

    @property
    def grade_ids(self) -> tuple[str, ...]:
        return tuple(g["grade"] for g in self.grades)

    def label(self, grade: str, lang: str = "en") -> str:
        g = next(g for g in self.grades if g["grade"] == grade)
        return g["label"].get(lang) or g["label"].get("en") or g["label"].get("zh") or grade

    def matrix(self) -> list[list[tuple[str, ...]]]:
        """matrix[i][j]: the ids of units in tier i before and tier j after (tiers best first)."""
        index = {g: k for k, g in enumerate(self.grade_ids)}
        cells: list[list[list[str]]] = [[[] for _ in self.grades] for _ in self.grades]
        for m in self.moves:
            cells[index[m.before["grade"]]][index[m.after["grade"]]].append(m.id)
        return [[tuple(c) for c in row] for row in cells]

    def counts(self) -> list[list[int]]:
        return [[len(c) for c in row] for row in self.matrix()]

    def tier(self, grade: str) -> TierSummary:
        if grade not in self.grade_ids:
            raise KeyError(f"no tier {grade!r}; the tiers are {', '.join(self.grade_ids)}")
        starting = [m for m in self.moves if m.before["grade"] == grade]
        n = len(starting)
        ids = tuple(m.id for m in starting)
        pick = lambda keep: Share(tuple(m.id for m in starting if keep(m)), n)  # noqa: E731
        to = {g: pick(lambda m, g=g: m.after["grade"] == g) for g in self.grade_ids}
        marked = None
        if self.marked_rule is not None:
            marked = pick(lambda m: bool(m.marked) and self.marked_rule.counts(m.steps == 0))
        return TierSummary(grade=grade, units=ids, up=pick(lambda m: m.steps > 0), stayed=pick(lambda m: m.steps == 0),
                           down=pick(lambda m: m.steps < 0), to=to, marked=marked)

    def tiers(self) -> list[TierSummary]:
        return [self.tier(g) for g in self.grade_ids]

    def to_dict(self, decimals: int = 1) -> dict:
        counts = self.counts()
        cells = self.matrix()
        return {
            "evalkit_comparison": COMPARISON_FORMAT,
            "before": self.before,
            "after": self.after,
            "grades": [dict(g) for g in self.grades],
            "marked_rule": self.marked_rule.to_dict() if self.marked_rule else None,
            "units_compared": len(self.moves),
            "matrix": {
                "grades": list(self.grade_ids),
                "counts": counts,
                "row_totals": [sum(row) for row in counts],
                "column_totals": [sum(col) for col in zip(*counts)] if counts else [],
                "cells": [{"from": a, "to": b, "count": len(cells[i][j]), "units": list(cells[i][j])}
                          for i, a in enumerate(self.grade_ids) for j, b in enumerate(self.grade_ids)],
            },
            "tiers": [t.to_dict(decimals) for t in self.tiers()],
            "units": [m.to_dict(self.marked_rule) for m in self.moves],
            "only_before": list(self.only_before),
            "only_after": list(self.only_after),
            "ungraded": list(self.ungraded),
            "warnings": list(self.warnings),
        }


def _grades_of(doc: Mapping) -> list[dict]:
    """The result's grades best first (highest band minimum first)."""
    grades = [{"grade": g["grade"], "min": g["min"], "label": dict(g["label"])} for g in doc["grades"]]
    return sorted(grades, key=lambda g: -g["min"])


def compare(before: Mapping, after: Mapping, marked: MarkedRule | str | None = None, *,
            allow_different_scorecards: bool = False, sources: tuple[str | None, str | None] = (None, None)) -> Comparison:
    """Compare two result documents (dicts as ``Evaluation.to_dict()`` makes them).

    `sources` name the two results in messages (file names, "period 2024"). Raises DataError when the two
    results grade differently, or (unless `allow_different_scorecards`) come from different scorecards.
    """
    if isinstance(marked, str):
        marked = MarkedRule.parse(marked)
    names = [s or w for s, w in zip(sources, ("BEFORE", "AFTER"))]
    gb, ga = _grades_of(before), _grades_of(after)
    if not gb or not ga:
        which = names[0] if not gb else names[1]
        raise DataError(Problem("the result has no grades, so there are no tiers to compare", source=which, path="$.grades",
                                expected="a scorecard with grading bands", found="no grades"))
    if [g["grade"] for g in gb] != [g["grade"] for g in ga]:
        raise DataError(Problem("the two results grade into different tiers, so tiers cannot be compared", source=names[1],
                                path="$.grades", expected=f"the tiers of {names[0]}: " + ", ".join(g["grade"] for g in gb),
                                found=", ".join(g["grade"] for g in ga)))
    warnings = []
    sb, sa = before["scorecard"], after["scorecard"]
    if sb["id"] != sa["id"]:
        text = (f"the results come from different scorecards ({names[0]}: {sb['id']!r}, {names[1]}: {sa['id']!r}); "
                "their scores and tiers may not mean the same")
        if not allow_different_scorecards:
            raise DataError(Problem(text, source=names[1], path="$.scorecard.id", expected=repr(sb["id"]),
                                    found=repr(sa["id"]) + " (pass --allow-different-scorecards to compare anyway)"))
        warnings.append(text)
    elif sb.get("version") != sa.get("version"):
        warnings.append(f"the results come from different versions of scorecard {sb['id']!r} "
                        f"({names[0]}: {sb.get('version')!r}, {names[1]}: {sa.get('version')!r})")
    if [g["min"] for g in gb] != [g["min"] for g in ga]:
        warnings.append("the tiers' score bands differ between the two results: "
                        + "; ".join(f"{x['grade']} from {x['min']} / {y['min']}" for x, y in zip(gb, ga) if x["min"] != y["min"]))
    if str(sb["period"]) == str(sa["period"]):
        warnings.append(f"both results are of period {sb['period']!r}")

    order = {g["grade"]: k for k, g in enumerate(gb)}
    by_id_after = {u["id"]: u for u in after["units"]}
    ids_before = {u["id"] for u in before["units"]}
    moves, ungraded, only_before = [], [], []
    for u in sorted(before["units"], key=lambda u: u["id"]):
        a = by_id_after.get(u["id"])
        if a is None:
            only_before.append({"id": u["id"], "name": u["name"], "type": u["type"], **_summary(u)})
            continue
        if u["grade"] is None or a["grade"] is None:
            ungraded.append({"id": u["id"], "name": u["name"], "type": u["type"], "before": _summary(u), "after": _summary(a)})
            continue
        met = marked.met(u, a) if marked is not None else None
        moves.append(Move(id=u["id"], name=a["name"], type=a["type"], before=_summary(u), after=_summary(a),
                          steps=order[u["grade"]] - order[a["grade"]], marked=met))
    only_after = [{"id": u["id"], "name": u["name"], "type": u["type"], **_summary(u)}
                  for u in sorted(after["units"], key=lambda u: u["id"]) if u["id"] not in ids_before]
    return Comparison(grades=tuple({"grade": g["grade"], "label": g["label"]} for g in gb),
                      before=_side(before, sources[0]), after=_side(after, sources[1]), moves=tuple(moves),
                      only_before=tuple(only_before), only_after=tuple(only_after), ungraded=tuple(ungraded),
                      marked_rule=marked, warnings=tuple(warnings))


# --------------------------------------------------------------------------------------------------
# Rectification (整改)


def parse_bottom(text: str) -> tuple[str, Decimal]:
    """'10%' -> ('percent', 10); '12' -> ('count', 12). ValueError otherwise."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(%?)\s*", str(text))
    if not match:
        raise ValueError(f"expected a share such as 10% or a number of units such as 12, found {text!r}")
    value = Decimal(match.group(1))
    if match.group(2):
        if not 0 < value <= 100:
            raise ValueError(f"expected a share above 0 % and at most 100 %, found {text!r}")
        return "percent", value
    if value != value.to_integral_value() or value < 1:
        raise ValueError(f"expected a whole number of units >= 1 (or a share such as 10%), found {text!r}")
    return "count", value


def bottom_places(kind: str, value: Decimal, n: int) -> int:
    """How many places from the bottom a --bottom value covers: N % of n rounded half up, at least 1."""
    if n == 0:
        return 0
    if kind == "count":
        return min(int(value), n)
    return max(1, min(n, int(round_array(float(value) * n / 100, 0, "half_up"))))


def weakest_items(result: Mapping, unit: Mapping, k: int = 3) -> list[dict]:
    """The unit's `k` items with the lowest points / max_points (ties in scorecard order)."""
    defs = result["items"]
    rows = []
    for pos, item in enumerate(defs):
        entry = unit["items"].get(item["id"])
        if entry is None or not item["max_points"]:
            continue
        ratio = Fraction(_dec(entry["points"])) / Fraction(_dec(item["max_points"]))
        rows.append((ratio, pos, item, entry))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [{"id": item["id"], "name": item["name"], "dimension": item["dimension"], "indicator": item["indicator"],
             "value": entry["value"], "points": entry["points"], "max_points": item["max_points"],
             "ratio": float(round_array(float(ratio), 4, "half_up")) + 0, **({"missing": entry["missing"]} if "missing" in entry else {})}
            for ratio, _, item, entry in rows[:k]]


@attrs.frozen
class Rectification:
    """Units listed for rectification, worst first, each with its weakest items."""

    rule: dict
    period: str
    units: tuple[dict, ...]

    def to_dict(self) -> dict:
        return {"rule": dict(self.rule), "period": self.period, "count": len(self.units), "units": list(self.units)}


def rectification(result: Mapping, bottom: str | None = None, weakest: int = 3) -> Rectification:
    """The rectification list of one result: its lowest grade, or the bottom N % / N units (`bottom`)."""
    graded = [u for u in result["units"] if u["grade"] is not None] if bottom is None else list(result["units"])
    if bottom is None:
        grades = _grades_of(result)
        if not grades:
            raise DataError(Problem("the result has no grades; list the bottom units with --bottom instead",
                                    source="result", path="$.grades"))
        lowest = grades[-1]["grade"]
        chosen = [u for u in graded if u["grade"] == lowest]
        rule = {"kind": "lowest_grade", "grade": lowest, "label": grades[-1]["label"]}
    else:
        kind, value = parse_bottom(bottom)
        places = bottom_places(kind, value, len(graded))
        ranked = sorted(graded, key=lambda u: (u["rank"], u["id"]))
        cut_rank = ranked[-places]["rank"] if places else None
        chosen = [u for u in ranked if places and u["rank"] >= cut_rank]
        rule = {"kind": "bottom", "spec": bottom.strip(), "places": places, "of": len(graded),
                "rounding": "half_up" if kind == "percent" else None, "ties_included": len(chosen) - places}
    chosen = sorted(chosen, key=lambda u: (-u["rank"], u["id"]))
    units = tuple({"id": u["id"], "name": u["name"], "type": u["type"], "rank": u["rank"], "total": u["total"],
                   "grade": u["grade"], "weakest_items": weakest_items(result, u, weakest)} for u in chosen)
    return Rectification(rule=rule, period=str(result["scorecard"]["period"]), units=units)


def result_of(evaluation_or_doc: Any) -> dict:
    """A result document from an Evaluation or a document (a stored run, a loaded file)."""
    to_dict = getattr(evaluation_or_doc, "to_dict", None)
    return to_dict() if callable(to_dict) else dict(evaluation_or_doc)
