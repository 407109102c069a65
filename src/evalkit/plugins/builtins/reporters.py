"""Registers the built-in reporters (terminal table, JSON, CSV, Excel, HTML, Markdown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from evalkit.plugins.hookspecs import hookimpl
from evalkit.reporters.csv_reporter import CSV_REPORTER
from evalkit.reporters.html import HTML_REPORTER
from evalkit.reporters.json_reporter import JSON_REPORTER
from evalkit.reporters.markdown import MARKDOWN_REPORTER
from evalkit.reporters.table import TABLE_REPORTER
from evalkit.reporters.xlsx import XLSX_REPORTER

if TYPE_CHECKING:
    from evalkit.reporters.base import Reporter


@hookimpl
def evalkit_register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register the built-in reporters."""
    for reporter in (TABLE_REPORTER, JSON_REPORTER, CSV_REPORTER, XLSX_REPORTER, HTML_REPORTER, MARKDOWN_REPORTER):
        register(reporter)
