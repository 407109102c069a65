"""Review definitions: rater groups, weights, aggregation, grade words and quotas, checked against the schema.

A review definition (YAML or JSON, checked against ``schemas/review.schema.json``) declares rater
groups with weights, how each group's ballots are aggregated, the fewest ballots a group needs, grade
words and their scores, a per-ballot quota of "excellent", and a policy for bad ballots. Group
weights are divided by their sum. See `evalkit.reviews` for how ballots are counted.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, SupportsFloat

import attrs
import numpy as np

from evalkit.definition.documents import Document, load_document
from evalkit.definition.model import Label
from evalkit.errors import DefinitionError, Problem
from evalkit.rules.base import fmt
from evalkit.scoring.rounding import Rounding

REVIEW_FORMAT = 1
DEFAULT_ROUNDING = Rounding()  # half up at 2 decimals
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



def fold_word(text: str) -> str:
    """How words and group names are matched: NFKC (full-width folded), trimmed, case-insensitive."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def plain_number(x: SupportsFloat | None) -> float | int | None:
    """A number for JSON: None for none or NaN, 92 for 92.0, other floats as they are."""
    if x is None:
        return None
    number = float(x)
    if math.isnan(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


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
        out: dict[str, Any] = {"word": self.word, "score": plain_number(self.score)}
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


def _fraction(value: float | int | str) -> Fraction:
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
    trim_count: int = 1  # trimmed_mean: scores dropped at each end (when trim_share is None)
    trim_share: float | None = None  # trimmed_mean: floor(share x n) dropped at each end instead

    def trimmed(self, n: np.ndarray) -> np.ndarray:
        """How many scores a trimmed mean drops at each end of `n` ballots."""
        if self.trim_share is not None:
            return np.floor(np.round(self.trim_share * n, 9)).astype(np.int64)
        return np.full(np.shape(n), self.trim_count, dtype=np.int64)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "name": self.name.to_dict(), "weight": plain_number(self.weight),
                               "share": plain_number(self.share), "aggregation": self.aggregation}
        if self.aggregation == "trimmed_mean":
            out["fallback"] = self.fallback
            if self.trim_share is not None:
                out["trim"] = {"share": plain_number(self.trim_share)}
            elif self.trim_count != 1:
                out["trim"] = {"count": self.trim_count}
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
    rounding: Rounding = DEFAULT_ROUNDING
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
            "scale": {"min": plain_number(self.scale[0]), "max": plain_number(self.scale[1])},
            "grades": [w.to_dict() for w in self.grades],
            **({"excellent_min_score": plain_number(self.excellent_min_score)} if self.excellent_min_score is not None else {}),
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


def _as_document(source: str | Path | Mapping[str, Any] | Document) -> Document:
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
        for spelling in [group["id"], *label_texts(group.get("name")), *group.get("aliases", [])]:
            key = fold_word(spelling)
            if key in names and names[key][0] != k:
                yield doc.problem(here, f"{spelling!r} already names group {data['groups'][names[key][0]]['id']!r}; "
                                  "ballots could not tell the groups apart", expected="distinct group ids, names and aliases",
                                  found=repr(spelling))
            names.setdefault(key, (k,))
        aggregation = group.get("aggregation", "mean")
        if "trim" in group and aggregation != "trimmed_mean":
            yield doc.problem(here + ("trim",), "trim applies to trimmed_mean only",
                              expected="no trim, or aggregation: trimmed_mean", found=f"aggregation {aggregation}")
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
            key = fold_word(spelling)
            if not key:
                yield doc.problem(path + (k,), "a word is blank", expected="a word", found=repr(spelling))
            elif key in seen and seen[key] != k:
                yield doc.problem(path + (k,), f"{spelling!r} is already word {seen[key]}",
                                  expected="each word and alias once", found=repr(spelling))
            seen.setdefault(key, k)


def label_texts(value: str | Mapping[str, str] | None) -> list[str]:
    """The texts of a label (a string or {zh, en}), for matching group names."""
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
            trim_count=int(g.get("trim", {}).get("count", 1)),
            trim_share=float(g["trim"]["share"]) if "share" in g.get("trim", {}) else None,
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

