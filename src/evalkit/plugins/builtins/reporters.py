"""Registers the built-in reporters (terminal table, JSON, CSV, Excel, HTML, Markdown).

The table, Excel, HTML and Markdown reporters' modules (and rich, the zip writer, the charts and page
parts they import) are imported when one of them renders, not when a command registers them: a command
renders one format, and importing all of them was a good part of every start. Their name, file ending,
description and extras are repeated below; tests/test_cli_startup.py checks they are the modules' own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from evalkit.plugins.hookspecs import hookimpl
from evalkit.reporters.base import Reporter
from evalkit.reporters.csv_reporter import CSV_REPORTER
from evalkit.reporters.json_reporter import JSON_REPORTER

if TYPE_CHECKING:
    from evalkit.reporters.base import ReportOptions
    from evalkit.scoring.evaluation import Evaluation

ALL_EXTRAS = ("transitions", "benchmarks", "targets", "rectification")
DEFERRED = {  # name -> (module, its Reporter, file ending, description, extras)
    "table": ("evalkit.reporters.table", "TABLE_REPORTER", ".txt",
              "Results table for the terminal (rank, unit, dimensions, total, grade)", ()),
    "xlsx": ("evalkit.reporters.xlsx", "XLSX_REPORTER", ".xlsx",
             "Excel workbook: summary, item detail, explanations, grade distribution, scorecard", ALL_EXTRAS),
    "html": ("evalkit.reporters.html", "HTML_REPORTER", ".html",
             "Self-contained HTML report: ranking, charts and every unit's explanation (opens offline)", ALL_EXTRAS),
    "markdown": ("evalkit.reporters.markdown", "MARKDOWN_REPORTER", ".md",
                 "Markdown for publishing (公示): ranking, grade distribution, adjustments", ALL_EXTRAS),
}


def deferred_render(module: str, attribute: str) -> Callable[[Evaluation, ReportOptions], str | bytes]:
    """The render function of the Reporter `attribute` of `module`, imported on the first call."""
    def render(evaluation: Evaluation, options: ReportOptions) -> str | bytes:
        reporter: Reporter = getattr(importlib.import_module(module), attribute)
        return reporter.render(evaluation, options)

    render.__qualname__ = render.__name__ = f"render_{attribute.split('_')[0].lower()}"
    return render


def deferred_reporters() -> tuple[Reporter, ...]:
    return tuple(Reporter(name=name, extension=extension, render=deferred_render(module, attribute),
                          description=description, extras=extras)
                 for name, (module, attribute, extension, description, extras) in DEFERRED.items())


@hookimpl
def evalkit_register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register the built-in reporters."""
    table, xlsx, html, markdown = deferred_reporters()
    for reporter in (table, JSON_REPORTER, CSV_REPORTER, xlsx, html, markdown):
        register(reporter)
