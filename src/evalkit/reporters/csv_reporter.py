"""CSV of the summary, UTF-8 with a BOM so that Excel shows Chinese names correctly."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from evalkit.io.safe_text import spreadsheet_row
from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.summary import summary_header, summary_rows

if TYPE_CHECKING:
    from evalkit.scoring.evaluation import Evaluation


def render_csv(evaluation: Evaluation, options: ReportOptions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(spreadsheet_row(summary_header(evaluation, options.lang)))
    writer.writerows(spreadsheet_row(row) for row in summary_rows(evaluation, options.lang))
    return "\ufeff" + buffer.getvalue()


CSV_REPORTER = Reporter(name="csv", extension=".csv", render=render_csv,
                        description="Summary table (rank, unit, dimensions, total, grade) for Excel")
