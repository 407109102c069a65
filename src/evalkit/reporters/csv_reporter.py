"""CSV of the summary, UTF-8 with a BOM so that Excel shows Chinese names correctly.

Built column by column (`evalkit.reporters.summary.summary_columns`) and, for a file, streamed into it a
block of units at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from evalkit.io.csv_text import csv_columns_text, write_csv_columns
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.summary import summary_blocks, summary_header

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def render_csv(evaluation: Evaluation, options: ReportOptions) -> str:
    return csv_columns_text(summary_header(evaluation, options.lang), summary_blocks(evaluation, options.lang))


def write_csv(evaluation: Evaluation, options: ReportOptions, handle: BinaryIO) -> None:
    """The same bytes as `render_csv`, streamed a block of units at a time."""
    write_csv_columns(handle, summary_header(evaluation, options.lang), summary_blocks(evaluation, options.lang))


CSV_REPORTER = Reporter(name="csv", extension=".csv", render=render_csv,
                        description="Summary table (rank, unit, dimensions, total, grade) for Excel", write=write_csv)
