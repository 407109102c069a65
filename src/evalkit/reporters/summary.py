"""The rows every summary report shows: rank, unit, top dimension scores, total, grade."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from evalkit.definition.model import Dimension
from evalkit.io.number_text import fixed_texts  # 72.60, not 72.6; empty for no total (common.points_text)
from evalkit.reporters.common import points_text  # noqa: F401  (re-exported: evalkit.cli.sensitivity_cmd reads it here)
from evalkit.scoring.rounding import round_array

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

BLOCK = 100_000  # units formatted at a time


def summary_header(evaluation: Evaluation, lang: str) -> list[str]:
    zh = lang == "zh"
    tops = [node.name.text(lang) for node in evaluation.scorecard.dimensions]
    adjust = (["加减分"] if zh else ["Adjust."]) if evaluation.adjusted is not None else []
    return (["排名", "编号", "单位"] if zh else ["Rank", "ID", "Unit"]) + tops + adjust + (["总分", "等次"] if zh else ["Total", "Grade"])


def summary_rows(evaluation: Evaluation, lang: str) -> Iterator[list[str]]:
    """One list of cells (text) per unit, in rank order."""
    columns = summary_columns(evaluation, lang, evaluation.order())
    return map(list, zip(*columns))


def summary_blocks(evaluation: Evaluation, lang: str, block: int = BLOCK) -> Iterator[list[Sequence[str]]]:
    """`summary_columns` for the units in rank order, `block` units at a time."""
    order = evaluation.order()
    texts = _unit_texts(evaluation)
    for start in range(0, len(order), block):
        yield summary_columns(evaluation, lang, order[start:start + block], texts)


def _unit_texts(evaluation: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """The units' ids and names as object arrays, to be taken by position."""
    ids = np.empty(len(evaluation.units.ids), dtype=object)
    ids[:] = evaluation.units.ids
    names = np.empty(len(ids), dtype=object)
    names[:] = evaluation.units.names
    return ids, names


def summary_columns(evaluation: Evaluation, lang: str, rows: np.ndarray,
                    texts: tuple[np.ndarray, np.ndarray] | None = None) -> list[Sequence[str]]:
    """The summary's columns (texts) for the units at positions `rows`: rank, id, name, each top dimension's
    score, the net of adjustments when there were any, total and grade. Numbers are formatted once per
    distinct value (`evalkit.io.number_text.fixed_texts`), with the scorecard's decimals. `texts` are
    the units' ids and names as object arrays (`summary_blocks` makes them once for all blocks)."""
    d = evaluation.scorecard.rounding_decimals
    ids, names = texts if texts is not None else _unit_texts(evaluation)
    ranks = np.asarray(evaluation.ranks)[rows]
    columns: list[Sequence[str]] = [list(map(str, ranks.astype(np.int64).tolist())), ids[rows].tolist(), names[rows].tolist()]
    for n in evaluation.scorecard.dimensions:
        scores = evaluation.dimensions[n.id] if isinstance(n, Dimension) else evaluation.items[n.id].score
        columns.append(fixed_texts(np.asarray(scores)[rows], d).tolist())
    if evaluation.adjusted is not None and evaluation.items_total is not None:  # net bonus minus deductions, vetoes
        columns.append(fixed_texts(round_array(evaluation.totals[rows] - evaluation.items_total[rows], d), d).tolist())
    columns.append(fixed_texts(evaluation.totals[rows], d).tolist())
    bands = evaluation.scorecard.grading.bands if evaluation.scorecard.grading else ()
    labels = np.asarray([b.label.text(lang) for b in bands] + [""], dtype=object)
    grades = np.asarray(evaluation.grades)[rows]
    columns.append(labels[np.where((grades >= 0) & (grades < len(bands)), grades, len(bands))].tolist())
    return columns
