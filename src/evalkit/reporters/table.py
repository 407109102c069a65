"""A terminal table: columns sized for Chinese text (rich measures wide characters), grades coloured."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from evalkit.reporters.base import Reporter, ReportOptions
from evalkit.reporters.summary import summary_header, summary_rows

GRADE_STYLES = ("bold green", "green", "yellow", "red", "bold red")


def render_table(evaluation, options: ReportOptions) -> str:
    sc = evaluation.scorecard
    title = f"{sc.name.text(options.lang)} · {evaluation.period}"
    table = Table(title=title, show_lines=False)
    header = summary_header(evaluation, options.lang)
    for k, name in enumerate(header):
        numeric = k == 0 or (3 <= k < len(header) - 1)
        table.add_column(name, justify="right" if numeric else "left", no_wrap=k < 2)
    bands = sc.grading.bands if sc.grading else ()
    for i, row in zip(evaluation.order(), summary_rows(evaluation, options.lang)):
        g = int(evaluation.grades[i])
        style = GRADE_STYLES[min(g, len(GRADE_STYLES) - 1)] if 0 <= g < len(bands) else None
        cells = [Text(cell) for cell in row[:-1]]  # Text, not markup: a name like "[试点]" stays as written
        table.add_row(*cells, Text(row[-1], style=style or ""))
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=options.color, no_color=not options.color,
                      width=options.width or 200, color_system="standard" if options.color else None)
    console.print(table)
    return buffer.getvalue()


TABLE_REPORTER = Reporter(name="table", extension=".txt", render=render_table,
                          description="Results table for the terminal (rank, unit, dimensions, total, grade)")
