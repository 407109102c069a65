"""The rows every summary report shows: rank, unit, top dimension scores, total, grade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from evalkit.definition.model import Dimension
from evalkit.reporters.common import points_text  # 72.60, not 72.6; empty for no total
from evalkit.scoring.rounding import round_array

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def summary_header(evaluation: Evaluation, lang: str) -> list[str]:
    zh = lang == "zh"
    tops = [node.name.text(lang) for node in evaluation.scorecard.dimensions]
    adjust = (["加减分"] if zh else ["Adjust."]) if evaluation.adjusted is not None else []
    return (["排名", "编号", "单位"] if zh else ["Rank", "ID", "Unit"]) + tops + adjust + (["总分", "等次"] if zh else ["Total", "Grade"])


def summary_rows(evaluation: Evaluation, lang: str) -> Iterator[list[str]]:
    """One list of cells (text) per unit, in rank order."""
    tops = evaluation.scorecard.dimensions
    d = evaluation.scorecard.rounding_decimals
    for i in evaluation.order():
        grade = evaluation.grade_of(int(i))
        scores = [points_text(evaluation.dimensions[n.id][i] if isinstance(n, Dimension) else evaluation.items[n.id].score[i], d)
                  for n in tops]
        if evaluation.adjusted is not None and evaluation.items_total is not None:  # net bonus minus deductions, vetoes
            scores.append(points_text(round_array(evaluation.totals[i] - evaluation.items_total[i], d), d))
        yield ([str(int(evaluation.ranks[i])), evaluation.units.ids[i], evaluation.units.names[i]] + scores
               + [points_text(evaluation.totals[i], d), grade.label.text(lang) if grade else ""])
