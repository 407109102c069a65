"""The JSON result (schemas/result.schema.json): everything, for machines and for the record."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from evalkit.reporters.base import Reporter, ReportOptions

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def render_json(evaluation: Evaluation, options: ReportOptions) -> str:
    return evaluation.to_json()


def write_json(evaluation: Evaluation, options: ReportOptions, handle: BinaryIO) -> None:
    """The same bytes as `render_json`, streamed a block of units at a time."""
    evaluation.write_json(handle)


JSON_REPORTER = Reporter(name="json", extension=".json", render=render_json,
                         description="Full result with every item's value, rule, points and weight", write=write_json)
