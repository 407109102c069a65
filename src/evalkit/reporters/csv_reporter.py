"""CSV of the summary, UTF-8 with a BOM so that Excel shows Chinese names correctly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.io.csv_text import csv_text
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.summary import summary_header, summary_rows

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def render_csv(evaluation: Evaluation, options: ReportOptions) -> str:
    return csv_text(summary_rows(evaluation, options.lang), summary_header(evaluation, options.lang))


CSV_REPORTER = Reporter(name="csv", extension=".csv", render=render_csv,
                        description="Summary table (rank, unit, dimensions, total, grade) for Excel")
