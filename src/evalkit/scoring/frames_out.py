"""Results out as DataFrames (pandas, polars or Arrow), for integrators who continue in their own tools.

Built column by column from the Evaluation's arrays and handed to narwhals, which makes the frame of
the library asked for; that library must be installed (pandas, polars or pyarrow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from evalkit.definition.model import Dimension, Item
from evalkit.errors import UsageError

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation

KINDS = {"pandas": "pandas", "polars": "polars", "arrow": "pyarrow", "pyarrow": "pyarrow"}


def summary_columns(evaluation: Evaluation) -> dict[str, Any]:
    """One row per unit in report order: unit, name, type, parent, total, rank, grade, then each dimension."""
    order = evaluation.order()
    units = evaluation.units
    grades = [evaluation.grade_of(int(i)) for i in order]
    columns: dict[str, Any] = {
        "unit": [units.ids[i] for i in order],
        "name": [units.names[i] for i in order],
        "type": [units.types[i] for i in order],
        "parent": [units.parents[i] for i in order],
        "total": np.asarray(evaluation.totals, dtype=np.float64)[order],
        "rank": np.asarray(evaluation.ranks, dtype=np.int64)[order],
        "grade": [g.grade if g is not None else None for g in grades],
    }
    for dimension, scores in evaluation.dimensions.items():
        columns[dimension] = np.asarray(scores, dtype=np.float64)[order]
    return columns


def detail_columns(evaluation: Evaluation) -> dict[str, Any]:
    """One row per unit and item: unit, dimension, item, indicator, value, points, max_points, score, missing."""
    order = evaluation.order()
    parents = {node.id: (parent.id if isinstance(parent, Dimension) else None)
               for node, _depth, parent in evaluation.scorecard.walk() if isinstance(node, Item)}
    results = list(evaluation.items.values())
    k, n = len(results), len(order)
    ids = np.asarray(evaluation.units.ids, dtype=object)[order]

    def stacked(get: Any, dtype: Any) -> np.ndarray:
        return np.concatenate([np.asarray(get(r), dtype=dtype)[order] for r in results]) if results else np.zeros(0, dtype)

    return {
        "unit": np.tile(ids, k).tolist(),
        "dimension": [parents.get(r.item.id) for r in results for _ in range(n)],
        "item": [r.item.id for r in results for _ in range(n)],
        "indicator": [r.item.indicator for r in results for _ in range(n)],
        "value": stacked(lambda r: r.values, np.float64),
        "points": stacked(lambda r: r.points, np.float64),
        "max_points": np.repeat(np.asarray([r.item.max_points for r in results], dtype=np.float64), n),
        "score": stacked(lambda r: r.score, np.float64),
        "missing": stacked(lambda r: r.missing, bool),
    }


def to_frame(evaluation: Evaluation, kind: str = "pandas", detail: bool = False) -> Any:
    """The result as a `kind` frame ("pandas", "polars", "arrow"): a row per unit, or with `detail` per unit and item."""
    backend = KINDS.get(kind)
    if backend is None:
        raise UsageError(f"to_frame(kind={kind!r}): expected one of 'pandas', 'polars', 'arrow'")
    try:
        __import__(backend)
    except ImportError:
        raise UsageError(f"to_frame(kind={kind!r}) needs {backend}: pip install {backend}") from None
    import narwhals as nw

    columns = detail_columns(evaluation) if detail else summary_columns(evaluation)
    return nw.from_dict(columns, backend=cast(Any, backend)).to_native()
