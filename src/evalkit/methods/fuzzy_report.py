"""`evalkit fuzzy` as a library call: fuzzy comprehensive evaluation of the units of a ballots file.

R = the votes per criterion divided by their total; B = W o R (weighted average by default, or max-min
then normalised); the grade is the one of largest membership (ties: the grade listed first); with grade
values the score is B . values and units are ranked by it (ties share the best rank, 1224). Weights
follow the criteria in the order they first appear in the ballots, or name them (政治建设=0.4,...), or
come from a weights file or an AHP matrix file; they must sum to 1 or 100 unless `normalize_weights`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from evalkit.errors import DefinitionError, Problem, describe
from evalkit.io.csv_text import csv_text
from evalkit.io.table import header_key, parse_number
from evalkit.methods.fuzzy import FuzzyResult, fuzzy_evaluation, membership_matrix
from evalkit.methods.inputs import FUZZY_GRADES, Ballots, read_ballots
from evalkit.methods.weight_input import (
    Notice,
    Notify,
    read_weights_file,
    split_list,
    weights_from_text,
    weights_in_order,
)
from evalkit.plugins.manager import Registry, registry_or_default
from evalkit.scoring.rounding import json_number

__all__ = ["FuzzyReport", "fuzzy_from_files", "parse_grade_values", "parse_grades"]


def _checked_list(text: str, option: str) -> list[str]:
    parts = split_list(text)
    empty = [k for k, p in enumerate(parts) if not p]
    if empty:
        raise DefinitionError([Problem(f"{option} has an empty entry", path=f"{option}[{k}]", expected="a value between the commas",
                                       found=describe(text)) for k in empty])
    return parts


def parse_grades(grades: str | Sequence[str], option: str = "--grades") -> tuple[str, ...]:
    """The grades, best first ("优秀,良好,一般,较差" or a list): at least two, each once."""
    text = grades if isinstance(grades, str) else ",".join(grades)
    names = _checked_list(grades, option) if isinstance(grades, str) else [str(g).strip() for g in grades]
    problems = []
    first: dict[str, int] = {}
    for k, g in enumerate(names):
        if header_key(g) in first:
            problems.append(Problem("a grade is listed twice", path=f"{option}[{k}]", expected="each grade once",
                                    found=f"{names[first[header_key(g)]]!r} and {g!r}"))
        first.setdefault(header_key(g), k)
    if len(names) < 2:
        problems.append(Problem("fuzzy evaluation needs at least two grades", path=option,
                                expected="G1,G2,... best first, e.g. " + ",".join(FUZZY_GRADES), found=describe(text)))
    if problems:
        raise DefinitionError(problems)
    return tuple(names)


def parse_grade_values(values: str | Sequence[float], grades: Sequence[str], option: str = "--grade-values") -> np.ndarray:
    """One number per grade ("95,85,70,50" or a list), in the order of the grades."""
    text = values if isinstance(values, str) else ",".join(str(v) for v in values)
    parts: list[Any] = _checked_list(values, option) if isinstance(values, str) else list(values)
    if len(parts) != len(grades):
        raise DefinitionError(Problem(
            f"{option} gives {len(parts)} value{'s' if len(parts) != 1 else ''} but there are {len(grades)} grades",
            source=option, expected=f"one value per grade, in the order {', '.join(grades)}", found=describe(text)))
    numbers, problems = [], []
    for k, part in enumerate(parts):
        try:
            value = parse_number(part)
        except ValueError:
            value = None
        if value is None:
            problems.append(Problem("a grade value must be a number", path=f"{option}[{k}]",
                                    expected=f"a number for the grade {grades[k]!r}, such as 95", found=describe(part)))
        numbers.append(value)
    if problems:
        raise DefinitionError(problems)
    return np.asarray(numbers, dtype=np.float64)


@attrs.frozen(eq=False)
class FuzzyReport:
    """The ballots, the weights used and the fuzzy evaluation of every unit."""

    ballots: Ballots
    grade_values: np.ndarray | None
    weights: np.ndarray
    weights_from: str
    operator: str
    result: FuzzyResult
    notices: tuple[Notice, ...] = ()

    @property
    def grades(self) -> tuple[str, ...]:
        return self.ballots.grades

    def to_dict(self) -> dict:
        """The JSON document of `evalkit fuzzy --format json`: units best first when scored, else in file order."""
        ballots, grades, result = self.ballots, self.grades, self.result
        R = membership_matrix(ballots.counts)
        rank, scores = result.rank, result.scores
        labels = result.grade if result.grade is not None else tuple(grades[k] for k in result.grade_index.tolist())
        order = np.argsort(rank, kind="stable") if rank is not None else np.arange(len(ballots.units))
        units = []
        for i in order.tolist():
            row: dict[str, Any] = {"rank": int(rank[i]) if rank is not None else None, "unit": ballots.units[i],
                                   "name": ballots.names[i], "grade": labels[i],
                                   "score": float(scores[i]) if scores is not None else None,
                                   "membership": dict(zip(grades, result.membership[i].tolist()))}
            if self.operator != "weighted_average":
                row["raw_membership"] = dict(zip(grades, result.raw_membership[i].tolist()))
            row["votes"] = {c: {g: float(v) for g, v in zip(grades, ballots.counts[i, j].tolist())}
                            for j, c in enumerate(ballots.criteria)}
            row["membership_matrix"] = {c: dict(zip(grades, R[i, j].tolist())) for j, c in enumerate(ballots.criteria)}
            units.append(row)
        return {
            "method": "fuzzy_evaluation",
            "operator": self.operator,
            "normalized": self.result.normalized,
            "source": ballots.source,
            "ballots": "counts per grade" if ballots.counted else "one row per ballot",
            "grades": list(grades),
            "grade_values": dict(zip(grades, self.grade_values.tolist())) if self.grade_values is not None else None,
            "criteria": list(ballots.criteria),
            "weights": dict(zip(ballots.criteria, (json_number(w) for w in self.weights.tolist()))),
            "weights_from": self.weights_from,
            "units": units,
        }

    def to_csv(self) -> str:
        """One row per unit: [rank,] unit, name, grade[, score] and the membership of each grade; with a BOM."""
        doc = self.to_dict()
        scored = doc["grade_values"] is not None
        header = (["rank"] if scored else []) + ["unit", "name", "grade"] + (["score"] if scored else []) + doc["grades"]
        rows = (([u["rank"]] if scored else []) + [u["unit"], u["name"], u["grade"]]
                + ([repr(u["score"])] if scored else []) + [repr(u["membership"][g]) for g in doc["grades"]]
                for u in doc["units"])
        return csv_text(rows, header)


def fuzzy_from_files(ballots: str | Path, registry: Registry | None = None, *, weights: str | Sequence[float] | None = None,
                     weights_file: str | Path | None = None, normalize_weights: bool = False,
                     grades: str | Sequence[str] = FUZZY_GRADES, grade_values: str | Sequence[float] | None = None,
                     operator: str = "weighted_average", notify: Notify | None = None,
                     normalize: bool = True) -> FuzzyReport:
    """Read a ballots file and evaluate every unit: membership in each grade, the grade and (with grade values) score and rank.

    Give exactly one of `weights` (text "0.4,0.2,..." or "NAME=W,...", or numbers in the ballots' criterion
    order) and `weights_file`. Notes and warnings go to `notify` as they happen and are kept in the report.
    """
    notices: list[Notice] = []

    def tell(notice: Notice) -> None:
        notices.append(notice)
        if notify is not None:
            notify(notice)

    names = parse_grades(grades)
    values = parse_grade_values(grade_values, names) if grade_values is not None else None
    if (weights is None) == (weights_file is None):
        raise DefinitionError(Problem("give the weights one way", path="weights", expected="weights or weights_file",
                                      found="both" if weights is not None else "neither"))
    read = read_ballots(ballots, registry_or_default(registry), names)
    if isinstance(weights, str):
        w, weights_from = weights_from_text(weights, read.criteria, normalize=normalize_weights, named=True,
                                            holder="the ballots have", notify=tell), "--weights"
    elif weights is not None:
        w, weights_from = weights_in_order(weights, read.criteria, normalize_weights, notify=tell), "weights"
    else:
        assert weights_file is not None
        given = read_weights_file(weights_file, read.criteria, normalize_weights, notify=tell)
        w, weights_from = given.weights, given.described
    result = fuzzy_evaluation(w, read.counts, values, names, operator=operator, normalize=normalize)
    return FuzzyReport(ballots=read, grade_values=values, weights=w, weights_from=weights_from, operator=operator,
                       result=result, notices=tuple(notices))
