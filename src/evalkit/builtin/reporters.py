"""Registers the built-in reporters (terminal table, JSON, CSV)."""

from evalkit.hookspecs import hookimpl
from evalkit.reporters.csv_reporter import CSV_REPORTER
from evalkit.reporters.json_reporter import JSON_REPORTER
from evalkit.reporters.table import TABLE_REPORTER


@hookimpl
def evalkit_register_reporters(register):
    for reporter in (TABLE_REPORTER, JSON_REPORTER, CSV_REPORTER):
        register(reporter)
