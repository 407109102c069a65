"""Registers the built-in data loaders (CSV, JSON, XLSX)."""

from evalkit.io.csv_loader import CSV_LOADER
from evalkit.io.json_loader import JSON_LOADER
from evalkit.io.xlsx_loader import XLSX_LOADER
from evalkit.plugins.hookspecs import hookimpl


@hookimpl
def evalkit_register_loaders(register):
    for loader in (CSV_LOADER, JSON_LOADER, XLSX_LOADER):
        register(loader)
