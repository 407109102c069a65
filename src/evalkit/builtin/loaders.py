"""Registers the built-in data loaders (CSV, JSON, XLSX)."""

from evalkit.hookspecs import hookimpl
from evalkit.loaders.csv_loader import CSV_LOADER
from evalkit.loaders.json_loader import JSON_LOADER
from evalkit.loaders.xlsx_loader import XLSX_LOADER


@hookimpl
def evalkit_register_loaders(register):
    for loader in (CSV_LOADER, JSON_LOADER, XLSX_LOADER):
        register(loader)
