"""Registers the built-in data loaders (CSV, JSON, XLSX, Parquet)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from evalkit.io.csv_loader import CSV_LOADER
from evalkit.io.json_loader import JSON_LOADER
from evalkit.io.readers import PARQUET_LOADER
from evalkit.io.xlsx_loader import XLSX_LOADER
from evalkit.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from evalkit.io.table import Loader


@hookimpl
def evalkit_register_loaders(register: Callable[[Loader], None]) -> None:
    """Register the built-in loaders."""
    for loader in (CSV_LOADER, JSON_LOADER, XLSX_LOADER, PARQUET_LOADER):
        register(loader)
